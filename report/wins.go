package report

import "strconv"

// WinsBaseline is H2's published figure: 80% of sales are made on the 4th to
// 6th contact (B3, source 000).
const WinsBaseline = 0.8

// WinCount is what the store counts for H2: wins that came on a touch
// number (0: before any touch; 7 stands for 7 or more).
type WinCount struct {
	Touch int
	Wins  int
}

// Wins is the H2 report: the share of wins by the touch on which they came,
// beside "80% on the 4th–6th".
type Wins struct {
	Period
	Wins int `json:"wins"` // deals won in the period
	// NoTouch counts the wins that came before any touch (an inbound
	// buyer); the shares are of the others, the wins that came on a touch.
	NoTouch int `json:"no_touch"`
	OnTouch int `json:"on_touch"`
	// Buckets are touches 1…6 and 7+.
	Buckets []Bucket `json:"buckets"`
	// Groups are 1st–3rd, 4th–6th (with the published 80%) and 7th+.
	Groups    []Bucket `json:"groups"`
	FourToSix float64  `json:"four_to_six"` // the share on the 4th–6th
	Baseline  float64  `json:"four_to_six_baseline"`
}

// NewWins builds the H2 report from the store's counts.
func NewWins(p Period, counts []WinCount) Wins {
	var by [8]int // by touch, 0…7+
	for _, c := range counts {
		by[max(0, min(c.Touch, 7))] += c.Wins
	}
	w := Wins{Period: p, NoTouch: by[0], Baseline: WinsBaseline}
	for _, n := range by {
		w.Wins += n
	}
	w.OnTouch = w.Wins - w.NoTouch
	for t := 1; t <= 7; t++ {
		label := strconv.Itoa(t)
		if t == 7 {
			label = "7+"
		}
		w.Buckets = append(w.Buckets, Bucket{Label: label, Count: by[t], Share: share(by[t], w.OnTouch)})
	}
	groups := []struct {
		label    string
		n        int
		baseline *float64
	}{
		{"1st–3rd", by[1] + by[2] + by[3], nil},
		{"4th–6th", by[4] + by[5] + by[6], ptr(WinsBaseline)},
		{"7th+", by[7], nil},
	}
	for _, g := range groups {
		w.Groups = append(w.Groups, Bucket{Label: g.label, Count: g.n, Share: share(g.n, w.OnTouch), Baseline: g.baseline})
	}
	w.FourToSix = w.Groups[1].Share
	return w
}
