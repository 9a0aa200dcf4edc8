package web

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
)

// apiJSON runs an API request, checks its status and decodes the answer
// into v (nil: only the status).
func (f *fixture) apiJSON(rq request, status int, v any) {
	f.t.Helper()
	rq.api = true
	w := f.do(rq)
	if w.Code != status {
		f.t.Fatalf("%s %s as %s: status %d, want %d\n%s", rq.method, rq.path, rq.as, w.Code, status, excerpt(w.Body.String()))
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		f.t.Fatalf("%s %s: Content-Type %q", rq.method, rq.path, ct)
	}
	if v == nil {
		return
	}
	if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
		f.t.Fatalf("%s %s: %v\n%s", rq.method, rq.path, err, w.Body)
	}
}

// apiRefused runs an API request that must fail with status, naming field
// ("" for none); it returns the message.
func (f *fixture) apiRefused(rq request, status int, field string) string {
	f.t.Helper()
	var e apiError
	f.apiJSON(rq, status, &e)
	if e.Error.Field != field || e.Error.Message == "" {
		f.t.Errorf("%s %s: error %+v, want one on field %q", rq.method, rq.path, e.Error, field)
	}
	return e.Error.Message
}

// G4 in the API: three unanswered touches within 14 days are annoyance,
// for the rep who owns the person and their manager; another rep and
// another team's manager get a 404 that names nobody.
func TestAPIInsightCARR(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b)
			ctx := context.Background()
			pa := f.people["pa"].ID
			for _, day := range []int{16, 19, 23} {
				i := &nudge.Interaction{PersonID: pa, Channel: nudge.ChannelCall, Outcome: nudge.OutcomeNoAnswer,
					At: time.Date(2026, 11, day, 15, 0, 0, 0, time.UTC)}
				if err := f.db.CreateInteraction(ctx, i, nil); err != nil {
					t.Fatal(err)
				}
			}
			want := `{"person_id":` + f.ids["pa"] + `,"person":"Anna Alpha","phase":"annoyance",` +
				`"why":"3 unanswered touches within 14 days (Mon 16 Nov 2026 to Mon 23 Nov 2026)","since":"2026-11-23T15:00:00Z",` +
				`"unanswered":3,"advice":"This is where the average rep gives up (1.3 follow-ups): keep going, but change channels (B5) and be different (B7)."}` + "\n"
			for _, as := range []string{"repA", "mgr", "admin"} {
				w := f.do(apiGet(as, "/api/v1/people/{pa}/carr"))
				if w.Code != 200 || w.Body.String() != want {
					t.Errorf("as %s: %d %s\nwant %s", as, w.Code, w.Body, want)
				}
			}
			// Never touched: curiosity, no since.
			var c map[string]any
			f.apiJSON(apiGet("repB", "/api/v1/people/{pb}/carr"), 200, &c)
			if c["phase"] != "curiosity" || c["unanswered"] != 0.0 || c["since"] != nil {
				t.Errorf("pb: %v", c)
			}

			for _, as := range []string{"repB", "repC"} {
				if msg := f.apiRefused(apiGet(as, "/api/v1/people/{pa}/carr"), 404, ""); strings.Contains(msg, "Anna") {
					t.Errorf("the 404 names the person: %s", msg)
				}
			}
			f.apiRefused(apiGet("mgr", "/api/v1/people/{pc}/carr"), 404, "")
			f.apiRefused(apiGet("repA", "/api/v1/people/x/carr"), 400, "id")
			f.apiRefused(request{method: "GET", path: "/api/v1/people/{pa}/carr"}, 401, "")
		})
	}
}

// E6 in the API: nothing recorded is a 404; PUT records the reason and
// answers its technique and the task it put on Today (as the Person
// page's form does); GET reads back the same; bad input and other reps'
// people change nothing.
func TestAPIInsightQuietReason(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b)
			ctx := context.Background()
			path := "/api/v1/people/{pa}/quiet-reason"
			f.apiRefused(apiGet("repA", path), 404, "")

			msg := f.apiRefused(apiDo("repA", "PUT", path, `{"reason": "bored"}`), 422, "reason")
			if !strings.Contains(msg, `unknown reason "bored" (want one of fear, too-busy,`) {
				t.Errorf("message %q", msg)
			}
			f.apiRefused(apiDo("repA", "PUT", path, `{"reason": "fear", "mood": "low"}`), 400, "")
			f.apiRefused(apiDo("repA", "PUT", path, `{"reason": "fear", "note": "a\u0000b"}`), 400, "note")
			f.apiRefused(apiDo("repB", "PUT", path, `{"reason": "fear"}`), 404, "")
			f.apiRefused(apiDo("repC", "PUT", path, `{"reason": "fear"}`), 404, "")
			if _, err := f.db.FindQuietNote(ctx, f.people["pa"].ID); nudge.ErrorCode(err) != nudge.ENOTFOUND {
				t.Fatalf("a refused request recorded a reason: %v", err)
			}

			var put followup.Quiet
			f.apiJSON(apiDo("repA", "PUT", path, `{"reason": "Too busy", "note": "year-end close"}`), 200, &put)
			wantTech, _ := nudge.ReasonTooBusy.Technique()
			if put.Note.PersonID != f.people["pa"].ID || put.Note.Reason != nudge.ReasonTooBusy || put.Note.Note != "year-end close" ||
				put.Note.UserID != f.users["repA"].ID || !put.Note.At.Equal(f.clock.Now()) {
				t.Errorf("recorded %+v", put.Note)
			}
			if put.Technique != wantTech || put.Technique.Name != "ask for 15 minutes and offer two times" || put.Technique.Cadence != "e6-too-busy" {
				t.Errorf("technique %+v", put.Technique)
			}
			if put.Task == nil || put.Task.Rule != "E6" || put.Task.Cadence != "e6-too-busy" || put.Task.Channel != nudge.ChannelEmail || put.Stopped != "" {
				t.Fatalf("next step %+v (stopped %q), want E6's email", put.Task, put.Stopped)
			}

			var got followup.Quiet
			f.apiJSON(apiGet("repA", path), 200, &got)
			if got.Note.Reason != nudge.ReasonTooBusy || got.Note.Note != "year-end close" || got.Technique != wantTech ||
				got.Task == nil || got.Task.ID != put.Task.ID {
				t.Errorf("read back %+v, task %+v; want what PUT answered, task %d", got.Note, got.Task, put.Task.ID)
			}
			// The manager sees it; another team does not.
			f.apiJSON(apiGet("mgr", path), 200, nil)
			f.apiRefused(apiGet("repC", path), 404, "")
		})
	}
}

// F2 in the API: a value line for a customer, two re-measurements, the
// report with exact progress; mistakes name their field and store nothing.
func TestAPIInsightValue(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b)
			ctx := context.Background()
			st := nudge.StatusCustomer
			if _, err := f.db.UpdatePerson(ctx, f.people["pa"].ID, nudge.PersonUpdate{Status: &st}); err != nil {
				t.Fatal(err)
			}
			lines := "/api/v1/people/{pa}/value/lines"
			line := `{"name": "labour cost", "unit": "USD/month", "direction": "lower", "baseline": 4200, "baseline_at": "2026-11-02", "goal": 3000, "goal_by": "2027-06-30"}`

			var empty followup.ValueReport
			f.apiJSON(apiGet("repA", "/api/v1/people/{pa}/value"), 200, &empty)
			if !empty.Customer || len(empty.Lines) != 0 || empty.Person != "Anna Alpha" {
				t.Errorf("before: %+v", empty)
			}

			for _, tc := range []struct{ body, field string }{
				{strings.Replace(line, `"goal": 3000`, `"goal": 5000`, 1), "goal"},
				{strings.Replace(line, `"goal": 3000, `, ``, 1), "goal"},
				{strings.Replace(line, `"labour cost"`, `" "`, 1), "name"},
				{strings.Replace(line, `"lower"`, `"sideways"`, 1), "direction"},
				{strings.Replace(line, `"2027-06-30"`, `"someday"`, 1), "goal_by"},
				{strings.Replace(line, `"2027-06-30"`, `"2026-10-01"`, 1), "goal_by"},
				{strings.Replace(line, `"2026-11-02"`, `"last week"`, 1), "baseline_at"},
			} {
				f.apiRefused(apiDo("repA", "POST", lines, tc.body), 422, tc.field)
			}
			f.apiRefused(apiDo("repA", "POST", lines, strings.Replace(line, `"baseline": 4200`, `"baseline": "4,200"`, 1)), 400, "")
			f.apiRefused(apiDo("repA", "POST", lines, strings.Replace(line, `"unit"`, `"units"`, 1)), 400, "")
			f.apiRefused(apiDo("repB", "POST", lines, line), 404, "")
			if msg := f.apiRefused(apiDo("mgr", "POST", "/api/v1/people/{pb}/value/lines", line), 422, "person"); !strings.Contains(msg, "Bert Beta is a prospect: value lines are for customers") {
				t.Errorf("not a customer: %q", msg)
			}
			if ls, _, _ := f.db.FindValueLines(ctx, f.people["pa"].ID); len(ls) != 0 {
				t.Fatalf("refused requests stored %d lines", len(ls))
			}

			var added followup.ValueChange
			f.apiJSON(apiDo("repA", "POST", lines, line), 201, &added)
			l := added.Line.Line
			// Bare dates are 17:00 in the customer's zone (New York, EST then EDT).
			if !added.Enrolled || l.Name != "labour cost" || l.Direction != nudge.LowerIsBetter || l.Baseline != 4200 || l.Goal != 3000 ||
				!l.BaselineAt.Equal(time.Date(2026, 11, 2, 22, 0, 0, 0, time.UTC)) || !l.GoalBy.Equal(time.Date(2027, 6, 30, 21, 0, 0, 0, time.UTC)) ||
				added.Line.Progress != 0 || added.Line.Status != nudge.ValueOnTrack {
				t.Errorf("added %+v", added)
			}
			f.ids["line"] = itoa(l.ID)
			f.apiRefused(apiDo("repA", "POST", lines, line), 409, "name")

			measure := "/api/v1/people/{pa}/value/measurements"
			f.apiRefused(apiDo("repA", "POST", measure, `{"line": "head count", "value": 1}`), 422, "line")
			f.apiRefused(apiDo("repA", "POST", measure, `{"line": "{line}"}`), 422, "value")
			f.apiRefused(apiDo("repA", "POST", measure, `{"line": "{line}", "value": 3400, "at": "2026-10-01"}`), 422, "at")
			f.apiRefused(apiDo("repC", "POST", measure, `{"line": "{line}", "value": 1}`), 404, "")

			var m1 followup.ValueChange
			f.apiJSON(apiDo("repA", "POST", measure, `{"line": "Labour Cost", "value": 3400, "at": "2026-11-20T15:00:00Z", "note": "two shifts merged"}`), 201, &m1)
			// (3400 − 4200) ÷ (3000 − 4200) = 66.7% of the way.
			if m1.Line.Progress != 66.7 || m1.Line.Status != nudge.ValueOnTrack || m1.Line.Latest != 3400 || m1.Proposed != nil {
				t.Errorf("first measurement: %+v", m1)
			}
			var m2 followup.ValueChange
			f.apiJSON(apiDo("repA", "POST", measure, `{"line": "{line}", "value": 2900}`), 201, &m2)
			// 1300 ÷ 1200 = 108.3%: met, and F2 proposes the conversation.
			if m2.Line.Progress != 108.3 || m2.Line.Status != nudge.ValueMet || m2.Proposed == nil || m2.Proposed.Rule != "F2" ||
				!strings.HasPrefix(m2.Proposed.Reason, "goal met — labour cost at 2900 USD/month") {
				t.Errorf("second measurement: %+v, proposed %+v", m2.Line, m2.Proposed)
			}

			var rep followup.ValueReport
			f.apiJSON(apiGet("mgr", "/api/v1/people/{pa}/value"), 200, &rep)
			if len(rep.Lines) != 1 {
				t.Fatalf("report: %+v", rep)
			}
			got := rep.Lines[0]
			var progress []float64
			var notes []string
			for _, p := range got.Points {
				progress = append(progress, p.Progress)
				notes = append(notes, p.Note)
			}
			if got.Latest != 2900 || got.Progress != 108.3 || got.Status != nudge.ValueMet ||
				!slices.Equal(progress, []float64{0, 66.7, 108.3}) || !slices.Equal(notes, []string{"baseline", "two shifts merged", ""}) {
				t.Errorf("line: latest %v, %v%%, %s, points %v %q", got.Latest, got.Progress, got.Status, progress, notes)
			}
			if rep.NextCheck == nil || rep.NextCheck.Cadence != "value-check" || len(rep.Proposals) != 1 || rep.Proposals[0].Rule != "F2" {
				t.Errorf("next check %+v, proposals %+v", rep.NextCheck, rep.Proposals)
			}
			f.apiRefused(apiGet("repB", "/api/v1/people/{pa}/value"), 404, "")
		})
	}
}

// F3 in the API: the clean list is the caller's scope, as on the page;
// the bulk action is all or none and changes what the list says.
func TestAPIInsightClean(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b)
			ctx := context.Background()
			list := func(as, query string) []nudge.Upside {
				t.Helper()
				var page cleanPage
				f.apiJSON(apiGet(as, "/api/v1/clean"+query), 200, &page)
				return page.People
			}
			names := func(rows []nudge.Upside) string {
				var ns []string
				for _, r := range rows {
					ns = append(ns, r.Person)
				}
				slices.Sort(ns)
				return strings.Join(ns, ", ")
			}

			// Each fixture person: Acme (10), no decider (0), no market
			// declared (10): fit 20, nothing else, drip.
			rows := list("repA", "")
			if len(rows) != 1 {
				t.Fatalf("repA's list: %+v", rows)
			}
			r := rows[0]
			if r.PersonID != f.people["pa"].ID || r.Person != "Anna Alpha" || r.OwnerID != f.users["repA"].ID || r.Score != 20 || r.Fit != 20 ||
				r.Engagement != 0 || r.Deal != 0 || r.Recency != 0 || r.Attempts != 0 || r.Action != nudge.CleanDrip ||
				!strings.Contains(r.Reason, "B3: only 0 of 6 attempts so far") {
				t.Errorf("repA's row: %+v", r)
			}
			for _, tc := range []struct{ as, query, want string }{
				{"mgr", "", "Anna Alpha, Bert Beta"},
				{"admin", "", "Anna Alpha, Bert Beta, Cleo Gamma"},
				{"admin", "?limit=2", "Anna Alpha, Bert Beta"},
				{"mgr", "?owner={repB}", "Bert Beta"},
				{"mgr", "?owner={repC}", ""}, // another team: nobody
				{"repA", "?owner={repB}", ""},
			} {
				if got := names(list(tc.as, tc.query)); got != tc.want {
					t.Errorf("%s %s: %q, want %q", tc.as, tc.query, got, tc.want)
				}
			}
			f.apiRefused(apiGet("repA", "/api/v1/clean?limit=lots"), 400, "limit")
			f.apiRefused(apiGet("repA", "/api/v1/clean?owner=me"), 400, "owner")

			// Refused: nobody changes.
			f.apiRefused(apiDo("repA", "POST", "/api/v1/clean", `{"action": "drop", "people": [{pa}, {pb}]}`), 404, "")
			f.apiRefused(apiDo("repA", "POST", "/api/v1/clean", `{"action": "burn", "people": [{pa}]}`), 422, "action")
			f.apiRefused(apiDo("repA", "POST", "/api/v1/clean", `{"action": "drop", "people": []}`), 422, "people")
			f.apiRefused(apiDo("repA", "POST", "/api/v1/clean", `{"action": "drop", "people": [-1]}`), 422, "people")
			f.apiRefused(apiDo("repA", "POST", "/api/v1/clean", `{"action": "drop", "person": [{pa}]}`), 400, "")
			for _, k := range []string{"pa", "pb"} {
				if p, _ := f.db.FindPersonByID(ctx, f.people[k].ID); p.Status != nudge.StatusProspect {
					t.Errorf("%s changed: %s", k, p.Status)
				}
			}

			// The manager drops both of the team's in one step (a repeated
			// id counts once).
			var done cleanDone
			f.apiJSON(apiDo("mgr", "POST", "/api/v1/clean", `{"action": "drop", "people": [{pa}, {pb}, {pa}]}`), 200, &done)
			if done != (cleanDone{Action: nudge.CleanDrop, Requested: 2, Changed: 2}) {
				t.Errorf("drop: %+v", done)
			}
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
					t.Errorf("%s: %s, open %v; want disqualified on the drip (F1)", k, p.Status, open)
				}
			}
			if got := names(list("mgr", "")); got != "" {
				t.Errorf("after the drop the manager's list is %q", got)
			}
			if got := names(list("admin", "")); got != "Cleo Gamma" {
				t.Errorf("after the drop the admin's list is %q", got)
			}
			f.apiJSON(apiDo("mgr", "POST", "/api/v1/clean", `{"action": "drop", "people": [{pa}]}`), 200, &done)
			if done.Changed != 0 {
				t.Errorf("dropping again changed %d", done.Changed)
			}
			f.apiJSON(apiDo("repC", "POST", "/api/v1/clean", `{"action": "DRIP", "people": [{pc}]}`), 200, &done)
			if done != (cleanDone{Action: nudge.CleanDrip, Requested: 1, Changed: 1}) {
				t.Errorf("drip: %+v", done)
			}
		})
	}
}

// E7 in the API: the caller's visit lists their quiet prospect nearby
// (12.0 km), not another rep's; accepting plans the visit once; another
// rep's prospect or meeting is a 404.
func TestAPIInsightNearby(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b)
			f.locate("pa", newportBeach)
			f.locate("pb", newportBeach)
			f.quietProspect("irv", "Irvine Quiet", "repA", irvine)
			f.quietProspect("irvb", "Irvine Of Rep B", "repB", irvine)
			f.quietProspect("la", "Angeleno", "repA", losAngeles)
			f.visitTomorrow("visit", "pa", "HQ of pa")
			f.visitTomorrow("visitb", "pb", "HQ of pb")

			nearby := func(as, query string) (nearbyPage, []string) {
				t.Helper()
				var page nearbyPage
				f.apiJSON(apiGet(as, "/api/v1/nearby"+query), 200, &page)
				var got []string
				for _, v := range page.Visits {
					for _, n := range v.Nearby {
						got = append(got, v.Place+": "+n.Person+" "+strconv.FormatFloat(n.Km, 'f', 1, 64)+" km"+map[bool]string{true: " accepted"}[n.Accepted])
					}
				}
				return page, got
			}
			page, got := nearby("repA", "")
			if page.Km != 25 || page.Zone != "America/New_York" || len(page.Visits) != 1 || page.Visits[0].HostID != f.people["pa"].ID ||
				!slices.Equal(got, []string{"HQ of pa: Irvine Quiet 12.0 km"}) {
				t.Errorf("repA: %+v %q", page, got)
			}
			if _, got := nearby("repA", "?km=60"); !slices.Equal(got, []string{"HQ of pa: Irvine Quiet 12.0 km", "HQ of pa: Angeleno 56.2 km"}) {
				t.Errorf("repA within 60 km: %q", got)
			}
			if _, got := nearby("repB", ""); !slices.Equal(got, []string{"HQ of pb: Irvine Of Rep B 12.0 km"}) {
				t.Errorf("repB: %q", got)
			}
			if page, _ := nearby("repC", ""); page.Visits == nil || len(page.Visits) != 0 {
				t.Errorf("repC: %+v, want no visits", page)
			}
			f.apiRefused(apiGet("repA", "/api/v1/nearby?km=far"), 400, "km")
			f.apiRefused(apiGet("repA", "/api/v1/nearby?km=0"), 400, "km")

			accept := "/api/v1/nearby/accept"
			f.apiRefused(apiDo("repA", "POST", accept, `{"person_id": {irvb}, "appointment_id": {visit}}`), 404, "")
			f.apiRefused(apiDo("repA", "POST", accept, `{"person_id": {irv}, "appointment_id": {visitb}}`), 404, "")
			f.apiRefused(apiDo("repA", "POST", accept, `{"person_id": {irv}, "appointment_id": 999999}`), 404, "")
			f.apiRefused(apiDo("repA", "POST", accept, `{"appointment_id": {visit}}`), 422, "person_id")
			f.apiRefused(apiDo("repA", "POST", accept, `{"person_id": {irv}, "appointment": {visit}}`), 400, "")
			f.apiRefused(apiDo("repA", "POST", accept, `{"person_id": {irv}, "appointment_id": {visit}, "km": 501}`), 422, "km")
			if msg := f.apiRefused(apiDo("repA", "POST", accept, `{"person_id": {la}, "appointment_id": {visit}}`), 422, ""); !strings.Contains(msg,
				"not a quiet prospect of the rep within 25 km of the meeting with Anna Alpha") {
				t.Errorf("too far: %q", msg)
			}

			var planned nearbyPlanned
			f.apiJSON(apiDo("repA", "POST", accept, `{"person_id": {irv}, "appointment_id": {visit}}`), 201, &planned)
			if planned.PersonID != f.people["irv"].ID || planned.Task == nil || planned.Task.Rule != "E7" || planned.Task.Cadence != followup.InTheArea {
				t.Fatalf("planned %+v, task %+v", planned, planned.Task)
			}
			f.apiRefused(apiDo("repA", "POST", accept, `{"person_id": {irv}, "appointment_id": {visit}}`), 409, "")
			if _, got := nearby("repA", ""); !slices.Equal(got, []string{"HQ of pa: Irvine Quiet 12.0 km accepted"}) {
				t.Errorf("after accepting: %q", got)
			}
		})
	}
}
