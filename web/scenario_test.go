package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/nudgecrm/nudge/internal/testdb"
)

// scenario is one request and what must come back (PocketBase's
// ApiScenario): the status, text the body must contain and must not.
type scenario struct {
	name     string
	empty    bool // on a database with no users (first run)
	req      request
	status   int
	location string   // the redirect target, for 303s
	contains []string // in the body
	absent   []string
	cookie   string // in a Set-Cookie header (e.g. a one-time message)
}

func form(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

func get(as, path string) request { return request{as: as, method: "GET", path: path} }
func post(as, path string, f url.Values) request {
	if f == nil {
		f = url.Values{}
	}
	return request{as: as, method: "POST", path: path, form: f}
}
func apiGet(as, path string) request { return request{as: as, method: "GET", path: path, api: true} }
func apiDo(as, method, path, body string) request {
	return request{as: as, method: method, path: path, body: body, api: true}
}

// TestScenarios runs every route, signed in as the roles that matter, on
// both backends. Each scenario gets a fresh fixture, so none depends on
// another's writes.
func TestScenarios(t *testing.T) {
	scenarios := []scenario{
		// First run and signing in.
		{name: "first run redirects to setup", empty: true, req: get("", "/today"), status: 303, location: "/setup"},
		{name: "setup form", empty: true, req: get("", "/setup"), status: 200, contains: []string{"Create the admin account", `name="csrf"`}},
		{name: "setup without token", empty: true, req: request{method: "POST", path: "/setup", form: form("email", "boss@us.example", "password", "long enough pw")}, status: 401},
		{name: "setup refused once set up", req: get("", "/setup"), status: 409, contains: []string{"already set up"}},
		{name: "healthz", req: get("", "/healthz"), status: 200, contains: []string{"ok"}},
		{name: "static", req: get("", "/static/style.css"), status: 200, contains: []string{"@media (max-width: 600px)"}},
		{name: "root", req: get("repA", "/"), status: 303, location: "/today"},
		{name: "signin form", req: get("", "/signin"), status: 200, contains: []string{`autocomplete="current-password"`}},
		{name: "pages need a session", req: get("", "/people"), status: 303, location: "/signin?next=%2Fpeople"},
		{name: "post needs a session", req: request{method: "POST", path: "/people", form: form("name", "x")}, status: 401},
		{name: "signout", req: post("repA", "/signout", nil), status: 303, location: "/signin"},
		{name: "signout everywhere", req: post("repA", "/signout/everywhere", nil), status: 303, cookie: "1+sessions"},

		// Today.
		{name: "today rep", req: get("repA", "/today"), status: 200, contains: []string{"Anna Alpha", "B1", `value="sent"`, "asked-to-stop", `name="what"`}, absent: []string{"Bert Beta", "Cleo Gamma"}},
		{name: "today manager has the E4 task", req: get("mgr", "/today"), status: 200, contains: []string{"Bert Beta", "E4", "manager calls the contact"}, absent: []string{"Anna Alpha"}},
		{name: "today rep B lacks the manager's task", req: get("repB", "/today"), status: 200, absent: []string{"Bert Beta"}},
		{name: "done", req: post("repA", "/tasks/{task_pa}/done", form("outcome", "connected", "what", "pricing", "back", "/today")), status: 303, location: "/today", cookie: "Next"},
		{name: "done: another rep's task is not found", req: post("repB", "/tasks/{task_pa}/done", form("outcome", "connected")), status: 404},
		{name: "done: manager may log a team rep's task", req: post("mgr", "/tasks/{task_pa}/done", form("outcome", "no-answer")), status: 303},
		{name: "done: other team's manager view", req: post("mgr", "/tasks/{task_pc}/done", form("outcome", "no-answer")), status: 404},
		{name: "done: bad outcome keeps the note", req: post("repA", "/tasks/{task_pa}/done", form("outcome", "maybe", "what", "kept words")), status: 422, contains: []string{"unknown outcome", "kept words"}},
		{name: "done: bad commitment date", req: post("repA", "/tasks/{task_pa}/done", form("outcome", "connected", "commitment", "call CFO", "commitment_due", "soon")), status: 422, contains: []string{"is not a date", "call CFO"}},
		{name: "snooze", req: post("repA", "/tasks/{task_pa}/snooze", form("until", "14d")), status: 303, cookie: "E2"},
		{name: "snooze: bad", req: post("repA", "/tasks/{task_pa}/snooze", form("until", "forever")), status: 422, contains: []string{"is not a date"}},
		{name: "skip needs a reason", req: post("repA", "/tasks/{task_pa}/skip", form("reason", "")), status: 422, contains: []string{"say why"}},
		{name: "skip", req: post("repA", "/tasks/{task_pa}/skip", form("reason", "on holiday")), status: 303},
		{name: "task id not a number", req: post("repA", "/tasks/x/skip", form("reason", "r")), status: 400},

		// People.
		{name: "people rep", req: get("repA", "/people"), status: 200, contains: []string{"Anna Alpha"}, absent: []string{"Bert Beta", "Cleo Gamma"}},
		{name: "people manager", req: get("mgr", "/people"), status: 200, contains: []string{"Anna Alpha", "Bert Beta"}, absent: []string{"Cleo Gamma"}},
		{name: "people admin", req: get("admin", "/people"), status: 200, contains: []string{"Anna Alpha", "Bert Beta", "Cleo Gamma"}},
		{name: "people search", req: get("admin", "/people?q=cleo"), status: 200, contains: []string{"Cleo Gamma"}, absent: []string{"Anna Alpha"}},
		{name: "people by cadence", req: get("admin", "/people?cadence=breakup"), status: 200, contains: []string{"Bert Beta"}, absent: []string{"Anna Alpha"}},
		{name: "people quiet", req: get("admin", "/people?quiet=1"), status: 200, contains: []string{"Anna Alpha"}},
		{name: "people bad filter", req: get("repA", "/people?quiet=abc"), status: 422, contains: []string{"is not a number of days"}},
		{name: "people manager cannot filter into another team", req: get("mgr", "/people?owner={repC}"), status: 200, absent: []string{"Cleo Gamma"}},
		{name: "new person form", req: get("repA", "/people/new"), status: 200, contains: []string{`name="pain_gain"`}},
		{name: "create person", req: post("repA", "/people", form("name", "Dana Delta", "email", "dana@prospect.example", "tz", "Europe/Berlin", "country", "DE", "status", "prospect")), status: 303},
		{name: "create person: bad zone keeps input", req: post("repA", "/people", form("name", "Dana Delta", "tz", "Mars/Olympus")), status: 422, contains: []string{"unknown time zone", "Dana Delta", "Mars/Olympus"}},
		{name: "create person: duplicate email", req: post("repA", "/people", form("name", "Again", "email", "pa@prospect.example")), status: 422, contains: []string{"already exists"}},
		{name: "create person: forgotten", req: post("repA", "/people", form("name", "Gone", "email", "gone@prospect.example")), status: 422, contains: []string{"asked to be erased"}},
		{name: "create person: rep cannot give to another rep", req: post("repA", "/people", form("name", "X", "owner", "{repB}")), status: 422, contains: []string{"cannot give people"}},

		// Person.
		{name: "person", req: get("repA", "/people/{pa}"), status: 200, contains: []string{"Anna Alpha", "month-end close takes 9 days", "3-2-4", "W — What was discussed", "Buying group (A7)", "Do not contact (G1)"}},
		{name: "person: another rep's is not found", req: get("repB", "/people/{pa}"), status: 404, absent: []string{"Anna Alpha"}},
		{name: "person: other team's rep", req: get("repC", "/people/{pa}"), status: 404},
		{name: "person: manager sees the team", req: get("mgr", "/people/{pb}"), status: 200, contains: []string{"Bert Beta", "breakup"}},
		{name: "person: manager not another team", req: get("mgr", "/people/{pc}"), status: 404},
		{name: "person: missing", req: get("admin", "/people/99999"), status: 404},
		{name: "person: buying group lists colleagues the rep may see", req: get("admin", "/people/{pa}"), status: 200, contains: []string{"Bert Beta", "Cleo Gamma"}},
		{name: "update person", req: post("repA", "/people/{pa}", form("name", "Anna Alpha", "pain_gain", "close takes 9 days", "status", "prospect", "buying_role", "decision-maker", "company", "Acme")), status: 303},
		{name: "update person: bad", req: post("repA", "/people/{pa}", form("name", "Anna Alpha", "status", "prospect", "country", "Atlantis")), status: 422, contains: []string{"Atlantis"}},
		{name: "update person: not yours", req: post("repB", "/people/{pa}", form("name", "Hijack")), status: 404},
		{name: "log meeting without commitment warns (A3)", req: post("repA", "/people/{pa}/log", form("channel", "meeting", "outcome", "meeting-held", "what", "demo")), status: 303, cookie: "A3"},
		{name: "log with commitment", req: post("repA", "/people/{pa}/log", form("channel", "meeting", "outcome", "meeting-held", "commitment", "books a call with the CFO", "commitment_due", "2026-12-20", "rep_homework", "send case study", "rep_homework_due", "2026-12-18")), status: 303},
		{name: "log: bad channel keeps the note", req: post("repA", "/people/{pa}/log", form("channel", "pigeon", "outcome", "connected", "what", "carrier notes")), status: 422, contains: []string{"unknown channel", "carrier notes"}},
		{name: "log: not yours", req: post("repC", "/people/{pa}/log", form("channel", "call", "outcome", "connected")), status: 404},
		{name: "do not contact", req: post("repA", "/people/{pa}/do-not-contact", form("reason", "asked to stop")), status: 303, cookie: "G1"},
		{name: "enroll", req: post("repA", "/people/{pa}/enroll", form("cadence", "patient")), status: 303},
		{name: "enroll: unknown cadence", req: post("repA", "/people/{pa}/enroll", form("cadence", "nope")), status: 422, contains: []string{"no cadence named"}},
		{name: "enroll: already in it", req: post("repA", "/people/{pa}/enroll", form("cadence", "3-2-4")), status: 422, contains: []string{"already in cadence"}},
		{name: "appointment", req: post("repA", "/people/{pa}/appointments", form("ap_at", "2027-01-12T09:00", "ap_kind", "call", "ap_minutes", "20", "ap_agenda", "pricing\nnext steps")), status: 303, cookie: "C1"},
		{name: "appointment: in the past", req: post("repA", "/people/{pa}/appointments", form("ap_at", "2020-01-01T09:00", "ap_agenda", "kept agenda")), status: 422, contains: []string{"in the past", "kept agenda"}},
		{name: "appointment: bad kind", req: post("repA", "/people/{pa}/appointments", form("ap_at", "2027-01-12T09:00", "ap_kind", "dinner")), status: 422, contains: []string{"unknown appointment kind"}},

		// Import, cadences, templates, settings, admin.
		{name: "import form", req: get("repA", "/import"), status: 200, contains: []string{`type="file"`}},
		{name: "import preview without a file", req: post("repA", "/import/preview", nil), status: 422, contains: []string{"choose a CSV or vCard file"}},
		{name: "import with an expired upload", req: post("repA", "/import", form("upload", "nope")), status: 422, contains: []string{"expired"}},
		{name: "cadences", req: get("repA", "/cadences"), status: 200, contains: []string{"3-2-4", "breakup", "appointment"}},
		{name: "cadence", req: get("repA", "/cadences/appointment"), status: 200, contains: []string{"C2", "C3"}},
		{name: "cadence: unknown", req: get("repA", "/cadences/nope"), status: 404},
		{name: "cadence form: admin only", req: get("repA", "/cadences/new"), status: 403},
		{name: "cadence form", req: get("admin", "/cadences/new?from=patient"), status: 200, contains: []string{"&#34;name&#34;: &#34;patient&#34;"}},
		{name: "cadence save: invalid keeps the text", req: post("admin", "/cadences", form("definition", `{"name": "mine", "steps": [], "typo": 1}`)), status: 422, contains: []string{"not a cadence file", "typo"}},
		{name: "cadence save", req: post("admin", "/cadences", form("definition", `{"name": "mine", "rule": "B2", "steps": [{"id": "one", "rule": "B2", "channel": "call", "delay": {"amount": 4, "unit": "business-days", "from": "previous"}, "reason": "patient call"}]}`)), status: 303, location: "/cadences/mine"},
		{name: "cadence save: rep refused", req: post("repA", "/cadences", form("definition", `{}`)), status: 403},
		{name: "templates", req: get("repA", "/templates"), status: 200, contains: []string{"c1-reminder"}},
		{name: "template", req: get("repA", "/templates/c1-reminder"), status: 200, contains: []string{"C1", "Preview, variant 1"}},
		{name: "template: unknown", req: get("repA", "/templates/nope"), status: 404},
		{name: "template lint", req: post("repA", "/templates/c1-reminder", form("source", "{{define \"subject\"}}Hi{{end}}{{define \"body\"}}Just checking in to see if you had any questions.{{end}}")), status: 200, contains: []string{"D2"}},
		{name: "template lint: broken", req: post("repA", "/templates/c1-reminder", form("source", "{{define \"body\"}}{{.Nope{{end}}")), status: 422, contains: []string{"line"}},
		{name: "settings", req: get("repA", "/settings"), status: 200, contains: []string{"Calendar feed (H4)", "America/New_York"}},
		{name: "settings save", req: post("repA", "/settings", form("name", "Rep A", "tz", "Europe/Berlin", "country", "de", "work_start", "08:30", "work_end", "17:30")), status: 303},
		{name: "settings: bad country", req: post("repA", "/settings", form("name", "Rep A", "tz", "Europe/Berlin", "country", "Atlantis", "work_start", "08:30", "work_end", "17:30")), status: 422, contains: []string{"unknown country", "Atlantis"}},
		{name: "settings: bad zone", req: post("repA", "/settings", form("name", "Rep A", "tz", "Nowhere/Land", "work_start", "08:30", "work_end", "17:30")), status: 422, contains: []string{"unknown time zone", "Nowhere/Land"}},
		{name: "settings: bad hours", req: post("repA", "/settings", form("name", "Rep A", "tz", "", "work_start", "18:00", "work_end", "08:00")), status: 422, contains: []string{"working hours"}},
		{name: "new feed URL", req: post("repA", "/settings/feed", form("action", "new")), status: 200, contains: []string{"http://nudge.test/feed/", ".ics"}},
		{name: "feed off", req: post("repA", "/settings/feed", form("action", "revoke")), status: 303},
		{name: "new token", req: post("repA", "/settings/tokens", form("token_name", "laptop")), status: 200, contains: []string{"nudge_", "laptop"}},
		{name: "revoke own token", req: post("repA", "/settings/tokens/{token_repA}/revoke", nil), status: 303},
		{name: "new token: no name", req: post("repA", "/settings/tokens", form("token_name", " ")), status: 422, contains: []string{"name the token"}},
		{name: "revoke another user's token", req: post("repA", "/settings/tokens/{token_admin}/revoke", nil), status: 404},
		{name: "admin: rep refused", req: get("repA", "/admin/users"), status: 403},
		{name: "admin: manager refused", req: get("mgr", "/admin/users"), status: 403},
		{name: "admin users", req: get("admin", "/admin/users"), status: 200, contains: []string{"repa@us.example", "East", "West"}},
		{name: "add user", req: post("admin", "/admin/users", form("email", "new@us.example", "name", "New Rep", "role", "rep", "team", "{West}", "password", "long enough pw")), status: 303},
		{name: "add user: short password keeps email", req: post("admin", "/admin/users", form("email", "new@us.example", "role", "rep", "password", "short")), status: 422, contains: []string{"at least 10", "new@us.example"}, absent: []string{"short"}},
		{name: "add user: taken", req: post("admin", "/admin/users", form("email", "repA@us.example", "role", "rep", "password", "long enough pw")), status: 422, contains: []string{"already exists"}},
		{name: "add user: rep refused", req: post("repA", "/admin/users", form("email", "x@us.example", "password", "long enough pw")), status: 403},
		{name: "set role and team", req: post("admin", "/admin/users/{repA}", form("role", "manager", "team", "{West}")), status: 303},
		{name: "cannot drop own admin role", req: post("admin", "/admin/users/{admin}", form("role", "rep")), status: 422},
		{name: "add team", req: post("admin", "/admin/teams", form("team_name", "North", "manager", "{mgr}")), status: 303},
		{name: "add team: no name", req: post("admin", "/admin/teams", form("team_name", "")), status: 422, contains: []string{"needs a name"}},
		{name: "set team manager", req: post("admin", "/admin/teams/{West}", form("manager", "{mgr}")), status: 303},
		{name: "feed: unknown secret", req: get("", "/feed/nope.ics"), status: 404},
		{name: "feed: not .ics", req: get("", "/feed/nope"), status: 404},

		// API.
		{name: "api: no token", req: request{method: "GET", path: "/api/v1/me"}, status: 401, contains: []string{`"code":"unauthorized"`}},
		{name: "api: bad token", req: request{method: "GET", path: "/api/v1/me", headers: map[string]string{"Authorization": "Bearer nudge_nope"}}, status: 401, contains: []string{"unknown or revoked"}},
		{name: "api: me", req: apiGet("repA", "/api/v1/me"), status: 200, contains: []string{`"email":"repa@us.example"`}, absent: []string{"argon2"}},
		{name: "api: openapi is public", req: request{method: "GET", path: "/api/v1/openapi.json"}, status: 200, contains: []string{`"openapi": "3.0.3"`}},
		{name: "api: unknown route", req: apiGet("repA", "/api/v1/nope"), status: 404, contains: []string{`"code":"not_found"`}},
		{name: "api: people rep", req: apiGet("repA", "/api/v1/people"), status: 200, contains: []string{"Anna Alpha", `"total":1`}, absent: []string{"Bert Beta"}},
		{name: "api: people manager", req: apiGet("mgr", "/api/v1/people"), status: 200, contains: []string{"Anna Alpha", "Bert Beta", `"total":2`}, absent: []string{"Cleo Gamma"}},
		{name: "api: people admin", req: apiGet("admin", "/api/v1/people?limit=2"), status: 200, contains: []string{`"total":3`}},
		{name: "api: people bad filter", req: apiGet("repA", "/api/v1/people?status=asleep"), status: 422, contains: []string{`"field":"status"`}},
		{name: "api: person", req: apiGet("repA", "/api/v1/people/{pa}"), status: 200, contains: []string{"Anna Alpha"}},
		{name: "api: another rep's person", req: apiGet("repA", "/api/v1/people/{pb}"), status: 404, absent: []string{"Bert"}},
		{name: "api: manager, other team", req: apiGet("mgr", "/api/v1/people/{pc}"), status: 404},
		{name: "api: bad id", req: apiGet("repA", "/api/v1/people/abc"), status: 400},
		{name: "api: create person", req: apiDo("repA", "POST", "/api/v1/people", `{"name": "Eve Epsilon", "email": "Eve@Prospect.example", "company": "Initech", "time_zone": "Europe/Paris"}`), status: 201, contains: []string{`"email":"eve@prospect.example"`, `"owner_id":{repA}`}},
		{name: "api: create person: invalid", req: apiDo("repA", "POST", "/api/v1/people", `{"name": "Eve", "email": "eve@"}`), status: 422, contains: []string{`"code":"invalid"`, `"field":"email"`}},
		{name: "api: create person: malformed", req: apiDo("repA", "POST", "/api/v1/people", `{"name": `), status: 400},
		{name: "api: create person: unknown field", req: apiDo("repA", "POST", "/api/v1/people", `{"nmae": "Eve"}`), status: 400, contains: []string{"nmae"}},
		{name: "api: create person: duplicate", req: apiDo("repA", "POST", "/api/v1/people", `{"email": "pa@prospect.example"}`), status: 409, contains: []string{`"code":"conflict"`}},
		{name: "api: create person: forgotten", req: apiDo("repA", "POST", "/api/v1/people", `{"email": "gone@prospect.example"}`), status: 410, contains: []string{`"code":"forgotten"`}},
		{name: "api: create person for another team", req: apiDo("mgr", "POST", "/api/v1/people", `{"name": "X", "owner_id": {repC}}`), status: 422, contains: []string{`"field":"owner_id"`}},
		{name: "api: create person for a team rep", req: apiDo("mgr", "POST", "/api/v1/people", `{"name": "X", "owner_id": {repB}}`), status: 201},
		{name: "api: reports-to outside scope", req: apiDo("repA", "POST", "/api/v1/people", `{"name": "X", "reports_to_id": {pc}}`), status: 422, contains: []string{"reports_to_id"}},
		{name: "api: update person", req: apiDo("repA", "PATCH", "/api/v1/people/{pa}", `{"pain_gain": "audit in March", "buying_role": "influencer"}`), status: 200, contains: []string{"audit in March", "influencer", "Anna Alpha"}},
		{name: "api: update person: do not contact", req: apiDo("repA", "PATCH", "/api/v1/people/{pa}", `{"do_not_contact": true, "do_not_contact_reason": "said no"}`), status: 200, contains: []string{`"do_not_contact":true`}},
		{name: "api: update another's person", req: apiDo("repB", "PATCH", "/api/v1/people/{pa}", `{"name": "x"}`), status: 404},
		{name: "api: update person: bad", req: apiDo("repA", "PATCH", "/api/v1/people/{pa}", `{"time_zone": "Mars/Base"}`), status: 422, contains: []string{`"field":"tz"`}},
		{name: "api: delete another's person", req: apiDo("repB", "DELETE", "/api/v1/people/{pa}", ""), status: 404},
		{name: "api: delete person", req: apiDo("repA", "DELETE", "/api/v1/people/{pa}", ""), status: 204},
		{name: "api: companies", req: apiGet("repA", "/api/v1/companies"), status: 200, contains: []string{"Acme"}},
		{name: "api: company", req: apiGet("repA", "/api/v1/companies/{acme}"), status: 200, contains: []string{"Acme"}},
		{name: "api: company missing", req: apiGet("repA", "/api/v1/companies/99999"), status: 404},
		{name: "api: create company", req: apiDo("repA", "POST", "/api/v1/companies", `{"name": "Initech", "domain": "INITECH.example"}`), status: 201, contains: []string{`"domain":"initech.example"`}},
		{name: "api: create company: no name", req: apiDo("repA", "POST", "/api/v1/companies", `{"name": ""}`), status: 422},
		{name: "api: interactions", req: apiGet("repA", "/api/v1/interactions?person_id={pa}"), status: 200, contains: []string{`"interactions":[`}},
		{name: "api: interactions need a person", req: apiGet("repA", "/api/v1/interactions"), status: 400, contains: []string{"person_id"}},
		{name: "api: interactions of another's person", req: apiGet("repA", "/api/v1/interactions?person_id={pb}"), status: 404},
		{name: "api: log a meeting without commitment (A3)", req: apiDo("repA", "POST", "/api/v1/interactions", `{"person_id": {pa}, "channel": "meeting", "outcome": "meeting-held", "note": {"what": "demo"}}`), status: 201, contains: []string{"A3:"}},
		{name: "api: log with commitment", req: apiDo("repA", "POST", "/api/v1/interactions", `{"person_id": {pa}, "channel": "meeting", "outcome": "meeting-held", "commitments": [{"party": "prospect", "what": "call with CFO", "due": "2026-12-20T17:00:00Z"}]}`), status: 201, absent: []string{"A3:"}},
		{name: "api: log: bad outcome", req: apiDo("repA", "POST", "/api/v1/interactions", `{"person_id": {pa}, "channel": "call", "outcome": "meh"}`), status: 422, contains: []string{`"field":"outcome"`}},
		{name: "api: log for another's person", req: apiDo("repC", "POST", "/api/v1/interactions", `{"person_id": {pa}, "channel": "call", "outcome": "connected"}`), status: 404},
		{name: "api: today rep", req: apiGet("repA", "/api/v1/tasks/today"), status: 200, contains: []string{"Anna Alpha", `"rule":"B1"`}, absent: []string{"Bert"}},
		{name: "api: today manager (E4)", req: apiGet("mgr", "/api/v1/tasks/today"), status: 200, contains: []string{"Bert Beta", `"rule":"E4"`}},
		{name: "api: done", req: apiDo("repA", "POST", "/api/v1/tasks/{task_pa}/done", `{"outcome": "voicemail", "note": {"what": "left a message"}}`), status: 200, contains: []string{`"next":[`}},
		{name: "api: done: another's task", req: apiDo("repB", "POST", "/api/v1/tasks/{task_pa}/done", `{"outcome": "voicemail"}`), status: 404},
		{name: "api: done: manager's E4 task by the manager", req: apiDo("mgr", "POST", "/api/v1/tasks/{task_pb}/done", `{"outcome": "connected"}`), status: 200},
		{name: "api: done: bad outcome", req: apiDo("repA", "POST", "/api/v1/tasks/{task_pa}/done", `{"outcome": "meh"}`), status: 422},
		{name: "api: snooze", req: apiDo("repA", "POST", "/api/v1/tasks/{task_pa}/snooze", `{"until": "14d"}`), status: 200, contains: []string{"snoozed_until"}},
		{name: "api: skip", req: apiDo("repA", "POST", "/api/v1/tasks/{task_pa}/skip", `{"reason": "holiday"}`), status: 200},
		{name: "api: skip: no reason", req: apiDo("repA", "POST", "/api/v1/tasks/{task_pa}/skip", `{}`), status: 422, contains: []string{`"field":"reason"`}},
		{name: "api: skip done task", req: apiDo("repA", "POST", "/api/v1/tasks/99999/skip", `{"reason": "x"}`), status: 404},
		{name: "api: enrollments", req: apiGet("repA", "/api/v1/enrollments?person_id={pa}"), status: 200, contains: []string{`"cadence":"3-2-4"`}},
		{name: "api: enrollments of another's person", req: apiGet("repA", "/api/v1/enrollments?person_id={pc}"), status: 404},
		{name: "api: enroll", req: apiDo("repA", "POST", "/api/v1/enrollments", `{"person_id": {pa}, "cadence": "six-touch"}`), status: 201, contains: []string{`"cadence":"six-touch"`}},
		{name: "api: enroll: unknown cadence", req: apiDo("repA", "POST", "/api/v1/enrollments", `{"person_id": {pa}, "cadence": "nope"}`), status: 422},
		{name: "api: enroll: twice", req: apiDo("repA", "POST", "/api/v1/enrollments", `{"person_id": {pa}, "cadence": "3-2-4"}`), status: 409},
		{name: "api: cadences", req: apiGet("repA", "/api/v1/cadences"), status: 200, contains: []string{`"name":"3-2-4"`}},
		{name: "api: cadence", req: apiGet("repA", "/api/v1/cadences/appointment"), status: 200, contains: []string{`"rule":"C3"`}},
		{name: "api: cadence unknown", req: apiGet("repA", "/api/v1/cadences/nope"), status: 404},
		{name: "api: templates", req: apiGet("repA", "/api/v1/templates"), status: 200, contains: []string{"c1-reminder"}},
		{name: "api: template", req: apiGet("repA", "/api/v1/templates/c1-reminder"), status: 200, contains: []string{`"previews"`}},
		{name: "api: template unknown", req: apiGet("repA", "/api/v1/templates/nope"), status: 404},
		{name: "api: errors as JSON on pages when asked", req: request{as: "repA", method: "GET", path: "/people/{pb}", headers: map[string]string{"Accept": "application/json"}}, status: 404, contains: []string{`"code":"not_found"`}},
	}
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			p := newPool(t, b)
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) {
					t.Parallel()
					f := p.fixture(t, sc.empty)
					w := f.do(sc.req)
					body := w.Body.String()
					if w.Code != sc.status {
						t.Fatalf("%s %s: status %d, want %d\n%s", sc.req.method, sc.req.path, w.Code, sc.status, excerpt(body))
					}
					if sc.location != "" && w.Header().Get("Location") != sc.location {
						t.Errorf("Location %q, want %q", w.Header().Get("Location"), sc.location)
					}
					for _, want := range sc.contains {
						if want = f.expand(want); !strings.Contains(body, want) {
							t.Errorf("body lacks %q\n%s", want, excerpt(body))
						}
					}
					for _, not := range sc.absent {
						if strings.Contains(body, not) {
							t.Errorf("body has %q\n%s", not, excerpt(body))
						}
					}
					if sc.cookie != "" && !strings.Contains(strings.Join(w.Header().Values("Set-Cookie"), "\n"), sc.cookie) {
						t.Errorf("Set-Cookie lacks %q: %q", sc.cookie, w.Header().Values("Set-Cookie"))
					}
					if ct := w.Header().Get("Content-Type"); strings.HasPrefix(sc.req.path, "/api/") && w.Code != http.StatusNoContent && !strings.HasPrefix(ct, "application/json") {
						t.Errorf("API answered %q", ct)
					}
				})
			}
		})
	}
}

// excerpt shortens a body for a failure message.
func excerpt(s string) string {
	if i := strings.Index(s, `<main id="main">`); i >= 0 {
		s = s[i:]
	}
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}
