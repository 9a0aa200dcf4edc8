package followup

import (
	"github.com/nudgecrm/nudge"
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
			LastNote: d.LastNote, Appointment: d.Appointment, Zone: d.Zone, At: d.At, Variant: d.Attempt,
			Values: valueLines(d.Values)})
	}
}

// valueLines puts a customer's value lines in the words of the F2 scripts:
// each figure with its unit, and the latest measurement once there is one
// after the baseline.
func valueLines(ps []nudge.ValueProgress) []mail.ValueLine {
	if len(ps) == 0 {
		return nil
	}
	out := make([]mail.ValueLine, len(ps))
	for i, p := range ps {
		figure := func(v float64) string {
			if p.Line.Unit == "" {
				return nudge.FormatValue(v)
			}
			return nudge.FormatValue(v) + " " + p.Line.Unit
		}
		out[i] = mail.ValueLine{Name: p.Line.Name, Baseline: figure(p.Line.Baseline), Goal: figure(p.Line.Goal)}
		if len(p.Points) > 1 { // the baseline is the first point
			out[i].Measured = figure(p.Latest)
		}
	}
	return out
}
