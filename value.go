package nudge

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// F2 value inventory ("Is your customer cheating on you?", seed 002): for a
// customer, the value lines sold (e.g. labour cost reduction), the baseline
// measured before the sale, the goal both sides agreed, re-measurements
// over time, and achieved against goal. A missed goal opens a "why not"
// conversation — a chance to sell more; a met goal, a look for other areas
// of their organisation to help.

// ValueDirection says which way a value line improves.
type ValueDirection string

const (
	LowerIsBetter  ValueDirection = "lower"  // a cost, a time, an error rate: the goal is below the baseline
	HigherIsBetter ValueDirection = "higher" // revenue, throughput: the goal is above the baseline
)

// ValueStatus is where a value line stands against its goal.
type ValueStatus string

const (
	ValueOnTrack ValueStatus = "on-track" // the goal is not reached yet and its date has not passed
	ValueMet     ValueStatus = "met"      // the latest measurement reaches the goal
	ValueMissed  ValueStatus = "missed"   // the goal date has passed and the latest measurement falls short
)

// ValueLine is one line of a customer's value inventory (F2).
type ValueLine struct {
	ID         int64          `json:"id"`
	PersonID   int64          `json:"person_id"`
	Name       string         `json:"name"` // "labour cost reduction"
	Unit       string         `json:"unit,omitempty"`
	Direction  ValueDirection `json:"direction"`
	Baseline   float64        `json:"baseline"`    // measured before the sale ("lock this cost down")
	BaselineAt time.Time      `json:"baseline_at"` // when
	Goal       float64        `json:"goal"`        // agreed by both sides
	GoalBy     time.Time      `json:"goal_by"`     // the date the goal is due
	// Reviewed is the status the last proposal was made for (a "why not"
	// conversation for missed, other areas to help for met), so that each
	// turn of a line is proposed once.
	Reviewed   ValueStatus `json:"reviewed,omitempty"`
	ReviewedAt *time.Time  `json:"reviewed_at,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
}

// Maximum lengths of a value line's words.
const (
	maxValueName = 120
	maxValueUnit = 40
	maxValueNote = 2000
)

// Validate checks a value line before it is stored. The goal must lie on
// the better side of the baseline: a goal both sides agree is an
// improvement, and progress is measured along the way between them.
func (l *ValueLine) Validate() error {
	l.Name = strings.Join(strings.Fields(l.Name), " ")
	l.Unit = strings.TrimSpace(l.Unit)
	switch {
	case l.PersonID == 0:
		return FieldError("person", "a value line needs a customer")
	case l.Name == "":
		return FieldError("line", "name the value line (e.g. labour cost reduction)")
	case len(l.Name) > maxValueName:
		return FieldError("line", "the name of a value line is at most %d characters", maxValueName)
	case len(l.Unit) > maxValueUnit:
		return FieldError("unit", "the unit is at most %d characters", maxValueUnit)
	case l.Direction != LowerIsBetter && l.Direction != HigherIsBetter:
		return FieldError("direction", "unknown direction %q (want lower or higher: which way is better)", l.Direction)
	case !finite(l.Baseline):
		return FieldError("baseline", "the baseline must be a number")
	case !finite(l.Goal):
		return FieldError("goal", "the goal must be a number")
	case l.BaselineAt.IsZero():
		return FieldError("baseline_at", "say when the baseline was measured")
	case l.GoalBy.IsZero():
		return FieldError("by", "say by when the goal is due")
	case !l.GoalBy.After(l.BaselineAt):
		return FieldError("by", "the goal date %s must come after the baseline's %s", day(l.GoalBy), day(l.BaselineAt))
	case l.Direction == LowerIsBetter && l.Goal >= l.Baseline:
		return FieldError("goal", "lower is better for %q, so the goal (%s) must be below the baseline (%s)", l.Name, FormatValue(l.Goal), FormatValue(l.Baseline))
	case l.Direction == HigherIsBetter && l.Goal <= l.Baseline:
		return FieldError("goal", "higher is better for %q, so the goal (%s) must be above the baseline (%s)", l.Name, FormatValue(l.Goal), FormatValue(l.Baseline))
	case !finite(l.Goal - l.Baseline):
		return FieldError("goal", "the goal (%s) is too far from the baseline (%s) to measure the way between them", FormatValue(l.Goal), FormatValue(l.Baseline))
	}
	l.BaselineAt, l.GoalBy = l.BaselineAt.UTC(), l.GoalBy.UTC()
	return nil
}

// Reaches reports whether a measured value reaches the line's goal.
func (l *ValueLine) Reaches(v float64) bool {
	if l.Direction == LowerIsBetter {
		return v <= l.Goal
	}
	return v >= l.Goal
}

// Progress is the share of the way from baseline to goal that v has come:
// (v − baseline) ÷ (goal − baseline). 0 is the baseline, 1 the goal; above 1
// is beyond the goal, below 0 worse than before the sale. The formula holds
// for both directions: the signs cancel.
func (l *ValueLine) Progress(v float64) float64 {
	return (v - l.Baseline) / (l.Goal - l.Baseline)
}

// Measurement is one re-measurement of a value line.
type Measurement struct {
	ID        int64     `json:"id"`
	LineID    int64     `json:"line_id"`
	Value     float64   `json:"value"`
	At        time.Time `json:"at"`
	Note      string    `json:"note,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks a re-measurement of l taken no later than now.
func (m *Measurement) Validate(l *ValueLine, now time.Time) error {
	m.Note = strings.TrimSpace(m.Note)
	switch {
	case !finite(m.Value):
		return FieldError("value", "the measurement must be a number")
	case !finite(l.Progress(m.Value)):
		// A goal a hair from the baseline and a measurement far off it:
		// the share of the way overflows, and no report could show it.
		return FieldError("value", "%s is too far from the baseline (%s) for the way to the goal (%s) to be measured",
			FormatValue(m.Value), FormatValue(l.Baseline), FormatValue(l.Goal))
	case m.At.IsZero():
		return FieldError("at", "say when it was measured")
	case m.At.Before(l.BaselineAt):
		return FieldError("at", "%s is before the baseline of %q (%s): a re-measurement comes after it", day(m.At), l.Name, day(l.BaselineAt))
	case m.At.After(now):
		return FieldError("at", "%s is in the future", day(m.At))
	case len(m.Note) > maxValueNote:
		return FieldError("note", "the note is at most %d characters", maxValueNote)
	}
	m.LineID, m.At = l.ID, m.At.UTC()
	return nil
}

// ValuePoint is one point of a line's achieved-against-goal history: the
// baseline, then each measurement.
type ValuePoint struct {
	At       time.Time `json:"at"`
	Value    float64   `json:"value"`
	Progress float64   `json:"progress_pct"` // Progress × 100, to one decimal
	Note     string    `json:"note,omitempty"`
}

// ValueProgress is one line's achieved against goal at a moment (F2).
type ValueProgress struct {
	Line     ValueLine `json:"line"`
	Latest   float64   `json:"latest"`    // the latest measurement, or the baseline before any
	LatestAt time.Time `json:"latest_at"` // when it was taken
	// Progress is Line.Progress(Latest) × 100 to one decimal: 0 is the
	// baseline, 100 the goal.
	Progress float64      `json:"progress_pct"`
	Status   ValueStatus  `json:"status"`
	Points   []ValuePoint `json:"points"` // the baseline first, then every measurement by time
}

// AssessValue compares a line's latest measurement with its goal at now:
//
//   - met: the latest measurement reaches the goal;
//   - missed: it does not and the goal date has passed;
//   - on track: it does not, and there is still time.
//
// The measurements may come in any order; those of other lines are ignored.
func AssessValue(l ValueLine, ms []Measurement, now time.Time) ValueProgress {
	mine := make([]Measurement, 0, len(ms))
	for _, m := range ms {
		if m.LineID == l.ID {
			mine = append(mine, m)
		}
	}
	slices.SortStableFunc(mine, func(a, b Measurement) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	p := ValueProgress{Line: l, Latest: l.Baseline, LatestAt: l.BaselineAt,
		Points: []ValuePoint{{At: l.BaselineAt, Value: l.Baseline, Progress: 0, Note: "baseline"}}}
	for _, m := range mine {
		p.Latest, p.LatestAt = m.Value, m.At
		p.Points = append(p.Points, ValuePoint{At: m.At, Value: m.Value, Progress: percent(l.Progress(m.Value)), Note: m.Note})
	}
	p.Progress = percent(l.Progress(p.Latest))
	switch {
	case l.Reaches(p.Latest):
		p.Status = ValueMet
	case now.After(l.GoalBy):
		p.Status = ValueMissed
	default:
		p.Status = ValueOnTrack
	}
	return p
}

// Describe is the line in the words of a script or a proposal: its
// baseline, the goal agreed and its date, and the latest measurement —
// "labour cost: baseline 4200 USD/month (2 Nov 2026), goal 3000 by 30 Jun
// 2027, measured 2900 on 30 Nov 2026 — 108.3% of the way". Dates are in loc
// (the customer's zone).
func (p ValueProgress) Describe(loc *time.Location) string {
	l := p.Line
	unit := ""
	if l.Unit != "" {
		unit = " " + l.Unit
	}
	s := fmt.Sprintf("%s: baseline %s%s (%s), goal %s by %s", l.Name, FormatValue(l.Baseline), unit,
		l.BaselineAt.In(loc).Format("2 Jan 2006"), FormatValue(l.Goal), l.GoalBy.In(loc).Format("2 Jan 2006"))
	if len(p.Points) < 2 { // the baseline is the first point
		return s + ", not measured since"
	}
	return s + fmt.Sprintf(", measured %s on %s — %s%% of the way", FormatValue(p.Latest), p.LatestAt.In(loc).Format("2 Jan 2006"),
		FormatValue(p.Progress))
}

// Decided reports whether a status calls for a conversation: a missed goal
// for a "why not", a met one for other areas to help (F2).
func (s ValueStatus) Decided() bool { return s == ValueMet || s == ValueMissed }

// String is the status as a sentence fragment: "on track", "met", "missed".
func (s ValueStatus) String() string { return strings.ReplaceAll(string(s), "-", " ") }

// percent turns a share into a percentage with one decimal.
func percent(f float64) float64 { return math.Round(f*1000) / 10 }

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// FormatValue prints a measured value without float noise: 3400, 12.5,
// 0.25.
func FormatValue(v float64) string {
	s := strconv.FormatFloat(v, 'f', 4, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		return "0"
	}
	return s
}

// ValueService stores value inventories.
type ValueService interface {
	// FindValueLines returns a person's value lines, oldest first, and
	// their measurements by time.
	FindValueLines(ctx context.Context, personID int64) ([]ValueLine, []Measurement, error)
}
