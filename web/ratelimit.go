package web

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/nudgecrm/nudge"
)

// Rate is a token bucket: Burst requests at once, then PerSecond on
// average. The zero value does not limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

func (r Rate) String() string {
	if r.PerSecond <= 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%d at once, then %s a second", max(r.Burst, 1), strconv.FormatFloat(r.PerSecond, 'g', -1, 64))
}

// buckets limits requests per key (a user) with one token bucket each, in
// memory: a restart refills them, and several instances count separately.
//
// A bucket is kept as its theoretical arrival time (GCRA): one instant per
// key, advanced by one emission interval per request, compared in integer
// nanoseconds so that the arithmetic is exact. The keys are spread over
// shards, each with its own lock, so that a busy API has no single lock
// that every request waits on; no request writes to the database.
type buckets struct {
	clock    nudge.Clock
	interval time.Duration // between two requests at the sustained rate
	slack    time.Duration // how far ahead of now a key may run: (Burst-1) intervals
	shards   [64]shard
}

type shard struct {
	mu  sync.Mutex
	tat map[int64]time.Time
	_   [48]byte // keep neighbouring shards' locks off one cache line
}

// newBuckets returns a limiter for r, or nil when r does not limit.
func newBuckets(clock nudge.Clock, r Rate) *buckets {
	if r.PerSecond <= 0 {
		return nil
	}
	interval := time.Duration(math.Round(float64(time.Second) / r.PerSecond))
	b := &buckets{clock: clock, interval: interval, slack: time.Duration(max(r.Burst, 1)-1) * interval}
	for i := range b.shards {
		b.shards[i].tat = map[int64]time.Time{}
	}
	return b
}

// take spends a request of key: 0 when it may go, else how long until it
// may.
func (b *buckets) take(key int64) time.Duration {
	now := b.clock.Now()
	sh := &b.shards[uint64(key)%uint64(len(b.shards))]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	tat := sh.tat[key]
	if tat.Before(now) {
		tat = now // a full bucket: idle time does not bank more than Burst
	}
	if ahead := tat.Sub(now); ahead > b.slack {
		return ahead - b.slack
	}
	sh.tat[key] = tat.Add(b.interval)
	return 0
}

// retryAfter is the Retry-After header's value for a wait: whole seconds,
// rounded up, at least 1.
func retryAfter(wait time.Duration) string {
	return strconv.FormatInt(max(1, int64((wait+time.Second-1)/time.Second)), 10)
}

// rateLimited answers a request over its limit: 429 with Retry-After.
func (s *Server) rateLimited(w http.ResponseWriter, r *http.Request, c *call, wait time.Duration, msg string) {
	w.Header().Set("Retry-After", retryAfter(wait))
	s.fail(w, r, c, statusError{http.StatusTooManyRequests, "rate_limited", msg})
}

// limiter counts failed sign-ins per client address and email, in memory:
// a restart forgets them, and several instances count separately. That is
// enough to stop guessing at one server's speed; a shared store would be
// needed to stop a distributed guesser.
type limiter struct {
	clock  nudge.Clock
	max    int
	window time.Duration

	mu       sync.Mutex
	failures map[string][]time.Time
}

func newLimiter(clock nudge.Clock, max int, window time.Duration) *limiter {
	return &limiter{clock: clock, max: max, window: window, failures: map[string][]time.Time{}}
}

// recent returns the failures of key within the window.
func (l *limiter) recent(key string) []time.Time {
	now := l.clock.Now()
	fs := l.failures[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= l.window {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(l.failures, key)
	} else {
		l.failures[key] = fs
	}
	return fs
}

// blocked returns how long key must wait, or 0 if it may try.
func (l *limiter) blocked(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	fs := l.recent(key)
	if len(fs) < l.max {
		return 0
	}
	return fs[0].Add(l.window).Sub(l.clock.Now())
}

func (l *limiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures[key] = append(l.recent(key), l.clock.Now())
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}
