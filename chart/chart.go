package chart

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Bars is a grouped bar chart: one group per category, one bar per series.
type Bars struct {
	Title, XLabel, YLabel string
	Categories            []string // x-axis labels, in order
	Series                []Series // each has len(Values) == len(Categories)
	Percent               bool     // values are fractions 0..1, axis and labels show %
}

// Series is one bar per category, e.g. "Your team" or the published figure.
type Series struct {
	Name     string
	Values   []float64
	Baseline bool // drawn as a reference (e.g. the published figure): hatched/outlined, named in the legend
}

// Lines is a time chart (F2 achieved vs goal over time).
type Lines struct {
	Title, XLabel, YLabel string
	Series                []TimeSeries
}

// TimeSeries is one line of a Lines chart.
type TimeSeries struct {
	Name   string
	Points []Point
	Dashed bool // a goal or target line
}

// Point is one measurement of a TimeSeries.
type Point struct {
	At    time.Time
	Value float64
}

// noData is what an empty chart says instead of drawing nothing.
const noData = "No data yet"

// check reports whether there is nothing worth a bar (no categories, no
// series, only zeros and non-numbers), and refuses a series whose values do
// not line up with the categories: drawing it would put numbers under the
// wrong label.
func (b Bars) check() (empty bool, err error) {
	if len(b.Categories) == 0 {
		return true, nil
	}
	empty = true
	for _, s := range b.Series {
		if len(s.Values) != len(b.Categories) {
			return false, fmt.Errorf("chart %q: series %q has %d values for %d categories",
				b.Title, s.Name, len(s.Values), len(b.Categories))
		}
		for _, v := range s.Values {
			if finite(v) && v != 0 {
				empty = false
			}
		}
	}
	return empty, nil
}

// valueRange is the smallest and largest drawable value, always including
// zero so that bars grow from the axis.
func (b Bars) valueRange() (lo, hi float64) {
	for _, s := range b.Series {
		for _, v := range s.Values {
			if finite(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	return lo, hi
}

// label formats a value the same way on the SVG, the PNG and the axis:
// "44%" for 0.44 when Percent, "1.3" for 1.3 otherwise.
func (b Bars) label(v float64) string { return formatValue(v, b.Percent) }

func formatValue(v float64, percent bool) string {
	if percent {
		return trimNumber(strconv.FormatFloat(v*100, 'f', 1, 64)) + "%"
	}
	return trimNumber(strconv.FormatFloat(v, 'f', 2, 64))
}

// trimNumber drops the zeros a fixed precision leaves behind: "44.0" → "44".
func trimNumber(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		return "0"
	}
	return s
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// points returns the line's drawable points in time order.
func (s TimeSeries) points() []Point {
	ps := make([]Point, 0, len(s.Points))
	for _, p := range s.Points {
		if finite(p.Value) && !p.At.IsZero() {
			ps = append(ps, p)
		}
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].At.Before(ps[j].At) })
	return ps
}

// extent is the time span and value range of every drawable point;
// ok is false when there is none.
func (l Lines) extent() (from, to time.Time, lo, hi float64, ok bool) {
	for _, s := range l.Series {
		for _, p := range s.points() {
			if !ok {
				from, to, ok = p.At, p.At, true
			}
			if p.At.Before(from) {
				from = p.At
			}
			if p.At.After(to) {
				to = p.At
			}
			lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
		}
	}
	if ok && !to.After(from) { // one instant: give it a day either side
		from, to = from.Add(-24*time.Hour), to.Add(24*time.Hour)
	}
	return from, to, lo, hi, ok
}

// lastLabels places the label of each line's latest value: on the side of
// the point away from the middle of the plot (end), and above the point for
// the higher lines, below for the lower, so that a goal and an achieved line
// ending close together do not print their values on top of each other.
func (l Lines) lastLabels(from, to time.Time) (right, above []bool) {
	right, above = make([]bool, len(l.Series)), make([]bool, len(l.Series))
	var sum float64
	var count int
	lasts := make([]*Point, len(l.Series))
	for i, s := range l.Series {
		if ps := s.points(); len(ps) > 0 {
			lasts[i] = &ps[len(ps)-1]
			sum += lasts[i].Value
			count++
		}
	}
	mid := from.Add(to.Sub(from) / 2)
	for i, last := range lasts {
		if last != nil {
			right[i] = last.At.After(mid)
			above[i] = last.Value >= sum/float64(count)
		}
	}
	return right, above
}

// niceScale widens [lo, hi] to round tick steps of 1, 2 or 5 × 10ⁿ, about
// five to eight of them, so the axis reads 0%, 10%, … 50% rather than 0%, 8.8%, ….
func niceScale(lo, hi float64) (min, max float64, ticks []float64) {
	if hi <= lo {
		hi = lo + 1
	}
	rough := (hi - lo) / 5
	mag := math.Pow(10, math.Floor(math.Log10(rough)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if rough/mag < m*1.5 { // the nearest of 1, 2, 5, 10
			step = m * mag
			break
		}
	}
	first, last := math.Floor(lo/step+1e-9), math.Ceil(hi/step-1e-9)
	for k := first; k <= last; k++ {
		ticks = append(ticks, k*step)
	}
	return first * step, last * step, ticks
}

// timeTicks picks round instants (days, months or years, in the zone of
// from) between from and to, with the layout that names them.
func timeTicks(from, to time.Time) (ticks []time.Time, layout string) {
	loc := from.Location()
	days := to.Sub(from).Hours() / 24
	var start time.Time
	var next func(time.Time) time.Time
	switch {
	case days <= 62:
		step := int(math.Ceil(days / 5))
		layout = "2 Jan"
		start = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
		next = func(t time.Time) time.Time { return t.AddDate(0, 0, step) }
	case days <= 3*366:
		step := int(math.Ceil(days / 30.44 / 5))
		layout = "Jan 2006"
		start = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, loc)
		next = func(t time.Time) time.Time { return t.AddDate(0, step, 0) }
	default:
		step := int(math.Ceil(days / 365.25 / 5))
		layout = "2006"
		start = time.Date(from.Year(), 1, 1, 0, 0, 0, 0, loc)
		next = func(t time.Time) time.Time { return t.AddDate(step, 0, 0) }
	}
	for t := start; !t.After(to); t = next(t) {
		if !t.Before(from) {
			ticks = append(ticks, t)
		}
	}
	if len(ticks) < 2 { // a span of hours: name its ends
		return []time.Time{from, to}, "2 Jan 15:04"
	}
	return ticks, layout
}

// palette holds the colours of measured series, in order; greys mark the
// published baselines so that the rep's own figures stand out.
var (
	palette = []string{"#0b5cad", "#1a7f37", "#b35c00", "#6f42c1", "#b42318", "#0a7d8c"}
	greys   = []string{"#57606a", "#8c959f"}
)

// barColours gives each series its colour: measured series take the
// palette in turn, baselines the greys.
func barColours(series []Series) []string {
	cs := make([]string, len(series))
	var m, g int
	for i, s := range series {
		if s.Baseline {
			cs[i] = greys[g%len(greys)]
			g++
		} else {
			cs[i] = palette[m%len(palette)]
			m++
		}
	}
	return cs
}
