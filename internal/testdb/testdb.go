// Package testdb hands tests the databases nudge runs on: a SQLite file in the
// test's temporary directory and, when a server is reachable, a fresh
// PostgreSQL schema that is dropped when the test ends.
//
// Tests that need an outside service skip with a message naming the variable to
// set, unless NUDGE_TEST_REQUIRE asks for that service ("all", or a comma list
// such as "postgres,smtp"): then they fail, so CI cannot pass by skipping.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// PostgresEnv names the variable holding the PostgreSQL server used by tests.
const PostgresEnv = "NUDGE_TEST_POSTGRES"

// RequireEnv names the variable listing the services tests must not skip.
const RequireEnv = "NUDGE_TEST_REQUIRE"

// DefaultPostgres is the server tried when PostgresEnv is unset.
const DefaultPostgres = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Backend is one database a test runs against.
type Backend struct {
	Name string // "sqlite" or "postgres"
	DSN  string // what store.Open takes
}

// Backends returns a SQLite backend (a file in t.TempDir()) and, if the server
// in NUDGE_TEST_POSTGRES answers, a PostgreSQL backend on a schema of its own.
// Each call makes new, empty databases.
func Backends(t testing.TB) []Backend {
	t.Helper()
	bs := []Backend{SQLite(t)}
	if pg, ok := Postgres(t); ok {
		bs = append(bs, pg)
	}
	return bs
}

// SQLite returns a backend on a new SQLite file in the test's temp directory.
func SQLite(t testing.TB) Backend {
	t.Helper()
	return Backend{Name: "sqlite", DSN: filepath.Join(t.TempDir(), "nudge.db")}
}

// Postgres creates a schema of its own on the test server and returns a
// backend whose DSN sets search_path to it, so the store needs no knowledge of
// schemas. The schema is dropped (CASCADE) when the test ends. If the server
// cannot be reached the test is skipped, or fails when PostgreSQL is required;
// ok is false only after a skip has been requested.
func Postgres(t testing.TB) (b Backend, ok bool) {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		base = DefaultPostgres
	}
	db, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if db != nil {
			db.Close()
		}
		Require(t, "postgres", fmt.Errorf("PostgreSQL at %s (set %s): %w", redact(base), PostgresEnv, err))
		return Backend{}, false
	}
	schema := "test_" + randomHex(8)
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		db.Close()
		t.Fatalf("testdb: create schema: %v", err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("testdb: drop schema %s: %v", schema, err)
		}
	})
	dsn, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatalf("testdb: %s: %v", PostgresEnv, err)
	}
	return Backend{Name: "postgres", DSN: dsn}, true
}

// Require skips the test because service is unavailable (err says why), or
// fails it if NUDGE_TEST_REQUIRE is "all" or lists service. Other packages use
// it for their own services ("chromium", "smtp"…). A nil err does nothing.
func Require(t testing.TB, service string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if Required(service) {
		t.Fatalf("%s is required (%s=%s) but unavailable: %v", service, RequireEnv, os.Getenv(RequireEnv), err)
	}
	t.Skipf("skipping: %s unavailable: %v (set %s=%s to make this a failure)", service, err, RequireEnv, service)
}

// Required reports whether NUDGE_TEST_REQUIRE asks for service.
func Required(service string) bool {
	for _, s := range strings.Split(os.Getenv(RequireEnv), ",") {
		s = strings.TrimSpace(s)
		if s == "all" || strings.EqualFold(s, service) {
			return true
		}
	}
	return false
}

// withSearchPath adds search_path=schema to a postgres:// URL; pgx sends
// unknown query parameters to the server as run-time settings.
func withSearchPath(dsn, schema string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// redact hides a password in a DSN for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	return u.Redacted()
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
