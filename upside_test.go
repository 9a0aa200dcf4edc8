package nudge

import (
	"strings"
	"testing"
	"time"
)

func TestScoreUpside(t *testing.T) {
	now := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	ago := func(days int) time.Time { return now.Add(-time.Duration(days) * 24 * time.Hour) }
	// ideal is a perfect fit, engaged, with a median deal, heard from today.
	ideal := UpsideFacts{PersonID: 1, Name: "Anna", HasCompany: true, BuyingRole: RoleDecisionMaker, Country: "US", RepCountry: "US",
		TwoWay: 3, LastTwoWay: ago(0), Kept: 2, OpenDeals: 50_000_00, TeamMedian: 50_000_00, Attempts: 9}
	tests := []struct {
		name                              string
		edit                              func(f *UpsideFacts)
		score, fit, engage, deal, recency int
		action                            CleanAction
		reason                            string
	}{
		{"ideal", func(f *UpsideFacts) {}, 90, 30, 30, 10, 20, CleanDrip, "a fit (30/30)"},
		{"twice the median deal", func(f *UpsideFacts) { f.OpenDeals = 100_000_00 }, 100, 30, 30, 20, 20, CleanDrip, ""},
		{"deal capped at 20", func(f *UpsideFacts) { f.OpenDeals = 500_000_00 }, 100, 30, 30, 20, 20, CleanDrip, ""},
		{"a third of the median", func(f *UpsideFacts) { f.OpenDeals = 16_666_67 }, 83, 30, 30, 3, 20, CleanDrip, ""},
		{"no open deal", func(f *UpsideFacts) { f.OpenDeals = 0 }, 80, 30, 30, 0, 20, CleanDrip, ""},
		{"a deal but no team median", func(f *UpsideFacts) { f.TeamMedian = 0 }, 100, 30, 30, 20, 20, CleanDrip, ""},
		{"one two-way touch, 8 days ago", func(f *UpsideFacts) { f.TwoWay, f.LastTwoWay = 1, ago(8) }, 75, 30, 20, 10, 15, CleanDrip, ""},
		{"31 days", func(f *UpsideFacts) { f.LastTwoWay = ago(31) }, 80, 30, 30, 10, 10, CleanDrip, ""},
		{"61 days", func(f *UpsideFacts) { f.LastTwoWay = ago(61) }, 75, 30, 30, 10, 5, CleanDrip, ""},
		{"91 days: outside the window", func(f *UpsideFacts) { f.LastTwoWay = ago(91) }, 70, 30, 30, 10, 0, CleanDrip, ""},
		{"kept 1 of 3 commitments", func(f *UpsideFacts) { f.Kept, f.Missed = 1, 2 }, 80, 30, 20, 10, 20, CleanDrip, ""},
		{"title names a decider", func(f *UpsideFacts) { f.BuyingRole, f.Title = "", "VP Operations" }, 90, 30, 30, 10, 20, CleanDrip, ""},
		{"recorded role beats the title", func(f *UpsideFacts) { f.BuyingRole, f.Title = RoleInfluencer, "Director of Finance" }, 80, 20, 30, 10, 20, CleanDrip, "a fit (20/30)"},
		{"no market declared", func(f *UpsideFacts) { f.RepCountry = ""; f.Country = "DE" }, 90, 30, 30, 10, 20, CleanDrip, ""},
		{"quiet stranger", func(f *UpsideFacts) {
			*f = UpsideFacts{PersonID: 2, Name: "Zed", Title: "Analyst", Country: "DE", RepCountry: "US", Attempts: 7}
		}, 0, 0, 0, 0, 0, CleanDrop, "not a fit (no company, not a decision-maker, outside the rep's market): disqualify"},
		{"B3 warning", func(f *UpsideFacts) {
			*f = UpsideFacts{HasCompany: true, Title: "Engineer", Country: "US", RepCountry: "US", Attempts: 2}
		}, 20, 20, 0, 0, 0, CleanDrip, "; B3: only 2 of 6 attempts so far"},
		{"one fit criterion is not a fit", func(f *UpsideFacts) { f.HasCompany, f.BuyingRole = false, RoleUser }, 70, 10, 30, 10, 20, CleanDrop, "not a fit (no company, not a decision-maker)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ideal
			tt.edit(&f)
			u := ScoreUpside(f, now)
			if u.Score != tt.score || u.Fit != tt.fit || u.Engagement != tt.engage || u.Deal != tt.deal || u.Recency != tt.recency || u.Action != tt.action {
				t.Errorf("got score %d = fit %d + engagement %d + deal %d + recency %d, %s; want %d = %d + %d + %d + %d, %s",
					u.Score, u.Fit, u.Engagement, u.Deal, u.Recency, u.Action, tt.score, tt.fit, tt.engage, tt.deal, tt.recency, tt.action)
			}
			if u.Score != u.Fit+u.Engagement+u.Deal+u.Recency {
				t.Errorf("score %d is not the sum of its parts", u.Score)
			}
			if !strings.Contains(u.Reason, tt.reason) {
				t.Errorf("reason %q lacks %q", u.Reason, tt.reason)
			}
		})
	}
}

func TestParseCleanAction(t *testing.T) {
	if a, err := ParseCleanAction(" Drip "); a != CleanDrip || err != nil {
		t.Errorf("drip: %q %v", a, err)
	}
	if _, err := ParseCleanAction("delete"); err == nil || !strings.Contains(err.Error(), `"delete"`) {
		t.Errorf("delete: %v", err)
	}
}
