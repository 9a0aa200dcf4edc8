package followup

import (
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/method"
)

// scripts fills a task's script from the templates of package mail, the
// users' overrides (name → source) in place of the built-ins: one source
// for the words of every script, whether read aloud or sent.
func scripts(overrides map[string]string) method.Scripts {
	all := mail.NewScripts(overrides)
	return func(d method.ScriptData) (string, bool) {
		return all.Script(mail.ScriptInput{Template: d.Template, Person: d.Person, Rep: d.Rep, RepCompany: d.RepCompany,
			LastNote: d.LastNote, Appointment: d.Appointment, Zone: d.Zone, At: d.At, Variant: d.Attempt})
	}
}
