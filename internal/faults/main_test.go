package faults

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binEnv hands the built binary to a test binary re-run as a child (the
// disk-full test runs itself in a mount namespace of its own).
const binEnv = "NUDGE_FAULTS_BIN"

var bin struct {
	once sync.Once
	dir  string // removed when the run ends
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bin.dir != "" {
		os.RemoveAll(bin.dir)
	}
	os.Exit(code)
}

// nudgeBinary builds cmd/nudge once per test run (`go build -o $TMP/nudge
// ./cmd/nudge`) and returns its path.
func nudgeBinary(t testing.TB) string {
	t.Helper()
	bin.once.Do(func() {
		if p := os.Getenv(binEnv); p != "" {
			bin.path = p
			return
		}
		goCmd, err := exec.LookPath("go")
		if err != nil {
			goCmd = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		if bin.dir, bin.err = os.MkdirTemp("", "nudge-faults-"); bin.err != nil {
			return
		}
		path := filepath.Join(bin.dir, "nudge")
		out, err := exec.Command(goCmd, "build", "-o", path, "github.com/nudgecrm/nudge/cmd/nudge").CombinedOutput()
		if err != nil {
			bin.err = fmt.Errorf("go build ./cmd/nudge: %v\n%s", err, out)
			return
		}
		bin.path = path
	})
	if bin.err != nil {
		t.Fatal(bin.err)
	}
	return bin.path
}

// result is how a finished command ended.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
}

// run runs nudge with args in env to its end (at most two minutes).
func run(t testing.TB, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nudgeBinary(t), args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		r.code = ee.ExitCode()
	default:
		t.Fatalf("nudge %s: %v\n%s", strings.Join(args, " "), err, r)
	}
	return r
}

// mustRun runs nudge and fails the test unless it exits 0.
func mustRun(t testing.TB, env []string, args ...string) result {
	t.Helper()
	r := run(t, env, args...)
	if r.code != 0 {
		t.Fatalf("nudge %s: %s", strings.Join(args, " "), r)
	}
	return r
}

// proc is a nudge process running in the background.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *syncBuffer // stdout and stderr together
	done chan struct{}
	err  error // set when done is closed
}

// start starts nudge with args in env; the test's end kills it if it still runs.
func start(t testing.TB, name string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, out: &syncBuffer{}, done: make(chan struct{})}
	p.cmd = exec.Command(nudgeBinary(t), args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("output of %s:\n%s", p.name, p.tail(4000))
		}
	})
	return p
}

// exited reports whether the process has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	if !p.exited() {
		p.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-p.done
}

// stop asks the process to end (SIGTERM) and waits at most d for it.
func (p *proc) stop(t testing.TB, d time.Duration) {
	t.Helper()
	if p.exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(d):
		p.kill()
		t.Errorf("%s did not stop within %s of SIGTERM", p.name, d)
	}
}

// tail is the end of the process's output.
func (p *proc) tail(n int) string {
	s := p.out.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}

// syncBuffer is a bytes.Buffer written by a process and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// freeAddr returns a 127.0.0.1 address with a port nobody listens on now.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serve starts `nudge serve` on a free port and waits until it answers
// /healthz.
func serve(t testing.TB, name string, env []string, extra ...string) (*proc, string) {
	t.Helper()
	addr := freeAddr(t)
	p := start(t, name, env, append([]string{"serve", "--addr", addr}, extra...)...)
	base := "http://" + addr
	waitFor(t, 30*time.Second, name+" answering /healthz", func() bool {
		if p.exited() {
			t.Fatalf("%s exited: %v\n%s", name, p.err, p.tail(4000))
		}
		resp, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return p, base
}

// waitFor polls cond every 20 ms until it holds, failing the test after d
// (with what detail says of the state then).
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool, detail ...func() string) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			more := ""
			for _, f := range detail {
				more += "; " + f()
			}
			t.Fatalf("timed out after %s waiting for %s%s", d, what, more)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
