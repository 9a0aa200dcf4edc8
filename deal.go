package nudge

import (
	"context"
	"strings"
	"time"
)

// DealStage is where a deal is in the pipeline.
type DealStage string

const (
	StageQualify     DealStage = "qualify"
	StageMeeting     DealStage = "meeting"
	StageProposal    DealStage = "proposal"
	StageNegotiation DealStage = "negotiation"
	StageWon         DealStage = "won"
	StageLost        DealStage = "lost"
)

// DealStages lists every stage in pipeline order.
var DealStages = []DealStage{StageQualify, StageMeeting, StageProposal, StageNegotiation, StageWon, StageLost}

// POWNs are the prospect's problems, opportunities, wants and needs (A4).
type POWNs struct {
	Problems      string `json:"problems,omitempty"`
	Opportunities string `json:"opportunities,omitempty"`
	Wants         string `json:"wants,omitempty"`
	Needs         string `json:"needs,omitempty"`
}

// MeetingPrep is what a rep prepares before a meeting (A4).
type MeetingPrep struct {
	Objective  string   `json:"objective,omitempty"`
	Agenda     []string `json:"agenda,omitempty"` // shared with the prospect beforehand
	POWNs      POWNs    `json:"powns"`
	Risks      string   `json:"risks,omitempty"`
	Rewards    string   `json:"rewards,omitempty"`
	Objections string   `json:"objections,omitempty"` // expected concerns
}

// Deal is an opportunity with a person (and their company).
type Deal struct {
	ID         int64       `json:"id"`
	PersonID   int64       `json:"person_id"`
	CompanyID  int64       `json:"company_id,omitempty"`
	OwnerID    int64       `json:"owner_id,omitempty"`
	Title      string      `json:"title"`
	ValueCents int64       `json:"value_cents"`
	Currency   string      `json:"currency,omitempty"` // ISO 4217
	Stage      DealStage   `json:"stage"`
	Prep       MeetingPrep `json:"prep"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
	ClosedAt   *time.Time  `json:"closed_at,omitempty"`
}

// Validate checks a deal before it is stored.
func (d *Deal) Validate() error {
	if d.PersonID == 0 {
		return FieldError("person", "a deal needs a person")
	}
	d.Title = strings.TrimSpace(d.Title)
	if d.Title == "" {
		return FieldError("title", "a deal needs a title")
	}
	if d.ValueCents < 0 {
		return FieldError("value", "value cannot be negative")
	}
	d.Currency = strings.ToUpper(strings.TrimSpace(d.Currency))
	if d.Currency == "" {
		d.Currency = "USD"
	}
	if len(d.Currency) != 3 {
		return FieldError("currency", "currency %q is not an ISO 4217 code", d.Currency)
	}
	if d.Stage == "" {
		d.Stage = StageQualify
	}
	ok := false
	for _, s := range DealStages {
		ok = ok || s == d.Stage
	}
	if !ok {
		return FieldError("stage", "unknown stage %q", d.Stage)
	}
	return nil
}

// DealFilter selects deals. Zero fields do not filter.
type DealFilter struct {
	PersonID *int64
	OwnerID  *int64
	Stage    *DealStage
	Limit    int
}

// DealService stores deals.
type DealService interface {
	CreateDeal(ctx context.Context, d *Deal) error
	FindDealByID(ctx context.Context, id int64) (*Deal, error)
	FindDeals(ctx context.Context, f DealFilter) ([]*Deal, error)
	// UpdateDeal replaces the stored deal's editable fields with d's. ENOTFOUND, EINVALID.
	UpdateDeal(ctx context.Context, d *Deal) error
	DeleteDeal(ctx context.Context, id int64) error
}
