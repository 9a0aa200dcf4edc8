package store

import (
	"context"
	"fmt"
	"iter"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
)

// BenchmarkImport measures ImportPeople against two plain bulk inserts of
// the same rows into the same database, without merge logic (COPY on
// PostgreSQL; one transaction of prepared multi-row INSERTs on SQLite): into
// a bare table of the people columns with only a primary key (raw), and into
// one that also has every index of people (raw-ix; see rawTable). The peak
// heap is sampled during the import.
//
//	NUDGE_BENCH_ROWS=1000000 go test -run '^$' -bench 'Import$' -benchtime 1x ./store/
//
// Metrics: import-rows/s, raw-rows/s, raw-ix-rows/s, import/raw and
// import/raw-ix (the aim is ≥ 0.5), and peak-heap-MB (must not grow with
// the row count). BenchmarkImportFile adds the file parsing.
func BenchmarkImport(b *testing.B) {
	n := benchSize(b)
	for _, be := range testdb.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			var m importMeasure
			for range b.N {
				b.StopTimer()
				ctx := context.Background()
				db := openBench(b, be)
				runtime.GC()
				peak := sampleHeap()
				b.StartTimer()
				t0 := time.Now()
				rep, err := db.ImportPeople(ctx, benchRows(n), nudge.ImportOptions{Source: "bench"})
				m.imp += time.Since(t0)
				b.StopTimer()
				m.peak = max(m.peak, peak())
				if err != nil {
					b.Fatal(err)
				}
				if rep.Created+rep.Merged != n || !rep.Committed {
					b.Fatalf("import report %+v, want %d rows stored", rep, n)
				}
				m.baselines(b, db, benchRows(n))
				db.Close()
			}
			m.report(b, n)
		})
	}
}

// importMeasure sums the times of the imports and the baselines of a
// benchmark.
type importMeasure struct {
	imp, raw, rawIx time.Duration
	peak            uint64
}

// baselines times both plain bulk inserts of rows into db.
func (m *importMeasure) baselines(b *testing.B, db *DB, rows iter.Seq[nudge.ImportRow]) {
	ctx := context.Background()
	for _, indexed := range []bool{false, true} {
		t0 := time.Now()
		if err := rawInsert(ctx, db, rows, indexed); err != nil {
			b.Fatal(err)
		}
		if indexed {
			m.rawIx += time.Since(t0)
		} else {
			m.raw += time.Since(t0)
		}
	}
}

func (m *importMeasure) report(b *testing.B, n int) {
	rows := float64(n) * float64(b.N)
	b.ReportMetric(rows/m.imp.Seconds(), "import-rows/s")
	b.ReportMetric(rows/m.raw.Seconds(), "raw-rows/s")
	b.ReportMetric(rows/m.rawIx.Seconds(), "raw-ix-rows/s")
	b.ReportMetric(m.raw.Seconds()/m.imp.Seconds(), "import/raw")
	b.ReportMetric(m.rawIx.Seconds()/m.imp.Seconds(), "import/raw-ix")
	b.ReportMetric(float64(m.peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(0, "ns/op") // one op is the whole file; the rates above say more
}

// benchSize is NUDGE_BENCH_ROWS, 20,000 by default: a quick smoke run.
func benchSize(b *testing.B) int {
	n := 20_000
	if s := os.Getenv("NUDGE_BENCH_ROWS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("NUDGE_BENCH_ROWS=%q: want a positive number", s)
		}
		n = v
	}
	return n
}

// openBench opens a new, empty database on backend be.
func openBench(b testing.TB, be testdb.Backend) *DB {
	dsn := testdb.SQLite(b).DSN
	if be.Name == postgresName {
		pg, _ := testdb.Postgres(b)
		dsn = pg.DSN
	}
	db, err := Open(context.Background(), dsn, nudge.NewFixedClock(time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)))
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// sampleHeap samples the heap in use every millisecond until the returned
// function is called, which stops sampling and returns the peak above the
// heap in use when sampling started (what the caller already holds, such as
// BenchmarkImportFile's parsed rows, is not the import's). Progress
// callbacks come every 10,000 rows, too rarely to see a batch's peak.
func sampleHeap() (peak func() uint64) {
	stop, done := make(chan struct{}), make(chan uint64)
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base := m.HeapInuse
	go func() {
		var m runtime.MemStats
		top := base
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapInuse)
			select {
			case <-stop:
				done <- top - base
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		return <-done
	}
}

// benchRows yields n generated rows without holding them: one in twenty
// repeats an earlier email (merged), one in fifty has no email, and people
// share companies twenty to one.
func benchRows(n int) iter.Seq[nudge.ImportRow] {
	return func(yield func(nudge.ImportRow) bool) {
		for i := range n {
			p := nudge.Person{
				Name:     "Person " + strconv.Itoa(i),
				Title:    "Head of Things",
				Phone:    fmt.Sprintf("+1415%07d", i%10_000_000),
				TimeZone: "America/Los_Angeles",
				Country:  "US",
				Location: nudge.Location{City: "San Francisco"},
				Status:   nudge.StatusLead,
			}
			switch {
			case i%50 == 7:
				// no email: matched by phone, which is unique here
			case i%20 == 3 && i > 100:
				p.Email = "person" + strconv.Itoa(i-100) + "@example" + strconv.Itoa((i-100)%1000) + ".com"
			default:
				p.Email = "person" + strconv.Itoa(i) + "@example" + strconv.Itoa(i%1000) + ".com"
			}
			row := nudge.ImportRow{Line: i + 2, Person: p, CompanyName: "Company " + strconv.Itoa(i/20)}
			if !yield(row) {
				return
			}
		}
	}
}

// rawTable creates the table a baseline inserts into: raw_people, with the
// people columns and a primary key and nothing else; or, when indexed,
// raw_indexed, which also has every index people has (email, phone, owner,
// company, check_at and next_touch, copied from the catalogue), so that
// maintaining them is part of the baseline. Its email index is not UNIQUE:
// the rows repeat emails, which a plain insert cannot merge.
func rawTable(ctx context.Context, db *DB, indexed bool) (string, error) {
	var cols []string
	for _, c := range importColumns {
		cols = append(cols, c.name)
	}
	table, like := "raw_people", strings.Join(cols, ", ")
	if indexed {
		table, like = "raw_indexed", "*" // check_at and next_touch_at too, with their defaults
	}
	var create []string
	var indexes string
	if db.d.name == postgresName {
		if indexed {
			create = append(create, `CREATE TABLE raw_indexed (LIKE people INCLUDING DEFAULTS INCLUDING IDENTITY)`)
		} else {
			create = append(create, `CREATE TABLE raw_people (LIKE people INCLUDING DEFAULTS INCLUDING IDENTITY)`)
		}
		create = append(create, `ALTER TABLE `+table+` ADD PRIMARY KEY (id)`)
		indexes = `SELECT indexdef FROM pg_indexes WHERE tablename = 'people' AND schemaname = current_schema() AND indexname <> 'people_pkey'`
	} else {
		if indexed {
			var ddl string
			if err := db.w.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'people'`).Scan(&ddl); err != nil {
				return "", err
			}
			create = append(create, strings.Replace(ddl, "people", table, 1))
		} else {
			create = append(create, `CREATE TABLE raw_people (id INTEGER PRIMARY KEY, `+like+`)`)
		}
		indexes = `SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'people' AND sql IS NOT NULL`
	}
	if indexed {
		rows, err := db.w.QueryContext(ctx, indexes)
		if err != nil {
			return "", err
		}
		for rows.Next() {
			var def string
			if err := rows.Scan(&def); err != nil {
				rows.Close()
				return "", err
			}
			// "CREATE UNIQUE INDEX people_email ON [schema.]people …"
			def = strings.Replace(def, "UNIQUE ", "", 1)
			def = strings.Replace(def, "INDEX people_", "INDEX raw_indexed_", 1)
			on := strings.Index(def, " ON ")
			rest := def[on+4:]
			rest = rest[strings.Index(rest, "people")+len("people"):]
			create = append(create, def[:on]+" ON raw_indexed"+rest)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", err
		}
		if len(create) < 6 {
			return "", fmt.Errorf("people has %d indexes, want the six of migrations 0001 and 0002", len(create)-1)
		}
	}
	for _, q := range create {
		if _, err := db.w.ExecContext(ctx, q); err != nil {
			return "", fmt.Errorf("%s: %w", q, err)
		}
	}
	return table, nil
}

// rawInsert stores the rows in rawTable(indexed) by the fastest plain load
// each backend offers.
func rawInsert(ctx context.Context, db *DB, rows iter.Seq[nudge.ImportRow], indexed bool) error {
	var cols []string
	for _, c := range importColumns {
		cols = append(cols, c.name)
	}
	now := ms(db.now())
	table, err := rawTable(ctx, db, indexed)
	if err != nil {
		return err
	}
	if db.d.name == postgresName {
		conn, err := db.w.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		return conn.Raw(func(dc any) error {
			pc := dc.(*stdlib.Conn).Conn()
			next, stop := iter.Pull(rows)
			defer stop()
			_, err := pc.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
				r, ok := next()
				if !ok {
					return nil, nil
				}
				vals := make([]any, len(importColumns))
				for i, c := range importColumns {
					vals[i] = c.value(&r.Person, now)
				}
				return vals, nil
			}))
			return err
		})
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	insert := func(n int) string {
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ")
		k := 0
		for r := range n {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('(')
			for i := range cols {
				if i > 0 {
					b.WriteString(", ")
				}
				k++
				b.WriteString(db.d.param(k))
			}
			b.WriteByte(')')
		}
		return b.String()
	}
	stmt, err := tx.PrepareContext(ctx, insert(importBatch))
	if err != nil {
		return err
	}
	defer stmt.Close()
	args := make([]any, 0, importBatch*len(cols))
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		var err error
		if len(args) == cap(args) {
			_, err = stmt.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insert(len(args)/len(cols)), args...)
		}
		args = args[:0]
		return err
	}
	for r := range rows {
		for _, c := range importColumns {
			args = append(args, c.value(&r.Person, now))
		}
		if len(args) == cap(args) {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return tx.Commit()
}
