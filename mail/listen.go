package mail

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/calendar"
	"github.com/nudgecrm/nudge/store"
)

// InboxEngine is what the listener needs of the follow-up engine
// (*followup.Service; an interface because followup imports this package).
type InboxEngine interface {
	// EmailReceived logs a reply, stop or no once per message and re-plans
	// (B1, G1); false when the message was acted on before.
	EmailReceived(ctx context.Context, rec store.Inbound, i *nudge.Interaction) (bool, error)
	// EmailDone completes an open email task with an outcome (bounced: B5
	// moves to the next channel).
	EmailDone(ctx context.Context, taskID int64, outcome nudge.Outcome, at time.Time, note nudge.WIN) error
	// Snooze holds a task's enrollment until a date (the out-of-office
	// sender is back).
	Snooze(ctx context.Context, taskID int64, until time.Time) error
}

// InboxOptions tune the listener. The zero value is usable.
type InboxOptions struct {
	// IdleWait bounds one IDLE: the listener re-reads the INBOX at least
	// this often even when the server announces nothing (a missed
	// notification, a half-dead connection). Zero means 10 minutes (RFC
	// 2177 asks clients to re-issue IDLE within 29).
	IdleWait time.Duration
	// PollEvery is the pause between reads on a server without IDLE. Zero
	// means 2 minutes.
	PollEvery time.Duration
	// Timeout bounds the connection and the login. Zero means 30 seconds.
	Timeout time.Duration
	// TLSConfig is nil for the system roots (ServerName from the URL).
	TLSConfig *tls.Config
	// Batch is how many messages one FETCH reads. Zero means 50.
	Batch int
	// OnError hears the errors Run recovers from by reconnecting; nil
	// drops them.
	OnError func(mailbox string, err error)
	// LeaseTTL is how long a listener's claim on a mailbox lasts without
	// renewal (renewed every third of it). When several instances run on
	// one database, one listens per mailbox; if it dies, another takes over
	// within LeaseTTL. Zero means 1 minute.
	LeaseTTL time.Duration
}

// InboxStats counts what the listener did.
type InboxStats struct {
	Read, Replies, Stops, Declined, Bounces, AutoReplies, Ignored, Repeated int
}

func (s *InboxStats) add(o InboxStats) {
	s.Read += o.Read
	s.Replies += o.Replies
	s.Stops += o.Stops
	s.Declined += o.Declined
	s.Bounces += o.Bounces
	s.AutoReplies += o.AutoReplies
	s.Ignored += o.Ignored
	s.Repeated += o.Repeated
}

// Inbox listens to the reps' mailboxes over IMAP (issue 4 §4): replies are
// matched to their person and logged through the engine, stops apply G1,
// delivery reports mark addresses bad, out-of-office replies hold the
// person's next step until they are back. It reads each INBOX from the last
// UID it saw (kept per mailbox), never changes flags, and acts on each
// message once (store.Inbound).
type Inbox struct {
	db     *store.DB
	engine InboxEngine
	keys   *Keys
	clock  nudge.Clock
	opts   InboxOptions
	holder string // this listener's name in the mailbox leases
}

// NewInbox returns a listener; keys open the sealed IMAP passwords.
func NewInbox(db *store.DB, engine InboxEngine, keys *Keys, clock nudge.Clock, opts InboxOptions) *Inbox {
	if opts.IdleWait <= 0 {
		opts.IdleWait = 10 * time.Minute
	}
	if opts.PollEvery <= 0 {
		opts.PollEvery = 2 * time.Minute
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	if opts.Batch <= 0 {
		opts.Batch = 50
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = time.Minute
	}
	return &Inbox{db: db, engine: engine, keys: keys, clock: clock, opts: opts, holder: randomHolder()}
}

// RunOnce reads every listening mailbox once: connect, read what is new,
// act on it, log out. For cron, tests, and `nudge listen --once`.
func (in *Inbox) RunOnce(ctx context.Context) (InboxStats, error) {
	mbs, err := in.db.FindMailboxes(ctx, store.MailboxFilter{WithIMAP: true})
	if err != nil {
		return InboxStats{}, err
	}
	var total InboxStats
	var errs []error
	for _, mb := range mbs {
		st, err := in.readMailbox(ctx, mb)
		total.add(st)
		if err != nil {
			errs = append(errs, fmt.Errorf("mailbox %s: %w", mb.Address, err))
		}
	}
	return total, errors.Join(errs...)
}

// Run listens to every mailbox with an IMAP URL until ctx ends, one
// connection each: it reads what is new, then waits in IDLE (bounded by
// IdleWait) where the server offers it and polls every PollEvery
// otherwise; a broken connection is retried with a growing pause. The
// mailbox list is read once: restart Run to pick up a new mailbox.
func (in *Inbox) Run(ctx context.Context) error {
	mbs, err := in.db.FindMailboxes(ctx, store.MailboxFilter{WithIMAP: true})
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for _, mb := range mbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in.listen(ctx, mb.ID)
		}()
	}
	wg.Wait()
	return nil
}

// listen keeps one mailbox's connection until ctx ends, while this
// listener holds the mailbox's lease: instances on one database take turns
// rather than all reading the same INBOX (each message would still be acted
// on once, by store.Inbound, but every instance would hold a connection).
func (in *Inbox) listen(ctx context.Context, id int64) {
	pause := time.Second
	lease := "imap/" + strconv.FormatInt(id, 10)
	for ctx.Err() == nil {
		held, err := in.db.AcquireLease(ctx, lease, in.holder, time.Now(), in.opts.LeaseTTL)
		if err == nil && !held { // another instance listens: look again later
			select {
			case <-ctx.Done():
				return
			case <-time.After(in.opts.LeaseTTL / 2):
			}
			continue
		}
		if err == nil {
			err = in.leased(ctx, lease, id)
		}
		if ctx.Err() != nil {
			in.db.ReleaseLease(context.WithoutCancel(ctx), lease, in.holder)
			return
		}
		if err != nil && in.opts.OnError != nil {
			in.opts.OnError(strconv.FormatInt(id, 10), err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(pause):
		}
		pause = min(pause*2, 5*time.Minute)
	}
}

// leased runs a session while renewing the lease every third of its TTL;
// a renewal refused (the lease expired and another took it) or failed ends
// the session, so two instances never listen to one mailbox for long.
func (in *Inbox) leased(ctx context.Context, lease string, id int64) error {
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		t := time.NewTicker(in.opts.LeaseTTL / 3)
		defer t.Stop()
		for {
			select {
			case <-sctx.Done():
				return
			case <-t.C:
			}
			held, err := in.db.AcquireLease(sctx, lease, in.holder, time.Now(), in.opts.LeaseTTL)
			if err == nil && !held {
				err = errors.New("lost the mailbox's lease to another instance")
			}
			if err != nil && sctx.Err() == nil {
				cancel(err)
				return
			}
		}
	}()
	err := in.session(sctx, id)
	if cause := context.Cause(sctx); err == nil && cause != nil && ctx.Err() == nil {
		err = cause
	}
	return err
}

// randomHolder names a listener in the leases: unique per process.
func randomHolder() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// session is one connection: read, wait, read… until an error or ctx ends.
func (in *Inbox) session(ctx context.Context, id int64) error {
	mb, err := in.mailbox(ctx, id)
	if err != nil {
		return err
	}
	news := make(chan struct{}, 1)
	c, err := in.connect(mb, func() {
		select {
		case news <- struct{}{}:
		default:
		}
	})
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	for {
		if mb, err = in.mailbox(ctx, id); err != nil {
			return err
		}
		if _, err := in.readNew(ctx, c, mb); err != nil {
			return err
		}
		if c.Caps().Has(imap.CapIdle) || c.Caps().Has(imap.CapIMAP4rev2) {
			if err := in.idle(ctx, c, news); err != nil {
				return err
			}
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(in.opts.PollEvery):
		}
	}
}

// idle waits in IDLE until the server announces a change, IdleWait passes
// or ctx ends. IdleWait also bounds how late a message is read on a server
// that, like go-imap's own, announces in IDLE only what arrives during it:
// one that lands between the NOOP and the IDLE waits for the next news.
func (in *Inbox) idle(ctx context.Context, c *imapclient.Client, news <-chan struct{}) error {
	// A message that arrived since the FETCH is announced by the NOOP's
	// answer: some servers announce in IDLE only what comes after it.
	if err := c.Noop().Wait(); err != nil {
		return fmt.Errorf("noop: %w", err)
	}
	cmd, err := c.Idle()
	if err != nil {
		return fmt.Errorf("idle: %w", err)
	}
	t := time.NewTimer(in.opts.IdleWait)
	defer t.Stop()
	select {
	case <-news:
	case <-t.C:
	case <-ctx.Done():
	case <-c.Closed():
	}
	if err := cmd.Close(); err != nil {
		return fmt.Errorf("end idle: %w", err)
	}
	return cmd.Wait()
}

func (in *Inbox) mailbox(ctx context.Context, id int64) (store.Mailbox, error) {
	mbs, err := in.db.FindMailboxes(ctx, store.MailboxFilter{ID: &id})
	if err != nil {
		return store.Mailbox{}, err
	}
	if len(mbs) == 0 {
		return store.Mailbox{}, nudge.Errorf(nudge.ENOTFOUND, "no mailbox with id %d", id)
	}
	return mbs[0], nil
}

// connect dials, logs in and selects the INBOX; onNews hears the server
// announce new messages.
func (in *Inbox) connect(mb store.Mailbox, onNews func()) (*imapclient.Client, error) {
	s, err := OpenServer(in.keys, mb.IMAPURL, mb.IMAPSecret, mb.Address)
	if err != nil {
		return nil, err
	}
	if s.Scheme != "imap" && s.Scheme != "imaps" {
		return nil, nudge.FieldError("imap", "mailbox %s: %s is not an IMAP URL", mb.Address, s.Redacted())
	}
	tc := in.opts.TLSConfig
	if tc == nil {
		tc = &tls.Config{ServerName: s.Host}
	}
	o := &imapclient.Options{
		TLSConfig: tc,
		Dialer:    &net.Dialer{Timeout: in.opts.Timeout},
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Mailbox: func(d *imapclient.UnilateralDataMailbox) {
				if d.NumMessages != nil && onNews != nil {
					onNews()
				}
			},
		},
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	var c *imapclient.Client
	switch s.TLS {
	case "tls":
		c, err = imapclient.DialTLS(addr, o)
	case "none":
		c, err = imapclient.DialInsecure(addr, o)
	default:
		c, err = imapclient.DialStartTLS(addr, o)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", s.Redacted(), err)
	}
	if err := c.Login(s.User, s.Password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("log in to %s: %w", s.Redacted(), err)
	}
	return c, nil
}

// readMailbox is one pass over one mailbox on a connection of its own.
func (in *Inbox) readMailbox(ctx context.Context, mb store.Mailbox) (InboxStats, error) {
	c, err := in.connect(mb, nil)
	if err != nil {
		return InboxStats{}, err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	st, err := in.readNew(ctx, c, mb)
	if err == nil {
		err = c.Logout().Wait()
	}
	return st, err
}

// readNew selects the INBOX and acts on every message after the last UID
// read, in UID order, saving the position after each so that a crash
// repeats at most one message (which store.Inbound then skips). A new
// UIDVALIDITY (the server renumbered the mailbox) reads it again from the
// start. Messages the server received before the mailbox was added to
// nudge are passed over: they are history, not news.
func (in *Inbox) readNew(ctx context.Context, c *imapclient.Client, mb store.Mailbox) (InboxStats, error) {
	var st InboxStats
	sel, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return st, fmt.Errorf("select INBOX: %w", err)
	}
	last := mb.IMAPLastUID
	if mb.IMAPValidity != sel.UIDValidity {
		last = 0
	}
	if sel.NumMessages == 0 {
		if mb.IMAPValidity != sel.UIDValidity {
			return st, in.db.SetIMAPPosition(ctx, mb.ID, sel.UIDValidity, last)
		}
		return st, nil
	}
	// First the UIDs and arrival dates, then the bodies of those to read.
	var set imap.UIDSet
	set.AddRange(imap.UID(last+1), 0)
	heads, err := c.Fetch(set, &imap.FetchOptions{UID: true, InternalDate: true}).Collect()
	if err != nil {
		return st, fmt.Errorf("fetch new UIDs: %w", err)
	}
	type head struct {
		uid     imap.UID
		arrived time.Time
	}
	var todo []head
	for _, h := range heads {
		// "n:*" names the last message even when its UID is below n.
		if uint32(h.UID) > last {
			todo = append(todo, head{h.UID, h.InternalDate})
		}
	}
	for len(todo) > 0 && ctx.Err() == nil {
		n := min(len(todo), in.opts.Batch)
		batch := todo[:n]
		todo = todo[n:]
		var uids imap.UIDSet
		for _, h := range batch {
			uids.AddNum(h.uid)
		}
		section := &imap.FetchItemBodySection{Peek: true}
		msgs, err := c.Fetch(uids, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		if err != nil {
			return st, fmt.Errorf("fetch messages: %w", err)
		}
		raw := map[imap.UID][]byte{}
		for _, m := range msgs {
			raw[m.UID] = m.FindBodySection(section)
		}
		for _, h := range batch {
			st.Read++
			if b, ok := raw[h.uid]; ok && !h.arrived.Before(mb.CreatedAt) {
				key := "uid:" + strconv.FormatUint(uint64(sel.UIDValidity), 10) + ":" + strconv.FormatUint(uint64(h.uid), 10)
				if err := in.Handle(ctx, mb, b, key, h.arrived, &st); err != nil {
					return st, fmt.Errorf("message UID %d: %w", h.uid, err)
				}
			}
			if err := in.db.SetIMAPPosition(ctx, mb.ID, sel.UIDValidity, uint32(h.uid)); err != nil {
				return st, err
			}
		}
	}
	return st, ctx.Err()
}

// Handle acts on one raw message that arrived in mailbox mb at arrived:
// fallbackKey identifies it when it has no Message-ID. Exported for tests
// and for a mail hook that is not IMAP.
func (in *Inbox) Handle(ctx context.Context, mb store.Mailbox, raw []byte, fallbackKey string, arrived time.Time, st *InboxStats) error {
	if st == nil {
		st = &InboxStats{}
	}
	now := in.clock.Now()
	at := arrived
	if at.IsZero() || at.After(now) {
		at = now
	}
	r, err := ParseReceived(raw)
	if err != nil {
		st.Ignored++
		_, err := in.db.RecordInbound(ctx, &store.Inbound{MailboxID: mb.ID, MessageID: fallbackKey, Kind: store.InboundIgnored, Detail: err.Error()})
		return err
	}
	rec := store.Inbound{MailboxID: mb.ID, MessageID: r.MessageID, Kind: r.Kind, Detail: r.Why}
	if rec.MessageID == "" {
		rec.MessageID = fallbackKey
	}
	var lookupErr error
	byMessageID := func(id string) int64 {
		m, err := in.db.FindMessageByMessageID(ctx, id)
		if err != nil {
			if nudge.ErrorCode(err) != nudge.ENOTFOUND {
				lookupErr = err
			}
			return 0
		}
		return m.PersonID
	}
	byEmail := func(addr string) int64 {
		p, err := in.db.FindPersonByEmail(ctx, addr)
		if err != nil {
			if nudge.ErrorCode(err) != nudge.ENOTFOUND {
				lookupErr = err
			}
			return 0
		}
		return p.ID
	}
	if strings.EqualFold(r.From, mb.Address) && r.Kind != store.InboundBounce {
		r.Kind, rec.Kind, rec.Detail = store.InboundIgnored, store.InboundIgnored, "sent by the rep's own address"
	} else {
		rec.PersonID, rec.MatchedBy = Match(r, byMessageID, byEmail)
	}
	if lookupErr != nil {
		return lookupErr
	}
	if rec.PersonID == 0 && rec.Kind != store.InboundIgnored {
		rec.Kind, rec.Detail = store.InboundIgnored, string(r.Kind)+" from nobody nudge follows up with"
	}
	switch rec.Kind {
	case store.InboundReply, store.InboundStop, store.InboundDeclined:
		return in.logReply(ctx, mb, r, rec, at, st)
	case store.InboundBounce:
		return in.bounce(ctx, r, rec, at, st)
	case store.InboundAutoReply:
		return in.autoReply(ctx, r, rec, st)
	}
	ok, err := in.db.RecordInbound(ctx, &rec)
	if ok {
		st.Ignored++
	} else if err == nil {
		st.Repeated++
	}
	return err
}

// logReply logs a reply, a stop or a no as the person's inbound touch.
func (in *Inbox) logReply(ctx context.Context, mb store.Mailbox, r *Received, rec store.Inbound, at time.Time, st *InboxStats) error {
	outcome := map[store.InboundKind]nudge.Outcome{store.InboundReply: nudge.OutcomeReplied,
		store.InboundStop: nudge.OutcomeAskedToStop, store.InboundDeclined: nudge.OutcomeDeclined}[rec.Kind]
	note := nudge.WIN{What: clip(r.Text, 500)}
	if note.What == "" {
		note.What = "(an empty reply)"
	}
	if rec.Kind != store.InboundReply {
		note.Insights = "G1: " + r.Why + " — every touch is stopped"
	}
	i := &nudge.Interaction{UserID: mb.UserID, Channel: nudge.ChannelEmail, Direction: nudge.Inbound, Outcome: outcome,
		At: at, Subject: r.Subject, Note: note}
	fresh, err := in.engine.EmailReceived(ctx, rec, i)
	if err != nil || !fresh {
		if err == nil {
			st.Repeated++
		}
		return err
	}
	switch rec.Kind {
	case store.InboundReply:
		st.Replies++
		return nil
	case store.InboundStop:
		st.Stops++
	default:
		st.Declined++
	}
	// G1: anything queued for them goes nowhere (the sender would cancel it
	// at its turn anyway; this makes `nudge outbox` say so at once).
	_, err = in.db.CancelPersonMessages(ctx, rec.PersonID, "G1: they asked to stop ("+r.Why+")")
	return err
}

// bounce marks the failed addresses bad (never mailed again), marks the
// message that bounced, and completes the person's open email task as
// bounced so the cadence moves to another channel (B5).
func (in *Inbox) bounce(ctx context.Context, r *Received, rec store.Inbound, at time.Time, st *InboxStats) error {
	if seen, err := in.db.InboundSeen(ctx, rec.MailboxID, rec.MessageID); err != nil || seen {
		if seen {
			st.Repeated++
		}
		return err
	}
	why := "bounced (RFC 3464 report): " + r.BounceStatus
	for _, a := range r.Bounced {
		if err := in.db.MarkBadAddress(ctx, a, why); err != nil {
			return err
		}
	}
	if r.Original != "" {
		m, err := in.db.FindMessageByMessageID(ctx, r.Original)
		switch {
		case err == nil:
			if err := in.db.MarkBouncedLater(ctx, m.ID, why); err != nil {
				return err
			}
		case nudge.ErrorCode(err) != nudge.ENOTFOUND:
			return err
		}
	}
	tasks, err := in.openTasks(ctx, rec.PersonID)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if t.Channel != nudge.ChannelEmail || t.EnrollmentID == 0 {
			continue
		}
		err := in.engine.EmailDone(ctx, t.ID, nudge.OutcomeBounced, at, nudge.WIN{What: "email not delivered", Insights: why})
		if err != nil && nudge.ErrorCode(err) != nudge.ECONFLICT && nudge.ErrorCode(err) != nudge.ENOTFOUND {
			return err
		}
	}
	st.Bounces++
	_, err = in.db.RecordInbound(ctx, &rec)
	return err
}

// autoReply is not a reply (RFC 3834): nothing is logged; the person's
// next email or call waits until the business day after they are back, or
// the next business day when the text names no date.
func (in *Inbox) autoReply(ctx context.Context, r *Received, rec store.Inbound, st *InboxStats) error {
	if seen, err := in.db.InboundSeen(ctx, rec.MailboxID, rec.MessageID); err != nil || seen {
		if seen {
			st.Repeated++
		}
		return err
	}
	p, err := in.db.FindPersonByID(ctx, rec.PersonID)
	if err != nil {
		return err
	}
	until := RetryAfter(p, r.ReturnDate, in.clock.Now())
	tasks, err := in.openTasks(ctx, rec.PersonID)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if t.EnrollmentID == 0 || (t.Channel != nudge.ChannelEmail && t.Channel != nudge.ChannelCall) || !t.Due.Before(until) {
			continue
		}
		err := in.engine.Snooze(ctx, t.ID, until)
		if err != nil && nudge.ErrorCode(err) != nudge.ECONFLICT && nudge.ErrorCode(err) != nudge.ENOTFOUND {
			return err
		}
		break
	}
	rec.Detail = r.Why + "; next step not before " + until.Format(time.RFC3339)
	st.AutoReplies++
	_, err = in.db.RecordInbound(ctx, &rec)
	return err
}

func (in *Inbox) openTasks(ctx context.Context, personID int64) ([]store.TaskRow, error) {
	return in.db.FindTasks(ctx, store.TaskFilter{PersonID: &personID, States: []nudge.TaskState{nudge.TaskOpen}})
}

// RetryAfter is when to try an out-of-office person again: 9:00 in their
// zone on the first business day of their calendar after the day they are
// back (they get a day to clear their inbox), or the next business day
// after now when no return date was read.
func RetryAfter(p *nudge.Person, back, now time.Time) time.Time {
	loc := p.Zone(time.UTC)
	cal := calendar.ForCountry(p.Country)
	day := now.In(loc)
	if !back.IsZero() {
		// back is a calendar date (midnight UTC): read it in their zone.
		day = time.Date(back.Year(), back.Month(), back.Day(), 12, 0, 0, 0, loc)
	}
	t := calendar.AtMinuteOfDay(cal.AddBusinessDays(day, 1), loc, 9*60)
	if !t.After(now) {
		t = calendar.AtMinuteOfDay(cal.AddBusinessDays(now.In(loc), 1), loc, 9*60)
	}
	return t.UTC()
}

// clip keeps the first n bytes of s, on a rune boundary.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n]) + "…"
}
