package faults

import (
	"fmt"
	"strings"
)

// invariants are the uniqueness promises the engine and the outbox rely on
// (issues 3 and 4), each a query that finds the rows breaking it. The
// schema enforces most of them with unique indexes; checking them after a
// crash shows the indexes survived it too.
var invariants = []struct{ name, query string }{
	{"an enrollment with more than one open task",
		`SELECT enrollment_id FROM tasks WHERE state = 'open' AND enrollment_id IS NOT NULL GROUP BY enrollment_id HAVING COUNT(*) > 1`},
	{"a task with more than one message (task_id is the idempotency key)",
		`SELECT task_id FROM messages WHERE task_id IS NOT NULL GROUP BY task_id HAVING COUNT(*) > 1`},
	{"a Message-ID used twice",
		`SELECT message_id FROM messages GROUP BY message_id HAVING COUNT(*) > 1`},
	{"two people with one email",
		`SELECT lower(email) FROM people WHERE email <> '' GROUP BY lower(email) HAVING COUNT(*) > 1`},
	{"a message recorded as a touch whose task is still open",
		`SELECT g.id FROM messages g JOIN tasks t ON t.id = g.task_id WHERE g.recorded_at IS NOT NULL AND t.state = 'open'`},
}

// checkIntegrity fails the test unless the database passes its backend's
// integrity check and every invariant holds: on SQLite PRAGMA
// integrity_check and foreign_key_check; on PostgreSQL an orphan check over
// every foreign key of the schema, read from pg_constraint.
func (k *book) checkIntegrity() {
	t := k.t
	t.Helper()
	if k.be.Name == "sqlite" {
		var ok string
		if err := k.raw.QueryRowContext(k.ctx, `PRAGMA integrity_check`).Scan(&ok); err != nil || ok != "ok" {
			t.Errorf("PRAGMA integrity_check: %q, %v", ok, err)
		}
		rows, err := k.raw.QueryContext(k.ctx, `PRAGMA foreign_key_check`)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			n++
		}
		rows.Close()
		if n > 0 {
			t.Errorf("PRAGMA foreign_key_check: %d rows point at nothing", n)
		}
	} else {
		k.checkForeignKeys()
	}
	for _, inv := range invariants {
		if n := k.count(`SELECT COUNT(*) FROM (` + inv.query + `) AS broken`); n > 0 {
			t.Errorf("integrity: %d × %s", n, inv.name)
		}
	}
}

// checkForeignKeys looks for orphans under every foreign key of the
// current schema: rows whose reference is set but names no row.
func (k *book) checkForeignKeys() {
	t := k.t
	t.Helper()
	rows, err := k.raw.QueryContext(k.ctx, `SELECT c.conname, c.conrelid::regclass::text, c.confrelid::regclass::text,
		string_agg(a.attname, ',' ORDER BY u.n), string_agg(af.attname, ',' ORDER BY u.n)
		FROM pg_constraint c
		CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS u(col, fcol, n)
		JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = u.col
		JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = u.fcol
		WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
		GROUP BY c.conname, c.conrelid, c.confrelid`)
	if err != nil {
		t.Fatal(err)
	}
	type fk struct{ name, child, parent, cols, pcols string }
	var fks []fk
	for rows.Next() {
		var f fk
		if err := rows.Scan(&f.name, &f.child, &f.parent, &f.cols, &f.pcols); err != nil {
			t.Fatal(err)
		}
		fks = append(fks, f)
	}
	rows.Close()
	if len(fks) < 10 {
		t.Fatalf("found only %d foreign keys in the schema: the check would prove nothing", len(fks))
	}
	for _, f := range fks {
		cols, pcols := strings.Split(f.cols, ","), strings.Split(f.pcols, ",")
		var set, match []string
		for i := range cols {
			set = append(set, fmt.Sprintf("c.%s IS NOT NULL", cols[i]))
			match = append(match, fmt.Sprintf("p.%s = c.%s", pcols[i], cols[i]))
		}
		q := fmt.Sprintf(`SELECT COUNT(*) FROM %s c WHERE %s AND NOT EXISTS (SELECT 1 FROM %s p WHERE %s)`,
			f.child, strings.Join(set, " AND "), f.parent, strings.Join(match, " AND "))
		if n := k.count(q); n > 0 {
			t.Errorf("foreign key %s: %d rows of %s point at no row of %s", f.name, n, f.child, f.parent)
		}
	}
}
