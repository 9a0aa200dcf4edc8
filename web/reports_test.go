package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/report"
	"github.com/nudgecrm/nudge/report/reporttest"
)

// reportServer is a server on the report book of package reporttest (its
// figures are worked out in store/report_test.go), every user signed in.
func reportServer(t *testing.T, b testdb.Backend) (*fixture, *reporttest.Fixture) {
	t.Helper()
	f := newServer(t, b)
	hash, err := f.srv.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	fx := reporttest.Load(t, f.db, f.clock, hash)
	ctx := context.Background()
	for key, u := range fx.Users {
		token, s, err := f.db.CreateSession(ctx, u.ID, 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		f.cookie[key], f.csrf[key] = token, s.CSRF
		api, _, err := f.db.CreateAPIToken(ctx, u.ID, "tests")
		if err != nil {
			t.Fatal(err)
		}
		f.token[key] = api
		f.ids[key] = strconv.FormatInt(u.ID, 10)
	}
	for name, tm := range fx.Teams {
		f.ids[name] = strconv.FormatInt(tm.ID, 10)
	}
	for key, p := range fx.People {
		f.ids[key] = strconv.FormatInt(p.ID, 10)
	}
	return f, fx
}

// Reports are scoped like every query: a rep sees their own figures, a
// manager their team's and each of its reps', an admin everybody's; asking
// for anyone else is a 404, in the page and the API alike.
func TestReportsScope(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f, _ := reportServer(t, b)
			cases := []struct {
				as, query string
				status    int
				dropped   int
			}{
				{"ann", "", 200, 5},
				{"ann", "?rep={ann}", 200, 5},
				{"ann", "?rep={bob}", 404, 0},
				{"ann", "?team={East}", 404, 0},
				{"bob", "", 200, 4},
				{"cy", "?rep={ann}", 404, 0},
				{"mia", "", 200, 9}, // East: Ann and Bob
				{"mia", "?team={East}", 200, 9},
				{"mia", "?rep={ann}", 200, 5},
				{"mia", "?rep={cy}", 404, 0},
				{"mia", "?team={West}", 404, 0},
				{"admin", "", 200, 12},
				{"admin", "?team={West}", 200, 2},
				{"admin", "?rep={cy}", 200, 2},
				{"admin", "?rep={ann}&team={East}", 422, 0},
				{"admin", "?rep=99999", 404, 0},
				{"admin", "?from=yesterday", 422, 0},
				{"admin", "?from=2026-12-01&to=2026-11-01", 422, 0},
			}
			for _, c := range cases {
				w := f.do(request{as: c.as, method: "GET", path: "/api/v1/reports/persistence" + c.query, api: true})
				if w.Code != c.status {
					t.Errorf("%s %s: %d, want %d: %s", c.as, c.query, w.Code, c.status, w.Body)
					continue
				}
				if c.status == 200 {
					var p report.Persistence
					if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Dropped != c.dropped {
						t.Errorf("%s %s: dropped %d (%v), want %d", c.as, c.query, p.Dropped, err, c.dropped)
					}
				}
				// The page answers the same way.
				if page := f.do(request{as: c.as, method: "GET", path: "/reports" + c.query}); page.Code != c.status {
					t.Errorf("page %s %s: %d, want %d", c.as, c.query, page.Code, c.status)
				}
			}
			// Each API report, for a rep.
			for _, c := range []struct {
				path string
				want func([]byte) bool
			}{
				{"/api/v1/reports/wins", func(b []byte) bool { var r report.Wins; return json.Unmarshal(b, &r) == nil && r.Wins == 3 }},
				{"/api/v1/reports/contact", func(b []byte) bool {
					var r report.Contact
					return json.Unmarshal(b, &r) == nil && r.Prospects == 4 && r.Reached == 2
				}},
				{"/api/v1/reports/replies", func(b []byte) bool {
					var r report.Replies
					return json.Unmarshal(b, &r) == nil && r.Touches == 5 && r.Replied == 2
				}},
			} {
				w := f.do(request{as: "ann", method: "GET", path: c.path, api: true})
				if w.Code != 200 || !c.want(w.Body.Bytes()) {
					t.Errorf("ann %s: %d %s", c.path, w.Code, w.Body)
				}
			}
			// Whole days read in the user's zone (UTC here): b7's task of
			// 11-30 14:00 is in.
			w := f.do(request{as: "admin", method: "GET", path: "/api/v1/reports/replies?from=2026-09-01&to=2026-12-01", api: true})
			var r report.Replies
			if json.Unmarshal(w.Body.Bytes(), &r); r.Touches != 12 || r.Replied != 5 {
				t.Errorf("admin replies of whole days: %d/%d: %s", r.Replied, r.Touches, w.Body)
			}
			if w := f.do(request{method: "GET", path: "/api/v1/reports/wins"}); w.Code != http.StatusUnauthorized {
				t.Errorf("no token: %d", w.Code)
			}
		})
	}
}

// The page shows each report as an inline SVG chart beside a table of the
// same numbers; a rep's H1 lists the people left on the table, a manager's
// breaks the team down by rep and offers only the team's reps to pick.
func TestReportsPage(t *testing.T) {
	f, fx := reportServer(t, testdb.SQLite(t))
	link := func(key string) string {
		return fmt.Sprintf(`<a href="/people/%d">Person %s</a>`, fx.People[key].ID, strings.ToUpper(key))
	}
	w := f.do(request{as: "ann", method: "GET", path: "/reports"})
	body := w.Body.String()
	wantAllReport(t, body,
		`<svg`, `role="img"`, "Touches before giving up (H1)", "Wins by touch (H2)", "Contact rate by attempt (H3)", "Reply rates",
		"5 prospects dropped in the period", `<th scope="row">5&#43;</th><td>1</td><td>20.0%</td><td>8.0%</td>`,
		"Average touches before giving up: <strong>3.40</strong>", "(B3): <strong>4</strong>",
		link("a3"), link("a12"),
		"3 deals won in the period (1 before any touch", `<th scope="row">4th–6th</th><td>1</td><td>50.0%</td><td>80.0%</td>`,
		"4 prospects first touched in the period, 2 reached so far", `<td>90.0%</td>`,
		"2 of 5 touches done in the period were answered", `<th scope="row">3-2-4 / day-12</th><td>1</td><td>1</td><td>100.0%</td>`)
	if strings.Contains(body, "Per rep") || strings.Contains(body, `name="rep"`) || strings.Contains(body, "Person B1") {
		t.Error("a rep's page shows other reps or a rep picker")
	}

	w = f.do(request{as: "mia", method: "GET", path: "/reports"})
	body = w.Body.String()
	wantAllReport(t, body, "<strong>Your team</strong>", "9 prospects dropped", "<caption>Per rep</caption>",
		`<th scope="row">Ann</th><td>5</td><td>3.40</td><td>4</td>`, `<th scope="row">Bob</th><td>4</td><td>3.25</td><td>3</td>`,
		f.expand(`<option value="{ann}">Ann</option>`), f.expand(`<option value="{East}">East</option>`))
	if strings.Contains(body, f.expand(`<option value="{cy}">Cy</option>`)) || strings.Contains(body, f.expand(`<option value="{West}">West</option>`)) {
		t.Error("the manager may pick a rep or team outside their own")
	}

	w = f.do(request{as: "admin", method: "GET", path: "/reports?from=2026-09-01T14:00:00Z&to=yesterday"})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "is not a date") {
		t.Errorf("bad date: %d", w.Code)
	}
}

// An empty book shows every report with zeros and charts that say so.
func TestReportsPageEmpty(t *testing.T) {
	f := newServer(t, testdb.SQLite(t)).seed()
	w := f.do(request{as: "repA", method: "GET", path: "/reports"})
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	wantAllReport(t, w.Body.String(), "0 prospects dropped in the period", "No data yet", "0 of 0 touches", "No touch done in the period.")
}

// wantAllReport fails the test for each of wants that body lacks.
func wantAllReport(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}
