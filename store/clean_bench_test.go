package store_test

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/seed"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/store/storetest"
)

// BenchmarkCleanList measures the F3 clean list (the 50 lowest-upside
// active prospects) on a generated book of NUDGE_BENCH_PEOPLE people (10
// touches each, 100 reps; half of them prospects), beside a bare
// `SELECT count(*) FROM people` on a connection of its own in the same run:
//
//	NUDGE_BENCH_PEOPLE=1000000 go test -run '^$' -bench CleanList -benchtime 1x -timeout 3h ./store/
//
// Metrics (medians): count-ms, rep-ms (one rep's book, what a rep's page
// asks), team-ms (a manager's ten reps), all-ms (the whole book, an admin's
// page), and each over count-ms.
func BenchmarkCleanList(b *testing.B) {
	people := benchEnv(b, "NUDGE_BENCH_PEOPLE", 2_000)
	reps := benchEnv(b, "NUDGE_BENCH_REPS", 100)
	now := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	for _, be := range testdb.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			for range b.N {
				ctx := context.Background()
				db := storetest.Open(b, be, nudge.NewFixedClock(now))
				g, err := seed.New(seed.Config{People: people, Interactions: 10 * people, Reps: reps, Seed: 1, Now: now})
				if err != nil {
					b.Fatal(err)
				}
				res, err := seed.Load(ctx, db, g, seed.Options{})
				if err != nil {
					b.Fatal(err)
				}
				raw := rawDB(b, be)
				dealsAndTeams(b, raw, be, res.Reps, now)
				count := func() (int, error) {
					var n int
					err := raw.QueryRow(`SELECT count(*) FROM people`).Scan(&n)
					return n, err
				}
				clean := func(owners []int64) func() (int, error) {
					return func() (int, error) {
						list, err := db.CleanList(ctx, store.CleanQuery{Owners: owners, Now: now})
						return len(list), err
					}
				}
				runs := func(n int) int { return max(3, min(n, 1_000_000/people)) }
				countMS, total := cleanMedian(b, runs(21), count)
				repMS, found := cleanMedian(b, runs(21), clean(res.Reps[:1]))
				teamMS, _ := cleanMedian(b, runs(11), clean(res.Reps[:min(10, len(res.Reps))]))
				allMS, foundAll := cleanMedian(b, 3, clean(nil))
				if total != people || found == 0 || foundAll != store.DefaultCleanLimit && foundAll != people/2 {
					b.Fatalf("count %d of %d people; the clean list found %d for a rep, %d in all", total, people, found, foundAll)
				}
				b.ReportMetric(countMS, "count-ms")
				b.ReportMetric(repMS, "rep-ms")
				b.ReportMetric(teamMS, "team-ms")
				b.ReportMetric(allMS, "all-ms")
				b.ReportMetric(repMS/countMS, "rep/count")
				b.ReportMetric(allMS/countMS, "all/count")
			}
		})
	}
}

// cleanMedian runs f n times (after one warm-up run) and returns the median
// duration in milliseconds and f's last result.
func cleanMedian(b *testing.B, n int, f func() (int, error)) (float64, int) {
	b.Helper()
	if _, err := f(); err != nil {
		b.Fatal(err)
	}
	ds := make([]time.Duration, n)
	var got int
	for i := range ds {
		start := time.Now()
		var err error
		if got, err = f(); err != nil {
			b.Fatal(err)
		}
		ds[i] = time.Since(start)
	}
	slices.Sort(ds)
	return float64(ds[n/2]) / float64(time.Millisecond), got
}

// rawDB opens a connection of its own on the backend, without the store.
func rawDB(b *testing.B, be testdb.Backend) *sql.DB {
	b.Helper()
	driver, dsn := "pgx", be.DSN
	if be.Name == "sqlite" {
		driver, dsn = "sqlite", "file:"+be.DSN+"?_pragma=busy_timeout(5000)"
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	return conn
}

// dealsAndTeams gives the generated book what F3 also looks at: teams of
// ten reps, and an open deal for every fourth prospect (5,000 to 50,000),
// so that deal sizes and team medians vary. On PostgreSQL, VACUUM ANALYZE
// does now what autovacuum does after a bulk load: statistics and the
// visibility map (for index-only scans).
func dealsAndTeams(b *testing.B, raw *sql.DB, be testdb.Backend, reps []int64, now time.Time) {
	b.Helper()
	exec := func(q string, args ...any) {
		b.Helper()
		if _, err := raw.Exec(q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	for i := 0; i < len(reps); i += 10 {
		var team int64
		if err := raw.QueryRow(`INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id`,
			"Team "+strconv.Itoa(i/10+1), now.UnixMilli()).Scan(&team); err != nil {
			b.Fatal(err)
		}
		for _, r := range reps[i:min(i+10, len(reps))] {
			exec(`UPDATE users SET team_id = $1 WHERE id = $2`, team, r)
		}
	}
	exec(`INSERT INTO deals (person_id, owner_id, title, value_cents, currency, stage, prep, created_at, updated_at)
		SELECT p.id, p.owner_id, 'seats', (1 + p.id % 10) * 500000, 'USD', 'proposal', '{}', $1, $1
		FROM people p WHERE p.status = 'prospect' AND p.id % 4 = 0`, now.UnixMilli())
	if be.Name != "sqlite" {
		exec(`VACUUM ANALYZE people, interactions, commitments, deals, enrollments, users`)
	}
}
