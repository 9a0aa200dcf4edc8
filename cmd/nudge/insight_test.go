package main

import (
	"strings"
	"testing"
)

// G4, E6 and E7 from the command line: the phase and why, a reason
// recorded and its technique on Today, the quiet prospects near a visit in
// Newport Beach and one accepted.
func TestInsightCommands(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *cli) {
		c.env["NUDGE_NOW"] = "2026-11-30T17:00:00Z" // Monday 09:00 in Los Angeles
		c.env["NUDGE_TZ"] = "America/Los_Angeles"
		c.ok("user", "add", "--email", "a@us.example", "--name", "Sam Rep", "--tz", "America/Los_Angeles")
		c.ok("user", "add", "--email", "c@us.example", "--name", "Cy Rep", "--tz", "America/Los_Angeles")
		add := func(name, email, latlon, owner string) {
			c.ok("contact", "add", "--name", name, "--email", email, "--tz", "America/Los_Angeles", "--country", "US",
				"--status", "prospect", "--latlon", latlon, "--owner", owner, "--pain-gain", "month-end close takes 9 days")
		}
		add("Host Newport", "host@acme.example", "33.6189,-117.9298", "a@us.example")
		add("Irvine Quiet", "irv@prospect.example", "33.6846,-117.8265", "a@us.example")
		add("Long Beach", "lb@prospect.example", "33.7701,-118.1937", "a@us.example")
		add("Irvine Of C", "irvc@prospect.example", "33.6846,-117.8265", "c@us.example")
		for _, e := range []string{"irv@prospect.example", "lb@prospect.example", "irvc@prospect.example"} {
			c.ok("log", e, "--channel", "email", "--outcome", "sent", "--at", "2026-10-31 10:00")
		}

		// G4.
		out := c.ok("carr", "irvc@prospect.example")
		if want := "Irvine Of C: Curiosity (G4)\n  1 unanswered touch since Sat 31 Oct 2026, fewer than 3 within 14 days\n  They are finding out who you are"; !strings.HasPrefix(out, want) {
			t.Errorf("carr:\n%s\nwant it to start\n%s", out, want)
		}
		for _, at := range []string{"2026-11-25 10:00", "2026-11-27 10:00"} {
			c.ok("log", "irvc@prospect.example", "--channel", "call", "--outcome", "no-answer", "--at", at)
		}
		var v struct {
			Phase      string `json:"phase"`
			Why        string `json:"why"`
			Unanswered int    `json:"unanswered"`
		}
		c.json(&v, "carr", "irvc@prospect.example", "--json")
		if v.Phase != "curiosity" || v.Unanswered != 3 {
			t.Errorf("after 3 touches over a month: %+v, want curiosity (only 2 within 14 days)", v)
		}
		c.ok("log", "irvc@prospect.example", "--channel", "email", "--outcome", "sent", "--at", "2026-11-30 08:30")
		c.json(&v, "carr", "irvc@prospect.example", "--json")
		if v.Phase != "annoyance" || v.Why != "3 unanswered touches within 14 days (Wed 25 Nov 2026 to Mon 30 Nov 2026)" {
			t.Errorf("after a third touch in 14 days: %+v, want annoyance", v)
		}
		if out := c.ok("carr", "--refresh", "--all"); out != "G4: computed the CARR phase of 4 people\n" {
			t.Errorf("carr --refresh --all: %q", out)
		}
		if errs := c.fail("carr"); !strings.Contains(errs, "name a PERSON") {
			t.Errorf("carr without a person: %q", errs)
		}

		// E6.
		out = c.ok("reason", "lb@prospect.example", "too busy", "--note", "year-end close")
		for _, want := range []string{"Long Beach, E6: too busy → ask for 15 minutes and offer two times (A3)\n", "  note: year-end close\n", "  next step: #", " email Mon 30 Nov 09:00 -08:00 (E6, see nudge today)"} {
			if !strings.Contains(out, want) {
				t.Errorf("reason: %q lacks %q", out, want)
			}
		}
		var tasks []map[string]any
		c.json(&tasks, "today", "--rep", "a@us.example", "--json")
		found := false
		for _, tk := range tasks {
			found = found || (tk["person"] == "Long Beach" && tk["rule"] == "E6" && tk["cadence"] == "e6-too-busy")
		}
		if !found {
			t.Errorf("today lacks Long Beach's E6 technique: %v", tasks)
		}
		if out := c.ok("reason", "lb@prospect.example"); !strings.Contains(out, "too busy") || !strings.Contains(out, "year-end close") {
			t.Errorf("reason shown: %q", out)
		}
		if errs := c.fail("reason", "lb@prospect.example", "bored"); !strings.Contains(errs, `unknown reason "bored" (want one of fear, too-busy, no-urgency`) {
			t.Errorf("bad reason: %q", errs)
		}

		// E7: a visit in Newport Beach on Tuesday.
		out = c.ok("appointment", "add", "host@acme.example", "--at", "2026-12-01 10:00", "--kind", "visit", "--minutes", "45", "--place", "Acme HQ")
		id := strings.TrimSuffix(strings.Fields(out)[1], ":") // "appointment 1: visit with …"
		out = c.ok("nearby", "--date", "2026-12-01", "--rep", "a@us.example")
		for _, want := range []string{"Tue 1 Dec 10:00 PST  visit to Host Newport at Acme HQ (appointment " + id + ")\n", " Irvine Quiet  12.0 km  never answered\n", "→ nudge nearby accept"} {
			if !strings.Contains(out, want) {
				t.Errorf("nearby:\n%s\nlacks %q", out, want)
			}
		}
		if strings.Contains(out, "Long Beach") || strings.Contains(out, "Irvine Of C") {
			t.Errorf("nearby lists someone too far or another rep's:\n%s", out)
		}
		if out := c.ok("nearby", "--date", "2026-12-01", "--km", "30"); !strings.Contains(out, "Long Beach  29.6 km  never answered") {
			t.Errorf("nearby --km 30:\n%s", out)
		}
		if out := c.ok("nearby", "--date", "2026-12-02"); out != "No visits on Wed 2 Dec 2026.\n" {
			t.Errorf("the next day: %q", out)
		}
		var visits []struct {
			Host   string `json:"host"`
			Nearby []struct {
				Person string  `json:"person"`
				Km     float64 `json:"km"`
			} `json:"nearby"`
		}
		c.json(&visits, "nearby", "--date", "2026-12-01", "--json")
		if len(visits) != 1 || len(visits[0].Nearby) != 1 || visits[0].Nearby[0].Person != "Irvine Quiet" || visits[0].Nearby[0].Km != 12.0 {
			t.Errorf("nearby --json: %+v", visits)
		}
		if errs := c.fail("nearby", "--km", "-1"); !strings.Contains(errs, "--km: the distance must be more than 0") {
			t.Errorf("bad km: %q", errs)
		}
		if errs := c.fail("nearby", "--date", "tuesday"); !strings.Contains(errs, `--date "tuesday" is not a date`) {
			t.Errorf("bad date: %q", errs)
		}
		if errs := c.fail("nearby", "accept", "irvc@prospect.example", "--appointment", id); !strings.Contains(errs, "not a quiet prospect of the rep within 25 km") {
			t.Errorf("accepting another rep's prospect: %q", errs)
		}
		out = c.ok("nearby", "accept", "irv@prospect.example", "--appointment", id)
		if !strings.Contains(out, "a short visit to Irvine Quiet on Tue 1 Dec 10:45 -08:00 (their time)") {
			t.Errorf("accept: %q", out)
		}
		if out := c.ok("nearby", "--date", "2026-12-01"); !strings.Contains(out, "12.0 km  never answered  (visit planned)") {
			t.Errorf("after accepting:\n%s", out)
		}
	})
}
