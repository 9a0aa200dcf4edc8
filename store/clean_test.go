package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/seed"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/store/storetest"
)

// cleanBook is the fixed data set of the F3 tests, at storetest.Start:
//
//	team East: repA and repB (both US); repC has no team and no country.
//	Open deals of East: 10,000, 20,000 and 30,000 (median 20,000); a won
//	and a lost deal do not count.
//
//	person  owner  fit                               engagement          deal        recency    score
//	Ann     repA   30 company, decision-maker, US    10+15 (2 two-way,   5 (10,000)  20 (3 d)    80
//	                                                 1 kept of 1)
//	Bob     repA    0 none, Analyst, DE               0                  15 (30,000)  0          15  drop
//	Cat     repA   30 company, "CEO", US              5+0 (1 missed)      0           10 (45 d)  45
//	Gus     repB   20 company, influencer, US         0                  10 (20,000)  0          30
//	Hal     repC   20 boss, no market declared        0                   0           0          20
//
// and three who are not on the list: Dan (G1 do-not-contact), Eve (a
// customer), Fay (already in the drip).
type cleanBook struct {
	db     *store.DB
	users  map[string]*nudge.User
	people map[string]*nudge.Person
}

func newCleanBook(t *testing.T, b testdb.Backend) *cleanBook {
	t.Helper()
	ctx := context.Background()
	now := storetest.Start
	db := storetest.Open(t, b, nudge.NewFixedClock(now))
	k := &cleanBook{db: db, users: map[string]*nudge.User{}, people: map[string]*nudge.Person{}}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	east := &nudge.Team{Name: "East"}
	must(db.CreateTeam(ctx, east))
	for _, u := range []*nudge.User{
		{Email: "repa@us.example", Name: "repA", Role: nudge.UserRep, TeamID: east.ID, Country: "US"},
		{Email: "repb@us.example", Name: "repB", Role: nudge.UserRep, TeamID: east.ID, Country: "US"},
		{Email: "repc@us.example", Name: "repC", Role: nudge.UserRep},
	} {
		must(db.CreateUser(ctx, u))
		k.users[u.Name] = u
	}
	acme, err := db.FindOrCreateCompany(ctx, "Acme")
	must(err)
	person := func(name, owner string, company bool, title string, role nudge.BuyingRole, country string, status nudge.PersonStatus) *nudge.Person {
		p := &nudge.Person{Name: name, Email: strings.ToLower(name) + "@prospect.example", OwnerID: k.users[owner].ID,
			Title: title, BuyingRole: role, Country: country, Status: status}
		if company {
			p.CompanyID = acme.ID
		}
		must(db.CreatePerson(ctx, p))
		k.people[name] = p
		return p
	}
	ago := func(days int) time.Time { return now.Add(-time.Duration(days) * 24 * time.Hour) }
	touch := func(p *nudge.Person, days int, dir nudge.Direction, o nudge.Outcome, cs ...*nudge.Commitment) {
		ch := nudge.ChannelCall
		if o == nudge.OutcomeReplied {
			ch = nudge.ChannelEmail
		}
		must(db.CreateInteraction(ctx, &nudge.Interaction{PersonID: p.ID, Channel: ch, Direction: dir, Outcome: o, At: ago(days)}, cs))
	}
	commitment := func(p *nudge.Person, state nudge.CommitmentState, closedDaysAgo int) {
		c := &nudge.Commitment{Party: nudge.PartyProspect, What: "books a call with the CFO", Due: ago(closedDaysAgo + 1)}
		touch(p, closedDaysAgo+2, nudge.Outbound, nudge.OutcomeSent, c)
		must(db.CloseCommitment(ctx, c.ID, state, ago(closedDaysAgo)))
	}
	deal := func(p *nudge.Person, owner string, dollars int64, stage nudge.DealStage) {
		must(db.CreateDeal(ctx, &nudge.Deal{PersonID: p.ID, OwnerID: k.users[owner].ID, Title: "deal", ValueCents: dollars * 100, Stage: stage}))
	}

	ann := person("Ann", "repA", true, "Director", nudge.RoleDecisionMaker, "US", nudge.StatusProspect)
	touch(ann, 3, nudge.Inbound, nudge.OutcomeReplied)
	touch(ann, 20, nudge.Outbound, nudge.OutcomeConnected)
	touch(ann, 1, nudge.Outbound, nudge.OutcomeNoAnswer)
	commitment(ann, nudge.CommitmentKept, 10)
	deal(ann, "repA", 10_000, nudge.StageProposal)

	bob := person("Bob", "repA", false, "Analyst", "", "DE", nudge.StatusProspect)
	touch(bob, 100, nudge.Outbound, nudge.OutcomeConnected) // outside the 90-day window
	deal(bob, "repA", 30_000, nudge.StageQualify)

	cat := person("Cat", "repA", true, "CEO", "", "US", nudge.StatusProspect)
	touch(cat, 45, nudge.Outbound, nudge.OutcomeMeetingHeld)
	commitment(cat, nudge.CommitmentMissed, 40)

	gus := person("Gus", "repB", true, "Controller", nudge.RoleInfluencer, "US", nudge.StatusProspect)
	deal(gus, "repB", 20_000, nudge.StageMeeting)
	deal(gus, "repB", 99_999, nudge.StageWon)
	deal(gus, "repB", 55_555, nudge.StageLost)

	person("Hal", "repC", false, "", nudge.RoleBoss, "FR", nudge.StatusProspect)

	dan := person("Dan", "repA", true, "CEO", "", "US", nudge.StatusProspect)
	must(db.SetDoNotContact(ctx, dan.ID, true, "asked to stop"))
	person("Eve", "repA", true, "CEO", "", "US", nudge.StatusCustomer)
	fay := person("Fay", "repA", false, "", "", "US", nudge.StatusProspect)
	must(db.WithPerson(ctx, fay.ID, func(tx *store.Tx, s *store.Snapshot) error {
		return tx.SaveEnrollment(&nudge.Enrollment{PersonID: fay.ID, Cadence: "drip", State: nudge.EnrollmentActive,
			StepID: "monthly", StartedAt: ago(5), Rule: "F1"})
	}))
	return k
}

func render(us []nudge.Upside) string {
	var b strings.Builder
	for _, u := range us {
		fmt.Fprintf(&b, "%s %d=%d+%d+%d+%d %s a%d\n", u.Person, u.Score, u.Fit, u.Engagement, u.Deal, u.Recency, u.Action, u.Attempts)
	}
	return b.String()
}

func TestCleanList(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			k := newCleanBook(t, b)
			ctx := context.Background()
			all := `Bob 15=0+0+15+0 drop a1
Hal 20=20+0+0+0 drip a0
Gus 30=20+0+10+0 drip a0
Cat 45=30+5+0+10 drip a2
Ann 80=30+25+5+20 drip a3
`
			got, err := k.db.CleanList(ctx, store.CleanQuery{Now: storetest.Start})
			if err != nil {
				t.Fatal(err)
			}
			if render(got) != all {
				t.Errorf("whole book:\n%s\nwant:\n%s", render(got), all)
			}
			if !strings.Contains(got[0].Reason, "not a fit (no company, not a decision-maker, outside the rep's market)") ||
				!strings.Contains(got[0].Reason, "B3: only 1 of 6 attempts") {
				t.Errorf("Bob's reason: %q", got[0].Reason)
			}
			got, err = k.db.CleanList(ctx, store.CleanQuery{Now: storetest.Start, Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			if want := "Bob 15=0+0+15+0 drop a1\nHal 20=20+0+0+0 drip a0\n"; render(got) != want {
				t.Errorf("limit 2:\n%s\nwant:\n%s", render(got), want)
			}
			got, err = k.db.CleanList(ctx, store.CleanQuery{Now: storetest.Start, Owners: []int64{k.users["repA"].ID}})
			if err != nil {
				t.Fatal(err)
			}
			if want := "Bob 15=0+0+15+0 drop a1\nCat 45=30+5+0+10 drip a2\nAnn 80=30+25+5+20 drip a3\n"; render(got) != want {
				t.Errorf("repA's book:\n%s\nwant:\n%s", render(got), want)
			}
			// A rep of East is measured against East's median, whoever asks.
			got, err = k.db.CleanList(ctx, store.CleanQuery{Now: storetest.Start, Owners: []int64{k.users["repB"].ID}})
			if err != nil {
				t.Fatal(err)
			}
			if want := "Gus 30=20+0+10+0 drip a0\n"; render(got) != want {
				t.Errorf("repB's book:\n%s\nwant:\n%s", render(got), want)
			}
			if got, err := k.db.CleanList(ctx, store.CleanQuery{Now: storetest.Start, Owners: []int64{}}); err != nil || len(got) != 0 {
				t.Errorf("nobody's book: %v, %v", got, err)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	for _, tt := range []struct {
		in   []int64
		want int64
	}{{nil, 0}, {[]int64{5}, 5}, {[]int64{30, 10, 20}, 20}, {[]int64{40, 10, 20, 30}, 25}, {[]int64{1, 2}, 1}} {
		if got := store.Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// TestCleanListStopsEarlyExactly: on a generated book, the list of the N
// lowest (which stops walking once no candidate left can enter) is the
// first N of the full ranking (N above the number of prospects, so every
// one is scored), for the whole book and one rep's.
func TestCleanListStopsEarlyExactly(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			now := storetest.Start
			db := storetest.Open(t, b, nudge.NewFixedClock(now))
			g, err := seed.New(seed.Config{People: 600, Interactions: 3000, Reps: 3, Seed: 7, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			res, err := seed.Load(ctx, db, g, seed.Options{})
			if err != nil {
				t.Fatal(err)
			}
			people, _, err := db.FindPeople(ctx, nudge.PersonFilter{})
			if err != nil {
				t.Fatal(err)
			}
			// Deals of every size and commitments both ways, so that bounds
			// and scores spread.
			for i, p := range people {
				if i%5 == 0 {
					err := db.CreateDeal(ctx, &nudge.Deal{PersonID: p.ID, OwnerID: p.OwnerID, Title: "deal", ValueCents: int64(1+i%9) * 500_000, Stage: nudge.StageProposal})
					if err != nil {
						t.Fatal(err)
					}
				}
				if i%7 == 0 {
					c := &nudge.Commitment{Party: nudge.PartyProspect, What: "answers by Friday", Due: now.Add(-48 * time.Hour)}
					if err := db.CreateInteraction(ctx, &nudge.Interaction{PersonID: p.ID, Channel: nudge.ChannelCall, Outcome: nudge.OutcomeConnected, At: now.Add(-72 * time.Hour)}, []*nudge.Commitment{c}); err != nil {
						t.Fatal(err)
					}
					state := nudge.CommitmentKept
					if i%2 == 0 {
						state = nudge.CommitmentMissed
					}
					if err := db.CloseCommitment(ctx, c.ID, state, now.Add(-24*time.Hour)); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, owners := range [][]int64{nil, res.Reps[:1]} {
				full, err := db.CleanList(ctx, store.CleanQuery{Owners: owners, Now: now, Limit: store.MaxCleanLimit})
				if err != nil {
					t.Fatal(err)
				}
				if len(full) < 100 || len(full) == store.MaxCleanLimit {
					t.Fatalf("%d prospects: the book should have between 100 and %d", len(full), store.MaxCleanLimit)
				}
				scores := map[int]bool{}
				for _, u := range full {
					scores[u.Score] = true
				}
				if len(scores) < 8 {
					t.Errorf("only %d distinct scores: the book does not exercise the bound", len(scores))
				}
				for _, n := range []int{1, 7, 50, len(full) - 1} {
					got, err := db.CleanList(ctx, store.CleanQuery{Owners: owners, Now: now, Limit: n})
					if err != nil {
						t.Fatal(err)
					}
					if render(got) != render(full[:n]) {
						t.Errorf("owners %v, limit %d:\n%s\nwant the first %d of the full ranking:\n%s", owners, n, render(got), n, render(full[:n]))
					}
				}
			}
		})
	}
}
