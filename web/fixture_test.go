package web

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/store/storetest"
)

// cheap keeps password hashing fast in tests; the cost is a parameter, the
// code path is the same.
var cheap = &PasswordCost{MemoryKiB: 64, Iterations: 1, Parallelism: 1}

// testPassword is every seeded user's password.
const testPassword = "correct horse battery"

// fixture is a server on a fresh database with two teams:
//
//	East: manager "mgr", reps "repA" and "repB"
//	West: rep "repC" (no manager)
//	and "admin".
//
// Each rep owns one person (pa, pb, pc) planned into B1's cadence; pb was
// moved to the breakup cadence and its first two steps skipped, so its E4
// "go around" task is the manager's. The clock stands where every one of
// these tasks is due.
type fixture struct {
	t      testing.TB
	db     *store.DB
	clock  *nudge.FixedClock
	svc    *followup.Service
	srv    *Server
	h      http.Handler
	users  map[string]*nudge.User
	teams  map[string]*nudge.Team
	people map[string]*nudge.Person
	tasks  map[string]int64 // "a": pa's open task, "b": pb's (the E4 one), "c": pc's
	cookie map[string]string
	csrf   map[string]string
	token  map[string]string
	ids    map[string]string // placeholders for scenario paths and bodies
}

// newServer opens an empty store on b and builds a server on it.
func newServer(t testing.TB, b testdb.Backend) *fixture {
	t.Helper()
	clock := nudge.NewFixedClock(storetest.Start)
	return serverOn(t, storetest.Open(t, b, clock), clock)
}

// serverOn builds a server on an open, empty store.
func serverOn(t testing.TB, db *store.DB, clock *nudge.FixedClock) *fixture {
	t.Helper()
	svc := followup.New(db, clock, followup.Options{RepCompany: "A-Z Company"})
	srv, err := New(db, svc, clock, Config{PasswordCost: cheap, Throttle: clock})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, db: db, clock: clock, svc: svc, srv: srv, h: srv.Handler(),
		users: map[string]*nudge.User{}, teams: map[string]*nudge.Team{}, people: map[string]*nudge.Person{},
		tasks: map[string]int64{}, cookie: map[string]string{}, csrf: map[string]string{}, token: map[string]string{},
		ids: map[string]string{}}
}

func newFixture(t testing.TB, b testdb.Backend) *fixture {
	t.Helper()
	return newServer(t, b).seed()
}

// seed fills an empty server's store with the fixture's users and people.
func (f *fixture) seed() *fixture {
	t := f.t
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	hash, err := f.srv.HashPassword(testPassword)
	must(err)
	user := func(key string, role nudge.UserRole, team string) {
		u := &nudge.User{Email: key + "@us.example", Name: key, Role: role, TimeZone: "America/New_York", PasswordHash: hash}
		if tm := f.teams[team]; tm != nil {
			u.TeamID = tm.ID
		}
		must(f.db.CreateUser(ctx, u))
		f.users[key] = u
		token, s, err := f.db.CreateSession(ctx, u.ID, time.Hour*24*365)
		must(err)
		f.cookie[key], f.csrf[key] = token, s.CSRF
		api, at, err := f.db.CreateAPIToken(ctx, u.ID, "tests")
		must(err)
		f.token[key] = api
		f.ids["token_"+key] = strconv.FormatInt(at.ID, 10)
		f.ids[key] = strconv.FormatInt(u.ID, 10)
	}
	user("admin", nudge.UserAdmin, "")
	user("mgr", nudge.UserManager, "")
	for _, name := range []string{"East", "West"} {
		tm := &nudge.Team{Name: name}
		if name == "East" {
			tm.ManagerID = f.users["mgr"].ID
		}
		must(f.db.CreateTeam(ctx, tm))
		f.teams[name] = tm
		f.ids[name] = strconv.FormatInt(tm.ID, 10)
	}
	mgr := f.users["mgr"]
	mgr.TeamID = f.teams["East"].ID
	mgr.PasswordHash = ""
	must(f.db.UpdateUser(ctx, mgr))
	user("repA", nudge.UserRep, "East")
	user("repB", nudge.UserRep, "East")
	user("repC", nudge.UserRep, "West")
	co, err := f.db.FindOrCreateCompany(ctx, "Acme")
	must(err)
	f.ids["acme"] = strconv.FormatInt(co.ID, 10)
	person := func(key, name, owner string) {
		p := &nudge.Person{Name: name, Email: key + "@prospect.example", Phone: "+12125550100", TimeZone: "America/New_York",
			Country: "US", OwnerID: f.users[owner].ID, CompanyID: co.ID, Status: nudge.StatusProspect, PainGain: "month-end close takes 9 days"}
		p.Phone = "+1212555010" + strconv.Itoa(len(f.people))
		must(f.db.CreatePerson(ctx, p))
		f.people[key] = p
		f.ids[key] = strconv.FormatInt(p.ID, 10)
	}
	person("pa", "Anna Alpha", "repA")
	person("pb", "Bert Beta", "repB")
	person("pc", "Cleo Gamma", "repC")
	// A forgotten person, so re-adding them is EFORGOTTEN.
	gone := &nudge.Person{Name: "Gone", Email: "gone@prospect.example", OwnerID: f.users["repA"].ID}
	must(f.db.CreatePerson(ctx, gone))
	must(f.db.ForgetPerson(ctx, gone.ID))
	_, err = f.svc.RunOnce(ctx)
	must(err)
	// pb: breakup cadence, skip to the E4 step that the manager does.
	_, err = f.svc.Enroll(ctx, f.people["pb"].ID, "breakup")
	must(err)
	for range 2 {
		must(f.svc.Skip(ctx, f.openTask("pb").ID, "test: go to the E4 step"))
	}
	if e4 := f.openTask("pb"); e4.AssigneeID != mgr.ID || e4.Rule != "E4" {
		t.Fatalf("pb's task is %+v, want the E4 step assigned to the manager %d", e4, mgr.ID)
	}
	// Stand the clock where every open task is due.
	var latest time.Time
	for _, k := range []string{"pa", "pb", "pc"} {
		task := f.openTask(k)
		if task.Due.After(latest) {
			latest = task.Due
		}
		f.tasks[k] = task.ID
		f.ids["task_"+k] = strconv.FormatInt(task.ID, 10)
	}
	f.clock.Set(latest.Add(time.Minute))
	return f
}

// openTask returns the one open task of a person of the fixture.
func (f *fixture) openTask(key string) store.TaskRow {
	f.t.Helper()
	id := f.people[key].ID
	rows, err := f.db.FindTasks(context.Background(), store.TaskFilter{PersonID: &id, States: []nudge.TaskState{nudge.TaskOpen}})
	if err != nil || len(rows) != 1 {
		f.t.Fatalf("open tasks of %s: %v, %d rows", key, err, len(rows))
	}
	return rows[0]
}

// expand replaces {key} placeholders with the fixture's ids.
func (f *fixture) expand(s string) string {
	return regexp.MustCompile(`\{([a-zA-Z_]+)\}`).ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := f.ids[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// request is one HTTP exchange with the fixture's server.
type request struct {
	as      string // user key; "" = anonymous
	method  string
	path    string
	form    url.Values // a page POST; the session's CSRF token is added unless noCSRF
	body    string     // an API body (JSON)
	api     bool       // authenticate with the user's API token instead of the session
	noCSRF  bool
	headers map[string]string
}

func (f *fixture) do(rq request) *httptest.ResponseRecorder {
	f.t.Helper()
	var body io.Reader
	path := f.expand(rq.path)
	var ctype string
	switch {
	case rq.form != nil:
		form := url.Values{}
		for k, v := range rq.form {
			for _, x := range v {
				form.Add(k, f.expand(x))
			}
		}
		if !rq.noCSRF && rq.as != "" {
			form.Set("csrf", f.csrf[rq.as])
		}
		body, ctype = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	case rq.body != "":
		body, ctype = strings.NewReader(f.expand(rq.body)), "application/json"
	}
	r := httptest.NewRequest(rq.method, "http://nudge.test"+path, body)
	r.Host = "nudge.test"
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if rq.as != "" {
		if rq.api {
			r.Header.Set("Authorization", "Bearer "+f.token[rq.as])
		} else {
			r.AddCookie(&http.Cookie{Name: sessionCookie, Value: f.cookie[rq.as]})
		}
	}
	for k, v := range rq.headers {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

// pool hands scenarios fresh fixtures. SQLite files are cheap to create;
// a PostgreSQL schema takes seconds to migrate, so a few migrated schemas
// are opened once and emptied (TRUNCATE) between scenarios instead.
type pool struct {
	name string
	pg   chan *pooled
}

type pooled struct {
	db    *store.DB
	clock *nudge.FixedClock
	raw   *sql.DB
}

func newPool(t *testing.T, b testdb.Backend) *pool {
	p := &pool{name: b.Name}
	if b.Name != "postgres" {
		return p
	}
	n := min(runtime.GOMAXPROCS(0), 4)
	p.pg = make(chan *pooled, n)
	for i := range n {
		pg := b
		if i > 0 {
			pg, _ = testdb.Postgres(t)
		}
		clock := nudge.NewFixedClock(storetest.Start)
		db := storetest.Open(t, pg, clock)
		raw, err := sql.Open("pgx", pg.DSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { raw.Close() })
		p.pg <- &pooled{db: db, clock: clock, raw: raw}
	}
	return p
}

// fixture returns a server on an empty database (seeded unless empty),
// given back to the pool when the test ends.
func (p *pool) fixture(t *testing.T, empty bool) *fixture {
	t.Helper()
	if p.pg == nil {
		f := newServer(t, testdb.SQLite(t))
		if empty {
			return f
		}
		return f.seed()
	}
	pd := <-p.pg
	t.Cleanup(func() { p.pg <- pd })
	// DELETE with the foreign-key triggers off: TRUNCATE rewrites files and
	// takes seconds on a server that fsyncs.
	_, err := pd.raw.Exec(`DO $$ DECLARE r record; BEGIN
		PERFORM set_config('session_replication_role', 'replica', true);
		FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'schema_migrations' LOOP
			EXECUTE 'DELETE FROM ' || quote_ident(r.tablename);
		END LOOP; END $$`)
	if err != nil {
		t.Fatalf("empty the database: %v", err)
	}
	pd.clock.Set(storetest.Start)
	f := serverOn(t, pd.db, pd.clock)
	if empty {
		return f
	}
	return f.seed()
}
