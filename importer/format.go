package importer

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/nudgecrm/nudge"
)

// Format of a file, detected from its content/headers.
type Format string

// The formats NewReader recognises.
const (
	FormatHubSpot    Format = "hubspot"
	FormatSalesforce Format = "salesforce"
	FormatPipedrive  Format = "pipedrive"
	FormatNudge      Format = "nudge"
	FormatMapped     Format = "mapped"
	FormatVCard      Format = "vcard"
)

// field is what a column holds, in nudge's terms.
type field int

const (
	fName field = iota
	fFirstName
	fLastName
	fEmail
	fPhone
	fCompany
	fTitle
	fTZ
	fCountry
	fCity
	fLat
	fLon
	fStatus
	fPainGain
	fInterests
	fPreferredChannel
	fDoNotContact
	// nudge's own export only
	fID
	fAssistant
	fOKToSayNo
	fBuyingRole
	fReportsToID
	fDoNotContactReason
	fDoNotContactAt
	fOwnerID
	fCompanyID
	fSource
	fCreatedAt
	fUpdatedAt
	// other CRMs' fields that translate into nudge's
	fLifecycleStage  // HubSpot: lifecycle stage → status
	fEmailOptOut     // unsubscribed from email → G1 do-not-contact
	fDoNotCall       // Salesforce Do Not Call → G1 do-not-contact
	fMarketingStatus // Pipedrive: "Unsubscribed" → G1 do-not-contact
	numFields
)

// fieldNames are the names --map takes, the columns of nudge's own CSV, and
// the Field of a rejection. "tz" matches Person.Validate's field name.
var fieldNames = [numFields]string{
	fName: "name", fFirstName: "first_name", fLastName: "last_name", fEmail: "email", fPhone: "phone",
	fCompany: "company", fTitle: "title", fTZ: "tz", fCountry: "country", fCity: "city", fLat: "lat", fLon: "lon",
	fStatus: "status", fPainGain: "pain_gain", fInterests: "interests", fPreferredChannel: "preferred_channel",
	fDoNotContact: "do_not_contact", fID: "id", fAssistant: "assistant", fOKToSayNo: "ok_to_say_no",
	fBuyingRole: "buying_role", fReportsToID: "reports_to_id", fDoNotContactReason: "do_not_contact_reason",
	fDoNotContactAt: "do_not_contact_at", fOwnerID: "owner_id", fCompanyID: "company_id", fSource: "source",
	fCreatedAt: "created_at", fUpdatedAt: "updated_at", fLifecycleStage: "lifecycle_stage",
	fEmailOptOut: "email_opt_out", fDoNotCall: "do_not_call", fMarketingStatus: "marketing_status",
}

func (f field) String() string { return fieldNames[f] }

// mappableFields are the nudge fields --map may name.
var mappableFields = []field{fName, fFirstName, fLastName, fEmail, fPhone, fCompany, fTitle, fTZ, fCountry,
	fCity, fLat, fLon, fStatus, fPainGain, fInterests, fPreferredChannel, fDoNotContact}

// nudgeColumns is the header WriteCSV writes, in order. Every Person field
// has a column, so an export re-imports losslessly.
var nudgeColumns = []field{fID, fName, fEmail, fPhone, fTitle, fCompany, fTZ, fCountry, fCity, fLat, fLon,
	fPreferredChannel, fAssistant, fOKToSayNo, fPainGain, fInterests, fBuyingRole, fReportsToID, fStatus,
	fDoNotContact, fDoNotContactReason, fDoNotContactAt, fOwnerID, fCompanyID, fSource, fCreatedAt, fUpdatedAt}

// alias is one header a format is known to use for a field. Earlier aliases
// of the same field win when a row fills several (HubSpot's "Phone Number"
// before "Mobile Phone Number").
type alias struct {
	header string
	field  field
}

// Header tables. Headers are compared by headerKey, so case, spaces and
// punctuation do not matter: "Country/Region", "country region" and
// "COUNTRY-REGION" are one header. doc.go shows these tables to users; keep
// them in step.
var (
	hubspotHeaders = []alias{
		{"First Name", fFirstName}, {"Last Name", fLastName}, {"Email", fEmail},
		{"Phone Number", fPhone}, {"Mobile Phone Number", fPhone},
		{"Company Name", fCompany}, {"Associated Company", fCompany}, {"Company", fCompany},
		{"Job Title", fTitle}, {"City", fCity}, {"Country/Region", fCountry}, {"Country", fCountry},
		{"Time Zone", fTZ}, {"Lifecycle Stage", fLifecycleStage},
		{"Unsubscribed from all email", fEmailOptOut},
		// Recognised so that they count towards detection; their values are not imported.
		{"Record ID", -1}, {"Contact owner", -1}, {"Lead Status", -1}, {"State/Region", -1},
		{"Street Address", -1}, {"Postal Code", -1}, {"Create Date", -1}, {"Last Activity Date", -1},
	}
	salesforceHeaders = []alias{
		{"First Name", fFirstName}, {"FirstName", fFirstName}, {"Last Name", fLastName}, {"LastName", fLastName},
		{"Full Name", fName}, {"Email", fEmail},
		{"Phone", fPhone}, {"Mobile", fPhone}, {"Mobile Phone", fPhone}, {"MobilePhone", fPhone},
		{"Account Name", fCompany}, {"Account: Account Name", fCompany}, {"Company / Account", fCompany}, {"Company", fCompany},
		{"Title", fTitle}, {"Mailing City", fCity}, {"MailingCity", fCity}, {"City", fCity},
		{"Mailing Country", fCountry}, {"MailingCountry", fCountry}, {"Country", fCountry},
		{"Email Opt Out", fEmailOptOut}, {"HasOptedOutOfEmail", fEmailOptOut},
		{"Do Not Call", fDoNotCall}, {"DoNotCall", fDoNotCall},
		{"Contact ID", -1}, {"Lead ID", -1}, {"Contact Owner", -1}, {"Lead Owner", -1}, {"Lead Source", -1},
		{"Lead Status", -1}, {"Mailing Street", -1}, {"Mailing State/Province", -1},
		{"Mailing Zip/Postal Code", -1}, {"Salutation", -1}, {"Department", -1},
	}
	pipedriveHeaders = []alias{
		{"Person - Name", fName}, {"Name", fName},
		{"Person - First name", fFirstName}, {"First name", fFirstName},
		{"Person - Last name", fLastName}, {"Last name", fLastName},
		{"Person - Email", fEmail}, {"Person - Email - Work", fEmail}, {"Person - Email - Home", fEmail},
		{"Person - Email - Other", fEmail}, {"Email", fEmail}, {"Email - Work", fEmail}, {"Email - Home", fEmail},
		{"Email - Other", fEmail},
		{"Person - Phone", fPhone}, {"Person - Phone - Work", fPhone}, {"Person - Phone - Mobile", fPhone},
		{"Person - Phone - Home", fPhone}, {"Person - Phone - Other", fPhone}, {"Phone", fPhone},
		{"Phone - Work", fPhone}, {"Phone - Mobile", fPhone}, {"Phone - Home", fPhone}, {"Phone - Other", fPhone},
		{"Person - Organization", fCompany}, {"Organization", fCompany}, {"Organization - Name", fCompany},
		{"Person - Job title", fTitle}, {"Job title", fTitle},
		{"Person - Postal address - City/town/village/locality", fCity},
		{"Person - Postal address - Country", fCountry},
		{"Person - Marketing status", fMarketingStatus}, {"Marketing status", fMarketingStatus},
		{"Person - ID", -1}, {"Person - Owner", -1}, {"Person - Label", -1}, {"Person - Postal address", -1},
		{"Person - Person created", -1}, {"Person - Open deals", -1}, {"Owner", -1}, {"Label", -1},
	}
	// nudgeHeaders: the export's own columns, plus first_name/last_name and
	// "reason" so a hand-made "first_name,last_name,email" file imports as is.
	nudgeHeaders = func() []alias {
		as := make([]alias, 0, len(nudgeColumns)+3)
		for _, f := range nudgeColumns {
			as = append(as, alias{fieldNames[f], f})
		}
		return append(as, alias{"first_name", fFirstName}, alias{"last_name", fLastName},
			alias{"reason", fDoNotContactReason})
	}()
)

// headerKey folds a header for comparison: letters and digits only, lower case.
func headerKey(h string) string {
	var b strings.Builder
	for _, r := range h {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// layout says which columns of a file hold which field.
type layout struct {
	format  Format
	headers []string         // as written in the file, trimmed
	cols    [numFields][]int // column indexes per field, best first
	colName []string         // per column: the nudge field it feeds, else its header
}

func (l *layout) hasIdentity() bool {
	return len(l.cols[fEmail]) > 0 || len(l.cols[fName]) > 0 || len(l.cols[fFirstName]) > 0 || len(l.cols[fLastName]) > 0
}

// match builds the layout of headers under one format's table and counts the
// headers it recognised.
func match(format Format, table []alias, headers []string) (*layout, int) {
	l := &layout{format: format, headers: headers, colName: make([]string, len(headers))}
	keys := make([]string, len(headers))
	for i, h := range headers {
		keys[i] = headerKey(h)
		l.colName[i] = h
	}
	known := 0
	seen := make([]bool, len(headers))
	for _, a := range table {
		k := headerKey(a.header)
		for i, hk := range keys {
			if hk != k || seen[i] {
				continue
			}
			seen[i] = true
			known++
			if a.field >= 0 {
				l.cols[a.field] = append(l.cols[a.field], i)
				l.colName[i] = fieldNames[a.field]
			}
		}
	}
	return l, known
}

// detect picks the format whose header table best explains the header row.
// nudge's own format wins when every header is one of its columns, so a
// hand-written "name,email,phone" file reads as nudge, or when a column only
// nudge writes is there (an export with a column added in a spreadsheet);
// otherwise the CRM that recognises the most headers wins, ties going to
// HubSpot, then Salesforce.
func detect(headers []string) (*layout, error) {
	nonEmpty := 0
	for _, h := range headers {
		if headerKey(h) != "" {
			nonEmpty++
		}
	}
	if l, n := match(FormatNudge, nudgeHeaders, headers); l.hasIdentity() && (n == nonEmpty || nudgeOnly(l)) {
		return l, nil
	}
	var best *layout
	bestN := 0
	for _, c := range []struct {
		f Format
		t []alias
	}{{FormatHubSpot, hubspotHeaders}, {FormatSalesforce, salesforceHeaders}, {FormatPipedrive, pipedriveHeaders}} {
		l, n := match(c.f, c.t, headers)
		if l.hasIdentity() && n > bestN {
			best, bestN = l, n
		}
	}
	if best == nil {
		return nil, unrecognised(headers)
	}
	return best, nil
}

// nudgeOnly reports whether l has a column no other CRM's export has.
func nudgeOnly(l *layout) bool {
	for _, f := range []field{fOKToSayNo, fPainGain, fBuyingRole, fPreferredChannel, fDoNotContactReason} {
		if len(l.cols[f]) > 0 {
			return true
		}
	}
	return false
}

func unrecognised(headers []string) error {
	const show = 20
	quoted := make([]string, 0, show)
	for i, h := range headers {
		if i == show {
			quoted = append(quoted, fmt.Sprintf("… (%d more)", len(headers)-show))
			break
		}
		quoted = append(quoted, fmt.Sprintf("%q", h))
	}
	names := make([]string, len(mappableFields))
	for i, f := range mappableFields {
		names[i] = fieldNames[f]
	}
	return nudge.FieldError("header", "unrecognised header row %s: not a HubSpot, Salesforce, Pipedrive or nudge export and no name or email column found; "+
		"say which column holds what with --map, e.g. --map \"email=<column>,name=<column>\" (fields: %s)",
		strings.Join(quoted, ", "), strings.Join(names, ", "))
}
