package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
)

// configRow is one key of `nudge config --json`.
type configRow struct {
	Key, Value, Source, Env string
}

func (c *cli) config(args ...string) map[string]configRow {
	c.t.Helper()
	var rows []configRow
	c.json(&rows, append([]string{"config", "--json"}, args...)...)
	m := map[string]configRow{}
	for _, r := range rows {
		m[r.Key] = r
	}
	return m
}

// TestConfigPrecedence (issue 7): the same key given as a flag, an
// environment variable and a line of the configuration file takes the
// flag's value; without the flag, the environment's; without both, the
// file's; without any, the default — for a key every command has (db), one
// of nudge serve (max-upload) and one with no flag (company).
func TestConfigPrecedence(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "nudge.conf")
	write(t, file, "# nudge settings\n\ndb = "+filepath.Join(dir, "file.db")+"\nmax-upload = 1MiB\ncompany = \"File Co \"\n")
	for _, tc := range []struct {
		name                     string
		flags                    []string
		env                      map[string]string
		db, upload, company, src string
	}{
		{"flag", []string{"--db", filepath.Join(dir, "flag.db"), "--max-upload", "3MiB"},
			map[string]string{"NUDGE_DB": filepath.Join(dir, "env.db"), "NUDGE_MAX_UPLOAD": "2MiB", "NUDGE_COMPANY": "Env Co", "NUDGE_CONFIG": file},
			filepath.Join(dir, "flag.db"), "3MiB", "Env Co", "flag"},
		{"env", nil,
			map[string]string{"NUDGE_DB": filepath.Join(dir, "env.db"), "NUDGE_MAX_UPLOAD": "2MiB", "NUDGE_COMPANY": "Env Co", "NUDGE_CONFIG": file},
			filepath.Join(dir, "env.db"), "2MiB", "Env Co", "env"},
		{"file", nil, map[string]string{"NUDGE_CONFIG": file},
			filepath.Join(dir, "file.db"), "1MiB", "File Co ", "file"},
		{"default", nil, map[string]string{},
			"", "64MiB", "", "default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := &cli{t: t, env: tc.env}
			got := c.config(tc.flags...)
			if r := got["db"]; r.Source != tc.src || (tc.db != "" && r.Value != tc.db) || r.Env != "NUDGE_DB" {
				t.Errorf("db = %+v, want %q from %s", r, tc.db, tc.src)
			}
			if r := got["max-upload"]; r.Value != tc.upload || r.Source != tc.src {
				t.Errorf("max-upload = %+v, want %s from %s", r, tc.upload, tc.src)
			}
			// company has no flag: the environment wins, then the file.
			wantSrc := map[string]string{"flag": "env", "env": "env", "file": "file", "default": "default"}[tc.src]
			if r := got["company"]; r.Value != tc.company || r.Source != wantSrc {
				t.Errorf("company = %+v, want %q from %s", r, tc.company, wantSrc)
			}
		})
	}
	// --config wins over NUDGE_CONFIG.
	other := filepath.Join(dir, "other.conf")
	write(t, other, "max-form = 16KiB\n")
	c := &cli{t: t, env: map[string]string{"NUDGE_CONFIG": file}}
	if got := c.config("--config", other); got["max-form"].Value != "16KiB" || got["max-upload"].Source != "default" {
		t.Errorf("--config over NUDGE_CONFIG: max-form %+v, max-upload %+v", got["max-form"], got["max-upload"])
	}
	// Secrets are not shown: the metrics token, the database URL's password.
	c = &cli{t: t, env: map[string]string{"NUDGE_METRICS_TOKEN": "tok-5e1", "NUDGE_DATABASE_URL": "postgres://u:pw-9c2@db.example/nudge?sslmode=disable"}}
	_, out, _ := c.run("config")
	if strings.Contains(out, "tok-5e1") || strings.Contains(out, "pw-9c2") || !strings.Contains(out, "(set)") || !strings.Contains(out, "u:xxxxx@db.example") {
		t.Errorf("secrets in nudge config:\n%s", out)
	}
}

// TestConfigFileUsed: a command reads its database from the file alone.
func TestConfigFileUsed(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "nudge.conf")
	write(t, file, "db = "+filepath.Join(dir, "book.db")+"\n")
	c := &cli{t: t, env: map[string]string{"NUDGE_NOW": "2026-11-30T14:00:00Z"}}
	c.ok("--config", file, "contact", "add", "--name", "Anna", "--email", "anna@acme.example")
	c2 := &cli{t: t, env: map[string]string{"NUDGE_DB": filepath.Join(dir, "book.db")}}
	var people []nudge.Person
	c2.json(&people, "contact", "list", "--json")
	if len(people) != 1 || people[0].Email != "anna@acme.example" {
		t.Errorf("people in the file's database: %+v", people)
	}
}

// TestConfigErrors: a mistake in the file names its line; one in the
// environment names the variable; either stops every command.
func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ file, want string }{
		{"addr = :0\n\nmax_uplod = 1MiB\n", `line 3: unknown key "max_uplod" (known keys: db, database-url, addr,`},
		{"# x\nmax_upload = 1MiB\n", `line 2: unknown key "max_upload" (did you mean max-upload?)`},
		{"addr = :0\nmax-upload = lots\n", `line 2: max-upload = "lots": "lots" is not a size`},
		{"api-rate = fast\n", `line 1: api-rate = "fast"`},
		{"log-format\n", `line 1: want KEY = VALUE, got "log-format"`},
		{"tz = UTC\ntz = Europe/Berlin\n", `line 2: tz is already set on line 1`},
		{"metrics-token = \"unterminated\n", `line 1: metrics-token: the value "unterminated is not a well-formed quoted string`},
		{"log-format = xml\n", `log-format "xml": want text or json`},
	} {
		file := filepath.Join(dir, "bad.conf")
		write(t, file, tc.file)
		c := &cli{t: t, env: map[string]string{"NUDGE_DB": filepath.Join(dir, "x.db")}}
		if errs := c.fail("--config", file, "contact", "list"); !strings.Contains(errs, tc.want) {
			t.Errorf("file %q:\n got %q\nwant %q", tc.file, errs, tc.want)
		}
	}
	c := &cli{t: t, env: map[string]string{"NUDGE_DB": filepath.Join(dir, "x.db"), "NUDGE_SHUTDOWN_TIMEOUT": "soon"}}
	if errs := c.fail("contact", "list"); !strings.Contains(errs, `NUDGE_SHUTDOWN_TIMEOUT="soon"`) {
		t.Errorf("bad environment value: %q", errs)
	}
	c = &cli{t: t, env: map[string]string{"NUDGE_DB": filepath.Join(dir, "x.db"), "NUDGE_CONFIG": filepath.Join(dir, "missing.conf")}}
	if errs := c.fail("contact", "list"); !strings.Contains(errs, "missing.conf") {
		t.Errorf("missing file: %q", errs)
	}
}

// lockedBuffer is an output a running command and the test share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeOperable runs nudge serve in-process with JSON logs and a
// database URL holding a password, walks a scenario with every kind of
// secret — set-up and sign-in passwords (right and wrong), the session
// cookie, an API token, a feed URL, the metrics token — then stops it as
// SIGTERM would (its context ends): it exits 0, its log is JSON lines with
// a request line per request, and no secret is in its output. /metrics
// answers on --metrics-addr without authentication and on --addr with the
// token.
func TestServeOperable(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			const password, wrong, metricsToken = "s3cret-passphrase-93a1", "wrong-passphrase-77b2", "metrics-token-4f1c9"
			secrets := []string{password, wrong, metricsToken}
			env := map[string]string{"NUDGE_SECRET_KEY_FILE": filepath.Join(t.TempDir(), "secret.key")}
			dsn := b.DSN
			if b.Name == "postgres" {
				// Trust authentication ignores the password; the log must not show it.
				u, err := url.Parse(b.DSN)
				if err != nil {
					t.Fatal(err)
				}
				u.User = url.UserPassword(u.User.Username(), "db-password-0d7e")
				dsn = u.String()
				env["NUDGE_DATABASE_URL"] = dsn
				secrets = append(secrets, "db-password-0d7e")
			} else {
				env["NUDGE_DB"] = dsn
			}
			var stdout, stderr lockedBuffer
			ctx, stop := context.WithCancel(context.Background())
			exited := make(chan int, 1)
			go func() {
				exited <- Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "127.0.0.1:0",
					"--log-format", "json", "--metrics-token", metricsToken}, Env{
					Getenv: func(k string) string { return env[k] }, Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
			}()
			defer stop()
			addr := waitMatch(t, &stdout, regexp.MustCompile(`running at http://([0-9.:]+)/`), exited)
			opsAddr := waitMatch(t, &stderr, regexp.MustCompile(`"url":"http://([0-9.:]+)/metrics"`), exited)
			base := "http://" + addr
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`)
			page := func(path string) string {
				resp, err := client.Get(base + path)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				m := csrf.FindSubmatch(body)
				if m == nil {
					t.Fatalf("GET %s: %d, no form", path, resp.StatusCode)
				}
				secrets = append(secrets, string(m[1]))
				return string(m[1])
			}
			postForm := func(path string, form url.Values) int {
				resp, err := client.PostForm(base+path, form)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				for _, ck := range jar.Cookies(resp.Request.URL) {
					secrets = append(secrets, ck.Value)
				}
				return resp.StatusCode
			}
			tok := page("/setup")
			if code := postForm("/setup", url.Values{"csrf": {tok}, "name": {"Boss"}, "email": {"boss@us.example"},
				"password": {password}, "password2": {password}}); code != http.StatusSeeOther {
				t.Fatalf("setup: %d", code)
			}
			jar2, _ := cookiejar.New(nil)
			client.Jar = jar2
			jar = jar2
			tok = page("/signin")
			if code := postForm("/signin", url.Values{"csrf": {tok}, "email": {"boss@us.example"}, "password": {wrong}}); code != http.StatusUnauthorized {
				t.Fatalf("wrong sign-in: %d", code)
			}
			if code := postForm("/signin", url.Values{"csrf": {tok}, "email": {"boss@us.example"}, "password": {password}}); code != http.StatusSeeOther {
				t.Fatalf("sign-in: %d", code)
			}
			// An API token and a feed, made beside the server.
			db, err := store.Open(context.Background(), b.DSN, nudge.SystemClock{})
			if err != nil {
				t.Fatal(err)
			}
			u, err := db.FindUserByEmail(context.Background(), "boss@us.example")
			if err != nil {
				t.Fatal(err)
			}
			api, _, err := db.CreateAPIToken(context.Background(), u.ID, "ops test")
			if err != nil {
				t.Fatal(err)
			}
			feed, err := db.NewFeedToken(context.Background(), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			secrets = append(secrets, api, feed)
			get := func(url, bearer string) (int, string) {
				req, _ := http.NewRequest("GET", url, nil)
				if bearer != "" {
					req.Header.Set("Authorization", "Bearer "+bearer)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				body, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(body)
			}
			if code, _ := get(base+"/api/v1/me", api); code != 200 {
				t.Fatalf("API: %d", code)
			}
			if code, _ := get(base+"/feed/"+feed+".ics", ""); code != 200 {
				t.Fatalf("feed: %d", code)
			}
			if code, _ := get(base+"/readyz", ""); code != 200 {
				t.Errorf("readyz: %d", code)
			}
			if code, _ := get(base+"/metrics", ""); code != http.StatusUnauthorized {
				t.Errorf("metrics on --addr without the token: %d, want 401", code)
			}
			if code, body := get(base+"/metrics", metricsToken); code != 200 || !strings.Contains(body, `nudge_http_requests_total{code="2xx",route="GET /api/v1/me"} 1`) {
				t.Errorf("metrics on --addr with the token: %d\n%s", code, body)
			}
			if code, body := get("http://"+opsAddr+"/metrics", ""); code != 200 || !strings.Contains(body, `nudge_http_requests_total{code="4xx",route="POST /signin"} 1`) {
				t.Errorf("metrics on --metrics-addr: %d\n%s", code, body)
			}

			stop() // as SIGTERM does (main's signal.NotifyContext)
			select {
			case code := <-exited:
				if code != 0 {
					t.Fatalf("exit %d after the stop\n%s", code, stderr.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatal("nudge serve did not stop within 30 s")
			}
			log := stderr.String()
			var requests int
			sc := bufio.NewScanner(strings.NewReader(log))
			var last map[string]any
			for sc.Scan() {
				var rec map[string]any
				if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
					t.Fatalf("log line is not JSON: %q", sc.Text())
				}
				if rec["msg"] == "request" {
					requests++
					if rec["route"] == nil || rec["status"] == nil || rec["duration"] == nil || rec["request_id"] == nil {
						t.Errorf("request record without route, status, duration or id: %v", rec)
					}
				}
				last = rec
			}
			// Seven requests; the probes (/readyz, /metrics) log at debug level.
			if requests != 7 || last["msg"] != "stopped" {
				t.Errorf("%d request records, last record %v; want 7 and \"stopped\"", requests, last)
			}
			for _, s := range secrets {
				if s == "" {
					continue
				}
				if strings.Contains(log, s) || strings.Contains(stdout.String(), s) {
					t.Errorf("secret %.6s… is in nudge serve's output:\n%s", s, log)
				}
			}
		})
	}
}

// waitMatch waits until out holds re's match and returns its group,
// failing if the command exits first or 30 seconds pass.
func waitMatch(t *testing.T, out *lockedBuffer, re *regexp.Regexp, exited chan int) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case code := <-exited:
			t.Fatalf("nudge serve exited %d:\n%s", code, out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in 30 s:\n%s", re, out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
