package mail

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestBuiltinGolden renders every variant of every built-in with Sample and
// compares with testdata/<name>.golden (go test ./mail -update rewrites them).
func TestBuiltinGolden(t *testing.T) {
	for name, tpl := range Builtin() {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			fmt.Fprintf(&b, "# %s (%s): %s\n", name, tpl.Rule, tpl.Description)
			for v := range tpl.Variants {
				m, err := tpl.Render(Sample(), v)
				if err != nil {
					t.Fatal(err)
				}
				subject := m.Subject
				if subject == "" {
					subject = "(none: read aloud, or a card)"
				}
				fmt.Fprintf(&b, "\n=== variant %d\nSubject: %s\n\n%s\n", v+1, subject, m.Body)
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./mail -update)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, golden, got, want)
			}
		})
	}
}

// wantRules is every built-in the brief asks for, with its METHOD.md rule.
var wantRules = map[string]string{
	"c1-reminder": "C1", "c3-voicemail-1": "C3", "c3-voicemail-2": "C3", "c3-voicemail-3": "C3",
	"c4-thank-you": "C4", "c4-thank-you-email": "C4", "d1-opening": "D1", "d3-request": "D3",
	"e1-truth": "E1", "e2-back-off": "E2", "e3-fall-on-sword": "E3", "e4-assistant": "E4",
	"e4-higher": "E4", "e4-manager": "E4", "e5-fire": "E5", "f1-drip": "F1", "f2-measure": "F2",
	"b5-second-email": "B5",
	// The scripts the cadences name that the mail issue added.
	"b1-follow-up": "B1", "b4-disqualify": "B4", "b5-note": "B5", "b5-text": "B5", "b5-voicemail": "B5", "f2-review": "F2",
	// The E6 techniques and E7's visit note (issue 6).
	"e6-fear": "E6", "e6-too-busy": "E6", "e6-no-urgency": "E6", "e6-no-value": "E6", "e6-using-you": "E6",
	"e6-no-commitment": "E6", "e6-generic-too-early": "E6", "e6-no-agenda": "E6", "e7-in-the-area": "E7",
}

func TestBuiltinRulesAndVariants(t *testing.T) {
	b := Builtin()
	if len(b) != len(wantRules) {
		t.Errorf("%d built-ins, want %d", len(b), len(wantRules))
	}
	for name, rule := range wantRules {
		tpl, ok := b[name]
		if !ok {
			t.Errorf("no built-in %q", name)
			continue
		}
		if tpl.Rule != rule || tpl.Description == "" {
			t.Errorf("%s: rule %q description %q, want rule %q and a description", name, tpl.Rule, tpl.Description, rule)
		}
		if len(tpl.Variants) < 2 {
			t.Errorf("%s: %d variant(s), want at least 2 (B7)", name, len(tpl.Variants))
		}
	}
}

// TestBuiltinLintClean: the built-ins are the examples users copy, so with
// the sample they must not trip their own lint.
func TestBuiltinLintClean(t *testing.T) {
	for name, tpl := range Builtin() {
		for _, f := range Lint(tpl, Sample()) {
			t.Errorf("%s: %s", name, f)
		}
	}
}

// TestBuiltinScripts checks the wording each rule asks for, in every variant.
func TestBuiltinScripts(t *testing.T) {
	type want struct {
		subject string   // exact, "" = none
		body    []string // each in the body
	}
	tests := map[string][]want{
		"c1-reminder": {
			{"Telephone appointment for December 3 at 9:00 am", []string{"Thursday, December 3", "9:00 am", "20 minutes", "- review your recent trip to our showroom", "the next steps, if any."}},
			{"Telephone appointment for December 3 at 9:00 am", []string{"Thursday at 9:00 am", "- go over any new questions", "the next steps, if any."}},
		},
		"c3-voicemail-1": {{"", []string{"Jim Smith from A-Z Company", "9:00 am appointment", "call in 10 minutes", "(212) 555-0142"}}, {"", []string{"in 10 minutes"}}},
		"c3-voicemail-2": {{"", []string{"later this morning or early this afternoon"}}, {"", []string{"later this morning or early this afternoon"}}},
		"c3-voicemail-3": {{"", []string{"as of yet we have not been able to connect", "“current home price and lot availability”"}}, {"", []string{"“current home price and lot availability”"}}},
		"c4-thank-you":   {{"", []string{"thank you for taking the time", "next conversation on December 3", "Enjoy the day!"}}, {"", []string{"Thursday, December 3"}}},
		"d1-opening": {
			{"", []string{"Jim Smith calling from A-Z Company", "“current home price and lot availability”", "Has anything changed?", "Then we'll determine the next steps, if applicable. Is that fair?"}},
			{"", []string{"Jim Smith from A-Z Company", "Has anything changed?", "Is that fair?"}},
		},
		"d3-request": {
			{"Jerry, regarding your request about lot availability in Maple Ridge", []string{"three new lots"}},
			{"Jerry, regarding your request about lot availability in Maple Ridge", []string{"three new lots"}},
		},
		"e2-back-off":      {{"Should I back off?", []string{"stop following up"}}, {"Should I back off?", []string{"back off for a while"}}},
		"e3-fall-on-sword": {{"Jerry, has something changed?", []string{"unable to connect", "annoyance", "how I should best follow up"}}, {"Unable to connect", []string{"annoyance"}}},
		"e4-manager":       {{"Please call Art Vandelay about Jerry Seinfeld", []string{"Susan,", "save face"}}, {"A call to Art Vandelay, please", []string{"manager to manager"}}},
		"e5-fire":          {{"Closing your file", []string{"closing your file"}}, {"Jerry, I'm closing your file", []string{"closing your file"}}},
		"f2-measure":       {{"Jerry, how are we doing against the goals we agreed?", []string{"from $4,200 a year to $3,000 a year", "measured now: $3,350 a year"}}, {"Measuring the results, Jerry", []string{"baseline 55 minutes, goal 30 minutes"}}},
		"b5-second-email":  {{"Re: Jerry, regarding your request about lot availability in Maple Ridge", []string{"voicemail", "“Jerry, regarding your request"}}, {"Re: Jerry, regarding your request about lot availability in Maple Ridge", []string{"voicemail"}}},
	}
	b := Builtin()
	for name, variants := range tests {
		for v, w := range variants {
			m, err := b[name].Render(Sample(), v)
			if err != nil {
				t.Fatalf("%s variant %d: %v", name, v+1, err)
			}
			if m.Subject != w.subject {
				t.Errorf("%s variant %d: subject %q, want %q", name, v+1, m.Subject, w.subject)
			}
			for _, s := range w.body {
				if !strings.Contains(m.Body, s) {
					t.Errorf("%s variant %d: body lacks %q:\n%s", name, v+1, s, m.Body)
				}
			}
		}
	}
}

// TestReadmeListsBuiltins keeps templates/README.md in step with the files.
func TestReadmeListsBuiltins(t *testing.T) {
	readme, err := os.ReadFile("templates/README.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, tpl := range Builtin() {
		row := fmt.Sprintf("| `%s` | %s |", name, tpl.Rule)
		if !strings.Contains(string(readme), row) {
			t.Errorf("templates/README.md lacks the row %q", row)
		}
	}
}

func TestLookup(t *testing.T) {
	over := map[string]string{
		"c1-reminder": `{{define "subject"}}Call on {{monthDay .Appointment.At}}{{end}}{{define "body"}}See you then: {{join ", " .Appointment.Agenda}}. The next steps, if any.{{end}}`,
		"my-own":      "# rule: B7\nHello {{first .Person.Name}}, a photo of the new lots.",
		"broken":      "Hello {{.Person.Nmae}}",
	}
	tests := []struct {
		name, rule, subject, code string
	}{
		{name: "c3-voicemail-1", rule: "C3"},
		{name: "c1-reminder", rule: "C1", subject: "Call on December 3"}, // override keeps the built-in's rule
		{name: "my-own", rule: "B7"},
		{name: "broken", code: nudge.EINVALID},
		{name: "nope", code: nudge.ENOTFOUND},
		{name: "../builtin.go", code: nudge.ENOTFOUND},
	}
	for _, tt := range tests {
		tpl, err := Lookup(tt.name, over)
		if got := nudge.ErrorCode(err); got != tt.code {
			t.Errorf("Lookup(%q): error %v, want code %q", tt.name, err, tt.code)
			continue
		}
		if err != nil {
			continue
		}
		if tpl.Rule != tt.rule {
			t.Errorf("Lookup(%q).Rule = %q, want %q", tt.name, tpl.Rule, tt.rule)
		}
		m, err := tpl.Render(Sample(), 0)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != tt.subject {
			t.Errorf("Lookup(%q) subject %q, want %q", tt.name, m.Subject, tt.subject)
		}
	}
}

func BenchmarkBuiltin(b *testing.B) {
	for b.Loop() {
		Builtin()
	}
}

func BenchmarkLookup(b *testing.B) {
	for b.Loop() {
		if _, err := Lookup("c1-reminder", nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderC1(b *testing.B) {
	tpl, d := Builtin()["c1-reminder"], Sample()
	for b.Loop() {
		if _, err := tpl.Render(d, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// TestScriptValues: a task's F2 script lists the value lines it is given,
// and before any is recorded leaves them for the rep to fill in, as it
// does their name.
func TestScriptValues(t *testing.T) {
	in := ScriptInput{Template: "f2-measure", Person: nudge.Person{Name: "Jerry Seinfeld"}, Rep: nudge.User{Name: "Sam Rep"}, Zone: time.UTC}
	s, ok := Script(in)
	if !ok || !strings.Contains(s, "- <value line>: from <baseline> to <goal>\n") {
		t.Errorf("no lines yet (ok %v):\n%s", ok, s)
	}
	in.Values = []ValueLine{{Name: "labour cost", Baseline: "4200 USD/month", Goal: "3000 USD/month", Measured: "3400 USD/month"},
		{Name: "orders a day", Baseline: "40", Goal: "60"}}
	s, ok = Script(in)
	if want := "- labour cost: from 4200 USD/month to 3000 USD/month; measured now: 3400 USD/month\n- orders a day: from 40 to 60\n"; !ok || !strings.Contains(s, want) {
		t.Errorf("lines (ok %v):\n%s\nwant in it:\n%s", ok, s, want)
	}
}
