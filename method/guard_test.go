package method

import (
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
)

// one is a cadence of a single step, to put one proposed instant through the guardrails.
func one(ch nudge.Channel, amount int, unit nudge.DelayUnit) *nudge.Cadence {
	return &nudge.Cadence{Name: "one", Rule: "B1", Steps: []nudge.Step{{ID: "touch", Rule: "B1", Channel: ch,
		Delay: nudge.Delay{Amount: amount, Unit: unit, From: nudge.FromEnrollment}, Reason: "a touch"}}}
}

func person(name, tz, country string) nudge.Person {
	return nudge.Person{ID: 9, Name: name, TimeZone: tz, Country: country, Status: nudge.StatusProspect}
}

func rep(tz string, start, end int) nudge.User {
	return nudge.User{ID: 2, Name: "Jane Doe", TimeZone: tz, WorkStart: start, WorkEnd: end}
}

// G3: calls and texts only 8:00–21:00 prospect-local on the prospect's
// business days, intersected with the rep's working hours; holidays, DST,
// zones far apart and leap days.
func TestG3CallingHoursAndCalendars(t *testing.T) {
	ny := person("Jerry Seinfeld", "America/New_York", "US")
	tests := []struct {
		name       string
		p          nudge.Person
		rep        nudge.User
		repCountry string
		cadence    *nudge.Cadence
		start      string // the enrollment's anchor
		want       string // due, in the prospect's zone
		guard      string
	}{
		{"inside the hours", ny, jim(), "US", one(nudge.ChannelCall, 0, nudge.Days), "2026-06-08T10:00:00-04:00", "2026-06-08T10:00:00-04:00", ""},
		{"before 8:00", ny, rep("America/New_York", 7*60, 19*60), "US", one(nudge.ChannelCall, 0, nudge.Days), "2026-06-08T07:00:00-04:00",
			"2026-06-08T08:00:00-04:00", "G3: moved to 08:00 Monday 8 Jun, calling hours"},
		{"after 21:00", ny, rep("America/New_York", 7*60, 23*60), "US", one(nudge.ChannelText, 0, nudge.Days), "2026-06-09T21:30:00-04:00",
			"2026-06-10T08:00:00-04:00", "G3: moved to 08:00 Wednesday 10 Jun, calling hours"},
		{"Thanksgiving 2026-11-26", ny, jim(), "US", one(nudge.ChannelCall, 0, nudge.Days), "2026-11-26T10:00:00-05:00",
			"2026-11-27T08:00:00-05:00", "G3: moved to 08:00 Friday 27 Nov, Thanksgiving Day is a holiday for the prospect"},
		{"Christmas 2026-12-25", ny, jim(), "US", one(nudge.ChannelCall, 0, nudge.Days), "2026-12-25T10:00:00-05:00",
			"2026-12-28T08:00:00-05:00", "Christmas Day is a holiday"},
		{"UK summer bank holiday 2026-08-31", person("Ann Smith", "Europe/London", "GB"), rep("Europe/London", 9*60, 17*60), "GB",
			one(nudge.ChannelCall, 0, nudge.Days), "2026-08-31T10:00:00+01:00", "2026-09-01T09:00:00+01:00", "Summer Bank Holiday is a holiday"},
		{"UK Boxing Day observed 2026-12-28, an email", person("Ann Smith", "Europe/London", "GB"), rep("Europe/London", 9*60, 17*60), "GB",
			one(nudge.ChannelEmail, 0, nudge.Days), "2026-12-26T10:00:00Z", "2026-12-29T09:00:00Z", "business days: moved to 09:00 Tuesday 29 Dec"},
		{"Sydney, 6 days across the start of daylight time 2026-10-04", person("Bruce Lee", "Australia/Sydney", "AU"), rep("Australia/Sydney", 9*60, 17*60), "AU",
			one(nudge.ChannelCall, 6, nudge.Days), "2026-10-01T10:00:00+10:00", "2026-10-07T10:00:00+11:00", ""},
		{"New York, 3 business days across the end of daylight time 2026-11-01", ny, jim(), "US",
			one(nudge.ChannelCall, 3, nudge.BusinessDays), "2026-10-29T10:00:00-04:00", "2026-11-03T10:00:00-05:00", ""},
		{"rep and prospect 18 hours apart", person("Mei Tan", "Asia/Singapore", "SG"), rep("Pacific/Honolulu", 9*60, 17*60), "US",
			// Monday 09:00 in Singapore is Sunday 15:00 in Honolulu: the first minute in both is Tuesday 08:00 (Monday 14:00 for the rep).
			one(nudge.ChannelCall, 0, nudge.Days), "2026-06-08T09:00:00+08:00", "2026-06-09T08:00:00+08:00", "G3: moved to 08:00 Tuesday 9 Jun, the assignee's working hours"},
		{"leap day 2028-02-29", ny, jim(), "US", one(nudge.ChannelCall, 3, nudge.Days), "2028-02-26T10:00:00-05:00", "2028-02-29T10:00:00-05:00", ""},
		{"leap day, business days", ny, jim(), "US", one(nudge.ChannelEmail, 1, nudge.BusinessDays), "2028-02-28T10:00:00-05:00", "2028-02-29T10:00:00-05:00", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := instant(t, tt.start)
			in := Input{Now: start.Add(-time.Hour), Person: tt.p, Rep: tt.rep, RepCountry: tt.repCountry, Cadence: tt.cadence,
				Enrollment: nudge.Enrollment{ID: 1, PersonID: tt.p.ID, Cadence: "one", State: nudge.EnrollmentActive, StartedAt: start, AnchorAt: start}}
			d, err := Plan(in)
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != KindTask {
				t.Fatalf("got %s: %s", d.Kind, d.Reason)
			}
			got := d.Task.Due.In(zone(t, tt.p.TimeZone)).Format(time.RFC3339)
			if got != tt.want {
				t.Errorf("due %s, want %s (guard %q)", got, tt.want, d.Task.Guard)
			}
			if tt.guard == "" && d.Task.Guard != "" || !strings.Contains(d.Task.Guard, tt.guard) {
				t.Errorf("guard %q, want %q", d.Task.Guard, tt.guard)
			}
		})
	}
	// 18 hours apart with narrow hours: no common minute, and Plan says so.
	start := instant(t, "2026-06-08T09:00:00+08:00")
	d, err := Plan(Input{Now: start, Person: person("Mei Tan", "Asia/Singapore", "SG"), Rep: rep("Pacific/Honolulu", 9*60, 12*60),
		RepCountry: "US", Cadence: one(nudge.ChannelCall, 0, nudge.Days),
		Enrollment: nudge.Enrollment{ID: 1, PersonID: 9, Cadence: "one", State: nudge.EnrollmentActive, StartedAt: start, AnchorAt: start}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != KindIdle || !strings.Contains(d.Reason, "no time within 60 days") {
		t.Errorf("windows that never meet: got %s %q", d.Kind, d.Reason)
	}
}

// B6: repeat calls at different times of day; such unannounced attempts
// leave no voicemail.
func TestB6VariedCallTimes(t *testing.T) {
	c := &nudge.Cadence{Name: "calls", Rule: "B6"}
	for i := range 6 {
		c.Steps = append(c.Steps, nudge.Step{ID: string(rune('a' + i)), Rule: "B6", Channel: nudge.ChannelCall,
			Delay: nudge.Delay{Amount: 1, Unit: nudge.BusinessDays, From: nudge.FromPrevious}, Reason: "a repeat call", Template: "d1-opening"})
	}
	lib := library(t)
	lib["calls"] = c
	w := &walker{t: t, lib: lib, in: Input{Now: instant(t, "2026-06-01T09:00:00-04:00"), Person: jerry(), Rep: jim(), RepCountry: "US",
		Policy: Policy{WeeklyCap: 7}}} // daily calls: lift G2's weekly cap to see B6 alone
	start := w.in.Now
	w.ens = []nudge.Enrollment{{ID: 1, PersonID: 7, Cadence: "calls", State: nudge.EnrollmentActive, StartedAt: start, AnchorAt: start}}
	want := []string{
		"2026-06-02T09:00:00-04:00", // the first call keeps its time
		"2026-06-03T11:30:00-04:00",
		"2026-06-04T14:00:00-04:00",
		"2026-06-05T16:30:00-04:00",
		"2026-06-08T08:15:00-04:00",
		"2026-06-09T10:15:00-04:00", // 19:00 is past the rep's day: the next slot
	}
	loc := zone(t, "America/New_York")
	for i, s := range want {
		d := w.plan()
		if got := d.Task.Due.In(loc).Format(time.RFC3339); got != s {
			t.Errorf("call %d at %s, want %s (%s)", i+1, got, s, d.Task.Guard)
		}
		if d.Task.Voicemail || !strings.Contains(d.Task.Script, "leave no voicemail") {
			t.Errorf("call %d: an unannounced repeat call leaves no voicemail (B6): %q", i+1, d.Task.Script)
		}
		w.record(d.Task, nudge.OutcomeNoAnswer)
	}
}

// E4: the manager calls the contact's boss: a task for the manager, in the
// manager's working hours.
func TestE4ManagerTask(t *testing.T) {
	lib := library(t)
	now := instant(t, "2026-06-01T10:00:00-04:00")
	e := nudge.Enrollment{ID: 3, PersonID: 7, Cadence: "breakup", State: nudge.EnrollmentActive, StepID: "manager-to-boss",
		StartedAt: now, AnchorAt: now, LastTouchAt: now}
	boss := nudge.User{ID: 50, Name: "Maggie", Role: nudge.UserManager, TimeZone: "America/Chicago", WorkStart: 10 * 60, WorkEnd: 16 * 60}
	in := Input{Now: now, Person: jerry(), Rep: jim(), RepCountry: "US", Manager: &boss, Cadence: lib["breakup"], Enrollment: e}
	d, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	// 2 business days later at 10:00 New York is 09:00 in Chicago: the manager starts at 10:00 Chicago.
	if d.Task.AssigneeID != 50 || d.Task.Rule != "E4" || d.Task.Due.In(zone(t, "America/New_York")).Format(time.RFC3339) != "2026-06-03T11:00:00-04:00" {
		t.Errorf("E4 task: assignee %d rule %s due %s (%s)", d.Task.AssigneeID, d.Task.Rule, d.Task.Due, d.Task.Guard)
	}
	if !strings.HasPrefix(d.Task.Script, "Manager:") {
		t.Errorf("E4 script: %q", d.Task.Script)
	}
	in.Manager = nil
	d, _ = Plan(in)
	if d.Task.AssigneeID != jim().ID || !strings.Contains(d.Task.Guard, "no manager known") {
		t.Errorf("without a manager the rep gets the task and is told why: %d %q", d.Task.AssigneeID, d.Task.Guard)
	}
}

// E2: "call me in two weeks" snoozes the enrollment and resumes it with
// the call they asked for; the cadence then goes on, timed from that call.
func TestE2SnoozeResumes(t *testing.T) {
	w := newWalker(t, "2026-06-01T10:00:00-04:00", jerry(), jim())
	w.enrol()
	w.walk([]expect{
		{"2026-06-04T10:00:00-04:00", "B1", nudge.ChannelEmail, "day-3", "", nudge.OutcomeSent},
		{"2026-06-08T08:00:00-04:00", "B1", nudge.ChannelCall, "day-6", "", nudge.OutcomeConnected},
	})
	until := instant(t, "2026-06-22T10:00:00-04:00") // "call me in two weeks"
	e, err := Snooze(w.ens[0], until, w.in.Now)
	if err != nil {
		t.Fatal(err)
	}
	w.ens[0] = e
	w.walk([]expect{
		{"2026-06-22T10:00:00-04:00", "E2", nudge.ChannelCall, "day-9", "", nudge.OutcomeNoAnswer},
		// No answer on the agreed call: 3-2-4 goes on from day 9, counted from the snooze's end.
		{"2026-07-01T10:00:00-04:00", "B1", nudge.ChannelEmail, "day-9", "", nudge.OutcomeSent},
	})
	if _, err := Snooze(w.ens[0], w.in.Now.Add(-time.Hour), w.in.Now); nudge.ErrorCode(err) != nudge.EINVALID {
		t.Errorf("a snooze into the past is refused: %v", err)
	}
}

// C1 the day before (the business day before a Monday is the Friday); a
// booking for the same day still gets its reminder before the call.
func TestC1DayBefore(t *testing.T) {
	tests := []struct{ now, appt, want string }{
		{"2026-06-10T12:00:00-04:00", "2026-06-15T10:00:00-04:00", "2026-06-12T10:00:00-04:00"},
		{"2026-06-10T12:00:00-04:00", "2026-06-12T19:30:00-04:00", "2026-06-11T08:00:00-04:00"},
		{"2026-06-15T08:30:00-04:00", "2026-06-15T10:00:00-04:00", "2026-06-15T08:30:00-04:00"},
	}
	for _, tt := range tests {
		t.Run(tt.appt, func(t *testing.T) {
			w := newWalker(t, tt.now, jerry(), jim())
			w.in.Appointments = []nudge.Appointment{{ID: 1, PersonID: 7, At: instant(t, tt.appt), Kind: nudge.AppointmentVisit, State: nudge.AppointmentScheduled}}
			w.enrol()
			d := w.plan()
			got := d.Task.Due.In(zone(t, "America/New_York")).Format(time.RFC3339)
			if d.Task.Rule != "C1" || !d.Task.Due.Before(instant(t, tt.appt)) {
				t.Fatalf("C1 due %s (%s), must come before the appointment", got, d.Task.Guard)
			}
			if tt.want != "" && got != tt.want {
				t.Errorf("C1 due %s, want %s (%s)", got, tt.want, d.Task.Guard)
			}
			if !strings.HasPrefix(d.Task.Script, "Subject: Visit appointment for June") || !strings.Contains(d.Task.Script, "the next steps, if any") {
				t.Errorf("C1 script: %q", d.Task.Script)
			}
		})
	}
}

// C4: a thank-you card after a first meeting; by email when a card cannot
// arrive before the next appointment; no card after a later meeting.
func TestC4ThankYou(t *testing.T) {
	appt := nudge.Appointment{ID: 1, PersonID: 7, At: time.Date(2026, 6, 15, 14, 0, 0, 0, time.UTC), Kind: nudge.AppointmentCall, State: nudge.AppointmentScheduled, First: true}
	tests := []struct {
		name    string
		first   bool
		next    *nudge.Appointment
		kind    Kind
		channel nudge.Channel
	}{
		{"first meeting", true, nil, KindTask, nudge.ChannelLetter},
		{"next appointment too soon for the post", true, &nudge.Appointment{ID: 2, PersonID: 7, At: time.Date(2026, 6, 16, 14, 0, 0, 0, time.UTC), State: nudge.AppointmentScheduled}, KindTask, nudge.ChannelEmail},
		{"not a first meeting", false, nil, KindDone, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWalker(t, "2026-06-15T09:00:00-04:00", jerry(), jim())
			a := appt
			a.First = tt.first
			w.in.Appointments = []nudge.Appointment{a}
			if tt.next != nil {
				w.in.Appointments = append(w.in.Appointments, *tt.next)
			}
			w.enrol()
			w.ens[0].StepID = "call"
			d := w.plan()
			w.record(d.Task, nudge.OutcomeMeetingHeld)
			w.in.Cadence, w.in.Enrollment = w.lib["appointment"], w.ens[0]
			d, err := Plan(w.in)
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != tt.kind {
				t.Fatalf("got %s (%s %v)", d.Kind, d.Reason, d.Notes)
			}
			if tt.kind == KindTask && (d.Task.Rule != "C4" || d.Task.Channel != tt.channel || !strings.Contains(d.Task.Script, "thank you for taking the time")) {
				t.Errorf("C4 task: %s %s %q %q", d.Task.Rule, d.Task.Channel, d.Task.Script, d.Task.Guard)
			}
			if tt.next != nil && !strings.Contains(d.Task.Script, "on June 16") {
				t.Errorf("C4 names the next appointment: %q", d.Task.Script)
			}
		})
	}
}
