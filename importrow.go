package nudge

import "errors"

// ImportRow is one record read from an import file, ready to store or rejected.
type ImportRow struct {
	Line        int    // 1-based line number where the record starts in the file
	Person      Person // normalised (Validate already run) when Err == nil
	CompanyName string // company named in the row ("" = none)
	Err         error  // non-nil: the row is rejected for this reason (*Error with Field where possible)

	// Value is the value, as written in the file, of the field Err names ("" when
	// Err names no field), so a rejection can quote it.
	Value string
	// Note is free text the file holds about the person (vCard NOTE) that has no
	// Person field; a store may record it as an interaction or drop it.
	Note string
	// Fatal is set on the last row of a file that could not be read further
	// (unbalanced quote at the end, I/O error, over-long record): nothing after
	// Line was read, so an import should not commit, whatever SkipInvalid says.
	Fatal bool
}

// Rejection returns the report entry for a rejected row (Err != nil).
func (r ImportRow) Rejection() Rejection {
	rej := Rejection{Line: r.Line, Value: r.Value}
	if r.Err == nil {
		return rej
	}
	if e, ok := errors.AsType[*Error](r.Err); ok {
		rej.Field, rej.Reason = e.Field, e.Message
		return rej
	}
	rej.Reason = r.Err.Error()
	return rej
}

// Rejection says why one row was not imported.
type Rejection struct {
	Line   int    `json:"line"`
	Field  string `json:"field,omitempty"`
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"`
}

// ImportOptions control an import.
type ImportOptions struct {
	SkipInvalid bool           // import the good rows even when some are rejected (default: all-or-nothing)
	OwnerID     int64          // owner given to new people (0 = unassigned)
	Source      string         // recorded on new people, e.g. "import:hubspot.csv"
	Progress    func(rows int) // called now and then with rows read so far; may be nil
}

// ImportReport is what an import did. Committed is false when nothing was stored.
type ImportReport struct {
	Format     string      `json:"format"`             // hubspot, salesforce, pipedrive, nudge, mapped, vcard
	Encoding   string      `json:"encoding,omitempty"` // utf-8, utf-8-bom, windows-1252, utf-16le, utf-16be
	Rows       int         `json:"rows"`               // records read (blank lines not counted)
	Created    int         `json:"created"`
	Merged     int         `json:"merged"` // rows that matched a person already stored or earlier in the file
	Rejected   int         `json:"rejected"`
	Rejections []Rejection `json:"rejections,omitempty"` // at most the first 1,000
	Committed  bool        `json:"committed"`
}
