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
	list, err := s.templateList(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, templatesPage{Templates: list})
	return nil
}

// apiTemplate is one template with its source, lint findings and previews.
func (s *Server) apiTemplate(w http.ResponseWriter, r *http.Request, c *call) error {
	t, overridden, err := s.findTemplate(r.Context(), r.PathValue("name"))
	if err != nil {
		return err
	}
	tv := inspect(t, true)
	tv.Overridden = overridden
	writeJSON(w, http.StatusOK, tv)
	return nil
}
