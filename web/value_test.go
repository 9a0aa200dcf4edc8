package web

import (
	"context"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
)

// expect checks one response: its status and what the body must (and must
// not) contain; flash is a one-time message the response must set.
func expect(t *testing.T, what string, w *httptest.ResponseRecorder, status int, flash string, contains []string, absent ...string) {
	t.Helper()
	body := w.Body.String()
	if w.Code != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, w.Code, status, excerpt(body))
	}
	if flash != "" && !strings.Contains(strings.Join(w.Header().Values("Set-Cookie"), "\n"), url.QueryEscape(flash)) {
		t.Errorf("%s: no message %q in %q", what, flash, w.Header().Values("Set-Cookie"))
	}
	for _, s := range contains {
		if !strings.Contains(body, s) {
			t.Errorf("%s: body lacks %q\n%s", what, s, excerpt(body))
		}
	}
	for _, s := range absent {
		if strings.Contains(body, s) {
			t.Errorf("%s: body has %q", what, s)
		}
	}
}

func TestValuePages(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b)
			ctx := context.Background()
			// pa becomes a customer; pb stays a prospect.
			st := nudge.StatusCustomer
			if _, err := f.db.UpdatePerson(ctx, f.people["pa"].ID, nudge.PersonUpdate{Status: &st}); err != nil {
				t.Fatal(err)
			}
			expect(t, "customer's page", f.do(get("repA", "/people/{pa}")), 200, "",
				[]string{"Value inventory (F2)", "No value lines yet.", `action="/people/` + f.ids["pa"] + `/value/lines"`, `name="v_baseline"`, `for="v_by"`},
				`name="m_value"`)
			expect(t, "prospect's page", f.do(get("mgr", "/people/{pb}")), 200, "", nil, "Value inventory (F2)")

			line := form("v_line", "labour cost", "v_unit", "USD/month", "v_direction", "lower", "v_baseline", "4,200",
				"v_baseline_at", "2026-11-02", "v_goal", "3000", "v_by", "2027-06-30")
			// Mistakes come back beside their field, with everything typed kept.
			bad := form("v_line", "labour cost", "v_unit", "USD/month", "v_direction", "lower", "v_baseline", "4200",
				"v_baseline_at", "2026-11-02", "v_goal", "5000", "v_by", "2027-06-30")
			expect(t, "goal on the wrong side", f.do(post("repA", "/people/{pa}/value/lines", bad)), 422, "",
				[]string{"lower is better for &#34;labour cost&#34;, so the goal (5000) must be below the baseline (4200)", `value="labour cost"`, `value="5000"`, `value="USD/month"`})
			bad.Set("v_goal", "three thousand")
			expect(t, "not a number", f.do(post("repA", "/people/{pa}/value/lines", bad)), 422, "",
				[]string{"&#34;three thousand&#34; is not a number", `value="three thousand"`})
			bad.Set("v_goal", "3000")
			bad.Set("v_by", "someday")
			expect(t, "not a date", f.do(post("repA", "/people/{pa}/value/lines", bad)), 422, "", []string{"is not a date"})
			if ls, _, _ := f.db.FindValueLines(ctx, f.people["pa"].ID); len(ls) != 0 {
				t.Fatalf("a refused form stored %d lines", len(ls))
			}
			expect(t, "another rep's customer", f.do(post("repB", "/people/{pa}/value/lines", line)), 404, "", nil)
			noCSRF := post("repA", "/people/{pa}/value/lines", line)
			noCSRF.noCSRF = true
			if w := f.do(noCSRF); w.Code != 401 && w.Code != 403 {
				t.Errorf("without CSRF: %d", w.Code)
			}
			expect(t, "a prospect", f.do(post("mgr", "/people/{pb}/value/lines", line)), 422, "", []string{"Bert Beta is a prospect: value lines are for customers"})

			expect(t, "add", f.do(post("repA", "/people/{pa}/value/lines", line)), 303, `Added the value line "labour cost" (F2). Enrolled in value-check`, nil)
			ls, _, err := f.db.FindValueLines(ctx, f.people["pa"].ID)
			if err != nil || len(ls) != 1 {
				t.Fatalf("lines: %v %v", ls, err)
			}
			f.ids["line"] = itoa(ls[0].ID)
			expect(t, "measure: bad value", f.do(post("repA", "/people/{pa}/value/measurements", form("m_line", "{line}", "m_value", "lots", "m_note", "kept note"))), 422, "",
				[]string{"&#34;lots&#34; is not a number", `value="kept note"`})
			expect(t, "measure: before the baseline", f.do(post("repA", "/people/{pa}/value/measurements", form("m_line", "{line}", "m_value", "3400", "m_at", "2026-10-01"))), 422, "",
				[]string{"is before the baseline"})
			expect(t, "measure", f.do(post("repA", "/people/{pa}/value/measurements", form("m_line", "{line}", "m_value", "3400", "m_at", "2026-11-20", "m_note", "two shifts merged"))), 303,
				"labour cost: 66.7% of the way from baseline to goal — on track.", nil)
			expect(t, "measure: goal met", f.do(post("repA", "/people/{pa}/value/measurements", form("m_line", "{line}", "m_value", "2900"))), 303,
				"goal met — labour cost at 2900 USD/month", nil)
			expect(t, "measure: another rep's", f.do(post("repC", "/people/{pa}/value/measurements", form("m_line", "{line}", "m_value", "1"))), 404, "", nil)
			expect(t, "the section", f.do(get("repA", "/people/{pa}")), 200, "",
				[]string{"lower is better · baseline 4200 on 2 Nov 2026 · goal 3000 by 30 Jun 2027", "108.3% of the way: met", "66.7%", "two shifts merged",
					"<svg", "Value achieved against goal", "Next re-measurement: call", "value-check, month-1, F2", "Proposed: call", "F2: goal met — labour cost", `name="m_value"`})
		})
	}
}

func TestCleanPage(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b)
			ctx := context.Background()
			// Each fixture person: Acme (10), no decider (0), no market declared (10): 20, drip.
			expect(t, "rep", f.do(get("repA", "/clean")), 200, "",
				[]string{"Anna Alpha", `name="person" value="` + f.ids["pa"] + `"`, "<td><strong>20</strong></td><td>20</td><td>0</td><td>0</td><td>0</td>", "<td>drip</td>",
					"B3: only 0 of 6 attempts so far", `name="csrf"`, `name="action"`},
				"Bert Beta", "Cleo Gamma")
			expect(t, "manager", f.do(get("mgr", "/clean")), 200, "", []string{"Anna Alpha", "Bert Beta"}, "Cleo Gamma")
			expect(t, "admin", f.do(get("admin", "/clean?limit=2")), 200, "", []string{"Anna Alpha", "Bert Beta"}, "Cleo Gamma")
			expect(t, "manager filters into another team", f.do(get("mgr", "/clean?owner={repC}")), 200, "", []string{"No active prospects to clean."}, "Cleo Gamma")
			expect(t, "bad limit", f.do(get("repA", "/clean?limit=lots")), 400, "", nil)

			// Another rep's person in the form: 404, and nobody changes.
			expect(t, "another rep's person", f.do(post("repA", "/clean", url.Values{"action": {"drop"}, "person": {"{pa}", "{pb}"}})), 404, "", nil)
			for _, k := range []string{"pa", "pb"} {
				if p, _ := f.db.FindPersonByID(ctx, f.people[k].ID); p.Status != nudge.StatusProspect {
					t.Errorf("%s changed: %s", k, p.Status)
				}
			}
			expect(t, "nobody ticked", f.do(post("repA", "/clean", form("action", "drop"))), 422, "", []string{"tick the people to drop first"})
			expect(t, "bad action keeps the ticks", f.do(post("repA", "/clean", url.Values{"action": {"burn"}, "person": {"{pa}"}})), 422, "",
				[]string{"unknown action &#34;burn&#34;", `value="` + f.ids["pa"] + `" checked`})
			noCSRF := post("repA", "/clean", url.Values{"action": {"drop"}, "person": {"{pa}"}})
			noCSRF.noCSRF = true
			if w := f.do(noCSRF); w.Code != 401 && w.Code != 403 {
				t.Errorf("without CSRF: %d", w.Code)
			}

			// The manager drops both of the team's in one step.
			expect(t, "drop", f.do(post("mgr", "/clean", url.Values{"action": {"drop"}, "person": {"{pa}", "{pb}"}})), 303,
				"Dropped 2 of 2: disqualified, on the monthly drip (F1).", nil)
			for _, k := range []string{"pa", "pb"} {
				p, _ := f.db.FindPersonByID(ctx, f.people[k].ID)
				es, _ := f.db.FindEnrollments(ctx, p.ID)
				var open []string
				for _, e := range es {
					if e.State.Open() {
						open = append(open, e.Cadence)
					}
				}
				if p.Status != nudge.StatusDisqualified || strings.Join(open, ",") != "drip" {
					t.Errorf("%s: %s, open %v", k, p.Status, open)
				}
			}
			expect(t, "after", f.do(get("mgr", "/clean")), 200, "", []string{"No active prospects to clean."}, "Anna Alpha")
			expect(t, "drip", f.do(post("repC", "/clean", url.Values{"action": {"drip"}, "person": {"{pc}"}})), 303, "Moved 1 of 1 to the monthly drip (F1).", nil)
		})
	}
}
