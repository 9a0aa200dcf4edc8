package mail_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store"
)

// imapBox is a real IMAP server (go-imap's in-memory one) in the test
// process, with the rep's INBOX.
type imapBox struct {
	addr     string
	user     *imapmemserver.User
	sessions atomic.Int32 // connections the server has opened
}

func startIMAP(t testing.TB) *imapBox {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser("jim", "s3cret")
	if err := u.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	mem.AddUser(u)
	box := &imapBox{user: u}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			box.sessions.Add(1)
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       quietLogger{},
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	box.addr = l.Addr().String()
	return box
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// deliver puts a message in the INBOX as arrived at the given instant.
func (b *imapBox) deliver(t testing.TB, raw string, at time.Time) {
	t.Helper()
	raw = strings.ReplaceAll(raw, "\n", "\r\n")
	if _, err := b.user.Append("INBOX", bytes.NewReader([]byte(raw)), &imap.AppendOptions{Time: at}); err != nil {
		t.Fatal(err)
	}
}

// listening gives the fixture's mailbox an IMAP URL on box and returns a
// listener bound to the engine.
func (f *fixture) listening(t testing.TB, box *imapBox, engine mail.InboxEngine) *mail.Inbox {
	t.Helper()
	url, secret, err := mail.SealServer(f.keys, "imap://jim:s3cret@"+box.addr+"?tls=none", f.mb.Address)
	if err != nil {
		t.Fatal(err)
	}
	f.mb.IMAPURL, f.mb.IMAPSecret = url, secret
	if err := f.db.SaveMailbox(f.ctx, &f.mb); err != nil {
		t.Fatal(err)
	}
	if engine == nil {
		engine = f.svc
	}
	return mail.NewInbox(f.db, engine, f.keys, f.clock, mail.InboxOptions{Timeout: 10 * time.Second})
}

func (f *fixture) history(t testing.TB, personID int64) []*nudge.Interaction {
	t.Helper()
	h, _, err := f.db.FindInteractions(f.ctx, nudge.InteractionFilter{PersonID: &personID})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func inbound(h []*nudge.Interaction) []*nudge.Interaction {
	var out []*nudge.Interaction
	for _, i := range h {
		if i.Direction == nudge.Inbound {
			out = append(out, i)
		}
	}
	return out
}

// sentTo sends the person's first 3-2-4 email (B1) through the outbox and
// returns its stored message.
func (f *fixture) sentTo(t testing.TB, p *nudge.Person) store.Message {
	t.Helper()
	f.runUntilSent(t, 1)
	ms := f.messages(t, store.MessageFilter{PersonID: &p.ID, States: []store.MessageState{store.MessageSent}})
	if len(ms) != 1 {
		t.Fatalf("sent %d messages to %s, want 1", len(ms), p.Email)
	}
	return ms[0]
}

func (f *fixture) runInbox(t testing.TB, in *mail.Inbox) mail.InboxStats {
	t.Helper()
	st, err := in.RunOnce(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func replyMail(from, inReplyTo, subject, body string, at time.Time) string {
	h := fmt.Sprintf("From: %s\nTo: jim@a-z.example\nSubject: %s\nDate: %s\nMessage-ID: <%d.%d.reply@vandelay.example>\n",
		from, subject, at.Format(time.RFC1123Z), at.UnixNano(), len(body))
	if inReplyTo != "" {
		h += "In-Reply-To: <" + inReplyTo + ">\nReferences: <" + inReplyTo + ">\n"
	}
	return h + "Content-Type: text/plain; charset=utf-8\n\n" + body + "\n"
}

// TestListenReply: a prospect in 3-2-4 answers the rep's email. The reply
// is matched by In-Reply-To (sent from an address nudge does not know) or,
// when a client dropped the thread headers, by the sender alone; it is
// logged as their inbound touch, restarts the clock (B1: the next 3-2-4
// step is due 3 days after the reply) and puts "reply received" on the
// agenda. Reading the INBOX again, even from the start, logs nothing twice.
func TestListenReply(t *testing.T) {
	for _, threaded := range []bool{true, false} {
		for _, b := range testdb.Backends(t) {
			name := b.Name + "/sender-only"
			if threaded {
				name = b.Name + "/in-reply-to"
			}
			t.Run(name, func(t *testing.T) {
				f := setup(t, b, mail.OutboxOptions{})
				box := startIMAP(t)
				in := f.listening(t, box, nil)
				p := f.person(t, "jerry@vandelay.example")
				sent := f.sentTo(t, p)
				if st := f.runInbox(t, in); st.Read != 0 {
					t.Fatalf("empty inbox: %+v", st)
				}
				f.clock.Advance(24 * time.Hour)
				at := f.clock.Now()
				from, irt := "Jerry Seinfeld <JERRY@vandelay.example>", ""
				if threaded {
					from, irt = "Jerry's assistant <assistant@vandelay.example>", sent.MessageID
				}
				box.deliver(t, replyMail(from, irt, "Re: "+sent.Subject, "Thursday at 10 works for me.\n\nOn Mon wrote:\n> old", at), at)
				if st := f.runInbox(t, in); st.Replies != 1 || st.Read != 1 {
					t.Fatalf("stats %+v, want one reply", st)
				}
				got := inbound(f.history(t, p.ID))
				if len(got) != 1 || got[0].Outcome != nudge.OutcomeReplied || got[0].Channel != nudge.ChannelEmail ||
					got[0].Note.What != "Thursday at 10 works for me." || !got[0].At.Equal(at) || got[0].UserID != f.rep.ID {
					t.Fatalf("inbound touches %+v", got)
				}
				var reply, next *store.TaskRow
				for _, r := range f.openTasks(t, p.ID) {
					switch {
					case r.EnrollmentID == 0:
						reply = &r
					case r.Cadence == "3-2-4":
						next = &r
					}
				}
				if reply == nil || !strings.HasPrefix(reply.Reason, "reply received: Re: ") || !reply.Due.Equal(at) || reply.AssigneeID != f.rep.ID {
					t.Fatalf("no reply-received task on the agenda: %+v", reply)
				}
				// B1: the reply restarted the clock: day-3 again, 3 days after it.
				if next == nil || next.StepID != "day-3" || next.Due.Before(at.Add(71*time.Hour)) || next.Due.After(at.AddDate(0, 0, 4)) {
					t.Fatalf("next 3-2-4 task %+v, want day-3 about %v", next, at.AddDate(0, 0, 3))
				}
				// Twice: nothing new. From UID 0 again (a lost position): still once.
				if st := f.runInbox(t, in); st.Read != 0 {
					t.Fatalf("second pass read %+v", st)
				}
				if err := f.db.SetIMAPPosition(f.ctx, f.mb.ID, 0, 0); err != nil {
					t.Fatal(err)
				}
				if st := f.runInbox(t, in); st.Read != 1 || st.Repeated != 1 || st.Replies != 0 {
					t.Fatalf("re-read stats %+v, want the reply seen as repeated", st)
				}
				if n := len(inbound(f.history(t, p.ID))); n != 1 {
					t.Fatalf("%d inbound touches after reading twice, want 1", n)
				}
			})
		}
	}
}

// TestListenStop: "please stop" and "not interested" are G1: do-not-contact,
// no open task, nothing queued.
func TestListenStop(t *testing.T) {
	for _, c := range []struct {
		body    string
		outcome nudge.Outcome
	}{
		{"Hi Jim,\n\nPlease stop emailing me.\n\nJerry", nudge.OutcomeAskedToStop},
		{"Not interested, thanks.", nudge.OutcomeDeclined},
	} {
		for _, b := range testdb.Backends(t) {
			t.Run(b.Name+"/"+string(c.outcome), func(t *testing.T) {
				f := setup(t, b, mail.OutboxOptions{})
				box := startIMAP(t)
				in := f.listening(t, box, nil)
				p := f.person(t, "jerry@vandelay.example")
				sent := f.sentTo(t, p)
				f.clock.Advance(time.Hour)
				box.deliver(t, replyMail("jerry@vandelay.example", sent.MessageID, "Re: hi", c.body, f.clock.Now()), f.clock.Now())
				st := f.runInbox(t, in)
				if st.Stops+st.Declined != 1 {
					t.Fatalf("stats %+v", st)
				}
				got, err := f.db.FindPersonByID(f.ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !got.DoNotContact {
					t.Error("G1: not marked do-not-contact")
				}
				if open := f.openTasks(t, p.ID); len(open) != 0 {
					t.Errorf("G1: %d open tasks left: %+v", len(open), open)
				}
				h := inbound(f.history(t, p.ID))
				if len(h) != 1 || h[0].Outcome != c.outcome {
					t.Errorf("inbound touches %+v, want one %s", h, c.outcome)
				}
				if _, err := f.svc.RunOnce(f.ctx); err != nil {
					t.Fatal(err)
				}
				if open := f.openTasks(t, p.ID); len(open) != 0 {
					t.Errorf("G1: the scheduler planned %d tasks after the stop", len(open))
				}
			})
		}
	}
}

// TestListenBounce: an RFC 3464 report that comes back after the server
// accepted the email marks the address bad and the message bounced; the
// open email step is completed as bounced, so the cadence goes on by phone
// (B5), and no email is queued to the address again.
func TestListenBounce(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := setup(t, b, mail.OutboxOptions{})
			box := startIMAP(t)
			in := f.listening(t, box, nil)
			p := f.person(t, "jerry@vandelay.example")
			sent := f.sentTo(t, p)
			// The day-6 call is not answered: the day-9 email is next.
			open := f.openTasks(t, p.ID)
			if len(open) != 1 || open[0].Channel != nudge.ChannelCall {
				t.Fatalf("after the first email: %+v", open)
			}
			f.clock.Set(open[0].Due)
			if _, err := f.svc.Done(f.ctx, open[0].ID, followup.Result{Outcome: nudge.OutcomeNoAnswer}); err != nil {
				t.Fatal(err)
			}
			open = f.openTasks(t, p.ID)
			if len(open) != 1 || open[0].Channel != nudge.ChannelEmail {
				t.Fatalf("after the call: %+v", open)
			}
			dsn := strings.ReplaceAll(string(readFixture(t, "bounce-rfc3464.eml")), "sent-1@a-z.example", sent.MessageID)
			box.deliver(t, strings.ReplaceAll(dsn, "\r\n", "\n"), f.clock.Now())
			if st := f.runInbox(t, in); st.Bounces != 1 {
				t.Fatalf("stats %+v", st)
			}
			if bad, err := f.db.IsBadAddress(f.ctx, "jerry@vandelay.example"); err != nil || !bad {
				t.Fatalf("address not marked bad (%v)", err)
			}
			m := f.messages(t, store.MessageFilter{ID: &sent.ID})
			if m[0].State != store.MessageFailed || !m[0].Bounced {
				t.Errorf("bounced message is %s bounced=%v", m[0].State, m[0].Bounced)
			}
			open = f.openTasks(t, p.ID)
			if len(open) != 1 || open[0].Channel != nudge.ChannelCall || open[0].StepID != "day-12" {
				t.Fatalf("after the bounce: %+v, want the day-12 call", open)
			}
			if st := f.runInbox(t, in); st.Read != 0 || st.Bounces != 0 {
				t.Fatalf("second pass %+v", st)
			}
		})
	}
}

// TestListenOutOfOffice: an auto-reply is not a reply — no touch is logged
// and the clock does not restart; the next step waits until the business
// day after the date they are back.
func TestListenOutOfOffice(t *testing.T) {
	for _, c := range []struct {
		name, body string
		until      time.Time
	}{
		// Back on Monday 16 March: retried Tuesday 17 March, 9:00 New York (13:00 UTC).
		{"dated", "I am out of the office.\nI will be back on Monday, March 16 and will reply then.", time.Date(2026, 3, 17, 13, 0, 0, 0, time.UTC)},
		// No date: the next business day.
		{"undated", "I am travelling with limited access to email.", time.Time{}},
	} {
		for _, b := range testdb.Backends(t) {
			t.Run(b.Name+"/"+c.name, func(t *testing.T) {
				f := setup(t, b, mail.OutboxOptions{})
				box := startIMAP(t)
				in := f.listening(t, box, nil)
				p := f.person(t, "jerry@vandelay.example")
				sent := f.sentTo(t, p)
				before := len(f.history(t, p.ID))
				now := f.clock.Now()
				raw := "From: jerry@vandelay.example\nTo: jim@a-z.example\nSubject: Automatic reply: " + sent.Subject +
					"\nDate: " + now.Format(time.RFC1123Z) + "\nMessage-ID: <ooo@vandelay.example>\nIn-Reply-To: <" + sent.MessageID +
					">\nAuto-Submitted: auto-replied\nContent-Type: text/plain\n\n" + c.body + "\n"
				box.deliver(t, raw, now)
				if st := f.runInbox(t, in); st.AutoReplies != 1 || st.Replies != 0 {
					t.Fatalf("stats %+v", st)
				}
				if n := len(f.history(t, p.ID)); n != before {
					t.Errorf("an auto-reply was logged as a touch: %d → %d", before, n)
				}
				until := c.until
				if until.IsZero() {
					until = mail.RetryAfter(p, time.Time{}, now)
				}
				open := f.openTasks(t, p.ID)
				// Undated, the day-6 call is later than the next business day
				// anyway: it keeps its time.
				if len(open) != 1 || open[0].Due.Before(until) || (!c.until.IsZero() && open[0].Due.After(until.Add(24*time.Hour))) {
					t.Fatalf("open tasks %+v, want one due from %v", open, until)
				}
				if st := f.runInbox(t, in); st.Read != 0 {
					t.Fatalf("second pass %+v", st)
				}
			})
		}
	}
}

// notifying passes the engine's calls through and says when a reply was
// logged.
type notifying struct {
	mail.InboxEngine
	logged chan struct{}
}

func (n notifying) EmailReceived(ctx context.Context, rec store.Inbound, i *nudge.Interaction) (bool, error) {
	ok, err := n.InboxEngine.EmailReceived(ctx, rec, i)
	n.logged <- struct{}{}
	return ok, err
}

// TestListenIdle: Run waits in IDLE and reads a reply as soon as the server
// announces it — long before its IdleWait (an hour) would re-read.
func TestListenIdle(t *testing.T) {
	b := testdb.SQLite(t)
	f := setup(t, b, mail.OutboxOptions{})
	box := startIMAP(t)
	eng := notifying{InboxEngine: f.svc, logged: make(chan struct{}, 4)}
	f.listening(t, box, nil)
	in := mail.NewInbox(f.db, eng, f.keys, f.clock, mail.InboxOptions{IdleWait: time.Hour, Timeout: 10 * time.Second})
	p := f.person(t, "jerry@vandelay.example")
	sent := f.sentTo(t, p)
	box.deliver(t, replyMail("jerry@vandelay.example", sent.MessageID, "Re: hi", "Let me check.", f.clock.Now()), f.clock.Now())
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	go func() { done <- in.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	// The first reply is read by Run's first pass; the second arrives while
	// (or just before) it idles, and only the server's announcement can
	// bring it in within the hour.
	select {
	case <-eng.logged:
	case <-time.After(20 * time.Second):
		t.Fatal("the first reply was not read")
	}
	box.deliver(t, replyMail("jerry@vandelay.example", sent.MessageID, "Re: hi", "Yes, let's talk.", f.clock.Now()), f.clock.Now())
	select {
	case <-eng.logged:
	case <-time.After(2 * time.Second):
		// The in-process server announces in IDLE only what arrives during
		// it: a message delivered between the listener's NOOP and its IDLE
		// waits for the next announcement. One delivered now surely lands
		// during IDLE, and its announcement brings both in.
		box.deliver(t, replyMail("jerry@vandelay.example", sent.MessageID, "Re: hi", "Also: Thursday?", f.clock.Now()), f.clock.Now())
		select {
		case <-eng.logged:
		case <-time.After(20 * time.Second):
			t.Fatal("the reply was not read while idling")
		}
	}
	if n := len(inbound(f.history(t, p.ID))); n < 2 {
		t.Fatalf("%d inbound touches, want the replies read while idling", n)
	}
}

// TestListenOneInstancePerMailbox: two listeners on one database (two
// instances of nudge serve) take turns on a mailbox through its lease:
// one connects; when it stops, the other takes over (issue 7).
func TestListenOneInstancePerMailbox(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := setup(t, b, mail.OutboxOptions{})
			box := startIMAP(t)
			f.listening(t, box, nil)
			opts := mail.InboxOptions{IdleWait: time.Hour, Timeout: 10 * time.Second, LeaseTTL: 600 * time.Millisecond}
			first := mail.NewInbox(f.db, f.svc, f.keys, f.clock, opts)
			second := mail.NewInbox(f.db, f.svc, f.keys, f.clock, opts)
			run := func(in *mail.Inbox) (stop func()) {
				ctx, cancel := context.WithCancel(f.ctx)
				done := make(chan error, 1)
				go func() { done <- in.Run(ctx) }()
				return func() {
					cancel()
					if err := <-done; err != nil {
						t.Error(err)
					}
				}
			}
			waitSessions := func(want int32) {
				t.Helper()
				for deadline := time.Now().Add(10 * time.Second); box.sessions.Load() < want; {
					if time.Now().After(deadline) {
						t.Fatalf("%d IMAP sessions, want %d", box.sessions.Load(), want)
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			stopFirst := run(first)
			waitSessions(1)
			stopSecond := run(second)
			defer stopSecond()
			// Several renewals later the second still waits its turn.
			time.Sleep(4 * opts.LeaseTTL)
			if n := box.sessions.Load(); n != 1 {
				t.Fatalf("%d IMAP sessions while the first listener holds the lease, want 1", n)
			}
			stopFirst() // releases the lease: the second takes over
			waitSessions(2)
		})
	}
}
