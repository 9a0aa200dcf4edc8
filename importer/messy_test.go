package importer

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nudgecrm/nudge"
)

// messyExpectations is what testdata/hubspot_messy.md promises: the tables
// the store engineer asserts too. Parsing the .md (rather than repeating its
// numbers here) keeps the document and the test from drifting apart.
type messyExpectations struct {
	counts     map[string]int
	rejected   []nudge.Rejection // Line, Field, Value
	duplicates map[int]int       // line → line of the first occurrence
	multiline  []int
}

func readMessyExpectations(t *testing.T) messyExpectations {
	t.Helper()
	f, err := os.Open("testdata/hubspot_messy.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	e := messyExpectations{counts: map[string]int{}, duplicates: map[int]int{}}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "## ") {
			section = l[3:]
			continue
		}
		if after, ok := strings.CutPrefix(l, "- line "); ok {
			n, err := strconv.Atoi(after)
			if err != nil {
				t.Fatalf("md: %q: %v", l, err)
			}
			e.multiline = append(e.multiline, n)
			continue
		}
		if !strings.HasPrefix(l, "| ") {
			continue
		}
		cells := strings.Split(strings.Trim(l, "| "), " | ")
		switch {
		case section == "Counts" && len(cells) == 2:
			if n, err := strconv.Atoi(cells[1]); err == nil {
				e.counts[cells[0]] = n
			}
		case section == "Rejected rows" && len(cells) == 3:
			if n, err := strconv.Atoi(cells[0]); err == nil {
				e.rejected = append(e.rejected, nudge.Rejection{Line: n, Field: cells[1], Value: strings.Trim(cells[2], "`")})
			}
		case section == "Duplicate rows" && len(cells) == 2:
			a, err1 := strconv.Atoi(cells[0])
			b, err2 := strconv.Atoi(cells[1])
			if err1 == nil && err2 == nil {
				e.duplicates[a] = b
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestHubSpotMessy(t *testing.T) {
	want := readMessyExpectations(t)
	count := func(key string) int {
		n, ok := want.counts[key]
		if !ok {
			t.Fatalf("hubspot_messy.md has no count %q", key)
		}
		return n
	}
	f, err := os.Open("testdata/hubspot_messy.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := NewReader(f, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Format() != FormatHubSpot {
		t.Errorf("Format = %q, want hubspot", r.Format())
	}

	var (
		rows, valid, dnc int
		rejected         []nudge.Rejection
		firstLine        = map[string]int{} // email → line first seen
		duplicates       = map[int]int{}
		multiline        []int
		companies        = map[string]bool{}
	)
	for row := range r.All() {
		rows++
		if row.Fatal {
			t.Fatalf("fatal at line %d: %v", row.Line, row.Err)
		}
		if row.Err != nil {
			rej := row.Rejection()
			if rej.Reason == "" {
				t.Errorf("line %d: rejection without a reason", row.Line)
			}
			rej.Reason = "" // the .md lists line, field and value
			rejected = append(rejected, rej)
			continue
		}
		valid++
		p := row.Person
		if first, seen := firstLine[p.Email]; seen {
			duplicates[row.Line] = first
		} else {
			firstLine[p.Email] = row.Line
		}
		if p.DoNotContact {
			dnc++
		}
		if p.Title == "Head of Sales\nEMEA" {
			multiline = append(multiline, row.Line)
		}
		if !strings.HasPrefix(p.Phone, "+") && p.Phone != "" {
			t.Errorf("line %d: phone %q is not E.164", row.Line, p.Phone)
		}
		companies[row.CompanyName] = true
	}
	if r.Encoding() != EncodingUTF8BOM {
		t.Errorf("Encoding = %q, want %q", r.Encoding(), EncodingUTF8BOM)
	}

	for _, c := range []struct {
		key string
		got int
	}{
		{"rows (records read, blank lines not counted)", rows},
		{"rejected", len(rejected)},
		{"valid rows", valid},
		{"distinct emails among valid rows", len(firstLine)},
		{"valid rows repeating an earlier row's email in other case", len(duplicates)},
		{"valid rows unsubscribed (do_not_contact, G1)", dnc},
		{"rows with a quoted newline in Job Title", len(multiline)},
	} {
		if w := count(c.key); c.got != w {
			t.Errorf("%s: got %d, want %d", c.key, c.got, w)
		}
	}
	if rows != 1000 {
		t.Errorf("rows = %d, want the 1,000 the file was generated with", rows)
	}
	if len(rejected) != len(want.rejected) {
		t.Errorf("rejected %d rows, the .md lists %d", len(rejected), len(want.rejected))
	}
	for i := range min(len(rejected), len(want.rejected)) {
		if rejected[i] != want.rejected[i] {
			t.Errorf("rejection %d = %+v, want %+v", i, rejected[i], want.rejected[i])
		}
	}
	for line, first := range want.duplicates {
		if duplicates[line] != first {
			t.Errorf("line %d: duplicate of line %d, want of line %d", line, duplicates[line], first)
		}
	}
	if !slices.Equal(multiline, want.multiline) {
		t.Errorf("quoted-newline rows at lines %v, want %v", multiline, want.multiline)
	}
	for _, c := range []string{"北京科技有限公司", "Müller & Söhne GmbH", "Smith, Jones & Co", `O'Reilly "Media"`} {
		if !companies[c] {
			t.Errorf("no row names company %q", c)
		}
	}
}
