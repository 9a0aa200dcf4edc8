package method

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/nudgecrm/nudge"
)

//go:embed cadences/*.json
var builtinFiles embed.FS

// Library is a set of cadences by name: the built-in ones, possibly replaced
// or extended by the user's own files.
type Library map[string]*nudge.Cadence

// Builtin returns the cadences shipped with nudge (method/cadences/*.json).
// It fails only if an embedded file is broken, which the tests rule out.
func Builtin() (Library, error) {
	entries, err := builtinFiles.ReadDir("cadences")
	if err != nil {
		return nil, fmt.Errorf("read built-in cadences: %w", err)
	}
	lib := Library{}
	for _, ent := range entries {
		name := path.Join("cadences", ent.Name())
		data, err := builtinFiles.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		c, err := ParseCadence(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		lib[c.Name] = c
	}
	if err := lib.Validate(); err != nil {
		return nil, err
	}
	return lib, nil
}

// ParseCadence reads one cadence in the documented JSON format (FORMAT.md)
// and validates it. Unknown fields are errors, so a misspelt field is not
// silently ignored.
func ParseCadence(data []byte) (*nudge.Cadence, error) {
	if !storableJSON(data) {
		return nil, nudge.FieldError("cadence", "the file is not UTF-8 text, or a string in it holds a NUL character (\\u0000)")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var c nudge.Cadence
	if err := dec.Decode(&c); err != nil {
		return nil, nudge.FieldError("cadence", "not a cadence file: %v", err)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// storableJSON reports whether the file can be stored as it is: the
// database keeps the file's text (PostgreSQL takes neither bytes of another
// encoding nor NUL, which JSON can write as \u0000; found by
// FuzzParseCadence). A syntax error is left to the decoder to report.
func storableJSON(data []byte) bool {
	if !utf8.Valid(data) {
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return true
		}
		if s, ok := tok.(string); ok && strings.IndexByte(s, 0) >= 0 {
			return false
		}
	}
}

// Validate checks that every "cadence:" branch and every Next names a
// cadence of the library.
func (l Library) Validate() error {
	for _, name := range l.Names() {
		c := l[name]
		if c.Next != "" && l[c.Next] == nil {
			return nudge.FieldError("next", "cadence %q: next cadence %q does not exist", c.Name, c.Next)
		}
		for i := range c.Steps {
			for o, t := range c.Steps[i].Branches {
				if n, ok := strings.CutPrefix(t, nudge.TargetCadence); ok && l[n] == nil {
					return nudge.FieldError(fmt.Sprintf("steps[%d].branches.%s", i, o), "cadence %q step %q: cadence %q does not exist", c.Name, c.Steps[i].ID, n)
				}
			}
		}
	}
	return nil
}

// Names returns the cadence names, sorted.
func (l Library) Names() []string {
	names := make([]string, 0, len(l))
	for n := range l {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
