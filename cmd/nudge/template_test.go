package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudgecrm/nudge/mail"
)

// The words of a template from the command line: an edit with a D2 opener
// is refused naming the rule and nothing changes; a good edit is what
// today's script and the preview with the person's real data show; reset
// goes back to the built-in.
func TestTemplateEdit(t *testing.T) {
	const blunder = "{{define \"subject\"}}Maple Ridge{{end}}\n{{define \"body\"}}{{first .Person.Name}}, just checking in about the lot survey and its price.{{end}}\n"
	const good = "# rule: B1\n{{define \"subject\"}}{{first .Person.Name}}, the Maple Ridge survey{{end}}\n{{define \"body\"}}{{first .Person.Name}}, the survey of the Maple Ridge lot arrived: the north corner drains well, about {{.PainGain}}.{{end}}\n"
	builtin, ok := mail.BuiltinSource("b1-follow-up")
	if !ok {
		t.Fatal("no built-in b1-follow-up")
	}
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad, fine := write("bad.tmpl", blunder), write("good.tmpl", good)
	eachBackend(t, func(t *testing.T, c *cli) {
		c.env["NUDGE_TZ"] = "America/New_York"
		c.ok("contact", "add", "--name", "Jerry Seinfeld", "--email", "jerry@nbc.com", "--tz", "America/New_York",
			"--country", "US", "--status", "prospect", "--pain-gain", "current home price and lot availability")
		errs := c.fail("template", "edit", "b1-follow-up", "--file", bad)
		if !strings.Contains(errs, "error D2") || !strings.Contains(errs, "just checking in") || !strings.Contains(errs, "not saved") {
			t.Errorf("blunder edit: stderr %q; want the D2 finding and the refusal", errs)
		}
		if got := c.ok("template", "show", "b1-follow-up"); got != builtin {
			t.Fatalf("after a refused edit, show = %q; want the built-in", got)
		}
		c.ok("template", "edit", "b1-follow-up", "--file", fine)
		c.ok("today") // plans the B1 touch, in the saved words
		if got := c.ok("template", "show", "b1-follow-up"); got != good {
			t.Errorf("show after edit = %q", got)
		}
		if out := c.ok("template", "list"); !strings.Contains(out, "overridden") || !strings.Contains(out, "c1-reminder") {
			t.Errorf("list = %q; want b1-follow-up overridden among the built-ins", out)
		}
		out := c.ok("template", "preview", "b1-follow-up", "jerry@nbc.com")
		for _, want := range []string{"Subject: Jerry, the Maple Ridge survey", "north corner drains well, about current home price", "lint"} {
			if !strings.Contains(out, want) {
				t.Errorf("preview lacks %q:\n%s", want, out)
			}
		}
		c.fail("template", "preview", "b1-follow-up", "jerry@nbc.com", "--variant", "2")
		// Three days later the B1 touch is due, in the saved words.
		c.env["NUDGE_NOW"] = "2026-12-03T22:00:00Z"
		var tasks []map[string]any
		c.json(&tasks, "today", "--json")
		if len(tasks) != 1 || !strings.Contains(tasks[0]["script"].(string), "north corner drains well") {
			t.Fatalf("today = %v; want the B1 task with the saved words", tasks)
		}
		c.ok("template", "reset", "b1-follow-up")
		if got := c.ok("template", "show", "b1-follow-up"); got != builtin {
			t.Errorf("after reset, show = %q; want the built-in", got)
		}
		if out := c.ok("template", "list"); strings.Contains(out, "overridden") {
			t.Errorf("list after reset = %q", out)
		}
		if errs := c.fail("template", "reset", "b1-follow-up"); !strings.Contains(errs, "built-in already") {
			t.Errorf("second reset: %q", errs)
		}
		c.fail("template", "show", "no-such-template")
	})
}
