package faults

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/nudgecrm/nudge/internal/testdb"
)

// cluster is a PostgreSQL server of the test's own (initdb in a temporary
// directory, a free port on 127.0.0.1), so the test may restart it without
// disturbing the shared test server.
type cluster struct {
	bin  string // the directory of initdb, pg_ctl, postgres
	data string
	log  string // the server's output
	dsn  string
	user *user.User // who runs the server when the tests run as root
}

// startCluster initialises and starts a private cluster, stopped and removed
// when the test ends. Without PostgreSQL's server programs the test is
// skipped, or fails when PostgreSQL is required (NUDGE_TEST_REQUIRE).
func startCluster(t testing.TB) *cluster {
	t.Helper()
	bin, err := serverBin()
	if err != nil {
		testdb.Require(t, "postgres", fmt.Errorf("a private PostgreSQL cluster needs the server programs: %w", err))
		return nil
	}
	dir, err := os.MkdirTemp("", "nudge-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	c := &cluster{bin: bin, data: filepath.Join(dir, "data"), log: filepath.Join(dir, "server.log")}
	if os.Geteuid() == 0 {
		// initdb refuses to run as root: the server runs as "postgres".
		if c.user, err = user.Lookup("postgres"); err != nil {
			testdb.Require(t, "postgres", fmt.Errorf("running as root, a private cluster needs a postgres user: %w", err))
			return nil
		}
		uid, _ := strconv.Atoi(c.user.Uid)
		gid, _ := strconv.Atoi(c.user.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	_, port, _ := net.SplitHostPort(freeAddr(t))
	c.dsn = "postgres://postgres@127.0.0.1:" + port + "/postgres?sslmode=disable"
	c.run(t, "initdb", "-D", c.data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync")
	// pg_ctl restart reuses these options (postmaster.opts).
	opts := fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", port, dir)
	c.run(t, "pg_ctl", "-D", c.data, "-l", c.log, "-o", opts, "-w", "-t", "60", "start")
	t.Cleanup(func() {
		c.run(t, "pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
		if t.Failed() {
			if b, err := os.ReadFile(c.log); err == nil {
				t.Logf("PostgreSQL log:\n%s", b)
			}
		}
	})
	return c
}

// restart stops the server the way an administrator does (fast: sessions
// are ended, transactions rolled back) and starts it again.
func (c *cluster) restart(t testing.TB) {
	t.Helper()
	// -l again: without it the new server would write to (and hold open)
	// pg_ctl's own output.
	c.run(t, "pg_ctl", "-D", c.data, "-l", c.log, "-m", "fast", "-w", "-t", "60", "restart")
}

// run runs one of the server's programs, as the postgres user when the
// tests run as root.
func (c *cluster) run(t testing.TB, prog string, args ...string) {
	t.Helper()
	path := filepath.Join(c.bin, prog)
	var cmd *exec.Cmd
	if c.user != nil {
		cmd = exec.Command("runuser", append([]string{"-u", c.user.Username, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = os.TempDir()
	cmd.WaitDelay = 10 * time.Second // a server that kept our output open must not hang the test
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", prog, args, err, out)
	}
}

// serverBin finds the directory of PostgreSQL's server programs: the newest
// /usr/lib/postgresql/*/bin (Debian, Ubuntu), else initdb on the PATH.
func serverBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errors.New("no initdb in /usr/lib/postgresql/*/bin or on the PATH")
}
