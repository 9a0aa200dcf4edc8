package mail

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/store"
)

// LintSource is the lint a template's source must pass to be stored as an
// override: Lint with the Sample scene, with D2 blunders raised to errors.
// One message with a routine opener is flagged to its rep (LintMessage); a
// stored template puts the opener in every message of its step, to every
// prospect, so saving refuses it (D2).
func LintSource(t *Template) []Finding {
	fs := Lint(t, Sample())
	for i := range fs {
		if fs[i].Rule == "D2" {
			fs[i].Severity = SeverityError
		}
	}
	return fs
}

// SaveTemplate parses and lints src (LintSource) and stores it as the
// override of the template called name. With lint errors nothing is stored
// and the error (EINVALID, field "source") sums them up; findings holds
// every finding either way, warnings included, for the user to read.
func SaveTemplate(ctx context.Context, db *store.DB, name, src string) (findings []Finding, err error) {
	t, err := Lookup(name, map[string]string{name: src})
	if err != nil {
		return nil, err
	}
	findings = LintSource(t)
	if HasErrors(findings) {
		var errs []string
		for _, f := range findings {
			if f.Severity == SeverityError {
				errs = append(errs, f.String())
			}
		}
		return findings, &nudge.Error{Code: nudge.EINVALID, Field: "source",
			Message: fmt.Sprintf("template %s not saved: %s", name, strings.Join(errs, "; "))}
	}
	parse := func(name, src string) error {
		_, err := Parse(name, src)
		return err
	}
	if err := db.SaveTemplate(ctx, name, src, parse); err != nil {
		return findings, err
	}
	return findings, nil
}

// Scene is what a message to one person is written from: the template data
// with the person's real records, and the messages already sent to them
// (oldest first), for B7 and D4.
type Scene struct {
	Data Data
	Sent []store.Message
}

// SceneOf gathers a person's scene as rep sees it at now: their company,
// the last W.I.N. note (A1), the next scheduled appointment and the
// messages sent, sending or of uncertain fate.
func SceneOf(ctx context.Context, db *store.DB, p *nudge.Person, rep *nudge.User, now time.Time, repCompany string) (Scene, error) {
	d := Data{Person: p, Rep: rep, RepCompany: repCompany, Now: now}
	var err error
	if p.CompanyID != 0 {
		if d.Company, err = db.FindCompanyByID(ctx, p.CompanyID); err != nil {
			return Scene{}, err
		}
	}
	pid := p.ID
	hist, _, err := db.FindInteractions(ctx, nudge.InteractionFilter{PersonID: &pid, Limit: 20})
	if err != nil {
		return Scene{}, err
	}
	for _, i := range hist { // newest first
		if !i.Note.Empty() {
			d.LastNote = i.Note
			break
		}
	}
	apps, err := db.FindAppointments(ctx, store.AppointmentFilter{PersonID: &pid, From: &now})
	if err != nil {
		return Scene{}, err
	}
	for i := range apps {
		if apps[i].State == nudge.AppointmentScheduled {
			d.Appointment = AppointmentOf(&apps[i])
			break
		}
	}
	sent, err := db.FindMessages(ctx, store.MessageFilter{PersonID: &pid,
		States: []store.MessageState{store.MessageSent, store.MessageSending, store.MessageUncertain}})
	if err != nil {
		return Scene{}, err
	}
	if n := len(sent); n > 0 {
		d.PreviousSubject = sent[n-1].Subject
	}
	return Scene{Data: d, Sent: sent}, nil
}

// History returns the bodies of the messages sent, oldest first, for
// LintMessage.
func (s Scene) History() []string {
	out := make([]string, len(s.Sent))
	for i := range s.Sent {
		out[i] = s.Sent[i].Body
	}
	return out
}

// BuiltinSource returns the source of the built-in template called name,
// as shipped (what an override replaces and a reset goes back to).
func BuiltinSource(name string) (string, bool) {
	if builtin(name) == nil {
		return "", false
	}
	src, err := builtinFS.ReadFile("templates/" + name + ".tmpl")
	return string(src), err == nil
}
