package importer

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nudgecrm/nudge"
)

// Mapping maps nudge field names to a file's column headers, parsed from
// --map "Email=E-mail address,Name=Full name".
type Mapping map[string]string

// ParseMapping parses "field=Column header,field=Column header". Field names
// are nudge's (case-insensitive): name, first_name, last_name, email, phone,
// company, title, tz, country, city, lat, lon, status, pain_gain, interests,
// preferred_channel, do_not_contact. Headers are matched like detected ones:
// case, spaces and punctuation aside. An empty s is no mapping (nil, nil).
func ParseMapping(s string) (Mapping, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	m := Mapping{}
	for pair := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue // tolerate "a=b,,c=d" and a trailing comma
		}
		name, header, ok := strings.Cut(pair, "=")
		name, header = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(header)
		if !ok || name == "" || header == "" {
			return nil, nudge.FieldError("map", "%q is not field=Column header", strings.TrimSpace(pair))
		}
		if _, ok := mappableField(name); !ok {
			return nil, nudge.FieldError("map", "%q: unknown field %q (fields: %s)", strings.TrimSpace(pair), name, mappableList())
		}
		if prev, dup := m[name]; dup {
			return nil, nudge.FieldError("map", "%q: field %q is already mapped to %q", strings.TrimSpace(pair), name, prev)
		}
		m[name] = header
	}
	if len(m) == 0 {
		return nil, nil
	}
	if m["email"] == "" && m["name"] == "" && m["first_name"] == "" && m["last_name"] == "" {
		return nil, nudge.FieldError("map", "map a name (name, first_name or last_name) or email column: a person needs one")
	}
	return m, nil
}

func mappableField(name string) (field, bool) {
	for _, f := range mappableFields {
		if fieldNames[f] == name {
			return f, true
		}
	}
	return 0, false
}

func mappableList() string {
	names := make([]string, len(mappableFields))
	for i, f := range mappableFields {
		names[i] = fieldNames[f]
	}
	return strings.Join(names, ", ")
}

// layout builds the layout a mapping gives the header row. A mapped column
// missing from the file is an error naming the columns that are there.
func (m Mapping) layout(headers []string) (*layout, error) {
	l := &layout{format: FormatMapped, headers: headers, colName: slices.Clone(headers)}
	keys := make([]string, len(headers))
	for i, h := range headers {
		keys[i] = headerKey(h)
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	slices.Sort(names) // deterministic error messages
	for _, name := range names {
		f, ok := mappableField(strings.ToLower(name))
		if !ok {
			return nil, nudge.FieldError("map", "unknown field %q (fields: %s)", name, mappableList())
		}
		i := slices.Index(keys, headerKey(m[name]))
		if i < 0 || headerKey(m[name]) == "" {
			return nil, nudge.FieldError("map", "%s=%s: the file has no column %q; its columns are %s",
				name, m[name], m[name], quoteList(headers))
		}
		l.cols[f] = append(l.cols[f], i)
		l.colName[i] = fieldNames[f]
	}
	if !l.hasIdentity() {
		return nil, nudge.FieldError("map", "map a name (name, first_name or last_name) or email column: a person needs one")
	}
	return l, nil
}

func quoteList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}
