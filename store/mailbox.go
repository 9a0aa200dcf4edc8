package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nudgecrm/nudge"
)

// Mailbox is a rep's sending (and, with an IMAP URL, listening) mailbox
// (issue 4). The URLs are kept without their passwords; SMTPSecret and
// IMAPSecret hold the passwords sealed by package mail under a key kept
// outside the database. The store never sees a password in clear.
type Mailbox struct {
	ID            int64         `json:"id"`
	UserID        int64         `json:"user_id"`
	Address       string        `json:"address"`
	Name          string        `json:"name,omitempty"`
	SMTPURL       string        `json:"smtp_url"` // password removed
	SMTPSecret    string        `json:"-"`
	IMAPURL       string        `json:"imap_url,omitempty"`
	IMAPSecret    string        `json:"-"`
	PostalAddress string        `json:"postal_address,omitempty"` // CAN-SPAM footer
	DailyCap      int           `json:"daily_cap"`                // 0 = no cap
	MinGap        time.Duration `json:"min_gap"`
	Jitter        time.Duration `json:"jitter"`
	NextSendAt    time.Time     `json:"-"`
	IMAPValidity  uint32        `json:"-"`
	IMAPLastUID   uint32        `json:"-"`
	CreatedAt     time.Time     `json:"created_at"`
}

// DefaultDailyCap is a mailbox's daily cap unless set (issue 4).
const DefaultDailyCap = 150

// Validate checks a mailbox before it is stored.
func (m *Mailbox) Validate() error {
	if m.UserID == 0 {
		return nudge.FieldError("user", "a mailbox belongs to a user")
	}
	e, err := nudge.NormalizeEmail(m.Address)
	if err != nil {
		return &nudge.Error{Code: nudge.EINVALID, Field: "from", Message: nudge.ErrorMessage(err)}
	}
	m.Address = e
	if m.SMTPURL == "" {
		return nudge.FieldError("smtp", "a mailbox needs an SMTP URL")
	}
	if m.DailyCap < 0 || m.MinGap < 0 || m.Jitter < 0 {
		return nudge.FieldError("cap", "daily cap, gap and jitter cannot be negative")
	}
	return nil
}

const mailboxColumns = `m.id, m.user_id, m.address, m.name, m.smtp_url, m.smtp_secret, m.imap_url, m.imap_secret,
	m.postal_address, m.daily_cap, m.min_gap_ms, m.jitter_ms, m.next_send_at, m.imap_validity, m.imap_last_uid, m.created_at`

func scanMailbox(s scanner) (*Mailbox, error) {
	var m Mailbox
	var gap, jitter, next, created, validity, last int64
	err := s.Scan(&m.ID, &m.UserID, &m.Address, &m.Name, &m.SMTPURL, &m.SMTPSecret, &m.IMAPURL, &m.IMAPSecret,
		&m.PostalAddress, &m.DailyCap, &gap, &jitter, &next, &validity, &last, &created)
	if err != nil {
		return nil, err
	}
	m.MinGap, m.Jitter = time.Duration(gap)*time.Millisecond, time.Duration(jitter)*time.Millisecond
	m.NextSendAt, m.CreatedAt = fromMS(next), fromMS(created)
	m.IMAPValidity, m.IMAPLastUID = uint32(validity), uint32(last)
	return &m, nil
}

// SaveMailbox inserts a mailbox (ID 0) or updates its settings. ECONFLICT
// when another mailbox has the address.
func (db *DB) SaveMailbox(ctx context.Context, m *Mailbox) error {
	if err := m.Validate(); err != nil {
		return err
	}
	args := []any{m.UserID, m.Address, m.Name, m.SMTPURL, m.SMTPSecret, m.IMAPURL, m.IMAPSecret, m.PostalAddress,
		m.DailyCap, m.MinGap.Milliseconds(), m.Jitter.Milliseconds()}
	var err error
	if m.ID == 0 {
		m.CreatedAt = db.now()
		err = db.w.QueryRowContext(ctx, `INSERT INTO mailboxes (user_id, address, name, smtp_url, smtp_secret, imap_url,
			imap_secret, postal_address, daily_cap, min_gap_ms, jitter_ms, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`, append(args, ms(m.CreatedAt))...).Scan(&m.ID)
	} else {
		var res sql.Result
		res, err = db.w.ExecContext(ctx, `UPDATE mailboxes SET user_id = $1, address = $2, name = $3, smtp_url = $4,
			smtp_secret = $5, imap_url = $6, imap_secret = $7, postal_address = $8, daily_cap = $9, min_gap_ms = $10,
			jitter_ms = $11 WHERE id = $12`, append(args, m.ID)...)
		if err == nil {
			err = checkAffected(res, "no mailbox with id %d", m.ID)
		}
	}
	switch {
	case err == nil:
		return nil
	case isUniqueViolation(err):
		return &nudge.Error{Code: nudge.ECONFLICT, Field: "from", Message: fmt.Sprintf("a mailbox for %s already exists", m.Address)}
	case isForeignKeyViolation(err):
		return nudge.FieldError("user", "no user with id %d", m.UserID)
	}
	return fmt.Errorf("store mailbox %s: %w", m.Address, err)
}

// MailboxFilter selects mailboxes. Zero fields do not filter.
type MailboxFilter struct {
	ID       *int64
	UserID   *int64
	Address  *string
	WithIMAP bool // only mailboxes that listen
}

// FindMailboxes returns matching mailboxes by id.
func (db *DB) FindMailboxes(ctx context.Context, f MailboxFilter) ([]Mailbox, error) {
	var w where
	if f.ID != nil {
		w.add("m.id = " + w.arg(*f.ID))
	}
	if f.UserID != nil {
		w.add("m.user_id = " + w.arg(*f.UserID))
	}
	if f.Address != nil {
		w.add("lower(m.address) = lower(" + w.arg(*f.Address) + ")")
	}
	if f.WithIMAP {
		w.add("m.imap_url <> ''")
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+mailboxColumns+` FROM mailboxes m`+w.String()+` ORDER BY m.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find mailboxes: %w", err)
	}
	var out []Mailbox
	return out, collect(rows, scanMailbox, &out)
}

// DeleteMailbox removes a mailbox; its messages keep their record. ENOTFOUND.
func (db *DB) DeleteMailbox(ctx context.Context, id int64) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM mailboxes WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete mailbox %d: %w", id, err)
	}
	return checkAffected(res, "no mailbox with id %d", id)
}

// SetIMAPPosition records how far the listener has read a mailbox's INBOX.
func (db *DB) SetIMAPPosition(ctx context.Context, id int64, validity, lastUID uint32) error {
	_, err := db.w.ExecContext(ctx, `UPDATE mailboxes SET imap_validity = $2, imap_last_uid = $3 WHERE id = $1`,
		id, int64(validity), int64(lastUID))
	if err != nil {
		return fmt.Errorf("mailbox %d imap position: %w", id, err)
	}
	return nil
}

// MarkBadAddress records that email bounced for good: nothing is sent to it
// again.
func (db *DB) MarkBadAddress(ctx context.Context, email, reason string) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO bad_addresses (email, reason, created_at) VALUES (lower($1), $2, $3)
		ON CONFLICT (email) DO NOTHING`, email, reason, ms(db.now()))
	if err != nil {
		return fmt.Errorf("mark %s bad: %w", email, err)
	}
	return nil
}

// IsBadAddress reports whether email bounced for good.
func (db *DB) IsBadAddress(ctx context.Context, email string) (bool, error) {
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM bad_addresses WHERE email = lower($1)`, email).Scan(&n)
	return n > 0, err
}
