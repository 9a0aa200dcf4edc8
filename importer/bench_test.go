package importer

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"testing"
)

// hubspotRows is an io.Reader of a HubSpot export with n generated rows,
// made as it is read so that no test holds the whole file.
type hubspotRows struct {
	n, i int
	buf  []byte
}

var (
	benchNames     = []string{"José,García", "Zoë,Martin", "Jürgen,Müller", "Li,Wei", "Ana,O'Brien"}
	benchCompanies = []string{"Acme Corp", "\"Smith, Jones & Co\"", "北京科技有限公司", "Müller & Söhne GmbH"}
	benchPlaces    = []string{"(212) 555-%04d,United States,America/New_York", "030 %07d,Germany,Europe/Berlin",
		"+44 20 7946 %04d,UK,Europe/London", "01 23 45 %04d,FR,(GMT+01:00) Europe/Paris"}
)

func (h *hubspotRows) Read(p []byte) (int, error) {
	for len(h.buf) == 0 {
		switch {
		case h.i > h.n:
			return 0, io.EOF
		case h.i == 0:
			h.buf = append(h.buf, "First Name,Last Name,Email,Company Name,Job Title,Phone Number,Country/Region,Time Zone,Lifecycle Stage\r\n"...)
		default:
			i := h.i
			place := fmt.Sprintf(benchPlaces[i%len(benchPlaces)], i%10000)
			h.buf = fmt.Appendf(h.buf, "%s,person%d@Example.com,%s,Head of Sales,%s,customer\r\n",
				benchNames[i%len(benchNames)], i, benchCompanies[i%len(benchCompanies)], place)
		}
		h.i++
	}
	n := copy(p, h.buf)
	h.buf = h.buf[n:]
	return n, nil
}

func BenchmarkReader(b *testing.B) {
	const rows = 100_000
	total := 0
	for b.Loop() {
		r, err := NewReader(&hubspotRows{n: rows}, nil)
		if err != nil {
			b.Fatal(err)
		}
		for row := range r.All() {
			if row.Err != nil {
				b.Fatalf("line %d: %v", row.Line, row.Err)
			}
			total++
		}
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "rows/s")
}

var memRows = flag.Int("memrows", 250_000, "rows TestReaderMemoryFlat reads (1000000 for the full check, ~25 s)")

// The reader holds one record at a time: reading a large file must not grow
// the heap with it. The default 250,000 rows are ~30 MiB of CSV, twice the
// limit, and take a few seconds.
func TestReaderMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a large generated file")
	}
	rows := *memRows
	const limit = 16 << 20
	r, err := NewReader(&hubspotRows{n: rows}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ms runtime.MemStats
	n, peak := 0, uint64(0)
	for row := range r.All() {
		if row.Err != nil {
			t.Fatalf("line %d: %v", row.Line, row.Err)
		}
		if n++; n%(rows/10+1) == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}
	if n != rows {
		t.Fatalf("read %d rows, want %d", n, rows)
	}
	if peak > limit {
		t.Errorf("live heap reached %d MiB reading %d rows, want under %d MiB", peak>>20, rows, limit>>20)
	}
	t.Logf("%d rows, peak live heap %.1f MiB", n, float64(peak)/(1<<20))
}
