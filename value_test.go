package nudge

import (
	"strings"
	"testing"
	"time"
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t.Add(17 * time.Hour)
}

// labour is the article's example: a labour cost locked down before the sale
// ($4,200 a month) and a reduction both sides agreed ($3,000 by 30 June).
func labour() ValueLine {
	return ValueLine{ID: 1, PersonID: 7, Name: "labour cost", Unit: "USD/month", Direction: LowerIsBetter,
		Baseline: 4200, BaselineAt: date("2026-01-15"), Goal: 3000, GoalBy: date("2026-06-30")}
}

func TestAssessValue(t *testing.T) {
	orders := ValueLine{ID: 2, PersonID: 7, Name: "orders a day", Direction: HigherIsBetter,
		Baseline: 40, BaselineAt: date("2026-01-15"), Goal: 60, GoalBy: date("2026-06-30")}
	m := func(line int64, v float64, at string) Measurement {
		return Measurement{LineID: line, Value: v, At: date(at)}
	}
	tests := []struct {
		name     string
		line     ValueLine
		ms       []Measurement
		now      string
		latest   float64
		progress float64
		status   ValueStatus
		points   int
	}{
		{"no measurement yet", labour(), nil, "2026-03-01", 4200, 0, ValueOnTrack, 1},
		{"two thirds of the way", labour(), []Measurement{m(1, 3400, "2026-04-15"), m(1, 3800, "2026-02-15")}, "2026-05-01", 3400, 66.7, ValueOnTrack, 3},
		{"goal date passed short of it", labour(), []Measurement{m(1, 3400, "2026-04-15")}, "2026-07-01", 3400, 66.7, ValueMissed, 2},
		{"worse than before the sale", labour(), []Measurement{m(1, 4500, "2026-07-15")}, "2026-08-01", 4500, -25, ValueMissed, 2},
		{"met exactly", labour(), []Measurement{m(1, 3000, "2026-06-01")}, "2026-06-02", 3000, 100, ValueMet, 2},
		{"met, late", labour(), []Measurement{m(1, 2900, "2026-07-15")}, "2026-08-01", 2900, 108.3, ValueMet, 2},
		{"other lines' measurements are ignored", labour(), []Measurement{m(2, 1, "2026-04-15")}, "2026-05-01", 4200, 0, ValueOnTrack, 1},
		{"higher is better: halfway", orders, []Measurement{m(2, 50, "2026-03-01")}, "2026-03-02", 50, 50, ValueOnTrack, 2},
		{"higher is better: met", orders, []Measurement{m(2, 50, "2026-03-01"), m(2, 61, "2026-05-01")}, "2026-05-02", 61, 105, ValueMet, 3},
		{"the goal's own day is still on track", orders, []Measurement{m(2, 59, "2026-06-29")}, "2026-06-30", 59, 95, ValueOnTrack, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := date(tt.now)
			if tt.name == "the goal's own day is still on track" {
				now = tt.line.GoalBy
			}
			p := AssessValue(tt.line, tt.ms, now)
			if p.Latest != tt.latest || p.Progress != tt.progress || p.Status != tt.status || len(p.Points) != tt.points {
				t.Errorf("latest %v progress %v%% status %s points %d, want %v %v%% %s %d",
					p.Latest, p.Progress, p.Status, len(p.Points), tt.latest, tt.progress, tt.status, tt.points)
			}
			if p.Points[0].Progress != 0 || !p.Points[0].At.Equal(tt.line.BaselineAt) {
				t.Errorf("first point %+v, want the baseline at 0%%", p.Points[0])
			}
		})
	}
	// Points come in time order with their own progress.
	p := AssessValue(labour(), []Measurement{m(1, 3400, "2026-04-15"), m(1, 3800, "2026-02-15")}, date("2026-05-01"))
	var got []string
	for _, pt := range p.Points {
		got = append(got, day(pt.At)+"="+FormatValue(pt.Value)+"/"+FormatValue(pt.Progress))
	}
	if want := "2026-01-15=4200/0 2026-02-15=3800/33.3 2026-04-15=3400/66.7"; strings.Join(got, " ") != want {
		t.Errorf("points %s, want %s", strings.Join(got, " "), want)
	}
}

func TestValueLineValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(l *ValueLine)
		field string
		msg   string
	}{
		{"ok", func(l *ValueLine) {}, "", ""},
		{"no name", func(l *ValueLine) { l.Name = "  " }, "line", "name the value line"},
		{"bad direction", func(l *ValueLine) { l.Direction = "sideways" }, "direction", `"sideways"`},
		{"lower is better, goal above", func(l *ValueLine) { l.Goal = 5000 }, "goal", "must be below the baseline (4200)"},
		{"higher is better, goal below", func(l *ValueLine) { l.Direction = HigherIsBetter }, "goal", "must be above the baseline (4200)"},
		{"goal before the baseline", func(l *ValueLine) { l.GoalBy = date("2025-12-01") }, "by", "2025-12-01 must come after the baseline's 2026-01-15"},
		{"no baseline date", func(l *ValueLine) { l.BaselineAt = time.Time{} }, "baseline_at", "when the baseline"},
		{"goal beyond float range", func(l *ValueLine) { l.Baseline, l.Goal = 1.7e308, -1.7e308 }, "goal", "too far from the baseline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := labour()
			tt.edit(&l)
			err := l.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			e, ok := err.(*Error)
			if !ok || e.Field != tt.field || !strings.Contains(e.Message, tt.msg) {
				t.Fatalf("error %v, want field %s with %q", err, tt.field, tt.msg)
			}
		})
	}
	l := labour()
	m := Measurement{Value: 3500, At: date("2026-01-01")}
	if err := m.Validate(&l, date("2026-05-01")); err == nil || !strings.Contains(err.Error(), "before the baseline") {
		t.Errorf("measurement before the baseline: %v", err)
	}
	m.At = date("2026-06-01")
	if err := m.Validate(&l, date("2026-05-01")); err == nil || !strings.Contains(err.Error(), "in the future") {
		t.Errorf("measurement in the future: %v", err)
	}
	// A goal a hair from the baseline and a measurement far off it: the
	// share of the way would be infinite, which no report (or JSON) shows.
	hair := ValueLine{PersonID: 1, Name: "x", Direction: HigherIsBetter, Baseline: 0, BaselineAt: date("2026-01-15"),
		Goal: 1e-300, GoalBy: date("2026-12-31")}
	if err := hair.Validate(); err != nil {
		t.Fatal(err)
	}
	m = Measurement{Value: 1e10, At: date("2026-03-01")}
	if e, ok := m.Validate(&hair, date("2026-05-01")).(*Error); !ok || e.Field != "value" || !strings.Contains(e.Message, "too far from the baseline") {
		t.Errorf("infinite progress: %v", e)
	}
}

func TestFormatValue(t *testing.T) {
	for v, want := range map[float64]string{3400: "3400", 12.5: "12.5", 0.1 + 0.2: "0.3", -25: "-25", 1.0 / 3: "0.3333", -0.00001: "0"} {
		if got := FormatValue(v); got != want {
			t.Errorf("FormatValue(%v) = %q, want %q", v, got, want)
		}
	}
}
