package method

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nudgecrm/nudge"
)

// FuzzParseCadence feeds cadence files (method/FORMAT.md; `nudge cadence
// import`, the Cadences page) arbitrary bytes. Whatever the input:
//
//   - ParseCadence does not panic, and a refusal is an EINVALID nudge error
//     naming the field ("steps[2].delay.unit");
//   - an accepted cadence validates, its file is text the database can
//     store (UTF-8, no NUL), and writing it out and reading it back gives
//     the same cadence (the format round-trips);
//   - the engine can plan and advance it: the first step's task, or a reason
//     why there is none, in bounded time and without a panic, since a user's
//     cadence runs for every person enrolled in it.
//
// Under plain `go test` it runs the seeds: every built-in cadence, the
// FORMAT.md example and hostile variants.
func FuzzParseCadence(f *testing.F) {
	files, _ := filepath.Glob("cadences/*.json")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `null`, `[]`, `{}`, `"cadence"`, `{"name":"x"}`, `{"name":"x","steps":[]}`, `{"name":"x","steps":null}`,
		`{"name":"x","steps":[{}]}`,
		`{"name":"x","steps":[{"id":"a","rule":"B1","channel":"call","delay":{"amount":3,"unit":"days","from":"previous"},"reason":"r"}]}`,
		`{"name":"x","steps":[{"id":"a","rule":"B1","channel":"call","delay":{"amount":3,"unit":"weeks","from":"previous"},"reason":"r"}]}`,
		`{"name":"x","steps":[{"id":"a","rule":"B1","channel":"call","delay":{"amount":-1,"unit":"days","from":"previous"},"reason":"r"}]}`,
		`{"name":"x","steps":[{"id":"a","rule":"C1","channel":"email","delay":{"amount":-1,"unit":"business-days","from":"appointment"},"reason":"r","exact":true}]}`,
		`{"name":"x","steps":[{"id":"a","rule":"B1","channel":"call","delay":{"amount":9223372036854775807,"unit":"business-days","from":"previous"},"reason":"r"}]}`,
		`{"name":"x","steps":[{"id":"a","rule":"B1","channel":"call","delay":{"amount":2147483647,"unit":"minutes","from":"enrollment"},"reason":"r"}]}`,
		`{"name":"x","steps":[{"id":"a","rule":"B1","channel":"call","delay":{"amount":100000000,"unit":"days","from":"previous"},"reason":"r"}]}`,
		`{"name":"x","steps":[{"id":"a","rule":"B1","channel":"preferred","delay":{"amount":0,"unit":"hours","from":"previous"},"reason":"r","same_day":true,"voicemail":true,"branches":{"no-answer":"a","replied":"exit:won","declined":"cadence:drip"}}],"loop":true}`,
		`{"name":"x","steps":[{"id":"a","rule":"B1","channel":"call","delay":{"amount":1,"unit":"days","from":"previous"},"reason":"r","branches":{"no-answer":"b"}},{"id":"b","rule":"B2","channel":"email","delay":{"amount":0,"unit":"minutes","from":"previous"},"reason":"r","branches":{"sent":"a"}}],"exit":["reply","opt-out"],"next":"drip"}`,
		`{"name":"x","steps":[{"id":"a","rule":"B1","channel":"call","delay":{"amount":1,"unit":"days","from":"previous"},"reason":"r","when":"first-meeting"}]}`,
		`{"name":"x","next":"x","steps":[{"id":"a","rule":"B1","channel":"call","delay":{"amount":1,"unit":"days","from":"previous"},"reason":"r"}]}`,
		`{"name":"x","steps":[{"id":"a:b","rule":"Z9","channel":"pigeon","delay":{"amount":1,"unit":"days","from":"then"},"reason":" ","assignee":"boss"}]}`,
		`{"name":"x","active":false,"rule":"F1","steps":[{"id":"a","rule":"F1","channel":"email","delay":{"amount":1,"unit":"days","from":"previous"},"reason":"r","template":"../../etc/passwd"}],"unknown":1}`,
		`{"name":"x","name":"y","steps":[{"id":"a","id":"b","rule":"B1","channel":"call","delay":{"amount":1,"unit":"days","from":"previous"},"reason":"r"}]}`,
		`{"name":"\u0000\ud800","steps":[{"id":"\u202e","rule":"B1","channel":"call","delay":{"amount":1e3,"unit":"days","from":"previous"},"reason":"r"}]}`,
		`{"name":"x","steps":[{"id":"a","rule":"B1","channel":"call","delay":{"amount":1.5,"unit":"days","from":"previous"},"reason":"r"}]} trailing`,
		"{\"name\":\"x\",\"steps\":[" + strings.Repeat(`{"id":"s","rule":"B1","channel":"call","delay":{"amount":1,"unit":"days","from":"previous"},"reason":"r"},`, 3) + "{}]}",
	} {
		f.Add([]byte(s))
	}
	if b, err := os.ReadFile("FORMAT.md"); err == nil {
		if _, rest, ok := strings.Cut(string(b), "```json\n"); ok {
			example, _, _ := strings.Cut(rest, "```")
			f.Add([]byte(example))
		}
	}
	lib, err := Builtin()
	if err != nil {
		f.Fatal(err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCadence(data)
		if err != nil {
			e, ok := err.(*nudge.Error)
			if !ok || e.Code != nudge.EINVALID || e.Field == "" || e.Message == "" {
				t.Fatalf("refusal %#v is not an EINVALID nudge error naming a field", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted a cadence that does not validate: %v", err)
		}
		// The file is stored as it is: text PostgreSQL can hold.
		if !utf8.Valid(data) {
			t.Fatalf("accepted a file that is not UTF-8: %q", data)
		}
		for dec := json.NewDecoder(bytes.NewReader(data)); ; {
			tok, err := dec.Token()
			if err != nil {
				break
			}
			if s, ok := tok.(string); ok && strings.IndexByte(s, 0) >= 0 {
				t.Fatalf("accepted a file with a NUL in %q", s)
			}
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("cannot write an accepted cadence: %v", err)
		}
		back, err := ParseCadence(out)
		if err != nil {
			t.Fatalf("the cadence written out does not read back: %v\n%s", err, out)
		}
		if again, _ := json.Marshal(back); string(again) != string(out) {
			t.Fatalf("round trip changed the cadence:\n%s\n%s", out, again)
		}

		// Plan the first step for a prospect enrolled now, and again after a
		// touch with each outcome its branches name (and "no-answer").
		l := Library{}
		for k, v := range lib {
			l[k] = v
		}
		l[c.Name] = c
		_ = l.Validate() // a dangling "next" or "cadence:" is reported, never a panic
		appt := nudge.Appointment{ID: 1, PersonID: 7, At: now.Add(26 * time.Hour), Kind: nudge.AppointmentCall, State: nudge.AppointmentScheduled}
		in := Input{Now: now, Person: nudge.Person{ID: 7, Name: "Jerry", TimeZone: "America/New_York", Country: "US", Status: nudge.StatusProspect},
			PersonLoc: newYork, Rep: nudge.User{ID: 1, Name: "Jim", TimeZone: "America/New_York"}, RepLoc: newYork, RepCountry: "US",
			Cadence: c, Appointments: []nudge.Appointment{appt},
			Enrollment: nudge.Enrollment{ID: 1, PersonID: 7, UserID: 1, Cadence: c.Name, State: nudge.EnrollmentActive,
				StartedAt: now, AnchorAt: now, AppointmentID: appt.ID}}
		d, err := Plan(in)
		if err != nil {
			if nudge.ErrorMessage(err) == "" {
				t.Fatalf("Plan: %v", err)
			}
			return
		}
		if d.Kind == KindTask && (d.Task == nil || d.Task.Rule == "" || d.Task.Due.IsZero()) {
			t.Fatalf("a task without its rule or due time: %+v", d.Task)
		}
		outcomes := []nudge.Outcome{nudge.OutcomeNoAnswer}
		for _, s := range c.Steps {
			for o := range s.Branches {
				outcomes = append(outcomes, o)
			}
		}
		for _, o := range outcomes[:min(len(outcomes), 4)] {
			e, err := Advance(c, d.Enrollment, o, now.Add(time.Hour))
			if err != nil {
				continue
			}
			in.Enrollment, in.Now = e, now.Add(time.Hour)
			if _, err := Plan(in); err != nil && nudge.ErrorMessage(err) == "" {
				t.Fatalf("Plan after %s: %v", o, err)
			}
		}
	})
}

// TestCadenceDelayBound: a delay longer than about ten years is refused,
// naming the field; FuzzParseCadence found that 2^63 business days hung the
// planner (testdata/fuzz/FuzzParseCadence/huge-business-days).
func TestCadenceDelayBound(t *testing.T) {
	step := func(amount int, unit string) []byte {
		return fmt.Appendf(nil, `{"name":"x","steps":[{"id":"a","rule":"B1","channel":"call",
			"delay":{"amount":%d,"unit":%q,"from":"appointment"},"reason":"r"}]}`, amount, unit)
	}
	for _, tc := range []struct {
		amount int
		unit   string
		ok     bool
	}{
		{2610, "business-days", true}, {2611, "business-days", false}, {-2611, "business-days", false},
		{3660, "days", true}, {3661, "days", false}, {3660 * 24, "hours", true}, {3660*24 + 1, "hours", false},
		{3660 * 24 * 60, "minutes", true}, {3660*24*60 + 1, "minutes", false}, {math.MaxInt, "business-days", false},
	} {
		_, err := ParseCadence(step(tc.amount, tc.unit))
		if tc.ok != (err == nil) {
			t.Errorf("%d %s: %v", tc.amount, tc.unit, err)
		}
		if e, _ := err.(*nudge.Error); err != nil && (e == nil || e.Field != "steps[0].delay.amount") {
			t.Errorf("%d %s: %v does not name steps[0].delay.amount", tc.amount, tc.unit, err)
		}
	}
}
