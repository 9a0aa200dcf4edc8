package report

import (
	"math"

	"github.com/nudgecrm/nudge/chart"
)

// The charts of the reports, made from the same values as their tables and
// JSON. who names the figures' series ("Ann", "Team East", "Everybody"); a
// published figure is a baseline series, left out (NaN) where the source
// gives no number.

// Chart draws H1: the share of dropped prospects by touches before giving
// up, beside 44/22/14/12/8%.
func (p Persistence) Chart(who string) chart.Bars {
	c := chart.Bars{
		Title:  "Touches before giving up (H1)",
		XLabel: "touches made before the prospect was dropped",
		YLabel: "share of dropped prospects", Percent: true,
	}
	mine, published := chart.Series{Name: who}, chart.Series{Name: "Published (H1)", Baseline: true}
	for _, b := range p.Buckets {
		c.Categories = append(c.Categories, b.Label)
		mine.Values = append(mine.Values, b.Share)
		published.Values = append(published.Values, baseline(b.Baseline))
	}
	c.Series = []chart.Series{mine, published}
	return c
}

// Chart draws H2: the share of wins on the 1st–3rd, 4th–6th and 7th+
// touch, beside "80% on the 4th–6th".
func (w Wins) Chart(who string) chart.Bars {
	c := chart.Bars{
		Title:  "Wins by touch (H2)",
		XLabel: "touch on which the deal was won",
		YLabel: "share of wins", Percent: true,
	}
	mine, published := chart.Series{Name: who}, chart.Series{Name: "Published: 80% on the 4th–6th", Baseline: true}
	for _, g := range w.Groups {
		c.Categories = append(c.Categories, g.Label)
		mine.Values = append(mine.Values, g.Share)
		published.Values = append(published.Values, baseline(g.Baseline))
	}
	c.Series = []chart.Series{mine, published}
	return c
}

// Chart draws H3: the share of prospects reached by each attempt, of all
// the prospects and of those still being tried, beside "6 calls → 90%".
func (k Contact) Chart(who string) chart.Bars {
	c := chart.Bars{
		Title:  "Contact rate by attempt (H3)",
		XLabel: "attempt",
		YLabel: "share of prospects reached by then", Percent: true,
	}
	all := chart.Series{Name: who + ": of all prospects"}
	tried := chart.Series{Name: who + ": of those tried that often"}
	published := chart.Series{Name: "Published: 6 calls → 90%", Baseline: true}
	for _, b := range k.Buckets {
		c.Categories = append(c.Categories, b.Attempt)
		all.Values = append(all.Values, b.Share)
		tried.Values = append(tried.Values, b.ShareOfTried)
		published.Values = append(published.Values, baseline(b.Baseline))
	}
	c.Series = []chart.Series{all, tried, published}
	return c
}

// ReplyBy names a breakdown of the reply rates.
type ReplyBy string

const (
	ByStep     ReplyBy = "step"
	ByChannel  ReplyBy = "channel"
	ByTemplate ReplyBy = "template"
)

// Rows returns the lines of one breakdown; ok is false for an unknown one.
func (r Replies) Rows(by ReplyBy) (rows []ReplyRow, ok bool) {
	switch by {
	case ByStep:
		return r.Steps, true
	case ByChannel:
		return r.Channels, true
	case ByTemplate:
		return r.Templates, true
	}
	return nil, false
}

// Chart draws the reply rate by cadence step, channel or template. There is
// no published figure to compare with.
func (r Replies) Chart(who string, by ReplyBy) chart.Bars {
	rows, _ := r.Rows(by)
	c := chart.Bars{
		Title:  "Reply rate by " + string(by),
		XLabel: string(by),
		YLabel: "share of touches answered", Percent: true,
	}
	mine := chart.Series{Name: who}
	for _, row := range rows {
		c.Categories = append(c.Categories, row.Key)
		mine.Values = append(mine.Values, row.Rate)
	}
	c.Series = []chart.Series{mine}
	return c
}

// baseline is a published share, or NaN (not drawn) where there is none.
func baseline(b *float64) float64 {
	if b == nil {
		return math.NaN()
	}
	return *b
}
