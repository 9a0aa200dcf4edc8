package ical

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge/internal/testdb"
)

func sample(t *testing.T) Feed {
	ny, _ := time.LoadLocation("America/New_York")
	syd, _ := time.LoadLocation("Australia/Sydney")
	updated := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	return Feed{
		Name: "nudge: Sam Rep",
		Events: []Event{{
			UID: "appointment-1@nudge", Summary: "Call Jerry Seinfeld (C2)", Description: "Telephone appointment; agenda: pricing",
			// The day after the US fall-back change: 09:00 EST is 14:00 UTC.
			Start: time.Date(2026, 11, 2, 9, 0, 0, 0, ny), Duration: 30 * time.Minute, AlarmBefore: 15 * time.Minute, Updated: updated,
		}},
		Todos: []Todo{{
			UID: "task-7@nudge", Summary: "Call Ada (C3: third call, 4 hours after)",
			// Sydney on the first day of daylight time: 10:00 AEDT is 23:00 UTC the day before.
			Due: time.Date(2026, 10, 4, 10, 0, 0, 0, syd), Updated: updated,
		}},
	}
}

func TestWrite(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, sample(t)); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{
		"BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VEVENT", "UID:appointment-1@nudge",
		"DTSTART:20261102T140000Z", "DTEND:20261102T143000Z", "BEGIN:VALARM", "TRIGGER:-PT15M",
		"BEGIN:VTODO", "DUE:20261003T230000Z", "\r\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("feed lacks %q:\n%s", want, s)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-15 * time.Minute: "-PT15M", time.Hour: "PT1H", 24 * time.Hour: "P1D", 0: "PT0S", -(90 * time.Minute): "-PT1H30M",
	} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestIndependentParser reads the feed with Debian's python3-icalendar, an
// implementation that shares nothing with ours, and checks every instant.
func TestIndependentParser(t *testing.T) {
	py := "/usr/bin/python3"
	probe := exec.Command(py, "-c", "import icalendar")
	testdb.Require(t, "python3-icalendar", probe.Run())
	var buf bytes.Buffer
	if err := Write(&buf, sample(t)); err != nil {
		t.Fatal(err)
	}
	script := `
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.read())
out = []
for c in cal.walk():
    if c.name == "VEVENT":
        alarm = [a for a in c.walk() if a.name == "VALARM"][0]
        out.append({"kind": "event", "uid": str(c["UID"]), "start": c.decoded("DTSTART").isoformat(),
                    "end": c.decoded("DTEND").isoformat(), "alarm": str(alarm.decoded("TRIGGER"))})
    if c.name == "VTODO":
        out.append({"kind": "todo", "uid": str(c["UID"]), "due": c.decoded("DUE").isoformat()})
print(json.dumps(out))
`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = &buf
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3-icalendar rejected the feed: %v\n%s", err, out)
	}
	var got []map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("parse python output: %v\n%s", err, out)
	}
	if len(got) != 2 {
		t.Fatalf("parsed %d components, want 2: %s", len(got), out)
	}
	instant := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatalf("instant %q: %v", s, err)
		}
		return tm
	}
	f := sample(t)
	if ev := got[0]; !instant(ev["start"]).Equal(f.Events[0].Start) || !instant(ev["end"]).Equal(f.Events[0].Start.Add(30*time.Minute)) || ev["alarm"] != "-1 day, 23:45:00" {
		t.Errorf("event as parsed: %v", ev)
	}
	if td := got[1]; !instant(td["due"]).Equal(f.Todos[0].Due) {
		t.Errorf("to-do as parsed: %v", td)
	}
}
