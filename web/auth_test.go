package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge/internal/testdb"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// browser is a minimal cookie-keeping client for the anonymous flows.
type browser struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]string
	headers map[string]string
}

func (b *browser) do(method, path string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, "http://nudge.test"+path, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, "http://nudge.test"+path, nil)
	}
	for k, v := range b.cookies {
		r.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	for k, v := range b.headers {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return w
}

// token fetches a page and returns the CSRF token of its forms.
func (b *browser) token(path string) string {
	b.t.Helper()
	w := b.do("GET", path, nil)
	m := csrfField.FindStringSubmatch(w.Body.String())
	if m == nil {
		b.t.Fatalf("GET %s: %d, no CSRF field:\n%s", path, w.Code, excerpt(w.Body.String()))
	}
	return m[1]
}

func TestSetupSigninSignout(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newServer(t, b)
			br := &browser{t: t, h: f.h, cookies: map[string]string{}}
			tok := br.token("/setup")
			w := br.do("POST", "/setup", url.Values{"csrf": {tok}, "name": {"Boss"}, "email": {"boss@us.example"},
				"password": {"a long password"}, "password2": {"a long password"}, "tz": {"Europe/Berlin"}})
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/today" || br.cookies[sessionCookie] == "" {
				t.Fatalf("setup: %d %q cookies %v\n%s", w.Code, w.Header().Get("Location"), br.cookies, excerpt(w.Body.String()))
			}
			if w := br.do("GET", "/today", nil); w.Code != 200 || !strings.Contains(w.Body.String(), "Welcome to nudge") {
				t.Fatalf("today after setup: %d", w.Code)
			}
			// A second set-up is refused, even with a valid form.
			other := &browser{t: t, h: f.h, cookies: map[string]string{}}
			tok2 := other.token("/signin")
			w = other.do("POST", "/setup", url.Values{"csrf": {tok2}, "name": {"Mallory"}, "email": {"m@evil.example"},
				"password": {"a long password"}, "password2": {"a long password"}})
			if w.Code != http.StatusConflict {
				t.Fatalf("second setup: %d, want 409", w.Code)
			}
			// Sign out, then sign in again.
			tok = csrfField.FindStringSubmatch(br.do("GET", "/today", nil).Body.String())[1]
			if w := br.do("POST", "/signout", url.Values{"csrf": {tok}}); w.Code != 303 {
				t.Fatalf("signout: %d", w.Code)
			}
			if w := br.do("GET", "/today", nil); w.Code != 303 {
				t.Fatalf("after signout: %d, want a redirect to sign in", w.Code)
			}
			tok = br.token("/signin?next=/people")
			w = br.do("POST", "/signin", url.Values{"csrf": {tok}, "email": {"BOSS@us.example"}, "password": {"a long password"}, "next": {"/people"}})
			if w.Code != 303 || w.Header().Get("Location") != "/people" {
				t.Fatalf("signin: %d %q", w.Code, w.Header().Get("Location"))
			}
			for _, c := range w.Result().Cookies() {
				if c.Name == sessionCookie && (!c.HttpOnly || c.SameSite != http.SameSiteLaxMode) {
					t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax", c)
				}
			}
			// An open redirect is not followed.
			delete(br.cookies, sessionCookie)
			tok = br.token("/signin")
			w = br.do("POST", "/signin", url.Values{"csrf": {tok}, "email": {"boss@us.example"}, "password": {"a long password"}, "next": {"//evil.example/"}})
			if w.Header().Get("Location") != "/today" {
				t.Errorf("next=//evil.example: redirected to %q", w.Header().Get("Location"))
			}
		})
	}
}

// TestSignoutEverywhere: one browser's "sign out everywhere" ends the
// user's other sessions, not other users'.
func TestSignoutEverywhere(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t))
	other, _, err := f.db.CreateSession(context.Background(), f.users["repA"].ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if w := f.do(post("repA", "/signout/everywhere", nil)); w.Code != 303 {
		t.Fatalf("signout everywhere: %d", w.Code)
	}
	for _, token := range []string{other, f.cookie["repA"]} {
		if _, _, err := f.db.FindSession(context.Background(), token); err == nil {
			t.Errorf("session survived sign-out everywhere")
		}
	}
	if w := f.do(get("repB", "/today")); w.Code != 200 {
		t.Errorf("rep B signed out too: %d", w.Code)
	}
}

// TestSigninRateLimit: 5 failures per address and email in 15 minutes, then
// 429 with a clear message, even for the right password; the clock moving
// on lifts it.
func TestSigninRateLimit(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t))
	br := &browser{t: t, h: f.h, cookies: map[string]string{}}
	tok := br.token("/signin")
	try := func(pw string) *httptest.ResponseRecorder {
		return br.do("POST", "/signin", url.Values{"csrf": {tok}, "email": {"repA@us.example"}, "password": {pw}})
	}
	for i := range 5 {
		if w := try("wrong password"); w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "Wrong email or password") {
			t.Fatalf("failure %d: %d", i+1, w.Code)
		}
	}
	w := try(testPassword)
	if w.Code != http.StatusTooManyRequests || !strings.Contains(w.Body.String(), "Too many failed sign-ins") {
		t.Fatalf("6th try: %d, want 429\n%s", w.Code, excerpt(w.Body.String()))
	}
	// Another email from the same address is not blocked.
	if w := br.do("POST", "/signin", url.Values{"csrf": {tok}, "email": {"repB@us.example"}, "password": {testPassword}}); w.Code != 303 {
		t.Errorf("other email: %d", w.Code)
	}
	f.clock.Advance(16 * time.Minute)
	if w := try(testPassword); w.Code != 303 {
		t.Errorf("after the window: %d, want 303", w.Code)
	}
}

// TestCSRF: every state-changing request needs the session's synchronizer
// token AND must not come cross-site (http.CrossOriginProtection).
func TestCSRF(t *testing.T) {
	f := newFixture(t, testdb.SQLite(t))
	cases := []struct {
		name    string
		req     request
		headers map[string]string
		status  int
	}{
		{"no token", request{as: "repA", method: "POST", path: "/people/{pa}/do-not-contact", form: form("reason", "x"), noCSRF: true}, nil, 403},
		{"wrong token", request{as: "repA", method: "POST", path: "/people/{pa}/do-not-contact", form: form("reason", "x", "csrf", "forged"), noCSRF: true}, nil, 403},
		{"another user's token", request{as: "repA", method: "POST", path: "/people/{pa}/do-not-contact", form: form("reason", "x", "csrf", f.csrf["repB"]), noCSRF: true}, nil, 403},
		{"cross-site fetch", request{as: "repA", method: "POST", path: "/people/{pa}/do-not-contact", form: form("reason", "x")}, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"cross-origin Origin", request{as: "repA", method: "POST", path: "/people/{pa}/do-not-contact", form: form("reason", "x")}, map[string]string{"Origin": "https://evil.example"}, 403},
		{"cross-site API call", request{as: "repA", method: "DELETE", path: "/api/v1/people/{pa}", api: true}, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"same origin with token", request{as: "repA", method: "POST", path: "/people/{pa}/do-not-contact", form: form("reason", "x")}, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": "http://nudge.test"}, 303},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.headers = tc.headers
			w := f.do(tc.req)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d\n%s", w.Code, tc.status, excerpt(w.Body.String()))
			}
			p, err := f.db.FindPersonByID(context.Background(), f.people["pa"].ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.DoNotContact != (tc.status == 303) {
				t.Errorf("do-not-contact = %v after a %d", p.DoNotContact, w.Code)
			}
		})
	}
}

// TestOpenAPIListsEveryRoute holds the hand-written OpenAPI document to the
// routes actually registered, both ways.
func TestOpenAPIListsEveryRoute(t *testing.T) {
	f := newServer(t, testdb.SQLite(t))
	b, err := assets.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Servers) != 1 {
		t.Fatalf("not an OpenAPI 3 document with one server: %q %v", doc.OpenAPI, doc.Servers)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+doc.Servers[0].URL+path)
		}
	}
	registered := f.srv.APIRoutes()
	slices.Sort(documented)
	slices.Sort(registered)
	if !slices.Equal(documented, registered) {
		for _, r := range registered {
			if !slices.Contains(documented, r) {
				t.Errorf("route %s is not in openapi.json", r)
			}
		}
		for _, d := range documented {
			if !slices.Contains(registered, d) {
				t.Errorf("openapi.json documents %s, which is not a route", d)
			}
		}
	}
}
