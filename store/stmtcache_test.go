package store

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Statements of write transactions on SQLite are prepared after the first
// transaction that runs them and reused by later ones; statements that
// change the schema are not kept, and one that cannot be prepared outside
// its transaction still runs.
func TestWriteStmts(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "w.db"))
	ctx := t.Context()
	const ins = `INSERT INTO cadences (name, definition, updated_at) VALUES ($1, $2, $3)`
	const ddl = `CREATE TEMP TABLE scratch (n INTEGER)`
	const temp = `INSERT INTO scratch (n) VALUES ($1)`
	run := func(name string) {
		t.Helper()
		err := db.inTx(ctx, func(tx *wtx) error {
			if _, err := tx.ExecContext(ctx, ins, name, "{}", 0); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, ddl); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, temp, 1); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `DROP TABLE scratch`)
			return err
		})
		if err != nil {
			t.Fatalf("transaction %s: %v", name, err)
		}
	}
	cached := func(q string) (s bool, known bool) {
		db.ws.mu.Lock()
		defer db.ws.mu.Unlock()
		p, ok := db.ws.m[q]
		return p != nil, ok
	}

	run("a")
	if s, _ := cached(ins); !s {
		t.Fatalf("after one transaction the INSERT is not prepared")
	}
	if _, known := cached(ddl); known {
		t.Errorf("CREATE TEMP TABLE was kept: schema changes must not be")
	}
	// The temporary table is gone once the transaction ended, so its
	// INSERT cannot be prepared then: it is remembered as unpreparable and
	// runs unprepared.
	if s, known := cached(temp); s || !known {
		t.Errorf("INSERT into a dropped table: prepared %v, known %v; want false, true", s, known)
	}
	run("b")
	var n int
	if err := db.w.QueryRowContext(ctx, `SELECT count(*) FROM cadences WHERE name IN ('a', 'b')`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("stored %d cadences (%v), want 2", n, err)
	}
}

// Many goroutines running write transactions that each prepare statements
// afterwards must neither deadlock on the writer's one connection nor lose
// a write.
func TestWriteStmtsConcurrent(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "c.db"))
	ctx := t.Context()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				err := db.inTx(ctx, func(tx *wtx) error {
					// A statement per goroutine and round, so that new ones
					// keep being noted while others are prepared.
					q := `INSERT INTO cadences (name, definition, updated_at) VALUES ($1, $2, ` + string(rune('0'+g)) + `)`
					_, err := tx.ExecContext(ctx, q, string(rune('a'+g))+string(rune('A'+i%26))+string(rune('0'+i/26)), "{}")
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	var n int
	if err := db.w.QueryRowContext(context.Background(), `SELECT count(*) FROM cadences`).Scan(&n); err != nil || n != 8*50 {
		t.Fatalf("stored %d cadences (%v), want %d", n, err, 8*50)
	}
}

// A panic inside a write transaction must reach the caller, not hang in
// preparing the statements it noted: the transaction, still open, holds
// the writer's only connection.
func TestWriteStmtsPanic(t *testing.T) {
	db := openTest(t, filepath.Join(t.TempDir(), "p.db"))
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan any)
	go func() {
		defer func() { done <- recover() }()
		db.inTx(ctx, func(tx *wtx) error {
			if _, err := tx.ExecContext(ctx, `UPDATE cadences SET updated_at = 1 WHERE name = $1`, "x"); err != nil {
				return err
			}
			panic("bug")
		})
	}()
	select {
	case p := <-done:
		if p != "bug" {
			t.Fatalf("recovered %v, want the panic", p)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("inTx hung after a panic in its function")
	}
	cancel() // database/sql rolls the abandoned transaction back
	err := db.inTx(t.Context(), func(tx *wtx) error {
		_, err := tx.ExecContext(t.Context(), `INSERT INTO cadences (name, definition, updated_at) VALUES ('after', '{}', 0)`)
		return err
	})
	if err != nil {
		t.Fatalf("a write after the panic: %v", err)
	}
}
