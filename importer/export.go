package importer

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// WriteCSV writes people in nudge's own CSV format: a header row, then one
// row per person with every Person field, so that NewReader reads the file
// back as FormatNudge with the same fields. companyName names a CompanyID;
// it may be nil.
func WriteCSV(w io.Writer, people []*nudge.Person, companyName func(id int64) string) error {
	cw := NewCSVWriter(w)
	for _, p := range people {
		company := ""
		if p.CompanyID != 0 && companyName != nil {
			company = companyName(p.CompanyID)
		}
		if err := cw.Write(p, company); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// CSVWriter writes nudge's CSV format one person at a time, for exports too
// large to hold.
type CSVWriter struct {
	w      *csv.Writer
	header bool
	rec    []string
}

// NewCSVWriter returns a writer of nudge's CSV format to w.
func NewCSVWriter(w io.Writer) *CSVWriter {
	return &CSVWriter{w: csv.NewWriter(w), rec: make([]string, len(nudgeColumns))}
}

func (c *CSVWriter) writeHeader() error {
	if c.header {
		return nil
	}
	c.header = true
	h := make([]string, len(nudgeColumns))
	for i, f := range nudgeColumns {
		h[i] = fieldNames[f]
	}
	return c.w.Write(h)
}

// Write writes one person, whose company is named company ("" = none).
func (c *CSVWriter) Write(p *nudge.Person, company string) error {
	if err := c.writeHeader(); err != nil {
		return err
	}
	for i, f := range nudgeColumns {
		c.rec[i] = exportValue(p, company, f)
	}
	return c.w.Write(c.rec)
}

// Flush writes any buffered data (and the header, if no person was written)
// and reports any write error.
func (c *CSVWriter) Flush() error {
	if err := c.writeHeader(); err != nil {
		return err
	}
	c.w.Flush()
	return c.w.Error()
}

func exportValue(p *nudge.Person, company string, f field) string {
	var v string
	switch f {
	case fID:
		return formatID(p.ID)
	case fOwnerID:
		return formatID(p.OwnerID)
	case fCompanyID:
		return formatID(p.CompanyID)
	case fReportsToID:
		return formatID(p.ReportsToID)
	case fPhone:
		return p.Phone
	case fTZ:
		return p.TimeZone
	case fCountry:
		return p.Country
	case fLat, fLon:
		if !p.Location.HasCoords {
			return ""
		}
		if f == fLat {
			return strconv.FormatFloat(p.Location.Lat, 'g', -1, 64)
		}
		return strconv.FormatFloat(p.Location.Lon, 'g', -1, 64)
	case fPreferredChannel:
		return string(p.PreferredChannel)
	case fBuyingRole:
		return string(p.BuyingRole)
	case fStatus:
		return string(p.Status)
	case fOKToSayNo:
		return strconv.FormatBool(p.OKToSayNo)
	case fDoNotContact:
		return strconv.FormatBool(p.DoNotContact)
	case fDoNotContactAt:
		if p.DoNotContactAt == nil {
			return ""
		}
		return formatTime(*p.DoNotContactAt)
	case fCreatedAt:
		return formatTime(p.CreatedAt)
	case fUpdatedAt:
		return formatTime(p.UpdatedAt)
	case fName:
		v = p.Name
	case fEmail:
		v = p.Email
	case fTitle:
		v = p.Title
	case fCompany:
		v = company
	case fCity:
		v = p.Location.City
	case fAssistant:
		v = p.AssistantName
	case fPainGain:
		v = p.PainGain
	case fInterests:
		v = p.Interests
	case fDoNotContactReason:
		v = p.DoNotContactReason
	case fSource:
		v = p.Source
	}
	return escapeFormula(v)
}

func formatID(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// isTextColumn reports whether f holds free text, which the export guards
// against spreadsheet formula injection (escapeFormula).
func isTextColumn(f field) bool {
	switch f {
	case fName, fEmail, fTitle, fCompany, fCity, fAssistant, fPainGain, fInterests, fDoNotContactReason, fSource:
		return true
	}
	return false
}

// escapeFormula keeps a spreadsheet from running a text value as a formula
// (CSV injection, OWASP): a value starting with = + - @ tab or CR gets a
// leading apostrophe. So does one that already starts with an apostrophe, so
// that unescapeFormula can drop exactly one and the round trip is lossless.
func escapeFormula(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r'", rune(v[0])) {
		return "'" + v
	}
	return v
}

// unescapeFormula undoes escapeFormula on a text column of nudge's format.
func unescapeFormula(v string) string {
	return strings.TrimPrefix(v, "'")
}
