package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
)

// cli runs nudge in-process against one database, as a user would from a shell.
type cli struct {
	t   *testing.T
	env map[string]string
}

func newCLI(t *testing.T, b testdb.Backend) *cli {
	env := map[string]string{"NUDGE_NOW": "2026-11-30T14:00:00Z"}
	if strings.HasPrefix(b.DSN, "postgres") {
		env["NUDGE_DATABASE_URL"] = b.DSN
	} else {
		env["NUDGE_DB"] = b.DSN
	}
	return &cli{t: t, env: env}
}

// run runs one command and returns its exit status, stdout and stderr.
func (c *cli) run(args ...string) (int, string, string) {
	c.t.Helper()
	var out, errb bytes.Buffer
	code := Run(context.Background(), args, Env{
		Getenv: func(k string) string { return c.env[k] },
		Stdin:  strings.NewReader(""),
		Stdout: &out,
		Stderr: &errb,
	})
	return code, out.String(), errb.String()
}

// ok runs a command that must succeed and returns its stdout.
func (c *cli) ok(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(args...)
	if code != 0 {
		c.t.Fatalf("nudge %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

// fail runs a command that must fail and returns its stderr.
func (c *cli) fail(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(args...)
	if code == 0 {
		c.t.Fatalf("nudge %s: succeeded, want failure\nstdout: %s", strings.Join(args, " "), out)
	}
	return errs
}

func (c *cli) json(v any, args ...string) {
	c.t.Helper()
	out := c.ok(args...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		c.t.Fatalf("nudge %s: bad JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func eachBackend(t *testing.T, f func(t *testing.T, c *cli)) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { f(t, newCLI(t, b)) })
	}
}

func TestContactLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *cli) {
		out := c.ok("contact", "add", "--name", "Anna Müller", "--email", "Anna@Acme.DE", "--phone", "030 1234567",
			"--company", "Acme GmbH", "--title", "CFO", "--tz", "Europe/Berlin", "--country", "DE",
			"--pain-gain", "month-end close takes 9 days")
		if !strings.Contains(out, "added person") {
			t.Fatalf("add: %q", out)
		}
		// PERSON is an id or an email, compared case-insensitively.
		var p struct {
			nudge.Person
			Company string `json:"company"`
		}
		c.json(&p, "contact", "show", "ANNA@acme.de", "--json")
		if p.Email != "anna@acme.de" || p.Phone != "+49301234567" || p.Company != "Acme GmbH" || p.TimeZone != "Europe/Berlin" || p.Country != "DE" {
			t.Fatalf("stored person = %+v", p)
		}
		// A second person with the same email in other case is a conflict.
		errs := c.fail("contact", "add", "--name", "Other", "--email", "anna@ACME.de")
		if !strings.Contains(errs, "anna@acme.de") {
			t.Errorf("duplicate email error should name it: %q", errs)
		}
		// Bad input names the field and stores nothing.
		errs = c.fail("contact", "add", "--name", "Bob", "--tz", "Mars/Base")
		if !strings.Contains(errs, "tz") || !strings.Contains(errs, "Mars/Base") {
			t.Errorf("bad tz error = %q", errs)
		}
		c.ok("contact", "edit", "anna@acme.de", "--role", "decision-maker", "--preferred", "call", "--ok-to-say-no")
		var people []nudge.Person
		c.json(&people, "contact", "list", "--json")
		if len(people) != 1 || people[0].BuyingRole != nudge.RoleDecisionMaker || !people[0].OKToSayNo || people[0].PreferredChannel != nudge.ChannelCall {
			t.Fatalf("after edit: %+v", people)
		}
		c.ok("contact", "delete", "anna@acme.de")
		c.json(&people, "contact", "list", "--json")
		if len(people) != 0 {
			t.Fatalf("after delete: %d people", len(people))
		}
	})
}

func TestLogAndCommitments(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *cli) {
		c.ok("contact", "add", "--name", "Jerry Seinfeld", "--email", "jerry@nbc.com", "--tz", "America/New_York", "--country", "US")
		// A meeting with no prospect commitment is flagged (A3).
		code, _, errs := c.run("log", "jerry@nbc.com", "--channel", "meeting", "--outcome", "meeting-held",
			"--what", "demo", "--insights", "wants it before Q1", "--next", "proposal")
		if code != 0 || !strings.Contains(errs, "A3") {
			t.Fatalf("meeting without commitment: exit %d, stderr %q; want an A3 warning", code, errs)
		}
		// Homework both ways (A2) with due dates read in the person's zone.
		c.ok("log", "jerry@nbc.com", "--channel", "call", "--outcome", "connected", "--at", "2026-11-27 10:00",
			"--what", "pricing", "--insights", "CFO signs", "--next", "CFO call",
			"--rep-homework", "send case study", "--rep-due", "2026-11-28",
			"--commitment", "book a 20-minute call with the CFO", "--commitment-due", "2026-12-04 12:00")
		// Homework without a due date is refused, naming the flag.
		errs = c.fail("log", "jerry@nbc.com", "--rep-homework", "call back")
		if !strings.Contains(errs, "rep-homework-due") {
			t.Errorf("missing due: %q", errs)
		}
		var cs []nudge.Commitment
		c.json(&cs, "commitments", "--json")
		if len(cs) != 2 {
			t.Fatalf("commitments = %+v, want 2", cs)
		}
		// NUDGE_NOW is 2026-11-30: the rep's homework (due 11-28 17:00 New York) is missed, the prospect's is open.
		byParty := map[nudge.Party]nudge.Commitment{}
		for _, x := range cs {
			byParty[x.Party] = x
		}
		if got := byParty[nudge.PartyRep]; got.State != nudge.CommitmentMissed || got.Due.UTC().Format("2006-01-02T15:04") != "2026-11-28T22:00" {
			t.Errorf("rep homework = %+v", got)
		}
		if got := byParty[nudge.PartyProspect]; got.State != nudge.CommitmentOpen || got.Due.UTC().Format("2006-01-02T15:04") != "2026-12-04T17:00" {
			t.Errorf("prospect commitment = %+v", got)
		}
		c.ok("commitments", "kept", strconv.FormatInt(byParty[nudge.PartyProspect].ID, 10))
		c.json(&cs, "commitments", "--json")
		if len(cs) != 1 {
			t.Errorf("after keeping one: %d listed, want 1", len(cs))
		}
		// "asked-to-stop" is a hard stop (G1).
		c.ok("log", "jerry@nbc.com", "--channel", "email", "--direction", "inbound", "--outcome", "asked-to-stop")
		var p nudge.Person
		c.json(&p, "contact", "show", "jerry@nbc.com", "--json")
		if !p.DoNotContact {
			t.Errorf("after asked-to-stop: do_not_contact = false")
		}
		// G4: a stop is resentment, and the person's page says so.
		if out := c.ok("contact", "show", "jerry@nbc.com"); !strings.Contains(out, "CARR phase (G4):   Resentment") {
			t.Errorf("contact show lacks the CARR phase:\n%s", out)
		}
	})
}

func TestImportExportForget(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *cli) {
		dir := t.TempDir()
		good := filepath.Join(dir, "hubspot.csv")
		write(t, good, "First Name,Last Name,Email,Phone Number,Company Name,Job Title,Country/Region\r\n"+
			"José,Núñez,jose@ejemplo.es,+34 912 345 678,Ejemplo SL,CEO,Spain\r\n"+
			"Zoë,Smith,ZOE@smith.co.uk,020 7946 0958,Smith Ltd,Director,United Kingdom\r\n"+
			"\r\n"+
			"Zoe,Smith,zoe@smith.co.uk,,Smith Ltd,,United Kingdom\r\n")
		bad := filepath.Join(dir, "bad.csv")
		write(t, bad, "First Name,Last Name,Email\nAl,One,al@one.com\nBea,Two,bea@\n")

		// All or nothing: the bad row is named and nothing is stored.
		code, out, _ := c.run("import", bad)
		if code == 0 || !strings.Contains(out, "line 3") || !strings.Contains(out, "email") {
			t.Fatalf("bad import: exit %d, out %q", code, out)
		}
		var people []nudge.Person
		c.json(&people, "contact", "list", "--json")
		if len(people) != 0 {
			t.Fatalf("after rejected import: %d people stored", len(people))
		}
		// --skip-invalid keeps the good row.
		c.ok("import", bad, "--skip-invalid")
		var rep nudge.ImportReport
		c.json(&rep, "import", good, "--json")
		if rep.Format != "hubspot" || rep.Rows != 3 || rep.Created != 2 || rep.Merged != 1 || rep.Rejected != 0 || !rep.Committed {
			t.Fatalf("report = %+v", rep)
		}
		// Export → import into a fresh database loses nothing.
		exported := filepath.Join(dir, "export.csv")
		c.ok("export", "--format", "csv", "-o", exported)
		var before []nudge.Person
		c.json(&before, "contact", "list", "--json")

		c2 := &cli{t: t, env: map[string]string{"NUDGE_NOW": c.env["NUDGE_NOW"], "NUDGE_DB": filepath.Join(dir, "fresh.db")}}
		c2.ok("import", exported)
		var after []nudge.Person
		c2.json(&after, "contact", "list", "--json")
		if len(after) != len(before) {
			t.Fatalf("round trip: %d people, want %d", len(after), len(before))
		}
		for i := range before {
			b, a := before[i], after[i]
			if b.Name != a.Name || b.Email != a.Email || b.Phone != a.Phone || b.Title != a.Title || b.Country != a.Country || b.TimeZone != a.TimeZone {
				t.Errorf("round trip changed %+v into %+v", b, a)
			}
		}
		// The GDPR access request: one person, with their history.
		c.ok("log", "jose@ejemplo.es", "--what", "intro", "--insights", "x", "--next", "y")
		var doc exportDoc
		c.json(&doc, "export", "--format", "json", "--person", "jose@ejemplo.es")
		if len(doc.People) != 1 || len(doc.People[0].Interactions) != 1 || doc.People[0].Company != "Ejemplo SL" {
			t.Fatalf("person export = %+v", doc)
		}
		// Forget: gone, and the tombstone blocks a re-import.
		c.ok("forget", "jose@ejemplo.es")
		c.fail("contact", "show", "jose@ejemplo.es")
		code, out, _ = c.run("import", good)
		if code == 0 || !strings.Contains(out, "erased") {
			t.Fatalf("re-import of a forgotten person: exit %d, %q", code, out)
		}
	})
}

func TestConfig(t *testing.T) {
	c := &cli{t: t, env: map[string]string{"NUDGE_NOW": "yesterday", "NUDGE_DB": filepath.Join(t.TempDir(), "x.db")}}
	if errs := c.fail("contact", "list"); !strings.Contains(errs, "NUDGE_NOW") {
		t.Errorf("bad NUDGE_NOW: %q", errs)
	}
	c.env["NUDGE_NOW"] = ""
	// --db wins over NUDGE_DB.
	flagDB := filepath.Join(t.TempDir(), "flag.db")
	c.ok("--db", flagDB, "contact", "add", "--name", "A")
	if _, err := os.Stat(flagDB); err != nil {
		t.Errorf("--db file not created: %v", err)
	}
}

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
