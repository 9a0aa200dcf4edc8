package web

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
)

// TestFeedIndependentParser reads a rep's feed (H4) with Debian's
// python3-icalendar and checks the instants: the appointment at its minute
// with an alarm 15 minutes before (C2), the due touch as a to-do.
func TestFeedIndependentParser(t *testing.T) {
	py := "/usr/bin/python3"
	testdb.Require(t, "python3-icalendar", exec.Command(py, "-c", "import icalendar").Run())
	f := newFixture(t, testdb.SQLite(t))
	ctx := context.Background()
	ny, _ := time.LoadLocation("America/New_York")
	now := f.clock.Now().In(ny)
	at := time.Date(now.Year(), now.Month(), now.Day()+2, 9, 0, 0, 0, ny)
	ap := &nudge.Appointment{PersonID: f.people["pa"].ID, At: at, Minutes: 20, Agenda: []string{"pricing"}}
	if err := f.svc.AddAppointment(ctx, ap); err != nil {
		t.Fatal(err)
	}
	token, err := f.db.NewFeedToken(ctx, f.users["repA"].ID)
	if err != nil {
		t.Fatal(err)
	}
	w := f.do(get("", "/feed/"+token+".ics"))
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	body := w.Body.String()
	if strings.Contains(body, "Bert Beta") || strings.Contains(body, "Cleo Gamma") {
		t.Errorf("rep A's feed shows other reps' people:\n%s", body)
	}
	script := `
import sys, json, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.read())
out = []
for c in cal.walk():
    if c.name == "VEVENT":
        alarm = [a for a in c.walk() if a.name == "VALARM"][0]
        out.append({"kind": "event", "summary": str(c["SUMMARY"]), "start": c.decoded("DTSTART").isoformat(),
                    "end": c.decoded("DTEND").isoformat(), "alarm": str(alarm.decoded("TRIGGER"))})
    if c.name == "VTODO":
        out.append({"kind": "todo", "summary": str(c["SUMMARY"]), "due": c.decoded("DUE").isoformat()})
print(json.dumps(out))
`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3-icalendar rejected the feed: %v\n%s\n%s", err, out, body)
	}
	var got []map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	instant := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatalf("instant %q: %v", s, err)
		}
		return v
	}
	// The appointment's C1–C4 tasks are planned too; find pa's to-dos.
	id := f.people["pa"].ID
	open, err := f.db.FindTasks(ctx, store.TaskFilter{PersonID: &id, States: []nudge.TaskState{nudge.TaskOpen}})
	if err != nil {
		t.Fatal(err)
	}
	var events, todos int
	for _, c := range got {
		switch c["kind"] {
		case "event":
			events++
			if !instant(c["start"]).Equal(at) || !instant(c["end"]).Equal(at.Add(20*time.Minute)) || c["alarm"] != "-1 day, 23:45:00" {
				t.Errorf("event: %v, want start %s, 20 minutes, alarm 15 minutes before", c, at)
			}
		case "todo":
			todos++
			if !strings.Contains(c["summary"], "Anna Alpha") {
				t.Errorf("to-do of someone else: %v", c)
			}
			due := instant(c["due"])
			found := false
			for _, k := range open {
				found = found || k.Due.Equal(due)
			}
			if !found {
				t.Errorf("to-do due %s matches no open task of pa (%d open)", due, len(open))
			}
		}
	}
	if events != 1 || todos == 0 {
		t.Errorf("%d events and %d to-dos, want 1 and some:\n%s", events, todos, body)
	}
	// A new secret revokes the old one.
	if _, err := f.db.NewFeedToken(ctx, f.users["repA"].ID); err != nil {
		t.Fatal(err)
	}
	if w := f.do(get("", "/feed/"+token+".ics")); w.Code != http.StatusNotFound {
		t.Errorf("old feed URL: %d, want 404", w.Code)
	}
}

// TestImportFlow uploads a CSV on the Import page, checks the preview
// (format, columns, first rows), imports it, and finds the new people
// planned on Today; a file with a bad row imports nothing and names the line.
func TestImportFlow(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newFixture(t, b)
			csv := "First Name,Last Name,Email,Phone Number,Company Name,Time Zone,Country/Region\r\n" +
				"Jerry,Seinfeld,jerry@example.com,212 555 0199,Pendant Publishing,America/New_York,US\r\n" +
				"Elaine,Benes,elaine@example.com,,Pendant Publishing,America/New_York,US\r\n"
			w := f.upload("repA", csv)
			body := w.Body.String()
			if w.Code != 200 || !strings.Contains(body, "Detected format: <strong>hubspot</strong>") || !strings.Contains(body, "Seinfeld") {
				t.Fatalf("preview: %d\n%s", w.Code, excerpt(body))
			}
			upload := regexpValue(t, body, "upload")
			w = f.do(post("repA", "/import", form("upload", upload)))
			if body = w.Body.String(); w.Code != 200 || !strings.Contains(body, "2 created") || !strings.Contains(body, "Imported.") {
				t.Fatalf("import: %d\n%s", w.Code, excerpt(body))
			}
			if w := f.do(get("repA", "/people?q=pendant")); !strings.Contains(w.Body.String(), "Jerry Seinfeld") {
				t.Errorf("imported people not listed as rep A's")
			}
			if w := f.do(get("repB", "/people?q=pendant")); strings.Contains(w.Body.String(), "Jerry Seinfeld") {
				t.Errorf("rep B sees rep A's import")
			}
			// All or nothing: line 3 is bad, nothing is stored.
			bad := "First Name,Last Name,Email\r\nKramer,,kramer@example.com\r\nNewman,,newman@\r\n"
			w = f.upload("repA", bad)
			w = f.do(post("repA", "/import", form("upload", regexpValue(t, w.Body.String(), "upload"))))
			if body = w.Body.String(); !strings.Contains(body, "Nothing was imported") || !strings.Contains(body, "<td>3</td>") {
				t.Fatalf("bad import report:\n%s", excerpt(body))
			}
			if w := f.do(get("repA", "/people?q=kramer")); strings.Contains(w.Body.String(), "Kramer") {
				t.Errorf("a rejected file was partly imported")
			}
		})
	}
}

// upload posts a CSV to the import preview as a browser would.
func (f *fixture) upload(as, content string) *httptest.ResponseRecorder {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", f.csrf[as])
	fw, _ := mw.CreateFormFile("file", "contacts.csv")
	fw.Write([]byte(content))
	mw.Close()
	r := httptest.NewRequest("POST", "http://nudge.test/import/preview", &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: f.cookie[as]})
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

// regexpValue returns the value of the first hidden input called name.
func regexpValue(t *testing.T, body, name string) string {
	t.Helper()
	i := strings.Index(body, `name="`+name+`" value="`)
	if i < 0 {
		t.Fatalf("no %s field in\n%s", name, excerpt(body))
	}
	rest := body[i+len(`name="`+name+`" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}
