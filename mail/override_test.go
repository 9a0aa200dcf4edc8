package mail_test

import (
	"strings"
	"testing"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/mail"
)

// A template the user saved is what the outbox sends and what task scripts
// show; a source with a D2 blunder is refused at save time and not stored.
func TestSavedTemplateInForce(t *testing.T) {
	const good = `{{define "subject"}}{{first .Person.Name}}, the Maple Ridge survey{{end}}
{{define "body"}}{{first .Person.Name}}, the survey of the Maple Ridge lot arrived today: the north corner drains well and the easement is narrower than the plan showed.{{end}}`
	const blunder = `{{define "subject"}}Hello{{end}}
{{define "body"}}{{first .Person.Name}}, just checking in about the lot and the survey and the price.{{end}}`
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := setup(t, b, mail.OutboxOptions{AnyHour: true})
			fs, err := mail.SaveTemplate(f.ctx, f.db, "b1-follow-up", blunder)
			if nudge.ErrorCode(err) != nudge.EINVALID || !strings.Contains(nudge.ErrorMessage(err), "D2") {
				t.Fatalf("blunder saved: %v; want EINVALID naming D2", err)
			}
			if !mail.HasErrors(fs) {
				t.Errorf("findings %v: want a D2 error", fs)
			}
			if got, _ := f.db.FindTemplates(f.ctx); len(got) != 0 {
				t.Fatalf("refused source stored: %v", got)
			}
			if _, err := mail.SaveTemplate(f.ctx, f.db, "b1-follow-up", good); err != nil {
				t.Fatal(err)
			}
			over, err := f.db.FindTemplates(f.ctx)
			if err != nil {
				t.Fatal(err)
			}
			script, ok := mail.NewScripts(over).Script(mail.ScriptInput{Template: "b1-follow-up",
				Person: nudge.Person{Name: "Jerry Seinfeld"}})
			if !ok || !strings.Contains(script, "north corner drains well") {
				t.Errorf("script = %q, %v; want the saved words", script, ok)
			}
			if builtin, _ := mail.Script(mail.ScriptInput{Template: "b1-follow-up", Person: nudge.Person{Name: "Jerry Seinfeld"}}); strings.Contains(builtin, "north corner") {
				t.Errorf("mail.Script took the override: %q", builtin)
			}
			p := f.person(t, "jerry@vandelay.example")
			f.emailTask(t, p.ID, "b1-follow-up")
			if st, err := f.out.RunOnce(f.ctx); err != nil || st.Sent != 1 {
				t.Fatalf("stats %+v, %v; want one sent", st, err)
			}
			if got := parse(t, f.sink.Received()[0]); !strings.Contains(got.body, "north corner drains well") {
				t.Errorf("sent body lacks the saved words:\n%s", got.body)
			}
		})
	}
}
