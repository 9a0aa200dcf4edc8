package importer

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
)

// rowsWith reads every row of input parsing on workers goroutines.
func rowsWith(t *testing.T, input io.Reader, workers int) []nudge.ImportRow {
	t.Helper()
	r, err := NewReader(input, nil)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	r.csv.workers = workers
	var rows []nudge.ImportRow
	for row := range r.All() {
		rows = append(rows, row)
	}
	return rows
}

// Parsing on several goroutines yields exactly the rows, errors and line
// numbers of parsing on one, in the same order: over the messy HubSpot file,
// over files whose malformed rows end in the middle of a batch or end the
// file, and over more rows than the batches in flight.
func TestParallelMatchesSequential(t *testing.T) {
	messy, err := os.ReadFile("testdata/hubspot_messy.csv")
	if err != nil {
		t.Fatal(err)
	}
	var many strings.Builder
	many.WriteString(hubspotHeader)
	for i := range 5000 {
		switch i % 97 {
		case 5:
			many.WriteString("\n") // blank: skipped
		case 11:
			fmt.Fprintf(&many, "Bad%d,,bad%d@,,,\n", i, i) // rejected email
		case 13:
			fmt.Fprintf(&many, "Q%d,\"stray\" quote,q%d@example.com,,,\n", i, i) // bare quote
		case 17:
			fmt.Fprintf(&many, "F%d,,f%d@example.com\n", i, i) // too few fields
		default:
			fmt.Fprintf(&many, "P%d,L,p%d@example.com,(212) 555-%04d,\"Acme\nWest\",US\n", i, i, i)
		}
	}
	inputs := map[string]string{
		"messy":         string(messy),
		"many":          many.String(),
		"fatal quote":   many.String() + "Open,\"never closed,x@example.com,,,\nA,,a@example.com,,,\n",
		"empty":         hubspotHeader,
		"one row":       hubspotHeader + "Ana,,ana@example.com,,,\n",
		"stray in last": hubspotHeader + "Ana,,ana@example.com,,,\n\"Bo\"x,,bo@example.com,,,\n",
	}
	for name, input := range inputs {
		t.Run(name, func(t *testing.T) {
			want := rowsWith(t, strings.NewReader(input), 1)
			for _, workers := range []int{2, 3, 8} {
				got := rowsWith(t, strings.NewReader(input), workers)
				if len(got) != len(want) {
					t.Fatalf("%d workers: %d rows, want %d", workers, len(got), len(want))
				}
				for i := range want {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Fatalf("%d workers, row %d:\n got %+v\nwant %+v", workers, i, got[i], want[i])
					}
				}
			}
		})
	}
}

// parseGoroutines counts the goroutines running allParallel's helpers. (A
// count of all goroutines would be flaky: a helper that has signalled the
// WaitGroup may not have exited yet, and the runtime has its own.)
func parseGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	n := 0
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "(*csvSource).allParallel.func") {
			n++
		}
	}
	return n
}

// helpersStarted waits (up to a few seconds) for want helpers to be running
// and returns how many are. A goroutine started by WaitGroup.Go shows only
// WaitGroup.Go's wrapper until the scheduler first runs it, so a single count
// taken as the first row arrives can miss a worker that has not yet started;
// the helpers cannot exit meanwhile, as the reader is held by the bounded
// channels while this goroutine is inside the loop.
func helpersStarted(want int) int {
	n := parseGoroutines()
	for deadline := time.Now().Add(5 * time.Second); n != want && time.Now().Before(deadline); n = parseGoroutines() {
		time.Sleep(time.Millisecond)
	}
	return n
}

// Stopping the iteration early (break) stops the reading and parsing
// goroutines before All's iterator returns: none is left behind.
func TestParallelStopsEarly(t *testing.T) {
	for _, stopAfter := range []int{1, parseBatch, 5 * parseBatch} {
		r, err := NewReader(&hubspotRows{n: 20_000}, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.csv.workers = 4
		n, running := 0, 0
		for range r.All() {
			if n == 0 {
				running = helpersStarted(1 + r.csv.workers)
			}
			if n++; n == stopAfter {
				break
			}
		}
		if n != stopAfter {
			t.Errorf("read %d rows, want %d", n, stopAfter)
		}
		if running != 1+r.csv.workers {
			t.Errorf("%d helper goroutines while reading, want %d (a reader and the workers)", running, 1+r.csv.workers)
		}
		if left := parseGoroutines(); left != 0 {
			t.Errorf("stopping after %d rows left %d helper goroutines running", stopAfter, left)
		}
	}
}
