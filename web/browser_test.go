package web

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/store/storetest"
)

// chromiumPath is Debian's Chromium, which .ci/run installs.
const chromiumPath = "/usr/bin/chromium"

// TestBrowser drives the real server in headless Chromium the way a new
// user would: create the admin at /setup, sign out and in, import a CSV,
// let three days pass on the server's clock, see the touches due on Today,
// log a call with a W.I.N. note and see the next touch planned. It saves
// screenshots of Today in testdata/artifacts.
func TestBrowser(t *testing.T) {
	_, err := os.Stat(chromiumPath)
	if err == nil {
		err = exec.Command(chromiumPath, "--version").Run()
	}
	testdb.Require(t, "chromium", err)

	// The server, on a clock that only moves when the test says so:
	// Monday 30 November 2026, 9:00 in New York.
	clock := nudge.NewFixedClock(time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC))
	db := storetest.Open(t, testdb.SQLite(t), clock)
	svc := followup.New(db, clock, followup.Options{RepCompany: "A-Z Company"})
	srv, err := New(db, svc, clock, Config{PasswordCost: cheap})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		stop()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	base := "http://" + ln.Addr().String()

	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1024, 900))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	if err := chromedp.Do(bctx); err != nil { // start the browser without a deadline (see chromedp.Run)
		testdb.Require(t, "chromium", err)
	}
	tctx, cancel := context.WithTimeout(bctx, 90*time.Second)
	defer cancel()

	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tctx, steps...); err != nil {
			loc, _ := chromedp.Run(tctx, chromedp.Location())
			body, _ := chromedp.Run(tctx, chromedp.Text(chromedp.CSS("main")))
			t.Fatalf("%s: %v (at %s)\n%s", what, err, loc, body)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}

	// First run: every page leads to /setup.
	do("setup", chromedp.Navigate(base+"/people"), chromedp.WaitVisible(chromedp.CSS("#password2")),
		chromedp.SendKeys(chromedp.CSS("#name"), "Jim Smith"), chromedp.SendKeys(chromedp.CSS("#email"), "jim@a-z.example"),
		chromedp.SendKeys(chromedp.CSS("#tz"), "America/New_York"),
		chromedp.SendKeys(chromedp.CSS("#password"), "a long password"), chromedp.SendKeys(chromedp.CSS("#password2"), "a long password"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if got := text("p.flash"); !strings.Contains(got, "Welcome") {
		t.Fatalf("after setup: %q", got)
	}
	do("sign out", chromedp.Click(chromedp.CSS(`form[action="/signout"] button`)), chromedp.WaitVisible(chromedp.CSS("#email")))
	do("sign in", chromedp.SendKeys(chromedp.CSS("#email"), "jim@a-z.example"), chromedp.SendKeys(chromedp.CSS("#password"), "a long password"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/today"][aria-current]`)))

	// Import a small HubSpot export.
	csv := filepath.Join(t.TempDir(), "hubspot.csv")
	if err := os.WriteFile(csv, []byte("First Name,Last Name,Email,Phone Number,Company Name,Time Zone,Country/Region\r\n"+
		"Jerry,Seinfeld,jerry@example.com,212 555 0199,Pendant Publishing,America/New_York,US\r\n"+
		"Elaine,Benes,elaine@example.com,212 555 0142,Pendant Publishing,America/New_York,US\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	do("import preview", chromedp.Navigate(base+"/import"), chromedp.WaitVisible(chromedp.CSS("#file")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{csv}), chromedp.Click(chromedp.CSS(`form[action="/import/preview"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/import"] button`)))
	if got := text("main"); !strings.Contains(got, "hubspot") || !strings.Contains(got, "Seinfeld") {
		t.Fatalf("preview: %s", got)
	}
	do("import", chromedp.Click(chromedp.CSS(`form[action="/import"] button`)), chromedp.WaitVisible(chromedp.CSS("section.card p.flash")))
	if got := text("section.card"); !strings.Contains(got, "2 created") {
		t.Fatalf("import report: %s", got)
	}

	// Three days pass on the server's clock: the first touches come due.
	open, err := db.FindTasks(context.Background(), store.TaskFilter{States: []nudge.TaskState{nudge.TaskOpen}})
	if err != nil || len(open) != 2 {
		t.Fatalf("open tasks after import: %v, %d", err, len(open))
	}
	clock.Set(open[1].Due.Add(time.Minute))

	do("today", chromedp.Navigate(base+"/today"), chromedp.WaitVisible(chromedp.CSS("li.task")))
	today := text("ol.tasks")
	for _, want := range []string{"Jerry Seinfeld", "Elaine Benes", "B1"} {
		if !strings.Contains(today, want) {
			t.Errorf("Today lacks %q:\n%s", want, today)
		}
	}
	screenshot(t, tctx, "today.png", 1024)
	screenshot(t, tctx, "today-phone.png", 390)

	// The first touch is B1's email (no preferred channel known): the rep
	// sends it and logs it; the next touch is the day-6 call.
	first := open[0]
	sel := func(css string) string { return "#task-" + itoa(first.ID) + " " + css }
	do("log the email", chromedp.Click(chromedp.CSS(sel(`button[value="sent"]`))), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	if flash := text("p.flash"); !strings.Contains(flash, "Logged sent") || !strings.Contains(flash, "Next: call") {
		t.Fatalf("after logging the email: %q", flash)
	}
	calls, err := db.FindTasks(context.Background(), store.TaskFilter{PersonID: &first.PersonID, States: []nudge.TaskState{nudge.TaskOpen}})
	if err != nil || len(calls) != 1 || calls[0].Channel != nudge.ChannelCall {
		t.Fatalf("after the email: %+v, %v; want one call planned", calls, err)
	}
	clock.Set(calls[0].Due.Add(time.Minute))

	// Log the call: connected, with a W.I.N. note.
	call := func(css string) string { return "#task-" + itoa(calls[0].ID) + " " + css }
	do("log a call", chromedp.Navigate(base+"/today"), chromedp.WaitVisible(chromedp.CSS(call("summary"))),
		chromedp.Click(chromedp.CSS(call("summary"))),
		chromedp.SendKeys(chromedp.CSS(call("textarea[name=what]")), "pricing for 40 seats"),
		chromedp.SendKeys(chromedp.CSS(call("textarea[name=next_steps]")), "CFO call next week"),
		chromedp.Click(chromedp.CSS(call(`button[value="connected"]`))), chromedp.WaitVisible(chromedp.CSS("p.flash")))
	flash := text("p.flash")
	if !strings.Contains(flash, "Logged connected") || !strings.Contains(flash, "Next:") {
		t.Fatalf("after logging: %q", flash)
	}
	// The next touch is planned and shown on the person's page with the note.
	person := open[0].PersonID
	do("person", chromedp.Navigate(base+"/people/"+itoa(person)), chromedp.WaitVisible(chromedp.CSS("ol.timeline")))
	if got := text("main"); !strings.Contains(got, "pricing for 40 seats") || !strings.Contains(got, "Next:") {
		t.Errorf("person page after the call:\n%s", got)
	}
	screenshot(t, tctx, "person.png", 1024)
}

// screenshot saves a PNG of the page at the given width in
// testdata/artifacts (gitignored).
func screenshot(t *testing.T, ctx context.Context, name string, width int64) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 900)); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := filepath.Join("testdata", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
