package followup_test

import (
	"context"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/seed"
	"github.com/nudgecrm/nudge/store"
)

// BenchmarkInsight measures G4 and E7 on a big book: NUDGE_BENCH_PEOPLE
// people (10× interactions, default 5,000) over NUDGE_BENCH_REPS reps
// (default 100), loaded in bulk, so no phase is computed yet:
//
//   - refresh: RefreshCARR of everyone (the backfill), people/s;
//   - the People listing filtered by a CARR phase (one page of 50 and the
//     total), for one rep and for an admin, p50 over NUDGE_BENCH_QUERIES
//     (default 200), against the same listing unfiltered in the same run;
//   - E7: Nearby for one rep with a visit that day (25 km), p50.
//
// The size of the README's figures:
//
//	NUDGE_BENCH_PEOPLE=100000 go test -run '^$' -bench Insight -benchtime 1x -timeout 30m ./followup/
func BenchmarkInsight(b *testing.B) {
	people := envInt(b, "NUDGE_BENCH_PEOPLE", 5_000)
	reps := envInt(b, "NUDGE_BENCH_REPS", 100)
	queries := envInt(b, "NUDGE_BENCH_QUERIES", 200)
	for _, be := range testdb.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			for range b.N {
				ctx := context.Background()
				db, res, _ := seedBook(b, be, seed.Config{People: people, Interactions: 10 * people, Reps: reps, Seed: 1, Tasks: true})
				clock := nudge.NewFixedClock(benchNow)
				svc := followup.New(db, clock, followup.Options{})
				start := time.Now()
				n, err := svc.RefreshCARR(ctx, true)
				if err != nil || n != people {
					b.Fatalf("RefreshCARR = %d, %v; want %d", n, err, people)
				}
				b.ReportMetric(rate(n, time.Since(start)), "refresh-people/s")

				rep := res.Reps[0]
				list := func(q store.PeopleQuery) func() error {
					return func() error { _, _, err := db.FindPeopleIn(ctx, q); return err }
				}
				p50 := func(f func() error) float64 {
					latencies(b, 5, f)
					ds := latencies(b, queries, f)
					return ms(ds[len(ds)/2])
				}
				page := nudge.PersonFilter{Limit: 50}
				repCARR := p50(list(store.PeopleQuery{PersonFilter: page, Owners: []int64{rep}, CARR: nudge.CARRAnnoyance}))
				repAll := p50(list(store.PeopleQuery{PersonFilter: page, Owners: []int64{rep}}))
				adminCARR := p50(list(store.PeopleQuery{PersonFilter: page, CARR: nudge.CARRRespect}))
				adminAll := p50(list(store.PeopleQuery{PersonFilter: page}))
				_, annoyed, err := db.FindPeopleIn(ctx, store.PeopleQuery{PersonFilter: nudge.PersonFilter{Limit: 1}, CARR: nudge.CARRAnnoyance})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(annoyed)/float64(people), "annoyed-share")
				b.ReportMetric(repCARR, "rep-carr-p50-ms")
				b.ReportMetric(repCARR/repAll, "rep-carr/unfiltered")
				b.ReportMetric(adminCARR, "admin-carr-p50-ms")
				b.ReportMetric(adminCARR/adminAll, "admin-carr/unfiltered")

				// E7: a visit at one of the rep's people with coordinates.
				ps, _, err := db.FindPeopleIn(ctx, store.PeopleQuery{PersonFilter: nudge.PersonFilter{Limit: 200}, Owners: []int64{rep}})
				if err != nil {
					b.Fatal(err)
				}
				var host *nudge.Person
				for _, p := range ps {
					if p.Location.HasCoords && !p.DoNotContact {
						host = p
						break
					}
				}
				if host == nil {
					b.Skip("no person with coordinates in the rep's first 200")
				}
				at := benchNow.Add(48 * time.Hour)
				if err := svc.AddAppointment(ctx, &nudge.Appointment{PersonID: host.ID, At: at, Kind: nudge.AppointmentVisit}); err != nil {
					b.Fatal(err)
				}
				o := followup.NearbyOptions{RepID: &rep, From: at.Add(-time.Hour), Until: at.Add(time.Hour)}
				var found int
				nearby := p50(func() error {
					vs, err := svc.Nearby(ctx, o)
					if err == nil && len(vs) == 1 {
						found = len(vs[0].Nearby)
					}
					return err
				})
				b.ReportMetric(nearby, "nearby-p50-ms")
				b.ReportMetric(float64(found), "nearby-found")
				b.ReportMetric(nearby/repAll, "nearby/rep-listing")
			}
		})
	}
}
