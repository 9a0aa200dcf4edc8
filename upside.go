package nudge

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// F3 clean the list (seed 000): score each prospect's upside — fit with the
// target client, engagement, deal size — and propose whom to drop.
//
// The upside score is 0–100, the sum of four parts:
//
//	fit         0–30  target-client match, 10 points for each of:
//	                  · a company is recorded;
//	                  · they decide: buying role decision-maker or boss or,
//	                    when no role is recorded, a title that names one
//	                    (owner, founder, president, chief, CEO, CFO, COO,
//	                    CTO, CIO, CMO, CRO, VP, vice president, director,
//	                    head of, partner, general manager);
//	                  · in the rep's market: the person's country is the
//	                    owning rep's, or the rep has declared no country.
//	engagement  0–30  within the last UpsideWindow (90 days):
//	                  · 5 points per two-way touch (an inbound touch, a
//	                    reply, a connected call, a meeting held), at most 15;
//	                  · of the prospect's commitments closed (A3),
//	                    ⌊15 × kept ÷ (kept + missed)⌋; 0 when none closed.
//	deal size   0–20  the person's open deals (any stage but won and lost)
//	                  summed, against the median open deal of the owner's
//	                  team: ⌊10 × sum ÷ median⌋, at most 20 — a deal of the
//	                  median size scores 10, twice the median 20; no open
//	                  deal 0. Amounts are compared as stored, whatever their
//	                  currency.
//	recency     0–20  days since the last two-way touch: up to 7 → 20, up
//	                  to 30 → 15, up to 60 → 10, up to 90 → 5; longer or
//	                  never → 0.
//
// The proposed action: a prospect who meets at most one of the three fit
// criteria is not a fit — drop them (disqualify; F1's monthly drip then
// keeps the door open); anyone else is a fit gone quiet — move them to the
// drip (F1) and out of active follow-up. Below six attempts the proposal
// carries B3's warning: no prospect should leave active follow-up before
// six attempts unless they said no.
//
// Only the window's touches and commitments count, which keeps the
// computation to one bounded index range per person.

// UpsideWindow is how far back engagement and recency look (F3).
const UpsideWindow = 90 * 24 * time.Hour

// TwoWayOutcomes are the outcomes of a touch that reached the prospect and
// got something back: with any inbound touch, the engagement of F3.
var TwoWayOutcomes = []Outcome{OutcomeReplied, OutcomeConnected, OutcomeMeetingHeld}

// UpsideFacts is what the score of one prospect is computed from.
type UpsideFacts struct {
	PersonID   int64
	Name       string
	OwnerID    int64
	HasCompany bool
	Title      string
	BuyingRole BuyingRole
	Country    string // the person's, ISO alpha-2
	RepCountry string // the owning rep's market; "" = none declared
	// Within UpsideWindow of now:
	TwoWay     int       // two-way touches
	LastTwoWay time.Time // the latest of them; zero when none
	Kept       int       // commitments of the prospect kept
	Missed     int       // and missed
	// OpenDeals is the sum of the person's open deals; TeamMedian the median
	// open deal of the owner's team (cents, or whatever unit deals are in).
	OpenDeals  int64
	TeamMedian int64
	Attempts   int // outbound touches ever (B3)
}

// CleanAction is what the clean list proposes for a prospect (F3).
type CleanAction string

const (
	CleanDrop CleanAction = "drop" // disqualify: not a fit (F3); F1 nurtures them
	CleanDrip CleanAction = "drip" // leave active follow-up for the monthly drip (F1)
)

// ParseCleanAction reads "drop" or "drip".
func ParseCleanAction(s string) (CleanAction, error) {
	switch a := CleanAction(strings.ToLower(strings.TrimSpace(s))); a {
	case CleanDrop, CleanDrip:
		return a, nil
	}
	return "", FieldError("action", "unknown action %q (want drop or drip)", s)
}

// Upside is a prospect's F3 score, its parts and the proposed action.
type Upside struct {
	PersonID   int64       `json:"person_id"`
	Person     string      `json:"person"`
	OwnerID    int64       `json:"owner_id,omitempty"`
	Score      int         `json:"score"`
	Fit        int         `json:"fit"`        // 0–30
	Engagement int         `json:"engagement"` // 0–30
	Deal       int         `json:"deal"`       // 0–20
	Recency    int         `json:"recency"`    // 0–20
	Attempts   int         `json:"attempts"`
	Action     CleanAction `json:"action"`
	Reason     string      `json:"reason"`
}

// deciderTitle matches a title that names a decision-maker.
var deciderTitle = regexp.MustCompile(`(?i)\b(owner|co-?founder|founder|president|chief|ceo|cfo|coo|cto|cio|cmo|cro|vp|vice[- ]president|director|head of|partner|general manager)\b`)

// Decides reports whether the facts show a decision-maker (A7): the
// recorded buying role, or the title when no role is recorded.
func (f *UpsideFacts) Decides() bool {
	if f.BuyingRole != RoleNone {
		return f.BuyingRole == RoleDecisionMaker || f.BuyingRole == RoleBoss
	}
	return deciderTitle.MatchString(f.Title)
}

// InMarket reports whether the person is in the rep's market.
func (f *UpsideFacts) InMarket() bool {
	return f.RepCountry == "" || strings.EqualFold(f.Country, f.RepCountry)
}

// ScoreUpside computes the F3 upside of one prospect at now (see the
// formula above).
func ScoreUpside(f UpsideFacts, now time.Time) Upside {
	u := Upside{PersonID: f.PersonID, Person: f.Name, OwnerID: f.OwnerID, Attempts: f.Attempts}
	u.Fit, u.Engagement, u.Deal, u.Recency = f.Parts(now)
	u.Score = u.Fit + u.Engagement + u.Deal + u.Recency
	if u.Fit <= 10 {
		var misfit []string
		if !f.HasCompany {
			misfit = append(misfit, "no company")
		}
		if !f.Decides() {
			misfit = append(misfit, "not a decision-maker")
		}
		if !f.InMarket() {
			misfit = append(misfit, "outside the rep's market")
		}
		u.Action = CleanDrop
		u.Reason = fmt.Sprintf("not a fit (%s): disqualify; F1's monthly drip keeps the door open", strings.Join(misfit, ", "))
	} else {
		u.Action = CleanDrip
		u.Reason = fmt.Sprintf("a fit (%d/30) with little upside now: move to the monthly drip (F1)", u.Fit)
	}
	if f.Attempts < 6 {
		u.Reason += fmt.Sprintf("; B3: only %d of 6 attempts so far", f.Attempts)
	}
	return u
}

// Parts returns the four parts of the score at now. Facts left at zero
// add nothing, so the parts of a prospect whose touches are not known yet
// sum to a lower bound of their score.
func (f *UpsideFacts) Parts(now time.Time) (fit, engagement, deal, recency int) {
	for _, ok := range []bool{f.HasCompany, f.Decides(), f.InMarket()} {
		if ok {
			fit += 10
		}
	}

	engagement = min(15, 5*f.TwoWay)
	if closed := f.Kept + f.Missed; closed > 0 {
		engagement += 15 * f.Kept / closed
	}

	switch {
	case f.OpenDeals <= 0:
	case f.TeamMedian <= 0:
		deal = 20
	default:
		deal = int(min(20, 10*f.OpenDeals/f.TeamMedian))
	}

	if !f.LastTwoWay.IsZero() && !f.LastTwoWay.Before(now.Add(-UpsideWindow)) {
		switch days := int(now.Sub(f.LastTwoWay) / (24 * time.Hour)); {
		case days <= 7:
			recency = 20
		case days <= 30:
			recency = 15
		case days <= 60:
			recency = 10
		default:
			recency = 5
		}
	}
	return fit, engagement, deal, recency
}
