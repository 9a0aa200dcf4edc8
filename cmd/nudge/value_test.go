package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
)

func TestValueCommands(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *cli) {
		c.ok("contact", "add", "--name", "Jerry Seinfeld", "--email", "jerry@example.com", "--tz", "America/New_York", "--country", "US", "--status", "customer")
		c.ok("contact", "add", "--name", "Pat Prospect", "--email", "pat@example.com", "--status", "prospect")
		out := c.ok("value", "add", "jerry@example.com", "--line", "labour cost", "--unit", "USD/month", "--lower-is-better",
			"--baseline", "4,200", "--baseline-at", "2026-11-02", "--goal", "3000", "--by", "2027-06-30")
		if !strings.Contains(out, `added value line "labour cost" for Jerry Seinfeld: lower is better, goal 3000 USD/month by 30 Jun 2027 (F2)`) ||
			!strings.Contains(out, "enrolled in value-check") {
			t.Errorf("add:\n%s", out)
		}
		// Bad input names the flag and stores nothing.
		if errs := c.fail("value", "add", "jerry@example.com", "--line", "orders", "--baseline", "40", "--goal", "30", "--by", "2027-06-30"); !strings.Contains(errs, "--goal: higher is better for \"orders\", so the goal (30) must be above the baseline (40)") {
			t.Errorf("goal on the wrong side: %s", errs)
		}
		if errs := c.fail("value", "add", "jerry@example.com", "--line", "orders", "--baseline", "forty", "--goal", "60", "--by", "2027-06-30"); !strings.Contains(errs, `--baseline: "forty" is not a number`) {
			t.Errorf("not a number: %s", errs)
		}
		if errs := c.fail("value", "add", "pat@example.com", "--line", "orders", "--baseline", "40", "--goal", "60", "--by", "2027-06-30"); !strings.Contains(errs, "Pat Prospect is a prospect: value lines are for customers") {
			t.Errorf("a prospect: %s", errs)
		}
		out = c.ok("value", "measure", "jerry@example.com", "Labour Cost", "3400", "--at", "2026-11-20", "--note", "two shifts merged")
		if !strings.Contains(out, "labour cost: 3400 USD/month on 20 Nov 2026 — 66.7% of the way from 4200 to 3000: on track") {
			t.Errorf("measure:\n%s", out)
		}
		out = c.ok("value", "measure", "jerry@example.com", "labour cost", "2900")
		if !strings.Contains(out, "108.3% of the way from 4200 to 3000: met") || !strings.Contains(out, "F2: goal met — labour cost at 2900 USD/month") {
			t.Errorf("measure, met:\n%s", out)
		}
		if errs := c.fail("value", "measure", "jerry@example.com", "headcount", "3"); !strings.Contains(errs, `Jerry Seinfeld has no value line "headcount" (lines: "labour cost")`) {
			t.Errorf("unknown line: %s", errs)
		}

		png := filepath.Join(t.TempDir(), "jerry.png")
		var r followup.ValueReport
		c.json(&r, "value", "show", "jerry@example.com", "--json", "--png", png)
		if len(r.Lines) != 1 || r.Lines[0].Progress != 108.3 || r.Lines[0].Status != nudge.ValueMet || len(r.Lines[0].Points) != 3 ||
			r.Lines[0].Points[1].Progress != 66.7 || r.NextCheck == nil || len(r.Proposals) != 1 || r.Proposals[0].Rule != "F2" {
			t.Errorf("show --json: %+v", r)
		}
		if b, err := os.ReadFile(png); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) {
			t.Errorf("--png: %v, %d bytes", err, len(b))
		}
		out = c.ok("value", "show", "jerry@example.com")
		for _, s := range []string{"labour cost (lower is better)", "66.7%", "goal 3000 USD/month by 30 Jun 2027 — now 108.3% of the way: met", "next re-measurement: call Wed 30 Dec 2026", "proposed #"} {
			if !strings.Contains(out, s) {
				t.Errorf("show lacks %q:\n%s", s, out)
			}
		}
		// The proposal is on Today the next business day, with its rule.
		c.env["NUDGE_NOW"] = "2026-12-01T15:00:00Z"
		if out := c.ok("today"); !strings.Contains(out, "F2: goal met — labour cost") || !strings.Contains(out, "Jerry Seinfeld") {
			t.Errorf("today:\n%s", out)
		}
	})
}

func TestCleanCommand(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *cli) {
		c.ok("contact", "add", "--name", "Ann Analyst", "--email", "ann@example.com", "--title", "Analyst", "--status", "prospect")
		c.ok("contact", "add", "--name", "Cleo Chief", "--email", "cleo@example.com", "--company", "Acme", "--title", "CEO", "--status", "prospect")
		c.ok("contact", "add", "--name", "Cass Customer", "--email", "cass@example.com", "--status", "customer")
		var list []nudge.Upside
		c.json(&list, "clean", "--json")
		if len(list) != 2 || list[0].Person != "Ann Analyst" || list[0].Score != 10 || list[0].Fit != 10 || list[0].Action != nudge.CleanDrop ||
			list[1].Person != "Cleo Chief" || list[1].Score != 30 || list[1].Action != nudge.CleanDrip {
			t.Fatalf("clean --json: %+v", list)
		}
		out := c.ok("clean", "--limit", "1")
		if !strings.Contains(out, "Ann Analyst") || strings.Contains(out, "Cleo") || !strings.Contains(out, "not a fit (no company, not a decision-maker)") {
			t.Errorf("clean --limit 1:\n%s", out)
		}
		if errs := c.fail("clean", "--apply", "delete", "ann@example.com"); !strings.Contains(errs, `--apply: unknown action "delete"`) {
			t.Errorf("bad action: %s", errs)
		}
		if errs := c.fail("clean", "--apply", "drop", "ann@example.com", "nobody@example.com"); !strings.Contains(errs, "nobody@example.com") {
			t.Errorf("unknown person: %s", errs)
		}
		if out := c.ok("clean", "--apply", "drop", "ann@example.com"); !strings.Contains(out, "dropped 1 of 1: disqualified, on the monthly drip (F1)") {
			t.Errorf("apply drop: %s", out)
		}
		if out := c.ok("clean", "--apply", "drip", "cleo@example.com"); !strings.Contains(out, "moved 1 of 1 to the monthly drip (F1)") {
			t.Errorf("apply drip: %s", out)
		}
		c.json(&list, "clean", "--json")
		if len(list) != 0 {
			t.Errorf("after cleaning: %+v", list)
		}
		var p nudge.Person
		c.json(&p, "contact", "show", "ann@example.com", "--json")
		if p.Status != nudge.StatusDisqualified {
			t.Errorf("dropped: status %s", p.Status)
		}
	})
}
