package importer

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nudgecrm/nudge"
)

// MaxField is the longest field a row may hold. Contact fields are short; a
// longer one is nearly always a quote left open that swallowed other rows.
const MaxField = 64 << 10

// record is one CSV record under a layout.
type record struct {
	l      *layout
	fields []string // trimmed
	zones  *zones
}

// get returns the first non-empty value the row has for f.
func (r record) get(f field) string {
	for _, i := range r.l.cols[f] {
		if i < len(r.fields) && r.fields[i] != "" {
			v := r.fields[i]
			if r.l.format == FormatNudge && isTextColumn(f) {
				v = unescapeFormula(v)
			}
			return v
		}
	}
	return ""
}

// blank reports whether every field is empty; such rows are skipped, not counted.
func blank(fields []string) bool {
	for _, f := range fields {
		if f != "" {
			return false
		}
	}
	return true
}

// check rejects a record before its fields are read: wrong field count,
// over-long or mis-encoded fields.
func (r record) check() (value string, err error) {
	if n, want := len(r.fields), len(r.l.headers); n != want {
		return "", nudge.Errorf(nudge.EINVALID, "the row has %d fields, the header has %d (a missing or extra delimiter?)", n, want)
	}
	for i, v := range r.fields {
		name := r.l.colName[i]
		if len(v) > MaxField {
			return "", nudge.FieldError(name, "value is %d KiB, longer than the %d KiB a field may hold (a quote left open?)", len(v)>>10, MaxField>>10)
		}
		if !utf8.ValidString(v) {
			return strings.ToValidUTF8(v, "\uFFFD"), nudge.FieldError(name, "value is not valid UTF-8 (the file mixes text encodings; save it as UTF-8)")
		}
		if strings.IndexByte(v, 0) >= 0 { // PostgreSQL text cannot hold it (found by FuzzVCard)
			return strings.ReplaceAll(v, "\x00", ""), nudge.FieldError(name, "value holds a NUL character (a binary file?)")
		}
	}
	return "", nil
}

// person builds the row's person, normalised, or says which field is wrong.
func (r record) person() (p nudge.Person, company string, value string, err error) {
	name := r.get(fName)
	if name == "" {
		name = strings.TrimSpace(r.get(fFirstName) + " " + r.get(fLastName))
	}
	p = nudge.Person{
		Name:               name,
		Email:              firstOfList(r.get(fEmail)),
		Phone:              firstOfList(r.get(fPhone)),
		Title:              r.get(fTitle),
		TimeZone:           r.zones.canonical(r.get(fTZ)),
		Location:           nudge.Location{City: r.get(fCity)},
		PreferredChannel:   nudge.Channel(strings.ToLower(r.get(fPreferredChannel))),
		AssistantName:      r.get(fAssistant),
		PainGain:           r.get(fPainGain),
		Interests:          r.get(fInterests),
		BuyingRole:         nudge.BuyingRole(strings.ToLower(r.get(fBuyingRole))),
		Status:             nudge.PersonStatus(strings.ToLower(r.get(fStatus))),
		DoNotContactReason: r.get(fDoNotContactReason),
		Source:             r.get(fSource),
	}
	company = r.get(fCompany)

	// The country first: phone numbers without +<code> are read in it.
	if c := r.get(fCountry); c != "" {
		if p.Country, err = nudge.NormalizeCountry(c); err != nil {
			return p, company, c, err
		}
	}
	if v := r.get(fLifecycleStage); v != "" && p.Status == "" {
		p.Status = hubspotStage(v)
	}
	if v, err := r.coords(&p); err != nil {
		return p, company, v, err
	}
	for _, b := range []struct {
		f   field
		dst *bool
	}{{fOKToSayNo, &p.OKToSayNo}, {fDoNotContact, &p.DoNotContact}} {
		v := r.get(b.f)
		if *b.dst, err = parseBool(b.f, v); err != nil {
			return p, company, v, err
		}
	}
	// G1: an opt-out in the source CRM is a hard stop here too. A Salesforce
	// "Do Not Call" blocks every channel, not only calls: nudge has no
	// per-channel stop, and erring towards silence is the guardrail's intent.
	for _, o := range []struct {
		f      field
		reason string
	}{{fEmailOptOut, "unsubscribed from email in the source CRM"}, {fDoNotCall, "marked Do Not Call in the source CRM"}, {fMarketingStatus, ""}} {
		v := r.get(o.f)
		on := false
		if o.f == fMarketingStatus {
			on, o.reason = strings.EqualFold(v, "unsubscribed"), "unsubscribed in the source CRM"
		} else if v != "" {
			if on, err = parseBool(o.f, v); err != nil {
				return p, company, v, err
			}
		}
		if on && !p.DoNotContact {
			p.DoNotContact = true
			if p.DoNotContactReason == "" {
				p.DoNotContactReason = o.reason
			}
		}
	}
	for _, n := range []struct {
		f   field
		dst *int64
	}{{fID, &p.ID}, {fOwnerID, &p.OwnerID}, {fCompanyID, &p.CompanyID}, {fReportsToID, &p.ReportsToID}} {
		v := r.get(n.f)
		if v == "" {
			continue
		}
		if *n.dst, err = strconv.ParseInt(v, 10, 64); err != nil {
			return p, company, v, nudge.FieldError(n.f.String(), "%q is not a whole number", v)
		}
	}
	for _, t := range []struct {
		f   field
		dst *time.Time
	}{{fCreatedAt, &p.CreatedAt}, {fUpdatedAt, &p.UpdatedAt}, {fDoNotContactAt, nil}} {
		v := r.get(t.f)
		if v == "" {
			continue
		}
		ts, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return p, company, v, nudge.FieldError(t.f.String(), "%q is not a time such as 2026-01-31T09:00:00Z", v)
		}
		if t.dst != nil {
			*t.dst = ts
		} else {
			p.DoNotContactAt = &ts
		}
	}

	if err := r.zones.validate(&p); err != nil {
		return p, company, r.valueOf(err), err
	}
	return p, company, "", nil
}

// valueOf returns the raw value of the field a Validate error names.
func (r record) valueOf(err error) string {
	e, ok := errors.AsType[*nudge.Error](err)
	if !ok {
		return ""
	}
	switch e.Field {
	case "name":
		if v := r.get(fName); v != "" {
			return v
		}
		return strings.TrimSpace(r.get(fFirstName) + " " + r.get(fLastName))
	case "location":
		return r.get(fLat) + "," + r.get(fLon)
	case "reports_to":
		return r.get(fReportsToID)
	}
	for f := range numFields {
		if fieldNames[f] == e.Field {
			return r.get(f)
		}
	}
	return ""
}

// coords reads lat and lon; on error it also returns the value at fault.
func (r record) coords(p *nudge.Person) (string, error) {
	lat, lon := r.get(fLat), r.get(fLon)
	if lat == "" && lon == "" {
		return "", nil
	}
	if lat == "" || lon == "" {
		return lat + lon, nudge.FieldError("location", "give both lat and lon, or neither")
	}
	var err error
	if p.Location.Lat, err = parseCoord(lat); err != nil {
		return lat, nudge.FieldError("lat", "%q is not a latitude", lat)
	}
	if p.Location.Lon, err = parseCoord(lon); err != nil {
		return lon, nudge.FieldError("lon", "%q is not a longitude", lon)
	}
	p.Location.HasCoords = true
	return "", nil
}

// parseCoord reads a decimal degree, also with a decimal comma as written by
// Excel in much of Europe (its CSVs then use ';' between fields).
func parseCoord(s string) (float64, error) {
	if strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return 0, strconv.ErrSyntax // NaN would slip past Validate's range check
	}
	return f, err
}

func parseBool(f field, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "false", "no", "n", "0", "off":
		return false, nil
	case "true", "yes", "y", "1", "on", "x":
		return true, nil
	}
	return false, nudge.FieldError(f.String(), "%q is not yes or no", v)
}

// firstOfList returns the first entry of a comma- or semicolon-separated list:
// Pipedrive puts all of a person's emails (or phones) in one cell.
func firstOfList(s string) string {
	if i := strings.IndexAny(s, ",;"); i >= 0 {
		for part := range strings.FieldsFuncSeq(s, func(r rune) bool { return r == ',' || r == ';' }) {
			if p := strings.TrimSpace(part); p != "" {
				return p
			}
		}
		return ""
	}
	return s
}

// hubspotStage translates a HubSpot lifecycle stage into a status. HubSpot's
// stages are a funnel of its own; anything not yet an opportunity is a lead.
func hubspotStage(v string) nudge.PersonStatus {
	switch headerKey(v) {
	case "customer", "evangelist":
		return nudge.StatusCustomer
	case "opportunity", "salesqualifiedlead":
		return nudge.StatusProspect
	}
	return nudge.StatusLead
}

// zones caches time-zone look-ups for one file: time.LoadLocation reads the
// zone file from disk on every call, which was 40% of the time an import took
// (BenchmarkReader). A file names few zones, so a small map suffices; past
// maxZones names the cache stops growing and look-ups go to disk.
type zones struct {
	canon map[string]string // as written → canonicalZone's answer
	valid map[string]bool   // zone names Person.Validate has accepted
}

const maxZones = 1024

func newZones() *zones { return &zones{canon: map[string]string{}, valid: map[string]bool{}} }

func (z *zones) canonical(s string) string {
	if c, ok := z.canon[s]; ok {
		return c
	}
	c := canonicalZone(s)
	if len(z.canon) < maxZones {
		z.canon[s] = c
	}
	return c
}

// validate runs p.Validate, sparing it a reload of a zone it accepted on an
// earlier row: such a zone is hidden from it for the call. Validate stays the
// one rule for what a valid person is.
func (z *zones) validate(p *nudge.Person) error {
	tz := p.TimeZone
	if !z.valid[tz] {
		err := p.Validate()
		if err == nil && tz != "" && len(z.valid) < maxZones {
			z.valid[tz] = true
		}
		return err
	}
	p.TimeZone = ""
	err := p.Validate()
	p.TimeZone = tz
	return err
}

// canonicalZone turns time-zone spellings seen in CRM exports into an IANA
// name when time.LoadLocation accepts the result: HubSpot's labels
// "(GMT-05:00) America/New_York", its internal values "america_slash_new_york",
// and lower-cased names. Anything else is returned as written, for
// Person.Validate to reject with its own message.
func canonicalZone(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if strings.HasPrefix(s, "(") {
		if i := strings.IndexByte(s, ')'); i > 0 {
			s = strings.TrimSpace(s[i+1:])
		}
	}
	s = strings.ReplaceAll(s, "_slash_", "/")
	if loadable(s) {
		return s
	}
	if t := titleZone(s); loadable(t) {
		return t
	}
	return s
}

func loadable(name string) bool {
	if name == "" || name == "Local" || len(name) > 64 || strings.Contains(name, "..") {
		return false
	}
	_, err := time.LoadLocation(name)
	return err == nil
}

// titleZone upper-cases the first letter of each word: america/new_york →
// America/New_York.
func titleZone(s string) string {
	b := []rune(strings.ToLower(s))
	up := true
	for i, r := range b {
		if up {
			b[i] = unicode.ToUpper(r)
		}
		up = r == '/' || r == '_' || r == '-'
	}
	return string(b)
}
