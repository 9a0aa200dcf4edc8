package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/store"
)

// todayData is the Today page.
type todayData struct {
	Tasks []nudge.TaskView
	// Outcomes are the one-click buttons of a task, by its channel.
	Outcomes map[nudge.Channel][]nudge.Outcome
	Next     *nextAppointment
	Zone     string
	// Nearby is "In the area (E7)": quiet prospects near the caller's
	// visits (insight.go).
	Nearby *nearbyData
}

// nextAppointment is the countdown of Today (C2: never late).
type nextAppointment struct {
	nudge.Appointment
	Person   string
	PersonTZ string
}

// userZone is the user's own zone: where "today" ends.
func userZone(u *nudge.User) *time.Location {
	if u.TimeZone != "" {
		if loc, err := nudge.LoadLocation(u.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}

// todayTasks is the caller's agenda: the open tasks assigned to them due by
// the end of their day; an admin also sees the unassigned ones (people no
// rep owns).
func (s *Server) todayTasks(ctx context.Context, u *nudge.User) ([]nudge.TaskView, error) {
	until := s.svc.EndOfDay(userZone(u))
	tasks, err := s.svc.Today(ctx, &u.ID, until)
	if err != nil {
		return nil, err
	}
	if u.Role == nudge.UserAdmin {
		var none int64
		more, err := s.svc.Today(ctx, &none, until)
		if err != nil {
			return nil, err
		}
		tasks = append(tasks, more...)
		slices.SortStableFunc(tasks, func(a, b nudge.TaskView) int {
			ta, _ := time.Parse(time.RFC3339, a.Due)
			tb, _ := time.Parse(time.RFC3339, b.Due)
			return ta.Compare(tb)
		})
	}
	return tasks, nil
}

func (s *Server) today(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := s.todayView(w, r, c)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "today", v)
	return nil
}

func (s *Server) todayView(w http.ResponseWriter, r *http.Request, c *call) (*view, error) {
	ctx := r.Context()
	tasks, err := s.todayTasks(ctx, c.user)
	if err != nil {
		return nil, err
	}
	d := todayData{Tasks: tasks, Outcomes: map[nudge.Channel][]nudge.Outcome{}, Zone: userZone(c.user).String()}
	for _, t := range tasks {
		d.Outcomes[t.Channel] = t.Channel.Outcomes()
	}
	now := s.clock.Now()
	aps, err := s.db.FindAppointments(ctx, store.AppointmentFilter{UserID: &c.user.ID, From: &now})
	if err != nil {
		return nil, err
	}
	for _, a := range aps {
		if a.State != nudge.AppointmentScheduled {
			continue
		}
		p, err := s.db.FindPersonByID(ctx, a.PersonID)
		if err != nil {
			return nil, err
		}
		d.Next = &nextAppointment{Appointment: a, Person: displayName(p), PersonTZ: p.TimeZone}
		break
	}
	if d.Nearby, err = s.todayNearby(ctx, c, r.URL.Query()); err != nil {
		return nil, err
	}
	v := s.newView(w, r, c, "Today", d)
	d.Nearby.report(v)
	return v, nil
}

// displayName is a person's name, or their email when unnamed.
func displayName(p *nudge.Person) string {
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}

// resultOf reads an outcome form: the outcome, the W.I.N. note (A1) and an
// optional prospect commitment (A3) and rep homework (A2).
func resultOf(r *http.Request, loc *time.Location) (followup.Result, error) {
	res := followup.Result{
		Outcome: nudge.Outcome(strings.TrimSpace(r.PostFormValue("outcome"))),
		Note: nudge.WIN{What: strings.TrimSpace(r.PostFormValue("what")), Insights: strings.TrimSpace(r.PostFormValue("insights")),
			NextSteps: strings.TrimSpace(r.PostFormValue("next_steps"))},
	}
	cs, err := commitmentsOf(r, loc)
	res.Commitments = cs
	return res, err
}

// commitmentsOf reads the homework both ways (A2) of a form: the
// prospect's commitment and the rep's homework, each with its due date.
func commitmentsOf(r *http.Request, loc *time.Location) ([]*nudge.Commitment, error) {
	var cs []*nudge.Commitment
	for _, k := range []struct {
		party nudge.Party
		field string
	}{{nudge.PartyProspect, "commitment"}, {nudge.PartyRep, "rep_homework"}} {
		what := strings.TrimSpace(r.PostFormValue(k.field))
		if what == "" {
			continue
		}
		due, err := parseLocal(k.field+"_due", r.PostFormValue(k.field+"_due"), loc)
		if err != nil {
			return nil, err
		}
		cs = append(cs, &nudge.Commitment{Party: k.party, What: what, Due: due})
	}
	return cs, nil
}

// taskForm re-renders Today with a task's form in error.
func (s *Server) taskForm(w http.ResponseWriter, r *http.Request, c *call, id int64, err error) error {
	v, verr := s.todayView(w, r, c)
	if verr != nil {
		return verr
	}
	if !v.formError(err, r.PostForm) {
		return err
	}
	v.Form.Set("task", strconv.FormatInt(id, 10))
	s.render(w, r, http.StatusUnprocessableEntity, "today", v)
	return nil
}

// back is where a task form returns: the page it came from, else Today.
func back(r *http.Request) string {
	return safeNext(r.PostFormValue("back"))
}

func (s *Server) taskDone(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	id, t, err := c.taskInPath(r)
	if err != nil {
		return err
	}
	res, err := resultOf(r, userZone(c.user))
	if err == nil {
		var next []nudge.Task
		next, err = s.svc.Done(ctx, t.ID, res)
		if err == nil {
			s.redirect(w, r, back(r), doneMessage(t, res.Outcome, next, t.TimeZone))
			return nil
		}
	}
	return s.taskForm(w, r, c, id, err)
}

// doneMessage tells the rep what they logged and what comes next.
func doneMessage(t *store.TaskRow, o nudge.Outcome, next []nudge.Task, tz string) string {
	msg := fmt.Sprintf("Logged %s with %s.", o, t.Person)
	if o.HardStop() {
		return msg + " G1: no more touches for this person."
	}
	loc := time.UTC
	if l, err := nudge.LoadLocation(tz); err == nil && tz != "" {
		loc = l
	}
	for _, n := range next {
		msg += fmt.Sprintf(" Next: %s %s (%s: %s).", n.Channel, n.Due.In(loc).Format("Mon 2 Jan 15:04 MST"), n.Rule, n.Reason)
	}
	return msg
}

func (s *Server) taskSnooze(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	id, t, err := c.taskInPath(r)
	if err != nil {
		return err
	}
	until, err := snoozeUntil(r.PostFormValue("until"), s.clock.Now(), userZone(c.user))
	if err == nil {
		if err = s.svc.Snooze(ctx, t.ID, until); err == nil {
			s.redirect(w, r, back(r), fmt.Sprintf("Snoozed %s until %s (E2).", t.Person, until.In(userZone(c.user)).Format("Mon 2 Jan 2006")))
			return nil
		}
	}
	return s.taskForm(w, r, c, id, err)
}

// snoozeUntil reads "14d" (days from now) or a date.
func snoozeUntil(v string, now time.Time, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		v = "14d"
	}
	if d, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 365 {
			return time.Time{}, nudge.FieldError("until", "%q is not a number of days between 1 and 365 (e.g. 14d) or a date", v)
		}
		return now.AddDate(0, 0, n), nil
	}
	return parseLocal("until", v, loc)
}

func (s *Server) taskSkip(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	id, t, err := c.taskInPath(r)
	if err != nil {
		return err
	}
	if err := s.svc.Skip(ctx, t.ID, r.PostFormValue("reason")); err != nil {
		return s.taskForm(w, r, c, id, err)
	}
	s.redirect(w, r, back(r), fmt.Sprintf("Skipped the %s to %s.", t.Channel, t.Person))
	return nil
}
