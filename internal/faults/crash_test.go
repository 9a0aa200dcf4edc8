package faults

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge/internal/testdb"
)

// The crash tests kill a command with SIGKILL in the middle of its work, on
// both backends, and check what is left: after a restart nothing is lost and
// nothing done twice, and the database passes its integrity check.

// TestCrashImport kills `nudge import` when it has read half its CSV file.
// The import is all or nothing (one transaction): afterwards none of its
// rows are stored and everything stored before is intact; run again, it
// imports every row exactly once.
func TestCrashImport(t *testing.T) {
	rows := 40_000
	if testing.Short() {
		rows = 10_000
	}
	csv := filepath.Join(t.TempDir(), "hubspot.csv")
	writeCSV(t, csv, rows)
	for _, be := range testdb.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			k := newBook(t, be)
			k.addReps(1, nil)
			const before = 500 // people stored before the import
			k.loadDue(before)
			env := k.env()

			p := start(t, "nudge import", env, "import", csv)
			size := fileSize(t, csv)
			read := int64(0)
			waitFor(t, time.Minute, "the import to read half its file", func() bool {
				if p.exited() {
					t.Fatalf("the import ended before it was killed (read %d of %d bytes): %v\n%s", read, size, p.err, p.tail(2000))
				}
				read = readOffset(p.cmd.Process.Pid, csv)
				return read >= size/2
			})
			p.kill()
			t.Logf("killed at byte %d of %d", read, size)
			if got := k.count(`SELECT COUNT(*) FROM people`); got != before {
				t.Errorf("after the kill: %d people, want the %d stored before (all or nothing)", got, before)
			}
			k.checkIntegrity()

			r := mustRun(t, env, "import", csv)
			want := fmt.Sprintf("%d rows read, %d created, 0 merged, 0 rejected", rows, rows)
			if !strings.Contains(r.stdout, want) {
				t.Errorf("the import run again says %q, want %q", r.stdout, want)
			}
			if got := k.count(`SELECT COUNT(*) FROM people`); got != before+rows {
				t.Errorf("after the import: %d people, want %d", got, before+rows)
			}
			if got := k.count(`SELECT COUNT(*) FROM people WHERE email LIKE '%@import.example'`); got != rows {
				t.Errorf("%d imported people, want %d", got, rows)
			}
			k.checkIntegrity()
		})
	}
}

// TestCrashRun kills the scheduler (`nudge run --once`) when about a third
// of the due people are planned. Each batch is one transaction, so every
// person is planned whole or not at all: one enrollment and one open task
// (the unique index), or untouched and still due. Run again, it plans
// exactly the rest.
func TestCrashRun(t *testing.T) {
	n := 4_000
	if testing.Short() {
		n = 1_000
	}
	for _, be := range testdb.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			k := newBook(t, be)
			k.addReps(2, nil)
			k.loadDue(n)
			env := k.env()
			due := func() int {
				return k.count(`SELECT COUNT(*) FROM people WHERE check_at IS NOT NULL AND check_at <= $1`, faultNow.UnixMilli())
			}

			p := start(t, "nudge run", env, "run", "--once")
			waitFor(t, time.Minute, "a third of the people to be planned", func() bool {
				if p.exited() {
					t.Fatalf("the scheduler ended before it was killed: %v\n%s", p.err, p.tail(2000))
				}
				return due() <= n*2/3
			})
			p.kill()
			left := due()
			t.Logf("killed with %d of %d people planned", n-left, n)
			if left == 0 {
				t.Fatal("the scheduler finished before the kill")
			}
			// Planned people have their one task; the rest have none yet.
			if got := k.count(`SELECT COUNT(*) FROM people p WHERE p.check_at IS NULL
				AND (SELECT COUNT(*) FROM tasks t WHERE t.person_id = p.id AND t.state = 'open') <> 1`); got != 0 {
				t.Errorf("%d planned people without exactly one open task", got)
			}
			if got := k.count(`SELECT COUNT(*) FROM tasks t JOIN people p ON p.id = t.person_id WHERE p.check_at IS NOT NULL`); got != 0 {
				t.Errorf("%d tasks of people still due: half-planned people", got)
			}
			k.checkIntegrity()

			r := mustRun(t, env, "run", "--once")
			if want := fmt.Sprintf("planned %d people", left); !strings.Contains(r.stdout, want) {
				t.Errorf("the scheduler run again says %q, want %q", r.stdout, want)
			}
			checks := []struct {
				what  string
				query string
				want  int
			}{
				{"people still due", `SELECT COUNT(*) FROM people WHERE check_at IS NOT NULL`, 0},
				{"enrollments", `SELECT COUNT(*) FROM enrollments`, n},
				{"open tasks", `SELECT COUNT(*) FROM tasks WHERE state = 'open'`, n},
				{"tasks", `SELECT COUNT(*) FROM tasks`, n},
				{"people without exactly one open email task", `SELECT COUNT(*) FROM people p
					WHERE (SELECT COUNT(*) FROM tasks t WHERE t.person_id = p.id AND t.state = 'open' AND t.channel = 'email') <> 1`, 0},
			}
			for _, c := range checks {
				if got := k.count(c.query); got != c.want {
					t.Errorf("%s: %d, want %d", c.what, got, c.want)
				}
			}
			k.checkIntegrity()
		})
	}
}

// TestCrashSend kills `nudge send` while the SMTP server holds its answer
// to the message halfway through: that message is mid-send. Restarted, the
// sender holds it as uncertain — it may have arrived, so it is never sent
// again on its own — puts back what it had only claimed, and sends the
// rest: no message sent twice, sent plus uncertain is every step, and each
// sent one recorded once.
func TestCrashSend(t *testing.T) {
	n := 600
	if testing.Short() {
		n = 200
	}
	for _, be := range testdb.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			s := startSink(t)
			k := newBook(t, be)
			k.addReps(1, s) // one mailbox: one connection, one message in flight
			k.loadDue(n)
			env := k.env()
			s.holdFrom(n / 2)

			p := start(t, "nudge send", env, "send", "--once")
			select {
			case <-s.Reached():
			case <-p.done:
				t.Fatalf("nudge send ended before the held message: %v\n%s", p.err, p.tail(2000))
			case <-time.After(2 * time.Minute):
				t.Fatalf("nudge send sent only %d of %d messages in 2 minutes", s.Total(), n)
			}
			p.kill()
			s.Release()
			st := k.states()
			t.Logf("killed with messages %v", st)
			if st["sending"] != 1 || st["sent"] != n/2-1 {
				t.Errorf("at the kill: messages %v, want 1 sending (the held one) and %d sent", st, n/2-1)
			}

			r := mustRun(t, env, "send", "--once")
			if !strings.Contains(r.stderr, "1 message(s) were interrupted mid-send and are uncertain") {
				t.Errorf("the restarted sender does not say it found the interrupted message:\n%s", r)
			}
			checkExactlyOnce(t, k, s, n, 1)
			k.checkIntegrity()
		})
	}
}

// writeCSV writes a HubSpot contacts export of n people,
// p<i>@import.example, at companies shared by a hundred people each.
func writeCSV(t testing.TB, path string, n int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "First Name,Last Name,Email,Company Name,Job Title,City,Country/Region")
	for i := range n {
		fmt.Fprintf(w, "Pat,Importee%06d,p%06d@import.example,Company %04d,Head of Finance,Springfield,US\n", i, i, i/100)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// readOffset is how far process pid has read into the file at path: the
// pos of its descriptor in /proc/<pid>/fdinfo (0 when not open or unknown).
func readOffset(pid int, path string) int64 {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	for _, fd := range fds {
		if l, err := os.Readlink(filepath.Join(dir, fd.Name())); err != nil || l != path {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/fdinfo/%s", pid, fd.Name()))
		if err != nil {
			return 0
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "pos:"); ok {
				pos, _ := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
				return pos
			}
		}
	}
	return 0
}
