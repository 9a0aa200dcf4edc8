package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// MessageState is where an outgoing email stands. A message is written
// before the SMTP conversation begins, so a crash can never lose one or send
// one twice without a trace (issue 4):
//
//	held -> queued -> claimed -> sending -> sent | failed | uncertain
//	                                  (transient failure) -> queued again, later
//
// A sender claims a batch (claimed), then marks each message sending just
// before its own SMTP transaction, so that after a crash only the one
// message caught mid-conversation is uncertain; claimed ones go back to
// the queue, since they never reached a server.
//
// held: lint errors (the rep must act); cancelled: nobody wants it any more
// (the task went away, G1, or a person cancelled it); uncertain: a crash
// caught it mid-send — it may or may not have left, and it waits for a
// person (`nudge outbox retry|cancel`), never re-sent on its own.
type MessageState string

const (
	MessageHeld      MessageState = "held"
	MessageQueued    MessageState = "queued"
	MessageClaimed   MessageState = "claimed"
	MessageSending   MessageState = "sending"
	MessageSent      MessageState = "sent"
	MessageFailed    MessageState = "failed"
	MessageUncertain MessageState = "uncertain"
	MessageCancelled MessageState = "cancelled"
)

// Message is one outgoing email.
type Message struct {
	ID            int64        `json:"id"`
	TaskID        int64        `json:"task_id,omitempty"` // the idempotency key; 0 for a message no task asked for
	PersonID      int64        `json:"person_id"`
	MailboxID     int64        `json:"mailbox_id,omitempty"`
	State         MessageState `json:"state"`
	MessageID     string       `json:"message_id"` // without angle brackets
	InReplyTo     string       `json:"in_reply_to,omitempty"`
	References    string       `json:"references,omitempty"` // space separated, without brackets
	From          string       `json:"from"`
	To            string       `json:"to"`
	Subject       string       `json:"subject"`
	Body          string       `json:"body"`
	BodyHash      string       `json:"body_hash,omitempty"`
	Template      string       `json:"template,omitempty"`
	Variant       int          `json:"variant"`
	Attempts      int          `json:"attempts"`
	NextAttemptAt time.Time    `json:"next_attempt_at"`
	ClaimedAt     *time.Time   `json:"claimed_at,omitempty"`
	SentAt        *time.Time   `json:"sent_at,omitempty"`
	Bounced       bool         `json:"bounced,omitempty"`
	RecordedAt    *time.Time   `json:"recorded_at,omitempty"`
	Error         string       `json:"error,omitempty"`
	CreatedAt     time.Time    `json:"created_at"`
	UpdatedAt     time.Time    `json:"updated_at"`
}

const messageColumns = `g.id, COALESCE(g.task_id, 0), g.person_id, COALESCE(g.mailbox_id, 0), g.state, g.message_id,
	g.in_reply_to, g.refs, g.from_addr, g.to_addr, g.subject, g.body, g.body_hash, g.template, g.variant, g.attempts,
	g.next_attempt_at, g.claimed_at, g.sent_at, g.bounced, g.recorded_at, g.error, g.created_at, g.updated_at`

func scanMessage(s scanner) (*Message, error) {
	var m Message
	var next, created, updated int64
	var claimed, sent, recorded sql.NullInt64
	err := s.Scan(&m.ID, &m.TaskID, &m.PersonID, &m.MailboxID, &m.State, &m.MessageID, &m.InReplyTo, &m.References,
		&m.From, &m.To, &m.Subject, &m.Body, &m.BodyHash, &m.Template, &m.Variant, &m.Attempts, &next, &claimed, &sent,
		&m.Bounced, &recorded, &m.Error, &created, &updated)
	if err != nil {
		return nil, err
	}
	m.NextAttemptAt, m.CreatedAt, m.UpdatedAt = fromMS(next), fromMS(created), fromMS(updated)
	m.ClaimedAt, m.SentAt, m.RecordedAt = fromMSPtr(claimed), fromMSPtr(sent), fromMSPtr(recorded)
	return &m, nil
}

// QueueMessage stores a new outgoing message (state queued or held). A
// second message for the same task is ECONFLICT: the task id is the
// idempotency key.
func (db *DB) QueueMessage(ctx context.Context, m *Message) error {
	if m.State == "" {
		m.State = MessageQueued
	}
	if m.MessageID == "" || m.To == "" || m.PersonID == 0 {
		return nudge.Errorf(nudge.EINVALID, "a message needs a Message-ID, a recipient and a person")
	}
	now := db.now()
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = now
	}
	m.CreatedAt, m.UpdatedAt = now, now
	err := db.w.QueryRowContext(ctx, `INSERT INTO messages (task_id, person_id, mailbox_id, state, message_id, in_reply_to,
		refs, from_addr, to_addr, subject, body, body_hash, template, variant, next_attempt_at, error, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) RETURNING id`,
		ref(m.TaskID), m.PersonID, ref(m.MailboxID), string(m.State), m.MessageID, m.InReplyTo, m.References, m.From, m.To,
		m.Subject, m.Body, m.BodyHash, m.Template, m.Variant, ms(m.NextAttemptAt), m.Error, ms(now)).Scan(&m.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return nudge.Errorf(nudge.ECONFLICT, "task %d already has a message", m.TaskID)
		}
		return fmt.Errorf("queue message to %s: %w", m.To, err)
	}
	return nil
}

// UpdateHeld rewrites a held message (rendered again after the rep changed
// something): it stays held with new findings, or becomes queued.
func (db *DB) UpdateHeld(ctx context.Context, m *Message) error {
	m.UpdatedAt = db.now()
	_, err := db.w.ExecContext(ctx, `UPDATE messages SET state = $2, in_reply_to = $3, refs = $4, subject = $5, body = $6,
		body_hash = $7, template = $8, variant = $9, next_attempt_at = $10, error = $11, updated_at = $12, from_addr = $13,
		mailbox_id = $14 WHERE id = $1 AND state = 'held'`,
		m.ID, string(m.State), m.InReplyTo, m.References, m.Subject, m.Body, m.BodyHash, m.Template, m.Variant,
		ms(m.NextAttemptAt), m.Error, ms(m.UpdatedAt), m.From, ref(m.MailboxID))
	if err != nil {
		return fmt.Errorf("update held message %d: %w", m.ID, err)
	}
	return nil
}

// Claim asks ClaimMessages for a mailbox's due messages.
type Claim struct {
	MailboxID int64
	Now       time.Time
	Limit     int
	// DayStart is the start of the mailbox's current day; DailyCap (0: none)
	// bounds the messages claimed since then.
	DayStart time.Time
	DailyCap int
	// NextSendAt is when the mailbox may send again after this claim (the
	// minimum gap plus jitter); zero for no gap.
	NextSendAt time.Time
}

// ClaimMessages moves up to c.Limit due queued messages of a mailbox to
// claimed, in one transaction, and returns them; the caller then talks SMTP.
// A message whose task is no longer open, or whose person may no longer be
// contacted (G1) or whose address bounced, is cancelled instead: the engine
// changed its mind before the message left. Nothing is claimed before the
// mailbox's gap has passed or once its daily cap is reached.
func (db *DB) ClaimMessages(ctx context.Context, c Claim) ([]Message, error) {
	var out []Message
	owner, err := db.claimOwnerID(ctx) // claim.go: whose claim this is
	if err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *wtx) error {
		var next int64
		if err := tx.QueryRowContext(ctx, `SELECT next_send_at FROM mailboxes WHERE id = $1`+db.d.forUpdate, c.MailboxID).Scan(&next); err != nil {
			return notFound(err, "no mailbox with id %d", c.MailboxID)
		}
		if next > ms(c.Now) {
			return nil
		}
		limit := c.Limit
		if c.DailyCap > 0 {
			var today int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE mailbox_id = $1 AND claimed_at >= $2`,
				c.MailboxID, ms(c.DayStart)).Scan(&today); err != nil {
				return fmt.Errorf("daily count: %w", err)
			}
			limit = min(limit, c.DailyCap-today)
		}
		if limit <= 0 {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT g.id, g.task_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = g.task_id AND t.state = 'open'),
			p.do_not_contact OR EXISTS (SELECT 1 FROM bad_addresses b WHERE b.email = lower(g.to_addr))
			FROM messages g JOIN people p ON p.id = g.person_id
			WHERE g.mailbox_id = $1 AND g.state = 'queued' AND g.next_attempt_at <= $2
			ORDER BY g.next_attempt_at, g.id LIMIT $3`+db.d.skipLocked, c.MailboxID, ms(c.Now), limit)
		if err != nil {
			return fmt.Errorf("due messages: %w", err)
		}
		type due struct {
			id           int64
			taskGone, g1 bool
		}
		var ds []due
		for rows.Next() {
			var d due
			if err := rows.Scan(&d.id, &d.taskGone, &d.g1); err != nil {
				rows.Close()
				return err
			}
			ds = append(ds, d)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		now := ms(c.Now)
		for _, d := range ds {
			switch {
			case d.g1:
				_, err = tx.ExecContext(ctx, `UPDATE messages SET state = 'cancelled', error = 'G1: do not contact, or the address bounced', updated_at = $2 WHERE id = $1`, d.id, now)
			case d.taskGone:
				_, err = tx.ExecContext(ctx, `UPDATE messages SET state = 'cancelled', error = 'the task is no longer open (re-planned, done or skipped)', updated_at = $2 WHERE id = $1`, d.id, now)
			default:
				var m *Message
				m, err = scanMessage(tx.QueryRowContext(ctx, `UPDATE messages SET state = 'claimed', claimed_at = $2,
					claimed_by = $3, attempts = attempts + 1, updated_at = $2 WHERE id = $1 RETURNING `+strings.ReplaceAll(messageColumns, "g.", ""), d.id, now, owner))
				if m != nil {
					out = append(out, *m)
				}
			}
			if err != nil {
				return fmt.Errorf("claim message %d: %w", d.id, err)
			}
		}
		if len(out) > 0 && !c.NextSendAt.IsZero() {
			if _, err := tx.ExecContext(ctx, `UPDATE mailboxes SET next_send_at = $2 WHERE id = $1`, c.MailboxID, ms(c.NextSendAt)); err != nil {
				return fmt.Errorf("mailbox gap: %w", err)
			}
		}
		return nil
	})
	return out, err
}

// MarkSending records that a claimed message's SMTP transaction begins:
// from now until MarkSent or a failure, a crash leaves it uncertain. Only
// the sender that claimed it may (claim.go): ECONFLICT when the claim was
// taken back meanwhile, so a message never goes out from two senders.
func (db *DB) MarkSending(ctx context.Context, id int64) error {
	res, err := db.w.ExecContext(ctx, `UPDATE messages SET state = 'sending', updated_at = $2
		WHERE id = $1 AND state = 'claimed' AND claimed_by = $3`, id, ms(db.now()), db.currentOwner())
	if err != nil {
		return fmt.Errorf("update message %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return nudge.Errorf(nudge.ECONFLICT, "message %d is no longer this sender's: its claim was taken back", id)
}

// MarkSent records that the server accepted a message.
func (db *DB) MarkSent(ctx context.Context, id int64, at time.Time) error {
	return db.setMessage(ctx, id, `state = 'sent', sent_at = $3, error = ''`, []MessageState{MessageSending}, ms(at))
}

// MarkRetry puts a message that failed for now (4xx, connection) back in the
// queue for a later attempt.
func (db *DB) MarkRetry(ctx context.Context, id int64, next time.Time, why string) error {
	return db.setMessage(ctx, id, `state = 'queued', next_attempt_at = $3, error = $4`, []MessageState{MessageSending, MessageClaimed}, ms(next), why)
}

// MarkFailed records that a message will not be sent; bounced says the
// recipient's server refused it for good (5xx at RCPT or DATA).
func (db *DB) MarkFailed(ctx context.Context, id int64, bounced bool, why string) error {
	return db.setMessage(ctx, id, `state = 'failed', bounced = $3, error = $4`, []MessageState{MessageSending, MessageClaimed}, bounced, why)
}

// MarkRecorded says the message's touch was recorded through the engine.
func (db *DB) MarkRecorded(ctx context.Context, id int64) error {
	return db.setMessage(ctx, id, `recorded_at = $3`, nil, ms(db.now()))
}

// RetryMessage puts an uncertain, failed or held message back in the queue:
// a person decided it should go (again). ENOTFOUND, ECONFLICT in any other state.
func (db *DB) RetryMessage(ctx context.Context, id int64) error {
	return db.setMessage(ctx, id, `state = 'queued', next_attempt_at = $3, bounced = false, error = ''`,
		[]MessageState{MessageUncertain, MessageFailed, MessageHeld}, ms(db.now()))
}

// CancelMessage drops a message that has not been sent. ENOTFOUND, ECONFLICT
// once it was sent or is being sent.
func (db *DB) CancelMessage(ctx context.Context, id int64, why string) error {
	return db.setMessage(ctx, id, `state = 'cancelled', error = $3`,
		[]MessageState{MessageQueued, MessageHeld, MessageUncertain, MessageFailed}, why)
}

// setMessage updates one message if it is in one of the states from (any
// state when from is empty); $1 is the id, $2 the update time, $3… args.
func (db *DB) setMessage(ctx context.Context, id int64, set string, from []MessageState, args ...any) error {
	q := `UPDATE messages SET ` + set + `, updated_at = $2 WHERE id = $1`
	all := append([]any{id, ms(db.now())}, args...)
	if len(from) > 0 {
		q += ` AND state IN (`
		for i, s := range from {
			if i > 0 {
				q += ", "
			}
			all = append(all, string(s))
			q += fmt.Sprintf("$%d", len(all))
		}
		q += ")"
	}
	res, err := db.w.ExecContext(ctx, q, all...)
	if err != nil {
		return fmt.Errorf("update message %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		var state string
		if err := db.r.QueryRowContext(ctx, `SELECT state FROM messages WHERE id = $1`, id).Scan(&state); err != nil {
			return notFound(err, "no message with id %d", id)
		}
		return nudge.Errorf(nudge.ECONFLICT, "message %d is %s", id, state)
	}
	return nil
}

// RecoverInterrupted cleans up after a sender that died, for messages
// claimed at or before claimedBefore: one still "sending" becomes uncertain
// (its process died mid-conversation, so it may or may not have left; a
// person decides), one only "claimed" goes back to the queue (it never
// reached a server). Run at start-up; returns how many became uncertain.
// On PostgreSQL only the claims of senders that are gone are touched, so a
// process starting beside live ones leaves their work alone (claim.go).
func (db *DB) RecoverInterrupted(ctx context.Context, claimedBefore time.Time) (int, error) {
	return db.recoverClaims(ctx, ms(claimedBefore))
}

// TaskNote returns the note of a task (why it was held, skipped or snoozed).
func (db *DB) TaskNote(ctx context.Context, taskID int64) (string, error) {
	var note string
	err := db.r.QueryRowContext(ctx, `SELECT note FROM tasks WHERE id = $1`, taskID).Scan(&note)
	if err != nil {
		return "", notFound(err, "no task with id %d", taskID)
	}
	return note, nil
}

// CancelPersonMessages cancels every message to a person that has not left
// yet (G1: an unsubscribe or "stop" ends every touch at once).
func (db *DB) CancelPersonMessages(ctx context.Context, personID int64, why string) (int, error) {
	res, err := db.w.ExecContext(ctx, `UPDATE messages SET state = 'cancelled', error = $2, updated_at = $3
		WHERE person_id = $1 AND state IN ('queued', 'held')`, personID, why, ms(db.now()))
	if err != nil {
		return 0, fmt.Errorf("cancel messages of person %d: %w", personID, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// MessageFilter selects messages. Zero fields do not filter.
type MessageFilter struct {
	ID        *int64
	TaskID    *int64
	PersonID  *int64
	MailboxID *int64
	MessageID *string // the Message-ID header, without brackets
	States    []MessageState
	// Unrecorded: sent, or failed with a bounce, and not yet recorded as a
	// touch through the engine.
	Unrecorded bool
	Limit      int
}

// FindMessages returns matching messages, oldest first.
func (db *DB) FindMessages(ctx context.Context, f MessageFilter) ([]Message, error) {
	var w where
	if f.ID != nil {
		w.add("g.id = " + w.arg(*f.ID))
	}
	if f.TaskID != nil {
		w.add("g.task_id = " + w.arg(*f.TaskID))
	}
	if f.PersonID != nil {
		w.add("g.person_id = " + w.arg(*f.PersonID))
	}
	if f.MailboxID != nil {
		w.add("g.mailbox_id = " + w.arg(*f.MailboxID))
	}
	if f.MessageID != nil {
		w.add("g.message_id = " + w.arg(*f.MessageID))
	}
	if len(f.States) > 0 {
		cond := "g.state IN ("
		for i, s := range f.States {
			if i > 0 {
				cond += ", "
			}
			cond += w.arg(string(s))
		}
		w.add(cond + ")")
	}
	if f.Unrecorded {
		w.add("g.recorded_at IS NULL AND g.task_id IS NOT NULL AND (g.state = 'sent' OR (g.state = 'failed' AND g.bounced))")
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages g`+w.String()+` ORDER BY g.id`+db.d.limit(f.Limit, 0), w.args...)
	if err != nil {
		return nil, fmt.Errorf("find messages: %w", err)
	}
	var out []Message
	return out, collect(rows, scanMessage, &out)
}

// EmailTask is an open email task the sender may take: its rep has a mailbox.
type EmailTask struct {
	nudge.Task
	MailboxID int64
	Held      int64 // the id of its held message, if it has one
}

// DueEmailTasks returns up to limit open email tasks due at or before now
// whose assignee has a mailbox and whose person may be contacted and has a
// usable address, that have no message yet or only a held one (lint errors,
// to try again). Tasks of reps without a mailbox are not returned: they stay
// on the agenda to be sent by hand.
func (db *DB) DueEmailTasks(ctx context.Context, now time.Time, limit int) ([]EmailTask, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+taskColumns+`,
		(SELECT MIN(m.id) FROM mailboxes m WHERE m.user_id = t.assignee_id),
		COALESCE((SELECT g.id FROM messages g WHERE g.task_id = t.id AND g.state = 'held'), 0)
		FROM tasks t JOIN people p ON p.id = t.person_id
		-- A task without a template ("reply received") is the rep's to write.
		WHERE t.state = 'open' AND t.channel = 'email' AND t.template <> '' AND t.due <= $1 AND NOT p.do_not_contact AND p.email <> ''
		AND EXISTS (SELECT 1 FROM mailboxes m WHERE m.user_id = t.assignee_id)
		AND NOT EXISTS (SELECT 1 FROM bad_addresses b WHERE b.email = lower(p.email))
		AND NOT EXISTS (SELECT 1 FROM messages g WHERE g.task_id = t.id AND g.state <> 'held')
		ORDER BY t.due, t.id`+db.d.limit(limit, 0), ms(now))
	if err != nil {
		return nil, fmt.Errorf("due email tasks: %w", err)
	}
	defer rows.Close()
	var out []EmailTask
	for rows.Next() {
		var e EmailTask
		k, err := scanTask(rowWithTail{rows, []any{&e.MailboxID, &e.Held}})
		if err != nil {
			return nil, err
		}
		e.Task = *k
		out = append(out, e)
	}
	return out, rows.Err()
}

// SetTaskNote writes the note of an open task (why the sender held its
// email: the lint findings), leaving everything else as it is.
func (db *DB) SetTaskNote(ctx context.Context, taskID int64, note string) error {
	_, err := db.w.ExecContext(ctx, `UPDATE tasks SET note = $2 WHERE id = $1 AND state = 'open' AND note <> $2`, taskID, note)
	if err != nil {
		return fmt.Errorf("note of task %d: %w", taskID, err)
	}
	return nil
}

// MarkUncertain records that a send broke off after the whole message was
// handed over and before the server answered: it may have been delivered,
// so it waits for a person.
func (db *DB) MarkUncertain(ctx context.Context, id int64, why string) error {
	return db.setMessage(ctx, id, `state = 'uncertain', error = $3`, []MessageState{MessageSending}, why)
}
