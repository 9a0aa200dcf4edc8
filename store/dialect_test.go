package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
)

func openTest(t *testing.T, dsn string) *DB {
	t.Helper()
	db, err := Open(t.Context(), dsn, nudge.NewFixedClock(time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestPlaceholders shows the premise of writing every query once with $n:
// both drivers bind $n by position, in any order and repeated.
func TestPlaceholders(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := openTest(t, b.DSN)
			if db.Dialect() != b.Name {
				t.Fatalf("Dialect() = %q, want %q", db.Dialect(), b.Name)
			}
			var got string
			err := db.r.QueryRowContext(t.Context(), `SELECT CAST($2 AS TEXT) || '-' || CAST($1 AS TEXT) || '-' || CAST($2 AS TEXT)`,
				"a", "b").Scan(&got)
			if err != nil || got != "b-a-b" {
				t.Fatalf("$2-$1-$2 bound as %q, %v; want b-a-b", got, err)
			}
		})
	}
}

// TestMigrations checks that reopening applies nothing twice, that
// concurrent Opens of one new database do not race (PostgreSQL's advisory
// lock), and that a database newer than the program is refused.
func TestMigrations(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make([]error, 4)
			for i := range errs {
				wg.Go(func() {
					db, err := Open(context.Background(), b.DSN, nudge.SystemClock{})
					if err == nil {
						err = db.Close()
					}
					errs[i] = err
				})
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("concurrent Open %d: %v", i, err)
				}
			}
			db := openTest(t, b.DSN)
			list, err := migrations(db.d.name)
			if err != nil || len(list) == 0 {
				t.Fatalf("migrations(%s) = %d, %v", db.d.name, len(list), err)
			}
			var n, newest int
			if err := db.r.QueryRowContext(t.Context(), `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &newest); err != nil {
				t.Fatal(err)
			}
			if n != len(list) || newest != list[len(list)-1].version {
				t.Fatalf("schema_migrations has %d rows up to %d; want %d up to %d", n, newest, len(list), list[len(list)-1].version)
			}
			if _, err := db.w.ExecContext(t.Context(), `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 0)`); err != nil {
				t.Fatal(err)
			}
			if _, err := Open(t.Context(), b.DSN, nudge.SystemClock{}); err == nil {
				t.Fatal("Open of a database with a newer schema succeeded")
			}
		})
	}
}

// TestMigrationFiles keeps the two dialects' migrations in step.
func TestMigrationFiles(t *testing.T) {
	s, err := migrations(sqliteName)
	if err != nil {
		t.Fatal(err)
	}
	p, err := migrations(postgresName)
	if err != nil {
		t.Fatal(err)
	}
	if len(s) != len(p) {
		t.Fatalf("%d SQLite migrations, %d PostgreSQL", len(s), len(p))
	}
	for i := range s {
		if s[i].name != p[i].name {
			t.Errorf("migration %d: %s (SQLite) vs %s (PostgreSQL)", i, s[i].name, p[i].name)
		}
	}
}

// TestTombstoneUnreadable checks that forgetting keeps nothing readable.
func TestTombstoneUnreadable(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := openTest(t, b.DSN)
			p := &nudge.Person{Name: "Anna Secret", Email: "anna.secret@acme.de", Phone: "+4930123456"}
			if err := db.CreatePerson(t.Context(), p); err != nil {
				t.Fatal(err)
			}
			if err := db.ForgetPerson(t.Context(), p.ID); err != nil {
				t.Fatal(err)
			}
			var e, ph string
			if err := db.r.QueryRowContext(t.Context(), `SELECT email_sha256, phone_sha256 FROM tombstones`).Scan(&e, &ph); err != nil {
				t.Fatal(err)
			}
			if e != identityHash("anna.secret@acme.de") || ph != identityHash("+4930123456") || len(e) != 64 {
				t.Fatalf("tombstone %q %q", e, ph)
			}
		})
	}
}

func TestSQLiteCreatesDirectory(t *testing.T) {
	dsn := t.TempDir() + "/a b/c?d/nudge.db"
	db := openTest(t, dsn)
	if db.Dialect() != sqliteName {
		t.Fatalf("Dialect() = %q", db.Dialect())
	}
	if err := db.CreateUser(t.Context(), &nudge.User{Email: "x@y.com"}); err != nil {
		t.Fatal(err)
	}
}
