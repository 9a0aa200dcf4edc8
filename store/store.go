package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// DB is an open nudge database. It implements the root package's services.
type DB struct {
	d     dialect
	w     *sql.DB     // writes and read-then-write transactions
	r     reader      // plain reads; the same pool as w on PostgreSQL
	ws    *writeStmts // SQLite: w's prepared statements for write transactions; nil on PostgreSQL
	clock nudge.Clock
	owner claimOwner // this handle's identity in claims of shared work (claim.go)
}

var (
	_ nudge.PersonService      = (*DB)(nil)
	_ nudge.CompanyService     = (*DB)(nil)
	_ nudge.InteractionService = (*DB)(nil)
	_ nudge.CommitmentService  = (*DB)(nil)
	_ nudge.DealService        = (*DB)(nil)
	_ nudge.UserService        = (*DB)(nil)
)

// Open opens the database named by dsn and brings its schema up to date. A
// dsn starting with postgres:// or postgresql:// is a PostgreSQL server;
// anything else is the path of a SQLite file, created with its directory if
// missing. clock stamps created_at and updated_at.
func Open(ctx context.Context, dsn string, clock nudge.Clock) (*DB, error) {
	db, err := openUnmigrated(dsn, clock)
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: migrate %s database: %w", db.d.name, err)
	}
	return db, nil
}

// openUnmigrated opens a database as Open does, without touching its schema:
// Restore decides which migrations run, inside its own transaction.
func openUnmigrated(dsn string, clock nudge.Clock) (*DB, error) {
	if clock == nil {
		return nil, errors.New("store: open: no clock")
	}
	db := &DB{clock: clock}
	if isPostgresDSN(dsn) {
		p, err := openPostgres(dsn)
		if err != nil {
			return nil, fmt.Errorf("store: open postgres: %w", err)
		}
		db.d, db.w, db.r = postgresDialect, p, p
		return db, nil
	}
	w, r, err := openSQLite(dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", dsn, err)
	}
	db.d, db.w, db.r, db.ws = sqliteDialect, w, &stmtCache{db: r}, newWriteStmts(w)
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	err := errors.Join(db.closeClaimOwner(), db.ws.close(), db.w.Close())
	if db.r != reader(db.w) {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.d.name }

// now is the clock's time as the store keeps it: UTC, to the millisecond.
func (db *DB) now() time.Time { return db.clock.Now().UTC().Truncate(time.Millisecond) }

// inTx runs f in a write transaction, committing if f returns nil.
// Statements first seen in it are prepared once it has ended, when the
// writer's connection is free again (writeStmts) — not on a panic, which
// leaves the transaction open.
func (db *DB) inTx(ctx context.Context, f func(tx *wtx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	err = f(&wtx{Tx: tx, ws: db.ws})
	if err != nil {
		tx.Rollback()
	} else if err = tx.Commit(); err != nil {
		err = fmt.Errorf("commit: %w", err)
	}
	db.ws.prepareWanted(ctx)
	return err
}

// querier is what *sql.DB and *sql.Tx share, so one finder serves both a
// plain read and a read inside a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// reader is the read pool: a *sql.DB, or a statement cache over one.
type reader interface {
	querier
	Close() error
}

// scanner is what *sql.Row and *sql.Rows share.
type scanner interface{ Scan(dest ...any) error }

// ms converts an instant to stored Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts stored Unix milliseconds to a UTC instant.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// msPtr stores an optional instant: NULL when nil.
func msPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMilli()
}

// fromMSPtr reads an optional instant.
func fromMSPtr(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}

// truncMS rounds an instant the way the store keeps it, so the caller's
// struct matches what a later read returns.
func truncMS(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

// ref stores a reference: NULL for 0 (none).
func ref(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// identityHash is what a tombstone keeps of an identifier: hex SHA-256, or ""
// for an empty one.
func identityHash(s string) string {
	if s == "" {
		return ""
	}
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// where builds a WHERE clause with numbered placeholders.
type where struct {
	conds []string
	args  []any
}

// arg adds a value and returns its placeholder.
func (w *where) arg(v any) string {
	w.args = append(w.args, v)
	return "$" + strconv.Itoa(len(w.args))
}

// add adds a condition.
func (w *where) add(cond string) { w.conds = append(w.conds, cond) }

func (w *where) String() string {
	if len(w.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(w.conds, " AND ")
}

// likePattern turns a search query into a case-insensitive LIKE pattern
// (used with ESCAPE '\'); columns are compared through lower().
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(strings.TrimSpace(q))) + "%"
}

// notFound returns ENOTFOUND for sql.ErrNoRows and wraps anything else.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return nudge.Errorf(nudge.ENOTFOUND, format, args...)
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// checkAffected returns ENOTFOUND when a statement touched no row.
func checkAffected(res sql.Result, format string, args ...any) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return nudge.Errorf(nudge.ENOTFOUND, format, args...)
	}
	return nil
}
