package followup_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
)

func (x *bundle) user(t *testing.T, email, tz string) *nudge.User {
	t.Helper()
	u := &nudge.User{Email: email, Name: strings.Split(email, "@")[0], Role: nudge.UserRep, TimeZone: tz}
	if err := x.db.CreateUser(x.ctx, u); err != nil {
		t.Fatal(err)
	}
	return u
}

// owned creates a prospect owned by rep.
func (x *bundle) owned(t *testing.T, rep *nudge.User, name, tz string, loc nudge.Location) *nudge.Person {
	t.Helper()
	p := &nudge.Person{Name: name, Email: strings.ToLower(strings.ReplaceAll(name, " ", ".")) + "@prospect.example", TimeZone: tz, Country: "US",
		Status: nudge.StatusProspect, OwnerID: rep.ID, Location: loc, PainGain: "month-end close takes 9 days"}
	if err := x.db.CreatePerson(x.ctx, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// record stores a past touch without settling (as an import or the API would).
func (x *bundle) record(t *testing.T, p *nudge.Person, at time.Time, ch nudge.Channel, dir nudge.Direction, o nudge.Outcome) {
	t.Helper()
	if err := x.db.CreateInteraction(x.ctx, &nudge.Interaction{PersonID: p.ID, Channel: ch, Direction: dir, Outcome: o, At: at}, nil); err != nil {
		t.Fatal(err)
	}
}

func (x *bundle) today(t *testing.T, rep *nudge.User) []nudge.TaskView {
	t.Helper()
	loc, _ := time.LoadLocation(rep.TimeZone)
	tasks, err := x.svc.Today(x.ctx, &rep.ID, x.svc.EndOfDay(loc))
	if err != nil {
		t.Fatal(err)
	}
	return tasks
}

func (x *bundle) carr(t *testing.T, p *nudge.Person) nudge.CARRPhase {
	t.Helper()
	ph, err := x.db.FindCARR(x.ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	return ph
}

// G4: the stored phase follows the touches as the engine settles the
// person; phases never computed are filled by the refresh.
func TestCARRKeptOnSettle(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x := setup(t, b, "2026-11-30T14:00:00Z")
		rep := x.user(t, "rep@us.example", "America/New_York")
		p := x.owned(t, rep, "Jerry Seinfeld", "America/New_York", nudge.Location{})
		if _, err := x.svc.RunOnce(x.ctx); err != nil {
			t.Fatal(err)
		}
		if got := x.carr(t, p); got != nudge.CARRCuriosity {
			t.Fatalf("a new prospect is at %q, want curiosity", got)
		}
		now := x.clock.Now()
		for d, ch := range []nudge.Channel{nudge.ChannelEmail, nudge.ChannelCall, nudge.ChannelEmail} {
			err := x.svc.Log(x.ctx, &nudge.Interaction{PersonID: p.ID, UserID: rep.ID, Channel: ch, Outcome: nudge.OutcomeSent, At: now.AddDate(0, 0, -6+3*d)}, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := nudge.CARRCuriosity
			if d == 2 {
				want = nudge.CARRAnnoyance // three unanswered within 14 days
			}
			if got := x.carr(t, p); got != want {
				t.Errorf("after touch %d: %q, want %q", d+1, got, want)
			}
		}
		if err := x.svc.Log(x.ctx, &nudge.Interaction{PersonID: p.ID, Channel: nudge.ChannelEmail, Direction: nudge.Inbound, Outcome: nudge.OutcomeReplied, At: now}, nil); err != nil {
			t.Fatal(err)
		}
		if got := x.carr(t, p); got != nudge.CARRRespect {
			t.Errorf("after their reply: %q, want respect", got)
		}
		c, err := x.svc.CARR(x.ctx, p.ID)
		if err != nil || c.Phase != nudge.CARRRespect || c.Why != "they answered on Mon 30 Nov 2026 after 3 unanswered touches on 2 channels: persistence that stayed different earned respect" {
			t.Errorf("CARR = %+v, %v", c, err)
		}

		// A person stored with history but never settled has no phase
		// until the refresh; the refresh leaves computed ones alone.
		q := x.owned(t, rep, "Elaine Benes", "America/New_York", nudge.Location{})
		for _, d := range []int{9, 6, 3, 1, 0} {
			x.record(t, q, now.AddDate(0, 0, -d), nudge.ChannelCall, nudge.Outbound, nudge.OutcomeNoAnswer)
		}
		if got := x.carr(t, q); got != "" {
			t.Fatalf("before the refresh: %q", got)
		}
		n, err := x.svc.RefreshCARR(x.ctx, false)
		if err != nil || n != 1 {
			t.Fatalf("RefreshCARR = %d, %v; want 1 person", n, err)
		}
		if got := x.carr(t, q); got != nudge.CARRAnnoyance {
			t.Errorf("Elaine after the refresh: %q, want annoyance", got)
		}
		if n, err := x.svc.RefreshCARR(x.ctx, true); err != nil || n != 2 {
			t.Errorf("RefreshCARR(all) = %d, %v; want 2", n, err)
		}
	})
}

// E6: each reason puts its technique on the rep's Today, with rule E6, the
// technique and why in the reason, and the technique's words as the script.
func TestQuietReasonTechniques(t *testing.T) {
	want := map[nudge.QuietReason]struct {
		channel nudge.Channel
		script  string
	}{
		nudge.ReasonFear:            {nudge.ChannelEmail, "to say no"},
		nudge.ReasonTooBusy:         {nudge.ChannelEmail, "15 minutes"},
		nudge.ReasonNoUrgency:       {nudge.ChannelCall, "what does that mean for you and your team?"},
		nudge.ReasonNoValue:         {nudge.ChannelCall, "something has changed that matters for “month-end close takes 9 days”"},
		nudge.ReasonUsingYou:        {nudge.ChannelCall, "Before I do, could we agree on what happens once you have it"},
		nudge.ReasonNoCommitment:    {nudge.ChannelCall, "Which works better for you, Tuesday or Thursday?"},
		nudge.ReasonGenericTooEarly: {nudge.ChannelCall, "what problems are you trying to solve, what opportunities do you see"},
		nudge.ReasonNoAgenda:        {nudge.ChannelEmail, "next steps, if a"},
	}
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x := setup(t, b, "2026-11-30T14:00:00Z") // Monday 09:00 in New York
		rep := x.user(t, "rep@us.example", "America/New_York")
		for _, r := range nudge.QuietReasons {
			p := x.owned(t, rep, "Jerry "+string(r), "America/New_York", nudge.Location{})
			if _, err := x.svc.RunOnce(x.ctx); err != nil {
				t.Fatal(err)
			}
			q, err := x.svc.RecordQuietReason(x.ctx, nudge.QuietNote{PersonID: p.ID, Reason: r, Note: "my guess", UserID: rep.ID})
			if err != nil {
				t.Fatalf("%s: %v", r, err)
			}
			tech, _ := r.Technique()
			task := q.Task
			if task == nil || q.Stopped != "" {
				t.Fatalf("%s: no task (%q)", r, q.Stopped)
			}
			w := want[r]
			if task.Rule != "E6" || task.Cadence != "e6-"+string(r) || task.Channel != w.channel || task.Due != "2026-11-30T09:00:00-05:00" ||
				task.Reason != fmt.Sprintf("%s (E6): %s (%s), because %s", tech.Label, tech.Name, tech.Rules, tech.Why) || !strings.Contains(task.Script, w.script) {
				t.Errorf("%s: task %s %s %s due %s, reason %q\nscript %q\nwant rule E6, %s now, the technique %q, a script with %q",
					r, task.Rule, task.Cadence, task.Channel, task.Due, task.Reason, task.Script, w.channel, tech.Name, w.script)
			}
			// The technique is the next step: the 3-2-4 touch made way for it.
			if open := x.open(t, p.ID); len(open) != 1 || open[0].ID != task.ID {
				t.Errorf("%s: open tasks %+v, want only the technique", r, open)
			}
			onToday := slices.ContainsFunc(x.today(t, rep), func(v nudge.TaskView) bool { return v.ID == task.ID })
			if !onToday {
				t.Errorf("%s: the technique is not on the rep's Today", r)
			}
			got, err := x.svc.QuietReason(x.ctx, p)
			if err != nil || got.Note.Reason != r || got.Note.Note != "my guess" || got.Technique != tech || got.Task == nil || got.Task.ID != task.ID {
				t.Errorf("%s: QuietReason = %+v, %v", r, got, err)
			}
		}
	})
}

// E6: recording another reason replaces the first and its technique;
// the same reason again changes nothing; once the technique is done the
// patient cadence follows (B2).
func TestQuietReasonReplaces(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x := setup(t, b, "2026-11-30T14:00:00Z")
		rep := x.user(t, "rep@us.example", "America/New_York")
		p := x.owned(t, rep, "Jerry Seinfeld", "America/New_York", nudge.Location{})
		if _, err := x.svc.RunOnce(x.ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := x.svc.RecordQuietReason(x.ctx, nudge.QuietNote{PersonID: p.ID, Reason: nudge.ReasonFear, UserID: rep.ID}); err != nil {
			t.Fatal(err)
		}
		q, err := x.svc.RecordQuietReason(x.ctx, nudge.QuietNote{PersonID: p.ID, Reason: nudge.ReasonTooBusy, Note: "year-end", UserID: rep.ID})
		if err != nil {
			t.Fatal(err)
		}
		again, err := x.svc.RecordQuietReason(x.ctx, nudge.QuietNote{PersonID: p.ID, Reason: nudge.ReasonTooBusy, Note: "year-end, surely", UserID: rep.ID})
		if err != nil {
			t.Fatal(err)
		}
		open := x.open(t, p.ID)
		if len(open) != 1 || open[0].Cadence != "e6-too-busy" || q.Task == nil || again.Task == nil || again.Task.ID != q.Task.ID || open[0].ID != q.Task.ID {
			t.Fatalf("open tasks %+v (first too-busy task %+v, again %+v); want the one too-busy task, kept", open, q.Task, again.Task)
		}
		note, err := x.db.FindQuietNote(x.ctx, p.ID)
		if err != nil || note.Reason != nudge.ReasonTooBusy || note.Note != "year-end, surely" {
			t.Errorf("stored reason %+v, %v", note, err)
		}
		ens, err := x.db.FindEnrollments(x.ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		var states []string
		for _, e := range ens {
			states = append(states, fmt.Sprintf("%s %s %s", e.Cadence, e.State, e.ExitReason))
		}
		wantStates := []string{"3-2-4 exited E6: fear recorded", "e6-fear exited E6: too-busy recorded", "e6-too-busy active "}
		if !slices.Equal(states, wantStates) {
			t.Errorf("enrollments %q, want %q", states, wantStates)
		}
		// The email is sent: the technique is done and B2's patient cadence follows.
		if _, err := x.svc.Done(x.ctx, open[0].ID, followup.Result{Outcome: nudge.OutcomeSent}); err != nil {
			t.Fatal(err)
		}
		next := x.only(t, p.ID)
		if next.Cadence != "patient" || next.Rule != "B2" {
			t.Errorf("after the technique: %s %s, want the patient cadence (B2)", next.Cadence, next.Rule)
		}
	})
}

// G1: a person who may not be contacted gets the reason recorded and no
// technique; marking them afterwards takes the technique off Today.
func TestQuietReasonG1(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x := setup(t, b, "2026-11-30T14:00:00Z")
		rep := x.user(t, "rep@us.example", "America/New_York")
		stopped := x.owned(t, rep, "Newman", "America/New_York", nudge.Location{})
		later := x.owned(t, rep, "Kramer", "America/New_York", nudge.Location{})
		if _, err := x.svc.RunOnce(x.ctx); err != nil {
			t.Fatal(err)
		}
		if err := x.db.SetDoNotContact(x.ctx, stopped.ID, true, "asked to stop"); err != nil {
			t.Fatal(err)
		}
		q, err := x.svc.RecordQuietReason(x.ctx, nudge.QuietNote{PersonID: stopped.ID, Reason: nudge.ReasonFear, UserID: rep.ID})
		if err != nil {
			t.Fatal(err)
		}
		if q.Task != nil || q.Stopped != "G1: do not contact (asked to stop)" || len(x.open(t, stopped.ID)) != 0 {
			t.Errorf("do-not-contact: task %+v, stopped %q; want no task, G1", q.Task, q.Stopped)
		}
		if _, err := x.db.FindQuietNote(x.ctx, stopped.ID); err != nil {
			t.Errorf("the reason was not recorded: %v", err)
		}
		q, err = x.svc.RecordQuietReason(x.ctx, nudge.QuietNote{PersonID: later.ID, Reason: nudge.ReasonNoValue, UserID: rep.ID})
		if err != nil || q.Task == nil {
			t.Fatalf("Kramer: %+v, %v", q, err)
		}
		if err := x.db.SetDoNotContact(x.ctx, later.ID, true, "said no"); err != nil {
			t.Fatal(err)
		}
		if err := x.svc.Settle(x.ctx, later.ID); err != nil {
			t.Fatal(err)
		}
		if tasks := x.today(t, rep); len(tasks) != 0 {
			t.Errorf("Today after G1: %+v, want nothing", tasks)
		}
		got, err := x.svc.QuietReason(x.ctx, &nudge.Person{ID: later.ID, DoNotContact: true})
		if err != nil || got.Task != nil || got.Stopped == "" {
			t.Errorf("QuietReason after G1: %+v, %v", got, err)
		}
		if _, err := x.svc.RecordQuietReason(x.ctx, nudge.QuietNote{PersonID: later.ID, Reason: "bored"}); nudge.ErrorCode(err) != nudge.EINVALID {
			t.Errorf("unknown reason: %v", err)
		}
	})
}

// The cities of E7's example, city-hall coordinates.
var (
	newport   = nudge.Location{City: "Newport Beach", Lat: 33.6189, Lon: -117.9298, HasCoords: true}
	irvine    = nudge.Location{City: "Irvine", Lat: 33.6846, Lon: -117.8265, HasCoords: true}
	longBeach = nudge.Location{City: "Long Beach", Lat: 33.7701, Lon: -118.1937, HasCoords: true}
	la        = nudge.Location{City: "Los Angeles", Lat: 34.0522, Lon: -118.2437, HasCoords: true}
	sanDiego  = nudge.Location{City: "San Diego", Lat: 32.7157, Lon: -117.1611, HasCoords: true}
)

// E7: a visit in Newport Beach proposes the rep's own quiet prospects
// within 25 km (Irvine, 12.0 km), not those farther (Long Beach 29.6, Los
// Angeles 56.2, San Diego 123.3 km), another rep's, one who may not be
// contacted or one who answered last week; accepting plans the visit
// through the engine.
func TestNearby(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x := setup(t, b, "2026-11-30T17:00:00Z") // Monday 09:00 in Los Angeles
		const zone = "America/Los_Angeles"
		a, c := x.user(t, "a@us.example", zone), x.user(t, "c@us.example", zone)
		host := x.owned(t, a, "Host Newport", zone, newport)
		quiet := x.owned(t, a, "Irvine Quiet", zone, irvine)
		x.owned(t, a, "Irvine Untouched", zone, irvine)
		dnc := x.owned(t, a, "Irvine Stopped", zone, irvine)
		answered := x.owned(t, a, "Irvine Answered", zone, irvine)
		lb := x.owned(t, a, "Long Beach", zone, longBeach)
		far := x.owned(t, a, "Los Angeles", zone, la)
		sd := x.owned(t, a, "San Diego", zone, sanDiego)
		others := x.owned(t, c, "Irvine Of Rep C", zone, irvine)
		month := x.clock.Now().AddDate(0, 0, -30)
		for _, p := range []*nudge.Person{quiet, dnc, answered, lb, far, sd, others} {
			x.record(t, p, month, nudge.ChannelEmail, nudge.Outbound, nudge.OutcomeSent)
		}
		x.record(t, answered, x.clock.Now().AddDate(0, 0, -7), nudge.ChannelCall, nudge.Outbound, nudge.OutcomeConnected)
		if err := x.db.SetDoNotContact(x.ctx, dnc.ID, true, "asked to stop"); err != nil {
			t.Fatal(err)
		}
		loc, _ := time.LoadLocation(zone)
		visitAt := time.Date(2026, 12, 1, 10, 0, 0, 0, loc) // Tuesday 10:00
		visit := &nudge.Appointment{PersonID: host.ID, At: visitAt, Kind: nudge.AppointmentVisit, Minutes: 45, Place: "Acme HQ, Newport Beach"}
		if err := x.svc.AddAppointment(x.ctx, visit); err != nil {
			t.Fatal(err)
		}
		call := &nudge.Appointment{PersonID: lb.ID, At: visitAt.Add(3 * time.Hour), Kind: nudge.AppointmentCall}
		if err := x.svc.AddAppointment(x.ctx, call); err != nil {
			t.Fatal(err)
		}
		if _, err := x.svc.RunOnce(x.ctx); err != nil {
			t.Fatal(err)
		}
		day := followup.NearbyOptions{RepID: &a.ID, From: time.Date(2026, 12, 1, 0, 0, 0, 0, loc), Until: time.Date(2026, 12, 2, 0, 0, 0, 0, loc)}
		list := func(o followup.NearbyOptions) string {
			t.Helper()
			vs, err := x.svc.Nearby(x.ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, v := range vs {
				line := fmt.Sprintf("%s@%s:", v.Host, v.Place)
				for _, n := range v.Nearby {
					line += fmt.Sprintf(" %s %.1f", n.Person, n.Km)
					if n.Accepted {
						line += " accepted"
					}
				}
				s = append(s, line)
			}
			return strings.Join(s, "; ")
		}
		if got, want := list(day), "Host Newport@Acme HQ, Newport Beach: Irvine Quiet 12.0"; got != want {
			t.Errorf("within 25 km:\n got %s\nwant %s", got, want)
		}
		wide := day
		wide.Km = 60
		if got, want := list(wide), "Host Newport@Acme HQ, Newport Beach: Irvine Quiet 12.0 Long Beach 29.6 Los Angeles 56.2"; got != want {
			t.Errorf("within 60 km:\n got %s\nwant %s", got, want)
		}
		everyone := day
		everyone.RepID = nil
		if got, want := list(everyone), "Host Newport@Acme HQ, Newport Beach: Irvine Quiet 12.0"; got != want {
			t.Errorf("every rep's meetings: got %s, want %s (rep C's prospect is not rep A's)", got, want)
		}
		otherDay := day
		otherDay.From, otherDay.Until = day.Until, day.Until.AddDate(0, 0, 1)
		if got := list(otherDay); got != "" {
			t.Errorf("the next day: %s, want no meeting", got)
		}
		if _, err := x.svc.Nearby(x.ctx, followup.NearbyOptions{From: day.From, Until: day.Until, Km: -3}); nudge.ErrorCode(err) != nudge.EINVALID {
			t.Errorf("km -3: %v", err)
		}

		// Rep C's prospect, one too far, a call appointment: refused.
		for _, bad := range []struct {
			person, appt int64
			code         string
		}{{others.ID, visit.ID, nudge.EINVALID}, {lb.ID, visit.ID, nudge.EINVALID}, {quiet.ID, call.ID, nudge.EINVALID}, {quiet.ID, 999999, nudge.ENOTFOUND}} {
			if _, err := x.svc.AcceptNearby(x.ctx, bad.person, bad.appt, followup.NearbyOptions{}); nudge.ErrorCode(err) != bad.code {
				t.Errorf("accept person %d at appointment %d: %v, want %s", bad.person, bad.appt, err, bad.code)
			}
		}
		task, err := x.svc.AcceptNearby(x.ctx, quiet.ID, visit.ID, followup.NearbyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if task == nil || task.Rule != "E7" || task.Channel != nudge.ChannelVisit || task.Cadence != "in-the-area" || task.Due != "2026-12-01T10:45:00-08:00" ||
			!strings.Contains(task.Script, "I was visiting a client just down the street from you today") {
			t.Fatalf("accepted: %+v; want the E7 visit at 10:45 on Tuesday, right after the meeting", task)
		}
		if open := x.open(t, quiet.ID); len(open) != 1 || open[0].ID != task.ID {
			t.Errorf("open tasks of the prospect: %+v, want only the visit", open)
		}
		if got, want := list(day), "Host Newport@Acme HQ, Newport Beach: Irvine Quiet 12.0 accepted"; got != want {
			t.Errorf("after accepting: got %s, want %s", got, want)
		}
		if _, err := x.svc.AcceptNearby(x.ctx, quiet.ID, visit.ID, followup.NearbyOptions{}); nudge.ErrorCode(err) != nudge.ECONFLICT {
			t.Errorf("accepting twice: %v, want ECONFLICT", err)
		}
		// The visit is on Today on Tuesday, the day of the meeting.
		x.clock.Set(time.Date(2026, 12, 1, 8, 0, 0, 0, loc))
		if !slices.ContainsFunc(x.today(t, a), func(v nudge.TaskView) bool { return v.ID == task.ID }) {
			t.Errorf("the E7 visit is not on rep A's Today on the day of the meeting")
		}
		// G1 after accepting: the visit is gone.
		if err := x.db.SetDoNotContact(x.ctx, quiet.ID, true, "said no"); err != nil {
			t.Fatal(err)
		}
		if got := x.open(t, quiet.ID); len(got) != 0 {
			t.Errorf("after G1: %+v", got)
		}
		if got, want := list(day), "Host Newport@Acme HQ, Newport Beach:"; got != want {
			t.Errorf("after G1: got %s, want %s", got, want)
		}
	})
}

// A meeting whose place has no coordinates says so instead of guessing.
func TestNearbyWithoutCoordinates(t *testing.T) {
	x := setup(t, testdb.SQLite(t), "2026-11-30T17:00:00Z")
	a := x.user(t, "a@us.example", "America/Los_Angeles")
	host := x.owned(t, a, "Host Nowhere", "America/Los_Angeles", nudge.Location{City: "Newport Beach"})
	if err := x.svc.AddAppointment(x.ctx, &nudge.Appointment{PersonID: host.ID, At: x.clock.Now().Add(time.Hour), Kind: nudge.AppointmentVisit}); err != nil {
		t.Fatal(err)
	}
	vs, err := x.svc.Nearby(x.ctx, followup.NearbyOptions{RepID: &a.ID, From: x.clock.Now(), Until: x.clock.Now().AddDate(0, 0, 1)})
	if err != nil || len(vs) != 1 || vs[0].Note != "Host Nowhere has no coordinates: record their latitude and longitude (A9) to find prospects nearby" || vs[0].Place != "Newport Beach" {
		t.Errorf("Nearby = %+v, %v", vs, err)
	}
}
