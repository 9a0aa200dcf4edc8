package importer

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/nudgecrm/nudge"
)

// FuzzReader feeds the reader arbitrary bytes. Whatever the input, it must
// not panic, every row must have a line, and an accepted row must hold a
// normalised email or a name. Under plain `go test` it runs the seeds.
func FuzzReader(f *testing.F) {
	seeds := []string{
		"",
		"\xEF\xBB\xBF",
		"Email\n",
		"Email\nanna@example.com\n",
		"name,email\n\"unclosed,x@y.z\n",
		"name,email\na\"b,x@y.z\n",
		"name,email\n\"a\"b,x@y.z\n",
		"name,email\r\n\r\n,\r\n\"multi\r\nline\",m@example.com\r\n",
		"name;email;lat;lon\nA;a@example.com;1,5;NaN\n",
		"name,email,phone,country,tz\nA,A@EXAMPLE.COM,+1 212 555 0100,US,america_slash_new_york\n",
		"name,email\nJos\xe9,jose@example.com\n",
		"name,email\nZo\xc3\xab,zoe@example.com\nJos\xe9,x@example.com\n",
		"\xFF\xFEn\x00a\x00m\x00e\x00\n\x00X\x00\n\x00",
		"\xFE\xFF\x00n",
		"First Name,Last Name,Email,Phone Number\n,,,\n a , b ,  c@d.ef ,  \n",
		"id,name,created_at,lat,lon\nx,A,yesterday,1,2\n",
		"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEMAIL:a@example.com\r\nEND:VCARD\r\n",
		"BEGIN:VCARD\nFN:A\nBEGIN:VCARD\nEND:VCARD\nEND:VCARD\n",
		"BEGIN:VCARD\nGEO:geo:\nTEL;VALUE=uri:tel:\nORG:\\\nN:;;;;\nEND:VCARD",
		"BEGIN:VCARD\nVERSION:4.0\nEMAIL;PREF=x:a@b.cd\nADR:;;;;;;Atlantis\nEND:VCARD\n",
		"begin:vcard\n fold\nend:vcard\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("testdata/*.csv")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewReader(bytes.NewReader(data), nil)
		if err != nil {
			if nudge.ErrorMessage(err) == "" {
				t.Fatalf("NewReader error with no message: %v", err)
			}
			return
		}
		n := 0
		for row := range r.All() {
			n++
			if row.Line < 1 {
				t.Fatalf("row %d has Line %d", n, row.Line)
			}
			if row.Err != nil {
				if row.Rejection().Reason == "" {
					t.Fatalf("line %d: rejection without a reason", row.Line)
				}
				continue
			}
			p := row.Person
			if p.Email != "" {
				if e, err := nudge.NormalizeEmail(p.Email); err != nil || e != p.Email {
					t.Fatalf("line %d: accepted email %q is not normalised (%q, %v)", row.Line, p.Email, e, err)
				}
			} else if p.Name == "" {
				t.Fatalf("line %d: accepted a row with neither email nor name", row.Line)
			}
		}
		if n > len(data)+1 {
			t.Fatalf("%d rows from %d bytes", n, len(data))
		}
	})
}
