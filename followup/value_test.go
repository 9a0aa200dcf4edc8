package followup_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
)

// valueBook: rep Sam (New York) and his customer Jerry, who bought on a won
// deal while still a prospect in 3-2-4. Monday 30 Nov 2026, 09:00 in New York.
func valueBook(t *testing.T, b testdb.Backend) (*bundle, *nudge.Person) {
	t.Helper()
	x := setup(t, b, "2026-11-30T14:00:00Z")
	rep := &nudge.User{Email: "sam@us.example", Name: "Sam Rep", Role: nudge.UserRep, TimeZone: "America/New_York", Country: "US"}
	if err := x.db.CreateUser(x.ctx, rep); err != nil {
		t.Fatal(err)
	}
	p := &nudge.Person{Name: "Jerry Seinfeld", Email: "jerry@example.com", TimeZone: "America/New_York", Country: "US",
		OwnerID: rep.ID, Status: nudge.StatusProspect}
	if err := x.db.CreatePerson(x.ctx, p); err != nil {
		t.Fatal(err)
	}
	if _, err := x.svc.RunOnce(x.ctx); err != nil {
		t.Fatal(err)
	}
	return x, p
}

func day(t *testing.T, s string) time.Time {
	t.Helper()
	return mustTime(t, s+"T17:00:00-05:00")
}

func labourLine(t *testing.T, personID int64) *nudge.ValueLine {
	return &nudge.ValueLine{PersonID: personID, Name: "labour cost", Unit: "USD/month", Direction: nudge.LowerIsBetter,
		Baseline: 4200, BaselineAt: day(t, "2026-11-02"), Goal: 3000, GoalBy: day(t, "2027-06-30")}
}

func enrollments(t *testing.T, x *bundle, personID int64) string {
	t.Helper()
	es, err := x.db.FindEnrollments(x.ctx, personID)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, e := range es {
		s = append(s, e.Cadence+":"+string(e.State))
	}
	return strings.Join(s, " ")
}

func TestValueLineNeedsACustomer(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x, p := valueBook(t, b)
		_, err := x.svc.AddValueLine(x.ctx, labourLine(t, p.ID))
		if e, ok := err.(*nudge.Error); !ok || e.Code != nudge.EINVALID || e.Field != "person" || !strings.Contains(e.Message, "Jerry Seinfeld is a prospect") {
			t.Fatalf("a prospect without a won deal: %v", err)
		}
		if ls, _, _ := x.db.FindValueLines(x.ctx, p.ID); len(ls) != 0 {
			t.Fatalf("stored %d lines", len(ls))
		}
	})
}

// TestValueInventory follows F2 through: a won deal, a value line with its
// baseline and goal, the value-check enrolment, re-measurements, a met goal
// proposing other areas to help, then a goal whose date passes unmet
// proposing a "why not" conversation — each on Today with rule F2.
func TestValueInventory(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x, p := valueBook(t, b)
		if err := x.db.CreateDeal(x.ctx, &nudge.Deal{PersonID: p.ID, Title: "40 seats", ValueCents: 4_800_000, Stage: nudge.StageWon}); err != nil {
			t.Fatal(err)
		}
		ch, err := x.svc.AddValueLine(x.ctx, labourLine(t, p.ID))
		if err != nil {
			t.Fatal(err)
		}
		if !ch.Enrolled || ch.Proposed != nil || ch.Line.Status != nudge.ValueOnTrack || ch.Line.Progress != 0 {
			t.Fatalf("add: %+v", ch)
		}
		// value-check runs beside the prospect's cadence: its first step is
		// the re-measurement a month on.
		if got := enrollments(t, x, p.ID); got != "3-2-4:active value-check:active" {
			t.Fatalf("enrollments: %s", got)
		}
		r, err := x.svc.ValueReport(x.ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Customer || r.NextCheck == nil || r.NextCheck.Rule != "F2" || r.NextCheck.StepID != "month-1" || !strings.HasPrefix(r.NextCheck.Due, "2026-12-30T") {
			t.Fatalf("report: customer %v, next check %+v", r.Customer, r.NextCheck)
		}
		// A second line of the same name is refused; a second line is not
		// a second enrolment.
		if _, err := x.svc.AddValueLine(x.ctx, labourLine(t, p.ID)); nudge.ErrorCode(err) != nudge.ECONFLICT {
			t.Fatalf("duplicate: %v", err)
		}
		orders := &nudge.ValueLine{PersonID: p.ID, Name: "orders a day", Direction: nudge.HigherIsBetter,
			Baseline: 40, BaselineAt: day(t, "2026-11-02"), Goal: 60, GoalBy: day(t, "2026-12-31")}
		if ch, err := x.svc.AddValueLine(x.ctx, orders); err != nil || ch.Enrolled {
			t.Fatalf("second line: %+v %v", ch, err)
		}

		// Two thirds of the way: on track, nothing proposed.
		ch, err = x.svc.Measure(x.ctx, p.ID, "Labour Cost", &nudge.Measurement{Value: 3400, At: day(t, "2026-11-27"), Note: "two shifts merged"})
		if err != nil {
			t.Fatal(err)
		}
		if ch.Line.Progress != 66.7 || ch.Line.Status != nudge.ValueOnTrack || ch.Proposed != nil {
			t.Fatalf("measure 3400: %+v", ch)
		}
		// The scheduled re-measurement names every line sold, with its
		// baseline, goal and latest figure (F2), and follows each new
		// measurement.
		check := valueCheckTask(t, x, p.ID)
		for _, s := range []string{"Jerry, this is Sam Rep", "F2: measure with them where each goal agreed stands:\n" +
			"- labour cost: baseline 4200 USD/month (2 Nov 2026), goal 3000 by 30 Jun 2027, measured 3400 on 27 Nov 2026 — 66.7% of the way\n" +
			"- orders a day: baseline 40 (2 Nov 2026), goal 60 by 31 Dec 2026, not measured since\n"} {
			if !strings.Contains(check.Script, s) {
				t.Errorf("value-check script lacks %q:\n%s", s, check.Script)
			}
		}
		if _, err := x.svc.Measure(x.ctx, p.ID, "headcount", &nudge.Measurement{Value: 1}); nudge.ErrorCode(err) != nudge.ENOTFOUND ||
			!strings.Contains(err.Error(), `lines: "labour cost", "orders a day"`) {
			t.Fatalf("unknown line: %v", err)
		}
		if _, err := x.svc.Measure(x.ctx, p.ID, "labour cost", &nudge.Measurement{Value: 3300, At: day(t, "2026-12-25")}); nudge.ErrorCode(err) != nudge.EINVALID {
			t.Fatalf("a measurement in the future: %v", err)
		}

		// Goal met: other areas to help, on Today the next business day.
		ch, err = x.svc.Measure(x.ctx, p.ID, "labour cost", &nudge.Measurement{Value: 2900})
		if err != nil {
			t.Fatal(err)
		}
		met := ch.Proposed
		if ch.Line.Status != nudge.ValueMet || ch.Line.Progress != 108.3 || met == nil {
			t.Fatalf("measure 2900: %+v", ch)
		}
		if met.Rule != "F2" || met.Channel != nudge.ChannelCall || met.Cadence != "value-review" || met.StepID != "met" ||
			local(t, met.Due, "America/New_York") != "2026-12-01T09:00:00-05:00" {
			t.Errorf("proposal: %+v", met)
		}
		if want := "goal met — labour cost at 2900 USD/month against a goal of 3000 by 30 Jun 2027 (108.3% of the way): remind them of the value, look for other areas to help"; met.Reason != want {
			t.Errorf("reason %q\nwant   %q", met.Reason, want)
		}
		// G2: the proposal counts against the caps of Jerry's cadences. He
		// asks to be called back on its day (E2): the call moves a day on.
		var prospecting nudge.Task
		for _, tk := range x.open(t, p.ID) {
			if tk.Cadence == "3-2-4" {
				prospecting = tk.Task
			}
		}
		if err := x.svc.Snooze(x.ctx, prospecting.ID, mustTime(t, "2026-12-01T08:00:00-05:00")); err != nil {
			t.Fatal(err)
		}
		for _, tk := range x.open(t, p.ID) {
			if tk.Cadence == "3-2-4" && (!strings.HasPrefix(local(t, tk.Due, "America/New_York"), "2026-12-02T") || !strings.Contains(tk.Guard, "G2")) {
				t.Errorf("the call back on the proposal's day: due %s (%s)", local(t, tk.Due, "America/New_York"), tk.Guard)
			}
		}
		for _, s := range []string{"- labour cost: baseline 4200 USD/month (2 Nov 2026), goal 3000 by 30 Jun 2027, measured 2900 on 30 Nov 2026 — 108.3% of the way.",
			"other parts of their organisation", "Open the call as always (D1):", "Jerry"} {
			if !strings.Contains(met.Script, s) {
				t.Errorf("script lacks %q:\n%s", s, met.Script)
			}
		}
		// Measuring again in the same status proposes nothing more.
		if ch, err := x.svc.Measure(x.ctx, p.ID, "labour cost", &nudge.Measurement{Value: 2800}); err != nil || ch.Proposed != nil {
			t.Fatalf("met again: %+v %v", ch, err)
		}

		// The orders goal passes unmet: the scheduler proposes why not.
		x.clock.Set(mustTime(t, "2027-01-04T14:00:00Z")) // Monday
		if _, err := x.svc.RunOnce(x.ctx); err != nil {
			t.Fatal(err)
		}
		n, err := x.svc.ReviewValues(x.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("ReviewValues after RunOnce reviewed %d customers again", n)
		}
		today, err := x.svc.Today(x.ctx, nil, mustTime(t, "2027-01-05T23:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		var reasons []string
		for _, tk := range today {
			if tk.Rule == "F2" && tk.Cadence == "value-review" {
				reasons = append(reasons, tk.StepID+": "+tk.Reason)
			}
		}
		want := []string{
			// The reason says what was true when it was proposed.
			"met: goal met — labour cost at 2900 USD/month against a goal of 3000 by 30 Jun 2027 (108.3% of the way): remind them of the value, look for other areas to help",
			"missed: goal missed — orders a day at 40 against a goal of 60 by 31 Dec 2026 (0% of the way): a \"why not\" conversation, a chance to sell more",
		}
		if strings.Join(reasons, "\n") != strings.Join(want, "\n") {
			t.Errorf("Today's F2 tasks:\n%s\nwant:\n%s", strings.Join(reasons, "\n"), strings.Join(want, "\n"))
		}
		r, err = x.svc.ValueReport(x.ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range r.Lines {
			got = append(got, l.Line.Name+" "+nudge.FormatValue(l.Progress)+"% "+string(l.Status))
		}
		if strings.Join(got, ", ") != "labour cost 116.7% met, orders a day 0% missed" || len(r.Proposals) != 2 {
			t.Errorf("report: %s; %d proposals", strings.Join(got, ", "), len(r.Proposals))
		}
		// The chart has the report's numbers: each line's progress, and the
		// dashed path to its goal.
		c := r.Chart()
		var pts []string
		for _, pt := range c.Series[0].Points {
			pts = append(pts, pt.At.Format("2006-01-02")+"="+nudge.FormatValue(pt.Value))
		}
		if len(c.Series) != 4 || c.Series[0].Name != "labour cost" || c.Series[0].Dashed || !c.Series[1].Dashed ||
			strings.Join(pts, " ") != "2026-11-02=0 2026-11-27=66.7 2026-11-30=108.3 2026-11-30=116.7" ||
			c.Series[3].Points[1].Value != 100 || !c.Series[3].Points[1].At.Equal(orders.GoalBy) {
			t.Errorf("chart: %d series, %+v; labour points %s", len(c.Series), c.Series, strings.Join(pts, " "))
		}
		// Doing the proposal is a touch like any other.
		var whyNot int64
		for _, tk := range today {
			if tk.StepID == "missed" {
				whyNot = tk.ID
			}
		}
		if _, err := x.svc.Done(x.ctx, whyNot, followup.Result{Outcome: nudge.OutcomeConnected,
			Note: nudge.WIN{What: "orders flat", Insights: "the night shift never got training", NextSteps: "quote training days"}}); err != nil {
			t.Fatal(err)
		}
	})
}

// valueCheckTask returns the person's open value-check task.
func valueCheckTask(t *testing.T, x *bundle, personID int64) nudge.Task {
	t.Helper()
	ts := x.open(t, personID)
	for _, tk := range ts {
		if tk.Cadence == "value-check" {
			return tk.Task
		}
	}
	t.Fatalf("no open value-check task among %d", len(ts))
	return nudge.Task{}
}

// G1: a customer who asked to stop gets no proposal, and no value-check.
func TestValueProposalRespectsG1(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x, p := valueBook(t, b)
		st := nudge.StatusCustomer
		if _, err := x.db.UpdatePerson(x.ctx, p.ID, nudge.PersonUpdate{Status: &st}); err != nil {
			t.Fatal(err)
		}
		if err := x.db.SetDoNotContact(x.ctx, p.ID, true, "asked to stop"); err != nil {
			t.Fatal(err)
		}
		ch, err := x.svc.AddValueLine(x.ctx, labourLine(t, p.ID))
		if err != nil {
			t.Fatal(err)
		}
		if ch.Enrolled || !strings.Contains(ch.Note, "G1") {
			t.Errorf("add for a G1 person: %+v", ch)
		}
		ch, err = x.svc.Measure(x.ctx, p.ID, "labour cost", &nudge.Measurement{Value: 2900})
		if err != nil {
			t.Fatal(err)
		}
		if ch.Proposed != nil || ch.Line.Status != nudge.ValueMet || !strings.Contains(ch.Note, "G1") {
			t.Errorf("measure for a G1 person: %+v", ch)
		}
		if rows := x.open(t, p.ID); len(rows) != 0 {
			t.Errorf("open tasks: %+v", rows)
		}
	})
}

func TestClean(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x := setup(t, b, "2026-11-30T14:00:00Z")
		a := x.person(t, "Ann Alpha", "ann@example.com", "America/New_York", "US")
		bb := x.person(t, "Bob Beta", "bob@example.com", "America/New_York", "US")
		c := x.person(t, "Cy Gamma", "cy@example.com", "America/New_York", "US")
		if _, err := x.svc.RunOnce(x.ctx); err != nil {
			t.Fatal(err)
		}
		// An unknown id among the people: nothing changes for anyone.
		if _, err := x.svc.Clean(x.ctx, nudge.CleanDrop, []int64{a.ID, 99999}); nudge.ErrorCode(err) != nudge.ENOTFOUND {
			t.Fatalf("unknown id: %v", err)
		}
		if got := enrollments(t, x, a.ID); got != "3-2-4:active" {
			t.Fatalf("after the failed bulk action: %s", got)
		}
		if _, err := x.svc.Clean(x.ctx, "delete", []int64{a.ID}); nudge.ErrorCode(err) != nudge.EINVALID {
			t.Fatalf("unknown action: %v", err)
		}
		n, err := x.svc.Clean(x.ctx, nudge.CleanDrip, []int64{a.ID, bb.ID})
		if err != nil || n != 2 {
			t.Fatalf("drip: %d, %v", n, err)
		}
		n, err = x.svc.Clean(x.ctx, nudge.CleanDrop, []int64{bb.ID, c.ID})
		if err != nil || n != 2 {
			t.Fatalf("drop: %d, %v", n, err)
		}
		for _, tt := range []struct {
			p           *nudge.Person
			status      nudge.PersonStatus
			enrollments string
		}{
			{a, nudge.StatusProspect, "3-2-4:exited drip:active"},
			{bb, nudge.StatusDisqualified, "3-2-4:exited drip:active"}, // dropped while in the drip: it stays
			{c, nudge.StatusDisqualified, "3-2-4:exited drip:active"},
		} {
			got, err := x.db.FindPersonByID(x.ctx, tt.p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.status || enrollments(t, x, tt.p.ID) != tt.enrollments {
				t.Errorf("%s: %s, %s; want %s, %s", tt.p.Name, got.Status, enrollments(t, x, tt.p.ID), tt.status, tt.enrollments)
			}
		}
		es, _ := x.db.FindEnrollments(x.ctx, c.ID)
		if es[0].ExitReason != "disqualified" {
			t.Errorf("dropped: exit reason %q", es[0].ExitReason)
		}
		es, _ = x.db.FindEnrollments(x.ctx, a.ID)
		if es[0].ExitReason != "moved to drip (F3)" || es[1].Rule != "F1" {
			t.Errorf("dripped: %+v", es)
		}
		// The drip's first touch is a month out, planned as usual.
		if tk := x.only(t, a.ID); tk.Rule != "F1" || tk.Cadence != "drip" {
			t.Errorf("drip task: %+v", tk.Task)
		}
		// Again: nothing left to do.
		if n, err := x.svc.Clean(x.ctx, nudge.CleanDrip, []int64{a.ID}); err != nil || n != 0 {
			t.Errorf("drip again: %d, %v", n, err)
		}
	})
}
