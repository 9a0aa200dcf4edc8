package method

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
)

// The auto-enrolment rules: a new prospect → 3-2-4; a missed appointment →
// the no-show protocol; engaged then silent → silent; finished without
// progress → breakup → drip, never before six attempts (B3).
func TestEnrolRules(t *testing.T) {
	lib := library(t)
	now := instant(t, "2026-06-10T12:00:00-04:00")
	outbound := func(n int) []nudge.Interaction {
		var h []nudge.Interaction
		for i := range n {
			h = append(h, nudge.Interaction{PersonID: 7, Channel: nudge.ChannelEmail, Direction: nudge.Outbound, Outcome: nudge.OutcomeSent, At: now.AddDate(0, 0, -30+i)})
		}
		return h
	}
	ended := func(cadence string, state nudge.EnrollmentState, reason, next string) []nudge.Enrollment {
		return []nudge.Enrollment{{ID: 1, PersonID: 7, Cadence: cadence, State: state, ExitReason: reason, Next: next,
			StartedAt: now.AddDate(0, 0, -20), AnchorAt: now.AddDate(0, 0, -20), LastTouchAt: instant(t, "2026-06-08T10:00:00-04:00")}}
	}
	missed := func(ago time.Duration) []nudge.Appointment {
		return []nudge.Appointment{{ID: 4, PersonID: 7, At: now.Add(-ago), State: nudge.AppointmentScheduled}}
	}
	customer := jerry()
	customer.Status = nudge.StatusCustomer
	tests := []struct {
		name    string
		person  nudge.Person
		ens     []nudge.Enrollment
		history []nudge.Interaction
		appts   []nudge.Appointment
		cadence string // "" = nothing
		rule    string
		step    string
		start   string
	}{
		{"new prospect", jerry(), nil, nil, nil, "3-2-4", "B1", "", "2026-06-10T12:00:00-04:00"},
		{"new customer", customer, nil, nil, nil, "value-check", "F2", "", ""},
		{"booked appointment", jerry(), ended("3-2-4", nudge.EnrollmentExited, "meeting-booked", ""), nil,
			[]nudge.Appointment{{ID: 4, PersonID: 7, At: now.Add(48 * time.Hour), State: nudge.AppointmentScheduled}}, "appointment", "C2", "", ""},
		{"missed 5 minutes ago", jerry(), nil, nil, missed(5 * time.Minute), "appointment", "C3", "retry-10", ""},
		{"missed 2 hours ago", jerry(), nil, nil, missed(2 * time.Hour), "appointment", "C3", "retry-4h", ""},
		{"missed 2 days ago", jerry(), nil, nil, missed(48 * time.Hour), "appointment", "C3", "later-1", ""},
		{"open enrollment", jerry(), []nudge.Enrollment{{ID: 1, Cadence: "3-2-4", State: nudge.EnrollmentActive}}, nil, nil, "", "", "", ""},
		{"engaged, then quiet", jerry(), ended("patient", nudge.EnrollmentExited, "reply", ""), nil, nil,
			"silent", "E1", "", "2026-06-15T10:00:00-04:00"}, // 5 business days after the last touch
		{"3-2-4 finished", jerry(), ended("3-2-4", nudge.EnrollmentFinished, "", "breakup"), outbound(5), nil, "breakup", "E2", "", "2026-06-08T10:00:00-04:00"},
		{"silent finished", jerry(), ended("silent", nudge.EnrollmentFinished, "", "breakup"), outbound(9), nil, "breakup", "E2", "", ""},
		{"breakup finished", jerry(), ended("breakup", nudge.EnrollmentFinished, "", "drip"), outbound(9), nil, "drip", "F1", "", ""},
		{"B3: only 2 attempts", jerry(), ended("breakup", nudge.EnrollmentFinished, "", "drip"), outbound(2), nil, "patient", "B3", "", ""},
		{"won", jerry(), ended("appointment", nudge.EnrollmentExited, "won", ""), nil, nil, "value-check", "F2", "", ""},
		{"disqualified", jerry(), ended("3-2-4", nudge.EnrollmentExited, "disqualified", ""), nil, nil, "drip", "F1", "", ""},
		{"said no", jerry(), nil, []nudge.Interaction{{PersonID: 7, Channel: nudge.ChannelCall, Outcome: nudge.OutcomeDeclined, At: now}}, nil, "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sg, ok := Enrol(Situation{Now: now, Person: tt.person, Enrollments: tt.ens, History: tt.history, Appointments: tt.appts, Library: lib})
			if tt.cadence == "" {
				if ok {
					t.Fatalf("want nothing, got %+v", sg)
				}
				return
			}
			if !ok || sg.Cadence != tt.cadence || sg.Rule != tt.rule || sg.StepID != tt.step || sg.Reason == "" {
				t.Fatalf("got %+v (ok %v), want %s %s step %q", sg, ok, tt.cadence, tt.rule, tt.step)
			}
			if tt.start != "" && sg.StartAt.In(zone(t, "America/New_York")).Format(time.RFC3339) != tt.start {
				t.Errorf("start %s, want %s", sg.StartAt, tt.start)
			}
		})
	}
}

func TestBuiltinCadences(t *testing.T) {
	lib := library(t)
	want := []string{"3-2-4", "appointment", "breakup", "drip",
		// One per E6 technique and E7's visit: enrolled by the rep, never automatically.
		"e6-fear", "e6-generic-too-early", "e6-no-agenda", "e6-no-commitment", "e6-no-urgency", "e6-no-value", "e6-too-busy", "e6-using-you",
		"in-the-area", "patient", "silent", "six-touch", "value-check"}
	if got := strings.Join(lib.Names(), ","); got != strings.Join(want, ",") {
		t.Fatalf("built-in cadences %s, want %s", got, strings.Join(want, ","))
	}
	if n := len(lib["six-touch"].Steps); n < 6 {
		t.Errorf("six-touch has %d steps (B3 asks for six)", n)
	}
	if a := lib["breakup"].Steps; a[2].Assignee != nudge.AssigneeManager || a[2].Rule != "E4" {
		t.Errorf("breakup's E4 step must be the manager's: %+v", a[2])
	}
	if lib["drip"].IsActive() || !lib["3-2-4"].IsActive() {
		t.Error("drip is not active follow-up (B3); 3-2-4 is")
	}
}

// Validate names the step and the field at fault.
func TestCadenceValidate(t *testing.T) {
	good := func() nudge.Cadence {
		return nudge.Cadence{Name: "x", Steps: []nudge.Step{
			{ID: "a", Rule: "B1", Channel: nudge.ChannelEmail, Delay: nudge.Delay{Amount: 3, Unit: nudge.Days, From: nudge.FromEnrollment}, Reason: "r"},
			{ID: "b", Rule: "B1", Channel: nudge.ChannelCall, Delay: nudge.Delay{Amount: 3, Unit: nudge.Days, From: nudge.FromPrevious}, Reason: "r"},
		}}
	}
	tests := []struct {
		name  string
		edit  func(c *nudge.Cadence)
		field string
		msg   string
	}{
		{"ok", func(c *nudge.Cadence) {}, "", ""},
		{"no name", func(c *nudge.Cadence) { c.Name = "" }, "name", "needs a name"},
		{"no steps", func(c *nudge.Cadence) { c.Steps = nil }, "steps", "no steps"},
		{"bad unit", func(c *nudge.Cadence) { c.Steps[1].Delay.Unit = "weeks" }, "steps[1].delay.unit", `step "b": unknown unit "weeks"`},
		{"bad origin", func(c *nudge.Cadence) { c.Steps[0].Delay.From = "lunch" }, "steps[0].delay.from", `unknown origin "lunch"`},
		{"no rule", func(c *nudge.Cadence) { c.Steps[1].Rule = "" }, "steps[1].rule", "every step names its rule"},
		{"bad channel", func(c *nudge.Cadence) { c.Steps[0].Channel = "fax" }, "steps[0].channel", `unknown channel "fax"`},
		{"duplicate id", func(c *nudge.Cadence) { c.Steps[1].ID = "a" }, "steps[1].id", "duplicate"},
		{"no reason", func(c *nudge.Cadence) { c.Steps[0].Reason = " " }, "steps[0].reason", "why"},
		{"bad assignee", func(c *nudge.Cadence) { c.Steps[0].Assignee = "boss" }, "steps[0].assignee", `unknown assignee "boss"`},
		{"exact without appointment", func(c *nudge.Cadence) { c.Steps[1].Exact = true }, "steps[1].exact", "appointment"},
		{"same day in days", func(c *nudge.Cadence) { c.Steps[1].SameDay = true }, "steps[1].same_day", "minutes or hours"},
		{"negative delay", func(c *nudge.Cadence) { c.Steps[0].Delay.Amount = -1 }, "steps[0].delay.amount", "before an appointment"},
		{"branch to nowhere", func(c *nudge.Cadence) { c.Steps[0].Branches = map[nudge.Outcome]string{nudge.OutcomeReplied: "zz"} }, "steps[0].branches.replied", `no step "zz"`},
		{"branch on unknown outcome", func(c *nudge.Cadence) { c.Steps[0].Branches = map[nudge.Outcome]string{"maybe": "b"} }, "steps[0].branches.maybe", "unknown outcome"},
		{"bad exit", func(c *nudge.Cadence) { c.Exit = []nudge.ExitCondition{"bored"} }, "exit[0]", `unknown exit condition "bored"`},
		{"voicemail by email", func(c *nudge.Cadence) { c.Steps[0].Voicemail = true }, "steps[0].voicemail", "only a call"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good()
			tt.edit(&c)
			err := c.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var e *nudge.Error
			if err == nil || nudge.ErrorCode(err) != nudge.EINVALID {
				t.Fatalf("want EINVALID, got %v", err)
			}
			e = err.(*nudge.Error)
			if e.Field != tt.field || !strings.Contains(e.Message, tt.msg) {
				t.Errorf("got field %q message %q, want %q containing %q", e.Field, e.Message, tt.field, tt.msg)
			}
		})
	}
	if _, err := ParseCadence([]byte(`{"name": "x", "stepz": []}`)); err == nil || !strings.Contains(err.Error(), "stepz") {
		t.Errorf("a misspelt field is an error: %v", err)
	}
}

// D1: a call's script opens with full name, company, the pain/gain from
// last time (A6), "Has anything changed?", then the agenda from the last
// W.I.N. note ending "…Is that fair?" — the words come from the templates.
func TestCallScriptOpensWithD1(t *testing.T) {
	j := jerry()
	j.PreferredChannel = nudge.ChannelCall // B5: the first touch on their preferred channel
	w := newWalker(t, "2026-03-02T10:00:00-05:00", j, jim())
	w.in.History = []nudge.Interaction{{PersonID: 7, Channel: nudge.ChannelCall, Direction: nudge.Outbound,
		Outcome: nudge.OutcomeConnected, At: instant(t, "2026-02-27T10:00:00-05:00"),
		Note: nudge.WIN{What: "lots", Insights: "looking at other vendors", NextSteps: "discuss your current home and look at your requirements"}}}
	w.enrol()
	d := w.plan()
	for _, want := range []string{"Jerry", "Jim Smith", "A-Z Company", "the value of your current home", "Has anything changed?",
		"discuss your current home and look at your requirements", "Then we'll determine the next steps, if applicable. Is that fair?"} {
		if !strings.Contains(d.Task.Script, want) {
			t.Errorf("%s script lacks %q:\n%s", d.Task.Rule, want, d.Task.Script)
		}
	}
	p := j
	p.PainGain = ""
	w = newWalker(t, "2026-03-02T10:00:00-05:00", p, jim())
	w.in.History = []nudge.Interaction{{PersonID: 7, Channel: nudge.ChannelCall, Direction: nudge.Outbound,
		Outcome: nudge.OutcomeConnected, At: instant(t, "2026-02-27T10:00:00-05:00"), Note: nudge.WIN{Insights: "worried about lot availability"}}}
	w.enrol()
	if d := w.plan(); !strings.Contains(d.Task.Script, "worried about lot availability") {
		t.Errorf("without an A6 pain/gain, the last note's insights: %s", d.Task.Script)
	}
}

// The JSON of a task for `nudge today --json`: due in the person's zone.
func TestTaskView(t *testing.T) {
	task := nudge.Task{ID: 3, PersonID: 7, Channel: nudge.ChannelCall, Due: instant(t, "2026-03-10T13:10:00Z"),
		Rule: "C3", Reason: "second call, 10 minutes after the appointment", Script: "Jerry, …", State: nudge.TaskOpen}
	b, err := json.Marshal(task.View("Jerry Seinfeld", zone(t, "America/New_York")))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]any{"id": 3.0, "person_id": 7.0, "person": "Jerry Seinfeld", "channel": "call",
		"due": "2026-03-10T09:10:00-04:00", "rule": "C3", "reason": "second call, 10 minutes after the appointment", "script": "Jerry, …"} {
		if m[k] != v {
			t.Errorf("%s = %v, want %v (%s)", k, m[k], v, b)
		}
	}
}

// The simulation's checker must catch what it checks.
func TestCheckLogCatches(t *testing.T) {
	ny := func(s string) time.Time { return instant(t, s) }
	stop := ny("2026-06-03T12:00:00-04:00")
	res := SimResult{
		People: []SimProspect{
			{ID: 1, Zone: "America/New_York", Country: "US", Touches: 6},
			{ID: 2, Zone: "America/New_York", Country: "US", Touches: 2, Stopped: &stop},
			{ID: 3, Zone: "America/New_York", Country: "US", Touches: 3},
		},
		Log: []SimTouch{
			{Prospect: 1, At: ny("2026-06-01T22:00:00-04:00"), Channel: nudge.ChannelCall, Rule: "B1"}, // G3: night
			{Prospect: 1, At: ny("2026-06-02T10:00:00-04:00"), Channel: nudge.ChannelEmail, Rule: "B1"},
			{Prospect: 1, At: ny("2026-06-02T11:00:00-04:00"), Channel: nudge.ChannelEmail, Rule: "B1"}, // G2: same day
			{Prospect: 1, At: ny("2026-06-03T10:00:00-04:00"), Channel: nudge.ChannelEmail, Rule: "B1"}, // G2: 4 in 7 days
			{Prospect: 1, At: ny("2026-06-06T10:00:00-04:00"), Channel: nudge.ChannelText, Rule: "B1"},  // G3: Saturday
			{Prospect: 1, At: ny("2026-06-08T09:11:00-04:00"), Channel: nudge.ChannelCall, Rule: "C3", Cadence: "appointment", Step: "retry-10", SameDay: true,
				Appointment: ny("2026-06-08T09:00:00-04:00")}, // C3: a minute late
			{Prospect: 2, At: ny("2026-06-02T10:00:00-04:00"), Channel: nudge.ChannelEmail, Rule: "B1"},
			{Prospect: 2, At: ny("2026-06-04T10:00:00-04:00"), Channel: nudge.ChannelEmail, Rule: "B1"}, // G1: after the stop
			{Prospect: 3, At: ny("2026-06-02T10:00:00-04:00"), Channel: nudge.ChannelEmail, Rule: "B1"},
		},
	}
	got := strings.Join(checkLog(res), "\n")
	for _, want := range []string{"G3: prospect 1", "on Sat 2026-06-06", "G2: prospect 1: 2 touches on 2026-06-02", "G2: prospect 1: 4 touches in the 7 days",
		"C3: prospect 1: retry-10", "G1: prospect 2", "B3: prospect 3: only 1 attempts", "log: prospect 3"} {
		if !strings.Contains(got, want) {
			t.Errorf("checker missed %q; it said:\n%s", want, got)
		}
	}
}

func BenchmarkPlan(b *testing.B) {
	lib := library(b)
	now := instant(b, "2026-06-10T12:00:00-04:00")
	var history []nudge.Interaction
	for i := range 12 {
		history = append(history, nudge.Interaction{PersonID: 7, Channel: []nudge.Channel{nudge.ChannelEmail, nudge.ChannelCall}[i%2],
			Direction: nudge.Outbound, Outcome: nudge.OutcomeNoAnswer, At: now.AddDate(0, 0, -40+3*i)})
	}
	in := Input{Now: now, Person: jerry(), PersonLoc: zone(b, "America/New_York"), Rep: jim(), RepLoc: zone(b, "America/New_York"),
		RepCountry: "US", RepCompany: "A-Z Company", Cadence: lib["3-2-4"], History: history,
		Enrollment: nudge.Enrollment{ID: 1, PersonID: 7, Cadence: "3-2-4", State: nudge.EnrollmentActive, StepID: "day-12",
			StartedAt: now.AddDate(0, 0, -5), AnchorAt: now.AddDate(0, 0, -5), LastTouchAt: now.AddDate(0, 0, -1)}}
	b.ReportAllocs()
	for b.Loop() {
		if d, err := Plan(in); err != nil || d.Kind != KindTask {
			b.Fatal(d.Kind, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "plans/s")
}
