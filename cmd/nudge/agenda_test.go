package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
)

// The agenda from the command line: a new prospect's first touch comes 3
// days later (B1); an appointment runs C1 → C2 → C3 at their minutes; the
// JSON keeps the fields scripts rely on.
func TestTodayDoneFlow(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *cli) {
		c.env["NUDGE_TZ"] = "America/New_York"
		c.ok("contact", "add", "--name", "Jerry Seinfeld", "--email", "jerry@nbc.com", "--tz", "America/New_York",
			"--country", "US", "--status", "prospect", "--pain-gain", "current home price and lot availability")
		if out := c.ok("today"); !strings.Contains(out, "Nothing due") {
			t.Fatalf("today on day 0: %q", out)
		}
		// Three days later (Thursday 2026-12-03) the B1 touch is due.
		c.env["NUDGE_NOW"] = "2026-12-03T22:00:00Z"
		var tasks []map[string]any
		c.json(&tasks, "today", "--json")
		if len(tasks) != 1 {
			t.Fatalf("today = %v, want 1 task", tasks)
		}
		task := tasks[0]
		for _, k := range []string{"id", "person_id", "person", "channel", "due", "rule", "reason", "script"} {
			if _, ok := task[k]; !ok {
				t.Errorf("task JSON lacks %q: %v", k, task)
			}
		}
		if task["rule"] != "B1" || task["person"] != "Jerry Seinfeld" || !strings.HasSuffix(task["due"].(string), "-05:00") {
			t.Errorf("task = %v; want rule B1, person Jerry, due in New York time", task)
		}
		id := strconv.FormatInt(int64(task["id"].(float64)), 10)
		c.ok("done", id, "--outcome", "no-answer")
		c.fail("done", id, "--outcome", "no-answer") // not open any more

		// An appointment read in the person's zone schedules C1–C3.
		c.ok("appointment", "add", "jerry@nbc.com", "--at", "2026-12-08 09:00", "--agenda", "lot availability; pricing")
		c.env["NUDGE_NOW"] = "2026-12-08T14:00:00Z"
		c.json(&tasks, "today", "--json")
		var call map[string]any
		for _, tk := range tasks {
			if tk["rule"] == "C2" {
				call = tk
			}
		}
		if call == nil || call["due"] != "2026-12-08T09:00:00-05:00" {
			t.Fatalf("today at the appointment: %v; want the C2 call at 09:00", tasks)
		}
		out := c.ok("done", strconv.FormatInt(int64(call["id"].(float64)), 10), "--outcome", "voicemail")
		if !strings.Contains(out, "C3") {
			t.Errorf("after a voicemail at t0: %q; want the C3 retry next", out)
		}
		c.env["NUDGE_NOW"] = "2026-12-08T14:10:00Z"
		c.json(&tasks, "today", "--json")
		found := false
		for _, tk := range tasks {
			found = found || (tk["rule"] == "C3" && tk["due"] == "2026-12-08T09:10:00-05:00")
		}
		if !found {
			t.Errorf("no C3 call at 09:10 exactly: %v", tasks)
		}
		// Text output names the rule and the D1 opening.
		if out := c.ok("today"); !strings.Contains(out, "C3") || !strings.Contains(out, "Jerry") {
			t.Errorf("today text: %q", out)
		}
	})
}

func TestCadenceCommands(t *testing.T) {
	c := &cli{t: t, env: map[string]string{"NUDGE_DB": filepath.Join(t.TempDir(), "n.db")}}
	out := c.ok("cadence", "list")
	for _, name := range []string{"3-2-4", "patient", "six-touch", "appointment", "silent", "breakup", "drip", "value-check"} {
		if !strings.Contains(out, name) {
			t.Errorf("cadence list lacks %s:\n%s", name, out)
		}
	}
	if out := c.ok("cadence", "show", "appointment"); !strings.Contains(out, "C3") || !strings.Contains(out, "C1") {
		t.Errorf("show appointment:\n%s", out)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"name":"mine","steps":[{"id":"a","rule":"B1","channel":"email","delay":{"amount":2,"unit":"weeks","from":"previous"},"reason":"x"}]}`), 0o600)
	code, out, _ := c.run("cadence", "validate", bad)
	if code == 0 || !strings.Contains(out, "delay.unit") || !strings.Contains(out, "weeks") {
		t.Errorf("validate bad: exit %d, %q; want the field and value named", code, out)
	}
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"name":"mine","rule":"B2","steps":[{"id":"a","rule":"B2","channel":"call","delay":{"amount":4,"unit":"business-days","from":"previous"},"reason":"call every 4 business days"}]}`), 0o600)
	c.ok("cadence", "import", good)
	if out := c.ok("cadence", "list"); !strings.Contains(out, "mine") {
		t.Errorf("imported cadence not listed:\n%s", out)
	}
	c.ok("contact", "add", "--name", "A", "--email", "a@b.com")
	c.ok("enroll", "a@b.com", "--cadence", "mine")
	c.fail("enroll", "a@b.com", "--cadence", "nope")
}

func TestSimulateCommand(t *testing.T) {
	c := &cli{t: t, env: map[string]string{}}
	var res struct {
		Prospects int `json:"prospects"`
		Touches   int `json:"touches"`
	}
	c.json(&res, "simulate", "--prospects", "200", "--days", "60", "--json")
	if res.Prospects != 200 || res.Touches < 200*6/2 {
		t.Errorf("simulate = %+v", res)
	}
}

func TestSnoozeSkipRun(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *cli) {
		c.ok("contact", "add", "--name", "Elaine", "--email", "e@x.com", "--tz", "Europe/London", "--country", "GB")
		if out := c.ok("run", "--once"); !strings.Contains(out, "planned 1") {
			t.Errorf("run --once: %q", out)
		}
		c.env["NUDGE_NOW"] = time.Date(2026, 12, 10, 12, 0, 0, 0, time.UTC).Format(time.RFC3339)
		var tasks []nudge.TaskView
		c.json(&tasks, "today", "--json")
		if len(tasks) != 1 {
			t.Fatalf("today = %+v", tasks)
		}
		id := strconv.FormatInt(tasks[0].ID, 10)
		c.fail("skip", id) // a reason is required
		c.ok("snooze", id, "--until", "14d")
		c.json(&tasks, "today", "--json")
		if len(tasks) != 0 {
			t.Errorf("after snooze, today = %+v", tasks)
		}
		// Paused by hand: nothing proposed, even when the snooze ends; resumed: back.
		c.ok("pause", "e@x.com")
		c.env["NUDGE_NOW"] = time.Date(2027, 1, 15, 12, 0, 0, 0, time.UTC).Format(time.RFC3339)
		c.json(&tasks, "today", "--json")
		if len(tasks) != 0 {
			t.Errorf("while paused, today = %+v", tasks)
		}
		c.ok("resume", "e@x.com")
		c.json(&tasks, "today", "--json")
		if len(tasks) == 0 {
			t.Errorf("after resume, nothing due")
		}
	})
}
