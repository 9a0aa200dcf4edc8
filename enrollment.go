package nudge

import "time"

// EnrollmentState is where an enrollment stands.
type EnrollmentState string

const (
	EnrollmentActive   EnrollmentState = "active"
	EnrollmentPaused   EnrollmentState = "paused"   // the rep stopped it by hand; nothing is proposed
	EnrollmentSnoozed  EnrollmentState = "snoozed"  // E2 "call me in two weeks": resumes at SnoozedUntil
	EnrollmentFinished EnrollmentState = "finished" // every step done
	EnrollmentExited   EnrollmentState = "exited"   // an exit condition or G1 ended it; see ExitReason
)

// EnrollmentStates lists every state.
var EnrollmentStates = []EnrollmentState{EnrollmentActive, EnrollmentPaused, EnrollmentSnoozed, EnrollmentFinished, EnrollmentExited}

// Valid reports whether s is a known state.
func (s EnrollmentState) Valid() bool {
	for _, k := range EnrollmentStates {
		if s == k {
			return true
		}
	}
	return false
}

// Open reports whether the enrollment can still produce tasks.
func (s EnrollmentState) Open() bool {
	return s == EnrollmentActive || s == EnrollmentSnoozed || s == EnrollmentPaused
}

// Enrollment is one person going through one cadence. The engine
// (package method) moves it along; the store keeps it.
type Enrollment struct {
	ID       int64           `json:"id"`
	PersonID int64           `json:"person_id"`
	UserID   int64           `json:"user_id,omitempty"` // the rep who follows up
	Cadence  string          `json:"cadence"`
	State    EnrollmentState `json:"state"`
	// StepID is the step to do next; empty once finished or exited.
	StepID    string    `json:"step_id,omitempty"`
	StartedAt time.Time `json:"started_at"`
	// AnchorAt is the instant "enrollment" delays count from: StartedAt at
	// first, moved by a reply or any forward step of the prospect (B1).
	AnchorAt time.Time `json:"anchor_at"`
	// LastTouchAt is when the last step's touch was done; "previous" delays
	// count from it. Zero before the first touch.
	LastTouchAt  time.Time  `json:"last_touch_at,omitzero"`
	SnoozedUntil *time.Time `json:"snoozed_until,omitempty"` // E2
	ExitReason   string     `json:"exit_reason,omitempty"`
	// Next names the cadence to enrol the person in now that this one ended
	// (a "cadence:" branch, the cadence's Next, or B3's chaining).
	Next string `json:"next,omitempty"`
	// Attempts counts the touches done in this enrollment.
	Attempts int `json:"attempts"`
	// SinceProgress counts contacts since the prospect's own last forward
	// step (B4: after 4, the next conversation asks whether to stop).
	SinceProgress int   `json:"since_progress"`
	AppointmentID int64 `json:"appointment_id,omitempty"` // the appointment C1–C4 steps are timed from
	// Rule is the rule that enrolled the person ("B1" new prospect, "C3"
	// missed appointment, "E1" silent, "F1" drip…).
	Rule      string    `json:"rule,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Validate checks an enrollment before it is stored.
func (e *Enrollment) Validate() error {
	if e.PersonID == 0 {
		return FieldError("person", "an enrollment needs a person")
	}
	if e.Cadence == "" {
		return FieldError("cadence", "an enrollment needs a cadence")
	}
	if e.State == "" {
		e.State = EnrollmentActive
	}
	if !e.State.Valid() {
		return FieldError("state", "unknown enrollment state %q", e.State)
	}
	if e.StartedAt.IsZero() {
		return FieldError("started_at", "an enrollment needs a start time")
	}
	if e.AnchorAt.IsZero() {
		e.AnchorAt = e.StartedAt
	}
	if e.State == EnrollmentSnoozed && e.SnoozedUntil == nil {
		return FieldError("snoozed_until", "a snoozed enrollment needs the date it resumes")
	}
	return nil
}
