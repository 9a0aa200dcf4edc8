package mail

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/nudgecrm/nudge"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// TestC1Subject: the day-before reminder's subject is exactly
// "Telephone appointment for <Month Day> at <h:mm am/pm>" in the prospect's
// zone (C1).
func TestC1Subject(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	tests := []struct {
		name string
		at   time.Time // UTC instant
		zone *time.Location
		tz   string // the person's zone, used when zone is nil
		kind string
		want string
	}{
		{"morning", time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC), ny, "", "call", "Telephone appointment for December 3 at 9:00 am"},
		{"kind defaults to call", time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC), ny, "", "", "Telephone appointment for December 3 at 9:00 am"},
		{"afternoon", time.Date(2026, 12, 3, 19, 30, 0, 0, time.UTC), ny, "", "call", "Telephone appointment for December 3 at 2:30 pm"},
		{"noon", time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC), ny, "", "call", "Telephone appointment for December 3 at 12:00 pm"},
		{"after midnight", time.Date(2026, 12, 3, 5, 15, 0, 0, time.UTC), ny, "", "call", "Telephone appointment for December 3 at 12:15 am"},
		{"evening, next day in UTC", time.Date(2026, 12, 4, 3, 30, 0, 0, time.UTC), ny, "", "call", "Telephone appointment for December 3 at 10:30 pm"},
		// 1 November 2026: clocks fall back from 2:00 EDT to 1:00 EST.
		{"DST: after fall back", time.Date(2026, 11, 1, 15, 0, 0, 0, time.UTC), ny, "", "call", "Telephone appointment for November 1 at 10:00 am"},
		{"DST: first 1:30 (EDT)", time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), ny, "", "call", "Telephone appointment for November 1 at 1:30 am"},
		{"DST: second 1:30 (EST)", time.Date(2026, 11, 1, 6, 30, 0, 0, time.UTC), ny, "", "call", "Telephone appointment for November 1 at 1:30 am"},
		{"DST: the day before, still EDT", time.Date(2026, 10, 31, 13, 0, 0, 0, time.UTC), ny, "", "call", "Telephone appointment for October 31 at 9:00 am"},
		{"visit", time.Date(2026, 12, 3, 14, 0, 0, 0, time.UTC), ny, "", "visit", "Visit appointment for December 3 at 9:00 am"},
		{"visit pm", time.Date(2026, 12, 3, 21, 5, 0, 0, time.UTC), ny, "", "visit", "Visit appointment for December 3 at 4:05 pm"},
		{"zone from the person", time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC), nil, "America/Los_Angeles", "call", "Telephone appointment for December 3 at 9:00 am"},
		{"no zone at all: UTC", time.Date(2026, 12, 3, 17, 0, 0, 0, time.UTC), nil, "", "call", "Telephone appointment for December 3 at 5:00 pm"},
	}
	tpl := Builtin()["c1-reminder"]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Sample()
			d.Zone = tt.zone
			d.Person.TimeZone = tt.tz
			d.Appointment.At, d.Appointment.Kind = tt.at, tt.kind
			for v := range tpl.Variants {
				m, err := tpl.Render(d, v)
				if err != nil {
					t.Fatal(err)
				}
				if m.Subject != tt.want {
					t.Errorf("variant %d: subject %q, want %q", v+1, m.Subject, tt.want)
				}
				// The body confirms the time and ends the agenda with C1's phrase.
				_, clock, _ := strings.Cut(tt.want, " at ")
				if !strings.Contains(m.Body, clock) || !strings.Contains(m.Body, "the next steps, if any.") {
					t.Errorf("variant %d body lacks %q or the next steps:\n%s", v+1, clock, m.Body)
				}
			}
		})
	}
}

// TestC3VoicemailAfternoon: the second voicemail promises "later this
// morning or early this afternoon" only for a morning appointment.
func TestC3VoicemailAfternoon(t *testing.T) {
	d := Sample()
	d.Appointment.At = time.Date(2026, 12, 3, 15, 0, 0, 0, d.Zone)
	m, err := Builtin()["c3-voicemail-2"].Render(d, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Body, "3:00 pm appointment") || strings.Contains(m.Body, "this morning") {
		t.Errorf("body for a 3 pm appointment:\n%s", m.Body)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // each in the message
	}{
		{"unknown field", "Hello {{.Person.Nmae}}", []string{"template: t, line 1", `.Person.Nmae: no field "Nmae"`, "Name"}},
		{"unknown top-level field", "\n\n{{.Pain}}", []string{"line 3", `no field "Pain"`}},
		{"unknown function, line after header", "# rule: C1\n# description: x\nok\n{{foo .Topic}}", []string{"line 4", `function "foo" not defined`}},
		{"unclosed action", "a\n{{if .Topic}}b", []string{"template: t, line 2", "unexpected EOF"}},
		{"call is refused", "{{call .Topic}}", []string{"line 1", `"call" is not allowed`}},
		{"range over a number", "{{range 1000000000}}{{end}}", []string{"{{range}} must go over a list"}},
		{"range over a record", "{{range .Person}}{{.}}{{end}}", []string{"{{range}} must go over a list"}},
		{"method call", "{{.Now.Year}}", []string{".Now.Year", "methods cannot be called"}},
		{"method call in a range", "{{range .Appointment.Agenda}}{{.Len}}{{end}}", []string{"methods cannot be called"}},
		{"field of a value line", "{{range .Values}}{{.Nmae}}{{end}}", []string{`no field "Nmae"`, "Baseline"}},
		{"field under with", "{{with .Appointment}}{{.Att}}{{end}}", []string{`no field "Att"`}},
		{"field under $", "{{with .Appointment}}{{$.Persn.Name}}{{end}}", []string{`no field "Persn"`}},
		{"chain", "{{(.Person).Name}}", []string{"not allowed"}},
		{"text outside blocks", "{{define \"body\"}}a{{end}}\nstray", []string{"line 2", "text outside {{define}}"}},
		{"recursion", `{{define "a"}}{{template "b"}}{{end}}{{define "b"}}{{template "a"}}{{end}}{{define "body"}}{{template "a"}}{{end}}`, []string{"calls itself"}},
		{"self call", `{{define "body"}}{{template "body" .}}{{end}}`, []string{"calls itself"}},
		{"ranges nested too deep", "{{range $.Values}}{{range $.Values}}{{range $.Values}}x{{end}}{{end}}{{end}}", []string{"nests more than 2 deep"}},
		{"ranges nested through templates", `{{define "a"}}{{range $.Values}}{{range $.Values}}x{{end}}{{end}}{{end}}{{define "body"}}{{range .Values}}{{template "a" $}}{{end}}{{end}}`, []string{"nests more than 2 deep"}},
		{"calls fanning out", fanOut(12), []string{"fan out to more than 1000"}},
		{"empty", "  \n", []string{"variant 1 is empty"}},
		{"empty second variant", "a\n--- variant ---\n", []string{"line 3", "variant 2 is empty"}},
		{"error in second variant", "a\n--- variant ---\nb\n{{.X}}", []string{"line 4", `no field "X"`}},
		{"bad header", "# nope: x\nbody", []string{"line 1", "header line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse("t", tt.src)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tt.src, tpl.Variants)
			}
			var e *nudge.Error
			if !errors.As(err, &e) || e.Code != nudge.EINVALID || e.Field != "template" {
				t.Errorf("error %#v, want a *nudge.Error EINVALID on field template", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// fanOut is a template whose calls double at each of n levels.
func fanOut(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{{define "t%d"}}{{template "t%d"}}{{template "t%d"}}{{end}}`, i, i+1, i+1)
	}
	fmt.Fprintf(&b, `{{define "t%d"}}{{end}}{{define "body"}}{{template "t0"}}{{end}}`, n)
	return b.String()
}

func TestParseFormat(t *testing.T) {
	src := "# rule: D3\r\n# Description:  a test \n" +
		"{{define \"subject\"}}  {{first .Person.Name}},\n regarding   {{.Topic}} {{end}}\n" +
		"{{define \"body\"}}\n\n  Line one  \n\n\n\nLine two\n{{end}}\n" +
		"--- variant ---\n" +
		"No blocks: the text is the body, {{upper (first .Person.Name)}}.\n"
	tpl, err := Parse("x", src)
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Rule != "D3" || tpl.Description != "a test" || len(tpl.Variants) != 2 {
		t.Fatalf("got rule %q description %q %d variants", tpl.Rule, tpl.Description, len(tpl.Variants))
	}
	tests := []Message{
		{Subject: "Jerry, regarding lot availability in Maple Ridge", Body: "Line one\n\nLine two"},
		{Subject: "", Body: "No blocks: the text is the body, JERRY."},
	}
	for v, want := range tests {
		got, err := tpl.Render(Sample(), v)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("variant %d: %+v, want %+v", v+1, got, want)
		}
	}
	if _, err := tpl.Render(Sample(), 2); err == nil {
		t.Error("Render(variant 3 of 2) succeeded")
	}
}

func TestRenderErrors(t *testing.T) {
	noAppt := Sample()
	noAppt.Appointment = nil
	tests := []struct {
		name, src string
		d         Data
		want      string
	}{
		{"absent record", "at {{time12 .Appointment.At}}", noAppt, "Appointment"},
		{"absent record, guarded", "{{with .Appointment}}at {{time12 .At}}{{else}}no appointment{{end}}", noAppt, ""},
		{"missing key where fields cannot be checked", "{{with index .Values 0}}{{.Nope}}{{end}}", Sample(), `no entry for key "Nope"`},
		{"zero time", "{{time12 .Commitment.Due}}", Data{Commitment: &nudge.Commitment{}}, "no time set"},
		{"output cap", `{{range .Appointment.Agenda}}{{printf "%070000d" 1}}{{end}}`, Sample(), "output longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse("t", tt.src)
			if err != nil {
				t.Fatal(err)
			}
			_, err = tpl.Render(tt.d, 0)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestNoSecrets: a template cannot reach the rep's password hash.
func TestNoSecrets(t *testing.T) {
	if _, err := Parse("t", "{{.Rep.PasswordHash}}"); err == nil {
		t.Error("a template could name .Rep.PasswordHash")
	}
}

func TestFuncs(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	at := time.Date(2026, 7, 4, 21, 7, 0, 0, ny)
	tests := []struct{ src, want string }{
		{`{{first "Jerry Seinfeld"}}`, "Jerry"},
		{`{{first "Seinfeld, Jerry"}}`, "Jerry"},
		{`{{first "  "}}|`, "|"},
		{`{{upper "abc"}} {{lower "ÀB"}}`, "ABC àb"},
		{`{{title "hello wide-world"}}`, "Hello Wide-World"},
		{`{{default "there" ""}} {{default "there" "Jerry"}}`, "there Jerry"},
		{`{{join ", " .Appointment.Agenda}}`, "a, b"},
		{`{{date "Mon 2 Jan 2006 15:04 MST" .Appointment.At}}`, "Sat 4 Jul 2026 21:07 EDT"},
		{`{{time12 .Appointment.At}} {{monthDay .Appointment.At}}`, "9:07 pm July 4"},
		{`{{quote .PainGain}} {{quote "\"said\""}}`, "“lots” “said”"},
	}
	d := Data{Zone: ny, PainGain: "lots", Appointment: &Appointment{At: at.UTC(), Agenda: []string{"a", " ", "b"}}}
	for _, tt := range tests {
		tpl, err := Parse("t", tt.src)
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		m, err := tpl.Render(d, 0)
		if err != nil || m.Body != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.src, m.Body, err, tt.want)
		}
	}
}

func TestBodyHash(t *testing.T) {
	a := BodyHash("Jerry,\n\nThe “new” lots are  in.\n")
	if len(a) != 64 {
		t.Fatalf("hash %q is not hex SHA-256", a)
	}
	same := []string{"jerry, the \"new\" lots are in.", "  JERRY,\tThe “new” lots\nare in."}
	for _, s := range same {
		if BodyHash(s) != a {
			t.Errorf("BodyHash(%q) differs from the same text laid out otherwise", s)
		}
	}
	for _, s := range []string{"Jerry, the new lots are out.", "Jerry, the new lots are in!"} {
		if BodyHash(s) == a {
			t.Errorf("BodyHash(%q) equals a different text's", s)
		}
	}
}

// TestPickVariant: never the same text twice to the same person (B7).
func TestPickVariant(t *testing.T) {
	tpl := Builtin()["c3-voicemail-1"]
	d := Sample()
	hash := func(d Data, v int) string {
		m, err := tpl.Render(d, v)
		if err != nil {
			t.Fatal(err)
		}
		return BodyHash(m.Body)
	}
	other := Sample()
	other.Person.Name = "George Costanza"
	tests := []struct {
		name string
		d    Data
		sent []string
		want int
	}{
		{"nothing sent", d, nil, 0},
		{"first sent", d, []string{hash(d, 0)}, 1},
		{"second sent", d, []string{hash(d, 1), "unrelated"}, 0},
		{"first sent to someone else", d, []string{hash(other, 0)}, 0},
		{"all sent", d, []string{hash(d, 0), hash(d, 1)}, -1},
	}
	for _, tt := range tests {
		got, err := PickVariant(tpl, tt.d, tt.sent)
		if got != tt.want {
			t.Errorf("%s: PickVariant = %d, %v; want %d", tt.name, got, err, tt.want)
		}
		if (tt.want < 0) != errors.Is(err, ErrAllVariantsSent) {
			t.Errorf("%s: error %v", tt.name, err)
		}
	}
	if _, err := PickVariant(tpl, Data{}, nil); err == nil || errors.Is(err, ErrAllVariantsSent) {
		t.Errorf("PickVariant with no data: %v, want a render error", err)
	}
}

// FuzzParse: parsing (and rendering what parses) never panics, and a
// refused template always says why.
func FuzzParse(f *testing.F) {
	for _, tpl := range Builtin() {
		src := ""
		for i, v := range tpl.Variants {
			if i > 0 {
				src += VariantSeparator + "\n"
			}
			src += v
		}
		f.Add(src)
	}
	for _, s := range []string{"", "# rule: X", "{{", "}}", "{{define \"body\"}}{{end}}", "a\n--- variant ---\nb",
		"{{range .Values}}{{.Name}}{{end}}", "{{template \"x\"}}", "{{with $x := .Person}}{{$x.Name}}{{end}}",
		"{{block \"body\" .}}{{.Topic}}{{end}}", "{{range $i, $e := .Appointment.Agenda}}{{$i}}{{$e}}{{end}}",
		"# description\n{{.Person.Name | first | upper}}", "\r\n--- variant ---\r\n{{.Topic}}\r\n"} {
		f.Add(s)
	}
	d := Sample()
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := Parse("fuzz", src)
		if err != nil {
			if tpl != nil || err.Error() == "" {
				t.Fatalf("Parse: %v, %v", tpl, err)
			}
			return
		}
		if len(tpl.Variants) == 0 {
			t.Fatal("parsed with no variants")
		}
		if !utf8.ValidString(src) || strings.IndexByte(src, 0) >= 0 {
			t.Fatalf("accepted a source the database cannot store (NUL or not UTF-8): %q", src)
		}
		for v := range tpl.Variants {
			m, err := tpl.Render(d, v)
			if err == nil && (len(m.Body) > maxOutput || len(m.Subject) > maxOutput) {
				t.Fatalf("output over the cap: %d", len(m.Body))
			}
		}
		Lint(tpl, d)
	})
}
