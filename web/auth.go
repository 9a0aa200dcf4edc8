package web

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/argon2id"

	"github.com/nudgecrm/nudge"
)

// minPassword is the shortest password accepted (issue 5).
const minPassword = 10

// PasswordCost is the argon2id cost of a password hash.
type PasswordCost struct {
	MemoryKiB   uint32
	Iterations  uint32
	Parallelism uint8
}

// params returns the argon2id parameters: RFC 9106's second recommended
// option (64 MiB, 3 passes, 4 lanes) unless configured otherwise.
func (s *Server) params() *argon2id.Params {
	p := &argon2id.Params{Memory: 64 * 1024, Iterations: 3, Parallelism: 4, SaltLength: 16, KeyLength: 32}
	if c := s.cfg.PasswordCost; c != nil {
		p.Memory, p.Iterations, p.Parallelism = c.MemoryKiB, c.Iterations, c.Parallelism
	}
	return p
}

// HashPassword checks a new password's length and returns its argon2id hash.
func (s *Server) HashPassword(password string) (string, error) {
	if len([]rune(password)) < minPassword {
		return "", nudge.FieldError("password", "a password needs at least %d characters", minPassword)
	}
	h, err := argon2id.CreateHash(password, s.params())
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// clientIP is the peer address. X-Forwarded-For is not trusted: behind a
// proxy every client shares the proxy's address, which limits more, not less.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// setupData is the first-run form.
type setupData struct{}

func (s *Server) setupForm(w http.ResponseWriter, r *http.Request, c *call) error {
	n, err := s.db.CountUsers(r.Context())
	if err != nil {
		return err
	}
	if n > 0 {
		return nudge.Errorf(nudge.ECONFLICT, "nudge is already set up; sign in instead")
	}
	v := &view{Title: "Set up nudge", CSRF: c.csrfToken(), Now: s.clock.Now(), Data: setupData{}}
	s.render(w, r, http.StatusOK, "setup", v)
	return nil
}

// setup creates the admin on an empty database, and signs them in.
func (s *Server) setup(w http.ResponseWriter, r *http.Request, c *call) error {
	v := &view{Title: "Set up nudge", CSRF: c.csrfToken(), Now: s.clock.Now(), Data: setupData{}}
	u := &nudge.User{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: nudge.UserAdmin,
		TimeZone: strings.TrimSpace(r.PostFormValue("tz"))}
	err := s.checkNewPassword(r)
	if err == nil {
		u.PasswordHash, err = s.HashPassword(r.PostFormValue("password"))
	}
	if err == nil {
		err = s.db.CreateFirstUser(r.Context(), u)
	}
	if err != nil {
		if nudge.ErrorCode(err) != nudge.ECONFLICT && v.formError(err, r.PostForm) {
			v.Form.Del("password")
			v.Form.Del("password2")
			s.render(w, r, http.StatusUnprocessableEntity, "setup", v)
			return nil
		}
		return err
	}
	s.setUp.Store(true)
	return s.startSession(w, r, u, "/today", "Welcome to nudge. Import your people to get started.")
}

// checkNewPassword checks the password and its confirmation of a form.
func (s *Server) checkNewPassword(r *http.Request) error {
	p := r.PostFormValue("password")
	if len([]rune(p)) < minPassword {
		return nudge.FieldError("password", "a password needs at least %d characters", minPassword)
	}
	if _, ok := r.PostForm["password2"]; ok && r.PostFormValue("password2") != p {
		return nudge.FieldError("password2", "the two passwords differ")
	}
	return nil
}

func (s *Server) startSession(w http.ResponseWriter, r *http.Request, u *nudge.User, next, flash string) error {
	token, _, err := s.db.CreateSession(r.Context(), u.ID, s.cfg.SessionTTL)
	if err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, token, int(s.cfg.SessionTTL/time.Second)))
	s.redirect(w, r, next, flash)
	return nil
}

type signinData struct{ Next string }

func (s *Server) signinForm(w http.ResponseWriter, r *http.Request, c *call) error {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if _, _, err := s.db.FindSession(r.Context(), ck.Value); err == nil {
			http.Redirect(w, r, "/today", http.StatusSeeOther)
			return nil
		}
	}
	v := &view{Title: "Sign in", CSRF: c.csrfToken(), Now: s.clock.Now(), Flash: s.popFlash(w, r),
		Data: signinData{Next: safeNext(r.URL.Query().Get("next"))}}
	s.render(w, r, http.StatusOK, "signin", v)
	return nil
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request, c *call) error {
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	next := safeNext(r.PostFormValue("next"))
	key := clientIP(r) + "|" + email
	if wait := s.limiter.blocked(key); wait > 0 {
		s.rateLimited(w, r, c, wait, fmt.Sprintf("Too many failed sign-ins for %s from this address. Try again in %d minutes.", email, int(wait.Minutes())+1))
		return nil
	}
	u, err := s.db.FindUserByEmail(r.Context(), email)
	if err != nil && nudge.ErrorCode(err) != nudge.ENOTFOUND {
		return err
	}
	// An unknown email is compared against a hash of the same cost, so it
	// takes as long as a wrong password and does not reveal accounts.
	hash := s.dummyHash
	if u != nil && u.PasswordHash != "" {
		hash = u.PasswordHash
	}
	ok, herr := argon2id.ComparePasswordAndHash(r.PostFormValue("password"), hash)
	if herr != nil || !ok || u == nil || u.PasswordHash == "" {
		s.limiter.fail(key)
		v := &view{Title: "Sign in", CSRF: c.csrfToken(), Now: s.clock.Now(), Data: signinData{Next: next},
			Errors: map[string]string{"": "Wrong email or password."}, Form: r.PostForm}
		v.Form.Del("password")
		s.render(w, r, http.StatusUnauthorized, "signin", v)
		return nil
	}
	s.limiter.reset(key)
	return s.startSession(w, r, u, next, "")
}

// safeNext keeps a post-sign-in redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/today"
	}
	return next
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request, c *call) error {
	if ck, err := r.Cookie(sessionCookie); err == nil {
		if err := s.db.DeleteSession(r.Context(), ck.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, "", -1))
	s.redirect(w, r, "/signin", "Signed out.")
	return nil
}

// signoutEverywhere ends every session of the user, on every device.
func (s *Server) signoutEverywhere(w http.ResponseWriter, r *http.Request, c *call) error {
	n, err := s.db.DeleteUserSessions(r.Context(), c.user.ID)
	if err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(r, sessionCookie, "", -1))
	s.redirect(w, r, "/signin", fmt.Sprintf("Signed out everywhere (%d sessions ended).", n))
	return nil
}
