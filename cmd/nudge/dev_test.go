package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/nudgecrm/nudge"
)

func TestDevSeed(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *cli) {
		out := c.ok("dev", "seed", "--people", "60", "--interactions", "300", "--reps", "3", "--seed", "9", "--plan")
		if !strings.Contains(out, "seeded 3 reps") || !strings.Contains(out, "60 people, 300 interactions") {
			t.Fatalf("seed output: %q", out)
		}
		var people []nudge.Person
		c.json(&people, "contact", "list", "--json")
		if len(people) != 60 {
			t.Fatalf("%d people, want 60", len(people))
		}
		dnc := 0
		for _, p := range people {
			if p.DoNotContact {
				dnc++
			}
		}
		// --plan ran the scheduler on everyone who may be contacted (G1).
		if !strings.Contains(out, "planned "+strconv.Itoa(60-dnc)+" people") {
			t.Errorf("plan output: %q", out)
		}
		// A year on, every open task is due: one per contactable person.
		now := c.env["NUDGE_NOW"]
		c.env["NUDGE_NOW"] = "2027-11-30T14:00:00Z"
		var tasks []nudge.TaskView
		c.json(&tasks, "today", "--json")
		c.env["NUDGE_NOW"] = now
		if len(tasks) != 60-dnc {
			t.Errorf("%d open tasks, want one for each of %d contactable people", len(tasks), 60-dnc)
		}
		// The same seed again conflicts on the emails: nothing is half-loaded.
		errs := c.fail("dev", "seed", "--people", "60", "--interactions", "300", "--reps", "3", "--seed", "9", "--batch", "100")
		if errs == "" {
			t.Errorf("second seed: no error")
		}
		c.json(&people, "contact", "list", "--json")
		if len(people) != 60 {
			t.Errorf("after the failed seed: %d people", len(people))
		}
		c.fail("dev", "seed", "--plan", "--tasks")
	})
}
