package method

import (
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// Advance records the outcome of the enrollment's current step, done at
// `at`, and moves the enrollment along the step's branches (or to the
// following step). An explicit no or stop exits at once (G1); a reply the
// cadence does not exit on restarts the clock (B1); B4's count of contacts
// without progress only resets on the prospect's own forward step.
//
// On a snoozed enrollment the outcome belongs to the E2 resume call: the
// enrollment becomes active again and goes on from its current step.
func Advance(c *nudge.Cadence, e nudge.Enrollment, o nudge.Outcome, at time.Time) (nudge.Enrollment, error) {
	if c == nil {
		return e, nudge.Errorf(nudge.EINVALID, "advance: no cadence")
	}
	if !o.Valid() {
		return e, nudge.FieldError("outcome", "unknown outcome %q", o)
	}
	if !e.State.Open() {
		return e, nudge.Errorf(nudge.ECONFLICT, "advance: enrollment %d is %s, not active", e.ID, e.State)
	}
	step, idx := current(c, e)
	if step == nil {
		return e, nudge.Errorf(nudge.EINVALID, "advance: enrollment %d: cadence %q has no step %q", e.ID, c.Name, e.StepID)
	}
	resumed := e.State == nudge.EnrollmentSnoozed
	e.State, e.SnoozedUntil = nudge.EnrollmentActive, nil
	e.StepID = step.ID
	e.Attempts++
	e.LastTouchAt = at
	if e.AnchorAt.IsZero() {
		e.AnchorAt = e.StartedAt
	}
	if o.HardStop() {
		return exit(e, string(o)), nil // G1
	}
	progress := o == nudge.OutcomeReplied || o == nudge.OutcomeMeetingHeld
	if progress {
		e.SinceProgress = 0
	} else {
		e.SinceProgress++
	}
	if resumed {
		if o == nudge.OutcomeConnected || progress {
			return Signal(c, e, nudge.ExitReply, at), nil
		}
		return e, nil // the step they snoozed is still to do, now timed from this call
	}
	if target, ok := step.Branches[o]; ok {
		return follow(c, e, target, at)
	}
	if progress {
		return Signal(c, e, nudge.ExitReply, at), nil
	}
	return defaultRoute(c, e, idx), nil
}

// follow moves the enrollment to a branch target.
func follow(c *nudge.Cadence, e nudge.Enrollment, target string, at time.Time) (nudge.Enrollment, error) {
	if reason, ok := strings.CutPrefix(target, nudge.TargetExit); ok {
		return exit(e, reason), nil
	}
	if name, ok := strings.CutPrefix(target, nudge.TargetCadence); ok {
		e.State, e.StepID, e.Next = nudge.EnrollmentFinished, "", name
		return e, nil
	}
	if s, _ := c.Step(target); s == nil {
		return e, nudge.Errorf(nudge.EINVALID, "advance: cadence %q branches to unknown step %q", c.Name, target)
	}
	e.StepID = target
	return e, nil
}

// defaultRoute moves past step idx: to the following step, back to the
// first in a looping cadence (F1), or to the end, naming the cadence's Next.
func defaultRoute(c *nudge.Cadence, e nudge.Enrollment, idx int) nudge.Enrollment {
	switch {
	case idx+1 < len(c.Steps):
		e.StepID = c.Steps[idx+1].ID
	case c.Loop:
		e.StepID = c.Steps[0].ID
	default:
		e.State, e.StepID, e.Next = nudge.EnrollmentFinished, "", c.Next
	}
	return e
}

func exit(e nudge.Enrollment, reason string) nudge.Enrollment {
	e.State, e.StepID, e.ExitReason, e.Next, e.SnoozedUntil = nudge.EnrollmentExited, "", reason, "", nil
	return e
}

// Signal records something the prospect did outside the current step: a
// reply, a meeting booked, a commitment, a win, a disqualification or an
// opt-out. A condition the cadence lists in Exit ends the enrollment
// (opt-out always does, G1); any other forward step by the prospect restarts
// the clock from the first step (B1) and resets B4's count — except in a
// cadence timed from an appointment, whose steps keep their times.
func Signal(c *nudge.Cadence, e nudge.Enrollment, x nudge.ExitCondition, at time.Time) nudge.Enrollment {
	if !e.State.Open() {
		return e
	}
	if c.Exits(x) {
		return exit(e, string(x))
	}
	if x.Progress() {
		e.SinceProgress = 0
		if timedFromAppointment(c) {
			return e // the appointment still stands; its steps keep their times
		}
		e.State, e.SnoozedUntil = nudge.EnrollmentActive, nil
		e.AnchorAt, e.LastTouchAt = at, at
		e.StepID = c.Steps[0].ID
		e.SinceProgress = 0
	}
	return e
}

func timedFromAppointment(c *nudge.Cadence) bool {
	for i := range c.Steps {
		if c.Steps[i].Delay.From == nudge.FromAppointment {
			return true
		}
	}
	return false
}

// Snooze applies E2's "call me in two weeks": nothing is proposed before
// until; then Plan proposes the call they asked for, and the cadence goes on
// from its current step, timed from that call. Asking to be called later is
// the prospect's own step forward, so B4's count resets.
func Snooze(e nudge.Enrollment, until, at time.Time) (nudge.Enrollment, error) {
	if !e.State.Open() {
		return e, nudge.Errorf(nudge.ECONFLICT, "snooze: enrollment %d is %s", e.ID, e.State)
	}
	if !until.After(at) {
		return e, nudge.FieldError("until", "snooze until %s is not after %s", until.Format(time.RFC3339), at.Format(time.RFC3339))
	}
	u := until
	e.State, e.SnoozedUntil = nudge.EnrollmentSnoozed, &u
	e.AnchorAt, e.LastTouchAt = until, until
	e.SinceProgress = 0
	return e, nil
}

// Pause stops an enrollment by hand; Resume restarts it. A snoozed
// enrollment keeps its snooze date (E2: they asked to be called then).
func Pause(e nudge.Enrollment) nudge.Enrollment {
	if e.State == nudge.EnrollmentActive || e.State == nudge.EnrollmentSnoozed {
		e.State = nudge.EnrollmentPaused
	}
	return e
}

// Resume makes a paused enrollment active again, its delays counting from at
// — or snoozed again while its snooze date is still ahead.
func Resume(e nudge.Enrollment, at time.Time) (nudge.Enrollment, error) {
	if e.State != nudge.EnrollmentPaused {
		return e, nudge.Errorf(nudge.ECONFLICT, "resume: enrollment %d is %s, not paused", e.ID, e.State)
	}
	if e.SnoozedUntil != nil && e.SnoozedUntil.After(at) {
		e.State = nudge.EnrollmentSnoozed
		return e, nil
	}
	e.State, e.SnoozedUntil = nudge.EnrollmentActive, nil
	if e.LastTouchAt.Before(at) {
		e.LastTouchAt = at
	}
	return e, nil
}

// Skip moves past the current step without a touch: the rep chose not to do
// it. Nothing counts as an attempt.
func Skip(c *nudge.Cadence, e nudge.Enrollment) (nudge.Enrollment, error) {
	if c == nil {
		return e, nudge.Errorf(nudge.EINVALID, "skip: no cadence")
	}
	if !e.State.Open() {
		return e, nudge.Errorf(nudge.ECONFLICT, "skip: enrollment %d is %s, not active", e.ID, e.State)
	}
	step, idx := current(c, e)
	if step == nil {
		return e, nudge.Errorf(nudge.EINVALID, "skip: enrollment %d: cadence %q has no step %q", e.ID, c.Name, e.StepID)
	}
	return defaultRoute(c, e, idx), nil
}
