package method

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/calendar"
)

// Input is everything Plan needs, loaded by the caller. Plan reads nothing
// else: no clock, no database.
type Input struct {
	Now    time.Time
	Person nudge.Person
	// PersonLoc is Person.TimeZone loaded once by the caller (optional; Plan
	// loads it when nil, falling back to the rep's zone).
	PersonLoc  *time.Location
	Rep        nudge.User
	RepLoc     *time.Location // the rep's zone (optional; loaded from Rep.TimeZone, else UTC)
	RepCountry string         // picks the rep's holiday calendar; "" = weekends only
	// Manager does the E4 "go around" tasks; nil = the rep does them.
	Manager    *nudge.User
	ManagerLoc *time.Location
	RepCompany string // D1 (2): the company the rep calls from

	Cadence    *nudge.Cadence
	Enrollment nudge.Enrollment
	// History is every touch with the person, by any rep, in any order.
	History      []nudge.Interaction
	Appointments []nudge.Appointment
	// Open holds the person's other open tasks (other cadences, other reps):
	// G2 counts them. Leave out the task being re-planned.
	Open   []nudge.Task
	Policy Policy
	// Scripts fills each task's script from its template (nil: no scripts).
	Scripts Scripts
	// Values are a customer's value lines against their goals at Now (F2),
	// for the value-check scripts to name; the caller loads them only for a
	// cadence of rule F2.
	Values []nudge.ValueProgress
}

// Kind is what a decision asks the caller to do.
type Kind string

const (
	KindTask Kind = "task" // store Task; it is due at Task.Due
	KindStop Kind = "stop" // G1: nothing may be proposed; store the exited enrollment
	// KindDone: the enrollment finished or exited; Enrollment.Next names the
	// cadence that follows when there is one, else ask Enrol.
	KindDone Kind = "done"
	KindIdle Kind = "idle" // paused, or no instant inside every window within 60 days
)

// Decision is Plan's answer: the next task, or a transition, and the rule
// that produced it.
type Decision struct {
	Kind Kind        `json:"kind"`
	Task *nudge.Task `json:"task,omitempty"`
	// Enrollment is the enrollment as the caller should store it (Plan may
	// skip a step whose condition fails, or mark the enrollment exited by G1).
	Enrollment nudge.Enrollment `json:"enrollment"`
	Rule       string           `json:"rule"`
	Reason     string           `json:"reason"`
	// Notes say which steps were skipped and why.
	Notes []string `json:"notes,omitempty"`
}

// Plan returns the next task of the enrollment, or the transition it is due
// for, with the rule that produced it. Every proposed instant goes through
// the guardrails (G1–G3, B6) in one place; the task's Guard says which moved it.
func Plan(in Input) (Decision, error) {
	c := in.Cadence
	if c == nil {
		return Decision{}, nudge.Errorf(nudge.EINVALID, "plan: no cadence for enrollment %d", in.Enrollment.ID)
	}
	e := in.Enrollment
	if e.Cadence != "" && e.Cadence != c.Name {
		return Decision{}, nudge.Errorf(nudge.EINVALID, "plan: enrollment %d is in cadence %q, not %q", e.ID, e.Cadence, c.Name)
	}
	if stop, why := HardStop(in.Person, in.History); stop {
		if e.State.Open() {
			e.State, e.ExitReason, e.StepID, e.Next = nudge.EnrollmentExited, string(nudge.ExitOptOut), "", ""
		}
		return Decision{Kind: KindStop, Enrollment: e, Rule: "G1", Reason: why}, nil
	}
	switch e.State {
	case nudge.EnrollmentFinished, nudge.EnrollmentExited:
		return done(c, e, nil), nil
	case nudge.EnrollmentPaused:
		return Decision{Kind: KindIdle, Enrollment: e, Rule: c.Rule, Reason: "the enrollment is paused"}, nil
	}
	if e.AnchorAt.IsZero() {
		e.AnchorAt = e.StartedAt
	}
	pl := newPlanner(in)
	if e.State == nudge.EnrollmentSnoozed && e.SnoozedUntil != nil {
		return pl.resume(e), nil
	}
	var notes []string
	for range len(c.Steps) + 1 {
		step, idx := current(c, e)
		if step == nil {
			return Decision{}, nudge.Errorf(nudge.EINVALID, "plan: enrollment %d: cadence %q has no step %q", e.ID, c.Name, e.StepID)
		}
		e.StepID = step.ID
		if why := pl.skip(step, e); why != "" {
			notes = append(notes, why)
			e = defaultRoute(c, e, idx)
			if !e.State.Open() {
				return done(c, e, notes), nil
			}
			continue
		}
		t, why, err := pl.task(step, e)
		if err != nil {
			return Decision{}, fmt.Errorf("plan enrollment %d step %q: %w", e.ID, step.ID, err)
		}
		if t == nil {
			notes = append(notes, why)
			if step.Delay.From == nudge.FromAppointment && step.Delay.Amount < 0 {
				e = defaultRoute(c, e, idx) // C1 cannot come before the appointment: skip it
				if !e.State.Open() {
					return done(c, e, notes), nil
				}
				continue
			}
			return Decision{Kind: KindIdle, Enrollment: e, Rule: step.Rule, Reason: why, Notes: notes}, nil
		}
		return Decision{Kind: KindTask, Task: t, Enrollment: e, Rule: step.Rule, Reason: t.Reason, Notes: notes}, nil
	}
	return Decision{}, nudge.Errorf(nudge.EINVALID, "plan: cadence %q skips every step", c.Name)
}

func done(c *nudge.Cadence, e nudge.Enrollment, notes []string) Decision {
	d := Decision{Kind: KindDone, Enrollment: e, Rule: c.Rule, Notes: notes}
	switch {
	case e.State == nudge.EnrollmentExited:
		d.Reason = "exited: " + e.ExitReason
	case e.Next != "":
		d.Reason = fmt.Sprintf("cadence %q finished; next: %s", c.Name, e.Next)
	default:
		d.Reason = fmt.Sprintf("cadence %q finished", c.Name)
	}
	return d
}

// current returns the step the enrollment points at (the first when none).
func current(c *nudge.Cadence, e nudge.Enrollment) (*nudge.Step, int) {
	if e.StepID == "" {
		return &c.Steps[0], 0
	}
	return c.Step(e.StepID)
}

// HardStop applies G1: a do-not-contact flag, or an explicit "no"/"stop" in
// the history that the prospect has not taken back by reaching out again
// (an inbound touch after it), ends every proposed touch.
func HardStop(p nudge.Person, history []nudge.Interaction) (bool, string) {
	if p.DoNotContact {
		why := "G1: do not contact"
		if p.DoNotContactReason != "" {
			why += " (" + p.DoNotContactReason + ")"
		}
		return true, why
	}
	var stop *nudge.Interaction
	var lastIn time.Time
	for i := range history {
		h := &history[i]
		if h.Outcome.HardStop() && (stop == nil || h.At.After(stop.At)) {
			stop = h
		}
		if h.Direction == nudge.Inbound && !h.Outcome.HardStop() && h.At.After(lastIn) {
			lastIn = h.At
		}
	}
	if stop != nil && !lastIn.After(stop.At) {
		return true, fmt.Sprintf("G1: %s on %s (%s)", map[nudge.Outcome]string{nudge.OutcomeDeclined: "they said no", nudge.OutcomeAskedToStop: "they asked to stop"}[stop.Outcome], stop.At.UTC().Format("2006-01-02"), stop.Outcome)
	}
	return false, ""
}

// planner holds what Plan derives once from its input.
type planner struct {
	in        Input
	p         Policy
	ploc      *time.Location
	pcal      *calendar.Calendar
	rloc      *time.Location
	rcal      *calendar.Calendar
	counted   []time.Time // G2: touches that count against the caps, sorted
	outbound  int         // attempts so far (B3, H2)
	calls     int         // outbound calls so far (B6)
	lastCall  time.Time
	lastNote  nudge.WIN
	lastNoteT time.Time
}

func newPlanner(in Input) *planner {
	pl := &planner{in: in, p: in.Policy.withDefaults()}
	pl.rloc = in.RepLoc
	if pl.rloc == nil {
		pl.rloc = loadZone(in.Rep.TimeZone, time.UTC)
	}
	pl.ploc = in.PersonLoc
	if pl.ploc == nil {
		pl.ploc = in.Person.Zone(pl.rloc)
	}
	pl.pcal = calendar.ForCountry(in.Person.Country)
	pl.rcal = calendar.ForCountry(in.RepCountry)
	for i := range in.History {
		h := &in.History[i]
		if h.Direction == nudge.Inbound {
			if !h.Note.Empty() && !h.At.Before(pl.lastNoteT) {
				pl.lastNote, pl.lastNoteT = h.Note, h.At
			}
			continue
		}
		pl.outbound++
		if !h.Note.Empty() && !h.At.Before(pl.lastNoteT) {
			pl.lastNote, pl.lastNoteT = h.Note, h.At
		}
		if h.Channel == nudge.ChannelCall || h.Channel == nudge.ChannelVoicemail {
			pl.calls++
			if h.At.After(pl.lastCall) {
				pl.lastCall = h.At
			}
		}
		if !historyExempt(h, in.Appointments) {
			pl.counted = append(pl.counted, h.At)
		}
	}
	for i := range in.Open {
		if t := &in.Open[i]; t.State == nudge.TaskOpen && !t.CapExempt() {
			pl.counted = append(pl.counted, t.Due)
		}
	}
	slices.SortFunc(pl.counted, func(a, b time.Time) int { return a.Compare(b) })
	return pl
}

func loadZone(name string, def *time.Location) *time.Location {
	if name == "" {
		return def
	}
	loc, err := nudge.LoadLocation(name)
	if err != nil {
		return def
	}
	return loc
}

// historyExempt reports whether a past touch is left out of the G2 caps: the
// meeting itself, and the calls of an appointment (C2 at its minute, the C3
// same-day retries up to t0+4h), which the prospect agreed to.
func historyExempt(h *nudge.Interaction, appts []nudge.Appointment) bool {
	switch h.Channel {
	case nudge.ChannelMeeting, nudge.ChannelVisit:
		return true
	case nudge.ChannelCall, nudge.ChannelVoicemail:
		for i := range appts {
			a := &appts[i]
			if a.State != nudge.AppointmentCancelled && !h.At.Before(a.At.Add(-5*time.Minute)) && !h.At.After(a.At.Add(4*time.Hour+30*time.Minute)) {
				return true
			}
		}
	}
	return false
}

// skip returns why a step is skipped, or "".
func (pl *planner) skip(s *nudge.Step, e nudge.Enrollment) string {
	// A step meant for before the appointment (the C1 reminder) that was not
	// done in time is moot once the appointment begins; it must not hold up
	// the call, which is due at its minute (C2 "never late").
	if s.Delay.From == nudge.FromAppointment && s.Delay.Amount < 0 {
		if a := pl.appointment(e); a != nil && !pl.in.Now.Before(a.At) {
			return fmt.Sprintf("%s: step %q skipped, the appointment has begun", s.Rule, s.ID)
		}
	}
	if s.When == nudge.StepWhenFirstMeeting {
		a := pl.appointment(e)
		if a == nil || !a.First {
			return fmt.Sprintf("%s: step %q skipped, not after a first meeting with a new prospect", s.Rule, s.ID)
		}
	}
	return ""
}

func (pl *planner) appointment(e nudge.Enrollment) *nudge.Appointment {
	for i := range pl.in.Appointments {
		if pl.in.Appointments[i].ID == e.AppointmentID {
			return &pl.in.Appointments[i]
		}
	}
	return nil
}

// origin is the instant a step's delay counts from.
func (pl *planner) origin(s *nudge.Step, e nudge.Enrollment) (time.Time, error) {
	switch s.Delay.From {
	case nudge.FromPrevious:
		if !e.LastTouchAt.IsZero() {
			return e.LastTouchAt, nil
		}
		return e.AnchorAt, nil
	case nudge.FromAppointment:
		a := pl.appointment(e)
		if a == nil {
			return time.Time{}, nudge.Errorf(nudge.EINVALID, "step %q is timed from an appointment, but enrollment %d has no appointment %d", s.ID, e.ID, e.AppointmentID)
		}
		return a.At, nil
	}
	return e.AnchorAt, nil
}

// addDelay adds a delay: minutes and hours are elapsed time; days keep the
// wall-clock time in the prospect's zone; business days follow the
// prospect's calendar.
func (pl *planner) addDelay(t time.Time, d nudge.Delay) time.Time {
	switch d.Unit {
	case nudge.Minutes:
		return t.Add(time.Duration(d.Amount) * time.Minute)
	case nudge.Hours:
		return t.Add(time.Duration(d.Amount) * time.Hour)
	case nudge.Days:
		return calendar.AddDays(t.In(pl.ploc), d.Amount)
	}
	return addBusinessDays(pl.pcal, t.In(pl.ploc), d.Amount)
}

// addBusinessDays counts business days on the prospect's calendar; a
// negative count goes back (C1: the business day before).
func addBusinessDays(cal *calendar.Calendar, t time.Time, n int) time.Time {
	return cal.AddBusinessDays(t, n)
}

// channel resolves "preferred" to the prospect's A5 channel (email if none).
func (pl *planner) channel(s *nudge.Step) nudge.Channel {
	if s.Channel != nudge.ChannelPreferred {
		return s.Channel
	}
	switch ch := pl.in.Person.PreferredChannel; ch {
	case nudge.ChannelCall, nudge.ChannelEmail, nudge.ChannelText, nudge.ChannelLetter, nudge.ChannelVoicemail:
		return ch
	}
	return nudge.ChannelEmail
}

// assignee returns who does the step, their window and a note when E4's
// manager task falls back to the rep.
func (pl *planner) assignee(s *nudge.Step) (int64, calendar.Window, string) {
	if s.Assignee == nudge.AssigneeManager {
		if m := pl.in.Manager; m != nil {
			loc := pl.in.ManagerLoc
			if loc == nil {
				loc = loadZone(m.TimeZone, pl.rloc)
			}
			return m.ID, workWindow(*m, loc, pl.rcal), ""
		}
		return pl.in.Rep.ID, workWindow(pl.in.Rep, pl.rloc, pl.rcal), s.Rule + ": no manager known, so the task goes to the rep"
	}
	return pl.in.Rep.ID, workWindow(pl.in.Rep, pl.rloc, pl.rcal), ""
}

func workWindow(u nudge.User, loc *time.Location, cal *calendar.Calendar) calendar.Window {
	h := calendar.DefaultWorkingHours
	if u.WorkEnd > u.WorkStart {
		h = calendar.Hours{Start: u.WorkStart, End: u.WorkEnd}
	}
	return calendar.Window{Loc: loc, Cal: cal, Hours: h}
}

// callLike reports whether G3 calling hours apply to a channel.
func callLike(ch nudge.Channel) bool {
	return ch == nudge.ChannelCall || ch == nudge.ChannelVoicemail || ch == nudge.ChannelText
}

// prospectWindow is G3 for calls and texts (8:00–21:00 prospect-local on the
// prospect's business days), and the prospect's business days for the rest.
func (pl *planner) prospectWindow(ch nudge.Channel) calendar.Window {
	if callLike(ch) {
		return calendar.Window{Loc: pl.ploc, Cal: pl.pcal, Hours: calendar.CallingHours}
	}
	return calendar.Window{Loc: pl.ploc, Cal: pl.pcal, Hours: calendar.Hours{Start: 0, End: 24 * 60}}
}

// task builds the task of a step, or returns nil and why no instant fits.
func (pl *planner) task(s *nudge.Step, e nudge.Enrollment) (*nudge.Task, string, error) {
	ch := pl.channel(s)
	from, err := pl.origin(s, e)
	if err != nil {
		return nil, "", err
	}
	want := pl.addDelay(from, s.Delay)
	who, aw, whoNote := pl.assignee(s)
	var due time.Time
	var notes []string
	if whoNote != "" {
		notes = append(notes, whoNote)
	}
	reason := s.Reason
	switch {
	case s.Exact:
		t, n, ok := pl.settleExact(ch, want)
		if !ok {
			return nil, s.Rule + ": " + strings.Join(n, "; "), nil
		}
		due, notes = t, append(notes, n...)
	case callLike(ch) && ch != nudge.ChannelText && pl.calls >= 1:
		t, n, ok := pl.variedCall(s, ch, want, aw)
		if !ok {
			return nil, s.Rule + ": " + strings.Join(n, "; "), nil
		}
		due, notes = t, append(notes, n...)
	default:
		t, n, ok := pl.settle(ch, s.SameDay, want, aw)
		if !ok {
			return nil, s.Rule + ": " + strings.Join(n, "; "), nil
		}
		due, notes = t, append(notes, n...)
	}
	if s.Delay.From == nudge.FromAppointment && s.Delay.Amount < 0 {
		// C1 is "the day before": aim before the appointment's day, and
		// at least before the appointment itself.
		a := pl.appointment(e)
		ay, am, ad := a.At.In(pl.ploc).Date()
		dayStart := time.Date(ay, am, ad, 0, 0, 0, 0, pl.ploc)
		if !due.Before(dayStart) {
			if t, n, ok := pl.before(ch, s, want, dayStart, aw); ok {
				due, notes = t, append(notes, n...)
			} else if !due.Before(a.At) {
				t, n, ok := pl.before(ch, s, want, a.At, aw)
				if !ok {
					return nil, fmt.Sprintf("%s: step %q skipped, no time before the appointment at %s", s.Rule, s.ID, pl.fmt(a.At)), nil
				}
				due, notes = t, append(notes, n...)
			}
		}
	}
	if s.Rule == "C4" && ch == nudge.ChannelLetter {
		if next := pl.nextAppointment(due); next != nil && !pl.pcal.AddBusinessDays(due.In(pl.ploc), pl.p.CardDays).Before(next.At) {
			ch = nudge.ChannelEmail
			notes = append(notes, fmt.Sprintf("C4: a card would not arrive before the next appointment on %s, so the same note goes by email", pl.fmt(next.At)))
		}
	}
	if e.SinceProgress >= pl.p.DisqualifyAfter && s.Rule != "B4" && (ch == nudge.ChannelCall || ch == nudge.ChannelVoicemail) {
		reason += fmt.Sprintf("; B4: %d contacts without progress from them, so ask whether to stop", e.SinceProgress)
	}
	t := &nudge.Task{
		PersonID: pl.in.Person.ID, EnrollmentID: e.ID, Cadence: pl.in.Cadence.Name, StepID: s.ID,
		AssigneeID: who, Channel: ch, Due: due.UTC(), Rule: s.Rule, Reason: reason,
		Guard: joinNotes(notes), Template: s.Template, Voicemail: s.Voicemail,
		SameDay: s.SameDay, Exact: s.Exact, Attempt: pl.outbound + 1, State: nudge.TaskOpen,
	}
	t.Script = pl.script(s.Template, t, e)
	return t, "", nil
}

// resume plans the call a snoozed prospect asked for (E2 "call me in two weeks").
func (pl *planner) resume(e nudge.Enrollment) Decision {
	until := *e.SnoozedUntil
	_, aw, _ := pl.assignee(&nudge.Step{})
	due, notes, ok := pl.settle(nudge.ChannelCall, false, until, aw)
	reason := fmt.Sprintf("they asked to hear back after %s; call as agreed", until.In(pl.ploc).Format("Monday 2 Jan"))
	if !ok {
		return Decision{Kind: KindIdle, Enrollment: e, Rule: "E2", Reason: strings.Join(notes, "; ")}
	}
	t := &nudge.Task{
		PersonID: pl.in.Person.ID, EnrollmentID: e.ID, Cadence: pl.in.Cadence.Name, StepID: e.StepID,
		AssigneeID: pl.in.Rep.ID, Channel: nudge.ChannelCall, Due: due.UTC(), Rule: "E2", Reason: reason,
		Guard: joinNotes(notes), Template: "e2-resume", Voicemail: true, Attempt: pl.outbound + 1,
		State: nudge.TaskOpen,
	}
	t.Script = pl.script(t.Template, t, e)
	return Decision{Kind: KindTask, Task: t, Enrollment: e, Rule: "E2", Reason: reason}
}

func (pl *planner) nextAppointment(after time.Time) *nudge.Appointment {
	var next *nudge.Appointment
	for i := range pl.in.Appointments {
		a := &pl.in.Appointments[i]
		if a.State == nudge.AppointmentScheduled && a.At.After(after) && (next == nil || a.At.Before(next.At)) {
			next = a
		}
	}
	return next
}

// fmt renders an instant for a note, in the prospect's zone: "08:00 Monday 9 Mar".
func (pl *planner) fmt(t time.Time) string { return t.In(pl.ploc).Format("15:04 Monday 2 Jan") }
