package store

import (
	"context"
	"database/sql"
	"strings"
	"sync"
	"sync/atomic"
)

// stmtCache runs reads through prepared statements kept by SQL text. The
// pure-Go SQLite driver parses every statement it is handed; most of a
// request to the agenda API was spent there (profiled). PostgreSQL needs
// none: pgx already caches statements per connection.
type stmtCache struct {
	db *sql.DB
	m  sync.Map // SQL → *sql.Stmt
	n  atomic.Int32
}

// maxStmts bounds the cache: queries built from filters come in a few
// shapes, but one with an inlined LIMIT/OFFSET per page could grow without
// end; past the bound, statements run unprepared as before.
const maxStmts = 512

func (c *stmtCache) stmt(ctx context.Context, q string) *sql.Stmt {
	if s, ok := c.m.Load(q); ok {
		return s.(*sql.Stmt)
	}
	if c.n.Load() >= maxStmts {
		return nil
	}
	s, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil // the unprepared call reports the error
	}
	if prev, loaded := c.m.LoadOrStore(q, s); loaded {
		s.Close()
		return prev.(*sql.Stmt)
	}
	c.n.Add(1)
	return s
}

func (c *stmtCache) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s := c.stmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, q, args...)
}

func (c *stmtCache) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if s := c.stmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, q, args...)
}

func (c *stmtCache) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s := c.stmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return c.db.ExecContext(ctx, q, args...)
}

// Close closes the statements and the pool.
func (c *stmtCache) Close() error {
	c.m.Range(func(_, s any) bool {
		s.(*sql.Stmt).Close()
		return true
	})
	return c.db.Close()
}

// writeStmts keeps the SQLite writer's statements prepared for write
// transactions, where the engine spends its time: parsing a statement that
// fires the summary triggers (migration 0008) compiles their programs too,
// and was half of the CPU of a step (BenchmarkAdvanceSteps, profiled).
//
// The writer is one connection that is never recycled (openSQLite), so a
// statement prepared on the pool is prepared on that connection, and
// Tx.StmtContext hands it to a transaction without parsing it again. A
// statement is never prepared during a transaction — the pool's only
// connection is the transaction's, and preparing on the pool would wait for
// it forever — but noted, and prepared once the transaction has ended.
type writeStmts struct {
	db     *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt // nil: could not be prepared, runs unprepared
	wanted map[string]bool
}

func newWriteStmts(w *sql.DB) *writeStmts {
	return &writeStmts{db: w, m: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

// lookup returns q's prepared statement, or nil and notes q to be prepared
// after the transaction. Only data statements are kept: DDL run by
// migrations would not prepare again once applied.
func (w *writeStmts) lookup(q string) *sql.Stmt {
	w.mu.Lock()
	defer w.mu.Unlock()
	s, ok := w.m[q]
	if !ok && len(w.m)+len(w.wanted) < maxStmts && isDataStatement(q) {
		w.wanted[q] = true
	}
	return s
}

// prepareWanted prepares the statements noted by lookup. It runs after a
// transaction has ended; it may wait for another transaction to end.
func (w *writeStmts) prepareWanted(ctx context.Context) {
	if w == nil {
		return
	}
	w.mu.Lock()
	qs := make([]string, 0, len(w.wanted))
	for q := range w.wanted {
		qs = append(qs, q)
	}
	clear(w.wanted)
	w.mu.Unlock()
	for _, q := range qs {
		s, err := w.db.PrepareContext(ctx, q)
		if err != nil && ctx.Err() != nil {
			return // noted again the next time it runs
		}
		w.mu.Lock()
		if _, ok := w.m[q]; ok || err != nil {
			if s != nil {
				s.Close()
			}
			if !ok {
				w.m[q] = nil
			}
		} else {
			w.m[q] = s
		}
		w.mu.Unlock()
	}
}

func (w *writeStmts) close() error {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for q, s := range w.m {
		if s != nil {
			s.Close()
		}
		delete(w.m, q)
	}
	return nil
}

// isDataStatement reports whether q reads or writes rows (as opposed to
// changing the schema or a setting).
func isDataStatement(q string) bool {
	q = strings.TrimLeft(q, " \t\r\n(")
	for _, verb := range []string{"SELECT", "INSERT", "UPDATE", "DELETE", "WITH"} {
		if len(q) >= len(verb) && strings.EqualFold(q[:len(verb)], verb) {
			return true
		}
	}
	return false
}

// wtx is a write transaction. On SQLite its statements come prepared from
// writeStmts; each is bound to the transaction once and reused for the rest
// of it, so a long transaction holds one handle per distinct statement.
// Like *sql.Tx, a wtx is used by one goroutine at a time.
type wtx struct {
	*sql.Tx
	ws    *writeStmts
	stmts map[string]*sql.Stmt
}

func (t *wtx) stmt(ctx context.Context, q string) *sql.Stmt {
	if t.ws == nil {
		return nil
	}
	if s, ok := t.stmts[q]; ok {
		return s
	}
	p := t.ws.lookup(q)
	if p == nil {
		return nil
	}
	if t.stmts == nil {
		t.stmts = map[string]*sql.Stmt{}
	}
	s := t.Tx.StmtContext(ctx, p)
	t.stmts[q] = s
	return s
}

func (t *wtx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if s := t.stmt(ctx, q); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return t.Tx.QueryContext(ctx, q, args...)
}

func (t *wtx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if s := t.stmt(ctx, q); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.Tx.QueryRowContext(ctx, q, args...)
}

func (t *wtx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if s := t.stmt(ctx, q); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, q, args...)
}
