package faults

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/nudgecrm/nudge/internal/testdb"
)

// diskFullEnv, when set, makes the test binary the child of
// TestDiskFullSQLite, running in a mount namespace of its own: it names the
// directory to mount the small file system on.
const diskFullEnv = "NUDGE_FAULTS_DISKFULL_DIR"

// TestDiskFullSQLite fills the disk under a SQLite database for real: the
// database lives on an 8 MiB tmpfs, mounted in a private mount namespace
// (unshare; as root, or as a user through a user namespace) so nothing
// outside the test sees it. An import larger than the space left must fail
// with a clear "disk full" error and a non-zero exit, leave the database
// passing integrity_check with everything stored before, and succeed once
// there is room (the file system is remounted larger).
func TestDiskFullSQLite(t *testing.T) {
	if dir := os.Getenv(diskFullEnv); dir != "" {
		diskFullChild(t, dir)
		return
	}
	bin := nudgeBinary(t)
	ns := []string{"--mount"}
	if os.Geteuid() != 0 {
		ns = []string{"--user", "--map-root-user", "--mount"}
	}
	if out, err := exec.Command("unshare", append(ns, "true")...).CombinedOutput(); err != nil {
		testdb.Require(t, "mount", fmt.Errorf("a private tmpfs needs `unshare %s`: %v %s", strings.Join(ns, " "), err, out))
		return
	}
	dir := t.TempDir()
	args := append(ns, os.Args[0], "-test.run=^TestDiskFullSQLite$", "-test.count=1", "-test.v")
	if testing.Short() {
		args = append(args, "-test.short")
	}
	cmd := exec.Command("unshare", args...)
	cmd.Env = append(os.Environ(), diskFullEnv+"="+dir, binEnv+"="+bin)
	out, err := cmd.CombinedOutput()
	t.Logf("in a private mount namespace:\n%s", out)
	if err != nil {
		t.Fatalf("the disk-full run failed: %v", err)
	}
}

// diskFullChild runs in the private mount namespace.
func diskFullChild(t *testing.T, dir string) {
	rows := 40_000
	csv := filepath.Join(dir, "hubspot.csv") // outside the small file system
	writeCSV(t, csv, rows)
	small := filepath.Join(dir, "small")
	if err := os.Mkdir(small, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", small, "tmpfs", 0, "size=8m,mode=0700"); err != nil {
		t.Fatalf("mount a tmpfs on %s: %v", small, err)
	}
	defer syscall.Unmount(small, syscall.MNT_DETACH)

	k := newBook(t, testdb.Backend{Name: "sqlite", DSN: filepath.Join(small, "nudge.db")})
	k.addReps(1, nil)
	const before = 2_000
	k.loadDue(before)
	env := k.env()
	mustRun(t, env, "run", "--once") // plans them: tasks and enrollments stored before
	tasks := k.count(`SELECT COUNT(*) FROM tasks`)

	r := run(t, env, "import", csv)
	t.Logf("import on a full disk: %s", r)
	if r.code == 0 {
		t.Fatalf("the import succeeded on an 8 MiB file system: %s", r)
	}
	if !strings.Contains(r.stderr, "disk full") {
		t.Errorf("the import's error does not say the disk is full: %q", r.stderr)
	}
	if got := k.count(`SELECT COUNT(*) FROM people`); got != before {
		t.Errorf("after the failed import: %d people, want the %d stored before", got, before)
	}
	if got := k.count(`SELECT COUNT(*) FROM tasks`); got != tasks {
		t.Errorf("after the failed import: %d tasks, want the %d stored before", got, tasks)
	}
	k.checkIntegrity()

	// Room again: the same import goes through whole.
	if err := syscall.Mount("tmpfs", small, "tmpfs", syscall.MS_REMOUNT, "size=256m,mode=0700"); err != nil {
		t.Fatalf("remount %s larger: %v", small, err)
	}
	r = mustRun(t, env, "import", csv)
	if got := k.count(`SELECT COUNT(*) FROM people`); got != before+rows {
		t.Errorf("after the import with room: %d people, want %d", got, before+rows)
	}
	k.checkIntegrity()
}
