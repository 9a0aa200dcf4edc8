package followup

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/calendar"
	"github.com/nudgecrm/nudge/method"
	"github.com/nudgecrm/nudge/store"
)

// Result is what came of a task.
type Result struct {
	Outcome     nudge.Outcome
	Note        nudge.WIN
	At          time.Time // when it happened; zero = now
	Commitments []*nudge.Commitment
}

// Done logs a task's outcome as a touch with its W.I.N. note (A1) and
// commitments (A2, A3), advances the enrollment along the step's branches
// and plans what follows, atomically. It returns the person's open tasks
// afterwards. ENOTFOUND, ECONFLICT when the task is no longer open, EINVALID.
func (s *Service) Done(ctx context.Context, taskID int64, r Result) ([]nudge.Task, error) {
	if !r.Outcome.Valid() {
		return nil, nudge.FieldError("outcome", "unknown outcome %q (want connected, voicemail, no-answer, replied, bounced, declined or asked-to-stop)", r.Outcome)
	}
	personID, err := s.personOfTask(ctx, taskID)
	if err != nil {
		return nil, err
	}
	var after []nudge.Task
	err = s.withPerson(ctx, personID, func(tx *store.Tx, w *world, snap *store.Snapshot) error {
		t, e, err := openTask(snap, taskID)
		if err != nil {
			return err
		}
		at := r.At
		if at.IsZero() {
			at = w.now
		}
		dir := nudge.Outbound
		if r.Outcome == nudge.OutcomeReplied {
			dir = nudge.Inbound // the prospect answered the touch
		}
		i := &nudge.Interaction{PersonID: personID, UserID: t.AssigneeID, Channel: t.Channel, Direction: dir,
			Outcome: r.Outcome, At: at, Note: r.Note}
		if err := tx.AddInteraction(i, r.Commitments); err != nil {
			return err
		}
		snap.History = append(snap.History, *i)
		t.State, t.Outcome = nudge.TaskDone, r.Outcome
		t.DoneAt = &at
		if err := tx.SaveTask(t, ""); err != nil {
			return err
		}
		snap.Tasks = slices.DeleteFunc(snap.Tasks, func(x nudge.Task) bool { return x.ID == taskID })
		if r.Outcome.HardStop() {
			snap.Person.DoNotContact = true // G1, stored by AddInteraction
		}
		if e != nil {
			c := w.lib[e.Cadence]
			if c == nil {
				return nudge.Errorf(nudge.EINVALID, "enrollment %d: unknown cadence %q", e.ID, e.Cadence)
			}
			next, err := method.Advance(c, *e, r.Outcome, at)
			if err != nil {
				return err
			}
			*e = next
		}
		if r.Outcome == nudge.OutcomeMeetingHeld || r.Outcome == nudge.OutcomeConnected {
			if err := markAppointment(tx, snap, e, nudge.AppointmentHeld); err != nil {
				return err
			}
		}
		if hasProspectCommitment(r.Commitments) {
			signalAll(w, snap, nudge.ExitCommitmentMade, at) // A3: the prospect's forward step
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows, err := s.db.FindTasks(ctx, store.TaskFilter{PersonID: &personID, States: []nudge.TaskState{nudge.TaskOpen}})
	for _, r := range rows {
		after = append(after, r.Task)
	}
	return after, err
}

// markAppointment records what became of the appointment an enrollment is
// timed from.
func markAppointment(tx *store.Tx, snap *store.Snapshot, e *nudge.Enrollment, state nudge.AppointmentState) error {
	if e == nil || e.AppointmentID == 0 {
		return nil
	}
	for i := range snap.Appointments {
		a := &snap.Appointments[i]
		if a.ID == e.AppointmentID && a.State == nudge.AppointmentScheduled {
			a.State = state
			return tx.SaveAppointment(a)
		}
	}
	return nil
}

func hasProspectCommitment(cs []*nudge.Commitment) bool {
	return slices.ContainsFunc(cs, func(c *nudge.Commitment) bool { return c.Party == nudge.PartyProspect })
}

// signalAll tells every open enrollment of the person that the prospect did
// something outside the current step.
func signalAll(w *world, snap *store.Snapshot, x nudge.ExitCondition, at time.Time) {
	for i := range snap.Enrollments {
		e := &snap.Enrollments[i]
		if c := w.lib[e.Cadence]; c != nil && e.State.Open() {
			*e = method.Signal(c, *e, x, at)
		}
	}
}

// Log records a touch that no task asked for (a call the prospect made, an
// email that came in, a meeting) and re-plans: an inbound touch is the
// prospect's forward step and restarts the clock (B1); a prospect's
// commitment is one too (A3); a no or a stop ends everything (G1).
func (s *Service) Log(ctx context.Context, i *nudge.Interaction, cs []*nudge.Commitment) error {
	return s.withPerson(ctx, i.PersonID, func(tx *store.Tx, w *world, snap *store.Snapshot) error {
		if err := tx.AddInteraction(i, cs); err != nil {
			return err
		}
		snap.History = append(snap.History, *i)
		switch {
		case i.Outcome.HardStop():
			snap.Person.DoNotContact = true
			signalAll(w, snap, nudge.ExitOptOut, i.At)
		case i.Direction == nudge.Inbound:
			signalAll(w, snap, nudge.ExitReply, i.At)
		case i.Outcome == nudge.OutcomeMeetingHeld:
			signalAll(w, snap, nudge.ExitReply, i.At)
		}
		if hasProspectCommitment(cs) {
			signalAll(w, snap, nudge.ExitCommitmentMade, i.At)
		}
		return nil
	})
}

// Snooze applies E2's "call me in two weeks" to the task's enrollment:
// nothing is proposed before until; then the call they asked for.
func (s *Service) Snooze(ctx context.Context, taskID int64, until time.Time) error {
	personID, err := s.personOfTask(ctx, taskID)
	if err != nil {
		return err
	}
	return s.withPerson(ctx, personID, func(tx *store.Tx, w *world, snap *store.Snapshot) error {
		t, e, err := openTask(snap, taskID)
		if err != nil {
			return err
		}
		if e == nil {
			return nudge.Errorf(nudge.EINVALID, "task %d belongs to no enrollment", taskID)
		}
		next, err := method.Snooze(*e, until.UTC(), w.now)
		if err != nil {
			return err
		}
		*e = next
		t.State = nudge.TaskSnoozed
		if err := tx.SaveTask(t, "snoozed until "+until.UTC().Format(time.RFC3339)); err != nil {
			return err
		}
		snap.Tasks = slices.DeleteFunc(snap.Tasks, func(x nudge.Task) bool { return x.ID == taskID })
		return nil
	})
}

// Skip passes over a task without a touch, recording why, and plans the
// cadence's next step.
func (s *Service) Skip(ctx context.Context, taskID int64, reason string) error {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return nudge.FieldError("reason", "say why the task is skipped")
	}
	personID, err := s.personOfTask(ctx, taskID)
	if err != nil {
		return err
	}
	return s.withPerson(ctx, personID, func(tx *store.Tx, w *world, snap *store.Snapshot) error {
		t, e, err := openTask(snap, taskID)
		if err != nil {
			return err
		}
		if e != nil {
			c := w.lib[e.Cadence]
			if c == nil {
				return nudge.Errorf(nudge.EINVALID, "enrollment %d: unknown cadence %q", e.ID, e.Cadence)
			}
			next, err := method.Skip(c, *e)
			if err != nil {
				return err
			}
			*e = next
		}
		t.State = nudge.TaskSkipped
		now := w.now
		t.DoneAt = &now
		if err := tx.SaveTask(t, reason); err != nil {
			return err
		}
		snap.Tasks = slices.DeleteFunc(snap.Tasks, func(x nudge.Task) bool { return x.ID == taskID })
		return nil
	})
}

// Enroll puts a person in a cadence by hand. Their other open enrollments
// (but an appointment's, which keeps its times) end: one cadence at a time.
// EINVALID for an unknown cadence; ECONFLICT if they are in it already or
// may not be contacted (G1).
func (s *Service) Enroll(ctx context.Context, personID int64, cadence string) (*nudge.Enrollment, error) {
	var out nudge.Enrollment
	err := s.withPerson(ctx, personID, func(tx *store.Tx, w *world, snap *store.Snapshot) error {
		c := w.lib[cadence]
		if c == nil {
			return nudge.FieldError("cadence", "no cadence named %q (see `nudge cadence list`)", cadence)
		}
		if stop, why := method.HardStop(snap.Person, snap.History); stop {
			return nudge.Errorf(nudge.ECONFLICT, "%s may not be contacted: %s", snap.Person.Name, why)
		}
		for i := range snap.Enrollments {
			e := &snap.Enrollments[i]
			if !e.State.Open() {
				continue
			}
			if e.Cadence == cadence {
				return nudge.Errorf(nudge.ECONFLICT, "%s is already in cadence %q", snap.Person.Name, cadence)
			}
			if e.AppointmentID == 0 {
				e.State, e.StepID, e.ExitReason, e.Next = nudge.EnrollmentExited, "", "moved to "+cadence, ""
			}
		}
		out = nudge.Enrollment{PersonID: personID, UserID: snap.Person.OwnerID, Cadence: cadence,
			State: nudge.EnrollmentActive, StepID: c.Steps[0].ID, StartedAt: w.now, AnchorAt: w.now, Rule: "manual"}
		if err := tx.SaveEnrollment(&out); err != nil {
			return err
		}
		snap.Enrollments = append(snap.Enrollments, out)
		return nil
	})
	return &out, err
}

// AddAppointment books a call or visit: the appointment cadence schedules
// the C1 reminder the day before, the call at its minute (C2), the no-show
// protocol (C3) and, after a first meeting, the thank-you card (C4). The
// booking is the prospect's forward step for the other cadences.
func (s *Service) AddAppointment(ctx context.Context, a *nudge.Appointment) error {
	return s.withPerson(ctx, a.PersonID, func(tx *store.Tx, w *world, snap *store.Snapshot) error {
		if stop, why := method.HardStop(snap.Person, snap.History); stop {
			return nudge.Errorf(nudge.ECONFLICT, "%s may not be contacted: %s", snap.Person.Name, why)
		}
		if a.UserID == 0 {
			a.UserID = snap.Person.OwnerID
		}
		if !a.First {
			// The first meeting with a new prospect is the one with none held before.
			a.First = !slices.ContainsFunc(snap.Appointments, func(x nudge.Appointment) bool { return x.State == nudge.AppointmentHeld })
		}
		if err := tx.SaveAppointment(a); err != nil {
			return err
		}
		signalAll(w, snap, nudge.ExitMeetingBooked, w.now)
		snap.Appointments = append(snap.Appointments, *a)
		return nil
	})
}

// Today returns the open tasks due at or before until, in due order, for
// one assignee (nil: everyone's; 0: the unassigned ones of a one-person
// book). Each task's due time is in its person's zone.
func (s *Service) Today(ctx context.Context, assignee *int64, until time.Time) ([]nudge.TaskView, error) {
	rows, err := s.db.FindTasks(ctx, store.TaskFilter{AssigneeID: assignee, States: []nudge.TaskState{nudge.TaskOpen}, DueBefore: &until, Agenda: true})
	if err != nil {
		return nil, err
	}
	out := make([]nudge.TaskView, 0, len(rows))
	for _, r := range rows {
		loc := time.UTC // nudge.LoadLocation caches zones process-wide
		if l, err := nudge.LoadLocation(r.TimeZone); err == nil && r.TimeZone != "" {
			loc = l
		}
		out = append(out, r.Task.View(r.Person, loc))
	}
	return out, nil
}

// EndOfDay is the last instant of the clock's current day in loc: "today"
// for someone working in that zone.
func (s *Service) EndOfDay(loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	now := s.clock.Now().In(loc)
	return calendar.AtMinuteOfDay(calendar.AddDays(now, 1), loc, 0).Add(-time.Millisecond)
}

// EnrollmentView is an enrollment with its next task.
type EnrollmentView struct {
	nudge.Enrollment
	Next *nudge.TaskView `json:"next,omitempty"`
}

// Enrollments returns a person's enrollments, newest first, each with its
// open task.
func (s *Service) Enrollments(ctx context.Context, personID int64) ([]EnrollmentView, error) {
	ens, err := s.db.FindEnrollments(ctx, personID)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.FindTasks(ctx, store.TaskFilter{PersonID: &personID, States: []nudge.TaskState{nudge.TaskOpen}})
	if err != nil {
		return nil, err
	}
	out := make([]EnrollmentView, len(ens))
	for i, e := range ens {
		v := EnrollmentView{Enrollment: e}
		for _, r := range rows {
			if r.EnrollmentID == e.ID {
				loc, err := nudge.LoadLocation(r.TimeZone)
				if err != nil || r.TimeZone == "" {
					loc = time.UTC
				}
				tv := r.Task.View(r.Person, loc)
				v.Next = &tv
			}
		}
		out[len(ens)-1-i] = v
	}
	return out, nil
}

// Pause stops every open enrollment of a person by hand: nothing is proposed
// until Resume. Resume restarts them, their delays counting from now.
func (s *Service) Pause(ctx context.Context, personID int64) error {
	return s.withPerson(ctx, personID, func(tx *store.Tx, w *world, snap *store.Snapshot) error {
		for i := range snap.Enrollments {
			snap.Enrollments[i] = method.Pause(snap.Enrollments[i])
		}
		return nil
	})
}

// Resume restarts a person's paused enrollments.
func (s *Service) Resume(ctx context.Context, personID int64) error {
	return s.withPerson(ctx, personID, func(tx *store.Tx, w *world, snap *store.Snapshot) error {
		for i := range snap.Enrollments {
			if snap.Enrollments[i].State == nudge.EnrollmentPaused {
				e, err := method.Resume(snap.Enrollments[i], w.now)
				if err != nil {
					return err
				}
				snap.Enrollments[i] = e
			}
		}
		return nil
	})
}
