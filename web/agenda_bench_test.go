package web_test

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/web"
)

// BenchmarkAgendaAPI is the CPU cost of one GET /api/v1/tasks/today for a
// rep with NUDGE_BENCH_AGENDA_PEOPLE people (default 2,000; bench/web runs
// wrk against 10,000) and 40 tasks due, in process, beside /healthz on the
// same handler: the figure that wrk's throughput divides. Steady under a
// loaded machine where wrk's numbers are not.
func BenchmarkAgendaAPI(b *testing.B) {
	people := 2000
	if v := os.Getenv("NUDGE_BENCH_AGENDA_PEOPLE"); v != "" {
		people, _ = strconv.Atoi(v)
	}
	const leads = 40
	ctx := context.Background()
	start := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC) // Monday, 9:00 in New York
	clock := nudge.NewFixedClock(start)
	db, err := store.Open(ctx, testdb.SQLite(b).DSN, clock)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rep := &nudge.User{Email: "rep@bench.example", Name: "Bench Rep", Role: nudge.UserRep, TimeZone: "America/New_York"}
	if err := db.CreateUser(ctx, rep); err != nil {
		b.Fatal(err)
	}
	rows := func(yield func(nudge.ImportRow) bool) {
		for i := range people {
			p := nudge.Person{Name: fmt.Sprintf("Prospect %05d", i), Email: fmt.Sprintf("p%05d@bench.example", i),
				TimeZone: "America/New_York", Country: "US", Status: nudge.StatusLost}
			if i < leads {
				p.Status = nudge.StatusLead
			}
			if !yield(nudge.ImportRow{Line: i + 2, Person: p}) {
				return
			}
		}
	}
	if r, err := db.ImportPeople(ctx, iter.Seq[nudge.ImportRow](rows), nudge.ImportOptions{OwnerID: rep.ID}); err != nil || !r.Committed {
		b.Fatalf("seed: %v %+v", err, r)
	}
	svc := followup.New(db, clock, followup.Options{})
	if _, err := svc.RunOnce(ctx); err != nil {
		b.Fatal(err)
	}
	clock.Set(start.Add(3*24*time.Hour + time.Hour)) // the leads' B1 day-3 touch is due
	srv, err := web.New(db, svc, clock, web.Config{})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := db.CreateAPIToken(ctx, rep.ID, "bench")
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	get := func(path string, auth bool) time.Duration {
		req := httptest.NewRequest("GET", path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		t0 := time.Now()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
		}
		return time.Since(t0)
	}
	get("/api/v1/tasks/today", true)
	var base time.Duration
	const baseN = 2000
	for range baseN {
		base += get("/healthz", false)
	}
	b.ResetTimer()
	for b.Loop() {
		get("/api/v1/tasks/today", true)
	}
	b.StopTimer()
	per := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(base/baseN)/float64(per), "trivial/agenda")
}
