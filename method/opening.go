package method

import (
	"fmt"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// ScriptData is what a script template is filled from (package mail holds
// the words; the engine decides which are read when).
type ScriptData struct {
	Template    string
	Person      nudge.Person
	Rep         nudge.User
	RepCompany  string
	LastNote    nudge.WIN             // A1: the last W.I.N. note, for D1's agenda
	Appointment *nudge.Appointment    // the step's appointment, else the next one
	Zone        *time.Location        // the prospect's
	At          time.Time             // when the touch is due
	Attempt     int                   // rotates the wording (B7)
	Values      []nudge.ValueProgress // F2: the value lines sold, against their goals
}

// Scripts renders the words of a named script template; ok is false when
// there is none or the record lacks what it needs. The caller injects it
// (followup uses package mail), so the engine stays free of templates.
type Scripts func(d ScriptData) (text string, ok bool)

// script composes what a task shows the rep. A call opens with D1 (full
// name, company, the pain or gain from last time, "Has anything changed?",
// the agenda) and says whether to leave a voicemail if nobody answers (B6:
// an unannounced repeat call leaves none); other touches show their
// template's words.
func (pl *planner) script(template string, t *nudge.Task, e nudge.Enrollment) string {
	d := ScriptData{Person: pl.in.Person, Rep: pl.in.Rep, RepCompany: pl.in.RepCompany, LastNote: pl.lastNote,
		Zone: pl.ploc, At: t.Due, Attempt: t.Attempt, Values: pl.in.Values}
	if d.Appointment = pl.appointment(e); d.Appointment == nil || strings.HasPrefix(template, "c4-") {
		d.Appointment = pl.nextAppointment(t.Due) // C4's card names the next appointment
	}
	if callLike(t.Channel) {
		d.Attempt = 0 // words read aloud stay as the method wrote them (C3 "exactly"); written ones rotate (B7)
	}
	words := func(name string) string {
		if pl.in.Scripts == nil || name == "" {
			return ""
		}
		d.Template = name
		s, _ := pl.in.Scripts(d)
		return s
	}
	if !callLike(t.Channel) {
		return words(template)
	}
	opening := words("d1-opening")
	say, voicemail := opening, ""
	switch {
	case strings.Contains(template, "voicemail"):
		voicemail = words(template) // C3's scripts, B5's voicemail
	case template == "b4-disqualify":
		say = joinParas(opening, fmt.Sprintf("B4: %d contacts without a step forward from them. Ask plainly whether they would like you to stop following up.", e.SinceProgress))
	case template == "e2-resume":
		say = joinParas(opening, "E2: they asked you to call back about now.")
	case template == "e4-manager":
		say = fmt.Sprintf("Manager: call %s's boss (A7 buying group), introduce yourself and ask who should own this; the rep can still save face (E4).", pl.in.Person.Name)
	case strings.HasPrefix(template, "f2-"):
		// The value check: words read aloud name the lines themselves
		// (f2-review); an email's words (f2-measure) are not read aloud, so
		// the call opens with D1 and the lines to measure follow.
		if w := words(template); w != "" && !strings.HasPrefix(w, "Subject:") {
			say = w
		} else {
			say = joinParas(opening, valueAgenda(pl.in.Values, pl.ploc))
		}
	case template != "d1-opening":
		// E1's truth call, E4's go-around… A written message (a step on the
		// prospect's preferred channel that turned out to be a call) is not
		// read aloud: the call opens with D1.
		if w := words(template); w != "" && !strings.HasPrefix(w, "Subject:") {
			say = w
		}
	}
	switch {
	case !t.Voicemail:
		return joinParas(say, "If not reached, leave no voicemail (B6: an unannounced attempt).")
	case voicemail != "":
		return joinParas(say, "If not reached, leave this voicemail: "+voicemail)
	default:
		return joinParas(say, "If not reached, leave a short voicemail that brings something new (D4).")
	}
}

// valueAgenda lists the value lines a value-check call measures (F2): each
// line's baseline, the goal agreed and its date, and the latest figure.
func valueAgenda(values []nudge.ValueProgress, loc *time.Location) string {
	if len(values) == 0 {
		return "F2: no value lines recorded yet: agree with them what the purchase should change, its baseline and the goal."
	}
	s := "F2: measure with them where each goal agreed stands:"
	for _, v := range values {
		s += "\n- " + v.Describe(loc)
	}
	return s
}

func joinParas(a, b string) string {
	if a == "" {
		return b
	}
	return a + "\n\n" + b
}
