-- Leases name the one process doing a job that must run once at a time
-- across every instance on this database — the IMAP listener of a mailbox
-- (issue 7: leader election where needed). A holder renews its lease well
-- before expires_at; when it dies, the lease expires and another takes it.
CREATE TABLE leases (
	name       TEXT    PRIMARY KEY,
	holder     TEXT    NOT NULL,
	expires_at BIGINT  NOT NULL -- unix ms UTC, by the holders' wall clocks
);
