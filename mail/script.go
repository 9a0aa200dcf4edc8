package mail

import (
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/nudgecrm/nudge"
)

// ScriptInput is what the script of a task is filled from: the words a rep
// reads on a call, or the email they send, for one step of a cadence.
type ScriptInput struct {
	Template    string
	Person      nudge.Person
	Rep         nudge.User
	RepCompany  string
	RepPhone    string
	LastNote    nudge.WIN          // A1: the last note, for D1's agenda
	Appointment *nudge.Appointment // the one the step is about, if any
	Zone        *time.Location     // the prospect's
	At          time.Time          // when the touch is due
	Variant     int                // rotates the wording between touches (B7)
	Values      []ValueLine        // F2: the value lines sold, for the value check
}

// parsed holds the built-ins, parsed once: a task's script is rendered on
// every plan, and parsing all of them takes milliseconds.
var parsed = sync.OnceValue(Builtin)

// Script renders a built-in template as a task shows it ("Subject: …" and a
// blank line before an email's body). What nudge does not know yet is left
// as a placeholder for the rep to fill (<your name>). ok is false when there
// is no such template or the record lacks what it needs (a C3 voicemail
// without its appointment).
func Script(in ScriptInput) (string, bool) {
	return (&Scripts{templates: parsed()}).Script(in)
}

// Scripts renders task scripts from the built-ins with the user's
// overrides in their place (issue 4: the words a rep edits are the words
// every task shows). Its templates are parsed once, when it is made.
type Scripts struct {
	templates map[string]*Template
}

// NewScripts returns the scripts of the built-ins replaced by overrides
// (name → source, see Lookup). An override that does not parse is skipped
// and its built-in kept: store.SaveTemplate stores only what parsed, and a
// task with the built-in's words beats a task with none.
func NewScripts(overrides map[string]string) *Scripts {
	all := parsed()
	if len(overrides) == 0 {
		return &Scripts{templates: all}
	}
	all = maps.Clone(all)
	for name := range overrides {
		if t, err := Lookup(name, overrides); err == nil {
			all[name] = t
		}
	}
	return &Scripts{templates: all}
}

// Script renders in's template as Script does, from these templates.
func (s *Scripts) Script(in ScriptInput) (string, bool) {
	t := s.templates[in.Template]
	if t == nil {
		return "", false
	}
	rep := in.Rep
	if rep.Name == "" {
		rep.Name = "<your name>"
	}
	d := Data{Person: &in.Person, Rep: &rep, RepCompany: placeholder(in.RepCompany, "<your company>"),
		RepPhone: placeholder(in.RepPhone, "<your number>"), LastNote: in.LastNote,
		PainGain:    placeholder(firstOf(in.Person.PainGain, in.LastNote.Insights, in.LastNote.What), "<their pain or gain>"),
		Appointment: AppointmentOf(in.Appointment), Zone: in.Zone, Now: in.At, Values: in.Values}
	if len(d.Values) == 0 {
		// F2 scripts name the value lines; before any is recorded the rep
		// fills them in as they fill in their name.
		d.Values = []ValueLine{{Name: "<value line>", Baseline: "<baseline>", Goal: "<goal>"}}
	}
	n := len(t.Variants)
	if n == 0 {
		return "", false
	}
	m, err := t.Render(d, ((in.Variant%n)+n)%n)
	if err != nil {
		return "", false
	}
	if m.Subject != "" {
		return "Subject: " + m.Subject + "\n\n" + m.Body, true
	}
	return m.Body, true
}

func placeholder(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return strings.TrimRight(strings.TrimSpace(s), ".")
		}
	}
	return ""
}
