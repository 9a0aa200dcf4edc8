package mail_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store"
)

// crashEnv, when set, makes the test binary the child sender of
// TestCrashMidSend: it holds the DSN of the database to send from.
const crashEnv = "NUDGE_MAIL_CRASH_CHILD_DSN"

// TestCrashMidSend kills the sender with SIGKILL in the middle of 1,000
// sends — while the SMTP server holds its answer to one message it has
// read — restarts it, and checks issue 4's promise: no recipient got two
// messages, and every message ends sent, failed or uncertain, none lost.
func TestCrashMidSend(t *testing.T) {
	if dsn := os.Getenv(crashEnv); dsn != "" {
		crashChild(t, dsn)
		return
	}
	const total, killAt = 1000, 400
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := setup(t, b, mail.OutboxOptions{AnyHour: true, NoCaps: true})
			f.sink.hold = func(n int) bool { return n == killAt }
			for i := range total {
				p := &nudge.Person{Name: "P " + strconv.Itoa(i), Email: fmt.Sprintf("p%04d@crash.example", i), OwnerID: f.rep.ID}
				if err := f.db.CreatePerson(f.ctx, p); err != nil {
					t.Fatal(err)
				}
				m := &store.Message{PersonID: p.ID, MailboxID: f.mb.ID, From: f.mb.Address, To: p.Email,
					Subject: "Hello " + p.Name, Body: "A message for " + p.Name}
				if err := f.out.Queue(f.ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestCrashMidSend$", "-test.count=1")
			cmd.Env = append(os.Environ(), crashEnv+"="+b.DSN)
			cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-f.sink.held:
			case <-time.After(2 * time.Minute):
				cmd.Process.Kill()
				t.Fatalf("the child never reached message %d", killAt)
			}
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			cmd.Wait()
			f.sink.Release()

			// Restart: what was mid-send becomes uncertain; the rest goes.
			// On PostgreSQL a dead sender's claims are taken back once the
			// server has dropped its session (and the advisory lock naming
			// it, store/claim.go): that follows the kill by a moment, so a
			// restart right away may find the lock still held and look again.
			uncertain := 0
			for deadline := time.Now().Add(15 * time.Second); ; {
				n, err := f.out.Recover(f.ctx, f.clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				uncertain += n
				if uncertain > 0 || b.Name != "postgres" || time.Now().After(deadline) {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			if uncertain != 1 {
				t.Errorf("%d uncertain after the kill, want 1 (the message whose answer was held)", uncertain)
			}
			for range 100 {
				st, err := f.out.Send(f.ctx)
				if err != nil {
					t.Fatal(err)
				}
				if st.Sent+st.Failed+st.Retried == 0 {
					break
				}
			}
			counts := map[string]int{}
			for _, r := range f.sink.Received() {
				for _, to := range r.To {
					counts[to]++
				}
			}
			states := map[store.MessageState]int{}
			for _, m := range f.messages(t, store.MessageFilter{}) {
				states[m.State]++
				switch m.State {
				case store.MessageSent:
					if counts[m.To] != 1 {
						t.Errorf("message %d to %s is sent but arrived %d times", m.ID, m.To, counts[m.To])
					}
				case store.MessageFailed, store.MessageUncertain:
				default:
					t.Errorf("message %d to %s left %s: lost", m.ID, m.To, m.State)
				}
			}
			for to, n := range counts {
				if n > 1 {
					t.Errorf("%s got %d messages", to, n)
				}
			}
			t.Logf("after the kill at message %d: %v; %d recipients reached", killAt, states, len(counts))
			if states[store.MessageSent]+states[store.MessageFailed]+states[store.MessageUncertain] != total {
				t.Errorf("states %v do not add up to %d", states, total)
			}
		})
	}
}

// crashChild sends everything queued until killed.
func crashChild(t *testing.T, dsn string) {
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, nudge.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := mail.NewOutbox(db, nil, testKeys(t), nudge.NewFixedClock(start), mail.OutboxOptions{BaseURL: testBaseURL,
		AnyHour: true, NoCaps: true, Parallel: 1, Batch: 20, Rand: rand.New(rand.NewPCG(1, 2))})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := out.Send(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
