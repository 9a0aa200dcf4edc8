package mail

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/calendar"
	"github.com/nudgecrm/nudge/store"
)

// Engine is what the mail package needs of the follow-up engine
// (*followup.Service, which imports this package, so the dependency is an
// interface): complete an email task with its outcome (followup.Done), and
// log a touch no task asked for (followup.Log).
type Engine interface {
	// EmailDone completes the task with the outcome ("sent", "bounced"),
	// recording the touch and planning the next one. ECONFLICT or ENOTFOUND
	// when the task is no longer open.
	EmailDone(ctx context.Context, taskID int64, outcome nudge.Outcome, at time.Time, note nudge.WIN) error
	Log(ctx context.Context, i *nudge.Interaction, cs []*nudge.Commitment) error
}

// OutboxOptions tune the sender. The zero value (with BaseURL) follows the
// issue's defaults.
type OutboxOptions struct {
	// BaseURL is the public https address of the web app; unsubscribe links
	// are BaseURL/unsubscribe/{token}. Required.
	BaseURL string
	// Hours are the prospect-local hours messages go out in, on the
	// prospect's business days; zero means 9:00–17:00.
	Hours calendar.Hours
	// AnyHour sends at any hour on any day (benchmarks).
	AnyHour bool
	// NoCaps ignores the mailboxes' daily caps and gaps (benchmarks).
	NoCaps bool
	// MaxAttempts bounds the attempts of a transient failure; then the
	// message fails. Zero means 8.
	MaxAttempts int
	// Backoff is the wait before attempt n+1 after n failed; nil doubles
	// from one minute up to six hours.
	Backoff func(n int) time.Duration
	// Batch is how many messages one claim takes from a mailbox without a
	// gap. Zero means 50.
	Batch int
	// Parallel is how many mailboxes send at once, each on its own
	// connection. Zero means 4.
	Parallel int
	SMTP     SMTPOptions
	// Rand draws the jitter between sends; nil seeds one at random.
	Rand       *rand.Rand
	RepCompany string
	// Overrides are template sources by name (see Lookup) used over the
	// ones stored by the users (store.FindTemplates), which the outbox reads
	// on every pass.
	Overrides map[string]string
	// Observe, when set, receives what each mailbox's pass of Send did as
	// it ends (the server's metrics); it must not block.
	Observe func(Stats)
}

// Stats counts what one pass of the outbox did.
type Stats struct {
	Queued, Held, Sent, Retried, Failed, Bounced, Uncertain, Cancelled, Recorded int
}

func (s *Stats) add(o Stats) {
	s.Queued += o.Queued
	s.Held += o.Held
	s.Sent += o.Sent
	s.Retried += o.Retried
	s.Failed += o.Failed
	s.Bounced += o.Bounced
	s.Uncertain += o.Uncertain
	s.Cancelled += o.Cancelled
	s.Recorded += o.Recorded
}

// Outbox turns due email tasks into messages and sends them, so that no
// message is lost or sent twice (issue 4): each message is stored before
// its SMTP conversation begins, and one task gets at most one message.
type Outbox struct {
	db     *store.DB
	engine Engine
	keys   *Keys
	clock  nudge.Clock
	opts   OutboxOptions

	mu  sync.Mutex
	rng *rand.Rand
}

// NewOutbox returns an outbox. keys seal mailbox passwords and sign
// unsubscribe links.
func NewOutbox(db *store.DB, engine Engine, keys *Keys, clock nudge.Clock, opts OutboxOptions) (*Outbox, error) {
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	if !strings.HasPrefix(opts.BaseURL, "https://") {
		return nil, nudge.FieldError("base-url", "the outbox needs the web app's public https address for unsubscribe links (RFC 8058), got %q (set NUDGE_PUBLIC_URL)", opts.BaseURL)
	}
	if opts.Hours == (calendar.Hours{}) {
		opts.Hours = calendar.DefaultWorkingHours
	}
	if opts.MaxAttempts <= 0 {
		opts.MaxAttempts = 8
	}
	if opts.Backoff == nil {
		opts.Backoff = func(n int) time.Duration {
			d := time.Minute << min(n-1, 9)
			return min(d, 6*time.Hour)
		}
	}
	if opts.Batch <= 0 {
		opts.Batch = 50
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	rng := opts.Rand
	if rng == nil {
		rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	return &Outbox{db: db, engine: engine, keys: keys, clock: clock, opts: opts, rng: rng}, nil
}

// UnsubscribeURL is the one-click link of a person.
func (o *Outbox) UnsubscribeURL(personID int64) string {
	return o.opts.BaseURL + "/unsubscribe/" + o.keys.UnsubscribeToken(personID)
}

// Recover marks every message a dead process left mid-send as uncertain
// (never re-sent on its own; `nudge outbox retry|cancel`). Run it at start-up
// with the instant the process started. On PostgreSQL the claims of senders
// still alive are left alone (store.RecoverInterrupted), so several
// instances may share a database; RunOnce recovers after the ones that die.
func (o *Outbox) Recover(ctx context.Context, claimedBefore time.Time) (int, error) {
	return o.db.RecoverInterrupted(ctx, claimedBefore)
}

// RunOnce does everything due now: records the touches of messages already
// sent, turns due email tasks into messages, sends what may go now, and
// records again.
func (o *Outbox) RunOnce(ctx context.Context) (Stats, error) {
	var st Stats
	// What a sender that died left claimed goes back to the queue, and
	// what it left mid-send becomes uncertain, while this one goes on
	// (on PostgreSQL, where a dead sender can be told from a live one).
	u, err := o.db.RecoverAbandoned(ctx)
	st.Uncertain += u
	if err != nil {
		return st, err
	}
	n, err := o.Record(ctx)
	st.Recorded += n
	if err != nil {
		return st, err
	}
	q, err := o.Enqueue(ctx)
	st.add(q)
	if err != nil {
		return st, err
	}
	s, err := o.Send(ctx)
	st.add(s)
	if err != nil {
		return st, err
	}
	n, err = o.Record(ctx)
	st.Recorded += n
	return st, err
}

// Record completes the task of every message that was sent (outcome "sent")
// or bounced for good (outcome "bounced": B5, the engine moves to another
// channel) through the engine, which records the touch and plans the next
// one. A task that is no longer open (done by hand, re-planned) is left as
// it is.
func (o *Outbox) Record(ctx context.Context) (int, error) {
	ms, err := o.db.FindMessages(ctx, store.MessageFilter{Unrecorded: true})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, m := range rotate(o, ms) {
		// Another instance may have recorded it since the list was read.
		if cur, err := o.db.FindMessages(ctx, store.MessageFilter{ID: &m.ID}); err != nil {
			return n, err
		} else if len(cur) == 0 || cur[0].RecordedAt != nil {
			continue
		}
		outcome, note, at := nudge.OutcomeSent, nudge.WIN{What: "email: " + m.Subject}, time.Time{}
		if m.SentAt != nil {
			at = *m.SentAt
		}
		if m.State == store.MessageFailed {
			outcome, note.Insights = nudge.OutcomeBounced, "the address bounced: "+m.Error
		}
		if err := o.engine.EmailDone(ctx, m.TaskID, outcome, at, note); err != nil {
			if c := nudge.ErrorCode(err); c != nudge.ECONFLICT && c != nudge.ENOTFOUND {
				return n, fmt.Errorf("record message %d: %w", m.ID, err)
			}
		}
		if err := o.db.MarkRecorded(ctx, m.ID); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// ThreadsUnderPrevious reports whether the template's email goes in the
// thread of the last email sent to the person (In-Reply-To, References):
// B5's second email refers to the first. Every other email starts a thread.
func ThreadsUnderPrevious(template string) bool { return template == "b5-second-email" }

// Enqueue turns every due email task whose rep has a mailbox into a stored
// message: queued, or held when the rendered email has lint errors (the
// task stays on the rep's agenda with the findings in its note).
func (o *Outbox) Enqueue(ctx context.Context) (Stats, error) {
	var st Stats
	now := o.clock.Now()
	tasks, err := o.db.DueEmailTasks(ctx, now, 0)
	if err != nil {
		return st, err
	}
	overrides, err := o.overrides(ctx)
	if err != nil {
		return st, err
	}
	for _, t := range rotate(o, tasks) {
		if t.Held == 0 {
			// Another instance may have queued it since the list was read.
			if ms, err := o.db.FindMessages(ctx, store.MessageFilter{TaskID: &t.ID}); err != nil {
				return st, err
			} else if len(ms) > 0 {
				continue
			}
		}
		m, findings, err := o.draft(ctx, t, now, overrides)
		if err != nil {
			return st, fmt.Errorf("task %d: %w", t.ID, err)
		}
		note := ""
		if len(findings) > 0 {
			m.State = store.MessageHeld
			note = "email not sent: " + strings.Join(findings, "; ")
			m.Error = note
			st.Held++
		} else {
			m.State = store.MessageQueued
			st.Queued++
		}
		if t.Held != 0 {
			m.ID = t.Held
			err = o.db.UpdateHeld(ctx, m)
		} else {
			err = o.db.QueueMessage(ctx, m)
			if nudge.ErrorCode(err) == nudge.ECONFLICT {
				continue // another instance took the task first
			}
		}
		if err != nil {
			return st, err
		}
		if err := o.db.SetTaskNote(ctx, t.ID, note); err != nil {
			return st, err
		}
	}
	return st, nil
}

// overrides are the template sources in force: the users' stored ones,
// then the options'. Read once per pass, so an edit applies to the next.
func (o *Outbox) overrides(ctx context.Context) (map[string]string, error) {
	stored, err := o.db.FindTemplates(ctx)
	if err != nil {
		return nil, err
	}
	maps.Copy(stored, o.opts.Overrides)
	return stored, nil
}

// draft renders a task's email; findings are the lint errors that hold it.
func (o *Outbox) draft(ctx context.Context, t store.EmailTask, now time.Time, overrides map[string]string) (*store.Message, []string, error) {
	p, err := o.db.FindPersonByID(ctx, t.PersonID)
	if err != nil {
		return nil, nil, err
	}
	mbs, err := o.db.FindMailboxes(ctx, store.MailboxFilter{ID: &t.MailboxID})
	if err != nil || len(mbs) == 0 {
		return nil, nil, fmt.Errorf("mailbox %d: %w", t.MailboxID, err)
	}
	mb := mbs[0]
	rep, err := o.db.FindUserByID(ctx, t.AssigneeID)
	if err != nil {
		return nil, nil, err
	}
	sc, err := SceneOf(ctx, o.db, p, rep, now, o.opts.RepCompany)
	if err != nil {
		return nil, nil, err
	}
	d := sc.Data
	var bodies, hashes []string
	var prev *store.Message
	for i := range sc.Sent {
		bodies, hashes = append(bodies, sc.Sent[i].Body), append(hashes, sc.Sent[i].BodyHash)
		prev = &sc.Sent[i]
	}
	m := &store.Message{TaskID: t.ID, PersonID: p.ID, MailboxID: mb.ID, From: mb.Address, To: p.Email,
		MessageID: NewMessageID(mb.Address), Template: t.Template, NextAttemptAt: o.window(p).Next(later(now, t.Due)).UTC()}
	if o.opts.AnyHour {
		m.NextAttemptAt = later(now, t.Due)
	}
	if ThreadsUnderPrevious(t.Template) && prev != nil {
		m.InReplyTo = prev.MessageID
		m.References = strings.TrimSpace(prev.References + " " + prev.MessageID)
	}
	if t.Template == "" {
		return m, []string{"the step names no template: write this email by hand"}, nil
	}
	tpl, err := Lookup(t.Template, overrides)
	if err != nil {
		return m, []string{nudge.ErrorMessage(err)}, nil
	}
	v, err := PickVariant(tpl, d, hashes)
	if err != nil {
		if errors.Is(err, ErrAllVariantsSent) {
			return m, []string{"B7: " + ErrAllVariantsSent.Error()}, nil
		}
		return m, []string{"does not render: " + execProblem(err)}, nil
	}
	msg, err := tpl.Render(d, v)
	if err != nil {
		return m, []string{"does not render: " + execProblem(err)}, nil
	}
	m.Subject, m.Body, m.BodyHash, m.Variant = msg.Subject, msg.Body, BodyHash(msg.Body), v
	var findings []string
	prefix := fmt.Sprintf("variant %d: ", v+1)
	for _, f := range Lint(tpl, d) {
		if f.Severity == SeverityError && strings.HasPrefix(f.Message, prefix) {
			findings = append(findings, f.String())
		}
	}
	for _, f := range LintMessage(msg, d, bodies) {
		if f.Severity == SeverityError {
			findings = append(findings, f.String())
		}
	}
	if m.Subject == "" {
		findings = append(findings, "the email has no subject")
	}
	return m, slices.Compact(findings), nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// window is when an email may reach the prospect: business hours of their
// own zone and country calendar.
func (o *Outbox) window(p *nudge.Person) calendar.Window {
	return calendar.Window{Loc: p.Zone(time.UTC), Cal: calendar.ForCountry(p.Country), Hours: o.opts.Hours}
}

// Send sends every queued message that may go now, mailbox by mailbox
// (Parallel at once, one connection each), within each mailbox's daily cap
// and gap.
func (o *Outbox) Send(ctx context.Context) (Stats, error) {
	mbs, err := o.db.FindMailboxes(ctx, store.MailboxFilter{})
	if err != nil {
		return Stats{}, err
	}
	users, err := o.db.FindUsers(ctx)
	if err != nil {
		return Stats{}, err
	}
	byID := map[int64]*nudge.User{}
	for _, u := range users {
		byID[u.ID] = u
	}
	var (
		mu    sync.Mutex
		total Stats
		errs  []error
		wg    sync.WaitGroup
		sem   = make(chan struct{}, o.opts.Parallel)
	)
	for _, mb := range mbs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			st, err := o.sendMailbox(ctx, mb, byID[mb.UserID])
			if o.opts.Observe != nil {
				o.opts.Observe(st)
			}
			mu.Lock()
			total.add(st)
			if err != nil {
				errs = append(errs, fmt.Errorf("mailbox %s: %w", mb.Address, err))
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return total, errors.Join(errs...)
}

// rotate returns the work list s starting at a random place. Instances
// sharing a database read the same list; starting in different places,
// they split it instead of racing through it in step, each skipping what
// another has done meanwhile (the task id keeps a lost race harmless).
func rotate[T any](o *Outbox, s []T) []T {
	if len(s) < 2 {
		return s
	}
	o.mu.Lock()
	k := o.rng.IntN(len(s))
	o.mu.Unlock()
	return append(s[k:len(s):len(s)], s[:k]...)
}

func (o *Outbox) jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return time.Duration(o.rng.Int64N(int64(d) + 1))
}

// sendMailbox sends a mailbox's due messages over one connection.
func (o *Outbox) sendMailbox(ctx context.Context, mb store.Mailbox, rep *nudge.User) (Stats, error) {
	var st Stats
	if strings.TrimSpace(mb.PostalAddress) == "" {
		return st, nudge.FieldError("postal-address", "mailbox %s has no postal address; CAN-SPAM requires one (nudge mailbox add --postal-address)", mb.Address)
	}
	env := Envelope{UnsubscribeTo: mb.Address, PostalAddress: mb.PostalAddress, FromName: mb.Name}
	if env.FromName == "" && rep != nil {
		env.FromName = rep.Name
	}
	loc := time.UTC
	if rep != nil && rep.TimeZone != "" {
		if l, err := nudge.LoadLocation(rep.TimeZone); err == nil {
			loc = l
		}
	}
	var client *gomail.Client
	defer func() {
		if client != nil {
			client.Close()
		}
	}()
	for ctx.Err() == nil {
		now := o.clock.Now()
		c := store.Claim{MailboxID: mb.ID, Now: now, Limit: o.opts.Batch}
		if !o.opts.NoCaps {
			c.DayStart = calendar.AtMinuteOfDay(now.In(loc), loc, 0)
			c.DailyCap = mb.DailyCap
			if mb.MinGap > 0 || mb.Jitter > 0 {
				c.Limit = 1
				c.NextSendAt = now.Add(mb.MinGap + o.jitter(mb.Jitter))
			}
		}
		if client == nil {
			// Connect before claiming, so a server that is down leaves the
			// messages queued rather than in flight.
			if n, err := o.db.FindMessages(ctx, store.MessageFilter{MailboxID: &mb.ID, States: []store.MessageState{store.MessageQueued}, Limit: 1}); err != nil || len(n) == 0 {
				return st, err
			}
			s, err := OpenServer(o.keys, mb.SMTPURL, mb.SMTPSecret, mb.Address)
			if err != nil {
				return st, err
			}
			if client, err = NewSMTPClient(s, o.opts.SMTP); err != nil {
				return st, err
			}
			if err := client.DialWithContext(ctx); err != nil {
				client = nil
				return st, fmt.Errorf("connect to %s: %w", s.Redacted(), err)
			}
		}
		batch, err := o.db.ClaimMessages(ctx, c)
		if err != nil {
			return st, err
		}
		if len(batch) == 0 {
			return st, nil
		}
		for i := range batch {
			if ctx.Err() != nil {
				// Stopping (graceful shutdown): the send in flight was
				// finished and recorded; the rest go back to the queue.
				return st, o.giveBack(ctx, batch[i:], "stopped before this message's turn")
			}
			m := &batch[i]
			env.UnsubscribeURL = o.UnsubscribeURL(m.PersonID)
			ok, err := o.sendOne(ctx, client, m, env, &st)
			if err != nil {
				return st, err
			}
			if !ok {
				// The connection may be broken: give the rest of the batch back.
				if err := o.giveBack(ctx, batch[i+1:], "connection dropped before this message's turn"); err != nil {
					return st, err
				}
				client.Close()
				client = nil
				return st, nil
			}
		}
	}
	return st, ctx.Err()
}

// giveBack returns claimed messages to the queue, due now. It runs even
// when ctx was cancelled: leaving them claimed would hold them until the
// next start's Recover.
func (o *Outbox) giveBack(ctx context.Context, ms []store.Message, why string) error {
	ctx = context.WithoutCancel(ctx)
	for _, m := range ms {
		if err := o.db.MarkRetry(ctx, m.ID, o.clock.Now(), why); err != nil {
			return err
		}
	}
	return nil
}

// sendOne runs one SMTP transaction and stores its result; ok is false when
// the connection should not be used again. Once the conversation begins its
// outcome is stored even if ctx is cancelled meanwhile (graceful shutdown):
// a send left marked "sending" would wait for a person as uncertain.
func (o *Outbox) sendOne(ctx context.Context, client *gomail.Client, m *store.Message, env Envelope, st *Stats) (ok bool, err error) {
	ctx = context.WithoutCancel(ctx)
	now := o.clock.Now()
	g, err := Compose(m, env, now)
	if err != nil {
		st.Failed++
		return true, o.db.MarkFailed(ctx, m.ID, false, nudge.ErrorMessage(err))
	}
	// The durable mark before the conversation: a crash from here on leaves
	// the message uncertain, never silently re-sent.
	if err := o.db.MarkSending(ctx, m.ID); err != nil {
		if nudge.ErrorCode(err) == nudge.ECONFLICT {
			return true, nil // taken back after this sender lost its claim: not ours to send
		}
		return true, err
	}
	serr := client.Send(g)
	if serr == nil {
		st.Sent++
		return true, o.db.MarkSent(ctx, m.ID, now)
	}
	why := serr.Error()
	switch Judge(serr) {
	case Bounce:
		st.Bounced++
		if err := o.db.MarkBadAddress(ctx, m.To, why); err != nil {
			return true, err
		}
		return true, o.db.MarkFailed(ctx, m.ID, true, why)
	case Fail:
		st.Failed++
		return true, o.db.MarkFailed(ctx, m.ID, false, why)
	case Unknown:
		st.Uncertain++
		return false, o.db.MarkUncertain(ctx, m.ID, "the connection broke before the server confirmed: "+why)
	}
	if m.Attempts >= o.opts.MaxAttempts {
		st.Failed++
		return false, o.db.MarkFailed(ctx, m.ID, false, fmt.Sprintf("gave up after %d attempts: %s", m.Attempts, why))
	}
	st.Retried++
	return false, o.db.MarkRetry(ctx, m.ID, now.Add(o.opts.Backoff(m.Attempts)), why)
}

// Queue stores a message no task asked for (a test, a benchmark, a
// one-off): it goes out like the others.
func (o *Outbox) Queue(ctx context.Context, m *store.Message) error {
	if m.MessageID == "" {
		m.MessageID = NewMessageID(m.From)
	}
	if m.BodyHash == "" {
		m.BodyHash = BodyHash(m.Body)
	}
	return o.db.QueueMessage(ctx, m)
}
