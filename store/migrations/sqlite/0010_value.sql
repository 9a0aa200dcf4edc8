-- F2 value inventory (issue 6): the value lines sold to a customer, with
-- the baseline measured before the sale and the goal both sides agreed,
-- and their re-measurements. Instants are INTEGER unix ms UTC.
-- Keep in step with ../postgres/0010_value.sql.

CREATE TABLE value_lines (
	id          INTEGER PRIMARY KEY,
	person_id   INTEGER NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	name        TEXT    NOT NULL,
	name_key    TEXT    NOT NULL, -- the name folded (Go strings.ToLower): one line of a name per customer
	unit        TEXT    NOT NULL DEFAULT '',
	direction   TEXT    NOT NULL, -- lower | higher: which way is better
	baseline    REAL    NOT NULL,
	baseline_at INTEGER NOT NULL,
	goal        REAL    NOT NULL,
	goal_by     INTEGER NOT NULL,
	reviewed    TEXT    NOT NULL DEFAULT '', -- the status last proposed for: met | missed
	reviewed_at INTEGER,
	-- swept: the scheduler has looked at the line since its goal date passed
	-- (time alone turns "on track" into "missed" once, at goal_by).
	swept       INTEGER NOT NULL DEFAULT 0,
	created_at  INTEGER NOT NULL
);
CREATE UNIQUE INDEX value_lines_person_name ON value_lines (person_id, name_key);
CREATE INDEX value_lines_goal_due ON value_lines (goal_by) WHERE NOT swept;

CREATE TABLE value_measurements (
	id         INTEGER PRIMARY KEY,
	line_id    INTEGER NOT NULL REFERENCES value_lines (id) ON DELETE CASCADE,
	value      REAL    NOT NULL,
	at         INTEGER NOT NULL,
	note       TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
);
CREATE INDEX value_measurements_line_at ON value_measurements (line_id, at);

-- F3 clean list: the active prospects of an owner, with what the lower
-- bound of their upside reads (store/clean.go), without the wide rows of
-- people. Partial: only prospects who may be contacted.
CREATE INDEX people_prospects ON people (owner_id, company_id, buying_role, country)
	WHERE status = 'prospect' AND NOT do_not_contact;
