package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store"
)

// reconfigure replaces the fixture's server by one on the same store and
// engine with cfg (and the tests' cheap password cost).
func (f *fixture) reconfigure(cfg Config) *fixture {
	f.t.Helper()
	cfg.PasswordCost, cfg.Throttle = cheap, f.clock
	srv, err := New(f.db, f.svc, f.clock, cfg)
	if err != nil {
		f.t.Fatal(err)
	}
	f.srv, f.h = srv, srv.Handler()
	return f
}

// peopleCount is how many people the store holds.
func (f *fixture) peopleCount() int {
	f.t.Helper()
	_, n, err := f.db.FindPeople(context.Background(), nudge.PersonFilter{})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// unsized hides a body's length, as a chunked upload does: the limit is
// then found while reading, not from Content-Length.
type unsized struct{ io.Reader }

// TestBodyLimits (issue 7): a body over its limit gets 413 with a clear
// message — JSON for the API, a page for forms and the import upload —
// whether its size was announced or only found while reading, and nothing
// is stored: not a person, not an upload waiting for its import.
func TestBodyLimits(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b).reconfigure(Config{Limits: Limits{Upload: 4 << 10, JSON: 512, Form: 1 << 10}})
			people := f.peopleCount()
			big := `{"name": "Anna Alpha", "email": "big@prospect.example", "pain_gain": "` + strings.Repeat("x", 600) + `"}`
			for _, sized := range []bool{true, false} {
				var body io.Reader = strings.NewReader(big)
				if !sized {
					body = unsized{body}
				}
				r := httptest.NewRequest("POST", "http://nudge.test/api/v1/people", body)
				r.Header.Set("Authorization", "Bearer "+f.token["repA"])
				r.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				f.h.ServeHTTP(w, r)
				var e apiError
				if w.Code != http.StatusRequestEntityTooLarge || json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error.Code != "too_large" ||
					!strings.Contains(e.Error.Message, "larger than the 512 bytes") {
					t.Errorf("API body of %d bytes (length announced: %v): %d %s", len(big), sized, w.Code, w.Body.String())
				}
			}
			if n := f.peopleCount(); n != people {
				t.Errorf("people %d after the refused API bodies, want %d", n, people)
			}
			// Under the limit the same call works.
			if w := f.do(apiDo("repA", "POST", "/api/v1/people", `{"name": "Small", "email": "small@prospect.example"}`)); w.Code != http.StatusCreated {
				t.Fatalf("small API body: %d %s", w.Code, w.Body.String())
			}
			people++

			// The import upload: 8 KiB against 4 KiB.
			csv := "First Name,Last Name,Email\r\n" + strings.Repeat("Jerry,Seinfeld,jerry@example.com\r\n", 250)
			for _, sized := range []bool{true, false} {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				mw.WriteField("csrf", f.csrf["repA"])
				fw, _ := mw.CreateFormFile("file", "contacts.csv")
				fw.Write([]byte(csv))
				mw.Close()
				var body io.Reader = &buf
				if !sized {
					body = unsized{body}
				}
				r := httptest.NewRequest("POST", "http://nudge.test/import/preview", body)
				r.Header.Set("Content-Type", mw.FormDataContentType())
				r.AddCookie(&http.Cookie{Name: sessionCookie, Value: f.cookie["repA"]})
				w := httptest.NewRecorder()
				f.h.ServeHTTP(w, r)
				if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Header().Get("Content-Type"), "text/html") ||
					!strings.Contains(w.Body.String(), "The file is larger than the 4 KiB this server accepts for an import") {
					t.Errorf("upload of %d bytes (length announced: %v): %d\n%s", len(csv), sized, w.Code, excerpt(w.Body.String()))
				}
			}
			if n := len(f.srv.uploads.files); n != 0 {
				t.Errorf("%d uploads kept after 413", n)
			}
			// A form over its limit (2 KiB of name against 1 KiB).
			w := f.do(post("repA", "/people", form("name", strings.Repeat("N", 2<<10), "email", "form@prospect.example")))
			if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "The form is larger than the 1 KiB") {
				t.Errorf("big form: %d\n%s", w.Code, excerpt(w.Body.String()))
			}
			if n := f.peopleCount(); n != people {
				t.Errorf("people %d after the refused uploads and form, want %d", n, people)
			}
			// A file under the upload limit but over the form limit previews.
			if w := f.upload("repA", csv[:3<<10]); w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "Seinfeld") {
				t.Errorf("3 KiB upload: %d\n%s", w.Code, excerpt(w.Body.String()))
			}
		})
	}
}

// TestAPIRateLimit: a token bucket per user, on the fixed clock — Burst
// calls at once, the next refused with 429, Retry-After and a JSON error;
// one more allowed each 1/PerSecond; idle time banks no more than Burst;
// another user has a bucket of their own.
func TestAPIRateLimit(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t)).reconfigure(Config{APIRate: Rate{PerSecond: 2, Burst: 3}})
	me := func(as string) *httptest.ResponseRecorder { return f.do(apiGet(as, "/api/v1/me")) }
	for i := range 3 {
		if w := me("repA"); w.Code != http.StatusOK {
			t.Fatalf("call %d: %d", i+1, w.Code)
		}
	}
	w := me("repA")
	var e apiError
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" ||
		json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error.Code != "rate_limited" ||
		e.Error.Message != "Too many API requests: this server allows 3 at once, then 2 a second per user. Retry in 1 s." {
		t.Fatalf("4th call: %d Retry-After %q %s", w.Code, w.Header().Get("Retry-After"), w.Body.String())
	}
	if w := me("repB"); w.Code != http.StatusOK {
		t.Errorf("rep B limited by rep A's calls: %d", w.Code)
	}
	f.clock.Advance(499 * time.Millisecond)
	if w := me("repA"); w.Code != http.StatusTooManyRequests {
		t.Errorf("after 499 ms: %d, want 429", w.Code)
	}
	f.clock.Advance(time.Millisecond)
	if w := me("repA"); w.Code != http.StatusOK {
		t.Errorf("after 500 ms: %d, want 200", w.Code)
	}
	if w := me("repA"); w.Code != http.StatusTooManyRequests {
		t.Errorf("second call after 500 ms: %d, want 429", w.Code)
	}
	f.clock.Advance(time.Hour)
	for i := range 4 {
		want := http.StatusOK
		if i == 3 {
			want = http.StatusTooManyRequests
		}
		if w := me("repA"); w.Code != want {
			t.Errorf("after an hour idle, call %d: %d, want %d", i+1, w.Code, want)
		}
	}
}

// TestAPIRateLimitRealTime: the limit counts real seconds even while the
// server's clock stands still (NUDGE_NOW, as in a demo): a bucket refills.
// On the domain clock it never did, and every request after the burst was
// refused for good (TestPostgresRestart's instances ran into it).
func TestAPIRateLimitRealTime(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t))
	srv, err := New(f.db, f.svc, f.clock, Config{PasswordCost: cheap, APIRate: Rate{PerSecond: 50, Burst: 1}})
	if err != nil {
		t.Fatal(err)
	}
	f.srv, f.h = srv, srv.Handler()
	if w := f.do(apiGet("repA", "/api/v1/me")); w.Code != http.StatusOK {
		t.Fatalf("first call: %d", w.Code)
	}
	if w := f.do(apiGet("repA", "/api/v1/me")); w.Code != http.StatusTooManyRequests {
		t.Fatalf("second call at once: %d, want 429", w.Code)
	}
	time.Sleep(25 * time.Millisecond) // more than 1/50 s, on a clock that did not move
	if w := f.do(apiGet("repA", "/api/v1/me")); w.Code != http.StatusOK {
		t.Errorf("after 25 ms of real time: %d, want 200", w.Code)
	}
}

// TestSigninLimitConfigured: the sign-in limit takes its numbers from the
// configuration and its 429 says when to come back (Retry-After).
func TestSigninLimitConfigured(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t)).reconfigure(Config{SigninAttempts: 2, SigninWindow: time.Minute})
	br := &browser{t: t, h: f.h, cookies: map[string]string{}}
	tok := br.token("/signin")
	try := func(pw string) *httptest.ResponseRecorder {
		return br.do("POST", "/signin", url.Values{"csrf": {tok}, "email": {"repA@us.example"}, "password": {pw}})
	}
	for i := range 2 {
		if w := try("wrong password"); w.Code != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	f.clock.Advance(20 * time.Second)
	if w := try(testPassword); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "40" {
		t.Fatalf("3rd try: %d Retry-After %q, want 429 and 40", w.Code, w.Header().Get("Retry-After"))
	}
	f.clock.Advance(40 * time.Second)
	if w := try(testPassword); w.Code != http.StatusSeeOther {
		t.Errorf("after the window: %d, want 303", w.Code)
	}
}

// syncBuffer is a log sink safe for a server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// records parses JSON log lines.
func records(t *testing.T, log string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(log) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

// TestRequestLog: each request is logged once with method, route pattern,
// status, duration and request id; a client's sane X-Request-Id is echoed
// and logged, else one is made; the feed's secret path never appears.
func TestRequestLog(t *testing.T) {
	var logs syncBuffer
	f := newFixture(t, testdb.SQLite(t))
	f.reconfigure(Config{Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	feed, err := f.db.NewFeedToken(context.Background(), f.users["repA"].ID)
	if err != nil {
		t.Fatal(err)
	}
	rq := apiGet("repA", "/api/v1/people/{pa}")
	rq.headers = map[string]string{"X-Request-Id": "proxy-42.a"}
	if w := f.do(rq); w.Code != 200 || w.Header().Get("X-Request-Id") != "proxy-42.a" {
		t.Fatalf("with X-Request-Id: %d, echoed %q", w.Code, w.Header().Get("X-Request-Id"))
	}
	rq.headers = map[string]string{"X-Request-Id": "bad id\x01"}
	w := f.do(rq)
	made := w.Header().Get("X-Request-Id")
	if made == "" || made == "bad id\x01" {
		t.Fatalf("made id %q", made)
	}
	f.do(request{method: "GET", path: "/feed/" + feed + ".ics"})
	f.do(get("repA", "/no/such/page"))

	recs := records(t, logs.String())
	want := []struct {
		route, id string
		status    float64
	}{
		{"GET /api/v1/people/{id}", "proxy-42.a", 200},
		{"GET /api/v1/people/{id}", made, 200},
		{"GET /feed/{file}", "", 200},
		{"unmatched", "", 404},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d log records, want %d:\n%s", len(recs), len(want), logs.String())
	}
	for i, r := range recs {
		wt := want[i]
		if r["msg"] != "request" || r["method"] != "GET" || r["route"] != wt.route || r["status"] != wt.status {
			t.Errorf("record %d: %v, want route %q status %v", i, r, wt.route, wt.status)
		}
		if _, ok := r["duration"].(float64); !ok {
			t.Errorf("record %d has no duration: %v", i, r)
		}
		if id, _ := r["request_id"].(string); id == "" || (wt.id != "" && id != wt.id) {
			t.Errorf("record %d request_id %q, want %q", i, id, wt.id)
		}
	}
	if recs[3]["path"] != "/no/such/page" {
		t.Errorf("unmatched request's path: %v", recs[3]["path"])
	}
	if strings.Contains(logs.String(), feed) {
		t.Errorf("the feed secret is in the log:\n%s", logs.String())
	}
}

// TestSecretsStayOutOfLogs: a scenario with every kind of secret the web
// app handles — passwords at set-up and sign-in (right and wrong), the
// session cookie and CSRF token, an API token, a feed URL and its secret,
// the metrics token — logged at debug level, and none of them in the log.
func TestSecretsStayOutOfLogs(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			var logs syncBuffer
			f := newServer(t, b)
			f.reconfigure(Config{MetricsToken: "metrics-token-4f1c9",
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			const password, wrong = "s3cret-passphrase-93a1", "wrong-passphrase-77b2"
			br := &browser{t: t, h: f.h, cookies: map[string]string{}}
			tok := br.token("/setup")
			if w := br.do("POST", "/setup", url.Values{"csrf": {tok}, "name": {"Boss"}, "email": {"boss@us.example"},
				"password": {password}, "password2": {password}}); w.Code != http.StatusSeeOther {
				t.Fatalf("setup: %d", w.Code)
			}
			secrets := []string{password, wrong, tok, br.cookies[sessionCookie], "metrics-token-4f1c9"}
			delete(br.cookies, sessionCookie)
			tok = br.token("/signin")
			br.do("POST", "/signin", url.Values{"csrf": {tok}, "email": {"boss@us.example"}, "password": {wrong}})
			if w := br.do("POST", "/signin", url.Values{"csrf": {tok}, "email": {"boss@us.example"}, "password": {password}}); w.Code != http.StatusSeeOther {
				t.Fatalf("signin: %d", w.Code)
			}
			secrets = append(secrets, tok, br.cookies[sessionCookie])
			u, err := f.db.FindUserByEmail(context.Background(), "boss@us.example")
			if err != nil {
				t.Fatal(err)
			}
			api, _, err := f.db.CreateAPIToken(context.Background(), u.ID, "log test")
			if err != nil {
				t.Fatal(err)
			}
			feed, err := f.db.NewFeedToken(context.Background(), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			secrets = append(secrets, api, feed)
			br.headers = map[string]string{"Authorization": "Bearer " + api}
			if w := br.do("GET", "/api/v1/me", nil); w.Code != 200 {
				t.Fatalf("API: %d", w.Code)
			}
			br.headers = map[string]string{"Authorization": "Bearer metrics-token-4f1c9"}
			if w := br.do("GET", "/metrics", nil); w.Code != 200 {
				t.Fatalf("metrics: %d", w.Code)
			}
			br.headers = nil
			if w := br.do("GET", "/feed/"+feed+".ics", nil); w.Code != 200 {
				t.Fatalf("feed: %d", w.Code)
			}
			br.do("GET", "/feed/"+feed+"-wrong.ics", nil)
			log := logs.String()
			if !strings.Contains(log, `route="POST /signin"`) || !strings.Contains(log, `route="GET /feed/{file}"`) {
				t.Fatalf("the scenario's requests are not logged:\n%s", log)
			}
			for _, s := range secrets {
				if s == "" {
					t.Fatal("a secret of the scenario is empty")
				}
				if strings.Contains(log, s) {
					t.Errorf("secret %.6s… is in the log:\n%s", s, log)
				}
			}
		})
	}
}

// scrape reads /metrics through h and parses it with the Prometheus text
// parser (expfmt): each sample as the text format writes it — name{labels},
// labels sorted by name, a histogram's le last — → value. No sample may
// appear twice.
func scrape(t *testing.T, h http.Handler, token string) map[string]float64 {
	t.Helper()
	r := httptest.NewRequest("GET", "http://nudge.test/metrics", nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || expfmt.ResponseFormat(w.Header()).FormatType() != expfmt.TypeTextPlain {
		t.Fatalf("scrape: %d %q\n%s", w.Code, w.Header().Get("Content-Type"), w.Body.String())
	}
	p := expfmt.NewTextParser(model.LegacyValidation)
	families, err := p.TextToMetricFamilies(w.Body)
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	out := map[string]float64{}
	add := func(name string, labels []*dto.LabelPair, le string, v float64) {
		labels = slices.SortedFunc(slices.Values(labels), func(x, y *dto.LabelPair) int { return strings.Compare(x.GetName(), y.GetName()) })
		var pairs []string
		for _, l := range labels {
			pairs = append(pairs, l.GetName()+"="+strconv.Quote(l.GetValue()))
		}
		if le != "" {
			pairs = append(pairs, "le="+strconv.Quote(le))
		}
		var b strings.Builder
		b.WriteString(name)
		if len(pairs) > 0 {
			b.WriteString("{" + strings.Join(pairs, ",") + "}")
		}
		if _, dup := out[b.String()]; dup {
			t.Fatalf("series %s twice", b.String())
		}
		out[b.String()] = v
	}
	for name, f := range families {
		for _, m := range f.GetMetric() {
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				add(name, m.GetLabel(), "", m.GetCounter().GetValue())
			case dto.MetricType_GAUGE:
				add(name, m.GetLabel(), "", m.GetGauge().GetValue())
			case dto.MetricType_UNTYPED:
				add(name, m.GetLabel(), "", m.GetUntyped().GetValue())
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				for _, bk := range h.GetBucket() {
					if !math.IsInf(bk.GetUpperBound(), 1) {
						add(name+"_bucket", m.GetLabel(), strconv.FormatFloat(bk.GetUpperBound(), 'g', -1, 64), float64(bk.GetCumulativeCount()))
					}
				}
				add(name+"_bucket", m.GetLabel(), "+Inf", float64(h.GetSampleCount()))
				add(name+"_sum", m.GetLabel(), "", h.GetSampleSum())
				add(name+"_count", m.GetLabel(), "", float64(h.GetSampleCount()))
			case dto.MetricType_SUMMARY:
				s := m.GetSummary()
				add(name+"_sum", m.GetLabel(), "", s.GetSampleSum())
				add(name+"_count", m.GetLabel(), "", float64(s.GetSampleCount()))
			}
		}
	}
	return out
}

// TestMetrics: a scrape after a small scenario gives exact values — the
// requests by route and status class (and their latency count), the
// scheduler's settled people, the outbox's sends and failures, and the
// queues read at scrape time — alongside the Go and process metrics.
// /metrics on the app's listener needs the metrics token; OpsHandler (the
// separate --metrics-addr listener) serves it without one.
func TestMetrics(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, b)
			m := NewMetrics()
			f.svc = followup.New(f.db, f.clock, followup.Options{RepCompany: "A-Z Company", OnSettled: m.Settled})
			f.reconfigure(Config{Metrics: m, MetricsToken: "scrape-token", Limits: Limits{JSON: 512}})

			before := scrape(t, f.h, "scrape-token")
			if before["nudge_open_tasks_due"] != 3 || before["nudge_database_up"] != 1 || before["nudge_emails_uncertain"] != 0 {
				t.Fatalf("before: open tasks due %v, database up %v, uncertain %v; want 3, 1, 0",
					before["nudge_open_tasks_due"], before["nudge_database_up"], before["nudge_emails_uncertain"])
			}
			due := before["nudge_due_people"]
			// Two new people wait for the scheduler.
			for _, e := range []string{"new1@prospect.example", "new2@prospect.example"} {
				p := &nudge.Person{Name: "New " + e, Email: e, OwnerID: f.users["repA"].ID, TimeZone: "America/New_York", Country: "US"}
				if err := f.db.CreatePerson(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			if got := scrape(t, f.h, "scrape-token")["nudge_due_people"]; got != due+2 {
				t.Errorf("due people %v after adding two, want %v", got, due+2)
			}
			settled, err := f.svc.RunOnce(ctx)
			if err != nil || settled != int(due)+2 {
				t.Fatalf("RunOnce: %d, %v; want %v", settled, err, due+2)
			}
			// Requests: one 200, one 201, one 413.
			f.do(apiGet("repA", "/api/v1/me"))
			f.do(apiDo("repA", "POST", "/api/v1/people", `{"name": "Via API", "email": "api@prospect.example"}`))
			f.do(apiDo("repA", "POST", "/api/v1/people", `{"name": "`+strings.Repeat("x", 600)+`"}`))
			// The outbox's passes, as it reports them (mail.OutboxOptions.Observe).
			m.Emails(mail.Stats{Sent: 2, Bounced: 1, Retried: 1})
			m.Emails(mail.Stats{Sent: 1})
			p := f.people["pa"]
			if err := f.db.QueueMessage(ctx, &store.Message{PersonID: p.ID, State: store.MessageUncertain,
				MessageID: "x1@nudge.test", To: p.Email, Subject: "s", Body: "b"}); err != nil {
				t.Fatal(err)
			}

			got := scrape(t, f.h, "scrape-token")
			for series, want := range map[string]float64{
				`nudge_http_requests_total{code="2xx",route="GET /api/v1/me"}`:                            1,
				`nudge_http_requests_total{code="2xx",route="POST /api/v1/people"}`:                       1,
				`nudge_http_requests_total{code="4xx",route="POST /api/v1/people"}`:                       1,
				`nudge_http_requests_total{code="2xx",route="GET /metrics"}`:                              2,
				`nudge_http_request_duration_seconds_count{code="2xx",route="GET /api/v1/me"}`:            1,
				`nudge_http_request_duration_seconds_bucket{code="2xx",route="GET /api/v1/me",le="+Inf"}`: 1,
				`nudge_steps_settled_total`:                    float64(settled),
				`nudge_due_people`:                             0,
				`nudge_emails_sent_total`:                      3,
				`nudge_email_failures_total{kind="bounced"}`:   1,
				`nudge_email_failures_total{kind="retried"}`:   1,
				`nudge_email_failures_total{kind="failed"}`:    0,
				`nudge_email_failures_total{kind="uncertain"}`: 0,
				`nudge_emails_uncertain`:                       1,
				`nudge_database_up`:                            1,
				`go_info{version="` + runtime.Version() + `"}`: 1,
			} {
				if v, ok := got[series]; !ok || v != want {
					t.Errorf("%s = %v (present: %v), want %v", series, v, ok, want)
				}
			}
			for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_cpu_seconds_total", "process_resident_memory_bytes"} {
				if got[name] <= 0 {
					t.Errorf("%s = %v, want > 0", name, got[name])
				}
			}
			// Names, types and help texts are what dashboards and the README
			// (Operating nudge) name.
			families, err := m.reg.Gather()
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"nudge_http_requests_total":           "COUNTER HTTP requests answered, by route pattern and status class.",
				"nudge_http_request_duration_seconds": "HISTOGRAM Time to answer an HTTP request (wall clock), by route pattern and status class.",
				"nudge_steps_settled_total":           "COUNTER People the scheduler re-planned because their check time had come (each settles that person's due steps).",
				"nudge_emails_sent_total":             "COUNTER Emails the outbox handed to an SMTP server that accepted them.",
				"nudge_email_failures_total":          "COUNTER Email attempts that did not end sent, by kind: bounced (refused for good), failed (given up), retried (temporary, queued again), uncertain (the connection broke before the server confirmed; held for a person).",
				"nudge_database_up":                   "GAUGE Whether the database answered the scrape's queries (1) or not (0).",
				"nudge_due_people":                    "GAUGE People whose check time has come (check_at ≤ now): the scheduler's queue.",
				"nudge_open_tasks_due":                "GAUGE Open tasks due by now, all reps: the reps' queue.",
				"nudge_emails_uncertain":              "GAUGE Emails held as uncertain (interrupted mid-send) until a person retries or cancels them.",
			}
			for _, f := range families {
				name := f.GetName()
				if !strings.HasPrefix(name, "nudge_") {
					continue
				}
				if d := f.GetType().String() + " " + f.GetHelp(); d != want[name] {
					t.Errorf("%s: %q, want %q", name, d, want[name])
				}
				delete(want, name)
				if name == "nudge_http_request_duration_seconds" {
					var bounds []float64
					for _, bk := range f.GetMetric()[0].GetHistogram().GetBucket() {
						bounds = append(bounds, bk.GetUpperBound())
					}
					if !slices.Equal(bounds, []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}) {
						t.Errorf("latency buckets %v, want 5 ms … 10 s", bounds)
					}
				}
			}
			for name := range want {
				t.Errorf("%s missing", name)
			}

			// Access: the app's listener wants the token; the ops handler does not.
			for _, tc := range []struct {
				auth string
				want int
			}{{"", http.StatusUnauthorized}, {"Bearer wrong", http.StatusUnauthorized}, {"Bearer scrape-token", http.StatusOK}} {
				r := httptest.NewRequest("GET", "http://nudge.test/metrics", nil)
				if tc.auth != "" {
					r.Header.Set("Authorization", tc.auth)
				}
				w := httptest.NewRecorder()
				f.h.ServeHTTP(w, r)
				if w.Code != tc.want {
					t.Errorf("/metrics with %q: %d, want %d", tc.auth, w.Code, tc.want)
				}
			}
			if got := scrape(t, f.srv.OpsHandler(), ""); got["nudge_database_up"] != 1 {
				t.Errorf("ops handler scrape: database up %v", got["nudge_database_up"])
			}
			f.reconfigure(Config{})
			if w := f.do(request{method: "GET", path: "/metrics"}); w.Code != http.StatusNotFound {
				t.Errorf("/metrics without a metrics token configured: %d, want 404", w.Code)
			}
		})
	}
}

// TestHealthAndReadiness: /healthz answers while the process runs; /readyz
// answers 200 while the database does and 503 once it does not.
func TestHealthAndReadiness(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			clock := nudge.NewFixedClock(time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC))
			db, err := store.Open(context.Background(), b.DSN, clock)
			if err != nil {
				t.Fatal(err)
			}
			f := serverOn(t, db, clock)
			check := func(path string, want int, body string) {
				t.Helper()
				w := f.do(request{method: "GET", path: path})
				if w.Code != want || w.Body.String() != body {
					t.Errorf("%s: %d %q, want %d %q", path, w.Code, w.Body.String(), want, body)
				}
			}
			// No user yet: the probes are not sent to /setup.
			check("/healthz", 200, "ok\n")
			check("/readyz", 200, "ready\n")
			db.Close()
			check("/healthz", 200, "ok\n")
			check("/readyz", 503, "not ready: the database does not answer\n")
		})
	}
}

// TestGracefulShutdown: when Serve's context ends while a request is in
// flight, the server stops accepting connections, lets the request finish
// — its context not cancelled — and answers it 200; then Serve returns nil.
func TestGracefulShutdown(t *testing.T) {
	f := newServer(t, testdb.SQLite(t))
	started, release := make(chan struct{}), make(chan struct{})
	var reqErr error
	f.srv.mux.HandleFunc("GET /api/test/slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		reqErr = r.Context().Err()
		w.Write([]byte("finished\n"))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- f.srv.Serve(ctx, ln) }()
	type answer struct {
		code int
		body string
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/api/test/slow")
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		answered <- answer{resp.StatusCode, string(b), err}
	}()
	select {
	case <-started:
	case a := <-answered:
		t.Fatalf("the slow handler never ran: %+v", a)
	}
	cancel()
	// Shutdown closes the listener first: wait until new connections fail.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections after its context ended")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned %v with a request in flight", err)
	default:
	}
	close(release)
	a := <-answered
	if a.err != nil || a.code != 200 || a.body != "finished\n" {
		t.Fatalf("request in flight: %d %q %v, want 200", a.code, a.body, a.err)
	}
	if reqErr != nil {
		t.Errorf("the request's context was cancelled: %v", reqErr)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// discardWriter is a ResponseWriter that keeps nothing, so a benchmark
// measures the server rather than the recorder.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkRequestOverhead: what the middleware around every route costs
// (request id, metrics, the log's level check, security headers, the body
// limit, the cross-origin check, the first-run check), as GET /healthz
// through Handler() against the bare handler in the same run.
func BenchmarkRequestOverhead(b *testing.B) {
	f := newFixture(b, testdb.SQLite(b)) // a user exists: no first-run query
	r := httptest.NewRequest("GET", "http://nudge.test/healthz", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		f.h.ServeHTTP(w, r)
	}
	full := b.Elapsed() / time.Duration(b.N)
	per := func(h http.Handler) time.Duration {
		start := time.Now()
		for range b.N {
			h.ServeHTTP(w, r)
		}
		return time.Since(start) / time.Duration(b.N)
	}
	bare := per(http.HandlerFunc(healthz))
	// The chain before issue 7 (no request id, metrics or body limit).
	prev := securityHeaders(f.srv.csrf.Handler(f.srv.firstRun(f.srv.mux)))
	before := per(prev)
	b.ReportMetric(float64(full-bare), "overhead-ns/req")
	b.ReportMetric(float64(full-before), "added-ns/req")
	b.ReportMetric(testing.AllocsPerRun(100, func() { prev.ServeHTTP(w, r) }), "allocs-before/req")
	b.ReportMetric(float64(full)/float64(max(bare, 1)), "x-bare")
}
