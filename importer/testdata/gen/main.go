//go:build ignore

// Command gen writes hubspot_messy.csv, a HubSpot contacts export with 1,000
// data rows and every mess the importer must survive, and hubspot_messy.md,
// the exact counts and rejections a reader and a store must produce from it.
// It is deterministic: run it again and the files do not change.
//
//	go run ./importer/testdata/gen/main.go -dir importer/testdata
package main

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
)

const rows = 1000

var (
	firsts = []struct{ name, slug string }{
		{"José", "jose"}, {"Zoë", "zoe"}, {"Jürgen", "juergen"}, {"François", "francois"}, {"Søren", "soren"},
		{"Łukasz", "lukasz"}, {"Ana", "ana"}, {"Björn", "bjorn"}, {"Chloé", "chloe"}, {"Dmitri", "dmitri"},
		{"Élodie", "elodie"}, {"Hans", "hans"}, {"Ingrid", "ingrid"}, {"María", "maria"}, {"Noël", "noel"},
		{"Renée", "renee"}, {"Li", "li"}, {"Wei", "wei"}, {"Yuki", "yuki"}, {"Ömer", "omer"},
	}
	lasts = []struct{ name, slug string }{
		{"García", "garcia"}, {"Müller", "mueller"}, {"Martin", "martin"}, {"Dubois", "dubois"}, {"Nørgaard", "norgaard"},
		{"Kowalski", "kowalski"}, {"Smith", "smith"}, {"Åberg", "aberg"}, {"O'Brien", "obrien"}, {"Ivanov", "ivanov"},
		{"Lefèvre", "lefevre"}, {"Schmidt", "schmidt"}, {"Ström", "strom"}, {"López", "lopez"}, {"Brontë", "bronte"},
		{"Zhang", "zhang"}, {"Wang", "wang"}, {"Tanaka", "tanaka"}, {"Yılmaz", "yilmaz"},
	}
	companies = []string{
		"Acme Corp", "Müller & Söhne GmbH", "北京科技有限公司", "Café Crème SARL", "Smith, Jones & Co",
		"Zürich Versicherung", "上海贸易公司", "Ñandú Ltda", "", `O'Reilly "Media"`, "北京 Beijing Office",
	}
	domains = []string{"example.com", "example.de", "Example.CO.UK", "beispiel.de", "example.fr"}
	// Each profile is a country as people type it, a phone as they type it
	// (%d is filled from the row number), and a time zone as HubSpot writes it.
	profiles = []struct{ country, phone, tz string }{
		{"United States", "(212) 555-%04d", "America/New_York"},
		{"USA", "+1 646-555-%04d", "america_slash_los_angeles"},
		{"Germany", "030 %07d", "(GMT+01:00) Europe/Berlin"},
		{"DE", "+49 89 %07d", "Europe/Berlin"},
		{"United Kingdom", "020 7946 %04d", "Europe/London"},
		{"France", "01 23 45 %04d", ""},
		{"España", "+34 91 123 %04d", "europe/madrid"},
		{"China", "010 6%07d", "Asia/Shanghai"},
		{"Brasil", "(11) 9%04d-1234", "America/Sao_Paulo"},
		{"JP", "03-%04d-5678", "Asia/Tokyo"},
		{"", "", ""},
		{"", "+44 20 7946 %04d", ""},
	}
	badEmails    = []string{"%s@", "%s.example.com", "@example.com", "%s@localhost", "%s@@example.com", "%s@example..com", "%s <%s@example.com>"}
	badPhones    = []string{"tbd", "n/a", "+999 123", "0", "12345678901234567890"}
	badCountries = []string{"Atlantis", "Narnia", "XX", "Mars"}
	stages       = []string{"lead", "subscriber", "opportunity", "customer", "", "marketingqualifiedlead"}
)

var header = []string{"Record ID", "First Name", "Last Name", "Email", "Phone Number", "Company Name", "Job Title",
	"City", "Country/Region", "Time Zone", "Contact owner", "Lifecycle Stage", "Unsubscribed from all email"}

// What makes a row bad or special, by row number (0-based). The residues are
// chosen so no two kinds meet on one row; main checks that.
func isDuplicate(i int) bool { return i%50 == 7 } // repeats row i-1's email in other case
func badEmail(i int) bool    { return i%40 == 13 }
func badPhone(i int) bool    { return i%100 == 42 }
func badCountry(i int) bool  { return i%250 == 99 }
func badZone(i int) bool     { return i%333 == 111 }
func optedOut(i int) bool    { return i%100 == 0 }
func multiline(i int) bool   { return i%125 == 4 }

type rejection struct {
	line         int
	field, value string
}

func main() {
	dir := flag.String("dir", "importer/testdata", "output directory")
	flag.Parse()

	var out bytes.Buffer
	out.WriteString("\xEF\xBB\xBF") // HubSpot's exports start with a UTF-8 BOM
	line := 1
	write := func(rec []string) int {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		w.UseCRLF = true
		if err := w.Write(rec); err != nil {
			log.Fatal(err)
		}
		w.Flush()
		start := line
		line += bytes.Count(b.Bytes(), []byte("\n"))
		out.Write(b.Bytes())
		return start
	}
	write(header)

	var (
		rejected   []rejection
		dupLines   [][2]int // line of the repeat, line of the first occurrence
		blank      int
		prev       []string
		prevLine   int
		valid, dnc int
		multilines []int
	)
	for i := range rows {
		kinds := 0
		for _, k := range []bool{isDuplicate(i), isDuplicate(i + 1), badEmail(i), badPhone(i), badCountry(i), badZone(i), optedOut(i), multiline(i)} {
			if k {
				kinds++
			}
		}
		if kinds > 1 {
			log.Fatalf("row %d is special in more than one way; change the residues", i)
		}
		f, l := firsts[i%len(firsts)], lasts[(i/len(firsts)+i)%len(lasts)]
		pr := profiles[i%len(profiles)]
		email := fmt.Sprintf("%s.%s%d@%s", f.slug, l.slug, i, domains[i%len(domains)])
		if i%3 == 0 {
			email = strings.ToUpper(email[:1]) + email[1:]
		}
		phone := ""
		if pr.phone != "" {
			phone = fmt.Sprintf(pr.phone, i)
		}
		title := []string{"CEO", "Head of Sales", "Einkaufsleiter", "Directeur Général", "采购经理", "VP, Operations", ""}[i%7]
		if multiline(i) {
			title = "Head of Sales\nEMEA"
			multilines = append(multilines, line)
		}
		city := []string{"New York", "München", "São Paulo", "北京", "Zürich", "", "Kraków"}[i%7]
		unsub := "false"
		if optedOut(i) {
			unsub = "true"
		}
		rec := []string{fmt.Sprint(1000 + i), f.name, l.name, email, phone, companies[i%len(companies)], title, city,
			pr.country, pr.tz, "Sam Rep", stages[i%len(stages)], unsub}
		var rej *rejection
		switch {
		case isDuplicate(i):
			copy(rec[1:], prev[1:])
			if i%2 == 1 {
				rec[3] = strings.ToUpper(prev[3])
			} else {
				rec[3] = strings.ToLower(prev[3])
			}
		case badEmail(i):
			pat := badEmails[(i/40)%len(badEmails)]
			if strings.Contains(pat, "<") { // "José García <jose@example.com>": a display name is not an address
				rec[3] = fmt.Sprintf(pat, f.name+" "+l.name, f.slug)
			} else {
				rec[3] = strings.ReplaceAll(pat, "%s", f.slug)
			}
			rej = &rejection{field: "email", value: rec[3]}
		case badPhone(i):
			rec[4] = badPhones[(i/100)%len(badPhones)]
			rej = &rejection{field: "phone", value: rec[4]}
		case badCountry(i):
			rec[8] = badCountries[(i/250)%len(badCountries)]
			rej = &rejection{field: "country", value: rec[8]}
		case badZone(i):
			rec[9] = "Eastern Standard Time"
			rej = &rejection{field: "tz", value: rec[9]}
		}
		at := write(rec)
		switch {
		case rej != nil:
			rej.line = at
			rejected = append(rejected, *rej)
		case isDuplicate(i):
			dupLines = append(dupLines, [2]int{at, prevLine})
			valid++
		default:
			valid++
			if optedOut(i) {
				dnc++
			}
		}
		prev, prevLine = rec, at
		// Blank lines: empty, all-empty fields, and fields of spaces. Not rows.
		switch i % 97 {
		case 50:
			out.WriteString("\r\n")
			line++
			blank++
		case 96:
			write(make([]string, len(header)))
			blank++
		case 70:
			write([]string{" ", "", "  ", "", "", "", "", "", "", "", "", "", ""})
			blank++
		}
	}

	if err := os.WriteFile(filepath.Join(*dir, "hubspot_messy.csv"), out.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}

	var md strings.Builder
	fmt.Fprintf(&md, "# hubspot_messy.csv: what an import must report\n\n")
	fmt.Fprintf(&md, "Generated by `go run ./importer/testdata/gen/main.go -dir importer/testdata` (deterministic; do not edit by hand).\n")
	fmt.Fprintf(&md, "A HubSpot contacts export: UTF-8 with a BOM, CRLF line endings, %d data rows, %d blank lines\n", rows, blank)
	fmt.Fprintf(&md, "(empty, or every field empty or spaces; not rows), accents (José, Zoë, Müller, 北京…), quoted fields\n")
	fmt.Fprintf(&md, "with commas, quotes and newlines, phones in national and international forms across 10 countries,\n")
	fmt.Fprintf(&md, "countries as names and codes, HubSpot-style time zones (`america_slash_los_angeles`, `(GMT+01:00) Europe/Berlin`).\n\n")
	fmt.Fprintf(&md, "## Counts\n\n")
	fmt.Fprintf(&md, "| what | count |\n|---|---|\n")
	fmt.Fprintf(&md, "| rows (records read, blank lines not counted) | %d |\n", rows)
	fmt.Fprintf(&md, "| rejected | %d |\n", len(rejected))
	fmt.Fprintf(&md, "| valid rows | %d |\n", valid)
	fmt.Fprintf(&md, "| distinct emails among valid rows | %d |\n", valid-len(dupLines))
	fmt.Fprintf(&md, "| valid rows repeating an earlier row's email in other case | %d |\n", len(dupLines))
	fmt.Fprintf(&md, "| valid rows unsubscribed (do_not_contact, G1) | %d |\n", dnc)
	fmt.Fprintf(&md, "| rows with a quoted newline in Job Title | %d |\n", len(multilines))
	fmt.Fprintf(&md, "| lines in the file (header included) | %d |\n\n", line-1)
	fmt.Fprintf(&md, "Importing into an empty database:\n\n")
	fmt.Fprintf(&md, "- all-or-nothing (default): rows %d, created 0, merged 0, rejected %d, committed false.\n", rows, len(rejected))
	fmt.Fprintf(&md, "- `--skip-invalid`: rows %d, created %d, merged %d, rejected %d, committed true.\n", rows, valid-len(dupLines), len(dupLines), len(rejected))
	fmt.Fprintf(&md, "- the same file again with `--skip-invalid`: created 0, merged %d, rejected %d.\n\n", valid, len(rejected))
	fmt.Fprintf(&md, "## Rejected rows\n\n| line | field | value |\n|---|---|---|\n")
	for _, r := range rejected {
		fmt.Fprintf(&md, "| %d | %s | `%s` |\n", r.line, r.field, r.value)
	}
	fmt.Fprintf(&md, "\n## Duplicate rows\n\n| line | same email as line |\n|---|---|\n")
	for _, d := range dupLines {
		fmt.Fprintf(&md, "| %d | %d |\n", d[0], d[1])
	}
	fmt.Fprintf(&md, "\n## Rows with a quoted newline (Job Title)\n\n")
	for _, l := range multilines {
		fmt.Fprintf(&md, "- line %d\n", l)
	}
	if err := os.WriteFile(filepath.Join(*dir, "hubspot_messy.md"), []byte(md.String()), 0o644); err != nil {
		log.Fatal(err)
	}
}
