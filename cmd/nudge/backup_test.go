package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
)

// TestBackupRestoreCommands backs up a small book from the command line,
// restores it into a new database and finds the same people there; a second
// restore needs --force, and a backup to "-" is a gzip stream on stdout.
func TestBackupRestoreCommands(t *testing.T) {
	eachBackend(t, func(t *testing.T, c *cli) {
		c.ok("user", "add", "--email", "rep@us.example", "--name", "Sam Rep", "--role", "rep")
		c.ok("contact", "add", "--name", "Anna Müller", "--email", "anna@acme.de", "--company", "Acme GmbH", "--tz", "Europe/Berlin")
		c.ok("contact", "add", "--name", "Bob", "--email", "bob@acme.de", "--company", "Acme GmbH")
		c.ok("log", "anna@acme.de", "--channel", "call", "--outcome", "connected", "--what", "pricing",
			"--commitment", "books a call with her CFO", "--commitment-due", "2026-12-04")
		var want []nudge.Person
		c.json(&want, "contact", "list", "--json")

		file := filepath.Join(t.TempDir(), "nudge.backup")
		var rep store.BackupReport
		c.json(&rep, "backup", file, "--json")
		got := map[string]int64{}
		for _, tc := range rep.Tables {
			got[tc.Table] = tc.Rows
		}
		for table, n := range map[string]int64{"people": 2, "companies": 1, "users": 1, "interactions": 1, "commitments": 1} {
			if got[table] != n {
				t.Errorf("backup of %s: %d rows, want %d (all: %v)", table, got[table], n, got)
			}
		}
		if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("backup file: %v, %v; want mode 0600", st, err)
		}

		// Into a new database of the same kind.
		to := testdb.SQLite(t)
		if c.env["NUDGE_DATABASE_URL"] != "" {
			to, _ = testdb.Postgres(t)
		}
		c2 := newCLI(t, to)
		out := c2.ok("restore", file)
		if !strings.Contains(out, "restored ") || !regexp.MustCompile(`(?m)^  people +2$`).MatchString(out) ||
			!regexp.MustCompile(`(?m)^  interactions +1$`).MatchString(out) {
			t.Errorf("restore output:\n%s", out)
		}
		var people []nudge.Person
		c2.json(&people, "contact", "list", "--json")
		if !reflect.DeepEqual(people, want) {
			t.Errorf("restored people:\n%+v\nwant\n%+v", people, want)
		}

		errs := c2.fail("restore", file)
		if !strings.Contains(errs, "not empty") || !strings.Contains(errs, "--force") {
			t.Errorf("restore over rows: %q", errs)
		}
		c2.ok("contact", "add", "--name", "Carl", "--email", "carl@acme.de")
		var again store.BackupReport
		c2.json(&again, "restore", file, "--force", "--json")
		if again.Rows != rep.Rows {
			t.Errorf("restore --force: %d rows, want %d", again.Rows, rep.Rows)
		}
		c2.json(&people, "contact", "list", "--json")
		if len(people) != 2 {
			t.Errorf("after restore --force: %d people, want the backup's 2", len(people))
		}

		// A cut file: an error, and the database keeps what it had.
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		cut := filepath.Join(t.TempDir(), "cut.backup")
		if err := os.WriteFile(cut, data[:len(data)*2/3], 0o600); err != nil {
			t.Fatal(err)
		}
		c2.ok("contact", "add", "--name", "Dora", "--email", "dora@acme.de")
		errs = c2.fail("restore", cut, "--force")
		if !strings.Contains(errs, "cut short") {
			t.Errorf("restore of a cut file: %q", errs)
		}
		c2.json(&people, "contact", "list", "--json")
		if len(people) != 3 {
			t.Errorf("after a failed restore: %d people, want the 3 from before", len(people))
		}

		// To standard output: the backup itself, the summary on stderr.
		var stdout, stderr bytes.Buffer
		code := Run(context.Background(), []string{"backup", "-"}, Env{Getenv: func(k string) string { return c.env[k] },
			Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr})
		if code != 0 || !bytes.HasPrefix(stdout.Bytes(), []byte{0x1f, 0x8b}) || !strings.Contains(stderr.String(), "backed up") {
			t.Errorf("backup -: exit %d, stdout starts %x, stderr %q", code, stdout.Bytes()[:min(2, stdout.Len())], stderr.String())
		}
	})
}
