package method

import (
	"fmt"
	"slices"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/calendar"
)

// Situation is what the auto-enrolment rules look at for one person.
type Situation struct {
	Now          time.Time
	Person       nudge.Person
	PersonLoc    *time.Location // optional; loaded from Person.TimeZone when nil
	Enrollments  []nudge.Enrollment
	History      []nudge.Interaction
	Appointments []nudge.Appointment
	Library      Library
	Policy       Policy
}

// Suggestion is an enrollment the rules propose, with the rule behind it.
type Suggestion struct {
	Cadence string `json:"cadence"`
	Rule    string `json:"rule"`
	Reason  string `json:"reason"`
	// StartAt is the enrollment's start and anchor. It may lie in the future
	// (E1: the silent cadence starts after N quiet business days).
	StartAt       time.Time `json:"start_at"`
	StepID        string    `json:"step_id,omitempty"` // "" = the first step
	AppointmentID int64     `json:"appointment_id,omitempty"`
}

// Enrollment returns the enrollment to store for the suggestion.
func (s Suggestion) Enrollment(personID, userID int64) nudge.Enrollment {
	return nudge.Enrollment{
		PersonID: personID, UserID: userID, Cadence: s.Cadence, State: nudge.EnrollmentActive,
		StepID: s.StepID, StartedAt: s.StartAt, AnchorAt: s.StartAt, AppointmentID: s.AppointmentID, Rule: s.Rule,
	}
}

// Enrol applies the auto-enrolment rules, in order:
//
//   - G1: a person who said no or opted out is enrolled in nothing.
//   - An appointment with no enrollment: booked → the appointment cadence
//     (C1 reminder, C2 call at its minute); missed → its no-show protocol (C3).
//     This holds even while another enrollment is open; the caller signals
//     meeting-booked to that one first.
//   - Any other open enrollment: nothing.
//   - A new person: prospects the default cadence (3-2-4, B1), customers the
//     value checks (F2), lost/fired/disqualified people the drip (F1).
//   - After a win: value checks (F2). After a disqualification: drip (F1).
//   - After the prospect engaged (a reply, a commitment, a meeting) and then
//     stayed quiet SilentAfter business days: the silent cadence (E1).
//   - After a cadence finished without progress: its Next, or silent →
//     breakup, breakup → drip, any other → breakup; but never out of active
//     follow-up before MinAttempts attempts (B3): then the patient cadence.
func Enrol(s Situation) (Suggestion, bool) {
	p := s.Policy.withDefaults()
	if stop, _ := HardStop(s.Person, s.History); stop {
		return Suggestion{}, false
	}
	loc := s.PersonLoc
	if loc == nil {
		loc = s.Person.Zone(time.UTC)
	}
	cal := calendar.ForCountry(s.Person.Country)
	if sg, ok := s.appointment(); ok {
		return s.check(sg)
	}
	ens := slices.Clone(s.Enrollments)
	slices.SortStableFunc(ens, func(a, b nudge.Enrollment) int {
		if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	for _, e := range ens {
		if e.State.Open() {
			return Suggestion{}, false
		}
	}
	lastTouch, lastIn, outbound := s.Now, time.Time{}, 0
	if len(s.History) > 0 {
		lastTouch = time.Time{}
	}
	for _, h := range s.History {
		if h.At.After(lastTouch) {
			lastTouch = h.At
		}
		if h.Direction == nudge.Inbound && h.At.After(lastIn) {
			lastIn = h.At
		}
		if h.Direction != nudge.Inbound {
			outbound++
		}
	}
	if len(ens) == 0 {
		switch s.Person.Status {
		case nudge.StatusCustomer:
			return s.check(Suggestion{Cadence: "value-check", Rule: "F2", Reason: "a customer: re-measure the value sold against the goal", StartAt: s.Now})
		case nudge.StatusLost, nudge.StatusFired, nudge.StatusDisqualified:
			return s.check(Suggestion{Cadence: "drip", Rule: "F1", Reason: fmt.Sprintf("%s: a slow monthly nurture", s.Person.Status), StartAt: s.Now})
		}
		return s.check(Suggestion{Cadence: p.DefaultCadence, Rule: "B1", Reason: "a new prospect: follow up within 3 days of the last interaction", StartAt: lastTouch})
	}
	last := ens[len(ens)-1]
	had := func(name string) bool {
		return slices.ContainsFunc(ens, func(e nudge.Enrollment) bool { return e.Cadence == name })
	}
	end := last.LastTouchAt
	if end.IsZero() {
		end = last.AnchorAt
	}
	if last.State == nudge.EnrollmentExited {
		switch nudge.ExitCondition(last.ExitReason) {
		case nudge.ExitWon:
			if had("value-check") {
				return Suggestion{}, false
			}
			return s.check(Suggestion{Cadence: "value-check", Rule: "F2", Reason: "won: re-measure the value sold against the goal", StartAt: end})
		case nudge.ExitDisqualified:
			if last.Cadence == "drip" {
				return Suggestion{}, false
			}
			return s.check(Suggestion{Cadence: "drip", Rule: "F1", Reason: "disqualified: a slow monthly nurture", StartAt: end})
		case nudge.ExitOptOut:
			return Suggestion{}, false
		}
		if s.Person.Status == nudge.StatusCustomer {
			return Suggestion{}, false
		}
		// They engaged; E1 once they stay quiet SilentAfter business days.
		quietFrom := end
		if lastIn.After(quietFrom) {
			quietFrom = lastIn
		}
		start := cal.AddBusinessDays(quietFrom.In(loc), p.SilentAfter)
		return s.check(Suggestion{Cadence: "silent", Rule: "E1", StartAt: start,
			Reason: fmt.Sprintf("engaged, then quiet for %d business days: call to learn the truth", p.SilentAfter)})
	}
	// Finished without an exit.
	next, rule, reason := last.Next, "", ""
	switch {
	case next != "":
		rule, reason = s.ruleOf(next), fmt.Sprintf("%q finished; it chains to %q", last.Cadence, next)
	case last.Cadence == "silent":
		next, rule, reason = "breakup", "E2", "the silent cadence finished without an answer: ask whether to back off"
	case last.Cadence == "breakup":
		next, rule, reason = "drip", "F1", "file closed (E5): a slow monthly nurture"
	case last.Cadence == "value-check" || last.Cadence == "drip":
		return Suggestion{}, false
	default:
		next, rule, reason = "breakup", "E2", fmt.Sprintf("%q finished without progress: ask whether to back off", last.Cadence)
	}
	if c := s.Library[next]; (c == nil || !c.IsActive()) && outbound < p.MinAttempts {
		next, rule = "patient", "B3"
		reason = fmt.Sprintf("only %d attempts so far: B3 asks for %d before a prospect leaves active follow-up", outbound, p.MinAttempts)
	}
	return s.check(Suggestion{Cadence: next, Rule: rule, Reason: reason, StartAt: end})
}

// appointment proposes the appointment cadence for an appointment that has
// no enrollment yet: from the C1 reminder when it is ahead, from the next C3
// step when it was missed.
func (s Situation) appointment() (Suggestion, bool) {
	c := s.Library["appointment"]
	if c == nil {
		return Suggestion{}, false
	}
	appts := slices.Clone(s.Appointments)
	slices.SortFunc(appts, func(a, b nudge.Appointment) int { return a.At.Compare(b.At) })
	for _, a := range appts {
		if a.State == nudge.AppointmentCancelled || a.State == nudge.AppointmentHeld {
			continue
		}
		if slices.ContainsFunc(s.Enrollments, func(e nudge.Enrollment) bool { return e.AppointmentID == a.ID }) {
			continue
		}
		if a.State == nudge.AppointmentScheduled && a.At.After(s.Now) {
			return Suggestion{Cadence: c.Name, Rule: "C2", AppointmentID: a.ID, StartAt: s.Now,
				Reason: "appointment booked: reminder the day before, the call at its exact minute"}, true
		}
		// Missed: start at the first no-show step still ahead.
		passedCall := false
		for _, st := range c.Steps {
			if st.Rule == "C2" {
				passedCall = true
				continue
			}
			if !passedCall || st.When != "" {
				continue
			}
			if st.Delay.From == nudge.FromAppointment && st.Delay.Unit != nudge.Days && st.Delay.Unit != nudge.BusinessDays {
				if a.At.Add(delayDuration(st.Delay)).Before(s.Now) {
					continue
				}
			}
			return Suggestion{Cadence: c.Name, Rule: "C3", AppointmentID: a.ID, StartAt: a.At, StepID: st.ID,
				Reason: "missed appointment: the no-show protocol"}, true
		}
	}
	return Suggestion{}, false
}

func delayDuration(d nudge.Delay) time.Duration {
	if d.Unit == nudge.Hours {
		return time.Duration(d.Amount) * time.Hour
	}
	return time.Duration(d.Amount) * time.Minute
}

func (s Situation) ruleOf(name string) string {
	if c := s.Library[name]; c != nil {
		return c.Rule
	}
	return ""
}

// check drops a suggestion whose cadence is not in the library.
func (s Situation) check(sg Suggestion) (Suggestion, bool) {
	if s.Library[sg.Cadence] == nil {
		return Suggestion{}, false
	}
	return sg, true
}
