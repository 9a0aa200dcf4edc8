-- The cadence engine's state (issue 3). Instants are INTEGER unix ms UTC.

-- check_at: when the engine must next look at this person (plan their
-- cadence, enrol them); NULL when nothing is pending. New rows default to 0,
-- "as soon as possible", so every way a person arrives (CLI, import, API)
-- reaches the scheduler without knowing about it.
ALTER TABLE people ADD COLUMN check_at INTEGER DEFAULT 0;
-- next_touch_at: the one visible next follow-up date (the earliest open task).
ALTER TABLE people ADD COLUMN next_touch_at INTEGER;
UPDATE people SET check_at = 0;
CREATE INDEX people_check_at ON people (check_at) WHERE check_at IS NOT NULL;
CREATE INDEX people_next_touch ON people (owner_id, next_touch_at);

-- User-defined cadences (method/FORMAT.md); they override built-ins of the same name.
CREATE TABLE cadences (
	name       TEXT    PRIMARY KEY,
	definition TEXT    NOT NULL, -- JSON
	updated_at INTEGER NOT NULL
);

CREATE TABLE appointments (
	id         INTEGER PRIMARY KEY,
	person_id  INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
	at         INTEGER NOT NULL,
	minutes    INTEGER NOT NULL DEFAULT 0,
	kind       TEXT    NOT NULL,
	agenda     TEXT    NOT NULL DEFAULT '[]', -- JSON array (A4 shared agenda)
	first      INTEGER NOT NULL DEFAULT 0,
	state      TEXT    NOT NULL,
	place      TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
CREATE INDEX appointments_person ON appointments (person_id, at);
CREATE INDEX appointments_user_at ON appointments (user_id, at);

CREATE TABLE enrollments (
	id             INTEGER PRIMARY KEY,
	person_id      INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	user_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
	cadence        TEXT    NOT NULL,
	state          TEXT    NOT NULL,
	step_id        TEXT    NOT NULL DEFAULT '',
	started_at     INTEGER NOT NULL,
	anchor_at      INTEGER NOT NULL,
	last_touch_at  INTEGER,
	snoozed_until  INTEGER,
	exit_reason    TEXT    NOT NULL DEFAULT '',
	next           TEXT    NOT NULL DEFAULT '',
	attempts       INTEGER NOT NULL DEFAULT 0,
	since_progress INTEGER NOT NULL DEFAULT 0,
	appointment_id INTEGER REFERENCES appointments (id) ON DELETE SET NULL,
	rule           TEXT    NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
);
CREATE INDEX enrollments_person ON enrollments (person_id);
CREATE INDEX enrollments_cadence_state ON enrollments (cadence, state);

CREATE TABLE tasks (
	id            INTEGER PRIMARY KEY,
	person_id     INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	enrollment_id INTEGER REFERENCES enrollments (id) ON DELETE CASCADE,
	cadence       TEXT    NOT NULL DEFAULT '',
	step_id       TEXT    NOT NULL DEFAULT '',
	assignee_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
	channel       TEXT    NOT NULL,
	due           INTEGER NOT NULL,
	rule          TEXT    NOT NULL,
	reason        TEXT    NOT NULL,
	guard         TEXT    NOT NULL DEFAULT '',
	script        TEXT    NOT NULL DEFAULT '',
	template      TEXT    NOT NULL DEFAULT '',
	voicemail     INTEGER NOT NULL DEFAULT 0,
	same_day      INTEGER NOT NULL DEFAULT 0,
	exact         INTEGER NOT NULL DEFAULT 0,
	attempt       INTEGER NOT NULL DEFAULT 0,
	state         TEXT    NOT NULL,
	outcome       TEXT    NOT NULL DEFAULT '',
	note          TEXT    NOT NULL DEFAULT '', -- why it was skipped or snoozed
	done_at       INTEGER,
	created_at    INTEGER NOT NULL
);
-- At most one open task per enrollment: re-planning replaces it, never adds one.
CREATE UNIQUE INDEX tasks_one_open ON tasks (enrollment_id) WHERE state = 'open';
-- The agenda: a rep's open tasks in due order.
CREATE INDEX tasks_agenda ON tasks (assignee_id, due) WHERE state = 'open';
CREATE INDEX tasks_open_due ON tasks (due) WHERE state = 'open';
CREATE INDEX tasks_person ON tasks (person_id, state);
