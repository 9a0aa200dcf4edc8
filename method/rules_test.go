package method

import (
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
)

// C3, as written: "at t0 call; if not reached, voicemail script 1; at t0+10
// min call again; if not reached, voicemail script 2; at t0+4 h call with a
// reminder of their pain/gain; then 4–6 more calls spaced 3 business days
// apart; then the 'should I stop following up?' message (E2)". C1 comes the
// day before; C2 is the call at its minute.
func TestC3NoShowProtocol(t *testing.T) {
	w := newWalker(t, "2026-03-06T10:00:00-05:00", jerry(), jim())
	w.in.Appointments = []nudge.Appointment{{ID: 1, PersonID: 7, At: instant(t, "2026-03-10T09:00:00-04:00"),
		Kind: nudge.AppointmentCall, First: true, State: nudge.AppointmentScheduled, Minutes: 20,
		Agenda: []string{"review your recent trip to our showroom", "discuss any new questions"}}}
	if sg := w.enrol(); sg.Cadence != "appointment" || sg.Rule != "C2" {
		t.Fatalf("a booked appointment enrols in the appointment cadence (C2), got %+v", sg)
	}
	w.walk([]expect{
		{"2026-03-09T09:00:00-04:00", "C1", nudge.ChannelEmail, "reminder", "", nudge.OutcomeSent},     // the day before
		{"2026-03-10T09:00:00-04:00", "C2", nudge.ChannelCall, "call", "", nudge.OutcomeVoicemail},     // at its minute; not reached: voicemail 1
		{"2026-03-10T09:10:00-04:00", "C3", nudge.ChannelCall, "retry-10", "", nudge.OutcomeVoicemail}, // t0+10 min, exactly; voicemail 2
		{"2026-03-10T13:00:00-04:00", "C3", nudge.ChannelCall, "retry-4h", "", nudge.OutcomeNoAnswer},  // t0+4 h with the pain/gain
		{"2026-03-13T16:30:00-04:00", "C3", nudge.ChannelCall, "later-1", "B6", nudge.OutcomeNoAnswer}, // +3 business days, another time of day
		{"2026-03-18T08:15:00-04:00", "C3", nudge.ChannelCall, "later-2", "B6", nudge.OutcomeNoAnswer}, // +3 business days
		{"2026-03-23T10:15:00-04:00", "C3", nudge.ChannelCall, "later-3", "B6", nudge.OutcomeNoAnswer}, // 19:00 is past the rep's day: next slot
		{"2026-03-26T15:15:00-04:00", "C3", nudge.ChannelCall, "later-4", "B6", nudge.OutcomeNoAnswer}, // 10:15 was the last call's time
		{"2026-03-31T15:15:00-04:00", "E2", nudge.ChannelEmail, "back-off", "", nudge.OutcomeSent},     // then "should I stop?"
	})
}

func TestC3Scripts(t *testing.T) {
	w := newWalker(t, "2026-03-09T10:00:00-04:00", jerry(), jim())
	w.in.Appointments = []nudge.Appointment{{ID: 1, PersonID: 7, At: instant(t, "2026-03-10T09:00:00-04:00"), Kind: nudge.AppointmentCall, State: nudge.AppointmentScheduled}}
	w.enrol()
	want := []string{
		"Telephone appointment for March 10 at 9:00 am",
		"I'll call in 10 minutes",
		"otherwise I will call you later this morning or early this afternoon",
		"we have not been able to connect. When we last spoke you were concerned about “the value of your current home”",
	}
	for i, s := range want {
		d := w.plan()
		if !strings.Contains(d.Task.Script, s) {
			t.Errorf("touch %d (%s %s): script %q lacks %q", i+1, d.Task.Rule, d.Task.StepID, d.Task.Script, s)
		}
		w.record(d.Task, nudge.OutcomeVoicemail)
	}
}

// DST: a C3 retry 4 hours after a late appointment crosses the change; the
// 4 hours are real hours, G3 then moves the call out of the night, and the
// business-day steps keep their wall-clock time across the change.
func TestC3AcrossDST(t *testing.T) {
	tests := []struct {
		name, now, appt string
		lines           []expect
	}{
		{"spring forward 2026-03-08", "2026-03-07T10:00:00-05:00", "2026-03-07T23:00:00-05:00", []expect{
			// t0 23:00 Saturday: G3 moves every call to Monday 08:00 (EDT now); t0+4h = 04:00 EDT Sunday.
			{"2026-03-09T08:00:00-04:00", "C2", nudge.ChannelCall, "call", "G3: moved to 08:00 Monday 9 Mar", nudge.OutcomeNoAnswer},
		}},
		{"fall back 2026-11-01", "2026-10-30T09:00:00-04:00", "2026-10-30T13:00:00-04:00", []expect{
			{"2026-10-30T13:00:00-04:00", "C2", nudge.ChannelCall, "call", "", nudge.OutcomeNoAnswer},
			{"2026-10-30T13:10:00-04:00", "C3", nudge.ChannelCall, "retry-10", "", nudge.OutcomeNoAnswer},
			{"2026-10-30T17:00:00-04:00", "C3", nudge.ChannelCall, "retry-4h", "", nudge.OutcomeNoAnswer},
			// Fri 17:00 EDT + 3 business days = Wed 4 Nov, now EST; B6 picks the time of day.
			{"2026-11-04T16:30:00-05:00", "C3", nudge.ChannelCall, "later-1", "B6", nudge.OutcomeNoAnswer},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWalker(t, tt.now, jerry(), jim())
			w.in.Appointments = []nudge.Appointment{{ID: 1, PersonID: 7, At: instant(t, tt.appt), Kind: nudge.AppointmentCall, State: nudge.AppointmentScheduled}}
			w.enrol()
			w.ens[0].StepID = "call" // the reminder is not the subject here
			w.walk(tt.lines)
		})
	}
	// The unguarded t0+4h of the spring-forward case: 4 real hours.
	pl := newPlanner(Input{Person: jerry(), Rep: jim()})
	got := pl.addDelay(instant(t, "2026-03-07T23:00:00-05:00"), nudge.Delay{Amount: 4, Unit: nudge.Hours}).In(zone(t, "America/New_York"))
	if s := got.Format(time.RFC3339); s != "2026-03-08T04:00:00-04:00" {
		t.Errorf("23:00 EST + 4h = %s, want 2026-03-08T04:00:00-04:00", s)
	}
}

// B1: touches at days 3, 6, 9, 12 after the last interaction; a reply
// restarts the clock. B4: after 4 contacts without progress, ask whether to stop.
func TestB1ThreeTwoFour(t *testing.T) {
	w := newWalker(t, "2026-06-01T10:00:00-04:00", jerry(), jim())
	w.in.History = []nudge.Interaction{{PersonID: 7, Channel: nudge.ChannelMeeting, Direction: nudge.Outbound, Outcome: nudge.OutcomeMeetingHeld,
		At: instant(t, "2026-06-01T10:00:00-04:00"), Note: nudge.WIN{What: "first meeting", NextSteps: "look at the lots on offer"}}}
	if sg := w.enrol(); sg.Cadence != "3-2-4" || sg.Rule != "B1" {
		t.Fatalf("a new prospect goes to 3-2-4 (B1), got %+v", sg)
	}
	w.walk([]expect{
		{"2026-06-04T10:00:00-04:00", "B1", nudge.ChannelEmail, "day-3", "", nudge.OutcomeSent},
		// day 6 is Sunday 7 June: moved to Monday, the rep's and the prospect's first common minute.
		{"2026-06-08T08:00:00-04:00", "B1", nudge.ChannelCall, "day-6", "G3: moved to 08:00 Monday 8 Jun", nudge.OutcomeNoAnswer},
		{"2026-06-10T10:00:00-04:00", "B1", nudge.ChannelEmail, "day-9", "", nudge.OutcomeSent},
		// day 12 is Saturday 13 June → Monday; B6 gives it another time of day than the 08:00 call.
		{"2026-06-15T11:30:00-04:00", "B1", nudge.ChannelCall, "day-12", "B6", nudge.OutcomeNoAnswer},
		{"2026-06-18T14:00:00-04:00", "B4", nudge.ChannelCall, "should-i-stop", "B6", nudge.OutcomeNoAnswer},
	})
	if e := w.ens[0]; e.State != nudge.EnrollmentFinished || e.Next != "breakup" || e.SinceProgress != 5 {
		t.Errorf("after B4, 3-2-4 finishes and chains to breakup: %+v", e)
	}

	// A reply on 9 June restarts the clock: the next touch is 3 days after the reply.
	w = newWalker(t, "2026-06-01T10:00:00-04:00", jerry(), jim())
	w.enrol()
	w.walk([]expect{
		{"2026-06-04T10:00:00-04:00", "B1", nudge.ChannelEmail, "day-3", "", nudge.OutcomeSent},
		{"2026-06-08T08:00:00-04:00", "B1", nudge.ChannelCall, "day-6", "", nudge.OutcomeNoAnswer},
	})
	reply := instant(t, "2026-06-09T15:00:00-04:00")
	w.in.History = append(w.in.History, nudge.Interaction{PersonID: 7, Channel: nudge.ChannelEmail, Direction: nudge.Inbound, Outcome: nudge.OutcomeReplied, At: reply})
	w.ens[0] = Signal(w.lib["3-2-4"], w.ens[0], nudge.ExitReply, reply)
	w.in.Now = reply
	if e := w.ens[0]; e.SinceProgress != 0 || !e.AnchorAt.Equal(reply) || e.StepID != "day-3" {
		t.Fatalf("a reply restarts the clock and B4's count: %+v", e)
	}
	w.walk([]expect{
		{"2026-06-12T15:00:00-04:00", "B1", nudge.ChannelEmail, "day-3", "", nudge.OutcomeSent},
		{"2026-06-15T11:30:00-04:00", "B1", nudge.ChannelCall, "day-6", "B6", nudge.OutcomeNoAnswer},
	})
	// A booked meeting is an exit condition of 3-2-4.
	e := Signal(w.lib["3-2-4"], w.ens[0], nudge.ExitMeetingBooked, w.in.Now)
	if e.State != nudge.EnrollmentExited || e.ExitReason != "meeting-booked" {
		t.Errorf("meeting-booked exits 3-2-4: %+v", e)
	}
}

// B2: at least 4 business days between contacts while unanswered.
func TestB2Patient(t *testing.T) {
	w := newWalker(t, "2026-11-20T10:00:00-05:00", jerry(), jim())
	w.ens = []nudge.Enrollment{{ID: 1, PersonID: 7, Cadence: "patient", State: nudge.EnrollmentActive,
		StartedAt: w.in.Now, AnchorAt: w.in.Now}}
	w.walk([]expect{
		{"2026-11-27T10:00:00-05:00", "B2", nudge.ChannelEmail, "touch-1", "", nudge.OutcomeSent}, // Thanksgiving (26th) skipped
		{"2026-12-03T10:00:00-05:00", "B2", nudge.ChannelCall, "touch-2", "", nudge.OutcomeNoAnswer},
		{"2026-12-09T10:00:00-05:00", "B2", nudge.ChannelEmail, "touch-3", "", nudge.OutcomeSent},
		{"2026-12-15T11:30:00-05:00", "B2", nudge.ChannelCall, "touch-4", "B6", nudge.OutcomeNoAnswer},
		{"2026-12-21T11:30:00-05:00", "B2", nudge.ChannelText, "touch-5", "", nudge.OutcomeSent},
		{"2026-12-28T11:30:00-05:00", "B2", nudge.ChannelLetter, "touch-6", "", nudge.OutcomeSent}, // Christmas (25th) skipped
	})
	cal := newPlanner(w.in).pcal
	loc := zone(t, "America/New_York")
	var prev time.Time
	for _, h := range w.in.History {
		if !prev.IsZero() {
			if n := cal.BusinessDaysBetween(prev.In(loc), h.At.In(loc)); n < 4 {
				t.Errorf("B2: only %d business days between %s and %s", n, prev, h.At)
			}
		}
		prev = h.At
	}
}

// B5: email → phone → voicemail + a second email → text → handwritten note,
// starting with the prospect's preferred channel (A5).
func TestB5ChannelRotation(t *testing.T) {
	tests := []struct {
		preferred nudge.Channel
		want      []nudge.Channel
	}{
		{"", []nudge.Channel{nudge.ChannelEmail, nudge.ChannelCall, nudge.ChannelVoicemail, nudge.ChannelEmail, nudge.ChannelText, nudge.ChannelLetter}},
		{nudge.ChannelText, []nudge.Channel{nudge.ChannelText, nudge.ChannelCall, nudge.ChannelVoicemail, nudge.ChannelEmail, nudge.ChannelText, nudge.ChannelLetter}},
	}
	for _, tt := range tests {
		t.Run("preferred="+string(tt.preferred), func(t *testing.T) {
			p := jerry()
			p.PreferredChannel = tt.preferred
			w := newWalker(t, "2026-05-04T10:00:00-04:00", p, jim())
			w.ens = []nudge.Enrollment{{ID: 1, PersonID: 7, Cadence: "six-touch", State: nudge.EnrollmentActive, StartedAt: w.in.Now, AnchorAt: w.in.Now}}
			var got []nudge.Channel
			for range tt.want {
				d := w.plan()
				if d.Task.Rule != "B5" {
					t.Fatalf("six-touch steps name B5, got %s", d.Task.Rule)
				}
				got = append(got, d.Task.Channel)
				w.record(d.Task, nudge.OutcomeNoAnswer)
			}
			if len(got) != len(tt.want) || strings.Join(chs(got), ",") != strings.Join(chs(tt.want), ",") {
				t.Errorf("channels %v, want %v", got, tt.want)
			}
		})
	}
}

func chs(cs []nudge.Channel) []string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return s
}

// G1: an explicit no or stop ends every proposed touch at once, across cadences.
func TestG1HardStop(t *testing.T) {
	lib := library(t)
	now := instant(t, "2026-06-05T10:00:00-04:00")
	base := Input{Now: now, Person: jerry(), Rep: jim(), Cadence: lib["3-2-4"],
		Enrollment: nudge.Enrollment{ID: 1, PersonID: 7, Cadence: "3-2-4", State: nudge.EnrollmentActive, StepID: "day-9",
			StartedAt: now.AddDate(0, 0, -6), AnchorAt: now.AddDate(0, 0, -6)}}
	no := nudge.Interaction{PersonID: 7, Channel: nudge.ChannelCall, Direction: nudge.Outbound, Outcome: nudge.OutcomeDeclined, At: now.Add(-time.Hour)}
	stop := nudge.Interaction{PersonID: 7, Channel: nudge.ChannelEmail, Direction: nudge.Inbound, Outcome: nudge.OutcomeAskedToStop, At: now.Add(-time.Hour)}
	back := nudge.Interaction{PersonID: 7, Channel: nudge.ChannelEmail, Direction: nudge.Inbound, Outcome: nudge.OutcomeReplied, At: now.Add(-time.Minute)}
	dnc := jerry()
	dnc.DoNotContact, dnc.DoNotContactReason = true, "unsubscribed"
	tests := []struct {
		name    string
		person  nudge.Person
		history []nudge.Interaction
		cadence string
		want    Kind
	}{
		{"said no mid-cadence", jerry(), []nudge.Interaction{no}, "3-2-4", KindStop},
		{"asked to stop, in another cadence", jerry(), []nudge.Interaction{stop}, "drip", KindStop},
		{"do not contact", dnc, nil, "3-2-4", KindStop},
		{"wrote back after saying no", jerry(), []nudge.Interaction{no, back}, "3-2-4", KindTask},
		{"nothing said", jerry(), nil, "3-2-4", KindTask},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			in.Person, in.History, in.Cadence = tt.person, tt.history, lib[tt.cadence]
			in.Enrollment.Cadence = tt.cadence
			if tt.cadence == "drip" {
				in.Enrollment.StepID = "monthly"
			}
			d, err := Plan(in)
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != tt.want {
				t.Fatalf("got %s (%s), want %s", d.Kind, d.Reason, tt.want)
			}
			if tt.want == KindStop {
				if d.Task != nil || d.Rule != "G1" || d.Enrollment.State != nudge.EnrollmentExited {
					t.Errorf("G1 must propose nothing and exit the enrollment: %+v", d)
				}
				if _, ok := Enrol(Situation{Now: now, Person: tt.person, History: tt.history, Library: lib}); ok {
					t.Error("G1: no cadence may enrol the person")
				}
			}
		})
	}
	// Advance with a no exits at once.
	e, err := Advance(lib["3-2-4"], base.Enrollment, nudge.OutcomeDeclined, now)
	if err != nil || e.State != nudge.EnrollmentExited || e.ExitReason != "declined" {
		t.Errorf("Advance(declined) = %+v, %v", e, err)
	}
}

// G2: one touch per business day per prospect (C3 same-day retries
// excepted) and at most 3 in any 7 days.
func TestG2Caps(t *testing.T) {
	lib := library(t)
	now := instant(t, "2026-06-01T08:00:00-04:00")
	email := func(s string) nudge.Interaction {
		return nudge.Interaction{PersonID: 7, Channel: nudge.ChannelEmail, Direction: nudge.Outbound, Outcome: nudge.OutcomeSent, At: instant(t, s)}
	}
	tests := []struct {
		name        string
		history     []nudge.Interaction
		open        []nudge.Task
		want, guard string
	}{
		{"free day", nil, nil, "2026-06-04T10:00:00-04:00", ""},
		{"already touched that day", []nudge.Interaction{email("2026-06-04T08:30:00-04:00")}, nil,
			"2026-06-05T10:00:00-04:00", "G2: moved to Friday 5 Jun, already a touch on Thursday 4 Jun"},
		{"another cadence's task that day", nil, []nudge.Task{{Channel: nudge.ChannelCall, Due: instant(t, "2026-06-04T16:00:00-04:00"), State: nudge.TaskOpen}},
			"2026-06-05T10:00:00-04:00", "G2"},
		{"a same-day retry does not count", nil, []nudge.Task{{Channel: nudge.ChannelCall, Due: instant(t, "2026-06-04T16:00:00-04:00"), State: nudge.TaskOpen, SameDay: true}},
			"2026-06-04T10:00:00-04:00", ""},
		{"weekly cap of 3", []nudge.Interaction{email("2026-05-29T09:00:00-04:00"), email("2026-06-01T09:00:00-04:00"), email("2026-06-02T09:00:00-04:00")}, nil,
			"2026-06-05T09:00:00-04:00", "G2: moved to Friday 5 Jun, weekly cap of 3 touches"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := Input{Now: now, Person: jerry(), Rep: jim(), Cadence: lib["3-2-4"], History: tt.history, Open: tt.open,
				Enrollment: nudge.Enrollment{ID: 1, PersonID: 7, Cadence: "3-2-4", State: nudge.EnrollmentActive,
					StartedAt: instant(t, "2026-06-01T10:00:00-04:00"), AnchorAt: instant(t, "2026-06-01T10:00:00-04:00")}}
			d, err := Plan(in)
			if err != nil {
				t.Fatal(err)
			}
			got := d.Task.Due.In(zone(t, "America/New_York")).Format(time.RFC3339)
			if got != tt.want || (tt.guard != "" && !strings.Contains(d.Task.Guard, tt.guard)) || (tt.guard == "" && d.Task.Guard != "") {
				t.Errorf("due %s guard %q, want %s guard %q", got, d.Task.Guard, tt.want, tt.guard)
			}
		})
	}
	// A policy may lower the weekly cap.
	in := Input{Now: now, Person: jerry(), Rep: jim(), Cadence: lib["3-2-4"], Policy: Policy{WeeklyCap: 1},
		History: []nudge.Interaction{email("2026-06-01T09:00:00-04:00")},
		Enrollment: nudge.Enrollment{ID: 1, PersonID: 7, Cadence: "3-2-4", State: nudge.EnrollmentActive,
			StartedAt: instant(t, "2026-06-01T10:00:00-04:00"), AnchorAt: instant(t, "2026-06-01T10:00:00-04:00")}}
	d, err := Plan(in)
	if err != nil {
		t.Fatal(err)
	}
	if got := d.Task.Due.In(zone(t, "America/New_York")).Format(time.RFC3339); got != "2026-06-08T09:00:00-04:00" {
		t.Errorf("weekly cap 1: due %s, want 2026-06-08T09:00:00-04:00 (%s)", got, d.Task.Guard)
	}
}

// C2 "never late": a C1 reminder left undone does not hold up the call; once
// the appointment begins the reminder is moot and the call is due at t0.
func TestC1MootOnceAppointmentBegins(t *testing.T) {
	w := newWalker(t, "2026-03-06T10:00:00-05:00", jerry(), jim())
	w.in.Appointments = []nudge.Appointment{{ID: 1, PersonID: 7, At: instant(t, "2026-03-10T09:00:00-04:00"),
		Kind: nudge.AppointmentCall, State: nudge.AppointmentScheduled}}
	w.enrol()
	if d := w.plan(); d.Task == nil || d.Task.Rule != "C1" {
		t.Fatalf("before the appointment: %+v, want the C1 reminder", d.Task)
	}
	w.in.Now = instant(t, "2026-03-10T09:00:00-04:00") // the reminder was never sent
	d := w.plan()
	if d.Task == nil || d.Task.Rule != "C2" || !d.Task.Due.Equal(w.in.Now) {
		t.Fatalf("at t0: %+v, want the C2 call due at 09:00", d.Task)
	}
	if len(d.Notes) != 1 || !strings.Contains(d.Notes[0], "appointment has begun") {
		t.Errorf("notes = %q; want the skipped reminder explained", d.Notes)
	}
}
