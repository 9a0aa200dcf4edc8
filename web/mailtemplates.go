package web

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/mail"
)

// templateView is one email or script template with its lint findings
// (D2 blunders, D4 value, B7 repeats) and a preview of each variant
// rendered with the sample scene.
type templateView struct {
	Name        string          `json:"name"`
	Rule        string          `json:"rule"`
	Description string          `json:"description"`
	Overridden  bool            `json:"overridden"` // the users' own source is in force
	Source      string          `json:"source,omitempty"`
	Variants    int             `json:"variants"`
	Findings    []mail.Finding  `json:"findings,omitempty"`
	Previews    []mail.Message  `json:"previews,omitempty"`
	Errors      map[string]bool `json:"-"`
	CanEdit     bool            `json:"-"`
}

// templateSource rebuilds a template file from its parts.
func templateSource(t *mail.Template) string {
	var b strings.Builder
	if t.Rule != "" {
		b.WriteString("# rule: " + t.Rule + "\n")
	}
	if t.Description != "" {
		b.WriteString("# description: " + t.Description + "\n")
	}
	b.WriteString(strings.Join(t.Variants, mail.VariantSeparator+"\n"))
	return b.String()
}

// inspect lints and previews a template; the findings are the ones a save
// would meet (mail.LintSource).
func inspect(t *mail.Template, withSource bool) templateView {
	tv := templateView{Name: t.Name, Rule: t.Rule, Description: t.Description, Variants: len(t.Variants)}
	if withSource {
		tv.Source = templateSource(t)
		sample := mail.Sample()
		tv.Findings = mail.LintSource(t)
		for i := range t.Variants {
			m, err := t.Render(sample, i)
			if err != nil {
				tv.Findings = append(tv.Findings, mail.Finding{Rule: "VAR", Severity: mail.SeverityError, Message: nudge.ErrorMessage(err)})
				continue
			}
			tv.Previews = append(tv.Previews, m)
		}
	}
	return tv
}

// templateList is every template in force by name: the built-ins, the
// users' overrides in their place, and templates of their own.
func (s *Server) templateList(ctx context.Context) ([]templateView, error) {
	over, err := s.db.FindTemplates(ctx)
	if err != nil {
		return nil, err
	}
	all := mail.Builtin()
	names := slices.Sorted(maps.Keys(all))
	for n := range over {
		if all[n] == nil {
			names = append(names, n)
		}
	}
	out := make([]templateView, 0, len(names))
	for _, n := range names {
		t, err := mail.Lookup(n, over)
		if err != nil {
			return nil, fmt.Errorf("stored template %s: %w", n, err)
		}
		tv := inspect(t, false)
		_, tv.Overridden = over[n]
		out = append(out, tv)
	}
	return out, nil
}

// findTemplate returns the template in force called name and whether it is
// the users' override.
func (s *Server) findTemplate(ctx context.Context, name string) (*mail.Template, bool, error) {
	over, err := s.db.FindTemplates(ctx)
	if err != nil {
		return nil, false, err
	}
	t, err := mail.Lookup(name, over)
	if err != nil {
		if nudge.ErrorCode(err) == nudge.ENOTFOUND {
			return nil, false, nudge.Errorf(nudge.ENOTFOUND, "no template named %q", name)
		}
		return nil, false, err
	}
	_, overridden := over[name]
	return t, overridden, nil
}

func (s *Server) templates(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := s.templateList(r.Context())
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "templates", s.newView(w, r, c, "Templates", list))
	return nil
}

func (s *Server) template(w http.ResponseWriter, r *http.Request, c *call) error {
	t, overridden, err := s.findTemplate(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	tv := inspect(t, true)
	tv.Overridden, tv.CanEdit = overridden, c.user.Role == nudge.UserAdmin
	v := s.newView(w, r, c, "Template "+t.Name, tv)
	v.Form.Set("source", tv.Source)
	s.render(w, r, http.StatusOK, "template", v)
	return nil
}

// templatePost lints and previews an edited source (action=preview, the
// default) or stores it as the override everyone's tasks and emails use
// (action=save, admins only, like cadences). A source that does not parse
// or has lint errors comes back with the findings beside it, the text kept.
func (s *Server) templatePost(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	name := r.PathValue("name")
	_, overridden, err := s.findTemplate(ctx, name)
	if err != nil {
		return err
	}
	save := r.PostFormValue("action") == "save"
	if save {
		if err := adminOnly(c, "change a template"); err != nil {
			return err
		}
	}
	src := r.PostFormValue("source")
	v := s.newView(w, r, c, "Template "+name, templateView{Name: name, Overridden: overridden, CanEdit: c.user.Role == nudge.UserAdmin})
	v.Form = r.PostForm
	t, err := mail.Lookup(name, map[string]string{name: src})
	if err != nil {
		if !v.formError(err, r.PostForm) {
			return err
		}
		for k, msg := range v.Errors {
			delete(v.Errors, k)
			v.Errors["source"] = msg
		}
		s.render(w, r, http.StatusUnprocessableEntity, "template", v)
		return nil
	}
	tv := inspect(t, true)
	tv.Overridden, tv.CanEdit = overridden, c.user.Role == nudge.UserAdmin
	v.Data = tv
	if !save {
		s.render(w, r, http.StatusOK, "template", v)
		return nil
	}
	if _, err := mail.SaveTemplate(ctx, s.db, name, src); err != nil {
		if mail.HasErrors(tv.Findings) {
			v.Errors["source"] = "Not saved: fix the lint errors listed above."
		} else if !v.formError(err, r.PostForm) {
			return err
		}
		s.render(w, r, http.StatusUnprocessableEntity, "template", v)
		return nil
	}
	s.redirect(w, r, "/templates/"+name, "Saved template "+name+": tasks and emails use it from now on.")
	return nil
}

// templateReset deletes the override: the built-in is used again.
func (s *Server) templateReset(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := adminOnly(c, "change a template"); err != nil {
		return err
	}
	name := r.PathValue("name")
	if err := s.db.DeleteTemplate(r.Context(), name); err != nil {
		return err
	}
	to := "/templates/" + name
	if _, ok := mail.BuiltinSource(name); !ok {
		to = "/templates"
	}
	s.redirect(w, r, to, "Template "+name+" is back to the built-in.")
	return nil
}
