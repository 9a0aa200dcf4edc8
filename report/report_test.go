package report

import (
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)

func TestFilterDefaultPeriod(t *testing.T) {
	f := Filter{Now: now}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	if !f.To.Equal(now) || !f.From.Equal(time.Date(2026, 9, 1, 14, 0, 0, 0, time.UTC)) {
		t.Errorf("default period %v – %v; want the 90 days before now", f.From, f.To)
	}
	f = Filter{Now: now, To: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)}
	if err := f.Validate(); err != nil || !f.From.Equal(time.Date(2026, 7, 3, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("90 days before To: %v, %v", f.From, err)
	}
	for _, bad := range []Filter{{}, {Now: now, From: now, To: now}, {Now: now, From: now.Add(time.Hour), To: now}} {
		if err := bad.Validate(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

// H1 from counts: two reps; 6 stands for six or more touches.
func TestNewPersistence(t *testing.T) {
	reps := map[int64]Rep{1: {ID: 1, Name: "Ann"}, 2: {ID: 2, Name: "Bob"}}
	p := NewPersistence(Period{}, []DropCount{
		{Owner: 1, Touches: 1, People: 3, Sum: 3},
		{Owner: 1, Touches: 6, People: 1, Sum: 9},
		{Owner: 2, Touches: 2, People: 2, Sum: 4},
		{Owner: 2, Touches: 5, People: 2, Sum: 10},
	}, reps, true, nil)
	if p.Dropped != 8 || p.Average != 26.0/8 || p.LeftOnTable != 7 {
		t.Errorf("dropped %d average %v left %d", p.Dropped, p.Average, p.LeftOnTable)
	}
	var counts []int
	for _, b := range p.Buckets {
		counts = append(counts, b.Count)
	}
	if !reflect.DeepEqual(counts, []int{3, 2, 0, 0, 3}) || p.Buckets[4].Share != 3.0/8 || *p.Buckets[0].Baseline != 0.44 {
		t.Errorf("buckets %+v", p.Buckets)
	}
	want := []RepPersistence{
		{Rep: reps[1], Dropped: 4, Average: 3, Counts: [5]int{3, 0, 0, 0, 1}, LeftOnTable: 3},
		{Rep: reps[2], Dropped: 4, Average: 3.5, Counts: [5]int{0, 2, 0, 0, 2}, LeftOnTable: 4},
	}
	if !reflect.DeepEqual(p.Reps, want) {
		t.Errorf("per rep %+v, want %+v", p.Reps, want)
	}
	c := p.Chart("Team")
	if !reflect.DeepEqual(c.Series[0].Values, []float64{3.0 / 8, 2.0 / 8, 0, 0, 3.0 / 8}) ||
		!reflect.DeepEqual(c.Series[1].Values, PersistenceBaseline[:]) || !c.Series[1].Baseline {
		t.Errorf("chart %+v", c)
	}
}

func TestNewWins(t *testing.T) {
	w := NewWins(Period{}, []WinCount{{0, 2}, {2, 1}, {4, 3}, {6, 1}, {9, 1}, {7, 2}})
	if w.Wins != 10 || w.NoTouch != 2 || w.OnTouch != 8 || w.FourToSix != 0.5 {
		t.Errorf("%+v", w)
	}
	var counts []int
	for _, b := range w.Buckets {
		counts = append(counts, b.Count)
	}
	if !reflect.DeepEqual(counts, []int{0, 1, 0, 3, 0, 1, 3}) || w.Groups[2].Count != 3 || w.Groups[0].Share != 1.0/8 {
		t.Errorf("buckets %v groups %+v", counts, w.Groups)
	}
	c := w.Chart("Ann")
	if !math.IsNaN(c.Series[1].Values[0]) || c.Series[1].Values[1] != 0.8 || !math.IsNaN(c.Series[1].Values[2]) {
		t.Errorf("the published 80%% belongs to the 4th–6th only: %v", c.Series[1].Values)
	}
}

// H3: reached on attempts 1, 3 and 9 (→ 8+), one never reached after 7
// touches, one after 2.
func TestNewContact(t *testing.T) {
	c := NewContact(Period{}, []ReachCount{
		{Attempt: 1, Touches: 4, People: 1}, {Attempt: 3, Touches: 3, People: 1}, {Attempt: 8, Touches: 8, People: 1},
		{Attempt: 0, Touches: 7, People: 1}, {Attempt: 0, Touches: 2, People: 1},
	})
	var reached, tried []int
	for _, b := range c.Buckets {
		reached, tried = append(reached, b.Reached), append(tried, b.Tried)
	}
	if c.Prospects != 5 || c.Reached != 3 ||
		!reflect.DeepEqual(reached, []int{1, 1, 2, 2, 2, 2, 2, 3}) || !reflect.DeepEqual(tried, []int{5, 5, 4, 4, 4, 4, 4, 3}) {
		t.Errorf("%d/%d reached %v tried %v", c.Reached, c.Prospects, reached, tried)
	}
	if c.Buckets[5].Baseline == nil || *c.Buckets[5].Baseline != 0.9 || c.Buckets[5].ShareOfTried != 0.5 || c.Buckets[7].Attempt != "8+" {
		t.Errorf("6th attempt %+v", c.Buckets[5])
	}
}

func TestNewReplies(t *testing.T) {
	r := NewReplies(Period{}, []ReplyCount{
		{"3-2-4", "day-12", "call", "d1-opening", 4, 1},
		{"3-2-4", "day-3", "email", "", 10, 2},
		{"3-2-4", "day-3", "email", "", 2, 1}, // the same line, from another part of the period
		{"six-touch", "t1", "email", "b1-follow-up", 4, 3},
	})
	var keys []string
	for _, x := range r.Steps {
		keys = append(keys, x.Key)
	}
	if !reflect.DeepEqual(keys, []string{"3-2-4 / day-3", "3-2-4 / day-12", "six-touch / t1"}) || r.Steps[0].Touches != 12 || r.Steps[0].Rate != 0.25 {
		t.Errorf("steps %+v", r.Steps)
	}
	if r.Touches != 20 || r.Replied != 7 || r.Channels[1].Key != "email" || r.Channels[1].Rate != 6.0/16 || r.Templates[0].Key != NoTemplate {
		t.Errorf("%+v", r)
	}
	if c := r.Chart("Ann", ByTemplate); !slices.Equal(c.Categories, []string{NoTemplate, "b1-follow-up", "d1-opening"}) {
		t.Errorf("template chart %v", c.Categories)
	}
}

func TestNaturalCompare(t *testing.T) {
	got := []string{"day-12", "should-i-stop", "day-3", "day-9", "day-03x", "day-6"}
	slices.SortFunc(got, naturalCompare)
	if want := []string{"day-3", "day-03x", "day-6", "day-9", "day-12", "should-i-stop"}; !slices.Equal(got, want) {
		t.Errorf("%v, want %v", got, want)
	}
}
