package nudge

import (
	"context"
	"strings"
	"time"
)

// Direction says who reached out.
type Direction string

const (
	Outbound Direction = "outbound" // the rep reached out
	Inbound  Direction = "inbound"  // the prospect did: counts as their forward step (B1, B4)
)

// Outcome is what came of a touch. The names are stable: scripts and the JSON
// API use them.
type Outcome string

const (
	OutcomeConnected   Outcome = "connected"
	OutcomeVoicemail   Outcome = "voicemail" // a voicemail was left
	OutcomeNoAnswer    Outcome = "no-answer"
	OutcomeSent        Outcome = "sent" // an email, text or card went out; no answer yet
	OutcomeReplied     Outcome = "replied"
	OutcomeBounced     Outcome = "bounced"
	OutcomeNoShow      Outcome = "no-show"
	OutcomeMeetingHeld Outcome = "meeting-held"
	OutcomeDeclined    Outcome = "declined"      // an explicit "no" (G1)
	OutcomeAskedToStop Outcome = "asked-to-stop" // "stop", unsubscribe (G1)
)

// Outcomes lists every outcome.
var Outcomes = []Outcome{OutcomeConnected, OutcomeVoicemail, OutcomeNoAnswer, OutcomeSent, OutcomeReplied,
	OutcomeBounced, OutcomeNoShow, OutcomeMeetingHeld, OutcomeDeclined, OutcomeAskedToStop}

// Valid reports whether o is a known outcome.
func (o Outcome) Valid() bool {
	for _, k := range Outcomes {
		if o == k {
			return true
		}
	}
	return false
}

// Outcomes lists what can come of a touch on channel c, most likely first:
// a call connects or not, a written touch is sent, bounces or gets a reply;
// a "no" or a "stop" is possible everywhere (G1).
func (c Channel) Outcomes() []Outcome {
	switch c {
	case ChannelCall, ChannelVoicemail:
		return []Outcome{OutcomeConnected, OutcomeVoicemail, OutcomeNoAnswer, OutcomeDeclined, OutcomeAskedToStop}
	case ChannelEmail:
		return []Outcome{OutcomeSent, OutcomeReplied, OutcomeBounced, OutcomeDeclined, OutcomeAskedToStop}
	case ChannelMeeting, ChannelVisit:
		return []Outcome{OutcomeMeetingHeld, OutcomeNoShow, OutcomeDeclined, OutcomeAskedToStop}
	default: // text, letter, social
		return []Outcome{OutcomeSent, OutcomeReplied, OutcomeDeclined, OutcomeAskedToStop}
	}
}

// Reached reports whether the touch reached the person (H3 contact rate).
func (o Outcome) Reached() bool {
	switch o {
	case OutcomeConnected, OutcomeReplied, OutcomeMeetingHeld, OutcomeDeclined, OutcomeAskedToStop:
		return true
	}
	return false
}

// HardStop reports whether the outcome ends all follow-up at once (G1).
func (o Outcome) HardStop() bool { return o == OutcomeDeclined || o == OutcomeAskedToStop }

// WIN is the three-part note of every interaction (A1).
type WIN struct {
	What      string `json:"what,omitempty"`       // what was discussed
	Insights  string `json:"insights,omitempty"`   // insights gained, yours or theirs
	NextSteps string `json:"next_steps,omitempty"` // next steps
}

// Empty reports whether no part of the note was written.
func (w WIN) Empty() bool {
	return strings.TrimSpace(w.What+w.Insights+w.NextSteps) == ""
}

// Interaction is one touch between a rep and a person.
type Interaction struct {
	ID        int64     `json:"id"`
	PersonID  int64     `json:"person_id"`
	UserID    int64     `json:"user_id,omitempty"` // the rep; 0 when not known (imported history)
	Channel   Channel   `json:"channel"`
	Direction Direction `json:"direction"`
	Outcome   Outcome   `json:"outcome"`
	At        time.Time `json:"at"`
	Subject   string    `json:"subject,omitempty"`
	Note      WIN       `json:"note"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks an interaction before it is stored.
func (i *Interaction) Validate() error {
	if i.PersonID == 0 {
		return FieldError("person", "an interaction needs a person")
	}
	if !i.Channel.Valid() {
		return FieldError("channel", "unknown channel %q (want one of %s)", i.Channel, joinChannels())
	}
	if i.Direction == "" {
		i.Direction = Outbound
	}
	if i.Direction != Outbound && i.Direction != Inbound {
		return FieldError("direction", "unknown direction %q (want outbound or inbound)", i.Direction)
	}
	if !i.Outcome.Valid() {
		return FieldError("outcome", "unknown outcome %q", i.Outcome)
	}
	if i.At.IsZero() {
		return FieldError("at", "an interaction needs a time")
	}
	i.At = i.At.UTC()
	return nil
}

func joinChannels() string {
	s := make([]string, len(Channels))
	for i, c := range Channels {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}

// InteractionFilter selects interactions. Zero fields do not filter.
type InteractionFilter struct {
	PersonID *int64
	UserID   *int64
	Since    *time.Time
	Until    *time.Time
	Offset   int
	Limit    int
}

// InteractionService stores the history of touches.
type InteractionService interface {
	// CreateInteraction stores the touch and the commitments logged with it
	// (A2, A3) in one transaction. A G1 outcome also sets do-not-contact.
	CreateInteraction(ctx context.Context, i *Interaction, commitments []*Commitment) error
	// FindInteractions returns matching touches, newest first.
	FindInteractions(ctx context.Context, f InteractionFilter) ([]*Interaction, int, error)
}
