package faults

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/nudgecrm/nudge/internal/testdb"
)

// TestPostgresRestart restarts PostgreSQL under load: two `nudge serve`
// instances on a private cluster answer API requests while they plan, send
// and record due email steps; the server is restarted (pg_ctl restart -m
// fast) once a quarter of the emails are out. The instances must not die:
// each answers the API again within a bound after the server is back, and
// the due steps finish exactly once — a message whose send the restart
// interrupted is held as uncertain, never sent twice.
func TestPostgresRestart(t *testing.T) {
	n := 2_000
	if testing.Short() {
		n = 600
	}
	c := startCluster(t)
	if c == nil {
		return
	}
	s := startSink(t)
	k := newBook(t, testdb.Backend{Name: "postgres", DSN: c.dsn})
	k.addReps(2, s)
	token, _, err := k.db.CreateAPIToken(k.ctx, k.reps[0].ID, "load")
	if err != nil {
		t.Fatal(err)
	}
	k.loadDue(n)
	env := k.env()
	procs := make([]*proc, 2)
	bases := make([]string, 2)
	for i, name := range []string{"instance-1", "instance-2"} {
		procs[i], bases[i] = serve(t, name, env, "--every", "250ms")
	}

	// The API load: each instance is asked for the rep's profile every
	// 20 ms; lastOK is when it last answered 200.
	var mu sync.Mutex
	lastOK := make([]time.Time, 2)
	failed := make([]int, 2)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for i := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
				req, _ := http.NewRequest("GET", bases[i]+"/api/v1/me", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				ok := err == nil && resp.StatusCode == http.StatusOK
				if err == nil {
					resp.Body.Close()
				}
				mu.Lock()
				if ok {
					lastOK[i] = time.Now()
				} else {
					failed[i]++
				}
				mu.Unlock()
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()

	waitFor(t, 3*time.Minute, "a quarter of the emails to go out", func() bool { return s.Total() >= n/4 },
		func() string { return "messages by state " + fmtStates(k.states()) })
	before := k.states()
	down := time.Now()
	c.restart(t)
	back := time.Now()
	t.Logf("PostgreSQL restarted in %s under load (messages then %s)", back.Sub(down).Round(time.Millisecond), fmtStates(before))

	// Every instance answers again soon after the server is back.
	const bound = 15 * time.Second
	for i, p := range procs {
		waitFor(t, bound, p.name+" to answer the API again after the restart", func() bool {
			mu.Lock()
			defer mu.Unlock()
			return lastOK[i].After(back)
		})
		mu.Lock()
		t.Logf("%s answered again %s after the server was back (%d requests failed in all)",
			p.name, lastOK[i].Sub(back).Round(time.Millisecond), failed[i])
		mu.Unlock()
	}

	waitFor(t, 3*time.Minute, "the due steps to finish", func() bool {
		return k.count(`SELECT COUNT(*) FROM people WHERE check_at IS NOT NULL AND check_at <= $1`, faultNow.UnixMilli()) == 0 &&
			k.count(`SELECT COUNT(*) FROM messages WHERE state IN ('queued', 'claimed', 'sending')
				OR (state = 'sent' AND recorded_at IS NULL)`) == 0 &&
			k.count(`SELECT COUNT(*) FROM messages`) == n
	}, func() string { return "messages by state " + fmtStates(k.states()) })
	for _, p := range procs {
		if p.exited() {
			t.Errorf("%s exited: %v", p.name, p.err)
		}
	}
	st := k.states()
	t.Logf("after the restart: messages %s", fmtStates(st))
	checkExactlyOnce(t, k, s, n, -1)
	k.checkIntegrity()
	for _, p := range procs {
		p.stop(t, 30*time.Second)
	}
}
