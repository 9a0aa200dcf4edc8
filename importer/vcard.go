package importer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-vcard"

	"github.com/nudgecrm/nudge"
)

// vcardSource cuts a vCard file into cards itself, one at a time, so that each
// row knows the line its BEGIN:VCARD is on (go-vcard's Decoder does not count
// lines) and memory holds one card, not the file.
type vcardSource struct {
	in    *bufio.Reader
	line  int // physical lines read so far
	zones *zones
}

// readLine returns the next physical line without its line ending; long
// reports that it was longer than MaxField and was cut.
func (v *vcardSource) readLine() (line string, long bool, err error) {
	var buf []byte
	for {
		chunk, err := v.in.ReadSlice('\n')
		if len(buf)+len(chunk) <= MaxField+2 {
			buf = append(buf, chunk...)
		} else {
			long = true
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (!errors.Is(err, io.EOF) || (len(buf) == 0 && !long)) {
			return "", false, err
		}
		v.line++
		return strings.TrimRight(string(buf), "\r\n"), long, nil
	}
}

func (v *vcardSource) all(yield func(nudge.ImportRow) bool) {
	var (
		card    strings.Builder
		begin   int   // line of the BEGIN:VCARD being read; 0 between cards
		problem error // why the card being read is rejected, if it is
	)
	start := func() {
		begin, problem = v.line, nil
		card.Reset()
		card.WriteString("BEGIN:VCARD\r\n")
	}
	for {
		l, long, err := v.readLine()
		if errors.Is(err, io.EOF) {
			if begin != 0 {
				yield(nudge.ImportRow{Line: begin, Fatal: true,
					Err: nudge.Errorf(nudge.EINVALID, "the vCard that starts on line %d has no END:VCARD: the file ends inside it", begin)})
			}
			return
		}
		if err != nil {
			yield(nudge.ImportRow{Line: max(v.line, 1), Fatal: true, Err: fmt.Errorf("reading line %d: %w", v.line+1, err)})
			return
		}
		folded := strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")
		key := strings.ToUpper(strings.TrimSpace(l))
		switch {
		case begin == 0:
			if key == "BEGIN:VCARD" {
				start()
			}
			// Anything between cards is not a record and is skipped.
		case !folded && key == "BEGIN:VCARD":
			if !yield(nudge.ImportRow{Line: begin,
				Err: nudge.Errorf(nudge.EINVALID, "the vCard that starts on line %d has no END:VCARD before the next BEGIN:VCARD on line %d", begin, v.line)}) {
				return
			}
			start()
		case !folded && key == "END:VCARD":
			row := nudge.ImportRow{Line: begin, Err: problem}
			if problem == nil {
				card.WriteString("END:VCARD\r\n")
				row.Person, row.CompanyName, row.Note, row.Value, row.Err = cardPerson(card.String(), v.zones)
			}
			begin = 0
			if !yield(row) {
				return
			}
		case problem != nil:
			// Already rejected: skip to END:VCARD without keeping lines.
		case long:
			problem = nudge.Errorf(nudge.EINVALID, "line %d is longer than %d KiB", v.line, MaxField>>10)
		case card.Len()+len(l) > MaxRecord:
			problem = nudge.Errorf(nudge.EINVALID, "the vCard is longer than %d MiB", MaxRecord>>20)
		case !utf8.ValidString(l):
			problem = nudge.Errorf(nudge.EINVALID, "line %d is not valid UTF-8 (the file mixes text encodings; save it as UTF-8)", v.line)
		case strings.IndexByte(l, 0) >= 0: // PostgreSQL text cannot hold it (found by FuzzVCard)
			problem = nudge.Errorf(nudge.EINVALID, "line %d holds a NUL character (a binary file?)", v.line)
		default:
			card.WriteString(l)
			card.WriteString("\r\n")
		}
	}
}

// cardPerson reads FN/N, EMAIL, TEL, ORG, TITLE, ADR (city, country), TZ (an
// IANA name; UTC offsets are ignored), GEO and NOTE from one card.
func cardPerson(text string, zs *zones) (p nudge.Person, company, note, value string, err error) {
	c, err := vcard.NewDecoder(strings.NewReader(text)).Decode()
	if err != nil {
		return p, "", "", "", nudge.Errorf(nudge.EINVALID, "not a valid vCard: %v", err)
	}
	p.Name = vcardText(c.PreferredValue(vcard.FieldFormattedName))
	if p.Name == "" {
		if n := c.Name(); n != nil {
			p.Name = strings.Join(strings.Fields(vcardText(n.GivenName+" "+n.AdditionalName+" "+n.FamilyName)), " ")
		}
	}
	p.Email = firstOfList(trimScheme(c.PreferredValue(vcard.FieldEmail), "mailto:"))
	p.Phone = trimScheme(c.PreferredValue(vcard.FieldTelephone), "tel:")
	if uri, _, ok := strings.Cut(p.Phone, ";"); ok { // tel:+1-555-0100;ext=12
		p.Phone = uri
	}
	company = vcardText(firstComponent(c.PreferredValue(vcard.FieldOrganization)))
	p.Title = vcardText(c.PreferredValue(vcard.FieldTitle))
	country := ""
	if a := c.Address(); a != nil {
		p.Location.City = vcardText(a.Locality)
		country = vcardText(a.Country)
	}
	if tz := zs.canonical(c.PreferredValue(vcard.FieldTimezone)); tz != "" && (zs.valid[tz] || loadable(tz)) {
		p.TimeZone = tz
	}
	notes := c.Values(vcard.FieldNote)
	for i := range notes {
		notes[i] = vcardText(notes[i])
	}
	note = strings.TrimSpace(strings.Join(notes, "\n\n"))

	values := map[string]string{"name": p.Name, "email": p.Email, "phone": p.Phone, "country": country}
	if country != "" {
		if p.Country, err = nudge.NormalizeCountry(country); err != nil {
			return p, company, note, country, err
		}
	}
	if geo := strings.TrimSpace(c.PreferredValue(vcard.FieldGeolocation)); geo != "" {
		values["location"] = geo
		if p.Location.Lat, p.Location.Lon, err = parseGeo(geo); err != nil {
			return p, company, note, geo, err
		}
		p.Location.HasCoords = true
	}
	if err := zs.validate(&p); err != nil {
		e, _ := errors.AsType[*nudge.Error](err)
		if e != nil {
			value = values[e.Field]
		}
		return p, company, note, value, err
	}
	return p, company, note, "", nil
}

// parseGeo reads vCard 3 "37.386;-122.083" and vCard 4 "geo:37.386,-122.083;u=35".
func parseGeo(s string) (lat, lon float64, err error) {
	v := s
	sep := ";"
	if len(v) >= 4 && strings.EqualFold(v[:4], "geo:") {
		v, _, _ = strings.Cut(v[4:], ";")
		sep = ","
	} else if !strings.Contains(v, ";") {
		sep = ","
	}
	a, b, ok := strings.Cut(v, sep)
	if ok {
		b, _, _ = strings.Cut(b, sep) // geo:lat,lon,altitude
		lat, err = strconv.ParseFloat(strings.TrimSpace(a), 64)
		if err == nil {
			lon, err = strconv.ParseFloat(strings.TrimSpace(b), 64)
		}
	}
	if !ok || err != nil || math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return 0, 0, nudge.FieldError("location", "GEO %q is not a latitude and longitude", s)
	}
	return lat, lon, nil
}

// firstComponent returns the part of a structured value before the first
// unescaped ';': the organisation name of "Acme\; Co;Sales".
func firstComponent(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ';':
			return s[:i]
		}
	}
	return s
}

// vcardText finishes unescaping a text value (go-vcard leaves "\;") and trims it.
func vcardText(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, `\;`, ";"))
}

func trimScheme(s, scheme string) string {
	s = strings.TrimSpace(s)
	if len(s) >= len(scheme) && strings.EqualFold(s[:len(scheme)], scheme) {
		s = s[len(scheme):]
	}
	return strings.TrimSpace(s)
}
