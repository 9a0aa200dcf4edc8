package web

import (
	"net/http"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
)

// personParam reads the required person_id query parameter and checks the
// caller may see that person.
func (c *call) personParam(r *http.Request) (*nudge.Person, error) {
	id, err := queryID(r, "person_id")
	if err != nil {
		return nil, err
	}
	if id == 0 {
		return nil, malformed("person_id", "say whose: ?person_id=…")
	}
	return c.person(r.Context(), id)
}

type interactionsPage struct {
	Interactions []*nudge.Interaction `json:"interactions"`
	Total        int                  `json:"total"`
}

// apiInteractions is a person's history of touches, newest first.
func (s *Server) apiInteractions(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := c.personParam(r)
	if err != nil {
		return err
	}
	is, total, err := s.db.FindInteractions(r.Context(), nudge.InteractionFilter{PersonID: &p.ID, Limit: 500})
	if err != nil {
		return err
	}
	if is == nil {
		is = []*nudge.Interaction{}
	}
	writeJSON(w, http.StatusOK, interactionsPage{Interactions: is, Total: total})
	return nil
}

// interactionInput is a touch logged through the API, with its W.I.N. note
// (A1) and homework both ways (A2, A3).
type interactionInput struct {
	PersonID    int64             `json:"person_id"`
	Channel     nudge.Channel     `json:"channel"`
	Direction   nudge.Direction   `json:"direction"`
	Outcome     nudge.Outcome     `json:"outcome"`
	At          time.Time         `json:"at"`
	Subject     string            `json:"subject"`
	Note        nudge.WIN         `json:"note"`
	Commitments []commitmentInput `json:"commitments"`
}

type interactionCreated struct {
	Interaction *nudge.Interaction `json:"interaction"`
	Warnings    []string           `json:"warnings,omitempty"`
}

func (s *Server) apiInteractionCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	var in interactionInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.PersonID == 0 {
		return nudge.FieldError("person_id", "say whose touch this is")
	}
	if _, err := c.person(r.Context(), in.PersonID); err != nil {
		return err
	}
	i := &nudge.Interaction{PersonID: in.PersonID, UserID: c.user.ID, Channel: in.Channel, Direction: in.Direction,
		Outcome: in.Outcome, At: in.At, Subject: in.Subject, Note: in.Note}
	if i.At.IsZero() {
		i.At = s.clock.Now()
	}
	cs := commitments(in.Commitments)
	if err := s.svc.Log(r.Context(), i, cs); err != nil {
		return err
	}
	out := interactionCreated{Interaction: i}
	if warn := a3Warning(i, cs); warn != "" {
		out.Warnings = append(out.Warnings, warn)
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

type enrollmentsPage struct {
	Enrollments []followup.EnrollmentView `json:"enrollments"`
}

func (s *Server) apiEnrollments(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := c.personParam(r)
	if err != nil {
		return err
	}
	es, err := s.svc.Enrollments(r.Context(), p.ID)
	if err != nil {
		return err
	}
	if es == nil {
		es = []followup.EnrollmentView{}
	}
	writeJSON(w, http.StatusOK, enrollmentsPage{Enrollments: es})
	return nil
}

type enrollmentInput struct {
	PersonID int64  `json:"person_id"`
	Cadence  string `json:"cadence"`
}

func (s *Server) apiEnrollmentCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	var in enrollmentInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.PersonID == 0 {
		return nudge.FieldError("person_id", "say who to enrol")
	}
	if _, err := c.person(r.Context(), in.PersonID); err != nil {
		return err
	}
	e, err := s.svc.Enroll(r.Context(), in.PersonID, in.Cadence)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, e)
	return nil
}
