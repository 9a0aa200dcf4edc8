package mail_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store"
)

// TestStopFinishesSendInFlight: stopping the sender (nudge serve's
// graceful shutdown cancels its context) while the SMTP server holds its
// answer to the first of three messages lets that conversation finish and
// records the message as sent — not left "sending", which the next start
// would hold as uncertain — and puts the two others back in the queue,
// unsent. Observe hears the pass's counts (the server's metrics).
func TestStopFinishesSendInFlight(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			var mu sync.Mutex
			var observed mail.Stats
			f := setup(t, b, mail.OutboxOptions{AnyHour: true, NoCaps: true, Observe: func(st mail.Stats) {
				mu.Lock()
				defer mu.Unlock()
				addStats(&observed, st)
			}})
			f.sink.hold = func(n int) bool { return n == 1 }
			for i := range 3 {
				p := f.person(t, fmt.Sprintf("p%d@stop.example", i))
				m := &store.Message{PersonID: p.ID, MailboxID: f.mb.ID, From: f.mb.Address, To: p.Email,
					Subject: "Hello " + p.Name, Body: "A message"}
				if err := f.out.Queue(f.ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			ctx, cancel := context.WithCancel(f.ctx)
			type result struct {
				st  mail.Stats
				err error
			}
			done := make(chan result, 1)
			go func() {
				st, err := f.out.Send(ctx)
				done <- result{st, err}
			}()
			select {
			case <-f.sink.held:
			case <-time.After(time.Minute):
				t.Fatal("the first message never reached the server")
			}
			cancel()
			f.sink.Release()
			r := <-done
			if r.err != nil || r.st.Sent != 1 {
				t.Fatalf("Send after stop: %+v, %v; want 1 sent, no error", r.st, r.err)
			}
			states := map[store.MessageState]int{}
			for _, m := range f.messages(t, store.MessageFilter{}) {
				states[m.State]++
			}
			if states[store.MessageSent] != 1 || states[store.MessageQueued] != 2 || len(states) != 2 {
				t.Errorf("states after stop %v, want 1 sent and 2 queued", states)
			}
			mu.Lock()
			if observed.Sent != 1 || observed.Failed+observed.Bounced+observed.Retried+observed.Uncertain != 0 {
				t.Errorf("observed %+v, want 1 sent", observed)
			}
			mu.Unlock()
			// The next start sends the two given back, and nothing twice.
			st, err := f.out.Send(f.ctx)
			if err != nil || st.Sent != 2 || len(f.sink.Received()) != 3 {
				t.Errorf("after restart: %+v, %v, %d received; want 2 more sent, 3 in all", st, err, len(f.sink.Received()))
			}
			if n, err := f.out.Recover(f.ctx, f.clock.Now().Add(time.Hour)); err != nil || n != 0 {
				t.Errorf("Recover found %d interrupted sends (%v), want 0", n, err)
			}
		})
	}
}
