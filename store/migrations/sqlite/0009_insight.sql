-- Insight on one prospect (issue 6): the CARR phase (G4) and the likely
-- reason a quiet prospect does not answer (E6). Instants are INTEGER unix
-- ms UTC. Keep in step with ../postgres/0009_insight.sql.

-- carr_phase is nudge.CARROf of the person's history, kept current by the
-- engine each time it settles the person (recording a touch always marks
-- them for settling), so the People page filters by an indexed column.
-- '' = not computed yet: people with history recorded before this
-- migration, until `nudge carr --refresh` (or their next settle).
ALTER TABLE people ADD COLUMN carr_phase TEXT NOT NULL DEFAULT '';
-- Nobody touched yet is at curiosity (CARROf of no history).
UPDATE people SET carr_phase = 'curiosity' WHERE NOT EXISTS (SELECT 1 FROM interactions i WHERE i.person_id = people.id);
CREATE INDEX people_carr ON people (carr_phase, owner_id);

-- E6: one likely reason per person; recording another replaces it.
CREATE TABLE quiet_reasons (
	person_id   INTEGER PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
	reason      TEXT    NOT NULL, -- nudge.QuietReason: fear, too-busy, …
	note        TEXT    NOT NULL DEFAULT '',
	user_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
	recorded_at INTEGER NOT NULL
);
