package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
)

func TestLeases(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
			db, err := store.Open(ctx, b.DSN, nudge.NewFixedClock(t0))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			ttl := time.Minute
			want := func(holder string, at time.Time, ok bool) {
				t.Helper()
				got, err := db.AcquireLease(ctx, "imap/1", holder, at, ttl)
				if err != nil || got != ok {
					t.Fatalf("%s at +%v: got %v, %v; want %v", holder, at.Sub(t0), got, err, ok)
				}
			}
			want("a", t0, true)                                         // free
			want("b", t0.Add(30*time.Second), false)                    // a holds it
			want("a", t0.Add(50*time.Second), true)                     // a renews: now until +110 s
			want("b", t0.Add(100*time.Second), false)                   // still a's after the renewal
			want("b", t0.Add(110*time.Second), true)                    // a stopped renewing: expired, b takes it
			want("a", t0.Add(111*time.Second), false)                   // and a cannot take it back
			if err := db.ReleaseLease(ctx, "imap/1", "a"); err != nil { // not a's: no-op
				t.Fatal(err)
			}
			want("a", t0.Add(112*time.Second), false)
			if err := db.ReleaseLease(ctx, "imap/1", "b"); err != nil {
				t.Fatal(err)
			}
			want("a", t0.Add(113*time.Second), true) // released: free at once

			// Racing for a free lease: exactly one wins.
			var wg sync.WaitGroup
			wins := make(chan string, 8)
			for _, h := range []string{"h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8"} {
				wg.Go(func() {
					ok, err := db.AcquireLease(ctx, "imap/2", h, t0, ttl)
					if err != nil {
						t.Error(err)
					}
					if ok {
						wins <- h
					}
				})
			}
			wg.Wait()
			close(wins)
			if n := len(wins); n != 1 {
				t.Errorf("%d holders won one free lease, want 1", n)
			}
		})
	}
}
