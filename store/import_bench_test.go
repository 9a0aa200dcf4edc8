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

// BenchmarkImport measures ImportPeople against a plain bulk insert of the
// same rows into a table of the same shape without indexes' merge logic
// (COPY on PostgreSQL; one transaction of prepared multi-row INSERTs on
// SQLite), and the peak heap during the import.
//
//	NUDGE_BENCH_ROWS=1000000 go test -run '^$' -bench Import -benchtime 1x ./store/
//
// Metrics: import-rows/s, raw-rows/s, import/raw (the aim is ≥ 0.5), and
// peak-heap-MB (must not grow with the row count).
func BenchmarkImport(b *testing.B) {
	n := 20_000
	if s := os.Getenv("NUDGE_BENCH_ROWS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			b.Fatalf("NUDGE_BENCH_ROWS=%q: want a positive number", s)
		}
		n = v
	}
	for _, be := range testdb.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			var importTime, rawTime time.Duration
			var peak uint64
			for range b.N {
				b.StopTimer()
				var dsn string
				if be.Name == postgresName {
					pg, _ := testdb.Postgres(b)
					dsn = pg.DSN
				} else {
					dsn = testdb.SQLite(b).DSN
				}
				ctx := context.Background()
				db, err := Open(ctx, dsn, nudge.NewFixedClock(time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)))
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				opts := nudge.ImportOptions{Source: "bench", Progress: func(int) {
					var m runtime.MemStats
					runtime.ReadMemStats(&m)
					peak = max(peak, m.HeapAlloc)
				}}
				b.StartTimer()
				t0 := time.Now()
				rep, err := db.ImportPeople(ctx, benchRows(n), opts)
				importTime += time.Since(t0)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if rep.Created+rep.Merged != n || !rep.Committed {
					b.Fatalf("import report %+v, want %d rows stored", rep, n)
				}
				t0 = time.Now()
				if err := rawInsert(ctx, db, benchRows(n)); err != nil {
					b.Fatal(err)
				}
				rawTime += time.Since(t0)
				db.Close()
			}
			rows := float64(n) * float64(b.N)
			b.ReportMetric(rows/importTime.Seconds(), "import-rows/s")
			b.ReportMetric(rows/rawTime.Seconds(), "raw-rows/s")
			b.ReportMetric(rawTime.Seconds()/importTime.Seconds(), "import/raw")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(0, "ns/op") // one op is the whole file; the rates above say more
		})
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

// rawInsert stores the rows in raw_people, a table with the people columns,
// a primary key and nothing else: the fastest plain load each backend offers.
func rawInsert(ctx context.Context, db *DB, rows iter.Seq[nudge.ImportRow]) error {
	var cols []string
	for _, c := range importColumns {
		cols = append(cols, c.name)
	}
	now := ms(db.now())
	if db.d.name == postgresName {
		if _, err := db.w.ExecContext(ctx, `CREATE TABLE raw_people (LIKE people INCLUDING DEFAULTS INCLUDING IDENTITY);
			ALTER TABLE raw_people ADD PRIMARY KEY (id)`); err != nil {
			return err
		}
		conn, err := db.w.Conn(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		return conn.Raw(func(dc any) error {
			pc := dc.(*stdlib.Conn).Conn()
			next, stop := iter.Pull(rows)
			defer stop()
			_, err := pc.CopyFrom(ctx, pgx.Identifier{"raw_people"}, cols, pgx.CopyFromFunc(func() ([]any, error) {
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
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE raw_people AS SELECT `+strings.Join(cols, ", ")+` FROM people WHERE 0`); err != nil {
		return err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	insert := func(n int) string {
		var b strings.Builder
		b.WriteString("INSERT INTO raw_people (" + strings.Join(cols, ", ") + ") VALUES ")
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
