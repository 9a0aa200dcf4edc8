package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
)

// TestClaimOwners: two senders on one database (issue 7). Only the sender
// that claimed a message may start sending it; a sender starting beside a
// live one leaves its claims alone (PostgreSQL, where a live sender holds
// its lock), and takes them back once it is gone: what was mid-send becomes
// uncertain, what was only claimed goes back to the queue.
func TestClaimOwners(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			clock := nudge.NewFixedClock(time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC))
			open := func() *store.DB {
				db, err := store.Open(ctx, b.DSN, clock)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}
			first, second := open(), open()
			rep := &nudge.User{Email: "rep@a-z.example", Name: "Sam Rep"}
			if err := first.CreateUser(ctx, rep); err != nil {
				t.Fatal(err)
			}
			mb := store.Mailbox{UserID: rep.ID, Address: rep.Email, SMTPURL: "smtp://127.0.0.1:25?tls=none"}
			if err := first.SaveMailbox(ctx, &mb); err != nil {
				t.Fatal(err)
			}
			for i, email := range []string{"anna@acme.example", "bert@acme.example"} {
				p := &nudge.Person{Name: "Prospect", Email: email, OwnerID: rep.ID}
				if err := first.CreatePerson(ctx, p); err != nil {
					t.Fatal(err)
				}
				m := &store.Message{PersonID: p.ID, MailboxID: mb.ID, From: mb.Address, To: p.Email,
					MessageID: "m" + string(rune('0'+i)) + "@a-z.example", Subject: "Hello"}
				if err := first.QueueMessage(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			claimed, err := first.ClaimMessages(ctx, store.Claim{MailboxID: mb.ID, Now: clock.Now(), Limit: 2})
			if err != nil || len(claimed) != 2 {
				t.Fatalf("claimed %d messages, %v; want 2", len(claimed), err)
			}
			sending, waiting := claimed[0].ID, claimed[1].ID
			if err := second.MarkSending(ctx, sending); nudge.ErrorCode(err) != nudge.ECONFLICT {
				t.Fatalf("another sender started a claimed message: %v, want ECONFLICT", err)
			}
			if err := first.MarkSending(ctx, sending); err != nil {
				t.Fatal(err)
			}
			state := func(id int64) store.MessageState {
				t.Helper()
				ms, err := second.FindMessages(ctx, store.MessageFilter{ID: &id})
				if err != nil || len(ms) != 1 {
					t.Fatalf("message %d: %v", id, err)
				}
				return ms[0].State
			}
			want := func(what string, n, wantN int, a, b store.MessageState) {
				t.Helper()
				if n != wantN || state(sending) != a || state(waiting) != b {
					t.Errorf("%s: %d uncertain, messages %s and %s; want %d, %s and %s",
						what, n, state(sending), state(waiting), wantN, a, b)
				}
			}

			if b.Name == "postgres" {
				n, err := second.RecoverInterrupted(ctx, clock.Now())
				if err != nil {
					t.Fatal(err)
				}
				want("start-up recovery beside a live sender", n, 0, store.MessageSending, store.MessageClaimed)
				if n, err = second.RecoverAbandoned(ctx); err != nil {
					t.Fatal(err)
				}
				want("recovery while the sender lives", n, 0, store.MessageSending, store.MessageClaimed)
				first.Close() // the sender dies; its lock goes with its connection
				if n, err = second.RecoverAbandoned(ctx); err != nil {
					t.Fatal(err)
				}
				want("recovery once the sender is gone", n, 1, store.MessageUncertain, store.MessageQueued)
				return
			}
			// SQLite cannot tell a live sender from a dead one: only start-up
			// recovery takes claims back.
			n, err := second.RecoverAbandoned(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want("recovery on SQLite", n, 0, store.MessageSending, store.MessageClaimed)
			if n, err = second.RecoverInterrupted(ctx, clock.Now()); err != nil {
				t.Fatal(err)
			}
			want("start-up recovery on SQLite", n, 1, store.MessageUncertain, store.MessageQueued)
		})
	}
}
