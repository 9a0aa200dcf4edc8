// Package web is nudge's web app, JSON API and calendar feed (issue 5):
// server-rendered pages that work without JavaScript, a JSON API under
// /api/v1 with personal tokens, and a secret per-user iCalendar feed (H4).
//
// Handlers are small and hold no domain logic: they parse the request, ask
// the store or the follow-up engine (package followup), and render. Every
// handler returns an error, and one function (Server.fail) turns it into a
// status and a JSON or HTML answer. Every lookup of a person, task or
// company goes through the visibility helpers in scope.go.
package web

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store"
)

//go:embed templates static openapi.json
var assets embed.FS

// Config is the server's configuration.
type Config struct {
	// SecureCookies marks cookies Secure even on plain HTTP (behind a TLS
	// proxy); they are Secure anyway when the request came over TLS.
	SecureCookies bool
	// SessionTTL is how long a sign-in lasts; 0 means 14 days.
	SessionTTL time.Duration
	// Logger receives request and internal-error logs; nil discards them.
	Logger *slog.Logger
	// PasswordCost overrides the argon2id parameters (tests use cheap ones);
	// nil is RFC 9106's second recommendation.
	PasswordCost *PasswordCost
	// Unsubscribe, when set, answers the unsubscribe links of outgoing email
	// at /unsubscribe/{token} (GET confirms, POST is RFC 8058's one-click).
	Unsubscribe http.Handler
	// Keys seal the passwords of the mailboxes added on the Settings page
	// (the key of nudge mailbox add); nil refuses to add mailboxes.
	Keys *mail.Keys

	// Limits bound request bodies; a larger one gets 413 and nothing is
	// stored. Zero fields take DefaultLimits.
	Limits Limits
	// APIRate limits each user's API requests (across their tokens); the
	// zero value does not limit.
	APIRate Rate
	// SigninAttempts failed sign-ins per client address and email within
	// SigninWindow block further tries until the oldest leaves the window;
	// zero means 5 in 15 minutes.
	SigninAttempts int
	SigninWindow   time.Duration
	// Throttle is the clock of those two limits; nil is the machine's.
	// They count requests per second of real time, not the instant the
	// method is computed at: under NUDGE_NOW the server's clock stands
	// still, and on it a bucket would never refill nor a failed sign-in
	// be forgotten. Tests step it by hand.
	Throttle nudge.Clock
	// Metrics receives the server's instruments; nil makes its own.
	Metrics *Metrics
	// MetricsToken lets a scraper read /metrics on the app's own listener
	// with Authorization: Bearer <token>; empty serves /metrics only on a
	// listener of its own (Server.OpsHandler).
	MetricsToken string
	// ShutdownTimeout bounds how long Serve waits for requests in flight
	// once its context ends; zero means 10 seconds.
	ShutdownTimeout time.Duration
}

// Limits are the largest request bodies accepted, in bytes.
type Limits struct {
	Upload int64 // an import file (POST /import/preview)
	JSON   int64 // an API request
	Form   int64 // any other form
}

// DefaultLimits: an import of a few hundred thousand contacts, and far more
// than any form or API call needs.
var DefaultLimits = Limits{Upload: 64 << 20, JSON: 1 << 20, Form: 1 << 20}

// Server is the web app bound to a store, the follow-up engine and a clock.
type Server struct {
	db    *store.DB
	svc   *followup.Service
	clock nudge.Clock
	cfg   Config
	log   *slog.Logger

	views    *views
	mux      *http.ServeMux
	csrf     *http.CrossOriginProtection
	limiter  *limiter // failed sign-ins
	apiLimit *buckets // API requests per user; nil when unlimited
	uploads  *uploads
	metrics  *Metrics
	reqIDs   requestIDs

	// apiRoutes lists every registered API pattern ("GET /api/v1/people"),
	// so a test can hold the OpenAPI document to it.
	apiRoutes []string
	// setUp is set once a user exists; there is no way back to zero users,
	// so the first-run check stops querying then.
	setUp atomic.Bool
	// tokenSeen throttles the last-used stamp of API tokens (one write per
	// token per hour, not one per request).
	tokenSeen sync.Map // token id → time.Time
	dummyHash string
}

// New builds the server. Templates are parsed here, so a broken one fails
// at start-up rather than on the first request.
func New(db *store.DB, svc *followup.Service, clock nudge.Clock, cfg Config) (*Server, error) {
	if db == nil || svc == nil || clock == nil {
		return nil, errors.New("web: New needs a store, a follow-up service and a clock")
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = 14 * 24 * time.Hour
	}
	cfg.Limits.Upload = cmp.Or(cfg.Limits.Upload, DefaultLimits.Upload)
	cfg.Limits.JSON = cmp.Or(cfg.Limits.JSON, DefaultLimits.JSON)
	cfg.Limits.Form = cmp.Or(cfg.Limits.Form, DefaultLimits.Form)
	cfg.SigninAttempts = cmp.Or(cfg.SigninAttempts, 5)
	cfg.SigninWindow = cmp.Or(cfg.SigninWindow, 15*time.Minute)
	cfg.ShutdownTimeout = cmp.Or(cfg.ShutdownTimeout, 10*time.Second)
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	log := slog.New(slog.DiscardHandler)
	if cfg.Logger != nil {
		// Logs made while answering a request carry its id.
		log = slog.New(requestIDHandler{cfg.Logger.Handler()})
	}
	v, err := parseViews(assets)
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	throttle := cfg.Throttle
	if throttle == nil {
		throttle = nudge.SystemClock{}
	}
	s := &Server{db: db, svc: svc, clock: clock, cfg: cfg, log: log, views: v, mux: http.NewServeMux(),
		csrf: http.NewCrossOriginProtection(), limiter: newLimiter(throttle, cfg.SigninAttempts, cfg.SigninWindow),
		apiLimit: newBuckets(throttle, cfg.APIRate), uploads: newUploads(clock, 30*time.Minute),
		metrics: cfg.Metrics, reqIDs: newRequestIDs()}
	s.metrics.readQueues(s)
	s.csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, nil, statusError{http.StatusForbidden, nudge.EUNAUTHORIZED, "cross-origin request refused (CSRF protection)"})
	}))
	if s.dummyHash, err = argon2id.CreateHash(randomToken(), s.params()); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.routes()
	return s, nil
}

// Handler returns the whole app: request id, log and metrics, security
// headers, body limits, cross-origin protection, the first-run redirect,
// then the routes.
func (s *Server) Handler() http.Handler {
	return s.observe(securityHeaders(s.limitBodies(s.csrf.Handler(s.firstRun(s.mux)))))
}

// OpsHandler answers /metrics (without authentication), /healthz and
// /readyz, for a listener of their own that only the operator's network
// reaches (nudge serve --metrics-addr).
func (s *Server) OpsHandler() http.Handler {
	m := http.NewServeMux()
	m.Handle("GET /metrics", s.metrics.Handler())
	m.HandleFunc("GET /healthz", healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	return m
}

// Serve answers on ln until ctx ends, then shuts down gracefully: it stops
// accepting, and requests in flight get up to Config.ShutdownTimeout to
// finish (their contexts are not cancelled by ctx).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s.Handler())
}

// ServeOps is Serve for OpsHandler.
func (s *Server) ServeOps(ctx context.Context, ln net.Listener) error {
	return s.serve(ctx, ln, s.OpsHandler())
}

func (s *Server) serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // an import upload may be large
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		hs.Close()
		return fmt.Errorf("web: shutdown: requests still running after %s: %w", s.cfg.ShutdownTimeout, err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// APIRoutes returns the registered API patterns, e.g. "GET /api/v1/people".
func (s *Server) APIRoutes() []string { return append([]string(nil), s.apiRoutes...) }

func (s *Server) routes() {
	m := s.mux
	// Operating it (issue 7): liveness, readiness, metrics.
	m.HandleFunc("GET /healthz", healthz)
	m.HandleFunc("GET /readyz", s.readyz)
	m.HandleFunc("GET /metrics", s.metricsEndpoint)
	m.Handle("GET /static/", http.FileServerFS(assets))
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/today", http.StatusSeeOther)
	})

	// Signing in (auth.go).
	m.Handle("GET /setup", s.anon(s.setupForm))
	m.Handle("POST /setup", s.anon(s.setup))
	m.Handle("GET /signin", s.anon(s.signinForm))
	m.Handle("POST /signin", s.anon(s.signin))
	m.Handle("POST /signout", s.page(s.signout))
	m.Handle("POST /signout/everywhere", s.page(s.signoutEverywhere))

	// Pages.
	m.Handle("GET /today", s.page(s.today))
	m.Handle("POST /tasks/{id}/done", s.page(s.taskDone))
	m.Handle("POST /tasks/{id}/snooze", s.page(s.taskSnooze))
	m.Handle("POST /tasks/{id}/skip", s.page(s.taskSkip))
	m.Handle("GET /people", s.page(s.people))
	m.Handle("GET /people/new", s.page(s.personNewForm))
	m.Handle("POST /people", s.page(s.personCreate))
	m.Handle("GET /people/{id}", s.page(s.person))
	m.Handle("POST /people/{id}", s.page(s.personUpdate))
	m.Handle("POST /people/{id}/log", s.page(s.personLog))
	m.Handle("POST /people/{id}/do-not-contact", s.page(s.personDoNotContact))
	m.Handle("POST /people/{id}/enroll", s.page(s.personEnroll))
	m.Handle("POST /people/{id}/appointments", s.page(s.personAppointment))
	m.Handle("GET /import", s.page(s.importForm))
	m.Handle("POST /import/preview", s.page(s.importPreview))
	m.Handle("POST /import", s.page(s.importRun))
	m.Handle("GET /cadences", s.page(s.cadences))
	m.Handle("GET /cadences/new", s.page(s.cadenceForm))
	m.Handle("GET /cadences/{name}", s.page(s.cadence))
	m.Handle("POST /cadences", s.page(s.cadenceSave))
	m.Handle("GET /templates", s.page(s.templates))
	m.Handle("GET /templates/{name}", s.page(s.template))
	m.Handle("POST /templates/{name}", s.page(s.templatePost))
	m.Handle("POST /templates/{name}/reset", s.page(s.templateReset))
	m.Handle("GET /settings", s.page(s.settings))
	m.Handle("POST /settings", s.page(s.settingsSave))
	m.Handle("POST /settings/feed", s.page(s.settingsFeed))
	m.Handle("POST /settings/tokens", s.page(s.settingsTokenCreate))
	m.Handle("POST /settings/tokens/{id}/revoke", s.page(s.settingsTokenRevoke))
	m.Handle("POST /settings/mailboxes", s.page(s.settingsMailboxAdd))
	m.Handle("POST /settings/mailboxes/{id}/remove", s.page(s.settingsMailboxRemove))
	m.Handle("GET /admin/users", s.page(s.adminUsers))
	m.Handle("POST /admin/users", s.page(s.adminUserCreate))
	m.Handle("POST /admin/users/{id}", s.page(s.adminUserUpdate))
	m.Handle("POST /admin/teams", s.page(s.adminTeamCreate))
	m.Handle("POST /admin/teams/{id}", s.page(s.adminTeamUpdate))

	// Insight (issue 6): reports.go (H1–H3), insight.go (G4, E6, E7),
	// value.go (F2, F3).
	s.reportRoutes()
	s.insightRoutes()
	s.valueRoutes()

	// The calendar feed (feed.go): the secret in the URL is the credential.
	m.HandleFunc("GET /feed/{file}", s.feed)

	// Unsubscribe links (package mail): the signed token is the credential,
	// and RFC 8058's one-click POST comes from the recipient's mail provider,
	// not from a page of ours, so it bypasses the cross-origin check.
	if h := s.cfg.Unsubscribe; h != nil {
		m.Handle("GET /unsubscribe/{token}", h)
		m.Handle("POST /unsubscribe/{token}", h)
		s.csrf.AddInsecureBypassPattern("POST /unsubscribe/{token}")
	}

	// The JSON API (api_*.go).
	s.api("GET /api/v1/openapi.json", s.apiOpenAPI)
	s.api("GET /api/v1/me", s.apiMe)
	s.api("GET /api/v1/people", s.apiPeople)
	s.api("POST /api/v1/people", s.apiPersonCreate)
	s.api("GET /api/v1/people/{id}", s.apiPerson)
	s.api("PATCH /api/v1/people/{id}", s.apiPersonUpdate)
	s.api("DELETE /api/v1/people/{id}", s.apiPersonDelete)
	s.api("GET /api/v1/companies", s.apiCompanies)
	s.api("POST /api/v1/companies", s.apiCompanyCreate)
	s.api("GET /api/v1/companies/{id}", s.apiCompany)
	s.api("GET /api/v1/interactions", s.apiInteractions)
	s.api("POST /api/v1/interactions", s.apiInteractionCreate)
	s.api("GET /api/v1/tasks/today", s.apiToday)
	s.api("POST /api/v1/tasks/{id}/done", s.apiTaskDone)
	s.api("POST /api/v1/tasks/{id}/snooze", s.apiTaskSnooze)
	s.api("POST /api/v1/tasks/{id}/skip", s.apiTaskSkip)
	s.api("GET /api/v1/enrollments", s.apiEnrollments)
	s.api("POST /api/v1/enrollments", s.apiEnrollmentCreate)
	s.api("GET /api/v1/cadences", s.apiCadences)
	s.api("GET /api/v1/cadences/{name}", s.apiCadence)
	s.api("GET /api/v1/templates", s.apiTemplates)
	s.api("GET /api/v1/templates/{name}", s.apiTemplate)
	// Insight (api_insight.go): G4, E6, E7, F2, F3.
	s.api("GET /api/v1/people/{id}/carr", s.apiCARR)
	s.api("GET /api/v1/people/{id}/quiet-reason", s.apiQuietReason)
	s.api("PUT /api/v1/people/{id}/quiet-reason", s.apiQuietReasonPut)
	s.api("GET /api/v1/people/{id}/value", s.apiValue)
	s.api("POST /api/v1/people/{id}/value/lines", s.apiValueLineAdd)
	s.api("POST /api/v1/people/{id}/value/measurements", s.apiValueMeasure)
	s.api("GET /api/v1/clean", s.apiClean)
	s.api("POST /api/v1/clean", s.apiCleanApply)
	s.api("GET /api/v1/nearby", s.apiNearby)
	s.api("POST /api/v1/nearby/accept", s.apiNearbyAccept)
	s.mux.Handle("/api/", s.apiNotFound())
}

// firstRun sends every page to /setup while no user exists (issue 5: no
// default password; the first visitor creates the admin).
func (s *Server) firstRun(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.setUp.Load() || r.URL.Path == "/setup" || !isPage(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		n, err := s.db.CountUsers(r.Context())
		if err != nil {
			s.fail(w, r, nil, err)
			return
		}
		if n > 0 {
			s.setUp.Store(true)
			next.ServeHTTP(w, r)
			return
		}
		http.Redirect(w, r, "/setup", http.StatusSeeOther)
	})
}

// isPage reports whether path is a page (not the API, the feed or assets).
func isPage(path string) bool {
	for _, p := range []string{"/api/", "/feed/", "/static/", "/healthz", "/readyz", "/metrics"} {
		if strings.HasPrefix(path, p) {
			return false
		}
	}
	return true
}

// securityHeaders sets the headers every answer carries. The keys are
// written in canonical form straight into the map: Header.Set's
// canonicalisation of them was a tenth of this middleware chain's CPU.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["X-Content-Type-Options"] = []string{"nosniff"}
		h["Referrer-Policy"] = []string{"same-origin"}
		h["X-Frame-Options"] = []string{"DENY"}
		h["Content-Security-Policy"] = []string{"default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'"}
		next.ServeHTTP(w, r)
	})
}

// healthz is liveness: the process answers. It touches nothing else, so a
// slow database does not get a live server restarted.
func healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz is readiness: the database answers within two seconds; 503 while
// it does not, so a load balancer sends requests elsewhere.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.db.Ping(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: the database does not answer\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

// limitBodies bounds every request body (issue 7): the import upload by
// Limits.Upload, the API by Limits.JSON, anything else by Limits.Form. A
// body announced larger is refused before it is read; one that turns out
// larger fails when read (parseForm, decode), before any handler stores
// anything — both answer 413.
func (s *Server) limitBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		limit := s.cfg.Limits.Form
		switch {
		case isUpload(r):
			limit = s.cfg.Limits.Upload
		case strings.HasPrefix(r.URL.Path, "/api/"):
			limit = s.cfg.Limits.JSON
		}
		if r.ContentLength > limit {
			s.fail(w, r, nil, tooLarge(r, limit))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		next.ServeHTTP(w, r)
	})
}

// isUpload reports whether r is the import file's upload.
func isUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/import/preview"
}

// tooLarge is the 413 of a body over its limit, worded for what was sent.
func tooLarge(r *http.Request, limit int64) error {
	var msg string
	switch {
	case isUpload(r):
		msg = fmt.Sprintf("The file is larger than the %s this server accepts for an import; nothing was imported. Split it into smaller files, or ask the administrator to raise max-upload.", size(limit))
	case strings.HasPrefix(r.URL.Path, "/api/"):
		msg = fmt.Sprintf("The request body is larger than the %s this server accepts for an API call (max-json); nothing was stored.", size(limit))
	default:
		msg = fmt.Sprintf("The form is larger than the %s this server accepts (max-form); nothing was saved.", size(limit))
	}
	return statusError{http.StatusRequestEntityTooLarge, "too_large", msg}
}

// asTooLarge turns the error of reading a body past its limit into the
// 413; it returns nil for any other error.
func asTooLarge(r *http.Request, err error) error {
	if e, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return tooLarge(r, e.Limit)
	}
	return nil
}

// size writes a byte count the way the limits are configured: 64 MiB.
func size(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// requestIDs makes request ids: a random prefix per process and a
// sequence number, unique without a random read per request.
type requestIDs struct {
	prefix string
	seq    atomic.Uint64
}

func newRequestIDs() requestIDs { return requestIDs{prefix: randomToken()[:8]} }

func (ids *requestIDs) next() string {
	return ids.prefix + "-" + strconv.FormatUint(ids.seq.Add(1), 10)
}

// requestID returns the client's X-Request-Id if it is a sane token (a
// proxy's id, kept so that its logs and ours join), else "".
func requestID(r *http.Request) string {
	id := r.Header.Get("X-Request-Id")
	if len(id) == 0 || len(id) > 128 {
		return ""
	}
	for _, c := range []byte(id) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return ""
		}
	}
	return id
}

type requestIDKey struct{}

// requestIDHandler adds the id of the request being answered to every
// record logged with its context.
type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		rec.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, rec)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// statusWriter remembers the status for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe gives each request an id (X-Request-Id, echoed or made), then
// counts it in the metrics and logs it: method, route pattern, status,
// duration, id. The log names the route pattern, never the path or query,
// so the secrets some paths carry (the feed's, unsubscribe tokens) and ids
// stay out of it; probes (/healthz, /readyz, /metrics) log at debug level.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := requestID(r)
		if id == "" {
			id = s.reqIDs.next()
		}
		w.Header()["X-Request-Id"] = []string{id} // canonical already
		r = r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id))
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		d := time.Since(start)
		status := cmp.Or(sw.status, http.StatusOK)
		// The mux names the route of the requests it dispatched; one
		// answered before it (a 413, a cross-origin refusal, the first-run
		// redirect) is looked up.
		route := r.Pattern
		if route == "" {
			_, route = s.mux.Handler(r)
		}
		label := cmp.Or(route, "unmatched")
		s.metrics.request(label, status, d)
		level := slog.LevelInfo
		if isProbe(route) {
			level = slog.LevelDebug
		}
		ctx := r.Context()
		if !s.log.Enabled(ctx, level) {
			return
		}
		attrs := []slog.Attr{slog.String("method", r.Method), slog.String("route", label),
			slog.Int("status", status), slog.Duration("duration", d)}
		if route == "" {
			attrs = append(attrs, slog.String("path", logPath(r)))
		}
		s.log.LogAttrs(ctx, level, "request", attrs...)
	})
}

func isProbe(route string) bool {
	return route == "GET /healthz" || route == "GET /readyz" || route == "GET /metrics"
}

// logPath is a request's path as logs may show it: the secret of a feed
// or unsubscribe link is cut off.
func logPath(r *http.Request) string {
	p := r.URL.Path
	for _, secret := range []string{"/feed/", "/unsubscribe/"} {
		if strings.HasPrefix(p, secret) {
			return secret + "…"
		}
	}
	return p
}
