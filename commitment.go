package nudge

import (
	"context"
	"strings"
	"time"
)

// Party says who owes a commitment (A2: homework both ways).
type Party string

const (
	PartyRep      Party = "rep"
	PartyProspect Party = "prospect"
)

// CommitmentState is where a commitment stands.
type CommitmentState string

const (
	CommitmentOpen   CommitmentState = "open"
	CommitmentKept   CommitmentState = "kept"
	CommitmentMissed CommitmentState = "missed"
)

// Commitment is homework one side owes the other, with a due date (A2). A
// prospect's commitment is the action commitment of A3: a short call, a date by
// which they answer, or next steps that name their own actions.
type Commitment struct {
	ID            int64           `json:"id"`
	PersonID      int64           `json:"person_id"`
	InteractionID int64           `json:"interaction_id,omitempty"`
	Party         Party           `json:"party"`
	What          string          `json:"what"`
	Due           time.Time       `json:"due"`
	State         CommitmentState `json:"state"`
	CreatedAt     time.Time       `json:"created_at"`
	ClosedAt      *time.Time      `json:"closed_at,omitempty"`
}

// Validate checks a commitment before it is stored.
func (c *Commitment) Validate() error {
	if c.Party != PartyRep && c.Party != PartyProspect {
		return FieldError("party", "unknown party %q (want rep or prospect)", c.Party)
	}
	c.What = strings.TrimSpace(c.What)
	if c.What == "" {
		return FieldError("what", "say what is owed")
	}
	if c.Due.IsZero() {
		return FieldError("due", "a commitment needs a due date")
	}
	c.Due = c.Due.UTC()
	if c.State == "" {
		c.State = CommitmentOpen
	}
	switch c.State {
	case CommitmentOpen, CommitmentKept, CommitmentMissed:
	default:
		return FieldError("state", "unknown state %q", c.State)
	}
	return nil
}

// Overdue reports whether an open commitment is past its due time.
func (c *Commitment) Overdue(now time.Time) bool {
	return c.State == CommitmentOpen && now.After(c.Due)
}

// CommitmentFilter selects commitments. Zero fields do not filter.
type CommitmentFilter struct {
	PersonID *int64
	OwnerID  *int64 // the owner of the person
	Party    *Party
	States   []CommitmentState
	Limit    int
}

// CommitmentService stores homework and commitments.
type CommitmentService interface {
	CreateCommitment(ctx context.Context, c *Commitment) error
	// FindCommitments returns matching commitments, earliest due first.
	FindCommitments(ctx context.Context, f CommitmentFilter) ([]*Commitment, error)
	// CloseCommitment marks a commitment kept or missed. ENOTFOUND, EINVALID.
	CloseCommitment(ctx context.Context, id int64, state CommitmentState, at time.Time) error
	// MarkMissedCommitments turns open commitments due before now into missed
	// ones and returns how many changed.
	MarkMissedCommitments(ctx context.Context, now time.Time) (int, error)
}
