package method

import (
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/mail"
)

// The helpers drive the engine the way a caller does (Enrol → Plan → touch →
// Advance → Plan), so a table test reads like METHOD.md.

func library(t testing.TB) Library {
	t.Helper()
	lib, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func instant(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// jerry is the prospect of the seed articles, in New York.
func jerry() nudge.Person {
	return nudge.Person{ID: 7, Name: "Jerry Seinfeld", TimeZone: "America/New_York", Country: "US",
		Status: nudge.StatusProspect, PainGain: "the value of your current home"}
}

// jim is the rep of the seed articles, in New York, working 8:00–18:00.
func jim() nudge.User {
	return nudge.User{ID: 1, Name: "Jim Smith", TimeZone: "America/New_York", WorkStart: 8 * 60, WorkEnd: 18 * 60}
}

type walker struct {
	t   *testing.T
	lib Library
	in  Input
	ens []nudge.Enrollment
}

func newWalker(t *testing.T, now string, p nudge.Person, rep nudge.User) *walker {
	return &walker{t: t, lib: library(t), in: Input{Now: instant(t, now), Person: p, Rep: rep, RepCountry: "US", RepCompany: "A-Z Company", Scripts: mailScripts}}
}

// mailScripts fills scripts from the built-in templates, as followup does.
func mailScripts(d ScriptData) (string, bool) {
	return mail.Script(mail.ScriptInput{Template: d.Template, Person: d.Person, Rep: d.Rep, RepCompany: d.RepCompany,
		LastNote: d.LastNote, Appointment: d.Appointment, Zone: d.Zone, At: d.At, Variant: d.Attempt})
}

// enrol applies the auto-enrolment rules and starts the suggested cadence.
func (w *walker) enrol() Suggestion {
	w.t.Helper()
	sg, ok := Enrol(Situation{Now: w.in.Now, Person: w.in.Person, Enrollments: w.ens, History: w.in.History,
		Appointments: w.in.Appointments, Library: w.lib, Policy: w.in.Policy})
	if !ok {
		w.t.Fatalf("Enrol proposed nothing at %s", w.in.Now)
	}
	e := sg.Enrollment(w.in.Person.ID, w.in.Rep.ID)
	e.ID = int64(len(w.ens) + 1)
	w.ens = append(w.ens, e)
	return sg
}

// plan plans the open enrollment; a finished one is followed by Enrol.
func (w *walker) plan() Decision {
	w.t.Helper()
	for range 3 {
		i := len(w.ens) - 1
		w.in.Cadence = w.lib[w.ens[i].Cadence]
		w.in.Enrollment = w.ens[i]
		d, err := Plan(w.in)
		if err != nil {
			w.t.Fatal(err)
		}
		w.ens[i] = d.Enrollment
		if d.Kind != KindDone {
			return d
		}
		w.enrol()
	}
	w.t.Fatal("no cadence produced a task")
	return Decision{}
}

// record does the task at its due instant with the given outcome.
func (w *walker) record(task *nudge.Task, o nudge.Outcome) {
	w.t.Helper()
	w.in.History = append(w.in.History, nudge.Interaction{PersonID: w.in.Person.ID, Channel: task.Channel,
		Direction: nudge.Outbound, Outcome: o, At: task.Due})
	i := len(w.ens) - 1
	e, err := Advance(w.lib[w.ens[i].Cadence], w.ens[i], o, task.Due)
	if err != nil {
		w.t.Fatal(err)
	}
	w.ens[i] = e
	w.in.Now = task.Due
}

// expect is one line of a rule table: the task the engine must propose, and
// what came of it.
type expect struct {
	due     string // RFC 3339 with the offset of the prospect's zone
	rule    string
	channel nudge.Channel
	step    string
	guard   string        // a substring the task's Guard must hold; "" = no check
	then    nudge.Outcome // what the touch brought
}

func (w *walker) walk(lines []expect) {
	w.t.Helper()
	loc := w.in.Person.Zone(time.UTC)
	for i, x := range lines {
		d := w.plan()
		if d.Kind != KindTask {
			w.t.Fatalf("line %d: want a task due %s, got %s (%s)", i+1, x.due, d.Kind, d.Reason)
		}
		task := d.Task
		got := task.Due.In(loc).Format(time.RFC3339)
		if got != x.due || task.Rule != x.rule || (x.channel != "" && task.Channel != x.channel) || (x.step != "" && task.StepID != x.step) {
			w.t.Fatalf("line %d: got %s %s %s step %q (%s; guard %q), want %s %s %s step %q",
				i+1, got, task.Rule, task.Channel, task.StepID, task.Reason, task.Guard, x.due, x.rule, x.channel, x.step)
		}
		if x.guard != "" && !strings.Contains(task.Guard, x.guard) {
			w.t.Errorf("line %d: guard %q, want it to say %q", i+1, task.Guard, x.guard)
		}
		if task.Reason == "" || task.Rule == "" {
			w.t.Errorf("line %d: a task must say why (rule %q, reason %q)", i+1, task.Rule, task.Reason)
		}
		w.record(task, x.then)
	}
}
