package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"slices"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/seed"
	"github.com/nudgecrm/nudge/store"
)

// benchNow is the run's clock: a Monday, 09:00 in New York, so that reps
// across the zones have a working day of tasks.
var benchNow = time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)

// engineBatch is how many due people one scheduler transaction settles
// (followup.Options.Batch's default), and so the bare queue's batch too.
const engineBatch = 200

// Config is the size and shape of a run.
type Config struct {
	People       int    `json:"people"`
	Interactions int    `json:"interactions"` // 0: ten per person
	Reps         int    `json:"reps"`         // 0: one per 1,000 people
	Seed         uint64 `json:"seed"`
	// Steps is how many people of the book are left due for the engine
	// (seed.Config.Due); 0: 10,000 or everyone in a smaller book.
	Steps int `json:"steps"`
	// Queries is how many `today` calls are timed; 0: 1,000.
	Queries int `json:"queries"`
	// APIDuration is how long each handler is loaded; 0: 10 s.
	APIDuration time.Duration `json:"api_duration_ns"`
	Connections int           `json:"connections"` // 0: 50
	// Load is the load generator: "wrk" (the wrk command, at Wrk) or "go"
	// (goroutines in this process, sharing its CPUs and its RSS).
	Load string `json:"load"`
	Wrk  string `json:"-"`
	// Progress hears of each phase as it ends; nil: silence.
	Progress io.Writer `json:"-"`
}

// Validate checks the configuration and fills in the defaults.
func (c *Config) Validate() error {
	if c.People <= 0 || c.Interactions < 0 || c.Reps < 0 || c.Steps < 0 || c.Queries < 0 || c.Connections < 0 || c.APIDuration < 0 {
		return errors.New("people must be positive; interactions, reps, steps, queries, connections and duration not negative")
	}
	if c.Interactions == 0 {
		c.Interactions = 10 * c.People
	}
	if c.Interactions > seed.MaxTouches*c.People {
		return fmt.Errorf("%d interactions for %d people: at most %d each", c.Interactions, c.People, seed.MaxTouches)
	}
	if c.Reps == 0 {
		// A rep's book of 1,000 people with their tasks spread over 30
		// business days (seed.Config.TaskDays) gives them about 35 touches
		// due by the end of their day, the zones ahead included: a day's
		// work. The people the engine plans add theirs, due at once.
		c.Reps = max(1, c.People/1_000)
	}
	if c.Steps == 0 {
		c.Steps = min(c.People, 10_000)
	}
	if c.Steps > c.People {
		return fmt.Errorf("%d steps in a book of %d people", c.Steps, c.People)
	}
	if c.Queries == 0 {
		c.Queries = 1_000
	}
	if c.APIDuration == 0 {
		c.APIDuration = 10 * time.Second
	}
	if c.Connections == 0 {
		c.Connections = 50
	}
	switch c.Load {
	case "go":
	case "wrk":
		if c.Wrk == "" {
			return errors.New("load wrk: no path to wrk")
		}
	default:
		return fmt.Errorf("load %q: want wrk or go", c.Load)
	}
	return nil
}

// book is the generator of the run's book; every call gives the same book.
func (c Config) book(due int) (*seed.Generator, error) {
	return seed.New(seed.Config{People: c.People, Interactions: c.Interactions, Reps: c.Reps, Seed: c.Seed,
		Now: benchNow, Tasks: true, Due: due})
}

// backend is a database the run measures nudge on.
type backend struct {
	name string // "sqlite" or "postgres"
	// fresh returns what store.Open takes for a new, empty database, and
	// how to remove it.
	fresh func() (dsn string, drop func() error, err error)
}

// Run measures every backend in turn and returns the table.
func Run(ctx context.Context, cfg Config, backends []backend) (*Table, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	t := &Table{Machine: thisMachine(time.Now()), Config: cfg}
	for _, be := range backends {
		r := &runner{cfg: cfg, be: be, col: &column{Backend: be.name, Cells: map[string]cell{}}}
		if err := r.run(ctx); err != nil {
			return t, fmt.Errorf("%s: %w", be.name, err)
		}
		t.Columns = append(t.Columns, *r.col)
	}
	t.Machine.LoadEnd = loadAverage()
	return t, nil
}

// runner measures one backend.
type runner struct {
	cfg Config
	be  backend
	col *column
	// The peak RSS of nudge's phases and of the bare ones; rssErr when it
	// cannot be measured here.
	rss, bareRSS int64
	rssErr       error
}

// phase runs f as one part of the run, with a peak RSS of its own: of
// nudge's work, or of a ceiling's (bare).
func (r *runner) phase(name string, bare bool, f func() error) error {
	if r.rssErr == nil {
		r.rssErr = resetPeakRSS()
	}
	start := time.Now()
	if err := f(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if r.rssErr == nil {
		peak, err := peakRSS()
		r.rssErr = err
		if bare {
			r.bareRSS = max(r.bareRSS, peak)
		} else {
			r.rss = max(r.rss, peak)
		}
	}
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, "%-8s %-12s %10s  (%s)\n", r.be.name, name, time.Since(start).Round(time.Millisecond), loadAverage())
	}
	return nil
}

func (r *runner) run(ctx context.Context) error {
	if err := r.importPeople(ctx); err != nil {
		return err
	}
	db, bare, dsn, done, err := r.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	if r.col.Version, err = version(ctx, bare); err != nil {
		return err
	}
	reps, err := r.seed(ctx, db, bare)
	if err != nil {
		return err
	}
	svc := followup.New(db, nudge.NewFixedClock(benchNow), followup.Options{RepCompany: "A-Z Company", Batch: engineBatch})
	if err := r.engine(ctx, svc, bare); err != nil {
		return err
	}
	if err := r.today(ctx, db, svc, dsn, reps); err != nil {
		return err
	}
	if err := r.api(ctx, db, svc, reps[0]); err != nil {
		return err
	}
	if err := r.report(ctx, db, bare); err != nil {
		return err
	}
	if r.rssErr != nil {
		r.col.missing("rss", r.rssErr.Error())
	} else {
		r.col.set("rss", float64(r.rss)/(1<<20), float64(r.bareRSS)/(1<<20))
	}
	return nil
}

// open makes a new database and opens it with the store and bare; done
// closes both and removes the database.
func (r *runner) open(ctx context.Context) (db *store.DB, bare *bareDB, dsn string, done func(), err error) {
	dsn, drop, err := r.be.fresh()
	if err != nil {
		return nil, nil, "", nil, err
	}
	db, err = store.Open(ctx, dsn, nudge.NewFixedClock(benchNow))
	if err == nil {
		bare, err = openBare(dsn, false)
		if err != nil {
			db.Close()
		}
	}
	if err != nil {
		drop()
		return nil, nil, "", nil, err
	}
	return db, bare, dsn, func() {
		bare.Close()
		db.Close()
		if err := drop(); err != nil && r.cfg.Progress != nil {
			fmt.Fprintf(r.cfg.Progress, "%s: removing the database: %v\n", r.be.name, err)
		}
	}, nil
}

// version names the database engine.
func version(ctx context.Context, b *bareDB) (string, error) {
	q := `SELECT sqlite_version()`
	if b.postgres {
		q = `SHOW server_version`
	}
	var v string
	err := b.QueryRowContext(ctx, q).Scan(&v)
	return v, err
}

// importRows turns the people of g into the rows of an import file: no
// owner, their company by name.
func importRows(g *seed.Generator) iter.Seq[nudge.ImportRow] {
	return func(yield func(nudge.ImportRow) bool) {
		var companies []string
		for c := range g.Companies() {
			companies = append(companies, c.Name)
		}
		line := 1
		for bp := range g.People() {
			p := bp.Person
			company := companies[p.CompanyID-1]
			p.OwnerID, p.CompanyID = 0, 0
			line++
			if !yield(nudge.ImportRow{Line: line, Person: p, CompanyName: company}) {
				return
			}
		}
	}
}

// importPeople measures `nudge import` (store.ImportPeople: the merge rule,
// one transaction) of the book's people into a database of its own,
// against the same rows bulk-inserted into a copy of people without
// indexes.
func (r *runner) importPeople(ctx context.Context) error {
	g, err := r.cfg.book(0)
	if err != nil {
		return err
	}
	db, bare, _, done, err := r.open(ctx)
	if err != nil {
		return err
	}
	defer done()
	var took time.Duration
	err = r.phase("import", false, func() error {
		start := time.Now()
		rep, err := db.ImportPeople(ctx, importRows(g), nudge.ImportOptions{Source: "bench"})
		took = time.Since(start)
		if err != nil {
			return err
		}
		if !rep.Committed || rep.Rejected != 0 || rep.Created+rep.Merged != r.cfg.People {
			return fmt.Errorf("import report: %d rows, %d created, %d merged, %d rejected (%v); want %d people",
				rep.Rows, rep.Created, rep.Merged, rep.Rejected, rep.Rejections[:min(3, len(rep.Rejections))], r.cfg.People)
		}
		r.col.Counts.Imported = int64(rep.Rows)
		return nil
	})
	if err != nil {
		return err
	}
	if err := bare.copyOf(ctx, "bare_import", "people"); err != nil {
		return err
	}
	var bareTook time.Duration
	err = r.phase("bare import", true, func() error {
		start := time.Now()
		n, err := bareImport(ctx, bare, importRows(g), benchNow)
		bareTook = time.Since(start)
		if err == nil && n != r.col.Counts.Imported {
			err = fmt.Errorf("%d rows, the import had %d", n, r.col.Counts.Imported)
		}
		return err
	})
	if err != nil {
		return err
	}
	rows := float64(r.col.Counts.Imported)
	r.col.set("import", rows/took.Seconds(), rows/bareTook.Seconds())
	return nil
}

// seed measures `nudge dev seed` (seed.Load: reps, companies, then people
// with their history, enrollment and open task by store.BulkLoad), with
// Config.Steps people left due for the engine, against the same rows
// bulk-inserted into copies of the tables without indexes. It returns the
// reps' ids.
func (r *runner) seed(ctx context.Context, db *store.DB, bare *bareDB) ([]int64, error) {
	g, err := r.cfg.book(r.cfg.Steps)
	if err != nil {
		return nil, err
	}
	var res seed.Result
	var took time.Duration
	err = r.phase("seed", false, func() error {
		start := time.Now()
		res, err = seed.Load(ctx, db, g, seed.Options{})
		took = time.Since(start)
		return err
	})
	if err != nil {
		return nil, err
	}
	k := &r.col.Counts
	k.SeedRows = res.Rows() + int64(res.Companies)
	k.People, k.Interactions, k.Tasks = res.People, res.Interactions, res.Tasks
	if k.People != int64(r.cfg.People) || k.Interactions != int64(r.cfg.Interactions) {
		return nil, fmt.Errorf("seeded %d people and %d interactions, want %d and %d", k.People, k.Interactions, r.cfg.People, r.cfg.Interactions)
	}
	tables := map[string]string{"bare_companies": "companies", "bare_people": "people", "bare_interactions": "interactions",
		"bare_enrollments": "enrollments", "bare_tasks": "tasks"}
	for _, b := range bareSeedTables {
		if err := bare.copyOf(ctx, b, tables[b]); err != nil {
			return nil, err
		}
	}
	var bareTook time.Duration
	err = r.phase("bare seed", true, func() error {
		start := time.Now()
		n, err := bareSeed(ctx, bare, g, benchNow)
		bareTook = time.Since(start)
		if err == nil && n != k.SeedRows {
			err = fmt.Errorf("%d rows, the seed had %d", n, k.SeedRows)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := bare.drop(ctx, bareSeedTables...); err != nil {
		return nil, err
	}
	rows := float64(k.SeedRows)
	r.col.set("seed", rows/took.Seconds(), rows/bareTook.Seconds())
	return res.Reps, nil
}

// engine measures the scheduler settling the due people (RunOnce: claim a
// batch, load each person's history, plan, write enrollment, task and
// schedule) against the bare queue of as many jobs.
func (r *runner) engine(ctx context.Context, svc *followup.Service, bare *bareDB) error {
	var took time.Duration
	err := r.phase("engine", false, func() error {
		start := time.Now()
		n, err := svc.RunOnce(ctx)
		took = time.Since(start)
		r.col.Counts.Steps = n
		if err == nil && n != r.cfg.Steps {
			err = fmt.Errorf("settled %d people, %d were due", n, r.cfg.Steps)
		}
		return err
	})
	if err != nil {
		return err
	}
	var bareTook time.Duration
	err = r.phase("bare queue", true, func() error {
		var err error
		r.col.Counts.QueueJobs, bareTook, err = bareQueue(ctx, bare, r.cfg.Steps, engineBatch)
		if err == nil && r.col.Counts.QueueJobs != r.cfg.Steps {
			err = fmt.Errorf("completed %d jobs of %d", r.col.Counts.QueueJobs, r.cfg.Steps)
		}
		return err
	})
	if err != nil {
		return err
	}
	n := float64(r.cfg.Steps)
	r.col.set("engine", n/took.Seconds(), n/bareTook.Seconds())
	return nil
}

// today measures followup.Service.Today — each rep in turn, their open
// tasks due by the end of their day — against the bare indexed query of
// the same tasks on a connection of its own; p50 and p99 of Config.Queries
// calls each, after a warm-up round.
func (r *runner) today(ctx context.Context, db *store.DB, svc *followup.Service, dsn string, reps []int64) error {
	until := make([]time.Time, len(reps))
	for i, id := range reps {
		u, err := db.FindUserByID(ctx, id)
		if err != nil {
			return err
		}
		loc, err := time.LoadLocation(u.TimeZone)
		if err != nil {
			return err
		}
		until[i] = svc.EndOfDay(loc)
	}
	found := make([]int, len(reps))
	var times []time.Duration
	err := r.phase("today", false, func() error {
		for i := range reps {
			tasks, err := svc.Today(ctx, &reps[i], until[i])
			if err != nil {
				return err
			}
			found[i] = len(tasks)
			r.col.Counts.TodayTasks += len(tasks)
		}
		r.col.Counts.APIAgenda = found[0] // the rep of the API phase
		var err error
		times, err = timeCalls(r.cfg.Queries, func(i int) error {
			_, err := svc.Today(ctx, &reps[i%len(reps)], until[i%len(reps)])
			return err
		})
		return err
	})
	if err != nil {
		return err
	}
	if r.col.Counts.TodayTasks == 0 {
		return errors.New("today: no rep has a task due today")
	}
	reader, err := openBare(dsn, true)
	if err != nil {
		return err
	}
	defer reader.Close()
	query, done, err := bareAgenda(ctx, reader)
	if err != nil {
		return err
	}
	defer done()
	var bareTimes []time.Duration
	err = r.phase("bare today", true, func() error {
		for i := range reps {
			n, err := query(reps[i], until[i])
			if err != nil {
				return err
			}
			if n < found[i] {
				return fmt.Errorf("rep %d: the bare query found %d tasks, today %d", reps[i], n, found[i])
			}
		}
		var err error
		bareTimes, err = timeCalls(r.cfg.Queries, func(i int) error {
			_, err := query(reps[i%len(reps)], until[i%len(reps)])
			return err
		})
		return err
	})
	if err != nil {
		return err
	}
	r.col.set("today_p50", ms(quantile(times, 0.50)), ms(quantile(bareTimes, 0.50)))
	r.col.set("today_p99", ms(quantile(times, 0.99)), ms(quantile(bareTimes, 0.99)))
	return nil
}

// timeCalls runs f(0)…f(n-1) and returns their durations, sorted.
func timeCalls(n int, f func(i int) error) ([]time.Duration, error) {
	ds := make([]time.Duration, n)
	for i := range ds {
		start := time.Now()
		if err := f(i); err != nil {
			return nil, err
		}
		ds[i] = time.Since(start)
	}
	slices.Sort(ds)
	return ds, nil
}

// quantile of sorted durations: the smallest d with at least q of them at
// or below it.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// report times the reports of issue 6 over the whole book against a bare
// count of the interactions they are about.
func (r *runner) report(ctx context.Context, db *store.DB, bare *bareDB) error {
	var took, bareTook time.Duration
	err := r.phase("report", false, func() error {
		var err error
		took, err = reportTime(ctx, db)
		return err
	})
	if err != nil {
		return err
	}
	err = r.phase("bare report", true, func() error {
		start := time.Now()
		var n int64
		err := bare.QueryRowContext(ctx, `SELECT count(*) FROM interactions`).Scan(&n)
		bareTook = time.Since(start)
		if err == nil && n != r.col.Counts.Interactions {
			err = fmt.Errorf("counted %d interactions, the book has %d", n, r.col.Counts.Interactions)
		}
		return err
	})
	if err != nil {
		return err
	}
	r.col.set("report", ms(took), ms(bareTook))
	return nil
}

// api measures GET /api/v1/tasks/today of one rep through the real server
// (token check, scope, the agenda, JSON) under Config.Connections
// connections, against the server's trivial /healthz handler under the same
// load, each for Config.APIDuration.
func (r *runner) api(ctx context.Context, db *store.DB, svc *followup.Service, rep int64) (err error) {
	base, stop, err := serve(ctx, db, svc)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stop()) }()
	token, _, err := db.CreateAPIToken(ctx, rep, "bench")
	if err != nil {
		return err
	}
	if r.col.Counts.APIBytes, err = get(ctx, base+"/api/v1/tasks/today", token); err != nil {
		return err
	}
	var health, today loadResult
	err = r.phase("api healthz", true, func() error {
		var err error
		health, err = r.load(ctx, base+"/healthz", "")
		return err
	})
	if err != nil {
		return err
	}
	err = r.phase("api today", false, func() error {
		var err error
		today, err = r.load(ctx, base+"/api/v1/tasks/today", token)
		return err
	})
	if err != nil {
		return err
	}
	k := &r.col.Counts
	k.APIRequests, k.HealthChecks, k.APIFailed = today.requests, health.requests, today.failed+health.failed
	if k.APIFailed > 0 {
		return fmt.Errorf("api: %d requests failed under load", k.APIFailed)
	}
	r.col.set("api", today.rps, health.rps)
	r.col.set("api_p99", ms(today.p99), ms(health.p99))
	return nil
}

// get checks that one request succeeds before loading it, and returns the
// size of the answer.
func get(ctx context.Context, url, token string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 500))
		return 0, fmt.Errorf("GET %s: %s: %s", url, res.Status, b)
	}
	return io.Copy(io.Discard, res.Body)
}
