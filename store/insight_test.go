package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/store/storetest"
)

type insightEnv struct {
	ctx   context.Context
	db    *store.DB
	clock *nudge.FixedClock
}

func insightSetup(t *testing.T, b testdb.Backend) insightEnv {
	clock := nudge.NewFixedClock(storetest.Start)
	return insightEnv{ctx: context.Background(), db: storetest.Open(t, b, clock), clock: clock}
}

func (e insightEnv) rep(t *testing.T, email string) *nudge.User {
	t.Helper()
	u := &nudge.User{Email: email, Name: email, Role: nudge.UserRep}
	if err := e.db.CreateUser(e.ctx, u); err != nil {
		t.Fatal(err)
	}
	return u
}

func (e insightEnv) person(t *testing.T, p nudge.Person) *nudge.Person {
	t.Helper()
	if p.Status == "" {
		p.Status = nudge.StatusProspect
	}
	if err := e.db.CreatePerson(e.ctx, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func (e insightEnv) touch(t *testing.T, p *nudge.Person, daysAgo int, dir nudge.Direction, o nudge.Outcome) {
	t.Helper()
	i := &nudge.Interaction{PersonID: p.ID, Channel: nudge.ChannelEmail, Direction: dir, Outcome: o, At: storetest.Start.AddDate(0, 0, -daysAgo)}
	if err := e.db.CreateInteraction(e.ctx, i, nil); err != nil {
		t.Fatal(err)
	}
}

// The stored phase is set in the engine's transaction, filters the People
// listing within the caller's scope, and is refreshed in batches for
// people whose phase was never computed.
func TestCARRStoredAndFiltered(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := insightSetup(t, b)
			a, c := e.rep(t, "a@us.example"), e.rep(t, "c@us.example")
			pa := e.person(t, nudge.Person{Name: "Anna", OwnerID: a.ID})
			pb := e.person(t, nudge.Person{Name: "Bert", OwnerID: a.ID})
			pc := e.person(t, nudge.Person{Name: "Cleo", OwnerID: c.ID})
			for _, p := range []*nudge.Person{pa, pc} {
				if err := e.db.WithPerson(e.ctx, p.ID, func(tx *store.Tx, _ *store.Snapshot) error {
					return tx.SetCARR(p.ID, nudge.CARRAnnoyance)
				}); err != nil {
					t.Fatal(err)
				}
			}
			if ph, err := e.db.FindCARR(e.ctx, pa.ID); err != nil || ph != nudge.CARRAnnoyance {
				t.Fatalf("FindCARR = %q, %v", ph, err)
			}
			if ph, _ := e.db.FindCARR(e.ctx, pb.ID); ph != "" {
				t.Errorf("a person never settled has phase %q, want none", ph)
			}
			if _, err := e.db.FindCARR(e.ctx, 999999); nudge.ErrorCode(err) != nudge.ENOTFOUND {
				t.Errorf("FindCARR of nobody: %v", err)
			}
			names := func(q store.PeopleQuery) []string {
				ps, n, err := e.db.FindPeopleIn(e.ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				var out []string
				for _, p := range ps {
					out = append(out, p.Name)
				}
				if n != len(out) {
					t.Errorf("total %d, listed %d", n, len(out))
				}
				return out
			}
			if got := names(store.PeopleQuery{CARR: nudge.CARRAnnoyance}); !slices.Equal(got, []string{"Anna", "Cleo"}) {
				t.Errorf("annoyance, everyone's: %v", got)
			}
			if got := names(store.PeopleQuery{CARR: nudge.CARRAnnoyance, Owners: []int64{a.ID}}); !slices.Equal(got, []string{"Anna"}) {
				t.Errorf("annoyance, rep A's: %v", got)
			}
			if got := names(store.PeopleQuery{CARR: nudge.CARRRespect, Owners: []int64{a.ID}}); got != nil {
				t.Errorf("respect, rep A's: %v", got)
			}

			// Refresh: Bert's phase was never computed; a walk in batches of
			// one finds him (and only him, with missing) with his history.
			e.touch(t, pb, 9, nudge.Outbound, nudge.OutcomeSent)
			e.touch(t, pb, 5, nudge.Inbound, nudge.OutcomeReplied)
			e.touch(t, pa, 3, nudge.Outbound, nudge.OutcomeSent)
			var seen []int64
			var after int64
			for {
				hs, last, err := e.db.CARRHistories(e.ctx, after, true, 1)
				if err != nil {
					t.Fatal(err)
				}
				if last == 0 {
					break
				}
				for id, h := range hs {
					seen = append(seen, id)
					if id != pb.ID || len(h) != 2 || h[0].Outcome != nudge.OutcomeSent || h[1].Outcome != nudge.OutcomeReplied || !h[1].At.Equal(storetest.Start.AddDate(0, 0, -5)) {
						t.Errorf("history of %d: %+v", id, h)
					}
				}
				after = last
			}
			if !slices.Equal(seen, []int64{pb.ID}) {
				t.Errorf("missing phases: %v, want Bert %d", seen, pb.ID)
			}
			all, last, err := e.db.CARRHistories(e.ctx, 0, false, 10)
			if err != nil || len(all) != 3 || last != pc.ID || len(all[pa.ID]) != 1 || len(all[pc.ID]) != 0 {
				t.Errorf("every history: %v (last %d), %v", all, last, err)
			}
			if err := e.db.SetCARRPhases(e.ctx, map[int64]nudge.CARRPhase{pb.ID: nudge.CARRCuriosity, pc.ID: nudge.CARRRespect}, false); err != nil {
				t.Fatal(err)
			}
			// A refresh of missing phases leaves a computed one alone (a settle
			// may have run since the histories were read).
			if err := e.db.SetCARRPhases(e.ctx, map[int64]nudge.CARRPhase{pa.ID: nudge.CARRRespect}, true); err != nil {
				t.Fatal(err)
			}
			if ph, _ := e.db.FindCARR(e.ctx, pa.ID); ph != nudge.CARRAnnoyance {
				t.Errorf("Anna after a refresh of missing phases: %q, want annoyance kept", ph)
			}
			if got := names(store.PeopleQuery{CARR: nudge.CARRCuriosity}); !slices.Equal(got, []string{"Bert"}) {
				t.Errorf("curiosity after refresh: %v", got)
			}
			if got := names(store.PeopleQuery{CARR: nudge.CARRRespect}); !slices.Equal(got, []string{"Cleo"}) {
				t.Errorf("respect after refresh: %v", got)
			}
		})
	}
}

// One reason per person: recording again replaces it; it goes with the person.
func TestQuietNote(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := insightSetup(t, b)
			a := e.rep(t, "a@us.example")
			p := e.person(t, nudge.Person{Name: "Anna", OwnerID: a.ID})
			if _, err := e.db.FindQuietNote(e.ctx, p.ID); nudge.ErrorCode(err) != nudge.ENOTFOUND {
				t.Fatalf("no reason yet: %v", err)
			}
			save := func(q nudge.QuietNote) error {
				return e.db.WithPerson(e.ctx, p.ID, func(tx *store.Tx, _ *store.Snapshot) error { return tx.SaveQuietNote(&q) })
			}
			at := storetest.Start.Add(90 * time.Minute)
			if err := save(nudge.QuietNote{PersonID: p.ID, Reason: nudge.ReasonFear, Note: "worried about the switch", UserID: a.ID, At: at}); err != nil {
				t.Fatal(err)
			}
			if err := save(nudge.QuietNote{PersonID: p.ID, Reason: nudge.ReasonTooBusy, Note: " year-end close ", UserID: a.ID, At: at.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			q, err := e.db.FindQuietNote(e.ctx, p.ID)
			if err != nil || q.Reason != nudge.ReasonTooBusy || q.Note != "year-end close" || q.UserID != a.ID || !q.At.Equal(at.Add(time.Hour)) {
				t.Fatalf("after two recordings: %+v, %v; want the second", q, err)
			}
			if err := save(nudge.QuietNote{PersonID: p.ID, Reason: "bored", At: at}); nudge.ErrorCode(err) != nudge.EINVALID {
				t.Errorf("unknown reason: %v", err)
			}
			if err := save(nudge.QuietNote{PersonID: p.ID, Reason: nudge.ReasonFear, UserID: 424242, At: at}); nudge.ErrorCode(err) != nudge.EINVALID {
				t.Errorf("unknown user: %v", err)
			}
			if q, _ := e.db.FindQuietNote(e.ctx, p.ID); q.Reason != nudge.ReasonTooBusy {
				t.Errorf("a failed recording changed the stored one: %+v", q)
			}
			if err := e.db.DeletePerson(e.ctx, p.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.db.FindQuietNote(e.ctx, p.ID); nudge.ErrorCode(err) != nudge.ENOTFOUND {
				t.Errorf("the reason outlived its person: %v", err)
			}
		})
	}
}

// E7's candidates: one rep's quiet leads and prospects inside the box.
func TestFindQuietNear(t *testing.T) {
	newport := nudge.Location{City: "Newport Beach", Lat: 33.6189, Lon: -117.9298, HasCoords: true}
	irvine := nudge.Location{City: "Irvine", Lat: 33.6846, Lon: -117.8265, HasCoords: true}
	longBeach := nudge.Location{City: "Long Beach", Lat: 33.7701, Lon: -118.1937, HasCoords: true}
	la := nudge.Location{City: "Los Angeles", Lat: 34.0522, Lon: -118.2437, HasCoords: true}
	sd := nudge.Location{City: "San Diego", Lat: 32.7157, Lon: -117.1611, HasCoords: true}
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := insightSetup(t, b)
			a, c := e.rep(t, "a@us.example"), e.rep(t, "c@us.example")
			mk := func(name string, owner *nudge.User, loc nudge.Location, st nudge.PersonStatus) *nudge.Person {
				return e.person(t, nudge.Person{Name: name, OwnerID: owner.ID, Location: loc, Status: st})
			}
			host := mk("Host", a, newport, nudge.StatusProspect)
			quiet := mk("Quiet Irvine", a, irvine, nudge.StatusLead)
			oldAnswer := mk("Answered long ago", a, irvine, nudge.StatusProspect)
			recent := mk("Answered last week", a, irvine, nudge.StatusProspect)
			never := mk("Never touched", a, irvine, nudge.StatusProspect)
			dnc := mk("Do not contact", a, irvine, nudge.StatusProspect)
			customer := mk("Customer", a, irvine, nudge.StatusCustomer)
			noCoords := mk("No coordinates", a, nudge.Location{City: "Irvine"}, nudge.StatusProspect)
			other := mk("Rep C's", c, irvine, nudge.StatusProspect)
			lb := mk("Long Beach", a, longBeach, nudge.StatusProspect)
			far1 := mk("Los Angeles", a, la, nudge.StatusProspect)
			far2 := mk("San Diego", a, sd, nudge.StatusProspect)
			for _, p := range []*nudge.Person{host, quiet, oldAnswer, recent, dnc, customer, noCoords, other, lb, far1, far2} {
				e.touch(t, p, 30, nudge.Outbound, nudge.OutcomeSent)
			}
			e.touch(t, oldAnswer, 40, nudge.Inbound, nudge.OutcomeReplied)
			e.touch(t, recent, 7, nudge.Outbound, nudge.OutcomeConnected)
			if err := e.db.SetDoNotContact(e.ctx, dnc.ID, true, "asked to stop"); err != nil {
				t.Fatal(err)
			}
			_ = never
			// Quiet accepted: an open in-the-area enrollment.
			if err := e.db.WithPerson(e.ctx, lb.ID, func(tx *store.Tx, _ *store.Snapshot) error {
				en := nudge.Enrollment{PersonID: lb.ID, UserID: a.ID, Cadence: "in-the-area", StartedAt: storetest.Start}
				return tx.SaveEnrollment(&en)
			}); err != nil {
				t.Fatal(err)
			}
			got, err := e.db.FindQuietNear(e.ctx, store.QuietNear{OwnerID: a.ID, Box: nudge.BoundingBox(newport.Lat, newport.Lon, 25),
				AnsweredSince: storetest.Start.AddDate(0, 0, -14), Exclude: host.ID, Accepted: "in-the-area"})
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, c := range got {
				last := "never"
				if c.LastAnswer != nil {
					last = c.LastAnswer.Format(time.DateOnly)
				}
				lines = append(lines, fmt.Sprintf("%s %s %v", c.Person.Name, last, c.Accepted))
			}
			// Long Beach is in the box (29.6 km away): the caller's exact
			// distance drops it.
			want := []string{"Quiet Irvine never false", "Answered long ago 2026-10-21 false", "Long Beach never true"}
			if !slices.Equal(lines, want) {
				t.Errorf("quiet near Newport Beach:\n got %q\nwant %q", lines, want)
			}
		})
	}
}

// The SQL behind "quiet" agrees with nudge.Interaction.Answered for every
// direction and outcome.
func TestAnsweredSQL(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := insightSetup(t, b)
			a := e.rep(t, "a@us.example")
			here := nudge.Location{Lat: 10, Lon: 10, HasCoords: true}
			want := map[string]bool{} // name → listed as quiet
			for _, dir := range []nudge.Direction{nudge.Outbound, nudge.Inbound} {
				for _, o := range nudge.Outcomes {
					name := string(dir) + " " + string(o)
					p := e.person(t, nudge.Person{Name: name, OwnerID: a.ID, Location: here})
					e.touch(t, p, 30, nudge.Outbound, nudge.OutcomeSent)
					e.touch(t, p, 1, dir, o)
					if o.HardStop() { // lift G1 to see the SQL alone
						if err := e.db.SetDoNotContact(e.ctx, p.ID, false, ""); err != nil {
							t.Fatal(err)
						}
					}
					i := nudge.Interaction{Direction: dir, Outcome: o}
					want[name] = !i.Answered()
				}
			}
			got, err := e.db.FindQuietNear(e.ctx, store.QuietNear{OwnerID: a.ID, Box: nudge.BoundingBox(10, 10, 5), AnsweredSince: storetest.Start.AddDate(0, 0, -7)})
			if err != nil {
				t.Fatal(err)
			}
			listed := map[string]bool{}
			for _, c := range got {
				listed[c.Person.Name] = true
			}
			for name, quiet := range want {
				if listed[name] != quiet {
					t.Errorf("%s: listed as quiet %v, want %v", name, listed[name], quiet)
				}
			}
		})
	}
}
