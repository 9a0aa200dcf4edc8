// Package webbench measures the web server under load with wrk: the agenda
// API of a rep with 10,000 people against a trivial handler of the same
// server, so the figure says what the agenda itself costs.
//
//	NUDGE_BENCH_WRK=1 go test ./bench/web -run TestWrkToday -v
//
// NUDGE_BENCH_DURATION (default 10s) and NUDGE_BENCH_CONNECTIONS (default
// 50) change the run.
package webbench

import (
	"context"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/web"
)

// The book: 10,000 people, most of them in the monthly drip (F1: lost
// prospects), and new leads in 3-2-4 (B1) whose first touch comes due on
// the day of the run: NUDGE_BENCH_DUE of them (default 40, a rep's day;
// G2 allows one touch per prospect a day).
const people = 10_000

func TestWrkToday(t *testing.T) {
	if os.Getenv("NUDGE_BENCH_WRK") != "1" {
		t.Skip("set NUDGE_BENCH_WRK=1 to run the wrk benchmark (needs wrk on PATH)")
	}
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Fatalf("wrk: %v", err)
	}
	duration := envOr("NUDGE_BENCH_DURATION", "10s")
	leads, err := strconv.Atoi(envOr("NUDGE_BENCH_DUE", "40"))
	if err != nil || leads < 0 || leads > people {
		t.Fatalf("NUDGE_BENCH_DUE: want 0…%d", people)
	}
	conns := envOr("NUDGE_BENCH_CONNECTIONS", "50")
	ctx := context.Background()
	start := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC) // Monday, 9:00 in New York
	clock := nudge.NewFixedClock(start)
	b := testdb.SQLite(t)
	db, err := store.Open(ctx, b.DSN, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep := &nudge.User{Email: "rep@bench.example", Name: "Bench Rep", Role: nudge.UserRep, TimeZone: "America/New_York"}
	if err := db.CreateUser(ctx, rep); err != nil {
		t.Fatal(err)
	}

	t0 := time.Now()
	rowsOf := func(yield func(nudge.ImportRow) bool) {
		for i := range people {
			p := nudge.Person{Name: fmt.Sprintf("Prospect %05d", i), Email: fmt.Sprintf("p%05d@bench.example", i),
				TimeZone: "America/New_York", Country: "US", Status: nudge.StatusLost}
			if i < leads {
				p.Status = nudge.StatusLead
			}
			if err := p.Validate(); err != nil {
				panic(err)
			}
			if !yield(nudge.ImportRow{Line: i + 2, Person: p}) {
				return
			}
		}
	}
	rep2, err := db.ImportPeople(ctx, iter.Seq[nudge.ImportRow](rowsOf), nudge.ImportOptions{OwnerID: rep.ID, Source: "bench"})
	if err != nil || !rep2.Committed {
		t.Fatalf("seed: %v %+v", err, rep2)
	}
	svc := followup.New(db, clock, followup.Options{})
	settled, err := svc.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d people and settled %d enrollments in %v", people, settled, time.Since(t0).Round(time.Millisecond))
	// Three days later the leads' first follow-up (B1, day 3) is due.
	clock.Set(start.Add(3*24*time.Hour + time.Hour))

	web.TuneGC(os.Getenv) // as nudge serve does
	srv, err := web.New(db, svc, clock, web.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	base := "http://" + ln.Addr().String()
	token, _, err := db.CreateAPIToken(ctx, rep.ID, "bench")
	if err != nil {
		t.Fatal(err)
	}
	due, err := svc.Today(ctx, &rep.ID, svc.EndOfDay(time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", base+"/api/v1/tasks/today", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET today: %v %v", err, res)
	}
	n, _ := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	t.Logf("the rep's agenda holds %d tasks due today (%d bytes of JSON)", len(due), n)
	run := func(path string, auth bool) result {
		args := []string{"-t2", "-c" + conns, "-d" + duration, "--latency"}
		if auth {
			args = append(args, "-H", "Authorization: Bearer "+token)
		}
		out, err := exec.Command(wrk, append(args, base+path)...).CombinedOutput()
		if err != nil {
			t.Fatalf("wrk %s: %v\n%s", path, err, out)
		}
		r, err := parseWrk(string(out))
		if err != nil {
			t.Fatalf("wrk %s: %v\n%s", path, err, out)
		}
		return r
	}
	health := run("/healthz", false)
	// NUDGE_BENCH_PROFILE=FILE keeps a CPU profile of the server under
	// the agenda's load.
	if f := os.Getenv("NUDGE_BENCH_PROFILE"); f != "" {
		out, err := os.Create(f)
		if err != nil {
			t.Fatal(err)
		}
		defer out.Close()
		pprof.StartCPUProfile(out)
	}
	today := run("/api/v1/tasks/today", true)
	pprof.StopCPUProfile()
	report := fmt.Sprintf("wrk, %s connections, %s each, SQLite, %d people, %d tasks due\n"+
		"  GET /healthz              %9.0f req/s  p99 %8.2f ms  (%d non-2xx)\n"+
		"  GET /api/v1/tasks/today   %9.0f req/s  p99 %8.2f ms  (%d non-2xx)\n"+
		"  today / healthz throughput: %.3f\n",
		conns, duration, people, len(due),
		health.rps, health.p99.Seconds()*1000, health.non2xx,
		today.rps, today.p99.Seconds()*1000, today.non2xx,
		today.rps/health.rps)
	fmt.Print(report)
	t.Log("\n" + report)
	if today.non2xx > 0 || health.non2xx > 0 {
		t.Errorf("some requests failed")
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// result is what a wrk run measured.
type result struct {
	rps    float64
	p99    time.Duration
	non2xx int
}

var (
	rpsRE    = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	p99RE    = regexp.MustCompile(`(?m)^\s+99%\s+([0-9.]+)(us|ms|s)\s*$`)
	non2xxRE = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
)

// parseWrk reads requests per second, the 99th percentile latency (with
// --latency) and failed responses from wrk's report.
func parseWrk(out string) (result, error) {
	var r result
	m := rpsRE.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk output")
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	m = p99RE.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no 99%% latency in wrk output (run with --latency)")
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[strings.TrimSpace(m[2])]
	r.p99 = time.Duration(v * float64(unit))
	if m := non2xxRE.FindStringSubmatch(out); m != nil {
		r.non2xx, _ = strconv.Atoi(m[1])
	}
	return r, nil
}

// TestParseWrk checks the parser on wrk's own report format.
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
  Non-2xx or 3xx responses: 3
Requests/sec:  43143.61
Transfer/sec:      4.98MB
`
	r, err := parseWrk(out)
	if err != nil {
		t.Fatal(err)
	}
	if r.rps != 43143.61 || r.p99 != 5120*time.Microsecond || r.non2xx != 3 {
		t.Errorf("parsed %+v", r)
	}
}
