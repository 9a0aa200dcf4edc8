-- What the listener read from the reps' inboxes (issue 4 §4). One row per
-- inbound message, keyed by its Message-ID, written in the same transaction
-- as the touch it caused: a message read twice (a crash before the IMAP
-- position was saved, a new UIDVALIDITY) is never logged twice.
CREATE TABLE inbound_messages (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	mailbox_id  BIGINT NOT NULL REFERENCES mailboxes (id) ON DELETE CASCADE,
	message_id  TEXT    NOT NULL, -- without angle brackets; "uid:VALIDITY:UID" when the message has none
	kind        TEXT    NOT NULL, -- reply, stop, declined, bounce, auto-reply, ignored
	person_id   BIGINT REFERENCES people (id) ON DELETE SET NULL,
	matched_by  TEXT    NOT NULL DEFAULT '', -- in-reply-to, references, sender, recipient
	detail      TEXT    NOT NULL DEFAULT '',
	created_at  BIGINT  NOT NULL,
	UNIQUE (mailbox_id, message_id)
);
