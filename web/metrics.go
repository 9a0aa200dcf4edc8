package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/mail"
)

// Metrics are the instruments nudge serve exports at /metrics (issue 7):
// requests and their latency by route pattern and status class, what the
// scheduler and the outbox did, the queues read at scrape time, and the Go
// runtime and process. One Metrics serves one Server; each has a registry
// of its own, so that tests and several servers in one process do not
// share series.
type Metrics struct {
	reg      *prometheus.Registry
	handler  http.Handler
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	settled  prometheus.Counter
	sent     prometheus.Counter
	// failures by kind: bounced, failed, retried, uncertain.
	bounced, failed, retried, uncertain prometheus.Counter

	routes sync.Map // route pattern → *routeMetrics
	queues atomic.Pointer[queueCollector]
}

// routeMetrics caches the series of one route, by status class (1xx–5xx),
// so that counting a request is a map read and a few atomic adds: the
// vectors' own lookup hashes the label values under a lock.
type routeMetrics struct {
	classes [6]atomic.Pointer[classMetrics]
}

type classMetrics struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// latencyBuckets suit request latencies in seconds: 5 ms to 10 s. Spelled
// out rather than prometheus.DefBuckets (the same today) so that the series
// dashboards rely on do not move with the library.
var latencyBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// NewMetrics returns the instruments, with the Go and process collectors.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "nudge_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status class."}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "nudge_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request (wall clock), by route pattern and status class.",
			Buckets: latencyBuckets}, []string{"route", "code"}),
		settled: prometheus.NewCounter(prometheus.CounterOpts{Name: "nudge_steps_settled_total",
			Help: "People the scheduler re-planned because their check time had come (each settles that person's due steps)."}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{Name: "nudge_emails_sent_total",
			Help: "Emails the outbox handed to an SMTP server that accepted them."}),
	}
	failures := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "nudge_email_failures_total",
		Help: "Email attempts that did not end sent, by kind: bounced (refused for good), failed (given up), retried (temporary, queued again), uncertain (the connection broke before the server confirmed; held for a person)."},
		[]string{"kind"})
	// Present at zero from the start, so that rate() sees the first one.
	m.bounced = failures.WithLabelValues("bounced")
	m.failed = failures.WithLabelValues("failed")
	m.retried = failures.WithLabelValues("retried")
	m.uncertain = failures.WithLabelValues("uncertain")
	reg.MustRegister(m.requests, m.duration, m.settled, m.sent, failures,
		// The default Go series (goroutines, threads, go_memstats_*, GC
		// pauses, GOGC, GOMAXPROCS) and the count and CPU time of GC cycles.
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(collectors.GoRuntimeMetricsRule{
			Matcher: regexp.MustCompile(`^(/gc/cycles/total:gc-cycles|/cpu/classes/gc/total:cpu-seconds)$`)})),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// ContinueOnError: a collector that fails (the database, /proc) costs
	// its own series, not the whole scrape.
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	return m
}

// Settled counts people the scheduler settled: followup.Options.OnSettled.
func (m *Metrics) Settled(people int) { m.settled.Add(float64(people)) }

// Emails counts what a pass of the outbox did: mail.OutboxOptions.Observe.
func (m *Metrics) Emails(st mail.Stats) {
	m.sent.Add(float64(st.Sent))
	m.bounced.Add(float64(st.Bounced))
	m.failed.Add(float64(st.Failed))
	m.retried.Add(float64(st.Retried))
	m.uncertain.Add(float64(st.Uncertain))
}

// Handler serves the metrics to anyone who reaches it: for a listener of
// its own that only the scraper can reach (nudge serve --metrics-addr).
func (m *Metrics) Handler() http.Handler { return m.handler }

// request counts one answered request.
func (m *Metrics) request(route string, status int, d time.Duration) {
	class := min(max(status/100, 1), 5)
	v, ok := m.routes.Load(route)
	if !ok {
		v, _ = m.routes.LoadOrStore(route, new(routeMetrics))
	}
	rm := v.(*routeMetrics)
	c := rm.classes[class].Load()
	if c == nil {
		// Two requests may both get here: the vectors return the same series.
		code := string(rune('0'+class)) + "xx"
		c = &classMetrics{count: m.requests.WithLabelValues(route, code), duration: m.duration.WithLabelValues(route, code)}
		rm.classes[class].Store(c)
	}
	c.count.Inc()
	c.duration.Observe(d.Seconds())
}

// readQueues makes s's database the one the scrape-time gauges read. A
// Metrics given to a second Server follows the latest: the collectors
// describe the same series, so the new one replaces the old.
func (m *Metrics) readQueues(s *Server) {
	q := newQueueCollector(s)
	if old := m.queues.Swap(q); old != nil {
		m.reg.Unregister(old)
	}
	m.reg.MustRegister(q)
}

// queueCollector reads the queues at scrape time: the scheduler's (people
// due for a check), the reps' (open tasks due) and the uncertain emails
// waiting for a person. One indexed query, bounded by a short timeout so
// that a slow database does not stall the scrape; nudge_database_up says
// whether it answered.
type queueCollector struct {
	s                                  *Server
	up, duePeople, tasksDue, uncertain *prometheus.Desc
}

func newQueueCollector(s *Server) *queueCollector {
	return &queueCollector{s: s,
		up: prometheus.NewDesc("nudge_database_up",
			"Whether the database answered the scrape's queries (1) or not (0).", nil, nil),
		duePeople: prometheus.NewDesc("nudge_due_people",
			"People whose check time has come (check_at ≤ now): the scheduler's queue.", nil, nil),
		tasksDue: prometheus.NewDesc("nudge_open_tasks_due",
			"Open tasks due by now, all reps: the reps' queue.", nil, nil),
		uncertain: prometheus.NewDesc("nudge_emails_uncertain",
			"Emails held as uncertain (interrupted mid-send) until a person retries or cancels them.", nil, nil),
	}
}

func (q *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- q.up
	ch <- q.duePeople
	ch <- q.tasksDue
	ch <- q.uncertain
}

// Collect has no request context to follow (the registry's Gather takes
// none): the timeout alone bounds it.
func (q *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	d, err := q.s.db.Depth(ctx, q.s.clock.Now())
	if err != nil {
		q.s.log.WarnContext(ctx, "metrics: queue depth", "err", err)
		ch <- prometheus.MustNewConstMetric(q.up, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(q.up, prometheus.GaugeValue, 1)
	ch <- prometheus.MustNewConstMetric(q.duePeople, prometheus.GaugeValue, float64(d.DuePeople))
	ch <- prometheus.MustNewConstMetric(q.tasksDue, prometheus.GaugeValue, float64(d.OpenTasksDue))
	ch <- prometheus.MustNewConstMetric(q.uncertain, prometheus.GaugeValue, float64(d.UncertainEmails))
}

// metricsEndpoint serves /metrics on the app's own listener to a scraper
// that presents the metrics token (Authorization: Bearer …). Without a
// configured token the metrics are not served here: behind a reverse proxy
// every request comes from localhost, so the peer address proves nothing.
func (s *Server) metricsEndpoint(w http.ResponseWriter, r *http.Request) {
	if s.cfg.MetricsToken == "" {
		s.fail(w, r, nil, nudge.Errorf(nudge.ENOTFOUND, "metrics are not served on this address: use nudge serve --metrics-addr, or set metrics-token"))
		return
	}
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if subtle.ConstantTimeCompare([]byte(token), []byte(s.cfg.MetricsToken)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="nudge metrics"`)
		http.Error(w, "send the metrics token: Authorization: Bearer <metrics-token>", http.StatusUnauthorized)
		return
	}
	s.metrics.Handler().ServeHTTP(w, r)
}
