-- Signing in (issue 5): browser sessions, personal API tokens and calendar
-- feed tokens. Only the SHA-256 (hex) of a secret is kept, so a copy of the
-- database does not let anyone in. Instants are INTEGER unix ms UTC.

CREATE TABLE sessions (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	token_sha256 TEXT    NOT NULL UNIQUE,
	csrf         TEXT    NOT NULL, -- the synchronizer token forms carry
	created_at   INTEGER NOT NULL,
	expires_at   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	name         TEXT    NOT NULL DEFAULT '',
	token_sha256 TEXT    NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL,
	last_used_at INTEGER
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- H4: one secret calendar URL per user; a new one replaces (revokes) the old.
CREATE TABLE feed_tokens (
	user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	token_sha256 TEXT    NOT NULL UNIQUE,
	created_at   INTEGER NOT NULL
);
