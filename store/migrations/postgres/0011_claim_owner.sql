-- Several processes may send from one database (issue 7). claimed_by is the
-- identity of the sender that claimed a message (store.DB's claim owner), so
-- that only it may start the message's SMTP conversation, and so that what a
-- dead sender left claimed or mid-send can be told from what a live one is
-- working on (on PostgreSQL a live sender holds an advisory lock on it).
ALTER TABLE messages ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
