package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/store"
)

// Cookie names.
const (
	sessionCookie  = "nudge_session"
	anonCSRFCookie = "nudge_csrf" // double-submit token for the forms shown before sign-in
	flashCookie    = "nudge_flash"
)

// call is one authenticated request: who is asking and, for a browser,
// the session whose synchronizer token its forms carry.
type call struct {
	s        *Server
	user     *nudge.User
	sess     *store.Session
	anonCSRF string
	sc       *scope
}

// csrfToken is the token forms of this request must carry.
func (c *call) csrfToken() string {
	if c == nil {
		return ""
	}
	if c.sess != nil {
		return c.sess.CSRF
	}
	return c.anonCSRF
}

// handler is a page or API handler; a returned error goes to Server.fail.
type handler func(w http.ResponseWriter, r *http.Request, c *call) error

// page wraps a handler for a signed-in browser: it finds the session (or
// sends the browser to sign in), checks the synchronizer token on every
// POST, and routes errors to the one error path.
func (s *Server) page(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &call{s: s}
		if ck, err := r.Cookie(sessionCookie); err == nil {
			sess, u, err := s.db.FindSession(r.Context(), ck.Value)
			if err != nil && nudge.ErrorCode(err) != nudge.ENOTFOUND {
				s.fail(w, r, c, err)
				return
			}
			c.sess, c.user = sess, u
		}
		if c.user == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.fail(w, r, c, nudge.Errorf(nudge.EUNAUTHORIZED, "sign in first"))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			if err := parseForm(w, r); err != nil {
				s.fail(w, r, c, err)
				return
			}
			if !sameToken(r.PostFormValue("csrf"), c.sess.CSRF) {
				s.fail(w, r, c, nudge.Errorf(nudge.EUNAUTHORIZED, "the form has expired or did not come from nudge; reload the page and try again (CSRF token missing or wrong)"))
				return
			}
		}
		if err := h(w, r, c); err != nil {
			s.fail(w, r, c, err)
		}
	})
}

// anon wraps the forms shown before sign-in (set-up, sign-in): their POSTs
// carry a double-submit token matching a cookie, since there is no session
// yet to hold one.
func (s *Server) anon(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &call{s: s}
		if ck, err := r.Cookie(anonCSRFCookie); err == nil && len(ck.Value) >= 32 {
			c.anonCSRF = ck.Value
		}
		if r.Method == http.MethodGet {
			if c.anonCSRF == "" {
				c.anonCSRF = randomToken()
				http.SetCookie(w, s.cookie(r, anonCSRFCookie, c.anonCSRF, 0))
			}
		} else {
			if err := parseForm(w, r); err != nil {
				s.fail(w, r, c, err)
				return
			}
			if c.anonCSRF == "" || !sameToken(r.PostFormValue("csrf"), c.anonCSRF) {
				s.fail(w, r, c, nudge.Errorf(nudge.EUNAUTHORIZED, "the form has expired; reload the page and try again (CSRF token missing or wrong)"))
				return
			}
		}
		if err := h(w, r, c); err != nil {
			s.fail(w, r, c, err)
		}
	})
}

// parseForm reads a urlencoded or multipart body, which Server.limitBodies
// bounded (413 past the limit). A multipart body keeps up to 8 MiB in
// memory and the rest in temporary files.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(8 << 20)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		if big := asTooLarge(r, err); big != nil {
			return big
		}
		return malformed("", "cannot read the form: %v", err)
	}
	// PostgreSQL text holds neither NUL nor bytes that are not UTF-8; a
	// browser sends neither, a crafted request did (a 500, found with
	// FuzzAPI's NUL seed).
	for k, vs := range r.Form {
		for _, v := range vs {
			if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
				return malformed(k, "the value is not UTF-8 text (it holds a NUL character or bytes of another encoding)")
			}
		}
	}
	return nil
}

func sameToken(got, want string) bool {
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// cookie makes an HttpOnly, SameSite=Lax cookie, Secure on TLS or when
// configured; maxAge 0 makes a browser-session cookie, -1 deletes it.
func (s *Server) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil || s.cfg.SecureCookies}
}

// redirect answers a POST with 303 See Other to url, leaving a one-time
// message for the next page.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		http.SetCookie(w, s.cookie(r, flashCookie, url.QueryEscape(flash), 60))
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// popFlash returns and clears the one-time message.
func (s *Server) popFlash(w http.ResponseWriter, r *http.Request) string {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	http.SetCookie(w, s.cookie(r, flashCookie, "", -1))
	msg, _ := url.QueryUnescape(ck.Value)
	return msg
}

// pathID reads a numeric path value.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, malformed(name, "%q is not an id", r.PathValue(name))
	}
	return id, nil
}

// queryID reads an optional numeric query parameter (0 when absent).
func queryID(r *http.Request, name string) (int64, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0, malformed(name, "%q is not an id", v)
	}
	return id, nil
}

// parseLocal reads a time as a browser's datetime-local or date input
// sends it, or RFC 3339, in loc. A bare date means 17:00, the end of that
// business day.
func parseLocal(field, v string, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", v, loc); err == nil {
		return time.Date(t.Year(), t.Month(), t.Day(), 17, 0, 0, 0, loc).UTC(), nil
	}
	if v == "" {
		return time.Time{}, nudge.FieldError(field, "give a date")
	}
	return time.Time{}, nudge.FieldError(field, "%q is not a date and time (want 2026-12-01 or 2026-12-01T15:04)", v)
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }
