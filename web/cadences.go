package web

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/method"
)

// cadencesData is the Cadences list and one cadence's page.
type cadencesData struct {
	Cadences []*nudge.Cadence
	Cadence  *nudge.Cadence
	Own      map[string]bool // the user-defined ones
}

func (s *Server) cadences(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	lib, err := s.svc.Library(ctx)
	if err != nil {
		return err
	}
	own, err := s.db.FindCadences(ctx)
	if err != nil {
		return err
	}
	d := &cadencesData{Own: map[string]bool{}}
	for _, n := range lib.Names() {
		d.Cadences = append(d.Cadences, lib[n])
	}
	for n := range own {
		d.Own[n] = true
	}
	s.render(w, r, http.StatusOK, "cadences", s.newView(w, r, c, "Cadences", d))
	return nil
}

func (s *Server) cadence(w http.ResponseWriter, r *http.Request, c *call) error {
	lib, err := s.svc.Library(r.Context())
	if err != nil {
		return err
	}
	cd := lib[r.PathValue("name")]
	if cd == nil {
		return nudge.Errorf(nudge.ENOTFOUND, "no cadence named %q", r.PathValue("name"))
	}
	s.render(w, r, http.StatusOK, "cadence", s.newView(w, r, c, "Cadence "+cd.Name, &cadencesData{Cadence: cd}))
	return nil
}

// cadenceForm is the upload/edit form; ?from=NAME starts from a cadence's
// JSON (method/FORMAT.md).
func (s *Server) cadenceForm(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := adminOnly(c, "change cadences"); err != nil {
		return err
	}
	v := s.newView(w, r, c, "Upload or edit a cadence", &cadencesData{})
	if from := r.URL.Query().Get("from"); from != "" {
		lib, err := s.svc.Library(r.Context())
		if err != nil {
			return err
		}
		if cd := lib[from]; cd != nil {
			js, err := json.MarshalIndent(cd, "", "  ")
			if err != nil {
				return err
			}
			v.Form.Set("definition", string(js))
		}
	}
	s.render(w, r, http.StatusOK, "cadence_form", v)
	return nil
}

// cadenceSave validates a cadence (pasted, or uploaded as a file) and stores
// it; one named like a built-in replaces it. Errors are shown beside the
// definition, with what the user typed kept.
func (s *Server) cadenceSave(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := adminOnly(c, "change cadences"); err != nil {
		return err
	}
	ctx := r.Context()
	def := []byte(r.PostFormValue("definition"))
	if file, _, err := r.FormFile("file"); err == nil {
		defer file.Close()
		if def, err = io.ReadAll(file); err != nil {
			return malformed("file", "cannot read the upload: %v", err)
		}
	}
	cd, err := method.ParseCadence(def)
	if err == nil {
		// The whole library must still hang together (branches, next).
		lib, lerr := s.svc.Library(ctx)
		if lerr != nil {
			return lerr
		}
		lib[cd.Name] = cd
		err = lib.Validate()
	}
	if err == nil {
		err = s.db.SaveCadence(ctx, cd.Name, def)
	}
	if err != nil {
		v := s.newView(w, r, c, "Upload or edit a cadence", &cadencesData{})
		if !v.formError(err, r.PostForm) {
			return err
		}
		// Every cadence error belongs to the definition as a whole; name
		// the field inside it in the message.
		for k, msg := range v.Errors {
			if k != "definition" {
				delete(v.Errors, k)
				if k != "" {
					msg = k + ": " + msg
				}
				v.Errors["definition"] = strings.TrimSpace(v.Errors["definition"] + " " + msg)
			}
		}
		v.Form.Set("definition", string(def))
		s.render(w, r, http.StatusUnprocessableEntity, "cadence_form", v)
		return nil
	}
	s.redirect(w, r, "/cadences/"+cd.Name, "Saved cadence "+cd.Name+".")
	return nil
}

// adminOnly refuses non-admins.
func adminOnly(c *call, what string) error {
	if c.user.Role != nudge.UserAdmin {
		return nudge.Errorf(nudge.EUNAUTHORIZED, "only an admin may %s", what)
	}
	return nil
}
