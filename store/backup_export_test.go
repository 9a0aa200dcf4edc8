package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/nudgecrm/nudge"
)

// TableDump is every row of one table, for tests that compare databases.
type TableDump struct {
	Columns []string // by name
	Rows    [][]any  // in primary-key order
}

// Col is the position of a column in Columns, or -1.
func (d *TableDump) Col(name string) int { return slices.Index(d.Columns, name) }

// DumpRows returns every row of every table but schema_migrations, by table
// name, for tests that compare two databases cell by cell. It reads with
// plain queries, not through the backup format. Columns come in name order:
// the two backends' migrations may add them in another. portable reads
// booleans as 0 and 1, so that a SQLite database and a PostgreSQL one holding
// the same data compare equal.
func (db *DB) DumpRows(ctx context.Context, portable bool) (map[string]*TableDump, error) {
	tables, err := db.d.schemaTables(ctx, db.r)
	if err != nil {
		return nil, err
	}
	out := map[string]*TableDump{}
	for _, t := range tables {
		d := &TableDump{Columns: t.columnNames(), Rows: [][]any{}}
		slices.Sort(d.Columns)
		names := make([]string, len(d.Columns))
		for i, n := range d.Columns {
			names[i] = quoteIdent(n)
		}
		key := t.key
		if len(key) == 0 {
			key = t.columnNames()
		}
		var order []string
		for _, k := range key {
			o := quoteIdent(k)
			if c := t.cols[slices.IndexFunc(t.cols, func(c column) bool { return c.name == k })]; c.kind == kindText {
				o += db.d.textOrder
			}
			order = append(order, o)
		}
		rows, err := db.r.QueryContext(ctx, "SELECT "+strings.Join(names, ", ")+" FROM "+quoteIdent(t.name)+" ORDER BY "+strings.Join(order, ", "))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
		for rows.Next() {
			vals := make([]any, len(names))
			ptrs := make([]any, len(names))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return nil, fmt.Errorf("%s: %w", t.name, err)
			}
			for i, v := range vals {
				if b, ok := v.(bool); ok && portable {
					vals[i] = int64(0)
					if b {
						vals[i] = int64(1)
					}
				}
			}
			d.Rows = append(d.Rows, vals)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", t.name, err)
		}
		out[t.name] = d
	}
	return out, nil
}

// OpenAtVersion opens the database at dsn with the migrations up to version
// only, as an older nudge left it, for tests of restoring older backups. Exec
// writes to it with plain SQL, since the services expect the newest schema.
func OpenAtVersion(ctx context.Context, dsn string, clock nudge.Clock, version int) (*DB, error) {
	db, err := openUnmigrated(dsn, clock)
	if err != nil {
		return nil, err
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		db.Close()
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, createSchemaMigrations); err != nil {
		db.Close()
		return nil, err
	}
	l := &loader{ctx: ctx, db: db, tx: tx}
	if err := l.migrate(0, version); err != nil {
		db.Close()
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Exec runs one statement on the write pool.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.w.ExecContext(ctx, query, args...)
	return err
}
