package store

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	fileimport "github.com/nudgecrm/nudge/importer"
	"github.com/nudgecrm/nudge/internal/testdb"
)

// BenchmarkImportFile measures a whole import as `nudge import` runs it: a
// HubSpot export of NUDGE_BENCH_ROWS rows (20,000 by default) read from disk
// by fileimport.NewReader and stored by ImportPeople, on every backend. Beside
// it, in the same run: the file parsed alone (parse-rows/s), and the plain
// bulk inserts of the same parsed rows that BenchmarkImport uses as its
// baselines (raw into a bare table, raw-ix into one with people's indexes).
// peak-heap-MB is the largest HeapInuse sampled during the import.
//
//	NUDGE_BENCH_ROWS=1000000 NUDGE_TEST_REQUIRE=all go test -run '^$' -bench ImportFile -benchtime 1x -timeout 30m ./store/
func BenchmarkImportFile(b *testing.B) {
	n := benchSize(b)
	path := filepath.Join(b.TempDir(), "hubspot.csv")
	writeHubSpotFile(b, path, n)
	for _, be := range testdb.Backends(b) {
		b.Run(be.Name, func(b *testing.B) {
			var m importMeasure
			var parse time.Duration
			for range b.N {
				b.StopTimer()
				t0 := time.Now()
				parseFile(b, path, n, false)
				parse += time.Since(t0)
				db := openBench(b, be)
				runtime.GC()
				peak := sampleHeap()
				b.StartTimer()
				t0 = time.Now()
				rep := importPath(b, db, path)
				m.imp += time.Since(t0)
				b.StopTimer()
				m.peak = max(m.peak, peak())
				if !rep.Committed || rep.Rows != n || rep.Rejected != 0 {
					b.Fatalf("import report: rows %d created %d merged %d rejected %d (%v); want %d rows stored",
						rep.Rows, rep.Created, rep.Merged, rep.Rejected, rep.Rejections[:min(3, len(rep.Rejections))], n)
				}
				// The baselines insert the rows parsed beforehand, so that
				// they time the database alone. (Held during the import, they
				// would raise its heap by GC pacing.)
				m.baselines(b, db, slices.Values(parseFile(b, path, n, true)))
				db.Close()
			}
			m.report(b, n)
			b.ReportMetric(float64(n)*float64(b.N)/parse.Seconds(), "parse-rows/s")
		})
	}
}

func importPath(b *testing.B, db *DB, path string) *nudge.ImportReport {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r, err := fileimport.NewReader(f, nil)
	if err != nil {
		b.Fatal(err)
	}
	rep, err := db.ImportPeople(context.Background(), r.All(), nudge.ImportOptions{Source: "import:hubspot.csv"})
	if err != nil {
		b.Fatal(err)
	}
	return rep
}

// parseFile reads the file at path, which must hold n good rows, and returns
// them if keep is set.
func parseFile(b *testing.B, path string, n int, keep bool) []nudge.ImportRow {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r, err := fileimport.NewReader(f, nil)
	if err != nil {
		b.Fatal(err)
	}
	var rows []nudge.ImportRow
	read := 0
	for row := range r.All() {
		if row.Err != nil {
			b.Fatalf("%s line %d: %v", path, row.Line, row.Err)
		}
		if read++; keep {
			rows = append(rows, row)
		}
	}
	if read != n {
		b.Fatalf("%s: %d rows, want %d", path, read, n)
	}
	return rows
}

// hubspotPlaces are the phone styles of a real export: typed by hand in
// national and international styles, or already E.164; each with the
// row's country and time zone as HubSpot writes them. %04d takes a row
// number.
var hubspotPlaces = []string{
	"(415) 555-%04d,United States,America/Los_Angeles",
	"+1 212 555 %04d,United States,(GMT-05:00) America/New_York",
	"+1312555%04d,United States,America/Chicago",
	"617.555.%04d,US,america_slash_new_york",
	"020 7946 %04d,United Kingdom,Europe/London",
	"+44 20 7946 %04d,UK,Europe/London",
	"030 123%04d,Germany,Europe/Berlin",
	"+49 89 1234%04d,Deutschland,Europe/Berlin",
	"01 23 45 %04d,France,(GMT+01:00) Europe/Paris",
	"+33 6 12 34 %04d,FR,Europe/Paris",
	"+34 91 123 %04d,España,Europe/Madrid",
	"(11) 3456-%04d,Brasil,America/Sao_Paulo",
}

var (
	hubspotFirst     = []string{"José", "Zoë", "Jürgen", "Li", "Ana", "Søren", "François", "Anna", "Björk", "Siobhán"}
	hubspotLast      = []string{"García", "Martin", "Müller", "Wei", "O'Brien", "Kierkegaard", "Dupré", "Nowak", "Smith", "Ó Briain"}
	hubspotTitles    = []string{"Head of Sales", "CFO", "Directeur général", "Einkaufsleiter", "VP Operations", ""}
	hubspotStages    = []string{"lead", "subscriber", "opportunity", "customer", "salesqualifiedlead"}
	hubspotCompanies = []string{"Acme", "Smith, Jones & Co", "Müller & Söhne GmbH", "Société Générale d'Études", "北京科技有限公司", "O'Reilly Ltd"}
)

// writeHubSpotFile writes a HubSpot contacts export of n rows to path: mixed
// phone styles and zone spellings, accented names, quoted company names,
// CRLF line ends; about 2% of rows repeat an earlier person's email in
// another case (merged on import), and a row in 200 has no email (matched by
// phone). Companies are shared twenty people to one.
func writeHubSpotFile(b *testing.B, path string, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<16)
	w.WriteString("First Name,Last Name,Email,Company Name,Job Title,Phone Number,Country/Region,Time Zone,Lifecycle Stage\r\n")
	for i := range n {
		first, last := hubspotFirst[i%len(hubspotFirst)], hubspotLast[(i/7)%len(hubspotLast)]
		var email string
		switch {
		case i%200 == 199:
		case i%50 == 17 && i > 1000:
			email = strings.ToUpper(fmt.Sprintf("person%d@example%d.com", i-1000, (i-1000)%5000))
		default:
			email = fmt.Sprintf("person%d@example%d.com", i, i%5000)
		}
		company := fmt.Sprintf("%s %d", hubspotCompanies[i%len(hubspotCompanies)], i/20)
		if strings.ContainsAny(company, ",\"") {
			company = `"` + strings.ReplaceAll(company, `"`, `""`) + `"`
		}
		// i/len(hubspotPlaces) keeps phone numbers of one style distinct
		// for 10,000 × 12 rows; beyond, a few repeat (harmless: they have
		// emails).
		place := fmt.Sprintf(hubspotPlaces[i%len(hubspotPlaces)], (i/len(hubspotPlaces))%10_000)
		fmt.Fprintf(w, "%s,%s,%s,%s,%s,%s,%s\r\n", first, last, email, company,
			hubspotTitles[i%len(hubspotTitles)], place, hubspotStages[i%len(hubspotStages)])
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
