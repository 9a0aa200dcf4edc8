package report

import "strconv"

// ContactBaseline is H3's published figure: six calls reach 90% of
// prospects (B3, source 004).
const (
	ContactBaseline        = 0.9
	ContactBaselineAttempt = 6
)

// MaxAttempt is H3's last bucket: attempt 8 stands for 8 or more.
const MaxAttempt = 8

// ReachCount is what the store counts for H3: how many prospects of the
// cohort were first reached on an attempt (0: not reached yet) and have had
// a number of touches. Either may pass MaxAttempt: NewContact counts those
// in its last bucket.
type ReachCount struct {
	Attempt int
	Touches int
	People  int
}

// ContactBucket is one attempt of H3.
type ContactBucket struct {
	Attempt string `json:"attempt"` // "1"…"7", "8+"
	// Reached counts the prospects reached by this attempt (cumulative);
	// Share is their share of all the prospects of the period.
	Reached int     `json:"reached"`
	Share   float64 `json:"share"`
	// Tried counts the prospects who had the chance: reached by this
	// attempt, or given at least this many attempts. ShareOfTried is the
	// contact rate of those the rep kept trying — what "six calls reach
	// 90%" measures; Share is lower by the prospects dropped early.
	Tried        int      `json:"tried"`
	ShareOfTried float64  `json:"share_of_tried"`
	Baseline     *float64 `json:"baseline,omitempty"` // 0.9 at the 6th attempt
}

// Contact is the H3 report: of the prospects first touched in the period,
// the share reached by each attempt, beside "6 calls → 90%".
type Contact struct {
	Period
	Prospects int             `json:"prospects"` // first touched in the period
	Reached   int             `json:"reached"`   // reached by now, at any attempt
	Buckets   []ContactBucket `json:"buckets"`
}

// NewContact builds the H3 report from the store's counts.
func NewContact(p Period, counts []ReachCount) Contact {
	c := Contact{Period: p}
	for _, k := range counts {
		c.Prospects += k.People
		if k.Attempt > 0 {
			c.Reached += k.People
		}
	}
	for n := 1; n <= MaxAttempt; n++ {
		b := ContactBucket{Attempt: strconv.Itoa(n)}
		if n == MaxAttempt {
			b.Attempt += "+"
		}
		for _, k := range counts {
			reached := k.Attempt > 0 && (k.Attempt <= n || n == MaxAttempt)
			if reached {
				b.Reached += k.People
			}
			if reached || k.Touches >= n {
				b.Tried += k.People
			}
		}
		b.Share, b.ShareOfTried = share(b.Reached, c.Prospects), share(b.Reached, b.Tried)
		if n == ContactBaselineAttempt {
			b.Baseline = ptr(ContactBaseline)
		}
		c.Buckets = append(c.Buckets, b)
	}
	return c
}
