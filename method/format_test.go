package method

import (
	"os"
	"regexp"
	"testing"
)

// The example in FORMAT.md must be a valid cadence.
func TestFormatExample(t *testing.T) {
	b, err := os.ReadFile("FORMAT.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```json\n(.*?)```").FindSubmatch(b)
	if m == nil {
		t.Fatal("FORMAT.md has no JSON example")
	}
	c, err := ParseCadence(m[1])
	if err != nil {
		t.Fatalf("FORMAT.md example: %v", err)
	}
	lib := library(t)
	lib[c.Name] = c
	if err := lib.Validate(); err != nil {
		t.Fatal(err)
	}
}
