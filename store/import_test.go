package store_test

import (
	"bufio"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/importer"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/store/storetest"
)

// TestImportHubSpotMessy imports the importer's messy HubSpot export on every
// backend and checks the counts its golden file states.
func TestImportHubSpotMessy(t *testing.T) {
	const file = "../importer/testdata/hubspot_messy.csv"
	wantRejections := readRejections(t, "../importer/testdata/hubspot_messy.md")
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := storetest.Open(t, b, nudge.NewFixedClock(storetest.Start))
			ctx := t.Context()
			before := &nudge.Person{Name: "Already Here", Email: "already@here.com"}
			if err := db.CreatePerson(ctx, before); err != nil {
				t.Fatal(err)
			}
			steps := []struct {
				name                               string
				opts                               nudge.ImportOptions
				rows, created, merged, rejected, n int
				committed                          bool
			}{
				{"all or nothing", nudge.ImportOptions{}, 1000, 0, 0, 42, 1, false},
				{"skip invalid", nudge.ImportOptions{SkipInvalid: true}, 1000, 938, 20, 42, 939, true},
				{"again", nudge.ImportOptions{SkipInvalid: true}, 1000, 0, 958, 42, 939, true},
			}
			for _, s := range steps {
				rep := importFile(t, db, file, s.opts)
				if rep.Rows != s.rows || rep.Created != s.created || rep.Merged != s.merged ||
					rep.Rejected != s.rejected || rep.Committed != s.committed {
					t.Fatalf("%s: rows %d created %d merged %d rejected %d committed %v; want %d %d %d %d %v", s.name,
						rep.Rows, rep.Created, rep.Merged, rep.Rejected, rep.Committed,
						s.rows, s.created, s.merged, s.rejected, s.committed)
				}
				var got []nudge.Rejection
				for _, r := range rep.Rejections {
					got = append(got, nudge.Rejection{Line: r.Line, Field: r.Field, Value: r.Value})
				}
				if !reflect.DeepEqual(got, wantRejections) {
					t.Fatalf("%s: rejections\n got %v\nwant %v", s.name, got, wantRejections)
				}
				if _, n, err := db.FindPeople(ctx, nudge.PersonFilter{Limit: 1}); err != nil || n != s.n {
					t.Fatalf("%s: %d people stored (%v), want %d", s.name, n, err, s.n)
				}
				p, err := db.FindPersonByID(ctx, before.ID)
				if err != nil || !reflect.DeepEqual(p, before) {
					t.Fatalf("%s: the person stored before changed: %+v, %v", s.name, p, err)
				}
			}
		})
	}
}

func importFile(t *testing.T, db *store.DB, path string, opts nudge.ImportOptions) *nudge.ImportReport {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := importer.NewReader(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := db.ImportPeople(t.Context(), r.All(), opts)
	if err != nil {
		t.Fatalf("ImportPeople: %v", err)
	}
	return rep
}

// readRejections reads the "Rejected rows" table of a golden .md file.
func readRejections(t *testing.T, path string) []nudge.Rejection {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []nudge.Rejection
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			in = line == "## Rejected rows"
			continue
		}
		cells := strings.Split(line, "|")
		if !in || len(cells) != 5 {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(cells[1]))
		if err != nil {
			continue // header or rule
		}
		out = append(out, nudge.Rejection{Line: n, Field: strings.TrimSpace(cells[2]), Value: strings.Trim(strings.TrimSpace(cells[3]), "`")})
	}
	if len(out) == 0 {
		t.Fatalf("%s: no rejected rows found", path)
	}
	return out
}
