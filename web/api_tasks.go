package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
)

// todayPage is the agenda as the API returns it.
type todayPage struct {
	Tasks []nudge.TaskView `json:"tasks"`
	Until time.Time        `json:"until"`
}

// apiToday is Today in JSON: the caller's open tasks due by the end of
// their day, each with its rule, reason, guard note and script.
func (s *Server) apiToday(w http.ResponseWriter, r *http.Request, c *call) error {
	tasks, err := s.todayTasks(r.Context(), c.user)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, todayPage{Tasks: tasks, Until: s.svc.EndOfDay(userZone(c.user))})
	return nil
}

// commitmentInput is homework in the API: who owes what, by when (A2, A3).
type commitmentInput struct {
	Party nudge.Party `json:"party"`
	What  string      `json:"what"`
	Due   time.Time   `json:"due"`
}

func commitments(in []commitmentInput) []*nudge.Commitment {
	out := make([]*nudge.Commitment, len(in))
	for i, c := range in {
		out[i] = &nudge.Commitment{Party: c.Party, What: c.What, Due: c.Due}
	}
	return out
}

// doneInput is what came of a task.
type doneInput struct {
	Outcome     nudge.Outcome     `json:"outcome"`
	Note        nudge.WIN         `json:"note"`
	At          time.Time         `json:"at"`
	Commitments []commitmentInput `json:"commitments"`
}

// nextTasks is the person's open tasks after an action.
type nextTasks struct {
	Next []nudge.Task `json:"next"`
}

func (s *Server) apiTaskDone(w http.ResponseWriter, r *http.Request, c *call) error {
	_, t, err := c.taskInPath(r)
	if err != nil {
		return err
	}
	var in doneInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	next, err := s.svc.Done(r.Context(), t.ID, followup.Result{Outcome: in.Outcome, Note: in.Note, At: in.At, Commitments: commitments(in.Commitments)})
	if err != nil {
		return err
	}
	if next == nil {
		next = []nudge.Task{}
	}
	writeJSON(w, http.StatusOK, nextTasks{Next: next})
	return nil
}

// snoozeInput is E2's "call me in two weeks": until a time, or "14d".
type snoozeInput struct {
	Until string `json:"until"`
}

func (s *Server) apiTaskSnooze(w http.ResponseWriter, r *http.Request, c *call) error {
	_, t, err := c.taskInPath(r)
	if err != nil {
		return err
	}
	var in snoozeInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	until, err := snoozeUntil(in.Until, s.clock.Now(), userZone(c.user))
	if err != nil {
		return err
	}
	if err := s.svc.Snooze(r.Context(), t.ID, until); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"snoozed_until": until})
	return nil
}

type skipInput struct {
	Reason string `json:"reason"`
}

func (s *Server) apiTaskSkip(w http.ResponseWriter, r *http.Request, c *call) error {
	_, t, err := c.taskInPath(r)
	if err != nil {
		return err
	}
	var in skipInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.svc.Skip(r.Context(), t.ID, strings.TrimSpace(in.Reason)); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"skipped": t.ID})
	return nil
}
