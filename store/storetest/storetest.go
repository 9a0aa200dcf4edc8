// Package storetest is the conformance suite every nudge store backend must
// pass: the same table tests run against SQLite and PostgreSQL, so the two
// behave as one.
package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
)

// Start is the instant every suite clock starts at.
var Start = time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)

// Opener opens a fresh, empty store whose clock is clock.
type Opener func(t *testing.T, clock nudge.Clock) *store.DB

// Open opens the backend's database with clock and closes it when the test
// ends.
func Open(t testing.TB, b testdb.Backend, clock nudge.Clock) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), b.DSN, clock)
	if err != nil {
		t.Fatalf("open %s: %v", b.Name, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close %s: %v", b.Name, err)
		}
	})
	return db
}

// Run runs the whole suite; open must return a new, empty database each call.
func Run(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		f    func(t *testing.T, open Opener)
	}{
		{"People", testPeople},
		{"PersonUpdate", testPersonUpdate},
		{"FindPeople", testFindPeople},
		{"DoNotContact", testDoNotContact},
		{"Forget", testForget},
		{"Companies", testCompanies},
		{"Interactions", testInteractions},
		{"HardStopOutcome", testHardStopOutcome},
		{"Commitments", testCommitments},
		{"Deals", testDeals},
		{"Users", testUsers},
		{"Import", testImport},
		{"ImportAllOrNothing", testImportAllOrNothing},
		{"ImportForgotten", testImportForgotten},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.f(t, open) })
	}
}

// env is what most tests need: a store, its clock and a context.
type env struct {
	db    *store.DB
	clock *nudge.FixedClock
	ctx   context.Context
}

func setup(t *testing.T, open Opener) env {
	t.Helper()
	clock := nudge.NewFixedClock(Start)
	return env{db: open(t, clock), clock: clock, ctx: t.Context()}
}

// wantCode fails unless err carries the nudge error code want ("" = no error).
func wantCode(t *testing.T, what string, err error, want string) {
	t.Helper()
	if got := nudge.ErrorCode(err); got != want {
		t.Fatalf("%s: error %v (code %q), want code %q", what, err, got, want)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func ptr[T any](v T) *T { return &v }

// person creates a person and fails the test on error.
func (e env) person(t *testing.T, p nudge.Person) *nudge.Person {
	t.Helper()
	must(t, "create person "+p.Name, e.db.CreatePerson(e.ctx, &p))
	return &p
}
