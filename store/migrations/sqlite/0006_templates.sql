-- The users' own wording of the mail templates (issue 4 §1): an override
-- replaces the built-in of the same name for task scripts and the outbox;
-- deleting it goes back to the built-in. Only sources that parsed are
-- stored (mail.SaveTemplate).
CREATE TABLE templates (
	name       TEXT    PRIMARY KEY,
	source     TEXT    NOT NULL,
	updated_at INTEGER NOT NULL
);
