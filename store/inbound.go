package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// InboundKind is what the listener made of a message in a rep's inbox.
type InboundKind string

const (
	InboundReply     InboundKind = "reply"
	InboundStop      InboundKind = "stop"     // "stop", "unsubscribe" (G1)
	InboundDeclined  InboundKind = "declined" // "not interested" (G1)
	InboundBounce    InboundKind = "bounce"   // an RFC 3464 delivery report
	InboundAutoReply InboundKind = "auto-reply"
	InboundIgnored   InboundKind = "ignored" // nobody we follow up with
)

// Inbound is one message the listener read from a mailbox's INBOX and what
// it did with it. (MailboxID, MessageID) is the idempotency key: a message is
// acted on once, however often it is read.
type Inbound struct {
	ID        int64       `json:"id"`
	MailboxID int64       `json:"mailbox_id"`
	MessageID string      `json:"message_id"` // without angle brackets
	Kind      InboundKind `json:"kind"`
	PersonID  int64       `json:"person_id,omitempty"`
	MatchedBy string      `json:"matched_by,omitempty"` // in-reply-to, references, sender, recipient
	Detail    string      `json:"detail,omitempty"`
	CreatedAt time.Time   `json:"created_at"`
}

func recordInbound(ctx context.Context, q querier, r *Inbound, now time.Time) (bool, error) {
	r.CreatedAt = truncMS(now)
	err := q.QueryRowContext(ctx, `INSERT INTO inbound_messages (mailbox_id, message_id, kind, person_id, matched_by, detail, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (mailbox_id, message_id) DO NOTHING RETURNING id`,
		r.MailboxID, r.MessageID, string(r.Kind), ref(r.PersonID), r.MatchedBy, r.Detail, ms(now)).Scan(&r.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // read before: nothing to do
	}
	if err != nil {
		return false, fmt.Errorf("record inbound message %s: %w", r.MessageID, err)
	}
	return true, nil
}

// RecordInbound records that the listener acted on a message; false when it
// was recorded before (and must not be acted on again).
func (db *DB) RecordInbound(ctx context.Context, r *Inbound) (bool, error) {
	return recordInbound(ctx, db.w, r, db.now())
}

// RecordInbound is DB.RecordInbound inside the person's transaction, so the
// record and the touch it causes commit together.
func (t *Tx) RecordInbound(r *Inbound) (bool, error) {
	return recordInbound(t.ctx, t.tx, r, t.now)
}

// InboundSeen reports whether a message of a mailbox was acted on before.
func (db *DB) InboundSeen(ctx context.Context, mailboxID int64, messageID string) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbound_messages WHERE mailbox_id = $1 AND message_id = $2`,
		mailboxID, messageID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("inbound message %s: %w", messageID, err)
	}
	return n > 0, nil
}

// FindInbound returns what the listener read from a mailbox, oldest first
// (0: every mailbox).
func (db *DB) FindInbound(ctx context.Context, mailboxID int64) ([]Inbound, error) {
	var w where
	if mailboxID != 0 {
		w.add("mailbox_id = " + w.arg(mailboxID))
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id, mailbox_id, message_id, kind, COALESCE(person_id, 0), matched_by, detail, created_at
		FROM inbound_messages`+w.String()+` ORDER BY id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find inbound messages: %w", err)
	}
	var out []Inbound
	return out, collect(rows, func(s scanner) (*Inbound, error) {
		var r Inbound
		var created int64
		if err := s.Scan(&r.ID, &r.MailboxID, &r.MessageID, &r.Kind, &r.PersonID, &r.MatchedBy, &r.Detail, &created); err != nil {
			return nil, err
		}
		r.CreatedAt = fromMS(created)
		return &r, nil
	}, &out)
}

// FindMessageByMessageID returns the outgoing message with a Message-ID
// (without brackets); ENOTFOUND when none of ours has it.
func (db *DB) FindMessageByMessageID(ctx context.Context, messageID string) (*Message, error) {
	m, err := scanMessage(db.r.QueryRowContext(ctx, `SELECT `+messageColumns+` FROM messages g WHERE g.message_id = $1`, messageID))
	if err != nil {
		return nil, notFound(err, "no message with Message-ID <%s>", messageID)
	}
	return m, nil
}

// MarkBouncedLater records that a message the server had accepted came back
// in a delivery report (RFC 3464) days later: it failed for good. Its touch
// stays recorded; the report only changes what the message row says.
func (db *DB) MarkBouncedLater(ctx context.Context, id int64, why string) error {
	_, err := db.w.ExecContext(ctx, `UPDATE messages SET state = 'failed', bounced = true, error = $2, updated_at = $3
		WHERE id = $1 AND state IN ('sent', 'uncertain')`, id, why, ms(db.now()))
	if err != nil {
		return fmt.Errorf("mark message %d bounced: %w", id, err)
	}
	return nil
}
