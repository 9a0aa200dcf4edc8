package store_test

import (
	"testing"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/store/storetest"
)

// TestConformance runs the one suite against every backend available.
func TestConformance(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, clock nudge.Clock) *store.DB {
				// A fresh database for each test of the suite.
				var nb testdb.Backend
				if b.Name == "postgres" {
					nb, _ = testdb.Postgres(t)
				} else {
					nb = testdb.SQLite(t)
				}
				return storetest.Open(t, nb, clock)
			})
		})
	}
}
