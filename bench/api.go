package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/web"
)

// serve starts the real server on a free local port and returns its base
// URL and how to stop it.
// The server's garbage collector is tuned as `nudge serve` tunes it
// (web.TuneGC) until it stops.
func serve(ctx context.Context, db *store.DB, svc *followup.Service) (string, func() error, error) {
	srv, err := web.New(db, svc, nudge.NewFixedClock(benchNow), web.Config{})
	if err != nil {
		return "", nil, err
	}
	gc := debug.SetGCPercent(-1) // reads the setting…
	debug.SetGCPercent(gc)       // …and puts it back
	web.TuneGC(os.Getenv)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(sctx, ln) }()
	return "http://" + ln.Addr().String(), func() error {
		cancel()
		err := <-done
		debug.SetGCPercent(gc)
		return err
	}, nil
}

// loadResult is what a load generator measured.
type loadResult struct {
	rps      float64
	p99      time.Duration
	requests int // answered
	failed   int // non-2xx answers and errors
}

// load runs Config.Connections connections of GET url for
// Config.APIDuration with the configured generator.
func (r *runner) load(ctx context.Context, url, token string) (loadResult, error) {
	if r.cfg.Load == "wrk" {
		return wrkLoad(ctx, r.cfg.Wrk, url, token, r.cfg.Connections, r.cfg.APIDuration)
	}
	return goLoad(ctx, url, token, r.cfg.Connections, r.cfg.APIDuration)
}

// wrkLoad runs wrk, one thread per CPU, and reads its report.
func wrkLoad(ctx context.Context, wrk, url, token string, conns int, d time.Duration) (loadResult, error) {
	secs := max(1, int(math.Ceil(d.Seconds()))) // wrk takes whole seconds
	// wrk gives up on a request after 2 s by default and counts it as an
	// error; on a loaded machine the agenda can take longer: wait.
	args := []string{"-t" + strconv.Itoa(min(runtime.NumCPU(), conns)), "-c" + strconv.Itoa(conns),
		"-d" + strconv.Itoa(secs) + "s", "--timeout", "60s", "--latency"}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	out, err := exec.CommandContext(ctx, wrk, append(args, url)...).CombinedOutput()
	if err != nil {
		return loadResult{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	res, err := parseWrk(string(out))
	if err != nil {
		return res, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	return res, nil
}

var (
	wrkRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkP99      = regexp.MustCompile(`(?m)^\s+99%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkRequests = regexp.MustCompile(`(\d+) requests in`)
	wrkNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	wrkErrors   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// parseWrk reads wrk's report (run with --latency): requests per second,
// the 99th percentile, requests answered and failed.
func parseWrk(out string) (loadResult, error) {
	var r loadResult
	m := wrkRPS.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in the report")
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	m = wrkP99.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no 99%% latency in the report (--latency)")
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[2]]
	r.p99 = time.Duration(v * float64(unit))
	if m := wrkRequests.FindStringSubmatch(out); m != nil {
		r.requests, _ = strconv.Atoi(m[1])
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		r.failed, _ = strconv.Atoi(m[1])
	}
	if m := wrkErrors.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.Atoi(s)
			r.failed += n
		}
	}
	return r, nil
}

// goLoad is the load generator without wrk: conns goroutines, each with a
// keep-alive connection of its own, sending GET url back to back for d.
// It runs in this process, so it takes a share of the CPUs from the server.
func goLoad(ctx context.Context, url, token string, conns int, d time.Duration) (loadResult, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr}
	lat := make([][]time.Duration, conns)
	failed := make([]int, conns)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for c := range conns {
		wg.Go(func() {
			req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
			if err != nil {
				failed[c]++
				return
			}
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			for time.Now().Before(deadline) {
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					failed[c]++
					return // the server is gone: the run fails on the count
				}
				_, err = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat[c] = append(lat[c], time.Since(t0))
				if err != nil || res.StatusCode/100 != 2 {
					failed[c]++
				}
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	all := slices.Concat(lat...)
	slices.Sort(all)
	var r loadResult
	r.requests = len(all)
	for _, f := range failed {
		r.failed += f
	}
	r.rps = float64(r.requests) / took.Seconds()
	r.p99 = quantile(all, 0.99)
	if r.requests == 0 {
		return r, fmt.Errorf("no request answered in %s", d)
	}
	return r, ctx.Err()
}

// wrkPath finds wrk on PATH.
func wrkPath() string {
	p, err := exec.LookPath("wrk")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(p)
}
