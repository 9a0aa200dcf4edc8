package report

import (
	"cmp"
	"slices"
	"strings"
)

// ReplyCount is what the store counts for the reply rates: done tasks of one
// cadence step, channel and template, and how many of them were answered.
type ReplyCount struct {
	Cadence, Step, Channel, Template string
	Touches, Replied                 int
}

// ReplyRow is one line of a reply-rate table.
type ReplyRow struct {
	// Key names the line: "cadence / step", the channel, or the template
	// ("(none)" for touches made without one).
	Key      string  `json:"key"`
	Cadence  string  `json:"cadence,omitempty"`
	Step     string  `json:"step,omitempty"`
	Channel  string  `json:"channel,omitempty"`
	Template string  `json:"template,omitempty"`
	Touches  int     `json:"touches"`
	Replied  int     `json:"replied"`
	Rate     float64 `json:"rate"`
}

// Replies is the reply rate of the touches done in the period, by cadence
// step, by channel and by template, so a team sees which steps and words
// work.
type Replies struct {
	Period
	Touches   int        `json:"touches"` // done tasks
	Replied   int        `json:"replied"`
	Rate      float64    `json:"rate"`
	Steps     []ReplyRow `json:"steps"`
	Channels  []ReplyRow `json:"channels"`
	Templates []ReplyRow `json:"templates"`
}

// NoTemplate names the touches made without a template.
const NoTemplate = "(none)"

// NewReplies builds the reply rates from the store's counts. Steps come by
// cadence, then in step order ("day-3" before "day-12"); channels and
// templates by name.
func NewReplies(p Period, counts []ReplyCount) Replies {
	r := Replies{Period: p, Steps: []ReplyRow{}, Channels: []ReplyRow{}, Templates: []ReplyRow{}}
	steps, channels, templates := map[string]*ReplyRow{}, map[string]*ReplyRow{}, map[string]*ReplyRow{}
	add := func(m map[string]*ReplyRow, key string, proto ReplyRow, c ReplyCount) {
		row := m[key]
		if row == nil {
			proto.Key = key
			row = &proto
			m[key] = row
		}
		row.Touches += c.Touches
		row.Replied += c.Replied
	}
	for _, c := range counts {
		r.Touches += c.Touches
		r.Replied += c.Replied
		cadence := c.Cadence
		if cadence == "" {
			cadence = "(no cadence)"
		}
		add(steps, cadence+" / "+c.Step, ReplyRow{Cadence: c.Cadence, Step: c.Step}, c)
		add(channels, c.Channel, ReplyRow{Channel: c.Channel}, c)
		tmpl := c.Template
		if tmpl == "" {
			tmpl = NoTemplate
		}
		add(templates, tmpl, ReplyRow{Template: c.Template}, c)
	}
	r.Rate = share(r.Replied, r.Touches)
	r.Steps = rows(steps, func(a, b ReplyRow) int {
		return cmp.Or(cmp.Compare(a.Cadence, b.Cadence), naturalCompare(a.Step, b.Step))
	})
	r.Channels = rows(channels, func(a, b ReplyRow) int { return cmp.Compare(a.Key, b.Key) })
	r.Templates = rows(templates, func(a, b ReplyRow) int { return cmp.Compare(a.Key, b.Key) })
	return r
}

func rows(m map[string]*ReplyRow, order func(a, b ReplyRow) int) []ReplyRow {
	out := make([]ReplyRow, 0, len(m))
	for _, row := range m {
		row.Rate = share(row.Replied, row.Touches)
		out = append(out, *row)
	}
	slices.SortFunc(out, order)
	return out
}

// naturalCompare orders strings with their runs of digits compared as
// numbers, so that step "day-3" comes before "day-12".
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := leadingDigits(a), leadingDigits(b)
		if da != "" && db != "" {
			na, nb := strings.TrimLeft(da, "0"), strings.TrimLeft(db, "0")
			if c := cmp.Or(cmp.Compare(len(na), len(nb)), cmp.Compare(na, nb)); c != 0 {
				return c
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func leadingDigits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}
