package web

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
)

// check runs one request and checks its status and body.
func (f *fixture) check(rq request, status int, contains, absent []string) string {
	f.t.Helper()
	w := f.do(rq)
	body := w.Body.String()
	if w.Code != status {
		f.t.Fatalf("%s %s as %s: status %d, want %d\n%s", rq.method, rq.path, rq.as, w.Code, status, excerpt(body))
	}
	for _, s := range contains {
		if !strings.Contains(body, f.expand(s)) {
			f.t.Errorf("%s %s: body lacks %q\n%s", rq.method, rq.path, s, excerpt(body))
		}
	}
	for _, s := range absent {
		if strings.Contains(body, s) {
			f.t.Errorf("%s %s: body has %q\n%s", rq.method, rq.path, s, excerpt(body))
		}
	}
	if status == 303 {
		return strings.Join(w.Header().Values("Set-Cookie"), "\n")
	}
	return body
}

// G4 and E6 on the Person page: the phase with its why, the reason form;
// recording a reason puts its technique on Today; bad input comes back
// beside its field with what was typed; CSRF and scope hold.
func TestPersonInsight(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b)
			f.check(get("repA", "/people/{pa}"), 200, []string{"CARR phase (G4)", "<strong>Curiosity</strong>: no touches yet",
				`aria-current="step">Curiosity`, "Why they don't answer (E6)", `name="quiet_reason"`, `value="too-busy"`,
				`action="/people/{pa}/quiet-reason"`, `name="csrf"`}, nil)

			// Bad reason: 422, the message beside the field, the note kept.
			f.check(post("repA", "/people/{pa}/quiet-reason", form("quiet_reason", "bored", "quiet_note", "kept words")), 422,
				[]string{`<span class="field-error" role="alert">unknown reason &#34;bored&#34; (want one of fear, too-busy,`, "kept words"}, nil)
			// No CSRF token: refused, nothing recorded.
			w := f.do(request{as: "repA", method: "POST", path: "/people/{pa}/quiet-reason", form: form("quiet_reason", "fear"), noCSRF: true})
			if w.Code != 403 || !strings.Contains(w.Body.String(), "CSRF") {
				t.Errorf("without CSRF: %d %s", w.Code, excerpt(w.Body.String()))
			}
			// Another rep's person: not found.
			f.check(post("repB", "/people/{pa}/quiet-reason", form("quiet_reason", "fear")), 404, nil, nil)
			if _, err := f.db.FindQuietNote(context.Background(), f.people["pa"].ID); nudge.ErrorCode(err) != nudge.ENOTFOUND {
				t.Fatalf("a refused form recorded a reason: %v", err)
			}

			cookie := f.check(post("repA", "/people/{pa}/quiet-reason", form("quiet_reason", "too-busy", "quiet_note", "year-end close")), 303, nil, nil)
			if !strings.Contains(cookie, "E6") {
				t.Errorf("flash %q lacks E6", cookie)
			}
			f.check(get("repA", "/people/{pa}"), 200, []string{"Likely reason: <strong>too busy</strong> — “year-end close”",
				"Technique: ask for 15 minutes and offer two times (A3)", `<option value="too-busy" selected>`, "Next step: email"}, nil)
			f.check(get("repA", "/today"), 200, []string{"Anna Alpha", ">E6</abbr> too busy (E6): ask for 15 minutes and offer two times (A3)", "15 minutes"}, nil)
		})
	}
}

// G4 as a filter on People, within the caller's scope.
func TestPeopleCARRFilter(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b)
			f.check(get("repA", "/people?carr=curiosity"), 200, []string{"Anna Alpha", `<option value="curiosity" selected>Curiosity</option>`}, []string{"Bert Beta", "Cleo Gamma"})
			f.check(get("admin", "/people?carr=curiosity"), 200, []string{"Anna Alpha", "Bert Beta", "Cleo Gamma"}, nil)
			f.check(get("admin", "/people?carr=respect"), 200, []string{"Nobody matches."}, []string{"Anna Alpha"})
			f.check(get("repA", "/people?carr=anger&q=kept"), 422, []string{`unknown CARR phase &#34;anger&#34;`, `value="kept"`}, nil)
			f.check(apiGet("repA", "/api/v1/people?carr=curiosity"), 200, []string{`"total":1`, "Anna Alpha"}, nil)
		})
	}
}

// E7 on Today: the rep's visit in Newport Beach lists their quiet
// prospect in Irvine (12.0 km), not another rep's, not Los Angeles; one
// click plans the visit; a bad distance comes back beside its field.
func TestTodayNearby(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b)
			f.locate("pa", newportBeach)
			f.quietProspect("irv", "Irvine Quiet", "repA", irvine)
			f.quietProspect("irvb", "Irvine Of Rep B", "repB", irvine)
			f.quietProspect("la", "Angeleno", "repA", losAngeles)
			f.visitTomorrow("visit", "pa", "Acme HQ")

			f.check(get("repA", "/today"), 200, []string{"In the area (E7)", "visit to <a href=\"/people/{pa}\">Anna Alpha</a> at Acme HQ",
				"Irvine Quiet</a>, Irvine: 12.0 km, never answered", `action="/nearby/accept"`, `name="appointment" value="{visit}"`},
				[]string{"Irvine Of Rep B", "Angeleno"})
			f.check(get("repB", "/today"), 200, nil, []string{"In the area (E7)"})
			f.check(get("repA", "/today?km=60"), 200, []string{"Angeleno</a>, Los Angeles: 56.2 km"}, nil)
			f.check(get("repA", "/today?km=far"), 422, []string{`<span class="field-error" role="alert">&#34;far&#34; is not a distance in km`, `value="far"`}, nil)

			// Accepting: another rep's prospect is not found; one too far is
			// refused with the reason; the quiet one is planned.
			f.check(post("repA", "/nearby/accept", form("person", "{irvb}", "appointment", "{visit}")), 404, nil, nil)
			// Rep B's meeting is not found either: its refusal would name its host.
			f.visitTomorrow("visitb", "pb", "Beta HQ")
			f.check(post("repA", "/nearby/accept", form("person", "{irv}", "appointment", "{visitb}")), 404, nil, []string{"Bert Beta"})
			f.check(post("repA", "/nearby/accept", form("person", "{la}", "appointment", "{visit}", "km", "25")), 422,
				[]string{"not a quiet prospect of the rep within 25 km of the meeting with Anna Alpha"}, nil)
			f.check(post("repA", "/nearby/accept", form("person", "x", "appointment", "{visit}")), 400, nil, nil)
			w := f.do(request{as: "repA", method: "POST", path: "/nearby/accept", form: form("person", "{irv}", "appointment", "{visit}"), noCSRF: true})
			if w.Code != 403 {
				t.Errorf("accept without CSRF: %d", w.Code)
			}
			cookie := f.check(post("repA", "/nearby/accept", form("person", "{irv}", "appointment", "{visit}", "km", "25")), 303, nil, nil)
			if !strings.Contains(cookie, "E7") {
				t.Errorf("flash %q lacks E7", cookie)
			}
			f.check(get("repA", "/today"), 200, []string{"Irvine Quiet</a>, Irvine: 12.0 km, never answered\n· <strong>visit planned</strong>"}, nil)
			f.check(get("repA", "/people/{irv}"), 200, []string{"in-the-area", "E7"}, nil)
		})
	}
}

// E7's places: the fixture's hosts meet in Newport Beach; Irvine is 12.0 km
// from there, Los Angeles 56.2.
var (
	newportBeach = nudge.Location{City: "Newport Beach", Lat: 33.6189, Lon: -117.9298, HasCoords: true}
	irvine       = nudge.Location{City: "Irvine", Lat: 33.6846, Lon: -117.8265, HasCoords: true}
	losAngeles   = nudge.Location{City: "Los Angeles", Lat: 34.0522, Lon: -118.2437, HasCoords: true}
)

// locate moves a fixture person to loc.
func (f *fixture) locate(key string, loc nudge.Location) {
	f.t.Helper()
	if _, err := f.db.UpdatePerson(context.Background(), f.people[key].ID, nudge.PersonUpdate{Location: &loc}); err != nil {
		f.t.Fatal(err)
	}
}

// quietProspect adds a prospect of owner at loc, emailed 30 days ago and
// silent since (E7's candidates), as f.people[key] and {key}.
func (f *fixture) quietProspect(key, name, owner string, loc nudge.Location) {
	f.t.Helper()
	ctx := context.Background()
	p := &nudge.Person{Name: name, Email: key + "@prospect.example", OwnerID: f.users[owner].ID, Status: nudge.StatusProspect,
		TimeZone: "America/Los_Angeles", Country: "US", Location: loc}
	if err := f.db.CreatePerson(ctx, p); err != nil {
		f.t.Fatal(err)
	}
	if err := f.db.CreateInteraction(ctx, &nudge.Interaction{PersonID: p.ID, Channel: nudge.ChannelEmail, Outcome: nudge.OutcomeSent,
		At: f.clock.Now().AddDate(0, 0, -30)}, nil); err != nil {
		f.t.Fatal(err)
	}
	f.people[key] = p
	f.ids[key] = strconv.FormatInt(p.ID, 10)
}

// visitTomorrow adds a 30-minute visit to the person at place, a day from
// now, as {key}.
func (f *fixture) visitTomorrow(key, person, place string) {
	f.t.Helper()
	a := &nudge.Appointment{PersonID: f.people[person].ID, At: f.clock.Now().Add(24 * time.Hour), Kind: nudge.AppointmentVisit,
		Minutes: 30, Place: place}
	if err := f.svc.AddAppointment(context.Background(), a); err != nil {
		f.t.Fatal(err)
	}
	f.ids[key] = strconv.FormatInt(a.ID, 10)
}
