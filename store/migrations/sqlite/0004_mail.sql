-- Email that sends itself and listens (issue 4). Instants are INTEGER unix ms UTC.

-- A rep's sending mailbox. The URLs are kept without their password; the
-- passwords are sealed with AES-GCM under a key kept outside the database
-- (mail.Keys), so a copy of the database does not hold usable credentials.
CREATE TABLE mailboxes (
	id              INTEGER PRIMARY KEY,
	user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	address         TEXT    NOT NULL UNIQUE, -- From, normalised
	name            TEXT    NOT NULL DEFAULT '',
	smtp_url        TEXT    NOT NULL,             -- password removed
	smtp_secret     TEXT    NOT NULL DEFAULT '',  -- sealed password
	imap_url        TEXT    NOT NULL DEFAULT '',
	imap_secret     TEXT    NOT NULL DEFAULT '',
	postal_address  TEXT    NOT NULL DEFAULT '',  -- CAN-SPAM footer; required to send
	daily_cap       INTEGER NOT NULL DEFAULT 150,
	min_gap_ms      INTEGER NOT NULL DEFAULT 60000,
	jitter_ms       INTEGER NOT NULL DEFAULT 60000,
	next_send_at    INTEGER NOT NULL DEFAULT 0,   -- the gap: no send before this instant
	imap_validity   INTEGER NOT NULL DEFAULT 0,   -- UIDVALIDITY of the INBOX last read
	imap_last_uid   INTEGER NOT NULL DEFAULT 0,   -- highest UID already read
	created_at      INTEGER NOT NULL
);
CREATE INDEX mailboxes_user ON mailboxes (user_id);

-- Every outgoing email, written before the SMTP conversation starts:
-- held (lint errors) | queued -> sending -> sent | failed | uncertain | cancelled.
-- task_id is the idempotency key: one message per task, ever.
CREATE TABLE messages (
	id              INTEGER PRIMARY KEY,
	task_id         INTEGER UNIQUE REFERENCES tasks (id) ON DELETE SET NULL,
	person_id       INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	mailbox_id      INTEGER REFERENCES mailboxes (id) ON DELETE SET NULL,
	state           TEXT    NOT NULL,
	message_id      TEXT    NOT NULL UNIQUE, -- without angle brackets
	in_reply_to     TEXT    NOT NULL DEFAULT '',
	refs            TEXT    NOT NULL DEFAULT '', -- References, space separated
	from_addr       TEXT    NOT NULL,
	to_addr         TEXT    NOT NULL,
	subject         TEXT    NOT NULL DEFAULT '',
	body            TEXT    NOT NULL DEFAULT '',
	body_hash       TEXT    NOT NULL DEFAULT '', -- mail.BodyHash (B7)
	template        TEXT    NOT NULL DEFAULT '',
	variant         INTEGER NOT NULL DEFAULT 0,
	attempts        INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	claimed_at      INTEGER,
	sent_at         INTEGER,
	bounced         INTEGER NOT NULL DEFAULT 0, -- failed for good at the recipient (5xx)
	recorded_at     INTEGER, -- the touch was recorded through the engine
	error           TEXT    NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
);
CREATE INDEX messages_due ON messages (state, next_attempt_at);
CREATE INDEX messages_person ON messages (person_id);
CREATE INDEX messages_mailbox_claimed ON messages (mailbox_id, claimed_at);

-- Addresses that bounced for good (5xx, RFC 3464 report): never mailed again.
CREATE TABLE bad_addresses (
	email      TEXT    PRIMARY KEY,
	reason     TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
