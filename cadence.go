package nudge

import (
	"fmt"
	"regexp"
	"strings"
)

// Cadence is a named sequence of touches (METHOD.md section B). Every number
// in a cadence is a default the user may change; every step names the rule it
// comes from so a task can say why it exists. The JSON field names are the
// documented file format (method/FORMAT.md).
type Cadence struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Rule        string `json:"rule,omitempty"` // the rule behind the whole cadence, e.g. "B1"
	Steps       []Step `json:"steps"`
	// Exit lists the conditions that end the enrollment at once. A reply that
	// is not listed restarts the clock instead (B1: "a prospect's reply or any
	// forward step restarts the clock"). Opt-out always exits (G1).
	Exit []ExitCondition `json:"exit,omitempty"`
	// Next is the cadence the person moves to when the last step is done
	// without an exit ("breakup" after 3-2-4, "drip" after breakup). Empty:
	// the enrollment finishes and the auto-enrolment rules decide.
	Next string `json:"next,omitempty"`
	// Loop makes the cadence start over after its last step (F1 drip).
	Loop bool `json:"loop,omitempty"`
	// Active says whether the cadence is active follow-up for B3 (at least six
	// attempts before a prospect leaves active follow-up). Drip and value
	// checks are not; their JSON says "active": false.
	Active *bool `json:"active,omitempty"`
}

// IsActive reports whether being in this cadence counts as active follow-up
// (B3). It defaults to true.
func (c *Cadence) IsActive() bool { return c.Active == nil || *c.Active }

// Step is one touch of a cadence.
type Step struct {
	ID      string  `json:"id"`
	Rule    string  `json:"rule"`    // the METHOD rule that produced it, e.g. "C3"
	Channel Channel `json:"channel"` // or ChannelPreferred: the prospect's A5 channel
	Delay   Delay   `json:"delay"`
	// Template names the script or email template used for the touch.
	Template string `json:"template,omitempty"`
	// Reason is the sentence a rep reads: "second call, 10 minutes after the appointment".
	Reason   string   `json:"reason"`
	Assignee Assignee `json:"assignee,omitempty"` // rep (default) or manager (E4)
	// Voicemail says whether to leave a voicemail when the call is not
	// answered. B6 "unannounced" repeat calls leave none.
	Voicemail bool `json:"voicemail,omitempty"`
	// SameDay marks the C3 same-day retries: exempt from the
	// one-touch-per-business-day cap and the weekly cap of G2.
	SameDay bool `json:"same_day,omitempty"`
	// Exact pins the touch to its computed minute (C2 "never late", C3 "call
	// in 10 minutes. Exactly."): caps and working hours do not move it; only
	// G1 and G3 calling hours can. Only valid with delay.from = appointment.
	Exact bool `json:"exact,omitempty"`
	// When is a condition for doing the step at all; "first-meeting" (C4) is
	// the only one. A step whose condition fails is skipped.
	When string `json:"when,omitempty"`
	// Branches maps an outcome of this step to where the enrollment goes next:
	// another step's ID, "exit:<reason>" or "cadence:<name>". Outcomes not
	// listed go to the following step.
	Branches map[Outcome]string `json:"branches,omitempty"`
}

// ChannelPreferred in a step means "the prospect's preferred channel" (A5, B5
// "start with the prospect's preferred channel"), email when none is recorded.
const ChannelPreferred Channel = "preferred"

// StepWhenFirstMeeting makes a step happen only after a first meeting with a
// new prospect (C4).
const StepWhenFirstMeeting = "first-meeting"

// DelayUnit is what a delay's amount counts.
type DelayUnit string

const (
	Minutes      DelayUnit = "minutes" // real elapsed time
	Hours        DelayUnit = "hours"   // real elapsed time
	Days         DelayUnit = "days"    // calendar days, same wall-clock time in the prospect's zone
	BusinessDays DelayUnit = "business-days"
)

// DelayFrom is the instant a delay counts from.
type DelayFrom string

const (
	// FromPrevious counts from the previous touch of the enrollment (or the
	// anchor before the first one).
	FromPrevious DelayFrom = "previous"
	// FromEnrollment counts from the enrollment's anchor: when it started, or
	// the prospect's last reply or forward step (B1 restarts the clock).
	FromEnrollment DelayFrom = "enrollment"
	// FromAppointment counts from the enrollment's appointment (C1–C3).
	FromAppointment DelayFrom = "appointment"
)

// Delay says when a step is due. Amount may be negative with from =
// appointment (C1: the day before).
type Delay struct {
	Amount int       `json:"amount"`
	Unit   DelayUnit `json:"unit"`
	From   DelayFrom `json:"from"`
}

func (d Delay) String() string {
	return fmt.Sprintf("%d %s from %s", d.Amount, d.Unit, d.From)
}

// Assignee says who does a step's task.
type Assignee string

const (
	AssigneeRep     Assignee = "rep"
	AssigneeManager Assignee = "manager" // E4: the manager calls the contact's boss
)

// ExitCondition ends an enrollment when it happens.
type ExitCondition string

const (
	ExitReply          ExitCondition = "reply"
	ExitMeetingBooked  ExitCondition = "meeting-booked"
	ExitCommitmentMade ExitCondition = "commitment-made"
	ExitOptOut         ExitCondition = "opt-out"
	ExitDisqualified   ExitCondition = "disqualified"
	ExitWon            ExitCondition = "won"
)

// ExitConditions lists every exit condition.
var ExitConditions = []ExitCondition{ExitReply, ExitMeetingBooked, ExitCommitmentMade, ExitOptOut, ExitDisqualified, ExitWon}

// Valid reports whether x is a known exit condition.
func (x ExitCondition) Valid() bool {
	for _, k := range ExitConditions {
		if x == k {
			return true
		}
	}
	return false
}

// Progress reports whether the condition is a forward step by the prospect
// (B1 restarts the clock on it; B4 counts contacts since the last one).
func (x ExitCondition) Progress() bool {
	switch x {
	case ExitReply, ExitMeetingBooked, ExitCommitmentMade, ExitWon:
		return true
	}
	return false
}

// Branch target prefixes.
const (
	TargetExit    = "exit:"
	TargetCadence = "cadence:"
)

var ruleName = regexp.MustCompile(`^[A-H][0-9]+$`)

// Step returns the step with the given ID and its index, or -1.
func (c *Cadence) Step(id string) (*Step, int) {
	for i := range c.Steps {
		if c.Steps[i].ID == id {
			return &c.Steps[i], i
		}
	}
	return nil, -1
}

// Exits reports whether x ends an enrollment in this cadence. Opt-out always does (G1).
func (c *Cadence) Exits(x ExitCondition) bool {
	if x == ExitOptOut {
		return true
	}
	for _, k := range c.Exit {
		if k == x {
			return true
		}
	}
	return false
}

// Validate checks a cadence and returns an EINVALID error naming the step and
// field at fault, e.g. `steps[2] "call-2": delay.unit: unknown unit "weeks"`.
func (c *Cadence) Validate() error {
	if strings.TrimSpace(c.Name) == "" {
		return FieldError("name", "a cadence needs a name")
	}
	if c.Rule != "" && !ruleName.MatchString(c.Rule) {
		return FieldError("rule", "cadence %q: %q is not a METHOD rule (want e.g. B1)", c.Name, c.Rule)
	}
	if len(c.Steps) == 0 {
		return FieldError("steps", "cadence %q has no steps", c.Name)
	}
	for i, x := range c.Exit {
		if !x.Valid() {
			return FieldError(fmt.Sprintf("exit[%d]", i), "cadence %q: unknown exit condition %q (want one of %s)", c.Name, x, joinExits())
		}
	}
	if c.Next == c.Name && c.Next != "" {
		return FieldError("next", "cadence %q cannot chain to itself (use \"loop\": true)", c.Name)
	}
	seen := map[string]bool{}
	for i := range c.Steps {
		s := &c.Steps[i]
		bad := func(field, format string, args ...any) error {
			return FieldError(fmt.Sprintf("steps[%d].%s", i, field), "cadence %q step %q: %s", c.Name, s.ID, fmt.Sprintf(format, args...))
		}
		if s.ID == "" {
			return bad("id", "a step needs an id")
		}
		if strings.Contains(s.ID, ":") {
			return bad("id", "a step id cannot contain ':'")
		}
		if seen[s.ID] {
			return bad("id", "duplicate step id")
		}
		seen[s.ID] = true
		if !ruleName.MatchString(s.Rule) {
			return bad("rule", "%q is not a METHOD rule (want e.g. C3): every step names its rule", s.Rule)
		}
		if s.Channel != ChannelPreferred && !s.Channel.Valid() {
			return bad("channel", "unknown channel %q (want preferred or one of %s)", s.Channel, joinChannels())
		}
		switch s.Delay.Unit {
		case Minutes, Hours, Days, BusinessDays:
		default:
			return bad("delay.unit", "unknown unit %q (want minutes, hours, days or business-days)", s.Delay.Unit)
		}
		switch s.Delay.From {
		case FromPrevious, FromEnrollment, FromAppointment:
		default:
			return bad("delay.from", "unknown origin %q (want previous, enrollment or appointment)", s.Delay.From)
		}
		if s.Delay.Amount < 0 && s.Delay.From != FromAppointment {
			return bad("delay.amount", "a negative delay (%d) only makes sense before an appointment", s.Delay.Amount)
		}
		if m := maxDelay[s.Delay.Unit]; s.Delay.Amount > m || s.Delay.Amount < -m {
			return bad("delay.amount", "%d %s is more than ten years (at most %d)", s.Delay.Amount, s.Delay.Unit, m)
		}
		if strings.TrimSpace(s.Reason) == "" {
			return bad("reason", "say in words why the step exists")
		}
		switch s.Assignee {
		case "", AssigneeRep, AssigneeManager:
		default:
			return bad("assignee", "unknown assignee %q (want rep or manager)", s.Assignee)
		}
		if s.Exact && s.Delay.From != FromAppointment {
			return bad("exact", "only a step timed from an appointment can be exact (C2, C3)")
		}
		if s.SameDay && s.Delay.Unit != Minutes && s.Delay.Unit != Hours {
			return bad("same_day", "a same-day retry must be timed in minutes or hours, not %s", s.Delay.Unit)
		}
		if s.When != "" && s.When != StepWhenFirstMeeting {
			return bad("when", "unknown condition %q (want %s)", s.When, StepWhenFirstMeeting)
		}
		if s.Voicemail && !isCall(s.Channel) {
			return bad("voicemail", "only a call can leave a voicemail, not %s", s.Channel)
		}
	}
	for i := range c.Steps {
		s := &c.Steps[i]
		for o, target := range s.Branches {
			field := fmt.Sprintf("steps[%d].branches.%s", i, o)
			if !o.Valid() {
				return FieldError(field, "cadence %q step %q: unknown outcome %q", c.Name, s.ID, o)
			}
			switch {
			case strings.HasPrefix(target, TargetExit):
				if strings.TrimPrefix(target, TargetExit) == "" {
					return FieldError(field, "cadence %q step %q: %q needs a reason after exit:", c.Name, s.ID, target)
				}
			case strings.HasPrefix(target, TargetCadence):
				if strings.TrimPrefix(target, TargetCadence) == "" {
					return FieldError(field, "cadence %q step %q: %q needs a cadence name", c.Name, s.ID, target)
				}
			default:
				if !seen[target] {
					return FieldError(field, "cadence %q step %q: no step %q (want a step id, exit:<reason> or cadence:<name>)", c.Name, s.ID, target)
				}
			}
		}
	}
	return nil
}

// maxDelay bounds a step's delay at about ten years in each unit: more is a
// mistake, and the engine counts business days one at a time (a delay of
// 2^63 business days hung the planner, found by FuzzParseCadence).
var maxDelay = map[DelayUnit]int{Minutes: 3660 * 24 * 60, Hours: 3660 * 24, Days: 3660, BusinessDays: 2610}

func isCall(ch Channel) bool {
	return ch == ChannelCall || ch == ChannelVoicemail || ch == ChannelPreferred
}

func joinExits() string {
	s := make([]string, len(ExitConditions))
	for i, x := range ExitConditions {
		s[i] = string(x)
	}
	return strings.Join(s, ", ")
}
