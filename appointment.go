package nudge

import (
	"strings"
	"time"
)

// AppointmentKind is how the rep and the prospect meet.
type AppointmentKind string

const (
	AppointmentCall  AppointmentKind = "call"
	AppointmentVisit AppointmentKind = "visit"
)

// AppointmentState is where an appointment stands.
type AppointmentState string

const (
	AppointmentScheduled AppointmentState = "scheduled"
	AppointmentHeld      AppointmentState = "held"
	AppointmentNoShow    AppointmentState = "no-show" // C3 no-show protocol
	AppointmentCancelled AppointmentState = "cancelled"
)

// Appointment is a telephone appointment or a visit (C1–C4).
type Appointment struct {
	ID       int64           `json:"id"`
	PersonID int64           `json:"person_id"`
	UserID   int64           `json:"user_id,omitempty"` // the rep
	At       time.Time       `json:"at"`                // UTC instant; C2: the call is due at this minute
	Minutes  int             `json:"minutes,omitempty"` // planned length ("allow 20 minutes", C1)
	Kind     AppointmentKind `json:"kind"`
	// Agenda is the shared agenda (A4), listed in the C1 reminder.
	Agenda []string `json:"agenda,omitempty"`
	// First marks the first meeting with a new prospect: a C4 thank-you card follows it.
	First     bool             `json:"first,omitempty"`
	State     AppointmentState `json:"state"`
	Place     string           `json:"place,omitempty"` // for visits (A9)
	CreatedAt time.Time        `json:"created_at,omitzero"`
}

// Validate checks an appointment before it is stored.
func (a *Appointment) Validate() error {
	if a.PersonID == 0 {
		return FieldError("person", "an appointment needs a person")
	}
	if a.At.IsZero() {
		return FieldError("at", "an appointment needs a time")
	}
	a.At = a.At.UTC()
	if a.Kind == "" {
		a.Kind = AppointmentCall
	}
	if a.Kind != AppointmentCall && a.Kind != AppointmentVisit {
		return FieldError("kind", "unknown appointment kind %q (want call or visit)", a.Kind)
	}
	if a.State == "" {
		a.State = AppointmentScheduled
	}
	switch a.State {
	case AppointmentScheduled, AppointmentHeld, AppointmentNoShow, AppointmentCancelled:
	default:
		return FieldError("state", "unknown appointment state %q", a.State)
	}
	if a.Minutes < 0 {
		return FieldError("minutes", "length cannot be negative")
	}
	for i, item := range a.Agenda {
		a.Agenda[i] = strings.TrimSpace(item)
	}
	return nil
}
