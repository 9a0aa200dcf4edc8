package followup

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/chart"
	"github.com/nudgecrm/nudge/method"
	"github.com/nudgecrm/nudge/store"
)

// F2 value inventory bound to the engine. Recording a value line enrols the
// customer in the built-in value-check cadence, whose tasks are the
// scheduled re-measurements. Whenever a line's status turns — met after a
// measurement, missed after a measurement or once its goal date passes —
// the conversation it calls for is proposed as a task: a "why not" call for
// a missed goal (a chance to sell more), a call to look for other areas to
// help for a met one. The task is planned by method.Plan, so G1 (no task
// for someone who said no), G2 (the caps count it against their other
// touches) and G3 (calling hours on their business days) apply, and it
// names rule F2 and its reason on Today. Like "reply received", it belongs
// to no enrollment: it is the rep's to do, once, and re-planning leaves it
// alone (G1 still hides it: the agenda skips do-not-contact people, and
// marking someone so deletes their open tasks).

// valueReview is the one-step cadence each proposal is planned through; it
// is not in the library, since nobody is enrolled in it.
var valueReview = &nudge.Cadence{Name: "value-review", Rule: "F2", Active: new(false), Steps: []nudge.Step{
	{ID: string(nudge.ValueMissed), Rule: "F2", Channel: nudge.ChannelCall, Voicemail: true,
		Delay:  nudge.Delay{Amount: 1, Unit: nudge.BusinessDays, From: nudge.FromEnrollment},
		Reason: "a value goal was missed: a \"why not\" conversation, a chance to sell more"},
	{ID: string(nudge.ValueMet), Rule: "F2", Channel: nudge.ChannelCall, Voicemail: true,
		Delay:  nudge.Delay{Amount: 1, Unit: nudge.BusinessDays, From: nudge.FromEnrollment},
		Reason: "a value goal was met: look for other areas to help"},
}}

// ValueChange is what recording a value line or a measurement did.
type ValueChange struct {
	Line     nudge.ValueProgress `json:"line"`               // the line as it stands now
	Enrolled bool                `json:"enrolled,omitempty"` // the customer was enrolled in value-check
	Proposed *nudge.Task         `json:"proposed,omitempty"` // the conversation proposed, if the status turned
	Note     string              `json:"note,omitempty"`     // why nothing was enrolled or proposed, when that matters
}

// AddValueLine records a value line for a customer (F2) — a person with
// status customer or a won deal — and enrols them in the value-check cadence
// unless they are in it already. EINVALID for bad input or someone who is
// not a customer; ECONFLICT for a second line of the same name.
func (s *Service) AddValueLine(ctx context.Context, l *nudge.ValueLine) (*ValueChange, error) {
	var out ValueChange
	err := s.withPerson(ctx, l.PersonID, func(tx *store.Tx, w *world, snap *store.Snapshot) error {
		p := &snap.Person
		if p.Status != nudge.StatusCustomer {
			won, err := tx.HasWonDeal(p.ID)
			if err != nil {
				return err
			}
			if !won {
				return nudge.FieldError("person", "%s is a %s: value lines are for customers (status customer or a won deal, F2)", personName(p), p.Status)
			}
		}
		if err := tx.AddValueLine(l); err != nil {
			return err
		}
		out.Enrolled, out.Note = enrolValueCheck(w, snap)
		lines, ms, err := tx.ValueLines(p.ID)
		if err != nil {
			return err
		}
		out.Proposed, err = s.review(tx, w, snap, lines, ms)
		if err != nil {
			return err
		}
		out.Line = nudge.AssessValue(*l, nil, w.now)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// enrolValueCheck enrols the customer in value-check when no enrollment in
// it is open; the scheduled re-measurements are its steps. Their other
// enrollments are left alone: value checks are not active follow-up (B3).
func enrolValueCheck(w *world, snap *store.Snapshot) (bool, string) {
	c := w.lib["value-check"]
	if c == nil {
		return false, "no value-check cadence in the library: no re-measurements are scheduled"
	}
	if slices.ContainsFunc(snap.Enrollments, func(e nudge.Enrollment) bool { return e.Cadence == c.Name && e.State.Open() }) {
		return false, ""
	}
	if stop, why := method.HardStop(snap.Person, snap.History); stop {
		return false, why + ": no re-measurements are scheduled"
	}
	snap.Enrollments = append(snap.Enrollments, nudge.Enrollment{PersonID: snap.Person.ID, UserID: snap.Person.OwnerID,
		Cadence: c.Name, State: nudge.EnrollmentActive, StepID: c.Steps[0].ID, StartedAt: w.now, AnchorAt: w.now, Rule: "F2"})
	return true, ""
}

// Measure records a re-measurement of the customer's line named line (its
// name, compared case-insensitively, or its id) and proposes the
// conversation a turn of its status calls for. ENOTFOUND for no such line;
// EINVALID.
func (s *Service) Measure(ctx context.Context, personID int64, line string, m *nudge.Measurement) (*ValueChange, error) {
	var out ValueChange
	err := s.withPerson(ctx, personID, func(tx *store.Tx, w *world, snap *store.Snapshot) error {
		lines, ms, err := tx.ValueLines(personID)
		if err != nil {
			return err
		}
		i := findLine(lines, line)
		if i < 0 {
			return noLine(&snap.Person, line, lines)
		}
		if m.At.IsZero() {
			m.At = w.now
		}
		if err := m.Validate(&lines[i], w.now); err != nil {
			return err
		}
		if err := tx.AddMeasurement(m); err != nil {
			return err
		}
		ms = append(ms, *m)
		if out.Proposed, err = s.review(tx, w, snap, lines, ms); err != nil {
			return err
		}
		out.Line = nudge.AssessValue(lines[i], ms, w.now)
		if out.Line.Status.Decided() && out.Proposed == nil && lines[i].Reviewed != out.Line.Status {
			if _, why := method.HardStop(snap.Person, snap.History); why != "" {
				out.Note = why + ": no conversation proposed"
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// findLine returns the index of the line named by ref (name or id), or -1.
func findLine(lines []nudge.ValueLine, ref string) int {
	ref = strings.TrimSpace(ref)
	key := strings.ToLower(strings.Join(strings.Fields(ref), " "))
	id, _ := strconv.ParseInt(ref, 10, 64)
	return slices.IndexFunc(lines, func(l nudge.ValueLine) bool { return strings.ToLower(l.Name) == key || l.ID == id })
}

func noLine(p *nudge.Person, ref string, lines []nudge.ValueLine) error {
	names := make([]string, len(lines))
	for i, l := range lines {
		names[i] = strconv.Quote(l.Name)
	}
	have := "none yet: add one with `nudge value add`"
	if len(names) > 0 {
		have = strings.Join(names, ", ")
	}
	return &nudge.Error{Code: nudge.ENOTFOUND, Field: "line", Message: fmt.Sprintf("%s has no value line %q (lines: %s)", personName(p), ref, have)}
}

// review assesses every line of the person at now. A line whose status
// turned to met or missed since the last proposal gets its conversation:
// one task per kind, naming every line in that status (an open one of the
// same kind is rewritten to name them all). It records what was proposed
// and, once a line's goal date has passed, that the scheduler need not
// look at it again. It returns the task proposed or rewritten, if any.
func (s *Service) review(tx *store.Tx, w *world, snap *store.Snapshot, lines []nudge.ValueLine, ms []nudge.Measurement) (*nudge.Task, error) {
	now := w.now
	byStatus := map[nudge.ValueStatus][]nudge.ValueProgress{}
	turned := map[nudge.ValueStatus]bool{}
	for _, l := range lines {
		p := nudge.AssessValue(l, ms, now)
		byStatus[p.Status] = append(byStatus[p.Status], p)
		reviewed, at := l.Reviewed, l.ReviewedAt
		if p.Status.Decided() && p.Status != l.Reviewed {
			turned[p.Status] = true
			reviewed, at = p.Status, &now
		}
		if err := tx.SetValueReview(l.ID, reviewed, at, !now.Before(l.GoalBy)); err != nil {
			return nil, err
		}
	}
	var proposed *nudge.Task
	for _, kind := range []nudge.ValueStatus{nudge.ValueMissed, nudge.ValueMet} {
		if !turned[kind] {
			continue
		}
		t, err := s.propose(tx, w, snap, kind, byStatus[kind])
		if err != nil {
			return nil, err
		}
		if t != nil {
			proposed = t
		}
	}
	return proposed, nil
}

// propose plans the conversation for lines in one status through the
// engine's guardrails, or rewrites the open one of that kind. Nothing is
// proposed to someone who may not be contacted (G1).
func (s *Service) propose(tx *store.Tx, w *world, snap *store.Snapshot, kind nudge.ValueStatus, lines []nudge.ValueProgress) (*nudge.Task, error) {
	p := &snap.Person
	loc := p.Zone(time.UTC)
	reason, agenda := valueWords(kind, lines, loc)
	open, err := tx.FindOpenTask(p.ID, valueReview.Name, string(kind))
	if err != nil {
		return nil, err
	}
	if open != nil {
		open.Reason = reason
		open.Script = agenda + "\n\n" + afterAgenda(open.Script)
		return open, tx.SaveTask(open, "")
	}
	rep := nudge.User{}
	if u := w.users[p.OwnerID]; u != nil {
		rep = *u
	}
	var manager *nudge.User
	if m := w.managers[rep.TeamID]; rep.TeamID != 0 && m != nil && m.ID != rep.ID {
		manager = m
	}
	step, _ := valueReview.Step(string(kind))
	e := nudge.Enrollment{PersonID: p.ID, UserID: p.OwnerID, Cadence: valueReview.Name, State: nudge.EnrollmentActive,
		StepID: step.ID, StartedAt: w.now, AnchorAt: w.now, Rule: "F2"}
	d, err := method.Plan(method.Input{Now: w.now, Person: *p, Rep: rep, RepCountry: rep.Country, Manager: manager,
		RepCompany: s.opts.RepCompany, Cadence: valueReview, Enrollment: e, History: snap.History,
		Appointments: snap.Appointments, Open: snap.Tasks, Policy: s.opts.Policy, Scripts: w.scripts, Values: lines})
	if err != nil {
		return nil, err
	}
	if d.Kind != method.KindTask {
		return nil, nil // G1, or no minute inside every window within 60 days
	}
	t := d.Task
	t.EnrollmentID = 0
	t.Reason = reason
	t.Script = agenda + "\n\n" + t.Script
	if err := tx.SaveTask(t, ""); err != nil {
		return nil, err
	}
	snap.Tasks = append(snap.Tasks, *t)
	return t, nil
}

// agendaEnd separates a proposal's F2 agenda from the opening the engine
// wrote after it, so a rewrite keeps the latter.
const agendaEnd = "Open the call as always (D1):"

func afterAgenda(script string) string {
	if _, rest, ok := strings.Cut(script, agendaEnd); ok {
		return agendaEnd + rest
	}
	return script
}

// valueWords are the reason and the agenda of a proposal: the lines in
// the status with their numbers, and what to do in the conversation.
func valueWords(kind nudge.ValueStatus, lines []nudge.ValueProgress, loc *time.Location) (reason, agenda string) {
	var short, long []string
	for _, p := range lines {
		l := p.Line
		unit := ""
		if l.Unit != "" {
			unit = " " + l.Unit
		}
		short = append(short, fmt.Sprintf("%s at %s%s against a goal of %s by %s (%s%% of the way)", l.Name,
			nudge.FormatValue(p.Latest), unit, nudge.FormatValue(l.Goal), l.GoalBy.In(loc).Format("2 Jan 2006"), nudge.FormatValue(p.Progress)))
		long = append(long, "- "+p.Describe(loc)+".")
	}
	if kind == nudge.ValueMissed {
		reason = "goal missed — " + strings.Join(short, "; ") + ": a \"why not\" conversation, a chance to sell more"
		agenda = "F2 — why not? What you both agreed, and where it stands:\n" + strings.Join(long, "\n") +
			"\nAsk what got in the way — people, process, adoption, scope — and what it would take to close the gap. " +
			"A missed goal is a chance to sell more: training, more seats, the service that removes the obstacle. " +
			"Agree the next measurement and a new date."
	} else {
		reason = "goal met — " + strings.Join(short, "; ") + ": remind them of the value, look for other areas to help"
		agenda = "F2 — goal met. Remind them of the value delivered, the reason they bought from you:\n" + strings.Join(long, "\n") +
			"\nAsk which other parts of their organisation face a similar problem and who runs them; offer to measure a baseline there too."
	}
	return reason, agenda + "\n\n" + agendaEnd
}

// ReviewValues proposes the conversations that time alone calls for: a
// value line whose goal date has passed unmet is missed (F2: "why not?").
// The scheduler runs it (RunOnce); each line is looked at once after its
// date. It returns how many customers it reviewed.
func (s *Service) ReviewValues(ctx context.Context) (int, error) {
	total := 0
	seen := map[int64]bool{}
	for {
		ids, err := s.db.ValueGoalsDue(ctx, s.clock.Now(), s.opts.Batch)
		if err != nil {
			return total, err
		}
		for _, id := range ids {
			if seen[id] {
				// Reviewing marks the lines seen; one still due is a bug,
				// reported rather than looped on.
				return total, fmt.Errorf("value lines of person %d are still due after their review", id)
			}
			seen[id] = true
			err := s.withPerson(ctx, id, func(tx *store.Tx, w *world, snap *store.Snapshot) error {
				lines, ms, err := tx.ValueLines(id)
				if err != nil {
					return err
				}
				_, err = s.review(tx, w, snap, lines, ms)
				return err
			})
			if nudge.ErrorCode(err) == nudge.ENOTFOUND {
				continue // deleted meanwhile: the lines went with them
			}
			if err != nil {
				return total, fmt.Errorf("review the value lines of person %d: %w", id, err)
			}
			total++
		}
		if len(ids) < s.opts.Batch {
			return total, nil
		}
	}
}

// ValueReport is a customer's value inventory at a moment: achieved against
// goal for every line (F2), the next scheduled re-measurement and the
// conversations proposed and still open.
type ValueReport struct {
	PersonID int64  `json:"person_id"`
	Person   string `json:"person"`
	// Customer says whether F2 applies: status customer or a won deal.
	Customer  bool                  `json:"customer"`
	At        time.Time             `json:"at"`
	Lines     []nudge.ValueProgress `json:"lines"`
	NextCheck *nudge.TaskView       `json:"next_check,omitempty"` // value-check's next task
	Proposals []nudge.TaskView      `json:"proposals,omitempty"`  // open F2 conversations
}

// ValueReport returns the value inventory of p.
func (s *Service) ValueReport(ctx context.Context, p *nudge.Person) (*ValueReport, error) {
	now := s.clock.Now().UTC()
	r := &ValueReport{PersonID: p.ID, Person: personName(p), Customer: p.Status == nudge.StatusCustomer, At: now,
		Lines: []nudge.ValueProgress{}}
	if !r.Customer {
		won := nudge.StageWon
		ds, err := s.db.FindDeals(ctx, nudge.DealFilter{PersonID: &p.ID, Stage: &won, Limit: 1})
		if err != nil {
			return nil, err
		}
		r.Customer = len(ds) > 0
	}
	lines, ms, err := s.db.FindValueLines(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, l := range lines {
		r.Lines = append(r.Lines, nudge.AssessValue(l, ms, now))
	}
	rows, err := s.db.FindTasks(ctx, store.TaskFilter{PersonID: &p.ID, States: []nudge.TaskState{nudge.TaskOpen}})
	if err != nil {
		return nil, err
	}
	loc := p.Zone(time.UTC)
	for _, t := range rows {
		switch {
		case t.Cadence == "value-check" && r.NextCheck == nil:
			v := t.Task.View(r.Person, loc)
			r.NextCheck = &v
		case t.Cadence == valueReview.Name:
			r.Proposals = append(r.Proposals, t.Task.View(r.Person, loc))
		}
	}
	return r, nil
}

// Chart draws the report's achieved against goal over time, the same
// numbers as its JSON: for every line, its progress (0 the baseline, 100 the
// goal) at the baseline and at each measurement, beside a dashed line for
// the agreed path from the baseline to the goal by its date. Progress puts
// lines of any unit on one scale.
func (r *ValueReport) Chart() chart.Lines {
	c := chart.Lines{Title: "Value achieved against goal — " + r.Person + " (F2)", XLabel: "date",
		YLabel: "% of the way from baseline (0) to goal (100)"}
	for _, l := range r.Lines {
		s := chart.TimeSeries{Name: l.Line.Name}
		for _, p := range l.Points {
			s.Points = append(s.Points, chart.Point{At: p.At, Value: p.Progress})
		}
		goal := chart.TimeSeries{Name: l.Line.Name + ": goal by " + l.Line.GoalBy.Format("2 Jan 2006"), Dashed: true,
			Points: []chart.Point{{At: l.Line.BaselineAt, Value: 0}, {At: l.Line.GoalBy, Value: 100}}}
		c.Series = append(c.Series, s, goal)
	}
	return c
}

func personName(p *nudge.Person) string {
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}

// values loads a customer's value lines against their goals, for the
// scripts of the value check.
func (w *world) values(tx *store.Tx, personID int64) ([]nudge.ValueProgress, error) {
	lines, ms, err := tx.ValueLines(personID)
	if err != nil {
		return nil, err
	}
	out := make([]nudge.ValueProgress, len(lines))
	for i, l := range lines {
		out[i] = nudge.AssessValue(l, ms, w.now)
	}
	return out, nil
}
