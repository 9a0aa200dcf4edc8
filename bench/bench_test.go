package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge/internal/testdb"
)

// TestTable runs the whole harness on a tiny book on every backend
// available, so that `go test ./...` keeps it working; the figures are not
// checked (timings are not for unit tests), the work behind them is.
// NUDGE_BENCH_WRK=1 loads the API with wrk instead of goroutines.
func TestTable(t *testing.T) {
	cfg := Config{People: 300, Interactions: 2_400, Reps: 2, Seed: 1, Steps: 60, Queries: 20,
		APIDuration: 200 * time.Millisecond, Connections: 8, Load: "go"}
	if os.Getenv("NUDGE_BENCH_WRK") == "1" {
		cfg.Load, cfg.Wrk, cfg.APIDuration = "wrk", wrkPath(), time.Second
		if cfg.Wrk == "" {
			t.Fatal("NUDGE_BENCH_WRK=1 but no wrk on PATH")
		}
	}
	var bes []backend
	for _, b := range testdb.Backends(t) {
		bes = append(bes, backend{name: b.Name, fresh: func() (string, func() error, error) {
			if b.Name == "sqlite" {
				return testdb.SQLite(t).DSN, func() error { return nil }, nil
			}
			pg, _ := testdb.Postgres(t)
			return pg.DSN, func() error { return nil }, nil
		}})
	}
	var progress bytes.Buffer
	cfg.Progress = &progress
	table, err := Run(context.Background(), cfg, bes)
	if err != nil {
		t.Fatalf("%v\n%s", err, progress.String())
	}
	if len(table.Columns) != len(bes) {
		t.Fatalf("%d columns for %d backends", len(table.Columns), len(bes))
	}
	for _, c := range table.Columns {
		k := c.Counts
		if k.Imported != 300 || k.People != 300 || k.Interactions != 2_400 || k.Steps != 60 || k.QueueJobs != 60 {
			t.Errorf("%s: counts %+v: want 300 imported and seeded, 2,400 interactions, 60 steps and jobs", c.Backend, k)
		}
		// Every contactable person not left due has one enrollment and one
		// task: people + companies + interactions + 2 × tasks.
		if k.Tasks < 200 || k.SeedRows < 300+2_400+2*k.Tasks || k.TodayTasks == 0 || k.APIAgenda == 0 || k.APIBytes == 0 ||
			k.APIRequests == 0 || k.HealthChecks == 0 {
			t.Errorf("%s: counts %+v", c.Backend, k)
		}
		if c.Version == "" {
			t.Errorf("%s: no version", c.Backend)
		}
		for _, m := range measures {
			x, ok := c.Cells[m.key]
			switch {
			case !ok:
				t.Errorf("%s: no %s", c.Backend, m.key)
			case x.Missing != "":
				if m.key != "rss" || !strings.HasPrefix(x.Missing, errNoRSS.Error()) {
					t.Errorf("%s: %s not measured: %s", c.Backend, m.key, x.Missing)
				}
			case !(x.Value > 0 && x.Ceiling > 0 && x.Ratio > 0):
				t.Errorf("%s: %s = %+v", c.Backend, m.key, x)
			}
		}
	}
	var text bytes.Buffer
	if err := table.Text(&text); err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s\n%s", progress.String(), text.String())
}

// The table as it goes into the README.
func TestMarkdown(t *testing.T) {
	table := &Table{
		Machine: Machine{Date: "2026-11-29", OS: "linux/amd64", CPUs: 2, Model: "Intel(R) Xeon(R) Processor", MemGiB: 23.4,
			Go: "go1.26.8", LoadStart: "1.60 1.00 0.54", LoadEnd: "2.10 1.90 1.20"},
		Config: Config{People: 100_000, Interactions: 1_000_000, Reps: 10, Seed: 1, Steps: 10_000, Queries: 1_000,
			APIDuration: 10 * time.Second, Connections: 50, Load: "wrk"},
	}
	sqlite := column{Backend: "sqlite", Version: "3.50.4", Cells: map[string]cell{},
		Counts: counts{SeedRows: 2_302_500, Tasks: 87_000, Imported: 100_000, Steps: 10_000, TodayTasks: 4_321,
			APIAgenda: 98, APIBytes: 120_000, APIRequests: 15_000}}
	sqlite.set("import", 24_310.4, 51_002)
	sqlite.set("today_p50", 9.4, 1.2)
	sqlite.missing("report", "not written yet")
	pg := column{Backend: "postgres", Version: "16.4", Cells: map[string]cell{}}
	pg.set("import", 14_000, 100_000)
	table.Columns = []column{sqlite, pg}
	var b bytes.Buffer
	if err := table.Markdown(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	want := []string{
		"| measure | SQLite | SQLite ceiling | ratio | PostgreSQL | PostgreSQL ceiling | ratio | ceiling |",
		"|---|--:|--:|--:|--:|--:|--:|---|",
		"| import, rows/s (`nudge import`: merge rule, all or nothing) | 24,310 | 51,002 | 0.48 | 14,000 | 100,000 | 0.14 | bare bulk insert of the same rows, no indexes |",
		"| seed, rows/s (`nudge dev seed`: the whole book) | — | — | — | — | — | — | bare bulk insert of the same rows, no indexes |",
		"| `today` p50, ms (each rep in turn) | 9.40 | 1.20 | 0.13 | — | — | — | bare indexed query of the same tasks |",
	}
	for i, w := range want {
		if lines[i] != w {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, lines[i], w)
		}
	}
	for _, w := range []string{
		"| reports H1–H3 and replies, ms (issue 6) | not measured | — | — | — | — | — |",
		"2026-11-29, linux/amd64; 2 CPUs (Intel(R) Xeon(R) Processor), 23 GiB, load average 1.60 1.00 0.54 at the start and 2.10 1.90 1.20 at the end; go1.26.8.",
		"Book: 100,000 people, 1,000,000 interactions, 10 reps (seed 1); 10,000 people due for the engine; `today` 1,000 calls; API 50 connections for 10s each with wrk.",
		"SQLite 3.50.4: 2,302,500 rows seeded (87,000 open tasks), 100,000 imported, 10,000 engine steps, 4,321 tasks due today over all reps; " +
			"the API's agenda 98 tasks (117 KB of JSON), 15,000 requests under load (0 failed).",
		"Not measured: SQLite, report: not written yet",
	} {
		if !strings.Contains(b.String(), w) {
			t.Errorf("no %q in\n%s", w, b.String())
		}
	}
}

func TestFigures(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{1_234_567.4, "1,234,567"}, {100, "100"}, {99.94, "99.9"}, {9.404, "9.40"}, {0.0634, "0.063"}} {
		if got := figure(c.v); got != c.want {
			t.Errorf("figure(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	for _, c := range []struct {
		r    float64
		want string
	}{{0.0634, "0.063"}, {0.456, "0.46"}, {1.25, "1.2"}, {12.4, "12"}} {
		if got := ratio(c.r); got != c.want {
			t.Errorf("ratio(%v) = %q, want %q", c.r, got, c.want)
		}
	}
	ds := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if q := quantile(ds, 0.5); q != 5 {
		t.Errorf("p50 of 1…10 = %d, want 5", q)
	}
	if q := quantile(ds, 0.99); q != 10 {
		t.Errorf("p99 of 1…10 = %d, want 10", q)
	}
}

// TestParseWrk reads wrk's own report format.
func TestParseWrk(t *testing.T) {
	out := `Running 10s test @ http://127.0.0.1:8080/healthz
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.21ms    1.02ms  22.49ms   88.73%
    Req/Sec    21.68k     2.10k   27.23k    71.00%
  Latency Distribution
     50%    0.95ms
     75%    1.45ms
     90%    2.31ms
     99%    5.12ms
  431513 requests in 10.00s, 49.79MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 3
Requests/sec:  43143.61
Transfer/sec:      4.98MB
`
	r, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.rps != 43143.61 || r.p99 != 5120*time.Microsecond || r.requests != 431513 || r.failed != 6 {
		t.Errorf("parsed %+v", r)
	}
	if _, err := parseWrk("Running 10s test\n"); err == nil {
		t.Error("no error for a report without figures")
	}
}
