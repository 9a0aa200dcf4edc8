package mail_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store"
)

// testSecret is the fixed key of the tests (never a real one).
var testSecret = bytes.Repeat([]byte{7}, 32)

const testBaseURL = "https://nudge.example"

func testKeys(t testing.TB) *mail.Keys {
	k, err := mail.NewKeys(testSecret)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// fixture is a store with a rep who has a mailbox on a sink, the engine and
// an outbox, at Monday 2 March 2026 14:00 UTC (9:00 in New York).
type fixture struct {
	ctx   context.Context
	db    *store.DB
	clock *nudge.FixedClock
	svc   *followup.Service
	out   *mail.Outbox
	sink  *sink
	keys  *mail.Keys
	rep   *nudge.User
	mb    store.Mailbox
}

var start = time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)

func setup(t testing.TB, b testdb.Backend, opts mail.OutboxOptions) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{ctx: ctx, clock: nudge.NewFixedClock(start), sink: startSink(t), keys: testKeys(t)}
	db, err := store.Open(ctx, b.DSN, f.clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.db = db
	f.rep = &nudge.User{Email: "jim@a-z.example", Name: "Jim Smith", TimeZone: "America/New_York"}
	if err := db.CreateUser(ctx, f.rep); err != nil {
		t.Fatal(err)
	}
	f.mb = f.addMailbox(t, f.rep.ID, "jim@a-z.example")
	f.svc = followup.New(db, f.clock, followup.Options{RepCompany: "A-Z Company"})
	if opts.BaseURL == "" {
		opts.BaseURL = testBaseURL
	}
	if opts.Rand == nil {
		opts.Rand = rand.New(rand.NewPCG(1, 2))
	}
	opts.SMTP.Timeout = 10 * time.Second
	if f.out, err = mail.NewOutbox(db, f.svc, f.keys, f.clock, opts); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) addMailbox(t testing.TB, userID int64, from string) store.Mailbox {
	t.Helper()
	url, secret, err := mail.SealServer(f.keys, "smtp://jim:s3cret@"+f.sink.addr+"?tls=none", from)
	if err != nil {
		t.Fatal(err)
	}
	mb := store.Mailbox{UserID: userID, Address: from, SMTPURL: url, SMTPSecret: secret,
		PostalAddress: "A-Z Company, 1 Main Street, Springfield, IL 62701, USA", DailyCap: 150}
	if err := f.db.SaveMailbox(f.ctx, &mb); err != nil {
		t.Fatal(err)
	}
	return mb
}

func (f *fixture) person(t testing.TB, email string) *nudge.Person {
	t.Helper()
	p := &nudge.Person{Name: "Jerry Seinfeld", Email: email, OwnerID: f.rep.ID, TimeZone: "America/New_York",
		Country: "US", Status: nudge.StatusProspect, PainGain: "current home price and lot availability"}
	if err := f.db.CreatePerson(f.ctx, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *fixture) openTasks(t testing.TB, personID int64) []store.TaskRow {
	t.Helper()
	rows, err := f.db.FindTasks(f.ctx, store.TaskFilter{PersonID: &personID, States: []nudge.TaskState{nudge.TaskOpen}})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// emailTask adds an open email task by hand (no enrollment), due now.
func (f *fixture) emailTask(t testing.TB, personID int64, template string) nudge.Task {
	t.Helper()
	k := nudge.Task{PersonID: personID, AssigneeID: f.rep.ID, Channel: nudge.ChannelEmail, Due: f.clock.Now(),
		Rule: "B5", Reason: "test", Template: template}
	err := f.db.WithPerson(f.ctx, personID, func(tx *store.Tx, _ *store.Snapshot) error { return tx.SaveTask(&k, "") })
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (f *fixture) messages(t testing.TB, flt store.MessageFilter) []store.Message {
	t.Helper()
	ms, err := f.db.FindMessages(f.ctx, flt)
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

// runUntilSent runs the engine and the outbox, a few hours of the fixed
// clock at a time, until the sink has n messages or a week has passed.
func (f *fixture) runUntilSent(t testing.TB, n int) mail.Stats {
	t.Helper()
	var total mail.Stats
	for i := 0; i < 7*8 && len(f.sink.Received()) < n; i++ {
		if _, err := f.svc.RunOnce(f.ctx); err != nil {
			t.Fatal(err)
		}
		st, err := f.out.RunOnce(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		addStats(&total, st)
		if len(f.sink.Received()) < n {
			f.clock.Advance(3 * time.Hour)
		}
	}
	return total
}

// parsed is a received email read back.
type parsed struct {
	h    netmail.Header
	body string
}

func parse(t testing.TB, r received) parsed {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	if strings.EqualFold(m.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		body, err = io.ReadAll(quotedprintable.NewReader(m.Body))
	} else {
		body, err = io.ReadAll(m.Body)
	}
	if err != nil {
		t.Fatal(err)
	}
	return parsed{m.Header, string(body)}
}

// TestSendsDueEmailTask: a new prospect's 3-2-4 email (B1) goes out through
// the rep's mailbox once due, inside New York business hours, and the task
// is completed through the engine with outcome "sent" — exactly once.
func TestSendsDueEmailTask(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := setup(t, b, mail.OutboxOptions{})
			p := f.person(t, "jerry@vandelay.example")
			st := f.runUntilSent(t, 1)
			got := f.sink.Received()
			if len(got) != 1 || st.Sent != 1 || st.Recorded != 1 {
				t.Fatalf("sent %d emails, stats %+v; want 1 sent and recorded", len(got), st)
			}
			if got[0].To[0] != "jerry@vandelay.example" || got[0].From != "jim@a-z.example" {
				t.Errorf("envelope %s → %v", got[0].From, got[0].To)
			}
			ms := f.messages(t, store.MessageFilter{PersonID: &p.ID})
			if len(ms) != 1 || ms[0].State != store.MessageSent || ms[0].RecordedAt == nil || ms[0].Template != "b1-follow-up" {
				t.Fatalf("messages %+v", ms)
			}
			local := ms[0].SentAt.In(p.Zone(nil))
			if h := local.Hour(); h < 9 || h >= 17 || local.Weekday() == time.Saturday || local.Weekday() == time.Sunday {
				t.Errorf("sent at %s, outside the prospect's business hours", local)
			}
			e := parse(t, got[0])
			if id := e.h.Get("Message-Id"); id != "<"+ms[0].MessageID+">" {
				t.Errorf("Message-ID %q, stored %q", id, ms[0].MessageID)
			}
			if e.h.Get("Subject") != ms[0].Subject || !strings.Contains(e.body, "Jerry,") {
				t.Errorf("subject %q body %q", e.h.Get("Subject"), e.body)
			}
			// The touch is recorded and the cadence moved on to the day-6 call.
			hist, _, err := f.db.FindInteractions(f.ctx, nudge.InteractionFilter{PersonID: &p.ID})
			if err != nil || len(hist) != 1 || hist[0].Outcome != nudge.OutcomeSent || hist[0].Channel != nudge.ChannelEmail {
				t.Fatalf("history %+v, %v", hist, err)
			}
			open := f.openTasks(t, p.ID)
			if len(open) != 1 || open[0].Channel == nudge.ChannelEmail {
				t.Errorf("open tasks after the email: %+v, want the next step's call", open)
			}
			// Running again sends nothing more.
			if st, err := f.out.RunOnce(f.ctx); err != nil || st.Sent != 0 || len(f.sink.Received()) != 1 {
				t.Errorf("second run: %+v, %v, %d received", st, err, len(f.sink.Received()))
			}
		})
	}
}

// TestHeadersRFC8058AndFooter: every email carries List-Unsubscribe with an
// https and a mailto URI, List-Unsubscribe-Post: List-Unsubscribe=One-Click
// (RFC 8058), and the sender's postal address and the link in the footer
// (CAN-SPAM).
func TestHeadersRFC8058AndFooter(t *testing.T) {
	f := setup(t, testdb.SQLite(t), mail.OutboxOptions{AnyHour: true})
	p := f.person(t, "jerry@vandelay.example")
	f.emailTask(t, p.ID, "b1-follow-up")
	if _, err := f.out.RunOnce(f.ctx); err != nil {
		t.Fatal(err)
	}
	got := f.sink.Received()
	if len(got) != 1 {
		t.Fatalf("%d sent", len(got))
	}
	e := parse(t, got[0])
	link := testBaseURL + "/unsubscribe/" + f.keys.UnsubscribeToken(p.ID)
	want := map[string]string{
		"List-Unsubscribe":      "<" + link + ">, <mailto:jim@a-z.example?subject=unsubscribe>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
	}
	for k, v := range want {
		if g := strings.Join(strings.Fields(e.h.Get(k)), " "); g != v {
			t.Errorf("%s: %q, want %q", k, g, v)
		}
	}
	if e.h.Get("Date") == "" || e.h.Get("In-Reply-To") != "" {
		t.Errorf("Date %q In-Reply-To %q: a first email starts a thread", e.h.Get("Date"), e.h.Get("In-Reply-To"))
	}
	for _, s := range []string{"1 Main Street, Springfield, IL 62701", link} {
		if !strings.Contains(e.body, s) {
			t.Errorf("footer lacks %q:\n%s", s, e.body)
		}
	}
}

// TestThreading: B5's second email refers to the first, so it goes in its
// thread (In-Reply-To, References, "Re:" subject); other emails start one.
func TestThreading(t *testing.T) {
	f := setup(t, testdb.SQLite(t), mail.OutboxOptions{AnyHour: true, Overrides: map[string]string{
		// The built-in asks for .News, which only the rep can supply.
		"b5-second-email": `{{define "subject"}}Re: {{.PreviousSubject}}{{end}}{{define "body"}}{{first .Person.Name}}, further to my email {{quote .PreviousSubject}}, and the voicemail I left, the survey of your lot arrived today.{{end}}`,
	}})
	p := f.person(t, "jerry@vandelay.example")
	f.emailTask(t, p.ID, "b1-follow-up")
	if _, err := f.out.RunOnce(f.ctx); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(48 * time.Hour)
	f.emailTask(t, p.ID, "b5-second-email")
	if _, err := f.out.RunOnce(f.ctx); err != nil {
		t.Fatal(err)
	}
	got := f.sink.Received()
	if len(got) != 2 {
		t.Fatalf("%d sent, want 2", len(got))
	}
	first, second := parse(t, got[0]), parse(t, got[1])
	id := first.h.Get("Message-Id")
	if second.h.Get("In-Reply-To") != id || second.h.Get("References") != id {
		t.Errorf("second email In-Reply-To %q References %q, want %q", second.h.Get("In-Reply-To"), second.h.Get("References"), id)
	}
	if s := second.h.Get("Subject"); s != "Re: "+first.h.Get("Subject") {
		t.Errorf("subject %q", s)
	}
}

// TestLintHoldsEmail: an email with lint errors is not sent; the task stays
// open on the rep's agenda with the findings in its note; once the cause is
// fixed it goes.
func TestLintHoldsEmail(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := setup(t, b, mail.OutboxOptions{AnyHour: true})
			p := f.person(t, "jerry@vandelay.example")
			k := f.emailTask(t, p.ID, "d3-request") // needs .Topic and .News: empty here
			st, err := f.out.RunOnce(f.ctx)
			if err != nil || st.Held != 1 || st.Sent != 0 || len(f.sink.Received()) != 0 {
				t.Fatalf("stats %+v, %v, %d received: want the email held", st, err, len(f.sink.Received()))
			}
			note, err := f.db.TaskNote(f.ctx, k.ID)
			if err != nil || !strings.Contains(note, "VAR") || !strings.Contains(note, "email not sent") {
				t.Errorf("task note %q (%v), want the VAR findings", note, err)
			}
			if open := f.openTasks(t, p.ID); len(open) != 1 || open[0].ID != k.ID {
				t.Errorf("open tasks %+v, want the held one still open", open)
			}
			// Held again on the next pass, never duplicated.
			if _, err := f.out.RunOnce(f.ctx); err != nil {
				t.Fatal(err)
			}
			if ms := f.messages(t, store.MessageFilter{TaskID: &k.ID}); len(ms) != 1 || ms[0].State != store.MessageHeld {
				t.Errorf("messages %+v", ms)
			}
		})
	}
}

// TestBounceAndRetry: 5xx at RCPT marks the address bad and records the
// touch as "bounced", so the engine switches channel (B5); 4xx retries with
// backoff and then goes.
func TestBounceAndRetry(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := setup(t, b, mail.OutboxOptions{AnyHour: true})
			busy := true
			f.sink.rcpt = func(to string) error {
				switch {
				case strings.HasPrefix(to, "gone@"):
					return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
				case strings.HasPrefix(to, "busy@") && busy:
					return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
				}
				return nil
			}
			gone := f.person(t, "gone@vandelay.example")
			if _, err := f.svc.Enroll(f.ctx, gone.ID, "six-touch"); err != nil {
				t.Fatal(err)
			}
			st, err := f.out.RunOnce(f.ctx)
			if err != nil || st.Bounced != 1 {
				t.Fatalf("stats %+v, %v: want one bounce", st, err)
			}
			if bad, _ := f.db.IsBadAddress(f.ctx, "gone@vandelay.example"); !bad {
				t.Error("the address is not marked bad")
			}
			hist, _, _ := f.db.FindInteractions(f.ctx, nudge.InteractionFilter{PersonID: &gone.ID})
			if len(hist) != 1 || hist[0].Outcome != nudge.OutcomeBounced {
				t.Errorf("history %+v, want the bounced touch", hist)
			}
			if open := f.openTasks(t, gone.ID); len(open) != 1 || open[0].Channel != nudge.ChannelCall {
				t.Errorf("next task %+v, want a call (B5: switch channel)", open)
			}

			p := f.person(t, "busy@vandelay.example")
			k := f.emailTask(t, p.ID, "b1-follow-up")
			st, err = f.out.RunOnce(f.ctx)
			if err != nil || st.Retried != 1 || len(f.messages(t, store.MessageFilter{TaskID: &k.ID, States: []store.MessageState{store.MessageQueued}})) != 1 {
				t.Fatalf("stats %+v, %v: want a retry", st, err)
			}
			busy = false
			if st, _ := f.out.RunOnce(f.ctx); st.Sent != 0 {
				t.Errorf("sent before the backoff passed: %+v", st)
			}
			f.clock.Advance(2 * time.Minute)
			if st, err := f.out.RunOnce(f.ctx); err != nil || st.Sent != 1 {
				t.Errorf("after the backoff: %+v, %v", st, err)
			}
		})
	}
}

// TestDailyCapAndGap: a mailbox sends at most its daily cap, and never two
// emails closer than its minimum gap.
func TestDailyCapAndGap(t *testing.T) {
	f := setup(t, testdb.SQLite(t), mail.OutboxOptions{AnyHour: true})
	f.mb.DailyCap, f.mb.MinGap, f.mb.Jitter = 3, time.Minute, 30*time.Second
	if err := f.db.SaveMailbox(f.ctx, &f.mb); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		p := f.person(t, fmt.Sprintf("p%d@vandelay.example", i))
		f.emailTask(t, p.ID, "b1-follow-up")
	}
	var last time.Time
	for range 20 {
		if _, err := f.out.RunOnce(f.ctx); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(20 * time.Second)
	}
	ms := f.messages(t, store.MessageFilter{States: []store.MessageState{store.MessageSent}})
	if len(ms) != 3 {
		t.Fatalf("%d sent in a day, want the cap of 3", len(ms))
	}
	for _, m := range ms {
		if !last.IsZero() && m.SentAt.Sub(last) < time.Minute {
			t.Errorf("sent %s after the previous, under the 1-minute gap", m.SentAt.Sub(last))
		}
		last = *m.SentAt
	}
}

// TestSecretsSealed: the password never reaches the database in clear, and
// the listing URL is redacted.
func TestSecretsSealed(t *testing.T) {
	k := testKeys(t)
	url, sealed, err := mail.SealServer(k, "smtp://jim:s3cret@mail.example.com:587?tls=starttls", "jim@a-z.example")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(url+sealed, "s3cret") || url != "smtp://jim@mail.example.com:587?tls=starttls" {
		t.Errorf("stored %q / %q", url, sealed)
	}
	s, err := mail.OpenServer(k, url, sealed, "jim@a-z.example")
	if err != nil || s.Password != "s3cret" {
		t.Errorf("open: %+v, %v", s, err)
	}
	if _, err := mail.OpenServer(k, url, sealed, "other@a-z.example"); err == nil {
		t.Error("a sealed password opened for another mailbox")
	}
	other, _ := mail.NewKeys(bytes.Repeat([]byte{8}, 32))
	if _, err := mail.OpenServer(other, url, sealed, "jim@a-z.example"); err == nil {
		t.Error("a sealed password opened with another key")
	}
	if fmt.Sprint(k) != "mail.Keys(redacted)" {
		t.Errorf("keys print as %v", k)
	}
	_ = hex.EncodeToString
}

func addStats(t *mail.Stats, s mail.Stats) {
	t.Queued += s.Queued
	t.Held += s.Held
	t.Sent += s.Sent
	t.Retried += s.Retried
	t.Failed += s.Failed
	t.Bounced += s.Bounced
	t.Uncertain += s.Uncertain
	t.Cancelled += s.Cancelled
	t.Recorded += s.Recorded
}
