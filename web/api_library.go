package web

import (
	"net/http"

	"github.com/nudgecrm/nudge"
)

type cadencesPage struct {
	Cadences []*nudge.Cadence `json:"cadences"`
}

func (s *Server) apiCadences(w http.ResponseWriter, r *http.Request, c *call) error {
	lib, err := s.svc.Library(r.Context())
	if err != nil {
		return err
	}
	out := cadencesPage{Cadences: []*nudge.Cadence{}}
	for _, n := range lib.Names() {
		out.Cadences = append(out.Cadences, lib[n])
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiCadence(w http.ResponseWriter, r *http.Request, c *call) error {
	lib, err := s.svc.Library(r.Context())
	if err != nil {
		return err
	}
	cd := lib[r.PathValue("name")]
	if cd == nil {
		return nudge.Errorf(nudge.ENOTFOUND, "no cadence named %q", r.PathValue("name"))
	}
	writeJSON(w, http.StatusOK, cd)
	return nil
}

type templatesPage struct {
	Templates []templateView `json:"templates"`
}

func (s *Server) apiTemplates(w http.ResponseWriter, r *http.Request, c *call) error {
	writeJSON(w, http.StatusOK, templatesPage{Templates: templateList()})
	return nil
}

// apiTemplate is one template with its source, lint findings and previews.
func (s *Server) apiTemplate(w http.ResponseWriter, r *http.Request, c *call) error {
	t, err := findTemplate(r.PathValue("name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inspect(t, true))
	return nil
}
