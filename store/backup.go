package store

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/nudgecrm/nudge"
)

// Backup and restore (issue 7 §4).
//
// A backup is one gzip stream of JSON lines, the same for both backends, so a
// team outgrowing a laptop restores its SQLite backup into PostgreSQL (and
// back). The lines are, in order:
//
//	{"nudge_backup":1,"schema":7,"dialect":"sqlite","taken_at":"2026-11-30T14:00:00Z"}
//	{"table":"people","columns":["id","name",…],"kinds":["integer","text",…]}
//	[1,"Anna Müller",…]                  one JSON array per row, in primary-key order
//	{"end":"people","rows":1}
//	…                                    every table of the schema, by name
//	{"end_of_backup":true,"tables":21,"rows":1234}
//
// A value is null, true/false (PostgreSQL booleans), an integer, a number
// with a '.' or an exponent (a real, so 3.0 stays a real), a string (valid
// UTF-8 text), {"base64":"…"} (bytes: a blob, or text that is not UTF-8) or
// {"float":"NaN"|"+Inf"|"-Inf"}. Restore converts each value to the type of
// the target's column, so SQLite's 0/1 becomes PostgreSQL's false/true and
// back. The last line and gzip's checksum make a cut or damaged file an
// error rather than a smaller database.

// backupFormat is the version of the file format written and understood.
const backupFormat = 1

// BackupReport describes a backup: what Backup wrote or Restore loaded.
type BackupReport struct {
	Format  int          `json:"format"`
	Schema  int          `json:"schema"`  // migration version of the data in the file
	Dialect string       `json:"dialect"` // backend the backup was taken from
	TakenAt time.Time    `json:"taken_at"`
	Tables  []TableCount `json:"tables"`
	Rows    int64        `json:"rows"`
	// MigratedTo is, after a restore, the schema version the database was
	// brought up to once the rows were loaded (the program's newest).
	MigratedTo int `json:"migrated_to,omitempty"`
}

// TableCount is the number of rows of one table in a backup.
type TableCount struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
}

// Column kinds: how values are written and what restore converts them to.
const (
	kindInteger = "integer"
	kindReal    = "real"
	kindBoolean = "boolean"
	kindText    = "text"
	kindBlob    = "blob"
	kindAny     = "any" // SQLite NUMERIC (or no) affinity: the value as it is
)

// table is one table of the schema as the catalogue describes it.
type table struct {
	name string
	cols []column
	key  []string // primary key columns in key order; none: order by every column
}

type column struct{ name, kind string }

func (t *table) columnNames() []string {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	return names
}

// quoteIdent quotes an identifier for both SQLite and PostgreSQL.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// schemaTables lists every table of the database but the migrations'
// bookkeeping, by name, with its columns and primary key, from the
// catalogue: tables added by later migrations are backed up without anyone
// listing them. One query, as restore runs it on every table.
func (d dialect) schemaTables(ctx context.Context, q querier) ([]*table, error) {
	// table_info leaves out generated columns, which cannot be inserted.
	query := `SELECT m.name, p.name, p.type, p.pk FROM sqlite_master m, pragma_table_info(m.name) p
		WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name <> 'schema_migrations'
		ORDER BY m.name, p.cid`
	if d.name == postgresName {
		// indkey is zero-based: key position n is array_position n-1.
		query = `SELECT c.table_name::text, c.column_name::text, c.data_type::text,
				COALESCE(array_position(i.indkey::int2[], a.attnum) + 1, 0)
			FROM information_schema.columns c
			JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
				AND t.table_type = 'BASE TABLE'
			JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_schema) || '.' || quote_ident(c.table_name))::regclass
				AND a.attname = c.column_name
			LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
			WHERE c.table_schema = current_schema() AND c.table_name <> 'schema_migrations' AND c.is_generated = 'NEVER'
			ORDER BY c.table_name::text COLLATE "C", c.ordinal_position`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var tables []*table
	keys := map[*table]map[int]string{}
	for rows.Next() {
		var name, col, typ string
		var pk int
		if err := rows.Scan(&name, &col, &typ, &pk); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		if len(tables) == 0 || tables[len(tables)-1].name != name {
			tables = append(tables, &table{name: name})
		}
		t := tables[len(tables)-1]
		kind := sqliteKind(typ)
		if d.name == postgresName {
			if kind = postgresKind(typ); kind == "" {
				return nil, fmt.Errorf("table %s: column %s has type %s, which backups do not carry", name, col, typ)
			}
		}
		t.cols = append(t.cols, column{col, kind})
		if pk > 0 {
			if keys[t] == nil {
				keys[t] = map[int]string{}
			}
			keys[t][pk] = col
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	for t, k := range keys {
		for _, pos := range slices.Sorted(maps.Keys(k)) {
			t.key = append(t.key, k[pos])
		}
	}
	return tables, nil
}

// sqliteKind applies SQLite's affinity rules (https://sqlite.org/datatype3.html §3.1)
// to a declared column type.
func sqliteKind(decl string) string {
	u := strings.ToUpper(decl)
	switch {
	case strings.Contains(u, "INT"):
		return kindInteger
	case strings.Contains(u, "CHAR"), strings.Contains(u, "CLOB"), strings.Contains(u, "TEXT"):
		return kindText
	case strings.Contains(u, "BLOB"):
		return kindBlob
	case strings.Contains(u, "REAL"), strings.Contains(u, "FLOA"), strings.Contains(u, "DOUB"):
		return kindReal
	}
	return kindAny
}

// postgresKind maps a PostgreSQL data type to a kind, or "" when a backup
// cannot carry it faithfully (the schema uses none of those: instants are
// BIGINT milliseconds, JSON is TEXT).
func postgresKind(typ string) string {
	switch typ {
	case "bigint", "integer", "smallint":
		return kindInteger
	case "double precision", "real":
		return kindReal
	case "boolean":
		return kindBoolean
	case "text", "character varying", "character":
		return kindText
	case "bytea":
		return kindBlob
	}
	return ""
}

// schemaVersion is the newest migration applied, 0 for a database without any.
func schemaVersion(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// latestVersion is the newest migration this program has for the dialect.
func (d dialect) latestVersion() (int, error) {
	ms, err := migrations(d.name)
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	return ms[len(ms)-1].version, nil
}

// Backup writes every row of every table to w, as one consistent snapshot,
// while the application goes on reading and writing: a REPEATABLE READ READ
// ONLY transaction on PostgreSQL, a read transaction on SQLite (WAL lets the
// writer go on beside it). Tables are written in name order, rows in primary
// key order, so two backups of the same data are the same file.
func (db *DB) Backup(ctx context.Context, w io.Writer) (*BackupReport, error) {
	var tx *sql.Tx
	var err error
	if db.d.name == postgresName {
		tx, err = db.w.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	} else {
		// The read pool: its connections never take the write lock.
		tx, err = db.r.(*stmtCache).db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	}
	if err != nil {
		return nil, fmt.Errorf("backup: begin: %w", err)
	}
	defer tx.Rollback() // read only: nothing to commit
	// The first read fixes the snapshot; everything below reads from it.
	version, err := schemaVersion(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("backup: schema version: %w", err)
	}
	tables, err := db.d.schemaTables(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	rep := &BackupReport{Format: backupFormat, Schema: version, Dialect: db.d.name, TakenAt: db.now()}
	zw, err := gzip.NewWriterLevel(w, gzip.BestSpeed) // the snapshot stays open while we compress
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(zw, 1<<16)
	if err := writeJSONLine(bw, backupHeader{Format: backupFormat, Schema: version, Dialect: db.d.name, TakenAt: rep.TakenAt}); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	for _, t := range tables {
		n, err := db.backupTable(ctx, tx, bw, t)
		if err != nil {
			return nil, fmt.Errorf("backup: table %s: %w", t.name, err)
		}
		rep.Tables = append(rep.Tables, TableCount{Table: t.name, Rows: n})
		rep.Rows += n
		// Flush each table through gzip: whoever reads the other end of a
		// pipe sees the backup advance table by table.
		if err := bw.Flush(); err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		if err := zw.Flush(); err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
	}
	if err := writeJSONLine(bw, backupTrailer{Done: true, Tables: len(tables), Rows: rep.Rows}); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return rep, nil
}

type backupHeader struct {
	Format  int       `json:"nudge_backup"`
	Schema  int       `json:"schema"`
	Dialect string    `json:"dialect"`
	TakenAt time.Time `json:"taken_at"`
}

type tableHeader struct {
	Table   string   `json:"table"`
	Columns []string `json:"columns"`
	Kinds   []string `json:"kinds"`
}

type tableEnd struct {
	End  string `json:"end"`
	Rows int64  `json:"rows"`
}

type backupTrailer struct {
	Done   bool  `json:"end_of_backup"`
	Tables int   `json:"tables"`
	Rows   int64 `json:"rows"`
}

func writeJSONLine(w *bufio.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Write(b)
	return w.WriteByte('\n')
}

func (db *DB) backupTable(ctx context.Context, tx *sql.Tx, w *bufio.Writer, t *table) (int64, error) {
	kinds := make([]string, len(t.cols))
	for i, c := range t.cols {
		kinds[i] = c.kind
	}
	if err := writeJSONLine(w, tableHeader{Table: t.name, Columns: t.columnNames(), Kinds: kinds}); err != nil {
		return 0, err
	}
	cols := make([]string, len(t.cols))
	for i, c := range t.cols {
		cols[i] = quoteIdent(c.name)
	}
	order := t.key
	if len(order) == 0 {
		order = t.columnNames()
	}
	var by []string
	for _, name := range order {
		o := quoteIdent(name)
		if i := slices.IndexFunc(t.cols, func(c column) bool { return c.name == name }); i >= 0 && t.cols[i].kind == kindText {
			o += db.d.textOrder // one order on both backends
		}
		by = append(by, o)
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+strings.Join(cols, ", ")+" FROM "+quoteIdent(t.name)+
		" ORDER BY "+strings.Join(by, ", "))
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	var line []byte
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		line = append(line[:0], '[')
		for i, v := range vals {
			if i > 0 {
				line = append(line, ',')
			}
			if line, err = appendValue(line, v); err != nil {
				return n, fmt.Errorf("column %s: %w", t.cols[i].name, err)
			}
		}
		line = append(line, "]\n"...)
		if _, err := w.Write(line); err != nil {
			return n, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, writeJSONLine(w, tableEnd{End: t.name, Rows: n})
}

// appendValue appends the JSON of one stored value (see the format above).
func appendValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Appendf(b, `{"float":"%s"}`, strconv.FormatFloat(v, 'g', -1, 64)), nil
		}
		start := len(b)
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
		if !bytes.ContainsAny(b[start:], ".e") {
			b = append(b, ".0"...) // 3.0 stays a real, not the integer 3
		}
		return b, nil
	case float32:
		return appendValue(b, float64(v))
	case string:
		if !utf8.ValidString(v) {
			return appendBytes(b, []byte(v)), nil
		}
		return appendJSONString(b, v), nil
	case []byte:
		return appendBytes(b, v), nil
	}
	return b, fmt.Errorf("cannot back up a value of type %T", v)
}

func appendBytes(b, v []byte) []byte {
	b = append(b, `{"base64":"`...)
	b = base64.StdEncoding.AppendEncode(b, v)
	return append(b, `"}`...)
}

// appendJSONString quotes valid UTF-8 as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// RestoreOptions tune Restore.
type RestoreOptions struct {
	// Force replaces the rows of a database that is not empty. Without it,
	// Restore refuses such a database (ECONFLICT).
	Force bool
}

// Restore loads a backup into the database named by dsn (as Open takes it),
// all or nothing, in one transaction:
//
//   - the database's schema is brought to the backup's version (a new SQLite
//     file or an empty PostgreSQL schema starts from nothing), the rows are
//     loaded, then the migrations newer than the backup run over them, as they
//     would have over the original database;
//   - a database with rows is refused unless opts.Force, which replaces all of
//     them; so is a backup newer than this program (EINVALID) and a database
//     whose schema is already past the backup's (ECONFLICT: restore into a new
//     database);
//   - a cut or damaged file, a table or column the schema lacks, or rows that
//     break a key are errors naming the line and table, and nothing changes.
//
// The file holds tables in name order, children before parents (and users
// and teams refer to each other), so foreign keys are checked once every
// table is loaded. Triggers do not fire during the load: the summary tables
// they keep are in the file as they were. PostgreSQL identity sequences are
// moved past the restored ids.
func Restore(ctx context.Context, dsn string, clock nudge.Clock, r io.Reader, opts RestoreOptions) (*BackupReport, error) {
	db, err := openUnmigrated(dsn, clock)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return db.restore(ctx, r, opts)
}

func (db *DB) restore(ctx context.Context, r io.Reader, opts RestoreOptions) (*BackupReport, error) {
	latest, err := db.d.latestVersion()
	if err != nil {
		return nil, err
	}
	in, err := newBackupReader(r)
	if err != nil {
		return nil, err
	}
	rep, err := in.header()
	if err != nil {
		return nil, err
	}
	if rep.Schema > latest {
		return nil, nudge.Errorf(nudge.EINVALID, "the backup is at schema version %d, newer than this program knows (%d): restore it with a newer nudge",
			rep.Schema, latest)
	}
	// One connection: on PostgreSQL the COPY runs on the transaction's
	// connection, reached through conn.Raw.
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer conn.Close()
	if db.d.name == sqliteName {
		// Foreign keys are checked once, by foreign_key_check at the end
		// (finish): the file holds children before parents, and SQLite's
		// deferred keys would scan every child table without an index on
		// each parent row inserted while a child waits for its parent. The
		// pragma cannot change inside a transaction; the connection dies
		// with db when Restore returns.
		if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
			return nil, fmt.Errorf("restore: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA foreign_keys = ON`)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("restore: begin: %w", err)
	}
	defer tx.Rollback() // no-op after Commit
	l := &loader{ctx: ctx, db: db, conn: conn, tx: tx, in: in, rep: rep}
	if err := l.prepare(opts); err != nil {
		return nil, err
	}
	if err := l.load(); err != nil {
		return nil, err
	}
	if err := l.finish(latest); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("restore: commit: %w", err)
	}
	rep.MigratedTo = latest
	return rep, nil
}

// loader is the state of one restore.
type loader struct {
	ctx    context.Context
	db     *DB
	conn   *sql.Conn
	tx     *sql.Tx
	in     *backupReader
	rep    *BackupReport
	tables map[string]*table
	// foreignKeys are PostgreSQL's foreign keys, dropped for the load and
	// added back (and so checked) at its end.
	foreignKeys []foreignKey
	// triggers are those suspended for the load: on SQLite, which cannot
	// disable one, the name and CREATE statement of each trigger dropped; on
	// PostgreSQL the table and name of each trigger disabled.
	triggers [][2]string
}

// prepare brings the schema to the backup's version and empties it.
func (l *loader) prepare(opts RestoreOptions) error {
	ctx, tx, d := l.ctx, l.tx, l.db.d
	if d.migrationLock != "" {
		if _, err := tx.ExecContext(ctx, d.migrationLock); err != nil {
			return fmt.Errorf("restore: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, createSchemaMigrations); err != nil {
		return fmt.Errorf("restore: schema_migrations: %w", err)
	}
	current, err := schemaVersion(ctx, tx)
	if err != nil {
		return fmt.Errorf("restore: schema version: %w", err)
	}
	if current > l.rep.Schema {
		return nudge.Errorf(nudge.ECONFLICT, "the database is at schema version %d, past the backup's %d: restore into a new, empty database (nudge creates the schema at the backup's version and upgrades it)",
			current, l.rep.Schema)
	}
	if err := l.migrate(current, l.rep.Schema); err != nil {
		return err
	}
	tables, err := d.schemaTables(ctx, tx)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	l.tables = map[string]*table{}
	var names, quoted, exists []string
	for _, t := range tables {
		l.tables[t.name] = t
		names = append(names, t.name)
		quoted = append(quoted, quoteIdent(t.name))
		exists = append(exists, "SELECT "+quoteLiteral(t.name)+" WHERE EXISTS (SELECT 1 FROM "+quoteIdent(t.name)+")")
	}
	if len(exists) > 0 {
		var full string
		err := tx.QueryRowContext(ctx, strings.Join(exists, " UNION ALL ")+" LIMIT 1").Scan(&full)
		if err == nil && !opts.Force {
			return nudge.Errorf(nudge.ECONFLICT, "the database is not empty (table %s has rows): restore into a new database, or replace everything with --force", full)
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("restore: is the database empty: %w", err)
		}
	}
	// Triggers keep summary tables (report/doc.go); the backup holds those
	// tables as they were, so none may fire while the rows go in — nor
	// while --force empties the tables.
	if err := l.suspendTriggers(); err != nil {
		return err
	}
	if opts.Force && len(names) > 0 {
		empty := []string{"TRUNCATE " + strings.Join(quoted, ", ")}
		if d.name == sqliteName {
			empty = empty[:0]
			for _, q := range quoted {
				empty = append(empty, "DELETE FROM "+q)
			}
		}
		if err := l.execAll(empty); err != nil {
			return fmt.Errorf("restore: empty the database: %w", err)
		}
	}
	if d.name == postgresName {
		return l.dropForeignKeys()
	}
	return nil
}

// createSchemaMigrations is the bookkeeping table, as migrate creates it.
const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    BIGINT PRIMARY KEY,
	applied_at BIGINT NOT NULL
)`

// migrate applies the migrations after version from up to version to, in
// the restore's transaction.
func (l *loader) migrate(from, to int) error {
	list, err := migrations(l.db.d.name)
	if err != nil {
		return err
	}
	for _, m := range list {
		if m.version <= from || m.version > to {
			continue
		}
		if _, err := l.tx.ExecContext(l.ctx, m.sql); err != nil {
			return fmt.Errorf("restore: migration %s: %w", m.name, err)
		}
		if _, err := l.tx.ExecContext(l.ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
			m.version, ms(l.db.now())); err != nil {
			return fmt.Errorf("restore: migration %s: %w", m.name, err)
		}
	}
	return nil
}

// suspendTriggers stops the schema's triggers from firing until
// resumeTriggers: SQLite's are dropped and created again, PostgreSQL's
// disabled and enabled (both inside the restore's transaction).
func (l *loader) suspendTriggers() error {
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name`
	if l.db.d.name == postgresName {
		q = `SELECT t.tgrelid::regclass::text, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
			WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND c.relnamespace = current_schema()::regnamespace ORDER BY 1, 2`
	}
	rows, err := l.tx.QueryContext(l.ctx, q)
	if err != nil {
		return fmt.Errorf("restore: triggers: %w", err)
	}
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			rows.Close()
			return fmt.Errorf("restore: triggers: %w", err)
		}
		l.triggers = append(l.triggers, [2]string{a, b})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("restore: triggers: %w", err)
	}
	var stmts []string
	for _, tr := range l.triggers {
		stmt := "DROP TRIGGER " + quoteIdent(tr[0])
		if l.db.d.name == postgresName {
			stmt = "ALTER TABLE " + tr[0] + " DISABLE TRIGGER " + quoteIdent(tr[1])
		}
		stmts = append(stmts, stmt)
	}
	if err := l.execAll(stmts); err != nil {
		return fmt.Errorf("restore: suspend triggers: %w", err)
	}
	return nil
}

// resumeTriggers undoes suspendTriggers.
func (l *loader) resumeTriggers() error {
	var stmts []string
	for _, tr := range l.triggers {
		stmt := tr[1]
		if l.db.d.name == postgresName {
			stmt = "ALTER TABLE " + tr[0] + " ENABLE TRIGGER " + quoteIdent(tr[1])
		}
		stmts = append(stmts, stmt)
	}
	if err := l.execAll(stmts); err != nil {
		return fmt.Errorf("restore: resume triggers: %w", err)
	}
	return nil
}

// execAll runs statements in one round trip: both drivers run every
// statement of a text without parameters (the migrations rely on it), and
// a restore into PostgreSQL sends hundreds of them.
func (l *loader) execAll(stmts []string) error {
	if len(stmts) == 0 {
		return nil
	}
	_, err := l.tx.ExecContext(l.ctx, strings.Join(stmts, ";\n"))
	return err
}

// quoteLiteral quotes a string as an SQL literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// foreignKey is one PostgreSQL foreign key: its table (as regclass prints
// it, quoted where needed), name and definition.
type foreignKey struct{ table, name, def string }

// dropForeignKeys drops PostgreSQL's foreign keys for the load; finish adds
// them back, which checks every row at once. The file holds tables in name
// order, children before parents (and users and teams refer to each other),
// so the keys cannot hold row by row; checked at the end, they cost one
// query each rather than a queue of row checks (pg_restore does the same).
// Dropping needs only ownership of the tables, which the migrations' role
// has; a failed restore rolls the drops back with the rest.
func (l *loader) dropForeignKeys() error {
	rows, err := l.tx.QueryContext(l.ctx, `SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
		FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace ORDER BY 1, 2`)
	if err != nil {
		return fmt.Errorf("restore: foreign keys: %w", err)
	}
	for rows.Next() {
		var fk foreignKey
		if err := rows.Scan(&fk.table, &fk.name, &fk.def); err != nil {
			rows.Close()
			return fmt.Errorf("restore: foreign keys: %w", err)
		}
		l.foreignKeys = append(l.foreignKeys, fk)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("restore: foreign keys: %w", err)
	}
	var stmts []string
	for _, fk := range l.foreignKeys {
		stmts = append(stmts, "ALTER TABLE "+fk.table+" DROP CONSTRAINT "+quoteIdent(fk.name))
	}
	if err := l.execAll(stmts); err != nil {
		return fmt.Errorf("restore: drop the foreign keys for the load: %w", err)
	}
	return nil
}

// load reads the tables of the file and stores their rows.
func (l *loader) load() error {
	seen := map[string]bool{}
	for {
		line, err := l.in.next()
		if err != nil {
			return err
		}
		var obj struct {
			Table   *string  `json:"table"`
			Columns []string `json:"columns"`
			Done    bool     `json:"end_of_backup"`
			Tables  int      `json:"tables"`
			Rows    int64    `json:"rows"`
		}
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &obj) != nil || (obj.Table == nil && !obj.Done) {
			return l.in.errorf("want a table or the end of the backup")
		}
		if obj.Done {
			if obj.Tables != len(l.rep.Tables) || obj.Rows != l.rep.Rows {
				return l.in.errorf("the backup says it holds %d tables and %d rows, but %d tables and %d rows were read",
					obj.Tables, obj.Rows, len(l.rep.Tables), l.rep.Rows)
			}
			break
		}
		name := *obj.Table
		if seen[name] {
			return l.in.errorf("table %s appears twice", name)
		}
		seen[name] = true
		n, err := l.loadTable(name, obj.Columns)
		if err != nil {
			return err
		}
		l.rep.Tables = append(l.rep.Tables, TableCount{Table: name, Rows: n})
		l.rep.Rows += n
	}
	if err := l.in.end(); err != nil {
		return err
	}
	for name := range l.tables {
		if !seen[name] {
			return nudge.Errorf(nudge.EINVALID, "the backup has no table %s, which the schema at version %d has: it is not a whole backup", name, l.rep.Schema)
		}
	}
	return nil
}

// restoreBatch is how many rows go in one INSERT (SQLite, within its 32,766
// parameters) or one COPY (PostgreSQL).
const restoreBatch = 500

func (l *loader) loadTable(name string, cols []string) (int64, error) {
	t := l.tables[name]
	if t == nil {
		return 0, nudge.Errorf(nudge.EINVALID, "backup line %d: table %s is not in the schema at version %d", l.in.line, name, l.rep.Schema)
	}
	// The file's columns, in its order, must be exactly the schema's.
	kinds := make([]string, len(cols))
	for i, c := range cols {
		j := slices.IndexFunc(t.cols, func(tc column) bool { return tc.name == c })
		if j < 0 || slices.Index(cols[:i], c) >= 0 {
			return 0, nudge.Errorf(nudge.EINVALID, "backup line %d: table %s: column %q is not in the schema at version %d (or is listed twice)", l.in.line, name, c, l.rep.Schema)
		}
		kinds[i] = t.cols[j].kind
	}
	if len(cols) != len(t.cols) {
		for _, tc := range t.cols {
			if !slices.Contains(cols, tc.name) {
				return 0, nudge.Errorf(nudge.EINVALID, "backup line %d: table %s has no column %s in the backup", l.in.line, name, tc.name)
			}
		}
	}
	size := restoreBatch
	if l.db.d.bulkCopy == nil {
		size = max(1, min(restoreBatch, 30000/len(cols)))
	}
	var (
		batch [][]any
		n     int64
		full  *sql.Stmt // SQLite: the INSERT of a whole batch
	)
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := l.insert(t, cols, batch, &full, size)
		if badData(err) {
			return nudge.Errorf(nudge.EINVALID, "restore table %s, rows up to backup line %d: the database refuses them: %v", name, l.in.line, err)
		}
		if err != nil {
			return fmt.Errorf("restore table %s, rows up to backup line %d: %w", name, l.in.line, err)
		}
		batch = batch[:0]
		return nil
	}
	for {
		line, err := l.in.next()
		if err != nil {
			return n, err
		}
		if len(line) > 0 && line[0] == '{' {
			var end tableEnd
			if err := json.Unmarshal(line, &end); err != nil || end.End != name {
				return n, l.in.errorf("want a row of table %s or its end", name)
			}
			if end.Rows != n {
				return n, l.in.errorf("table %s should have %d rows, the backup has %d", name, end.Rows, n)
			}
			return n, flush()
		}
		row, err := decodeRow(line, cols, kinds)
		if err != nil {
			return n, l.in.errorf("table %s: %v", name, err)
		}
		batch = append(batch, row)
		n++
		if len(batch) == size {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
}

// badData reports whether the database refused rows for what they hold (a
// key twice, a NULL where none may be, a value out of range) rather than
// for its own trouble: the file is at fault, and the error says so.
func badData(err error) bool {
	if e, ok := errors.AsType[*sqlite.Error](err); ok {
		c := e.Code() & 0xff
		return c == sqlite3.SQLITE_CONSTRAINT || c == sqlite3.SQLITE_MISMATCH || c == sqlite3.SQLITE_TOOBIG
	}
	if e, ok := errors.AsType[*pgconn.PgError](err); ok {
		return strings.HasPrefix(e.Code, "22") || strings.HasPrefix(e.Code, "23") // data exception, integrity constraint
	}
	return false
}

// insert stores a batch: COPY on PostgreSQL, a multi-row INSERT on SQLite.
func (l *loader) insert(t *table, cols []string, batch [][]any, full **sql.Stmt, size int) error {
	if l.db.d.bulkCopy != nil {
		// COPY writes given values into identity columns (as OVERRIDING
		// SYSTEM VALUE would); finish moves the sequences past them.
		return l.db.d.bulkCopy(l.ctx, l.conn, t.name, cols, len(batch), func(i int, vals []any) { copy(vals, batch[i]) })
	}
	stmt := *full
	if len(batch) != size || stmt == nil {
		s, err := l.tx.PrepareContext(l.ctx, insertSQL(l.db.d, t.name, cols, len(batch)))
		if err != nil {
			return err
		}
		if len(batch) == size {
			*full = s
		} else {
			defer s.Close()
		}
		stmt = s
	}
	args := make([]any, 0, len(batch)*len(cols))
	for _, row := range batch {
		args = append(args, row...)
	}
	_, err := stmt.ExecContext(l.ctx, args...)
	return err
}

func insertSQL(d dialect, table string, cols []string, rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + quoteIdent(table) + " (")
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteIdent(c))
	}
	b.WriteString(") VALUES ")
	k := 0
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i := range cols {
			if i > 0 {
				b.WriteString(", ")
			}
			k++
			b.WriteString(d.param(k))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// finish checks the foreign keys, moves PostgreSQL's sequences past the
// restored ids and applies the migrations newer than the backup.
func (l *loader) finish(latest int) error {
	ctx, tx := l.ctx, l.tx
	if l.db.d.name == postgresName {
		var stmts []string
		for _, fk := range l.foreignKeys {
			stmts = append(stmts, "ALTER TABLE "+fk.table+" ADD CONSTRAINT "+quoteIdent(fk.name)+" "+fk.def)
		}
		if err := l.execAll(stmts); err != nil {
			if e, ok := errors.AsType[*pgconn.PgError](err); ok && e.Code == "23503" {
				return nudge.Errorf(nudge.EINVALID, "the backup breaks a foreign key of table %s (%s): %s", e.TableName, e.ConstraintName, e.Detail)
			}
			return fmt.Errorf("restore: add the foreign keys back: %w", err)
		}
		if err := l.resetSequences(); err != nil {
			return err
		}
	}
	if err := l.resumeTriggers(); err != nil {
		return err
	}
	if err := l.migrate(l.rep.Schema, latest); err != nil {
		return err
	}
	if l.db.d.name == sqliteName {
		// After the migrations too: they ran without foreign keys.
		return checkForeignKeys(ctx, tx)
	}
	return nil
}

// checkForeignKeys runs SQLite's foreign_key_check, which names the row
// at fault where a failing COMMIT would not.
func checkForeignKeys(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `PRAGMA foreign_key_check`)
	if err != nil {
		return fmt.Errorf("restore: check foreign keys: %w", err)
	}
	defer rows.Close()
	if rows.Next() {
		var child, parent string
		var rowid sql.NullInt64
		var fkid int
		if err := rows.Scan(&child, &rowid, &parent, &fkid); err != nil {
			return fmt.Errorf("restore: check foreign keys: %w", err)
		}
		return nudge.Errorf(nudge.EINVALID, "the backup breaks a foreign key: row %d of table %s refers to a row of %s that is not there",
			rowid.Int64, child, parent)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("restore: check foreign keys: %w", err)
	}
	return nil
}

// resetSequences moves PostgreSQL's identity sequences past the restored
// ids, so the next row gets the next id.
func (l *loader) resetSequences() error {
	rows, err := l.tx.QueryContext(l.ctx, `SELECT table_name::text, column_name::text,
			pg_get_serial_sequence(quote_ident(table_name), column_name)
		FROM information_schema.columns WHERE table_schema = current_schema()
			AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')`)
	if err != nil {
		return fmt.Errorf("restore: sequences: %w", err)
	}
	var stmts []string
	for rows.Next() {
		var table, col string
		var seq sql.NullString
		if err := rows.Scan(&table, &col, &seq); err != nil {
			rows.Close()
			return fmt.Errorf("restore: sequences: %w", err)
		}
		if seq.Valid {
			stmts = append(stmts, "SELECT setval("+quoteLiteral(seq.String)+", COALESCE((SELECT MAX("+quoteIdent(col)+") FROM "+
				quoteIdent(table)+"), 0) + 1, false)")
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("restore: sequences: %w", err)
	}
	if err := l.execAll(stmts); err != nil {
		return fmt.Errorf("restore: sequences: %w", err)
	}
	return nil
}

// backupReader reads the lines of a backup file and counts them, so errors
// name the line (of the uncompressed stream) they are about.
type backupReader struct {
	in   *bufio.Reader
	line int
}

func newBackupReader(r io.Reader) (*backupReader, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, nudge.Errorf(nudge.EINVALID, "not a nudge backup (not a gzip file: %v)", err)
	}
	return &backupReader{in: bufio.NewReaderSize(zr, 1<<16)}, nil
}

// next returns the next line without its newline. A file that ends
// before the last line of a backup, or whose compressed data is damaged,
// is an error.
func (r *backupReader) next() ([]byte, error) {
	line, err := r.in.ReadBytes('\n')
	if err == nil {
		r.line++
		return line[:len(line)-1], nil
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, nudge.Errorf(nudge.EINVALID, "the backup ends after line %d, before its last line: the file is cut short", r.line)
	}
	return nil, nudge.Errorf(nudge.EINVALID, "the backup is damaged after line %d: %v", r.line, err)
}

// end checks that nothing follows the last line, and reads to the end of the
// gzip stream so that its checksum is verified.
func (r *backupReader) end() error {
	if _, err := r.in.ReadByte(); err == nil {
		return nudge.Errorf(nudge.EINVALID, "the backup goes on after its last line (line %d)", r.line)
	} else if !errors.Is(err, io.EOF) {
		return nudge.Errorf(nudge.EINVALID, "the backup is damaged after line %d: %v", r.line, err)
	}
	return nil
}

func (r *backupReader) errorf(format string, args ...any) error {
	return nudge.Errorf(nudge.EINVALID, "backup line %d: %s", r.line, fmt.Sprintf(format, args...))
}

func (r *backupReader) header() (*BackupReport, error) {
	line, err := r.next()
	if err != nil {
		return nil, err
	}
	var h backupHeader
	if err := json.Unmarshal(line, &h); err != nil || h.Format == 0 {
		return nil, r.errorf("not a nudge backup (no nudge_backup header)")
	}
	if h.Format != backupFormat {
		return nil, r.errorf("backup format %d; this program reads format %d", h.Format, backupFormat)
	}
	if h.Schema < 1 {
		return nil, r.errorf("schema version %d is not a version", h.Schema)
	}
	return &BackupReport{Format: h.Format, Schema: h.Schema, Dialect: h.Dialect, TakenAt: h.TakenAt}, nil
}

// decodeRow reads one row line and converts each value to its column's kind
// in the target schema.
func decodeRow(line []byte, cols, kinds []string) ([]any, error) {
	var raw []json.RawMessage
	if len(line) == 0 || line[0] != '[' || json.Unmarshal(line, &raw) != nil {
		return nil, errors.New("not a row (a JSON array)")
	}
	if len(raw) != len(cols) {
		return nil, fmt.Errorf("a row of %d values, the table has %d columns", len(raw), len(cols))
	}
	row := make([]any, len(raw))
	for i, r := range raw {
		v, err := decodeValue(r)
		if err == nil {
			v, err = convert(v, kinds[i])
		}
		if err != nil {
			return nil, fmt.Errorf("column %s: %v", cols[i], err)
		}
		row[i] = v
	}
	return row, nil
}

// decodeValue reads one value of the format: nil, bool, int64, float64,
// string or []byte.
func decodeValue(r json.RawMessage) (any, error) {
	switch r[0] {
	case 'n':
		return nil, nil
	case 't', 'f':
		return r[0] == 't', nil
	case '"':
		var s string
		err := json.Unmarshal(r, &s)
		return s, err
	case '{':
		var o struct {
			Base64 *string `json:"base64"`
			Float  *string `json:"float"`
		}
		if err := json.Unmarshal(r, &o); err != nil {
			return nil, err
		}
		switch {
		case o.Base64 != nil:
			return base64.StdEncoding.DecodeString(*o.Base64)
		case o.Float != nil:
			f, err := strconv.ParseFloat(*o.Float, 64)
			if err != nil || !(math.IsNaN(f) || math.IsInf(f, 0)) {
				return nil, fmt.Errorf("%q is not NaN or an infinity", *o.Float)
			}
			return f, nil
		}
		return nil, fmt.Errorf("unknown value %s", r)
	case '[':
		return nil, errors.New("an array is not a value")
	}
	// A number: integers have neither a point nor an exponent.
	if bytes.ContainsAny(r, ".eE") {
		return strconv.ParseFloat(string(r), 64)
	}
	n, err := strconv.ParseInt(string(r), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%s is not a 64-bit integer", r)
	}
	return n, nil
}

// convert turns a decoded value into what a column of the kind stores.
func convert(v any, kind string) (any, error) {
	if v == nil {
		return nil, nil
	}
	bad := func() (any, error) {
		if s, ok := v.(string); ok {
			v = strconv.Quote(s)
		}
		return nil, fmt.Errorf("cannot store %T value %v as %s", v, v, kind)
	}
	switch kind {
	case kindInteger, kindAny:
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case float64:
			if kind == kindAny {
				return x, nil
			}
			if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
				return int64(x), nil
			}
		case string, []byte:
			if kind == kindAny {
				return x, nil
			}
		}
	case kindReal:
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	case kindBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			if x == 0 || x == 1 {
				return x == 1, nil
			}
		}
	case kindText:
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	case kindBlob:
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	}
	return bad()
}
