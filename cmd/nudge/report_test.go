package main

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/report"
	"github.com/nudgecrm/nudge/report/reporttest"
	"github.com/nudgecrm/nudge/store"
)

// reportCLI is the command line on a database holding the report book of
// package reporttest (the figures are worked out in store/report_test.go).
func reportCLI(t *testing.T, b testdb.Backend) *cli {
	t.Helper()
	clock := nudge.NewFixedClock(reporttest.Now)
	db, err := store.Open(context.Background(), b.DSN, clock)
	if err != nil {
		t.Fatal(err)
	}
	reporttest.Load(t, db, clock, "")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t, b)
	c.env["NUDGE_NOW"] = reporttest.Now.Format("2006-01-02T15:04:05Z")
	return c
}

// tableRows finds the table lines that start with one of labels and returns
// their cells, by label.
func tableRows(t *testing.T, out string, labels []string) map[string][]string {
	t.Helper()
	rows := map[string][]string{}
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		for _, l := range labels {
			if f[0] == l {
				rows[l] = f[1:]
			}
		}
	}
	if len(rows) != len(labels) {
		t.Fatalf("table lacks some of %q:\n%s", labels, out)
	}
	return rows
}

// The table and --json print the same numbers, for each report; --png
// writes a chart that decodes.
func TestReportCommands(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			c := reportCLI(t, b)

			var p report.Persistence
			c.json(&p, "report", "persistence", "--json")
			if p.Dropped != 12 || p.LeftOnTable != 10 || len(p.Reps) != 4 {
				t.Errorf("persistence: %d dropped, %d left, %d reps; want 12, 10, 4", p.Dropped, p.LeftOnTable, len(p.Reps))
			}
			out := c.ok("report", "persistence")
			rows := tableRows(t, out, []string{"1", "2", "3", "4", "5+", "total"})
			for _, bk := range p.Buckets {
				want := []string{strconv.Itoa(bk.Count), pct(bk.Share), pct(*bk.Baseline)}
				if got := rows[bk.Label]; strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("persistence %s: table %q, JSON %q", bk.Label, got, want)
				}
			}
			if rows["total"][0] != "12" || !strings.Contains(out, fmt.Sprintf("average touches before giving up: %.2f (published: 1.3)", p.Average)) ||
				!strings.Contains(out, `without a "no"): 10`) {
				t.Errorf("persistence table:\n%s", out)
			}

			var w report.Wins
			c.json(&w, "report", "wins", "--json")
			out = c.ok("report", "wins")
			rows = tableRows(t, out, []string{"1st–3rd", "4th–6th", "7th+"})
			for _, g := range w.Groups {
				want := []string{strconv.Itoa(g.Count), pct(g.Share)}
				if g.Baseline != nil {
					want = append(want, pct(*g.Baseline))
				} else {
					want = append(want, "–")
				}
				if got := rows[g.Label]; strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("wins %s: table %q, JSON %q", g.Label, got, want)
				}
			}
			if w.Wins != 6 || !strings.Contains(out, "on the 4th–6th touch: 60.0% (published: 80.0%)") {
				t.Errorf("wins %d:\n%s", w.Wins, out)
			}

			var k report.Contact
			c.json(&k, "report", "contact", "--json", "--rep", "bob@us.example")
			out = c.ok("report", "contact", "--rep", "bob@us.example")
			rows = tableRows(t, out, []string{"1", "2", "3", "4", "5", "6", "7", "8+"})
			for _, bk := range k.Buckets {
				want := []string{strconv.Itoa(bk.Reached), pct(bk.Share), strconv.Itoa(bk.Tried), pct(bk.ShareOfTried)}
				if got := rows[bk.Attempt]; strings.Join(got[:4], " ") != strings.Join(want, " ") {
					t.Errorf("contact %s: table %q, JSON %q", bk.Attempt, got, want)
				}
			}
			if k.Prospects != 4 || k.Reached != 3 || rows["6"][4] != "90.0%" || !strings.Contains(out, "— Bob") {
				t.Errorf("contact for Bob (%d/%d):\n%s", k.Reached, k.Prospects, out)
			}

			var r report.Replies
			c.json(&r, "report", "replies", "--json", "--team", "East")
			out = c.ok("report", "replies", "--team", "east")
			if r.Touches != 9 || r.Replied != 4 || !strings.Contains(out, "touches done: 9, answered: 4 (44.4%)") {
				t.Errorf("replies of East %d/%d:\n%s", r.Replied, r.Touches, out)
			}
			for _, x := range append(append(r.Steps, r.Channels...), r.Templates...) {
				line := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(x.Key) + `\s+(\d+)\s+(\d+)\s+(\S+)$`).FindStringSubmatch(out)
				if line == nil || line[1] != strconv.Itoa(x.Touches) || line[2] != strconv.Itoa(x.Replied) || line[3] != pct(x.Rate) {
					t.Errorf("replies %q: table %q, JSON %d %d %s", x.Key, line, x.Touches, x.Replied, pct(x.Rate))
				}
			}

			// Whole days, read as dates: b7's task of 11-30 14:00 is in.
			c.json(&r, "report", "replies", "--json", "--from", "2026-09-01", "--to", "2026-12-01")
			if r.Touches != 12 || r.Replied != 5 {
				t.Errorf("replies of whole days: %d/%d, want 5/12", r.Replied, r.Touches)
			}

			// Charts: the same report as a PNG.
			dir := t.TempDir()
			for _, name := range []string{"persistence", "wins", "contact", "replies"} {
				file := filepath.Join(dir, name+".png")
				out := c.ok("report", name, "--png", file)
				f, err := os.Open(file)
				if err != nil {
					t.Fatalf("%s: %v\n%s", name, err, out)
				}
				img, err := png.Decode(f)
				f.Close()
				if err != nil || img.Bounds().Dx() != pngWidth || img.Bounds().Dy() != pngHeight {
					t.Errorf("%s.png: %v, %v", name, err, img.Bounds())
				}
			}
			c.ok("report", "replies", "--by", "template", "--json", "--png", filepath.Join(dir, "t.png"))

			// Mistakes name the field.
			for _, bad := range []struct {
				args []string
				want string
			}{
				{[]string{"report", "wins", "--from", "2026-12-01", "--to", "2026-11-01"}, "from"},
				{[]string{"report", "wins", "--from", "yesterday"}, "yesterday"},
				{[]string{"report", "contact", "--team", "North"}, "North"},
				{[]string{"report", "contact", "--rep", "nobody@us.example"}, "--rep"},
				{[]string{"report", "replies", "--by", "colour"}, "colour"},
				{[]string{"report", "wins", "--rep", "ann@us.example", "--team", "East"}, "rep"},
			} {
				if msg := c.fail(bad.args...); !strings.Contains(msg, bad.want) {
					t.Errorf("nudge %s: %q does not name %q", strings.Join(bad.args, " "), msg, bad.want)
				}
			}
			if out := c.ok("report", "rebuild"); !strings.Contains(out, "26 people") {
				t.Errorf("rebuild: %q", out)
			}
		})
	}
}

// An empty database prints every report with zeros, not an error.
func TestReportCommandsEmpty(t *testing.T) {
	c := &cli{t: t, env: map[string]string{"NUDGE_DB": filepath.Join(t.TempDir(), "n.db"), "NUDGE_NOW": "2026-11-30T14:00:00Z"}}
	for _, name := range []string{"persistence", "wins", "contact", "replies"} {
		if out := c.ok("report", name); !strings.Contains(out, "2026-09-01 14:00 to 2026-11-30 14:00 UTC") {
			t.Errorf("%s on an empty book:\n%s", name, out)
		}
	}
}
