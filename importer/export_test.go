package importer

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
)

// exportPeople covers every Person field, with values that are hard to carry
// through CSV: accents, quotes, delimiters, newlines, formula-like text.
func exportPeople() ([]*nudge.Person, map[int64]string) {
	dnc := time.Date(2026, 3, 4, 5, 6, 7, 890, time.UTC)
	created := time.Date(2025, 12, 31, 23, 59, 59, 123456789, time.UTC)
	people := []*nudge.Person{
		{
			ID: 41, OwnerID: 3, CompanyID: 7, Name: "José \"Pepe\" García", Email: "jose@example.es", Phone: "+34911234567",
			Title: "Director, Ventas", TimeZone: "Europe/Madrid", Country: "ES",
			Location:         nudge.Location{City: "Madrid", Lat: 40.416775, Lon: -3.70379, HasCoords: true},
			PreferredChannel: nudge.ChannelCall, AssistantName: "Zoë", OKToSayNo: true,
			PainGain: "=HYPERLINK(\"http://evil\")\nsecond line", Interests: "'golf', YPO; opera",
			BuyingRole: nudge.RoleDecisionMaker, ReportsToID: 40, Status: nudge.StatusProspect,
			DoNotContact: true, DoNotContactReason: "-asked to stop", DoNotContactAt: &dnc,
			Source: "import:hubspot.csv", CreatedAt: created, UpdatedAt: created.Add(time.Hour),
		},
		{ID: 42, Name: "北京 Li", Status: nudge.StatusLead, Email: "li@example.cn", Location: nudge.Location{HasCoords: true}},
		{ID: 43, Name: "@handle +1", Status: nudge.StatusCustomer, Interests: "\tindented", CompanyID: 8},
	}
	return people, map[int64]string{7: "Müller & Söhne, GmbH", 8: "+Plus Co"}
}

func TestWriteCSVRoundTrip(t *testing.T) {
	people, companies := exportPeople()
	var buf bytes.Buffer
	if err := WriteCSV(&buf, people, func(id int64) string { return companies[id] }); err != nil {
		t.Fatal(err)
	}
	for _, formula := range []string{",=HYPERLINK", ",@handle", ",+Plus", ",-asked", ",\tindented"} {
		if strings.Contains(buf.String(), formula) {
			t.Errorf("export has a cell starting %q that a spreadsheet would run", formula[1:])
		}
	}
	r, rows := readAll(t, buf.String(), nil)
	if r.Format() != FormatNudge {
		t.Fatalf("Format = %q, want nudge", r.Format())
	}
	if len(rows) != len(people) {
		t.Fatalf("read %d rows, want %d", len(rows), len(people))
	}
	for i, row := range rows {
		if row.Err != nil {
			t.Fatalf("line %d: %v", row.Line, row.Err)
		}
		want := *people[i]
		if got := row.Person; !samePerson(got, want) {
			t.Errorf("person %d:\n got %+v\nwant %+v", i, got, want)
		}
		if row.CompanyName != companies[want.CompanyID] {
			t.Errorf("person %d: company %q, want %q", i, row.CompanyName, companies[want.CompanyID])
		}
	}
}

// samePerson compares every field; times by instant, as a zone is not a field.
func samePerson(a, b nudge.Person) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) || !a.UpdatedAt.Equal(b.UpdatedAt) {
		return false
	}
	if (a.DoNotContactAt == nil) != (b.DoNotContactAt == nil) ||
		(a.DoNotContactAt != nil && !a.DoNotContactAt.Equal(*b.DoNotContactAt)) {
		return false
	}
	a.CreatedAt, a.UpdatedAt, a.DoNotContactAt = b.CreatedAt, b.UpdatedAt, b.DoNotContactAt
	return reflect.DeepEqual(a, b)
}

func TestCSVWriterEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := NewCSVWriter(&buf).Flush(); err != nil {
		t.Fatal(err)
	}
	r, rows := readAll(t, buf.String(), nil)
	if r.Format() != FormatNudge || len(rows) != 0 {
		t.Errorf("empty export read back as %q with %d rows, want nudge with none", r.Format(), len(rows))
	}
	if got := len(r.Headers()); got != len(nudgeColumns) {
		t.Errorf("header has %d columns, want %d", got, len(nudgeColumns))
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteCSVError(t *testing.T) {
	people, _ := exportPeople()
	if err := WriteCSV(failWriter{}, people, nil); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("WriteCSV to a failing writer = %v, want the write error", err)
	}
}
