package followup_test

import (
	"context"
	"database/sql"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/seed"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/store/storetest"
)

// The engine's figures (issue 3 §8). Sizes come from the environment so that
//
//	go test -run '^$' -bench . -benchtime 1x ./followup/
//
// is a quick smoke run on both backends, and the real figures are
//
//	NUDGE_BENCH_STEPS=100000 go test -run '^$' -bench AdvanceSteps -benchtime 1x -timeout 2h ./followup/
//	NUDGE_BENCH_PEOPLE=1000000 go test -run '^$' -bench Today -benchtime 1x -timeout 2h ./followup/
//
// Each iteration builds its own database; the figures are b.ReportMetric
// rates and latencies of the last iteration.

var benchNow = time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC) // Monday 09:00 in New York

func envInt(b *testing.B, name string, def int) int {
	b.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(strings.ReplaceAll(s, "_", ""))
	if err != nil || n <= 0 {
		b.Fatalf("%s=%q: want a positive number", name, s)
	}
	return n
}

// seedBook opens a new database on backend and loads a generated book.
func seedBook(b *testing.B, be testdb.Backend, cfg seed.Config) (*store.DB, seed.Result, time.Duration) {
	b.Helper()
	ctx := context.Background()
	cfg.Now = benchNow
	db := storetest.Open(b, be, nudge.NewFixedClock(benchNow))
	g, err := seed.New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	res, err := seed.Load(ctx, db, g, seed.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return db, res, time.Since(start)
}

// rate is n per second of d.
func rate(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }

// BenchmarkAdvanceSteps measures the engine's two kinds of step, through
// the service as the scheduler and the reps drive it:
//
//   - plan: NUDGE_BENCH_STEPS due people (check_at 0, a history of about 5
//     touches each) are enrolled, planned, given their task and scheduled
//     by RunOnce, a batch of people per transaction;
//   - done: as many open tasks are completed through Done (touch recorded,
//     enrollment advanced, next task planned), one transaction each.
//
// Beside them, on the same database in the same run: the bare write rate of
// task-shaped rows with the statement SaveTask runs, in transactions of
// RunOnce's batch size ("bare") and of one row ("bare1", capped at 5,000
// rows), and the ratios engine/bare.
func BenchmarkAdvanceSteps(b *testing.B) {
	n := envInt(b, "NUDGE_BENCH_STEPS", 2_000)
	const batch = 200 // followup.Options.Batch's default
	for _, be := range testdb.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			for range b.N {
				ctx := context.Background()
				db, res, _ := seedBook(b, be, seed.Config{People: n, Interactions: 5 * n, Reps: max(1, n/1000), Seed: 1})
				clock := nudge.NewFixedClock(benchNow)
				svc := followup.New(db, clock, followup.Options{RepCompany: "A-Z Company", Batch: batch})

				start := time.Now()
				planned, err := svc.RunOnce(ctx)
				if err != nil {
					b.Fatal(err)
				}
				plan := time.Since(start)

				open, err := db.FindTasks(ctx, store.TaskFilter{States: []nudge.TaskState{nudge.TaskOpen}})
				if err != nil {
					b.Fatal(err)
				}
				// A few planned people get no task now (a drip or value check
				// not yet due, no minute in every window): count tasks.
				if len(open) < planned*9/10 {
					b.Fatalf("%d people planned, only %d open tasks", planned, len(open))
				}
				outcomes := []nudge.Outcome{nudge.OutcomeNoAnswer, nudge.OutcomeVoicemail, nudge.OutcomeNoAnswer, nudge.OutcomeConnected, nudge.OutcomeSent}
				start = time.Now()
				for i, t := range open {
					r := followup.Result{Outcome: outcomes[i%len(outcomes)]}
					if t.Channel == nudge.ChannelEmail {
						r.Outcome = nudge.OutcomeSent
					}
					if r.Outcome == nudge.OutcomeConnected {
						r.Note = nudge.WIN{What: "pricing", Insights: "budget in Q1", NextSteps: "CFO call"}
					}
					if _, err := svc.Done(ctx, t.ID, r); err != nil {
						b.Fatalf("done task %d: %v", t.ID, err)
					}
				}
				done := time.Since(start)

				// The bare writes: the same number of task rows, on people of the book.
				people, _, err := db.FindPeople(ctx, nudge.PersonFilter{Limit: batch})
				if err != nil {
					b.Fatal(err)
				}
				rows := func(k int) []nudge.Task {
					ts := make([]nudge.Task, k)
					for i := range ts {
						p := people[i%len(people)]
						ts[i] = nudge.Task{PersonID: p.ID, AssigneeID: p.OwnerID, Cadence: "3-2-4", StepID: "day-6",
							Channel: nudge.ChannelCall, Due: benchNow.Add(time.Duration(i) * time.Minute), Rule: "B1",
							Reason: "second follow-up, 6 days after the last interaction", Template: "d1-opening",
							Voicemail: true, Attempt: 2, State: nudge.TaskDone}
					}
					return ts
				}
				bareRows := rows(len(open))
				start = time.Now()
				for i := 0; i < len(bareRows); i += batch {
					if err := db.InsertTasks(ctx, bareRows[i:min(i+batch, len(bareRows))]); err != nil {
						b.Fatal(err)
					}
				}
				bare := time.Since(start)
				one := rows(min(len(open), 5_000))
				start = time.Now()
				for i := range one {
					if err := db.InsertTasks(ctx, one[i:i+1]); err != nil {
						b.Fatal(err)
					}
				}
				bare1 := time.Since(start)

				b.ReportMetric(float64(planned), "planned")
				b.ReportMetric(float64(len(open)), "tasks")
				b.ReportMetric(float64(res.Interactions), "touches")
				b.ReportMetric(rate(planned, plan), "plan-steps/s")
				b.ReportMetric(rate(len(open), done), "done-steps/s")
				b.ReportMetric(rate(len(bareRows), bare), "bare-rows/s")
				b.ReportMetric(rate(len(one), bare1), "bare1-rows/s")
				b.ReportMetric(rate(planned, plan)/rate(len(bareRows), bare), "plan/bare")
				b.ReportMetric(rate(len(open), done)/rate(len(one), bare1), "done/bare1")
			}
		})
	}
}

// BenchmarkToday measures one rep's agenda on a big book:
// NUDGE_BENCH_PEOPLE people (10× interactions) over NUDGE_BENCH_REPS reps,
// each contactable person with an enrollment and an open task due over the
// next 30 business days (seed.Config.Tasks: loaded directly, not planned).
// followup.Today for one rep until the end of their day runs
// NUDGE_BENCH_QUERIES times (at least 1,000); p50 and p99 are reported, and
// the same for the bare indexed query on tasks as the baseline.
func BenchmarkToday(b *testing.B) {
	people := envInt(b, "NUDGE_BENCH_PEOPLE", 10_000)
	reps := envInt(b, "NUDGE_BENCH_REPS", 100)
	queries := max(1_000, envInt(b, "NUDGE_BENCH_QUERIES", 1_000))
	for _, be := range testdb.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			for range b.N {
				ctx := context.Background()
				db, res, load := seedBook(b, be, seed.Config{People: people, Interactions: 10 * people, Reps: reps, Seed: 1, Tasks: true})
				b.ReportMetric(rate(int(res.Rows())+res.Companies, load), "load-rows/s")
				svc := followup.New(db, nudge.NewFixedClock(benchNow), followup.Options{})
				rep := res.Reps[0]
				u, err := db.FindUserByID(ctx, rep)
				if err != nil {
					b.Fatal(err)
				}
				loc, err := time.LoadLocation(u.TimeZone)
				if err != nil {
					b.Fatal(err)
				}
				until := svc.EndOfDay(loc)

				var found int
				// Warm the read pool and the caches first.
				latencies(b, 20, func() error { _, err := svc.Today(ctx, &rep, until); return err })
				today := latencies(b, queries, func() error {
					tasks, err := svc.Today(ctx, &rep, until)
					found = len(tasks)
					return err
				})
				bare := bareAgenda(b, be, rep, until)
				var bareFound int
				latencies(b, 20, func() error { _, err := bare(); return err })
				base := latencies(b, queries, func() error {
					var err error
					bareFound, err = bare()
					return err
				})
				if found == 0 || bareFound < found {
					b.Fatalf("Today found %d tasks, the bare query %d", found, bareFound)
				}
				b.ReportMetric(float64(found), "tasks")
				b.ReportMetric(ms(today[len(today)/2]), "p50-ms")
				b.ReportMetric(ms(today[len(today)*99/100]), "p99-ms")
				b.ReportMetric(ms(base[len(base)/2]), "bare-p50-ms")
				b.ReportMetric(ms(base[len(base)*99/100]), "bare-p99-ms")
			}
		})
	}
}

// latencies runs f n times and returns the durations, sorted.
func latencies(b *testing.B, n int, f func() error) []time.Duration {
	b.Helper()
	ds := make([]time.Duration, n)
	for i := range ds {
		start := time.Now()
		if err := f(); err != nil {
			b.Fatal(err)
		}
		ds[i] = time.Since(start)
	}
	slices.Sort(ds)
	return ds
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// bareAgenda opens a connection of its own on the backend and returns the
// agenda query on the tasks table alone, without the store: the baseline.
func bareAgenda(b *testing.B, be testdb.Backend, rep int64, until time.Time) func() (int, error) {
	b.Helper()
	driver, dsn := "pgx", be.DSN
	if be.Name == "sqlite" {
		driver, dsn = "sqlite", "file:"+be.DSN+"?_pragma=busy_timeout(5000)&_pragma=query_only(1)"
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { conn.Close() })
	stmt, err := conn.Prepare(`SELECT id, person_id, channel, due, rule, reason FROM tasks
		WHERE assignee_id = $1 AND state = 'open' AND due <= $2 ORDER BY due`)
	if err != nil {
		b.Fatal(err)
	}
	return func() (int, error) {
		rows, err := stmt.Query(rep, until.UnixMilli())
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id, person, due int64
			var channel, rule, reason string
			if err := rows.Scan(&id, &person, &channel, &due, &rule, &reason); err != nil {
				return n, err
			}
			n++
		}
		return n, rows.Err()
	}
}
