package followup_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/store/storetest"
)

type bundle struct {
	ctx   context.Context
	db    *store.DB
	clock *nudge.FixedClock
	svc   *followup.Service
}

func setup(t *testing.T, b testdb.Backend, now string) *bundle {
	t.Helper()
	clock := nudge.NewFixedClock(mustTime(t, now))
	db := storetest.Open(t, b, clock)
	return &bundle{ctx: context.Background(), db: db, clock: clock, svc: followup.New(db, clock, followup.Options{RepCompany: "A-Z Company"})}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func eachBackend(t *testing.T, f func(t *testing.T, b testdb.Backend)) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { f(t, b) })
	}
}

func (x *bundle) person(t *testing.T, name, email, tz, country string) *nudge.Person {
	t.Helper()
	p := &nudge.Person{Name: name, Email: email, TimeZone: tz, Country: country, Status: nudge.StatusProspect,
		PainGain: "current home price and lot availability"}
	if err := x.db.CreatePerson(x.ctx, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// open returns the person's open tasks in due order.
func (x *bundle) open(t *testing.T, personID int64) []store.TaskRow {
	t.Helper()
	rows, err := x.db.FindTasks(x.ctx, store.TaskFilter{PersonID: &personID, States: []nudge.TaskState{nudge.TaskOpen}})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func (x *bundle) only(t *testing.T, personID int64) store.TaskRow {
	t.Helper()
	rows := x.open(t, personID)
	if len(rows) != 1 {
		t.Fatalf("person %d has %d open tasks, want 1: %+v", personID, len(rows), rows)
	}
	return rows[0]
}

func local(t *testing.T, tm time.Time, tz string) string {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		t.Fatal(err)
	}
	return tm.In(loc).Format(time.RFC3339)
}

// A new prospect is enrolled by the scheduler in 3-2-4 and gets a first
// touch three days after the last interaction (B1).
func TestNewProspectIsEnrolled(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x := setup(t, b, "2026-11-30T14:00:00Z") // Monday 09:00 in New York
		p := x.person(t, "Jerry Seinfeld", "jerry@nbc.com", "America/New_York", "US")
		n, err := x.svc.RunOnce(x.ctx)
		if err != nil || n != 1 {
			t.Fatalf("RunOnce = %d, %v; want 1 person settled", n, err)
		}
		task := x.only(t, p.ID)
		if task.Cadence != "3-2-4" || task.Rule != "B1" {
			t.Errorf("first task = %s/%s, want 3-2-4/B1", task.Cadence, task.Rule)
		}
		if got := local(t, task.Due, "America/New_York")[:10]; got != "2026-12-03" {
			t.Errorf("first touch on %s, want 2026-12-03 (3 days after, B1)", got)
		}
		// The scheduler is idempotent: nothing is due now, and a re-plan keeps the task's id.
		if n, err := x.svc.RunOnce(x.ctx); err != nil || n != 0 {
			t.Fatalf("second RunOnce = %d, %v; want 0", n, err)
		}
		if err := x.svc.Settle(x.ctx, p.ID); err != nil {
			t.Fatal(err)
		}
		if again := x.only(t, p.ID); again.ID != task.ID || !again.Due.Equal(task.Due) {
			t.Errorf("re-plan changed the task: %+v → %+v", task.Task, again.Task)
		}
	})
}

// C3, run through the store: an appointment at 09:00, no answer → a call at
// 09:10 exactly, no answer → 13:00 with the pain/gain reminder.
func TestNoShowProtocol(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x := setup(t, b, "2026-11-30T14:00:00Z")
		p := x.person(t, "Jerry Seinfeld", "jerry@nbc.com", "America/New_York", "US")
		ny, _ := time.LoadLocation("America/New_York")
		appt := &nudge.Appointment{PersonID: p.ID, At: time.Date(2026, 12, 3, 9, 0, 0, 0, ny), Kind: nudge.AppointmentCall,
			Agenda: []string{"lot availability", "pricing"}}
		if err := x.svc.AddAppointment(x.ctx, appt); err != nil {
			t.Fatal(err)
		}
		steps := []struct {
			rule, due string
			outcome   nudge.Outcome
		}{
			{"C1", "2026-12-02", nudge.OutcomeSent},                     // the reminder email, the day before
			{"C2", "2026-12-03T09:00:00-05:00", nudge.OutcomeVoicemail}, // at its minute; voicemail script 1
			{"C3", "2026-12-03T09:10:00-05:00", nudge.OutcomeVoicemail}, // 10 minutes later, exactly
			{"C3", "2026-12-03T13:00:00-05:00", nudge.OutcomeNoAnswer},  // half a day: 4 hours
			// Then 3 business days apart: Tue 12-08 13:00 at the earliest, and B6
			// varies the time of day: the next free call slot is Wed 08:15.
			{"C3", "2026-12-09T08:15:00-05:00", nudge.OutcomeNoAnswer},
		}
		for i, st := range steps {
			task := x.only(t, p.ID)
			got := local(t, task.Due, "America/New_York")
			if task.Rule != st.rule || got[:len(st.due)] != st.due {
				t.Fatalf("step %d: task %s due %s (%s), want %s due %s", i, task.Rule, got, task.Reason, st.rule, st.due)
			}
			x.clock.Set(task.Due)
			if _, err := x.svc.Done(x.ctx, task.ID, followup.Result{Outcome: st.outcome}); err != nil {
				t.Fatalf("step %d: done: %v", i, err)
			}
		}
		// Doing a task twice is refused: it is no longer open.
		hist, _, err := x.db.FindInteractions(x.ctx, nudge.InteractionFilter{PersonID: &p.ID})
		if err != nil || len(hist) != len(steps) {
			t.Fatalf("history = %d touches, %v; want %d", len(hist), err, len(steps))
		}
	})
}

// G1: "stop" ends every proposed touch at once, across cadences.
func TestHardStop(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x := setup(t, b, "2026-11-30T14:00:00Z")
		p := x.person(t, "Elaine Benes", "elaine@pendant.com", "America/New_York", "US")
		if _, err := x.svc.RunOnce(x.ctx); err != nil {
			t.Fatal(err)
		}
		task := x.only(t, p.ID)
		x.clock.Set(task.Due)
		if _, err := x.svc.Done(x.ctx, task.ID, followup.Result{Outcome: nudge.OutcomeAskedToStop}); err != nil {
			t.Fatal(err)
		}
		if rows := x.open(t, p.ID); len(rows) != 0 {
			t.Fatalf("after asked-to-stop: %d open tasks, want 0 (G1)", len(rows))
		}
		if _, err := x.svc.Enroll(x.ctx, p.ID, "six-touch"); nudge.ErrorCode(err) != nudge.ECONFLICT {
			t.Errorf("enrolling a stopped person: %v, want ECONFLICT", err)
		}
		if _, err := x.svc.Done(x.ctx, task.ID, followup.Result{Outcome: nudge.OutcomeConnected}); nudge.ErrorCode(err) != nudge.ECONFLICT {
			t.Errorf("doing a done task again: %v, want ECONFLICT", err)
		}
		// Do-not-contact set by hand drops the open tasks in the same transaction.
		q := x.person(t, "George Costanza", "george@vandelay.com", "America/New_York", "US")
		if _, err := x.svc.RunOnce(x.ctx); err != nil {
			t.Fatal(err)
		}
		x.only(t, q.ID)
		if err := x.db.SetDoNotContact(x.ctx, q.ID, true, "asked by phone"); err != nil {
			t.Fatal(err)
		}
		if rows := x.open(t, q.ID); len(rows) != 0 {
			t.Fatalf("after do-not-contact: %d open tasks", len(rows))
		}
		x.clock.Advance(30 * 24 * time.Hour)
		if _, err := x.svc.RunOnce(x.ctx); err != nil {
			t.Fatal(err)
		}
		if today, err := x.svc.Today(x.ctx, nil, x.clock.Now()); err != nil || len(today) != 0 {
			t.Fatalf("today after stops = %+v, %v; want nothing", today, err)
		}
	})
}

// A reply restarts the clock (B1); snooze and skip move the cadence.
func TestReplySnoozeSkip(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x := setup(t, b, "2026-11-30T14:00:00Z")
		p := x.person(t, "Cosmo Kramer", "kramer@kramerica.com", "America/New_York", "US")
		if _, err := x.svc.RunOnce(x.ctx); err != nil {
			t.Fatal(err)
		}
		first := x.only(t, p.ID)
		// They write back on Wednesday: the next touch is 3 days after that.
		x.clock.Set(mustTime(t, "2026-12-02T15:00:00Z"))
		err := x.svc.Log(x.ctx, &nudge.Interaction{PersonID: p.ID, Channel: nudge.ChannelEmail, Direction: nudge.Inbound,
			Outcome: nudge.OutcomeReplied, At: x.clock.Now(), Note: nudge.WIN{What: "asked for pricing"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		next := x.only(t, p.ID)
		if !next.Due.After(first.Due) || local(t, next.Due, "America/New_York")[:10] != "2026-12-07" {
			t.Errorf("after a reply on 12-02 the next touch is %s, want 2026-12-07 (3 days later, moved off the weekend)", local(t, next.Due, "America/New_York"))
		}
		// Snooze: "call me in two weeks" (E2).
		until := mustTime(t, "2026-12-21T15:00:00Z")
		if err := x.svc.Snooze(x.ctx, next.ID, until); err != nil {
			t.Fatal(err)
		}
		snoozed := x.only(t, p.ID)
		if snoozed.Due.Before(until) || snoozed.Rule != "E2" {
			t.Errorf("after snooze: %s due %s, want E2 at or after %s", snoozed.Rule, snoozed.Due, until)
		}
		// Skip needs a reason and moves on.
		if err := x.svc.Skip(x.ctx, snoozed.ID, " "); nudge.ErrorCode(err) != nudge.EINVALID {
			t.Errorf("skip without reason: %v", err)
		}
		if err := x.svc.Skip(x.ctx, snoozed.ID, "on holiday"); err != nil {
			t.Fatal(err)
		}
		if after := x.only(t, p.ID); after.ID == snoozed.ID {
			t.Errorf("skip left the same task open")
		}
	})
}

// The scheduler never creates a task twice, even with several instances
// settling the same book at once.
func TestConcurrentSchedulers(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x := setup(t, b, "2026-11-30T14:00:00Z")
		const n = 60
		for i := range n {
			x.person(t, "P", "p"+string(rune('a'+i%26))+string(rune('a'+i/26))+"@x.com", "Europe/London", "GB")
		}
		var wg sync.WaitGroup
		errs := make([]error, 3)
		counts := make([]int, 3)
		for i := range 3 {
			svc := followup.New(x.db, x.clock, followup.Options{Batch: 7})
			wg.Add(1)
			go func() {
				defer wg.Done()
				counts[i], errs[i] = svc.RunOnce(x.ctx)
			}()
		}
		wg.Wait()
		total := 0
		for i := range 3 {
			if errs[i] != nil {
				t.Fatalf("scheduler %d: %v", i, errs[i])
			}
			total += counts[i]
		}
		if total != n {
			t.Errorf("settled %d people in all, want %d (each exactly once)", total, n)
		}
		rows, err := x.db.FindTasks(x.ctx, store.TaskFilter{States: []nudge.TaskState{nudge.TaskOpen}})
		if err != nil || len(rows) != n {
			t.Fatalf("open tasks = %d, %v; want %d", len(rows), err, n)
		}
	})
}

// The rep's own holidays count: G3's calling hours are intersected with the
// rep's working days. Monday 2026-12-28 is a working day in New York but the
// UK's Boxing Day substitute holiday, so a London rep's first touch to a New
// York prospect moves to Tuesday.
func TestRepHolidays(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x := setup(t, b, "2026-12-25T15:00:00Z") // Friday, Christmas: B1's three days end on Monday
		due := map[string]string{}
		for _, country := range []string{"", "GB"} {
			rep := &nudge.User{Email: "rep" + country + "@a-z.example", Name: "Rep " + country, TimeZone: "Europe/London", Country: country,
				WorkStart: 8 * 60, WorkEnd: 22 * 60}
			if err := x.db.CreateUser(x.ctx, rep); err != nil {
				t.Fatal(err)
			}
			p := &nudge.Person{Name: "Newman " + country, Email: "newman" + country + "@usps.example", TimeZone: "America/New_York",
				Country: "US", Status: nudge.StatusProspect, OwnerID: rep.ID}
			if err := x.db.CreatePerson(x.ctx, p); err != nil {
				t.Fatal(err)
			}
			if _, err := x.svc.RunOnce(x.ctx); err != nil {
				t.Fatal(err)
			}
			due[country] = local(t, x.only(t, p.ID).Due, "Europe/London")[:10]
		}
		if due[""] != "2026-12-28" || due["GB"] != "2026-12-29" {
			t.Errorf("first touch: rep without a country %s, rep in GB %s; want 2026-12-28 and 2026-12-29 (UK bank holiday)", due[""], due["GB"])
		}
	})
}
