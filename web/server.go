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
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
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
}

// Server is the web app bound to a store, the follow-up engine and a clock.
type Server struct {
	db    *store.DB
	svc   *followup.Service
	clock nudge.Clock
	cfg   Config
	log   *slog.Logger

	views   *views
	mux     *http.ServeMux
	csrf    *http.CrossOriginProtection
	limiter *limiter
	uploads *uploads

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
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	v, err := parseViews(assets)
	if err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	s := &Server{db: db, svc: svc, clock: clock, cfg: cfg, log: log, views: v, mux: http.NewServeMux(),
		csrf: http.NewCrossOriginProtection(), limiter: newLimiter(clock, 5, 15*time.Minute),
		uploads: newUploads(clock, 30*time.Minute)}
	s.csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, nil, statusError{http.StatusForbidden, nudge.EUNAUTHORIZED, "cross-origin request refused (CSRF protection)"})
	}))
	if s.dummyHash, err = argon2id.CreateHash(randomToken(), s.params()); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.routes()
	return s, nil
}

// Handler returns the whole app: logging, security headers, cross-origin
// protection, the first-run redirect, then the routes.
func (s *Server) Handler() http.Handler {
	return s.logRequests(securityHeaders(s.csrf.Handler(s.firstRun(s.mux))))
}

// Serve answers on ln until ctx ends, then shuts down gracefully: requests
// in flight get up to 10 seconds to finish.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.Handler(),
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
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return fmt.Errorf("web: shutdown: %w", err)
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
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
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
	for _, p := range []string{"/api/", "/feed/", "/static/", "/healthz"} {
		if strings.HasPrefix(path, p) {
			return false
		}
	}
	return true
}

// securityHeaders sets the headers every answer carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
		next.ServeHTTP(w, r)
	})
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

// logRequests logs each request at debug level (the feed's path is
// redacted: its secret is a credential).
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.log.Enabled(r.Context(), slog.LevelDebug) {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		path := r.URL.Path
		if strings.HasPrefix(path, "/feed/") {
			path = "/feed/…"
		}
		s.log.Debug("request", "method", r.Method, "path", path, "status", sw.status, "duration", time.Since(start))
	})
}
