package web

import (
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
	Source      string          `json:"source,omitempty"`
	Variants    int             `json:"variants"`
	Findings    []mail.Finding  `json:"findings,omitempty"`
	Previews    []mail.Message  `json:"previews,omitempty"`
	Errors      map[string]bool `json:"-"`
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

// inspect lints and previews a template.
func inspect(t *mail.Template, withSource bool) templateView {
	tv := templateView{Name: t.Name, Rule: t.Rule, Description: t.Description, Variants: len(t.Variants)}
	if withSource {
		tv.Source = templateSource(t)
		sample := mail.Sample()
		tv.Findings = mail.Lint(t, sample)
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

// templateList is every built-in template, by name.
func templateList() []templateView {
	all := mail.Builtin()
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]templateView, 0, len(names))
	for _, n := range names {
		out = append(out, inspect(all[n], false))
	}
	return out
}

func findTemplate(name string) (*mail.Template, error) {
	t := mail.Builtin()[name]
	if t == nil {
		return nil, nudge.Errorf(nudge.ENOTFOUND, "no template named %q", name)
	}
	return t, nil
}

func (s *Server) templates(w http.ResponseWriter, r *http.Request, c *call) error {
	s.render(w, r, http.StatusOK, "templates", s.newView(w, r, c, "Templates", templateList()))
	return nil
}

func (s *Server) template(w http.ResponseWriter, r *http.Request, c *call) error {
	t, err := findTemplate(r.PathValue("name"))
	if err != nil {
		return err
	}
	tv := inspect(t, true)
	v := s.newView(w, r, c, "Template "+t.Name, tv)
	v.Form.Set("source", tv.Source)
	s.render(w, r, http.StatusOK, "template", v)
	return nil
}

// templatePreview lints and previews an edited source without storing it:
// the rep sees the blunders (D2) and the rendering before the template is
// used. Storing overrides arrives with the mail outbox.
func (s *Server) templatePreview(w http.ResponseWriter, r *http.Request, c *call) error {
	name := r.PathValue("name")
	if _, err := findTemplate(name); err != nil {
		return err
	}
	src := r.PostFormValue("source")
	t, err := mail.Parse(name, src)
	v := s.newView(w, r, c, "Template "+name, templateView{Name: name})
	v.Form = r.PostForm
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
	v.Data = tv
	s.render(w, r, http.StatusOK, "template", v)
	return nil
}
