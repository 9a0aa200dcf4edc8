package seed_test

import (
	"reflect"
	"testing"
	"time"
	_ "time/tzdata" // the same zone rules on every machine

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/calendar"
	"github.com/nudgecrm/nudge/seed"
	"github.com/nudgecrm/nudge/store"
)

var now = time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC) // Monday 09:00 in New York

func gen(t *testing.T, cfg seed.Config) *seed.Generator {
	t.Helper()
	if cfg.Now.IsZero() {
		cfg.Now = now
	}
	g, err := seed.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// first returns copies of the first n people of g.
func first(g *seed.Generator, n int) []store.BulkPerson {
	var out []store.BulkPerson
	for bp := range g.People() {
		if len(out) == n {
			break
		}
		out = append(out, *bp)
	}
	return out
}

func TestSameSeedSameBook(t *testing.T) {
	cfg := seed.Config{People: 500, Interactions: 5000, Reps: 7, Seed: 42, Tasks: true}
	a, b := first(gen(t, cfg), 50), first(gen(t, cfg), 50)
	if len(a) != 50 || !reflect.DeepEqual(a, b) {
		t.Fatalf("same seed gave different people:\n%+v\n%+v", a[0], b[0])
	}
	if ra, rb := gen(t, cfg).Reps(), gen(t, cfg).Reps(); !reflect.DeepEqual(ra, rb) {
		t.Errorf("same seed gave different reps")
	}
	cfg.Seed = 43
	if c := first(gen(t, cfg), 50); reflect.DeepEqual(a, c) {
		t.Errorf("another seed gave the same people")
	}
}

// The generated book passes the domain's own validation, adds up to what
// was asked, and has the shape of a follow-up book.
func TestBookShape(t *testing.T) {
	cfg := seed.Config{People: 4000, Interactions: 40_000, Reps: 10, Seed: 7, Tasks: true}
	g := gen(t, cfg)
	companies := 0
	for c := range g.Companies() {
		companies++
		cc := *c
		if err := cc.Validate(); err != nil {
			t.Fatalf("company %+v: %v", c, err)
		}
		if c.OwnerID < 1 || c.OwnerID > int64(cfg.Reps) {
			t.Fatalf("company owner index %d out of 1..%d", c.OwnerID, cfg.Reps)
		}
	}
	if per := float64(cfg.People) / float64(companies); per < 6 || per > 10 {
		t.Errorf("%.1f people per company, want about 8", per)
	}
	for _, u := range g.Reps() {
		if err := u.Validate(); err != nil {
			t.Fatalf("rep %+v: %v", u, err)
		}
	}
	var (
		people, touches, short, dnc, tasks int
		calls, connected, emails, replies  int
		emails1                            = map[string]bool{}
		zones                              = map[string]int{}
	)
	for bp := range g.People() {
		people++
		p := bp.Person
		if err := p.Validate(); err != nil {
			t.Fatalf("person %+v: %v", bp.Person, err)
		}
		if p != bp.Person {
			t.Fatalf("validation changed the person: %+v → %+v", bp.Person, p)
		}
		if p.Email != "" {
			if emails1[p.Email] {
				t.Fatalf("email %s twice", p.Email)
			}
			emails1[p.Email] = true
		}
		if p.CompanyID < 1 || p.CompanyID > int64(companies) {
			t.Fatalf("company index %d out of 1..%d", p.CompanyID, companies)
		}
		zones[p.TimeZone]++
		k := len(bp.Interactions)
		touches += k
		if k > seed.MaxTouches {
			t.Fatalf("%d touches, more than %d", k, seed.MaxTouches)
		}
		if k >= 1 && k <= 3 {
			short++
		}
		for i, it := range bp.Interactions {
			it.PersonID = 1
			if err := it.Validate(); err != nil {
				t.Fatalf("interaction %+v: %v", it, err)
			}
			if !it.At.Before(now) || (i > 0 && !it.At.After(bp.Interactions[i-1].At)) {
				t.Fatalf("touch %d at %s: not in order before now", i, it.At)
			}
			if it.Outcome.HardStop() != (p.DoNotContact && i == k-1) {
				t.Fatalf("touch %d outcome %s, person do-not-contact %v (G1 ends the history)", i, it.Outcome, p.DoNotContact)
			}
			switch it.Channel {
			case nudge.ChannelCall:
				calls++
				if it.Outcome == nudge.OutcomeConnected {
					connected++
				}
			case nudge.ChannelEmail:
				emails++
				if it.Outcome == nudge.OutcomeReplied {
					replies++
				}
			}
			if (it.Outcome == nudge.OutcomeConnected || it.Outcome == nudge.OutcomeMeetingHeld) && it.Note.What == "" {
				t.Fatalf("a conversation without a W.I.N. note (A1): %+v", it)
			}
		}
		if p.DoNotContact {
			dnc++
			if len(bp.Tasks) != 0 || bp.CheckAt != nil {
				t.Fatalf("do-not-contact person with work planned (G1): %+v", bp)
			}
			continue
		}
		if len(bp.Enrollments) != 1 || len(bp.Tasks) != 1 || bp.Tasks[0].EnrollmentID != 1 {
			t.Fatalf("want one enrollment and its task, have %+v / %+v", bp.Enrollments, bp.Tasks)
		}
		tasks++
		task := bp.Tasks[0]
		loc := p.Zone(time.UTC)
		local := task.Due.In(loc)
		if task.Due.Before(now.Add(-24*time.Hour)) || task.Due.After(now.AddDate(0, 0, 50)) ||
			!calendar.ForCountry(p.Country).IsBusinessDay(local) || local.Hour() < 9 || local.Hour() >= 17 {
			t.Fatalf("task due %s (%s) not in business hours of the next 30 business days", local, p.Country)
		}
		if task.Rule == "" || task.Reason == "" || !task.Channel.Valid() || bp.NextTouchAt == nil || !bp.NextTouchAt.Equal(task.Due) {
			t.Fatalf("task %+v, next touch %v", task, bp.NextTouchAt)
		}
	}
	if people != cfg.People || touches != cfg.Interactions {
		t.Fatalf("%d people, %d touches; want %d, %d", people, touches, cfg.People, cfg.Interactions)
	}
	checks := []struct {
		what    string
		got     float64
		lo, hi  float64
		because string
	}{
		{"people with 1–3 touches", float64(short) / float64(people), 0.25, 0.6, "a skewed history: many short"},
		{"calls connected", float64(connected) / float64(calls), 0.15, 0.25, "about 20% of calls connect"},
		{"emails answered", float64(replies) / float64(emails), 0.06, 0.14, "about 10% of emails get a reply"},
		{"do-not-contact", float64(dnc) / float64(people), 0.01, 0.05, "a few said no or stop (G1)"},
		{"New York share", float64(zones["America/New_York"]) / float64(people), 0.15, 0.30, "a US-weighted book"},
		{"Berlin share", float64(zones["Europe/Berlin"]) / float64(people), 0.04, 0.12, "a European share"},
	}
	for _, c := range checks {
		if c.got < c.lo || c.got > c.hi {
			t.Errorf("%s: %.3f, want %.2f–%.2f (%s)", c.what, c.got, c.lo, c.hi, c.because)
		}
	}
	if tasks+dnc != people {
		t.Errorf("%d tasks + %d do-not-contact != %d people", tasks, dnc, people)
	}
}

// Without Tasks every person is left to the scheduler (check_at 0).
func TestPeopleDueForTheEngine(t *testing.T) {
	g := gen(t, seed.Config{People: 100, Interactions: 300, Seed: 1})
	for bp := range g.People() {
		due := bp.CheckAt != nil && bp.CheckAt.UnixMilli() == 0
		if due == bp.Person.DoNotContact || len(bp.Tasks) != 0 {
			t.Fatalf("person %+v: check_at %v, tasks %d", bp.Person, bp.CheckAt, len(bp.Tasks))
		}
	}
}

// The interaction total is exact at the edges of what is possible.
func TestTouchesAddUp(t *testing.T) {
	for _, c := range []struct{ people, interactions int }{{10, 0}, {10, 5}, {10, 300}, {1, 30}, {1000, 1500}, {1000, 25_000}} {
		g := gen(t, seed.Config{People: c.people, Interactions: c.interactions, Seed: 3})
		n, total := 0, 0
		for bp := range g.People() {
			n++
			total += len(bp.Interactions)
		}
		if n != c.people || total != c.interactions {
			t.Errorf("%+v: %d people, %d touches", c, n, total)
		}
	}
	if _, err := seed.New(seed.Config{People: 1, Interactions: 31, Now: now}); nudge.ErrorCode(err) != nudge.EINVALID {
		t.Errorf("31 touches for 1 person: %v, want EINVALID", err)
	}
}

// BenchmarkGenerate measures the generator alone: people and touches per
// second, to tell its cost from the database's in a load.
func BenchmarkGenerate(b *testing.B) {
	g, err := seed.New(seed.Config{People: 100_000, Interactions: 1_000_000, Reps: 100, Seed: 1, Now: now, Tasks: true})
	if err != nil {
		b.Fatal(err)
	}
	for range b.N {
		start := time.Now()
		touches := 0
		for bp := range g.People() {
			touches += len(bp.Interactions)
		}
		b.ReportMetric(float64(touches)/time.Since(start).Seconds(), "touches/s")
	}
}

// Due leaves exactly that many people, evenly spread, to the scheduler, and
// changes nothing else in the book.
func TestDuePeople(t *testing.T) {
	cfg := seed.Config{People: 1000, Interactions: 8000, Reps: 3, Seed: 5, Tasks: true}
	planned := first(gen(t, cfg), cfg.People)
	cfg.Due = 30
	book := first(gen(t, cfg), cfg.People)
	var due []int
	for i, bp := range book {
		if bp.CheckAt == nil {
			if !reflect.DeepEqual(bp, planned[i]) {
				t.Fatalf("person %d differs with Due:\n%+v\n%+v", i, bp, planned[i])
			}
			continue
		}
		if bp.CheckAt.UnixMilli() != 0 || len(bp.Tasks) != 0 || len(bp.Enrollments) != 0 || bp.NextTouchAt != nil {
			t.Fatalf("due person %d: check_at %v, %d tasks, %d enrollments", i, bp.CheckAt, len(bp.Tasks), len(bp.Enrollments))
		}
		if bp.Person != planned[i].Person || !reflect.DeepEqual(bp.Interactions, planned[i].Interactions) {
			t.Fatalf("due person %d is not the same person", i)
		}
		due = append(due, i)
	}
	if len(due) != 30 || due[0] != 33 || due[29] != 999 {
		t.Errorf("due people at %v, want 30 of them, every 33 or 34 from 33 to 999", due)
	}
	cfg.Due = 1001
	if _, err := seed.New(cfg); nudge.ErrorCode(err) != nudge.EINVALID {
		t.Errorf("Due above People: %v, want EINVALID", err)
	}
}
