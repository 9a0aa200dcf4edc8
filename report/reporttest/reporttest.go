// Package reporttest loads the hand-made book the report tests count: three
// reps in two teams, 27 people with known touches, deals and done tasks, and
// people placed exactly on the period's boundaries. The expected figures are
// worked out by hand in the tests (store/report_test.go) from the table
// below.
package reporttest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/store"
)

// Now is the fixture's current instant; the default period is the 90 days
// before it: [From, Now).
var (
	Now  = time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	From = Now.Add(-90 * 24 * time.Hour) // 2026-09-01 14:00 UTC
)

// Fixture is the loaded book.
type Fixture struct {
	Users  map[string]*nudge.User   // admin, mia (manager of East), ann, bob (East), cy (West)
	Teams  map[string]*nudge.Team   // East, West
	People map[string]*nudge.Person // by key, a1 … u1
}

// person is one line of the book. Touches are "MM-DD[ HH:MM] kind" in 2026,
// UTC, at 15:00 unless a time is given; kinds:
//
//	call- call, no answer       call+ call, connected    vm   voicemail
//	mail  email sent            meet  meeting held       no   call, declined (G1)
//	in    inbound email, replied
type person struct {
	key, owner string
	status     nudge.PersonStatus
	dnc        bool   // do-not-contact set by hand, without a "no"
	touches    string // ";"-separated
	won        string // a deal won at this instant ("" = none)
	tasks      []task
}

// task is a done task of the person.
type task struct {
	at, cadence, step string
	channel           nudge.Channel
	template          string
	outcome           nudge.Outcome
}

// Quiet is 45 days, so with the period [09-01 14:00, 11-30 14:00) people
// count as dropped when their last touch is in [07-18 14:00, 10-16 14:00).
var book = []person{
	// Ann (East).
	{key: "a1", owner: "ann", touches: "08-03 call-"},
	{key: "a2", owner: "ann", touches: "08-03 call-; 08-06 mail"},
	{key: "a3", owner: "ann", touches: "08-03 call-; 08-06 vm; 08-09 mail"},
	{key: "a4", owner: "ann", touches: "09-02 mail; 09-04 call-; 09-08 call+; 09-11 mail; 09-12 in; 09-15 mail; 09-22 call-; 10-01 mail",
		tasks: []task{
			{"09-02", "3-2-4", "day-3", nudge.ChannelEmail, "b1-follow-up", nudge.OutcomeSent},
			{"09-04", "3-2-4", "day-6", nudge.ChannelCall, "d1-opening", nudge.OutcomeNoAnswer},
			{"09-08", "3-2-4", "day-9", nudge.ChannelCall, "d1-opening", nudge.OutcomeConnected},
			{"09-11", "3-2-4", "day-12", nudge.ChannelEmail, "b1-follow-up", nudge.OutcomeSent},
			{"09-15", "3-2-4", "should-i-stop", nudge.ChannelEmail, "b4-disqualify", nudge.OutcomeSent},
		}},
	{key: "a5", owner: "ann", touches: "08-03 call-; 08-06 no"},
	{key: "a6", owner: "ann", status: nudge.StatusCustomer, touches: "08-03 call-"},
	{key: "a7", owner: "ann", touches: "08-03 call-; 08-06 mail", won: "09-10"},
	{key: "a8", owner: "ann", touches: "10-20 call-"},
	{key: "a9", owner: "ann", touches: "07-10 call-"},
	{key: "a10", owner: "ann", dnc: true, touches: "08-03 call-"},
	{key: "a11", owner: "ann", touches: "10-16 14:00 call-"},
	{key: "a12", owner: "ann", touches: "07-01 call-; 07-05 call-; 07-10 call-; 07-18 14:00 call-"},
	{key: "a13", owner: "ann", touches: "09-01 call-; 09-04 mail; 09-08 vm; 09-11 mail; 09-15 call+; 10-01 mail", won: "09-16"},
	{key: "a14", owner: "ann", won: "09-05"},
	// Bob (East).
	{key: "b1", owner: "bob", touches: "09-01 mail; 09-02 in",
		tasks: []task{{"09-01", "3-2-4", "day-3", nudge.ChannelEmail, "b1-follow-up-v2", nudge.OutcomeSent}}},
	{key: "b2", owner: "bob", touches: "09-02 mail",
		tasks: []task{{"09-02", "3-2-4", "day-3", nudge.ChannelEmail, "b1-follow-up-v2", nudge.OutcomeSent}}},
	{key: "b3", owner: "bob", touches: "09-01 14:00 call-; 09-04 call-; 09-08 mail; 09-11 vm; 09-15 mail; 09-20 call+",
		tasks: []task{{"09-01 14:00", "3-2-4", "day-3", nudge.ChannelCall, "d1-opening", nudge.OutcomeNoAnswer}}},
	{key: "b4", owner: "bob", touches: "08-20 call-; 08-25 call-; 08-28 call-; 09-03 call-; 09-10 call-"},
	{key: "b5", owner: "bob", touches: "09-01 call-; 09-03 mail; 09-05 call-; 09-08 meet", won: "09-08",
		tasks: []task{{"09-08", "appointment", "t0", nudge.ChannelMeeting, "", nudge.OutcomeMeetingHeld}}},
	{key: "b6", owner: "bob", touches: "08-01 call-; 08-03 call-; 08-05 call-; 08-07 call-; 08-10 call-; 08-12 call-; 08-14 call-; 08-17 call-", won: "09-20"},
	{key: "b7", owner: "bob", touches: "11-30 14:00 call-",
		tasks: []task{{"11-30 14:00", "3-2-4", "day-3", nudge.ChannelCall, "d1-opening", nudge.OutcomeNoAnswer}}},
	// Cy (West).
	{key: "c1", owner: "cy", touches: "08-17 call-; 08-20 mail"},
	{key: "c2", owner: "cy", touches: "08-05 mail; 08-06 in"},
	{key: "c3", owner: "cy", touches: "10-01 call-; 10-05 call+; 10-09 call-; 10-13 call-; 10-17 call-; 10-21 call-", won: "11-30 14:00"},
	{key: "c4", owner: "cy", touches: "07-01 call-; 07-08 call-; 07-15 call-; 07-22 call-; 07-29 call-; 08-05 call-", won: "09-01 14:00"},
	// A task marked "replied" by hand: the prospect's answer is stored, no
	// separate touch.
	{key: "c5", owner: "cy", status: nudge.StatusCustomer, touches: "08-01 mail; 10-01 mail; 10-04 in",
		tasks: []task{
			{"10-01", "3-2-4", "day-3", nudge.ChannelEmail, "b1-follow-up", nudge.OutcomeSent},
			{"10-04", "3-2-4", "day-6", nudge.ChannelEmail, "b1-follow-up", nudge.OutcomeReplied},
		}},
	// Nobody's.
	{key: "u1", touches: "08-10 call-"},
}

// At reads "MM-DD" or "MM-DD HH:MM" in 2026, UTC (15:00 when no time).
func At(tb testing.TB, s string) time.Time {
	tb.Helper()
	layout, v := "2006-01-02 15:04", "2026-"+strings.TrimSpace(s)
	if len(v) == len("2026-01-02") {
		v += " 15:00"
	}
	t, err := time.ParseInLocation(layout, v, time.UTC)
	if err != nil {
		tb.Fatalf("reporttest: bad time %q: %v", s, err)
	}
	return t
}

var kinds = map[string]struct {
	channel   nudge.Channel
	direction nudge.Direction
	outcome   nudge.Outcome
}{
	"call-": {nudge.ChannelCall, nudge.Outbound, nudge.OutcomeNoAnswer},
	"call+": {nudge.ChannelCall, nudge.Outbound, nudge.OutcomeConnected},
	"vm":    {nudge.ChannelCall, nudge.Outbound, nudge.OutcomeVoicemail},
	"mail":  {nudge.ChannelEmail, nudge.Outbound, nudge.OutcomeSent},
	"meet":  {nudge.ChannelMeeting, nudge.Outbound, nudge.OutcomeMeetingHeld},
	"no":    {nudge.ChannelCall, nudge.Outbound, nudge.OutcomeDeclined},
	"in":    {nudge.ChannelEmail, nudge.Inbound, nudge.OutcomeReplied},
}

// Load stores the book in an empty database through the store's services
// (so the report summary is kept as in production) and leaves the clock at
// Now. Users get passwordHash, so a web test can sign them in.
func Load(tb testing.TB, db *store.DB, clock *nudge.FixedClock, passwordHash string) *Fixture {
	tb.Helper()
	ctx := context.Background()
	must := func(what string, err error) {
		tb.Helper()
		if err != nil {
			tb.Fatalf("reporttest: %s: %v", what, err)
		}
	}
	f := &Fixture{Users: map[string]*nudge.User{}, Teams: map[string]*nudge.Team{}, People: map[string]*nudge.Person{}}
	user := func(key string, role nudge.UserRole) *nudge.User {
		u := &nudge.User{Email: key + "@us.example", Name: strings.ToUpper(key[:1]) + key[1:], Role: role, PasswordHash: passwordHash}
		must("user "+key, db.CreateUser(ctx, u))
		f.Users[key] = u
		return u
	}
	user("admin", nudge.UserAdmin)
	mia := user("mia", nudge.UserManager)
	for _, name := range []string{"East", "West"} {
		t := &nudge.Team{Name: name}
		if name == "East" {
			t.ManagerID = mia.ID
		}
		must("team "+name, db.CreateTeam(ctx, t))
		f.Teams[name] = t
	}
	for _, r := range []struct{ key, team string }{{"ann", "East"}, {"bob", "East"}, {"cy", "West"}} {
		key := r.key
		u := user(key, nudge.UserRep)
		u.TeamID = f.Teams[r.team].ID
		u.PasswordHash = ""
		must("user "+key, db.UpdateUser(ctx, u))
	}
	for _, bp := range book {
		p := &nudge.Person{Name: "Person " + strings.ToUpper(bp.key), Email: bp.key + "@prospect.example", Status: bp.status}
		if p.Status == "" {
			p.Status = nudge.StatusProspect
		}
		if bp.owner != "" {
			p.OwnerID = f.Users[bp.owner].ID
		}
		must("person "+bp.key, db.CreatePerson(ctx, p))
		f.People[bp.key] = p
		for _, t := range strings.Split(bp.touches, ";") {
			if strings.TrimSpace(t) == "" {
				continue
			}
			when, kind, _ := strings.Cut(strings.TrimSpace(t), " ")
			if strings.Contains(kind, " ") { // "MM-DD HH:MM kind"
				var hhmm string
				hhmm, kind, _ = strings.Cut(kind, " ")
				when += " " + hhmm
			}
			k, ok := kinds[kind]
			if !ok {
				tb.Fatalf("reporttest: %s: unknown kind %q", bp.key, kind)
			}
			must("touch of "+bp.key, db.CreateInteraction(ctx, &nudge.Interaction{PersonID: p.ID, UserID: p.OwnerID,
				Channel: k.channel, Direction: k.direction, Outcome: k.outcome, At: At(tb, when)}, nil))
		}
		if bp.dnc {
			must("do-not-contact "+bp.key, db.SetDoNotContact(ctx, p.ID, true, "asked by their company"))
		}
		if bp.won != "" {
			clock.Set(At(tb, bp.won)) // the store closes a deal at its clock's now
			must("deal of "+bp.key, db.CreateDeal(ctx, &nudge.Deal{PersonID: p.ID, OwnerID: p.OwnerID, Title: "40 seats", Stage: nudge.StageWon}))
		}
		var tasks []nudge.Task
		for _, t := range bp.tasks {
			done := At(tb, t.at)
			tasks = append(tasks, nudge.Task{PersonID: p.ID, Cadence: t.cadence, StepID: t.step, AssigneeID: p.OwnerID,
				Channel: t.channel, Due: done, Rule: "B1", Reason: "reporttest", Template: t.template,
				State: nudge.TaskDone, Outcome: t.outcome, DoneAt: &done})
		}
		if len(tasks) > 0 {
			must("tasks of "+bp.key, db.InsertTasks(ctx, tasks))
		}
	}
	clock.Set(Now)
	return f
}
