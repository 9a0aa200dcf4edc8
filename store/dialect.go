package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// This file holds everything that differs between SQLite and PostgreSQL.
// Queries elsewhere are shared: both drivers bind $1, $2… by position (see
// TestPlaceholders), both speak INSERT … ON CONFLICT … RETURNING, and both
// schemas use the same column names and BIGINT milliseconds for instants.

const (
	sqliteName   = "sqlite"
	postgresName = "postgres"
)

// dialect is the behaviour that differs between the backends.
type dialect struct {
	name string
	// migrationLock runs first in every migration transaction so that
	// concurrent Opens apply each migration once (PostgreSQL); SQLite's single
	// writer with BEGIN IMMEDIATE already serialises them.
	migrationLock string
	// forUpdate locks rows read before they are rewritten in a transaction.
	forUpdate string
	// skipLocked claims rows no other transaction holds, so several
	// instances settle disjoint batches of due people (PostgreSQL); SQLite
	// has one writer and needs none.
	skipLocked string
	// textOrder collates ORDER BY on text bytewise, as SQLite does, so both
	// backends list in one order whatever the server's locale.
	textOrder string
	// created is the RETURNING expression of an upsert that tells a row it
	// inserted from one it merged. PostgreSQL marks inserted rows with xmax
	// 0. SQLite gives a new row an id above every existing one (the import
	// holds the write lock), so there the expression compares with maxID,
	// a parameter holding the highest id before the statement.
	created           func(maxID string) string
	createdNeedsMaxID bool
	// bulkCopy, when the backend has one, streams n rows into table on the
	// transaction's connection; row fills the i-th row's values. Import
	// stages each batch with it (PostgreSQL's COPY is several times faster
	// than the widest multi-row INSERT).
	bulkCopy func(ctx context.Context, conn *sql.Conn, table string, cols []string, n int, row func(i int, vals []any)) error
}

var (
	sqliteDialect = dialect{
		name:              sqliteName,
		created:           func(maxID string) string { return "id > " + maxID },
		createdNeedsMaxID: true,
	}
	postgresDialect = dialect{
		name: postgresName,
		// The key is arbitrary but fixed: "nudge" in ASCII.
		migrationLock: "SELECT pg_advisory_xact_lock(474415916901)",
		forUpdate:     " FOR UPDATE",
		skipLocked:    " FOR UPDATE SKIP LOCKED",
		textOrder:     ` COLLATE "C"`,
		created:       func(string) string { return "(xmax = 0)" },
		bulkCopy:      pgCopy,
	}
)

// param returns the placeholder of the k-th (1-based) parameter in the
// generated multi-row statements of an import. Hand-written queries use $k on
// both backends, but SQLite resolves a named parameter such as $k by a
// linear search of the statement's parameter names, which makes binding an
// INSERT of thousands of $k quadratic (100× slower at 500 rows × 26
// columns, measured); anonymous ? parameters cost nothing to look up.
func (d dialect) param(k int) string {
	if d.name == sqliteName {
		return "?"
	}
	return "$" + strconv.Itoa(k)
}

// isPostgresDSN reports whether dsn names a PostgreSQL server rather than a
// SQLite file.
func isPostgresDSN(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// indexedBy makes SQLite read a table through the named index (INDEXED BY):
// without statistics its planner prefers a plain index on the same leading
// column to a covering partial one. PostgreSQL's planner, which has
// statistics, chooses by itself.
func (d dialect) indexedBy(index string) string {
	if d.name == sqliteName {
		return " INDEXED BY " + index
	}
	return ""
}

// limit returns the LIMIT/OFFSET clause; limit 0 means no limit. SQLite needs
// a LIMIT before an OFFSET, where -1 means none.
func (d dialect) limit(limit, offset int) string {
	var b strings.Builder
	if limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(limit))
	} else if offset > 0 && d.name == sqliteName {
		b.WriteString(" LIMIT -1")
	}
	if offset > 0 {
		b.WriteString(" OFFSET " + strconv.Itoa(offset))
	}
	return b.String()
}

// sqliteDSN turns a file path into the modernc DSN with the pragmas every
// connection needs: WAL so readers never block the writer, foreign keys on
// (off by default in SQLite), a 5 s busy timeout for other processes holding
// the lock, and synchronous=NORMAL, which is durable across application
// crashes in WAL mode and far faster than FULL. The writer starts its
// transactions with BEGIN IMMEDIATE so it never has to upgrade a read lock.
func sqliteDSN(path string, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if writer {
		q.Add("_pragma", "journal_mode(WAL)")
		// A 64 MiB page cache keeps the people indexes in memory during a
		// large import; the default 2 MiB thrashes (measured in
		// BenchmarkImport).
		q.Add("_pragma", "cache_size(-65536)")
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
}

// openSQLite opens the file at path: one connection that writes, beside a pool
// that reads (as PocketBase does). SQLite allows one writer at a time; a
// single write connection queues writers in Go instead of making them spin on
// SQLITE_BUSY, and WAL lets the readers go on meanwhile.
func openSQLite(path string) (w, r *sql.DB, err error) {
	if path == "" {
		return nil, nil, errors.New("no database path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	w, err = sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		return nil, nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// Create the file and switch it to WAL before any reader opens it. The
	// switch of a new file needs an exclusive lock that SQLite does not wait
	// for (the busy timeout does not apply), so a second process opening the
	// same new file at that moment gets SQLITE_BUSY: retry for a while.
	for attempt := 0; ; attempt++ {
		err = w.Ping()
		if err == nil {
			break
		}
		if !isBusy(err) || attempt == 250 {
			w.Close()
			return nil, nil, err
		}
		time.Sleep(20 * time.Millisecond)
	}
	r, err = sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return w, r, nil
}

// openPostgres opens a pool on a PostgreSQL server through pgx.
func openPostgres(dsn string) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(5)
	return db, nil
}

// pgCopy runs COPY FROM STDIN through pgx on the connection under conn,
// inside whatever transaction conn has open.
func pgCopy(ctx context.Context, conn *sql.Conn, table string, cols []string, n int, row func(i int, vals []any)) error {
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("COPY needs a pgx connection, have %T", dc)
		}
		i := 0
		_, err := sc.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			vals := make([]any, len(cols))
			row(i, vals)
			i++
			return vals, nil
		}))
		return err
	})
}

// isBusy reports whether SQLite refused for a lock another connection holds.
func isBusy(err error) bool {
	e, ok := errors.AsType[*sqlite.Error](err)
	return ok && e.Code()&0xff == sqlite3.SQLITE_BUSY
}

// isUniqueViolation reports whether err is a unique-constraint failure.
func isUniqueViolation(err error) bool {
	if e, ok := errors.AsType[*sqlite.Error](err); ok {
		return e.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	if e, ok := errors.AsType[*pgconn.PgError](err); ok {
		return e.Code == "23505"
	}
	return false
}

// IsDiskFull reports whether err is the database running out of disk space
// (SQLite's SQLITE_FULL, PostgreSQL's disk_full): the statement or
// transaction that hit it was rolled back, and what was committed before
// is intact.
func IsDiskFull(err error) bool {
	if e, ok := errors.AsType[*sqlite.Error](err); ok {
		return e.Code()&0xff == sqlite3.SQLITE_FULL
	}
	if e, ok := errors.AsType[*pgconn.PgError](err); ok {
		return e.Code == "53100"
	}
	return false
}

// isForeignKeyViolation reports whether err is a foreign-key failure.
func isForeignKeyViolation(err error) bool {
	if e, ok := errors.AsType[*sqlite.Error](err); ok {
		return e.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	if e, ok := errors.AsType[*pgconn.PgError](err); ok {
		return e.Code == "23503"
	}
	return false
}
