package nudge

import "testing"

func TestLoadLocationCaches(t *testing.T) {
	a, err := LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	if a != b || a.String() != "America/New_York" {
		t.Errorf("got %p %v and %p %v, want the same cached zone", a, a, b, b)
	}
	if _, err := LoadLocation("Mars/Olympus_Mons"); err == nil {
		t.Error("an unknown zone loaded")
	}
}
