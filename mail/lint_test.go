package mail

import (
	"strings"
	"testing"

	"github.com/nudgecrm/nudge"
)

func rules(fs []Finding, rule string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

// TestD2Blunders: METHOD.md's blunder openers and close variants are found
// whatever the case, punctuation and spacing; ordinary sentences are not.
func TestD2Blunders(t *testing.T) {
	tests := []struct {
		text    string
		excerpt string // "" = no finding
	}{
		{"I was calling to follow up on the proposal.", "calling to follow up on the proposal"},
		{"Calling to follow-up on our proposal", "Calling to follow-up on our proposal"},
		{"I am calling to see if you had any questions.", "see if you had any questions"},
		{"I just wanted to make sure you got my e-mail.", "make sure you got my e-mail"},
		{"MAKE SURE YOU GOT MY EMAIL!!", "MAKE SURE YOU GOT MY EMAIL"},
		{"Make sure you got my\n  e mail", "Make sure you got my\n  e mail"},
		{"The reason for my follow up was to see if you had come to decision.", "see if you had come to decision"},
		{"to see if you have come to a decision", "see if you have come to a decision"},
		{"to see if you've made a decision", ""}, // "you've" is not "you have": documented limit
		{"Just checking in!", "Just checking in"},
		{"just   checking-in", "just   checking-in"},
		{"Touching base about the lots", "Touching base"},
		{"Let's touch base", "touch base"},
		{"to see if you got my brochure", "see if you got my brochure"},
		{"Just following up on this.", "Just following up"},
		{"I'm circling back on the lots.", "circling back"},
		{"I wanted to check in with you.", "wanted to check in"},
		{"Following up on my last email, …", "Following up on my last email"},
		// not blunders
		{"I'm checking in at the hotel.", ""},
		{"Then we'll determine the next steps, if any.", ""},
		{"Just let me know if you'd prefer I stop following up.", ""},
		{"Hi Jerry, following up on our 9:00 am appointment.", ""},
		{"I'll follow up on the proposal numbers with your CFO.", ""},
		{"Base prices changed; touching on that, here is the list.", ""},
	}
	for _, tt := range tests {
		fs := rules(LintMessage(Message{Body: tt.text + " The three new lots at Maple Ridge open in January."}, Sample(), nil), "D2")
		switch {
		case tt.excerpt == "" && len(fs) > 0:
			t.Errorf("%q: unexpected %v", tt.text, fs)
		case tt.excerpt != "" && len(fs) != 1:
			t.Errorf("%q: %d D2 findings %v, want 1", tt.text, len(fs), fs)
		case tt.excerpt != "" && fs[0].Excerpt != tt.excerpt:
			t.Errorf("%q: excerpt %q, want %q", tt.text, fs[0].Excerpt, tt.excerpt)
		}
	}
	// The subject is checked too.
	if fs := rules(LintMessage(Message{Subject: "Touching base", Body: "New lots at Maple Ridge open in January."}, Sample(), nil), "D2"); len(fs) != 1 || !strings.HasPrefix(fs[0].Message, "subject") {
		t.Errorf("subject blunder: %v", fs)
	}
}

// TestD4NothingNew: a body with nothing beyond greeting, sign-off, names and
// blunders, or one whose content words were (almost) all in an earlier
// message, is flagged.
func TestD4NothingNew(t *testing.T) {
	prev := "Jerry, three new lots in Maple Ridge come on the market in January, two of them backing onto the park. Would a 15-minute call this week suit you? Jim Smith"
	tests := []struct {
		name    string
		body    string
		history []string
		want    bool
	}{
		{"only greeting and blunder", "Hi Jerry, just checking in. Best, Jim", nil, true},
		{"only greeting and thanks", "Hi Jerry,\n\nThanks!\n\nJim Smith\nA-Z Company\n(212) 555-0142", nil, true},
		{"empty", "", nil, true},
		{"two content words", "Jerry, any news on lots?", nil, true},
		{"something new", "Jerry, the survey of the Maple Ridge lot came back: the slope allows a walk-out basement.", nil, false},
		{"new, with history", "Jerry, the survey of the Maple Ridge lot came back: the slope allows a walk-out basement.", []string{prev}, false},
		{"same words, shuffled", "Jim Smith here. Two of the three new Maple Ridge lots back onto the park and come on the market in January; would a 15-minute call suit you this week?", []string{prev}, true},
		{"part of the earlier message", "Jerry, the new lots in Maple Ridge come on the market in January.", []string{prev}, true},
		{"compared with every earlier message", "Jerry, the new lots in Maple Ridge come on the market in January.", []string{prev, "Jerry, are you free on Thursday?"}, true},
	}
	for _, tt := range tests {
		fs := rules(LintMessage(Message{Body: tt.body}, Sample(), tt.history), "D4")
		if got := len(fs) > 0; got != tt.want {
			t.Errorf("%s: D4 = %v (%v), want %v", tt.name, got, fs, tt.want)
		}
	}
}

// TestB7AlreadySent: the same text again, laid out otherwise, is an error;
// a different text is not.
func TestB7AlreadySent(t *testing.T) {
	body := "Jerry,\n\nThree new lots in Maple Ridge come on the market in January.\n\nJim"
	tests := []struct {
		name    string
		history []string
		want    int
	}{
		{"first time", nil, 0},
		{"sent before", []string{"Are you free Thursday?", body}, 1},
		{"sent before, other layout and case", []string{"jerry, three new lots in maple ridge   come on the market in january. jim"}, 1},
		{"a different text", []string{strings.Replace(body, "January", "February", 1)}, 0},
	}
	for _, tt := range tests {
		fs := rules(LintMessage(Message{Body: body}, Sample(), tt.history), "B7")
		if len(fs) != tt.want {
			t.Errorf("%s: %v, want %d B7 finding(s)", tt.name, fs, tt.want)
		}
		if len(fs) > 0 && (fs[0].Severity != SeverityError || !HasErrors(fs)) {
			t.Errorf("%s: B7 severity %q, want error", tt.name, fs[0].Severity)
		}
	}
	// Two variants that render the same text do not help B7.
	tpl, err := Parse("t", "Jerry, new lots open in January at Maple Ridge.\n--- variant ---\nJerry,  new lots open in January at Maple Ridge.")
	if err != nil {
		t.Fatal(err)
	}
	if fs := rules(Lint(tpl, Sample()), "B7"); len(fs) != 1 || !strings.Contains(fs[0].Message, "variant 2") {
		t.Errorf("identical variants: %v", fs)
	}
}

// TestVAR: a field the text prints but the person lacks is reported;
// guarded fields are not.
func TestVAR(t *testing.T) {
	noPain := Sample()
	noPain.PainGain, noPain.Person.PainGain = "", ""
	noAppt := Sample()
	noAppt.Appointment = nil
	noAgenda := Sample()
	noAgenda.Appointment.Agenda = []string{" "}
	noMinutes := Sample()
	noMinutes.Appointment.Minutes = 0
	tests := []struct {
		name string
		src  string
		d    Data
		want []string // severity + path of each VAR finding, in order
	}{
		{"pain printed, none recorded", "You were concerned about {{.PainGain}} and the new lots in Maple Ridge.", noPain, []string{"error body .PainGain"}},
		{"pain recorded", "You were concerned about {{.PainGain}} and the new lots in Maple Ridge.", Sample(), nil},
		{"quoted pain", "About {{quote .PainGain}}: new lots in Maple Ridge open in January.", noPain, []string{"error body .PainGain"}},
		{"pain guarded by if", "{{if .PainGain}}About {{.PainGain}}. {{end}}New lots in Maple Ridge open in January.", noPain, nil},
		{"pain guarded by with", "{{with .PainGain}}About {{.}}. {{end}}New lots in Maple Ridge open in January.", noPain, nil},
		{"pain with default", "About {{default \"your plans\" .PainGain}}: new lots in Maple Ridge open in January.", noPain, nil},
		{"pain in the else branch", "{{if .Topic}}New lots in Maple Ridge open in January.{{else}}{{.PainGain}}{{end}}", noPain, nil},
		{"pain under an unknown condition", "{{if eq .Topic \"x\"}}{{.PainGain}}{{end}}New lots in Maple Ridge open in January.", noPain, []string{"warning body .PainGain"}},
		{"via $", "{{with .Appointment}}{{$.PainGain}}{{end}} New lots in Maple Ridge open in January.", noPain, []string{"error body $.PainGain"}},
		{"in the subject", "{{define \"subject\"}}About {{.PainGain}}{{end}}{{define \"body\"}}New lots in Maple Ridge open in January.{{end}}", noPain, []string{"error subject .PainGain"}},
		{"empty agenda listed", "Agenda:{{range .Appointment.Agenda}} {{.}}{{end}}. New lots in Maple Ridge open in January.", noAgenda, []string{"error body .Appointment.Agenda"}},
		{"empty agenda with else", "Agenda:{{range .Appointment.Agenda}} {{.}}{{else}} to be agreed{{end}}. New lots in Maple Ridge open in January.", noAgenda, nil},
		{"zero minutes", "Allow {{.Appointment.Minutes}} minutes to review the new lots in Maple Ridge.", noMinutes, []string{"error body .Appointment.Minutes"}},
		{"absent appointment", "On {{monthDay .Appointment.At}} we review the new lots in Maple Ridge.", noAppt, []string{"error body .Appointment.At", "error does not render"}},
		{"missing key at run time", "{{with index .Values 0}}{{.Nope}}{{end}} New lots in Maple Ridge open in January.", Sample(), []string{"error does not render"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tpl, err := Parse("t", tt.src)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range rules(Lint(tpl, tt.d), "VAR") {
				what := f.Message[strings.Index(f.Message, ": ")+2:]
				if i := strings.Index(what, " is "); i > 0 {
					what = what[:i]
				}
				if i := strings.Index(what, " may "); i > 0 {
					what = what[:i]
				}
				if i := strings.Index(what, ": "); i > 0 {
					what = what[:i]
				}
				got = append(got, string(f.Severity)+" "+what)
			}
			if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("VAR findings %q, want %q", got, tt.want)
			}
		})
	}
	// Lines point into the file.
	tpl, err := Parse("t", "# rule: A6\nNew lots in Maple Ridge open in January.\nYou told me about\n{{.PainGain}}.")
	if err != nil {
		t.Fatal(err)
	}
	if fs := rules(Lint(tpl, noPain), "VAR"); len(fs) != 1 || fs[0].Line != 4 || fs[0].Excerpt != ".PainGain" {
		t.Errorf("findings %v, want one on line 4", fs)
	}
}

// TestBuiltinVAR: the built-ins report what a real prospect lacks.
func TestBuiltinVAR(t *testing.T) {
	d := Sample()
	d.PainGain, d.Person.PainGain = "", ""
	d.Appointment = nil
	tests := map[string]bool{ // built-in → want a VAR error
		"c3-voicemail-3": true,  // the pain/gain is the point of the call
		"d1-opening":     true,  // D1 step 3
		"c1-reminder":    true,  // no appointment to remind of
		"e1-truth":       false, // needs neither
		"d3-request":     false,
	}
	b := Builtin()
	for name, want := range tests {
		if got := HasErrors(rules(Lint(b[name], d), "VAR")); got != want {
			t.Errorf("%s: VAR error = %v, want %v: %v", name, got, want, Lint(b[name], d))
		}
	}
}

func TestUnrenderedText(t *testing.T) {
	fs := rules(LintMessage(Message{Subject: "About <no value>", Body: "Jerry, new lots {{.Topic}} in Maple Ridge open in January."}, Sample(), nil), "VAR")
	if len(fs) != 3 || !HasErrors(fs) {
		t.Errorf("findings %v, want 3 VAR errors", fs)
	}
}

func TestBlundersDocumented(t *testing.T) {
	got := strings.Join(Blunders(), "\n")
	for _, p := range []string{"just checking in", "touching|touch base", "circling back"} {
		if !strings.Contains(got, p) {
			t.Errorf("Blunders() lacks %q", p)
		}
	}
	b := Blunders()
	b[0] = "changed"
	if Blunders()[0] == "changed" {
		t.Error("Blunders() shares its slice")
	}
}

// the names of the people in Data are not content words (D4).
func TestContentWordsSkipNames(t *testing.T) {
	d := Sample()
	d.Person = &nudge.Person{Name: "Jerry Seinfeld"}
	w := contentWords("Jerry Seinfeld, Jim Smith, A-Z Company, Vandelay Industries; lots", d)
	if len(w) != 1 || !w["lots"] {
		t.Errorf("content words %v, want only lots", w)
	}
}
