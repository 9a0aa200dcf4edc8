-- nudge schema, PostgreSQL. Every instant is BIGINT unix milliseconds UTC (see
-- store/doc.go); 0001 must stay in step with ../sqlite/0001_init.sql.

CREATE TABLE teams (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       TEXT    NOT NULL,
	manager_id BIGINT, -- references users, added below: the two tables refer to each other
	created_at BIGINT NOT NULL
);

CREATE TABLE users (
	id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email         TEXT    NOT NULL UNIQUE,
	name          TEXT    NOT NULL DEFAULT '',
	role          TEXT    NOT NULL,
	team_id       BIGINT REFERENCES teams (id) ON DELETE SET NULL,
	time_zone     TEXT    NOT NULL DEFAULT '',
	work_start    BIGINT NOT NULL DEFAULT 0,
	work_end      BIGINT NOT NULL DEFAULT 0,
	password_hash TEXT    NOT NULL DEFAULT '',
	created_at    BIGINT NOT NULL
);

ALTER TABLE teams ADD FOREIGN KEY (manager_id) REFERENCES users (id) ON DELETE SET NULL;

CREATE TABLE companies (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name       TEXT    NOT NULL,
	domain     TEXT    NOT NULL DEFAULT '',
	country    TEXT    NOT NULL DEFAULT '',
	city       TEXT    NOT NULL DEFAULT '',
	owner_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX companies_lower_name ON companies (lower(name));

CREATE TABLE people (
	id                    BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	owner_id              BIGINT REFERENCES users (id) ON DELETE SET NULL,
	company_id            BIGINT REFERENCES companies (id) ON DELETE SET NULL,
	name                  TEXT    NOT NULL DEFAULT '',
	email                 TEXT    NOT NULL DEFAULT '', -- normalised, lower-case; '' = none
	phone                 TEXT    NOT NULL DEFAULT '', -- E.164
	title                 TEXT    NOT NULL DEFAULT '',
	time_zone             TEXT    NOT NULL DEFAULT '',
	country               TEXT    NOT NULL DEFAULT '',
	city                  TEXT    NOT NULL DEFAULT '',
	lat                   DOUBLE PRECISION NOT NULL DEFAULT 0,
	lon                   DOUBLE PRECISION NOT NULL DEFAULT 0,
	has_coords            BOOLEAN NOT NULL DEFAULT false,
	preferred_channel     TEXT    NOT NULL DEFAULT '',
	assistant_name        TEXT    NOT NULL DEFAULT '',
	ok_to_say_no          BOOLEAN NOT NULL DEFAULT false,
	pain_gain             TEXT    NOT NULL DEFAULT '',
	interests             TEXT    NOT NULL DEFAULT '',
	buying_role           TEXT    NOT NULL DEFAULT '',
	reports_to_id         BIGINT REFERENCES people (id) ON DELETE SET NULL,
	status                TEXT    NOT NULL,
	do_not_contact        BOOLEAN NOT NULL DEFAULT false,
	do_not_contact_reason TEXT    NOT NULL DEFAULT '',
	do_not_contact_at     BIGINT,
	source                TEXT    NOT NULL DEFAULT '',
	created_at            BIGINT NOT NULL,
	updated_at            BIGINT NOT NULL
);
-- One person per email address (emails are stored lower-case).
CREATE UNIQUE INDEX people_email ON people (email) WHERE email <> '';
-- Import matches people without email by phone.
CREATE INDEX people_phone_no_email ON people (phone) WHERE email = '' AND phone <> '';
CREATE INDEX people_owner ON people (owner_id);
CREATE INDEX people_company ON people (company_id);

CREATE TABLE interactions (
	id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	person_id  BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	user_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
	channel    TEXT    NOT NULL,
	direction  TEXT    NOT NULL,
	outcome    TEXT    NOT NULL,
	at         BIGINT NOT NULL,
	subject    TEXT    NOT NULL DEFAULT '',
	what       TEXT    NOT NULL DEFAULT '', -- A1 W.I.N.: what was discussed
	insights   TEXT    NOT NULL DEFAULT '', -- A1: insights gained
	next_steps TEXT    NOT NULL DEFAULT '', -- A1: next steps
	created_at BIGINT NOT NULL
);
CREATE INDEX interactions_person_at ON interactions (person_id, at);
CREATE INDEX interactions_user ON interactions (user_id);

CREATE TABLE commitments (
	id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	person_id      BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	interaction_id BIGINT REFERENCES interactions (id) ON DELETE SET NULL,
	party          TEXT    NOT NULL,
	what           TEXT    NOT NULL,
	due            BIGINT NOT NULL,
	state          TEXT    NOT NULL,
	created_at     BIGINT NOT NULL,
	closed_at      BIGINT
);
CREATE INDEX commitments_person ON commitments (person_id);
CREATE INDEX commitments_interaction ON commitments (interaction_id);
CREATE INDEX commitments_state_due ON commitments (state, due);

CREATE TABLE deals (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	person_id   BIGINT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
	company_id  BIGINT REFERENCES companies (id) ON DELETE SET NULL,
	owner_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
	title       TEXT    NOT NULL,
	value_cents BIGINT NOT NULL DEFAULT 0,
	currency    TEXT    NOT NULL,
	stage       TEXT    NOT NULL,
	prep        TEXT    NOT NULL DEFAULT '{}', -- A4 meeting prep, JSON
	created_at  BIGINT NOT NULL,
	updated_at  BIGINT NOT NULL,
	closed_at   BIGINT
);
CREATE INDEX deals_person ON deals (person_id);
CREATE INDEX deals_owner ON deals (owner_id);
CREATE INDEX deals_company ON deals (company_id);

-- What is left of a forgotten person: SHA-256 (hex) of the normalised email
-- and of the E.164 phone, so they are never re-imported; nothing readable.
CREATE TABLE tombstones (
	id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	email_sha256 TEXT    NOT NULL DEFAULT '',
	phone_sha256 TEXT    NOT NULL DEFAULT '',
	created_at   BIGINT NOT NULL
);
CREATE INDEX tombstones_email ON tombstones (email_sha256) WHERE email_sha256 <> '';
CREATE INDEX tombstones_phone ON tombstones (phone_sha256) WHERE phone_sha256 <> '';
