package importer

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	_ "time/tzdata" // zone names load the same on every machine

	"github.com/nudgecrm/nudge"
)

// readAll reads every row of input, failing the test if NewReader fails.
func readAll(t *testing.T, input string, m Mapping) (*Reader, []nudge.ImportRow) {
	t.Helper()
	r, err := NewReader(strings.NewReader(input), m)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var rows []nudge.ImportRow
	for row := range r.All() {
		rows = append(rows, row)
	}
	return r, rows
}

// want is what a test expects of one row; empty fields are not checked,
// except that errField "" means the row must be accepted.
type want struct {
	line                               int
	name, email, phone, company, title string
	country, city, tz                  string
	status                             nudge.PersonStatus
	dnc                                bool
	errField                           string // "-" = rejected with no field
	errHas                             string // substring of the error
}

func checkRows(t *testing.T, rows []nudge.ImportRow, wants []want) {
	t.Helper()
	if len(rows) != len(wants) {
		for _, r := range rows {
			t.Logf("row line %d: %+v err=%v", r.Line, r.Person, r.Err)
		}
		t.Fatalf("got %d rows, want %d", len(rows), len(wants))
	}
	for i, w := range wants {
		r := rows[i]
		if r.Line != w.line {
			t.Errorf("row %d: Line = %d, want %d", i, r.Line, w.line)
		}
		if w.errField != "" || w.errHas != "" {
			if r.Err == nil {
				t.Errorf("line %d: accepted %+v, want rejection on %q", r.Line, r.Person, w.errField)
				continue
			}
			rej := r.Rejection()
			if wf := strings.TrimPrefix(w.errField, "-"); rej.Field != wf {
				t.Errorf("line %d: rejected on field %q (%v), want %q", r.Line, rej.Field, r.Err, wf)
			}
			if !strings.Contains(r.Err.Error(), w.errHas) {
				t.Errorf("line %d: error %q does not mention %q", r.Line, r.Err, w.errHas)
			}
			continue
		}
		if r.Err != nil {
			t.Errorf("line %d: rejected: %v", r.Line, r.Err)
			continue
		}
		p := r.Person
		for _, c := range []struct{ what, got, want string }{
			{"name", p.Name, w.name}, {"email", p.Email, w.email}, {"phone", p.Phone, w.phone},
			{"company", r.CompanyName, w.company}, {"title", p.Title, w.title}, {"country", p.Country, w.country},
			{"city", p.Location.City, w.city}, {"tz", p.TimeZone, w.tz}, {"status", string(p.Status), string(w.status)},
		} {
			if c.want != "" && c.got != c.want {
				t.Errorf("line %d: %s = %q, want %q", r.Line, c.what, c.got, c.want)
			}
		}
		if p.DoNotContact != w.dnc {
			t.Errorf("line %d: DoNotContact = %v, want %v", r.Line, p.DoNotContact, w.dnc)
		}
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		name   string
		input  string
		m      string // --map
		format Format
		rows   []want
	}{
		{
			name: "hubspot",
			input: "Record ID,First Name,Last Name,Email,Phone Number,Mobile Phone Number,Company Name,Job Title,City,Country/Region,Time Zone,Contact owner,Lifecycle Stage,Unsubscribed from all email\n" +
				"101,José,García,Jose.Garcia@Example.COM,030 1234567,,Müller GmbH,CTO,Berlin,Germany,(GMT+01:00) Europe/Berlin,Sam Rep,customer,false\n" +
				"102,Zoë,,zoe@example.com,,(415) 555-0123,,,,United States,america_slash_new_york,,opportunity,true\n" +
				"103,Li,Wei,li@example,,,北京科技,,,CN,,,,\n",
			format: FormatHubSpot,
			rows: []want{
				{line: 2, name: "José García", email: "jose.garcia@example.com", phone: "+49301234567", company: "Müller GmbH",
					title: "CTO", city: "Berlin", country: "DE", tz: "Europe/Berlin", status: nudge.StatusCustomer},
				{line: 3, name: "Zoë", email: "zoe@example.com", phone: "+14155550123", country: "US", tz: "America/New_York",
					status: nudge.StatusProspect, dnc: true},
				{line: 4, errField: "email", errHas: "li@example"},
			},
		},
		{
			name: "salesforce contacts",
			input: "First Name,Last Name,Title,Account Name,Email,Phone,Mailing City,Mailing Country,Email Opt Out,Do Not Call\n" +
				"Anna,Schmidt,VP Sales,Acme AG,anna@acme.de,+49 89 1234567,München,DE,0,1\n" +
				"Bob,Jones,,,bob@x.co.uk,020 7946 0018,London,UK,0,0\n",
			format: FormatSalesforce,
			rows: []want{
				{line: 2, name: "Anna Schmidt", email: "anna@acme.de", phone: "+49891234567", company: "Acme AG", title: "VP Sales",
					city: "München", country: "DE", dnc: true, status: nudge.StatusLead},
				{line: 3, name: "Bob Jones", phone: "+442079460018", country: "GB"},
			},
		},
		{
			name: "salesforce leads",
			input: "First Name,Last Name,Title,Company / Account,Email,Phone,City,Country,Lead Status\n" +
				"Carla,Rossi,Buyer,Rossi SpA,carla@rossi.it,+39 06 1234 5678,Roma,Italy,Open - Not Contacted\n",
			format: FormatSalesforce,
			rows:   []want{{line: 2, name: "Carla Rossi", company: "Rossi SpA", country: "IT", phone: "+390612345678"}},
		},
		{
			name: "pipedrive",
			input: "Person - ID,Person - Name,Person - Email - Work,Person - Email - Home,Person - Phone - Work,Person - Organization,Person - Job title,Person - Marketing status\n" +
				"7,Dana Lee,,dana@home.example.com,\"+1 212 555 0199, +1 646 555 0100\",Lee & Co,Owner,Unsubscribed\n" +
				"8,Eve Adams,eve@work.example.com,eve@home.example.com,,,,Subscribed\n",
			format: FormatPipedrive,
			rows: []want{
				{line: 2, name: "Dana Lee", email: "dana@home.example.com", phone: "+12125550199", company: "Lee & Co", title: "Owner", dnc: true},
				{line: 3, name: "Eve Adams", email: "eve@work.example.com"},
			},
		},
		{
			name:   "pipedrive short headers",
			input:  "Name,Email,Phone,Organization,Job title\nFrank Ng,frank@ng.example.com,,Ng Ltd,CEO\n",
			format: FormatPipedrive,
			rows:   []want{{line: 2, name: "Frank Ng", company: "Ng Ltd", title: "CEO"}},
		},
		{
			name:   "hand-made file reads as nudge",
			input:  "name,email,phone,country\nGreta,greta@example.se,08-123 456 78,SE\n",
			format: FormatNudge,
			rows:   []want{{line: 2, name: "Greta", email: "greta@example.se", phone: "+46812345678", country: "SE"}},
		},
		{
			name:   "nudge export with a column added in a spreadsheet",
			input:  "name,email,pain_gain,My notes\nHo,ho@example.com,slow quotes,call after 3\n",
			format: FormatNudge,
			rows:   []want{{line: 2, name: "Ho", email: "ho@example.com"}},
		},
		{
			name:   "mapped",
			input:  "Full name,E-mail address,Tel,Land,Firma\nHans Meier,hans@meier.ch,044 123 45 67,CH,Meier AG\n,,,,\nIda,ida@,,,\n",
			m:      "Name=Full name, email=E-Mail Address,phone=tel,country=land,company=Firma",
			format: FormatMapped,
			rows: []want{
				{line: 2, name: "Hans Meier", email: "hans@meier.ch", phone: "+41441234567", country: "CH", company: "Meier AG"},
				{line: 4, errField: "email"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMapping(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			r, rows := readAll(t, tt.input, m)
			if r.Format() != tt.format {
				t.Errorf("Format = %q, want %q", r.Format(), tt.format)
			}
			checkRows(t, rows, tt.rows)
		})
	}
}

func TestNewReaderErrors(t *testing.T) {
	tests := []struct {
		name, input, m string
		wantHas        []string
	}{
		{"unrecognised header", "Foo,Bar,Baz\n1,2,3\n", "", []string{`"Foo", "Bar", "Baz"`, "--map"}},
		{"empty file", "", "", []string{"empty"}},
		{"only a BOM and newlines", "\uFEFF\r\n\r\n", "", []string{"empty"}},
		{"mapped column missing", "A,B\n1,2\n", "email=E-mail", []string{`no column "E-mail"`, `"A", "B"`}},
		{"map on a vCard", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:X\r\nEND:VCARD\r\n", "name=Name", []string{"vCard"}},
		{"unclosed quote in the header", "\"Email,Name\n", "", []string{"line 1", "header"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMapping(tt.m)
			if err != nil {
				t.Fatal(err)
			}
			_, err = NewReader(strings.NewReader(tt.input), m)
			if err == nil {
				t.Fatal("NewReader succeeded, want an error")
			}
			for _, s := range tt.wantHas {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if nudge.ErrorCode(err) != nudge.EINVALID {
				t.Errorf("code = %q, want %q", nudge.ErrorCode(err), nudge.EINVALID)
			}
		})
	}
}

func TestParseMapping(t *testing.T) {
	tests := []struct {
		in      string
		want    Mapping
		wantErr string // substring; "" = no error
	}{
		{in: "", want: nil},
		{in: "Email=E-mail address,Name=Full name", want: Mapping{"email": "E-mail address", "name": "Full name"}},
		{in: " first_name = Vorname , last_name=Nachname, ", want: Mapping{"first_name": "Vorname", "last_name": "Nachname"}},
		{in: "email=E-mail,fax=Fax", wantErr: `unknown field "fax"`},
		{in: "email=E-mail,phone", wantErr: `"phone" is not field=Column header`},
		{in: "email=", wantErr: `"email="`},
		{in: "email=A,email=B", wantErr: `already mapped to "A"`},
		{in: "phone=Tel", wantErr: "name"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseMapping(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseMapping(%q) error = %v, want one mentioning %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("ParseMapping(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

const hubspotHeader = "First Name,Last Name,Email,Phone Number,Company Name,Country/Region\n"

func TestRobustness(t *testing.T) {
	long := strings.Repeat("x", MaxField+1)
	tests := []struct {
		name     string
		input    string
		encoding string
		rows     []want
	}{
		{
			name:     "BOM",
			input:    "\xEF\xBB\xBF" + hubspotHeader + "Ana,Lima,ana@example.com,,,BR\n",
			encoding: EncodingUTF8BOM,
			rows:     []want{{line: 2, name: "Ana Lima", country: "BR"}},
		},
		{
			name:     "CRLF",
			input:    strings.ReplaceAll(hubspotHeader+"Ana,Lima,ana@example.com,,,BR\nBo,,bo@example.com,,,\n", "\n", "\r\n"),
			encoding: EncodingUTF8,
			rows:     []want{{line: 2, name: "Ana Lima"}, {line: 3, name: "Bo", email: "bo@example.com"}},
		},
		{
			name: "quoted newlines keep the starting line",
			input: hubspotHeader + "Ana,Lima,ana@example.com,,\"Acme\r\nWest\r\nDivision\",BR\r\n" +
				"Bo,,bo@,,,\r\n" + "\"Cy\nCy\",,cy@example.com,,,\n",
			rows: []want{
				{line: 2, company: "Acme\nWest\nDivision"},
				{line: 5, errField: "email"},
				{line: 6, name: "Cy\nCy"},
			},
		},
		{
			name:  "blank lines are skipped",
			input: hubspotHeader + "\n,,,,,\n  , ,,,,\nAna,,ana@example.com,,,\n\r\n",
			rows:  []want{{line: 5, name: "Ana"}},
		},
		{
			name:     "Windows-1252 from Excel",
			input:    hubspotHeader + "Jos\xe9,M\xfcller,jose@example.com,,Caf\xe9 \x80 Ltd,Espa\xf1a\n",
			encoding: EncodingWindows1252,
			rows:     []want{{line: 2, name: "José Müller", company: "Café € Ltd", country: "ES"}},
		},
		{
			name:     "Windows-1252 first seen far into the file",
			input:    hubspotHeader + strings.Repeat("Al,,al@example.com,,,\n", 5000) + "Zo\xeb,,zoe@example.com,,,\n",
			encoding: EncodingWindows1252,
			rows: append(repeatWant(want{name: "Al"}, 2, 5000),
				want{line: 5002, name: "Zoë"}),
		},
		{
			name:     "UTF-8 with a stray Windows-1252 byte later",
			input:    hubspotHeader + "Zoë,,zoe@example.com,,,\nJos\xe9,,jose@example.com,,,\n",
			encoding: EncodingUTF8,
			rows:     []want{{line: 2, name: "Zoë"}, {line: 3, errField: "first_name", errHas: "UTF-8"}},
		},
		{
			name:     "UTF-16LE with BOM, tab-separated (Excel Unicode text)",
			input:    utf16le("\uFEFFFirst Name\tEmail\r\nÅsa\tasa@example.se\r\n"),
			encoding: EncodingUTF16LE,
			rows:     []want{{line: 2, name: "Åsa", email: "asa@example.se"}},
		},
		{
			name:  "semicolons and decimal commas (European Excel)",
			input: "name;email;lat;lon\nAnna;anna@example.de;52,52;13,405\n",
			rows:  []want{{line: 2, name: "Anna"}},
		},
		{
			name:  "long field",
			input: hubspotHeader + "Ana,,ana@example.com,,\"" + long + "\",\nBo,,bo@example.com,,,\n",
			rows:  []want{{line: 2, errField: "company", errHas: "64 KiB"}, {line: 3, name: "Bo"}},
		},
		{
			name:  "wrong field count",
			input: hubspotHeader + "Ana,Lima,ana@example.com\nBo,,bo@example.com,,,,extra\nCy,,cy@example.com,,,\n",
			rows: []want{
				{line: 2, errField: "-", errHas: "3 fields, the header has 6"},
				{line: 3, errField: "-", errHas: "7 fields"},
				{line: 4, name: "Cy"},
			},
		},
		{
			name:  "bare quote rejects the row only",
			input: hubspotHeader + "Ana,Lima,ana@example.com,,Acme 5\" Ltd,\nBo,,bo@example.com,,,\n",
			rows:  []want{{line: 2, errField: "-", errHas: "line 2, column 33"}, {line: 3, name: "Bo"}},
		},
		{
			name:  "stray quote after a quoted field rejects the row only",
			input: hubspotHeader + "Ana,Lima,ana@example.com,,\"Acme\" Ltd,\nBo,,bo@example.com,,,\n",
			rows:  []want{{line: 2, errField: "-", errHas: "must be doubled"}, {line: 3, name: "Bo"}},
		},
		{
			name:  "unbalanced quote at the end is fatal",
			input: hubspotHeader + "Ana,,ana@example.com,,,\nBo,,bo@example.com,,\"Acme,\nCy,,cy@example.com,,,\n",
			rows:  []want{{line: 2, name: "Ana"}, {line: 3, errField: "-", errHas: "never closed"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, rows := readAll(t, tt.input, nil)
			checkRows(t, rows, tt.rows)
			if tt.encoding != "" && r.Encoding() != tt.encoding {
				t.Errorf("Encoding = %q, want %q", r.Encoding(), tt.encoding)
			}
			for i, row := range rows {
				if fatal := strings.Contains(fmt.Sprint(row.Err), "never closed"); row.Fatal != fatal || (fatal && i != len(rows)-1) {
					t.Errorf("line %d: Fatal = %v for %v", row.Line, row.Fatal, row.Err)
				}
			}
		})
	}
}

func repeatWant(w want, firstLine, n int) []want {
	ws := make([]want, n)
	for i := range ws {
		ws[i] = w
		ws[i].line = firstLine + i
	}
	return ws
}

func utf16le(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 0xFFFF {
			panic("test helper handles the BMP only")
		}
		b.WriteByte(byte(r))
		b.WriteByte(byte(r >> 8))
	}
	return b.String()
}

// A quote left open early in a large file must not make the reader hold the
// rest of the file: the record is cut at MaxRecord and reading stops there.
func TestRecordTooLong(t *testing.T) {
	input := hubspotHeader + "Ana,,ana@example.com,,\"open\n" + strings.Repeat("Bo,,bo@example.com,,,\n", MaxRecord/20)
	_, rows := readAll(t, input, nil)
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1", len(rows))
	}
	if r := rows[0]; !r.Fatal || r.Line != 2 || !strings.Contains(r.Err.Error(), "longer than 4 MiB") {
		t.Errorf("row = line %d fatal %v err %v; want line 2, fatal, longer than 4 MiB", r.Line, r.Fatal, r.Err)
	}
}

func TestAllOnce(t *testing.T) {
	r, rows := readAll(t, hubspotHeader+"Ana,,ana@example.com,,,\n", nil)
	if len(rows) != 1 {
		t.Fatalf("first pass: %d rows, want 1", len(rows))
	}
	for row := range r.All() {
		t.Errorf("second pass yielded line %d", row.Line)
	}
}

func TestAllStopsEarly(t *testing.T) {
	r, err := NewReader(strings.NewReader(hubspotHeader+"A,,a@example.com,,,\nB,,b@example.com,,,\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range r.All() {
		n++
		break
	}
	if n != 1 {
		t.Errorf("yielded %d rows after break", n)
	}
}

func TestCanonicalZone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Europe/Berlin", "Europe/Berlin"},
		{"europe/berlin", "Europe/Berlin"},
		{"america_slash_new_york", "America/New_York"},
		{"(GMT-05:00) America/New_York", "America/New_York"},
		{"(GMT+09:00) asia_slash_tokyo", "Asia/Tokyo"},
		{"Eastern Time", "Eastern Time"}, // left for Validate to reject
		{"Local", "Local"},
	}
	for _, tt := range tests {
		if got := canonicalZone(tt.in); got != tt.want {
			t.Errorf("canonicalZone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRowErrors(t *testing.T) {
	header := "name,email,phone,country,tz,lat,lon,status,preferred_channel,ok_to_say_no\n"
	tests := []struct {
		row       string
		field     string
		value     string
		reasonHas string
	}{
		{",,,,,,,lead,,", "name", "", "name or an email"},
		{"Ana,ana@@example.com,,,,,,,,", "email", "ana@@example.com", "not an email"},
		{"Ana,,12,,,,,,,", "phone", "12", "not a phone"},
		{"Ana,,,Atlantis,,,,,,", "country", "Atlantis", "unknown country"},
		{"Ana,,,,Eastern Time,,,,,", "tz", "Eastern Time", "unknown time zone"},
		{"Ana,,,,Local,,,,,", "tz", "Local", "unknown time zone"},
		{"Ana,,,,,91,0,,,", "location", "91,0", "out of range"},
		{"Ana,,,,,abc,0,,,", "lat", "abc", "not a latitude"},
		{"Ana,,,,,NaN,0,,,", "lat", "NaN", "not a latitude"},
		{"Ana,,,,,1,,,,", "location", "1", "both"},
		{"Ana,,,,,,,vip,,", "status", "vip", "unknown status"},
		{"Ana,,,,,,,,pigeon,", "preferred_channel", "pigeon", "unknown channel"},
		{"Ana,,,,,,,,,maybe", "ok_to_say_no", "maybe", "yes or no"},
	}
	for _, tt := range tests {
		t.Run(tt.row, func(t *testing.T) {
			_, rows := readAll(t, header+tt.row+"\n", nil)
			if tt.row == ",,,,,,,lead,," && len(rows) == 1 && rows[0].Err == nil {
				t.Fatal("a row with only a status was accepted")
			}
			if len(rows) != 1 || rows[0].Err == nil {
				t.Fatalf("rows = %+v, want one rejected", rows)
			}
			rej := rows[0].Rejection()
			if rej.Line != 2 || rej.Field != tt.field || rej.Value != tt.value || !strings.Contains(rej.Reason, tt.reasonHas) {
				t.Errorf("Rejection = %+v, want line 2, field %q, value %q, reason with %q", rej, tt.field, tt.value, tt.reasonHas)
			}
			if _, ok := errors.AsType[*nudge.Error](rows[0].Err); !ok {
				t.Errorf("Err %T is not a *nudge.Error", rows[0].Err)
			}
		})
	}
}
