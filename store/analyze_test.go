package store

import (
	"iter"
	"strconv"
	"testing"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
)

// analyzed counts the tables of bulkTables that PostgreSQL has analysed on
// request (autovacuum's runs are counted apart, in last_autoanalyze).
func analyzed(t *testing.T, db *DB) int {
	t.Helper()
	var n int
	err := db.w.QueryRowContext(t.Context(), `SELECT count(*) FROM pg_stat_user_tables
		WHERE schemaname = current_schema() AND last_analyze IS NOT NULL AND relname = ANY($1)`, bulkTables).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// An import of at least analyzeAfter new people leaves PostgreSQL with
// fresh statistics of every table it filled; a small one does not pay for
// them. (Without them the engine's batched snapshot queries were planned
// as scans of whole tables right after a bulk load: see analyze.)
func TestAnalyzeAfterImport(t *testing.T) {
	b, ok := testdb.Postgres(t)
	if !ok {
		return
	}
	db := openTest(t, b.DSN)
	ctx := t.Context()
	rep, err := db.ImportPeople(ctx, benchRows(100), nudge.ImportOptions{})
	if err != nil || !rep.Committed {
		t.Fatalf("small import: %v (%+v)", err, rep)
	}
	if n := analyzed(t, db); n != 0 {
		t.Errorf("after importing %d people, %d tables analysed; want none below %d", rep.Created, n, analyzeAfter)
	}
	rep, err = db.ImportPeople(ctx, benchRows(1_200), nudge.ImportOptions{})
	if err != nil || !rep.Committed {
		t.Fatalf("import: %v (%+v)", err, rep)
	}
	if rep.Created < analyzeAfter {
		t.Fatalf("created %d people, the test needs at least %d", rep.Created, analyzeAfter)
	}
	if n := analyzed(t, db); n != len(bulkTables) {
		t.Errorf("after importing %d people, %d of the %d tables analysed", rep.Created, n, len(bulkTables))
	}
}

// So does a bulk load (nudge dev seed) of as many people.
func TestAnalyzeAfterBulkLoad(t *testing.T) {
	b, ok := testdb.Postgres(t)
	if !ok {
		return
	}
	db := openTest(t, b.DSN)
	people := func(from, n int) iter.Seq[*BulkPerson] {
		return func(yield func(*BulkPerson) bool) {
			for i := from; i < from+n; i++ {
				p := nudge.Person{Name: "Person " + strconv.Itoa(i), Email: "p" + strconv.Itoa(i) + "@example.com",
					TimeZone: "America/Los_Angeles", Status: nudge.StatusLead}
				if !yield(&BulkPerson{Person: p}) {
					return
				}
			}
		}
	}
	if _, err := db.BulkLoad(t.Context(), people(0, 10), BulkOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := analyzed(t, db); n != 0 {
		t.Errorf("after loading 10 people, %d tables analysed; want none", n)
	}
	if _, err := db.BulkLoad(t.Context(), people(10, analyzeAfter), BulkOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := analyzed(t, db); n != len(bulkTables) {
		t.Errorf("after loading %d people, %d of the %d tables analysed", analyzeAfter, n, len(bulkTables))
	}
}
