package importer

import (
	"strings"
	"testing"

	"github.com/nudgecrm/nudge"
)

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func TestVCard(t *testing.T) {
	tests := []struct {
		name  string
		input string
		rows  []want
		check func(t *testing.T, r *Reader)
	}{
		{
			name: "vCard 3.0",
			input: crlf(`BEGIN:VCARD
VERSION:3.0
N:García;José;;;
FN:José García
ORG:Müller GmbH;Vertrieb
TITLE:Head of Sales
EMAIL;TYPE=INTERNET,WORK:Jose@Example.com
EMAIL;TYPE=INTERNET,HOME,pref:jose.home@example.com
TEL;TYPE=CELL:030 1234567
ADR;TYPE=WORK:;;Unter den Linden 1;Berlin;;10117;Germany
TZ:-05:00
GEO:52.5163;13.3777
NOTE:Met at the fair\, keen on golf
END:VCARD
`),
			rows: []want{{line: 1, name: "José García", email: "jose.home@example.com", phone: "+49301234567",
				company: "Müller GmbH", title: "Head of Sales", city: "Berlin", country: "DE"}},
		},
		{
			name: "vCard 4.0, folded lines, two cards",
			input: crlf(`
BEGIN:VCARD
VERSION:4.0
N:Martin;Zoë;;;
EMAIL:zoe@example.fr
TEL;VALUE=uri;TYPE=work:tel:+33-1-23-45-67-89;ext=12
ADR;TYPE=work:;;8 rue de la Paix;Paris;;75002;FR
TZ:Europe/Paris
GEO:geo:48.8698,2.3311
NOTE:Prefers email; ask about the
  Q3 budget
END:VCARD
BEGIN:VCARD
VERSION:4.0
FN:北京 Office
EMAIL:beijing@example.cn
ADR:;;;北京;;;China
TZ;VALUE=text:Asia/Shanghai
END:VCARD
`),
			rows: []want{
				{line: 2, name: "Zoë Martin", email: "zoe@example.fr", phone: "+33123456789", city: "Paris", country: "FR", tz: "Europe/Paris"},
				{line: 13, name: "北京 Office", city: "北京", country: "CN", tz: "Asia/Shanghai"},
			},
			check: func(t *testing.T, r *Reader) {
				rows := collect(r)
				p := rows[0].Person
				if !p.Location.HasCoords || p.Location.Lat != 48.8698 || p.Location.Lon != 2.3311 {
					t.Errorf("GEO = %+v, want 48.8698,2.3311", p.Location)
				}
				if rows[0].Note != "Prefers email; ask about the Q3 budget" {
					t.Errorf("Note = %q", rows[0].Note)
				}
			},
		},
		{
			name: "bad cards are rejected, good ones read",
			input: crlf(`BEGIN:VCARD
VERSION:3.0
FN:No Email Bad Geo
GEO:north;west
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Anna
EMAIL:anna@
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Never Ended
BEGIN:VCARD
VERSION:3.0
FN:Bo
END:VCARD
`),
			rows: []want{
				{line: 1, errField: "location", errHas: "GEO"},
				{line: 6, errField: "email"},
				{line: 11, errField: "-", errHas: "no END:VCARD before the next BEGIN:VCARD on line 14"},
				{line: 14, name: "Bo"},
			},
		},
		{
			name:  "missing END at the end of the file is fatal",
			input: crlf("BEGIN:VCARD\nVERSION:3.0\nFN:Ok\nEND:VCARD\n\nBEGIN:VCARD\nVERSION:3.0\nFN:Cut\n"),
			rows:  []want{{line: 1, name: "Ok"}, {line: 6, errField: "-", errHas: "file ends inside it"}},
		},
		{
			name:  "Windows-1252 vCard",
			input: "BEGIN:VCARD\nVERSION:2.1\nFN:Fran\xe7ois\nEMAIL:f@example.fr\nEND:VCARD\n",
			rows:  []want{{line: 1, name: "François"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, rows := readAll(t, tt.input, nil)
			if r.Format() != FormatVCard {
				t.Fatalf("Format = %q, want vcard", r.Format())
			}
			checkRows(t, rows, tt.rows)
			if tt.check != nil {
				r2, err := NewReader(strings.NewReader(tt.input), nil)
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, r2)
			}
			last := rows[len(rows)-1]
			if wantFatal := strings.Contains(tt.name, "fatal"); last.Fatal != wantFatal {
				t.Errorf("last row Fatal = %v, want %v", last.Fatal, wantFatal)
			}
		})
	}
}

func collect(r *Reader) []nudge.ImportRow {
	var rows []nudge.ImportRow
	for row := range r.All() {
		rows = append(rows, row)
	}
	return rows
}
