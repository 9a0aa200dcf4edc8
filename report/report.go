package report

import (
	"time"

	"github.com/nudgecrm/nudge"
)

// Quiet is how long without a touch before a person counts as dropped (H1;
// see the package documentation for why 45 days).
const Quiet = 45 * 24 * time.Hour

// SixTouches is B3's minimum: no prospect leaves follow-up before six
// attempts unless they said no.
const SixTouches = 6

// DefaultPeriod is the period a report covers when none is given: the last
// 90 days up to now.
const DefaultPeriod = 90 * 24 * time.Hour

// Filter says whose figures a report counts and over which period.
type Filter struct {
	// From and To bound the period, [From, To).
	From, To time.Time
	// Now is the current instant: H1 counts only people whose quiet window
	// has passed by then.
	Now time.Time
	// Owners restricts the report to the people these users own (for reply
	// rates: the touches they made). Nil means everybody's, unassigned ones
	// included (an admin); empty means nobody's.
	Owners []int64
}

// Validate checks the period and fills in the default one (the last 90 days
// to Now) when both ends are zero. EINVALID.
func (f *Filter) Validate() error {
	if f.Now.IsZero() {
		return nudge.FieldError("now", "a report needs the current time")
	}
	if f.To.IsZero() {
		f.To = f.Now
	}
	if f.From.IsZero() {
		f.From = f.To.Add(-DefaultPeriod)
	}
	f.From, f.To, f.Now = f.From.UTC(), f.To.UTC(), f.Now.UTC()
	if !f.From.Before(f.To) {
		return nudge.FieldError("from", "the period must start before it ends (from %s, to %s)",
			f.From.Format(time.RFC3339), f.To.Format(time.RFC3339))
	}
	return nil
}

// Period is the half-open period [From, To) a report covers.
type Period struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Rep names a rep (an owner of people) in a report; ID 0 is the people no
// rep owns.
type Rep struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// Bucket is one bar of a distribution: how many fell in it, their share of
// the whole, and the published share when there is one.
type Bucket struct {
	Label    string   `json:"label"`
	Count    int      `json:"count"`
	Share    float64  `json:"share"`              // 0..1 of the report's total
	Baseline *float64 `json:"baseline,omitempty"` // the published share (METHOD.md H1–H3)
}

// share is n/total, 0 when there is nothing to share.
func share(n, total int) float64 {
	if total == 0 {
		return 0
	}
	return float64(n) / float64(total)
}

func ptr(v float64) *float64 { return &v }
