package store

import (
	"context"
	"database/sql"
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
