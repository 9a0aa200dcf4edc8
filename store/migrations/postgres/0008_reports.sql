-- Insight reports (issue 6: H1–H3 and reply rates). Instants are BIGINT
-- unix ms UTC. The definitions are in report/doc.go, the queries in
-- store/report.go; 0008 must stay in step with ../sqlite/0008_reports.sql.
--
-- A report over a million people must not group ten million interactions,
-- so each report reads a summary kept as the rows it summarises change:
--
--   person_touches  one row per person with interactions (H1, H3), written by
--                   the store with every interaction (store/report.go) and
--                   kept by the triggers below when the person or a deal changes;
--   won_deals       one row per won deal with the touch it came on (H2);
--   task_answers,   the done tasks an inbound interaction answered, and the
--   reply_days      done tasks and answers summed per step, channel, template,
--                   rep and day (reply rates).
--
-- DB.RebuildReports (`nudge report rebuild`) recomputes all four with the
-- statements at the end of this file.

CREATE TABLE person_touches (
	person_id       BIGINT  PRIMARY KEY REFERENCES people (id) ON DELETE CASCADE,
	owner_id        BIGINT ,          -- people.owner_id
	touches         BIGINT  NOT NULL, -- outbound interactions: the attempts
	first_touch_at  BIGINT ,          -- the first attempt (H3's cohort)
	last_touch_at   BIGINT ,          -- the last attempt (H1: dropped 45 days later)
	contact_at      BIGINT ,          -- the first contact: reached outcome or any inbound
	contact_attempt BIGINT  NOT NULL, -- attempts up to the first contact, at least 1; 0 = never reached (H3)
	said_no_at      BIGINT ,          -- the first declined or asked-to-stop (G1)
	dnc             BOOLEAN NOT NULL, -- people.do_not_contact
	customer        BOOLEAN NOT NULL, -- people.status = 'customer'
	won             BOOLEAN NOT NULL  -- a deal of theirs is won
);
-- H1 reads the people who can be dropped (no no, not a customer, no win),
-- by their last touch; H3 everybody by their first.
CREATE INDEX person_touches_dropped ON person_touches (last_touch_at, owner_id, touches)
	WHERE said_no_at IS NULL AND NOT dnc AND NOT customer AND NOT won;
CREATE INDEX person_touches_owner_dropped ON person_touches (owner_id, last_touch_at, touches)
	WHERE said_no_at IS NULL AND NOT dnc AND NOT customer AND NOT won;
CREATE INDEX person_touches_first ON person_touches (first_touch_at, owner_id, contact_attempt, touches);
CREATE INDEX person_touches_owner_first ON person_touches (owner_id, first_touch_at, contact_attempt, touches);

CREATE TABLE won_deals (
	deal_id   BIGINT  PRIMARY KEY REFERENCES deals (id) ON DELETE CASCADE,
	person_id BIGINT  NOT NULL,
	owner_id  BIGINT ,          -- the person's owner
	closed_at BIGINT  NOT NULL,
	touch     BIGINT  NOT NULL  -- the person's outbound interactions up to closed_at (0: none)
);
CREATE INDEX won_deals_closed ON won_deals (closed_at, owner_id, touch);
CREATE INDEX won_deals_owner ON won_deals (owner_id, closed_at, touch);
CREATE INDEX won_deals_person ON won_deals (person_id, closed_at);

-- Done tasks by when they were done (the hours at the ends of a reply-rate
-- period), a person's done tasks in time order (the touch an answer belongs
-- to), and one reply_days row's tasks, expression for expression (to
-- recompute it). None is partial on state = 'done', which every query also
-- says: a planner whose statistics lag behind a large insert (no done task
-- yet, it believes) would otherwise take a whole scan of such an index for
-- the cheapest plan.
CREATE INDEX tasks_done ON tasks (done_at, state, assignee_id, cadence, step_id, channel, template, outcome);
CREATE INDEX tasks_person_done ON tasks (person_id, state, done_at);
CREATE INDEX tasks_reply_bucket ON tasks (cadence, step_id, channel, template, (COALESCE(assignee_id, 0)),
	(done_at - done_at % 86400000), state);

-- A done task is answered when its own outcome reached the person, or when
-- an inbound interaction came at or after it and before the person's next
-- touch. task_answers holds the second kind. It is kept when the inbound is
-- written (store/report.go) and by the triggers below when a task is done,
-- so the order in which the rows arrive does not matter.
CREATE TABLE task_answers (
	task_id     BIGINT  PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
	person_id   BIGINT  NOT NULL,
	done_at     BIGINT  NOT NULL,
	answered_at BIGINT  NOT NULL, -- the first inbound interaction after the task
	-- The task's reply_days key, kept here: a cascade may delete this row
	-- after its task.
	cadence     TEXT    NOT NULL,
	step_id     TEXT    NOT NULL,
	channel     TEXT    NOT NULL,
	template    TEXT    NOT NULL,
	assignee_id BIGINT  NOT NULL,
	day         BIGINT  NOT NULL
);
CREATE INDEX task_answers_person ON task_answers (person_id, done_at);

-- The done tasks and their answers per cadence step, channel, template, rep
-- (assignee; 0 = none) and UTC day of done_at: a reply-rate report reads a
-- few rows per day instead of every task.
CREATE TABLE reply_days (
	cadence     TEXT    NOT NULL,
	step_id     TEXT    NOT NULL,
	channel     TEXT    NOT NULL,
	template    TEXT    NOT NULL,
	assignee_id BIGINT  NOT NULL,
	day         BIGINT  NOT NULL, -- unix ms of the UTC midnight
	touches     BIGINT  NOT NULL,
	answered    BIGINT  NOT NULL,
	PRIMARY KEY (cadence, step_id, channel, template, assignee_id, day)
);
-- One rep's or team's days.
CREATE INDEX reply_days_assignee ON reply_days (assignee_id, day);

-- The triggers. A person's owner, status and do-not-contact, and their won
-- deals, follow into the summaries; a won deal counts the touches before it.
-- A task done (or changed while done): an answer that came after it no
-- longer answers an earlier touch, and the first inbound interaction after
-- it, before the next touch, answers it. Each reply_days row touched is
-- recomputed from its tasks and their answers rather than moved by one, so
-- the sums come out right whatever order rows arrive in (a restore loads
-- task_answers and reply_days before tasks).
CREATE FUNCTION people_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE person_touches SET owner_id = NEW.owner_id, dnc = NEW.do_not_contact, customer = (NEW.status = 'customer')
	WHERE person_id = NEW.id;
	UPDATE won_deals SET owner_id = NEW.owner_id WHERE person_id = NEW.id;
	RETURN NULL;
END $$;
CREATE TRIGGER people_reports AFTER UPDATE OF owner_id, status, do_not_contact ON people FOR EACH ROW
	WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.status IS DISTINCT FROM NEW.status
		OR OLD.do_not_contact IS DISTINCT FROM NEW.do_not_contact)
	EXECUTE FUNCTION people_reports();

CREATE FUNCTION deals_reports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		DELETE FROM won_deals WHERE deal_id = OLD.id;
		UPDATE person_touches SET won = EXISTS (SELECT 1 FROM won_deals w WHERE w.person_id = OLD.person_id)
		WHERE person_id = OLD.person_id;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		INSERT INTO won_deals (deal_id, person_id, owner_id, closed_at, touch)
		SELECT NEW.id, NEW.person_id, p.owner_id, NEW.closed_at,
			(SELECT COUNT(*) FROM interactions o WHERE o.person_id = NEW.person_id AND o.direction = 'outbound' AND o.at <= NEW.closed_at)
		FROM people p WHERE p.id = NEW.person_id AND NEW.stage = 'won' AND NEW.closed_at IS NOT NULL
		ON CONFLICT (deal_id) DO UPDATE SET person_id = excluded.person_id, owner_id = excluded.owner_id,
			closed_at = excluded.closed_at, touch = excluded.touch;
		UPDATE person_touches SET won = EXISTS (SELECT 1 FROM won_deals w WHERE w.person_id = NEW.person_id)
		WHERE person_id = NEW.person_id;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER deals_reports AFTER INSERT OR UPDATE OR DELETE ON deals FOR EACH ROW EXECUTE FUNCTION deals_reports();

CREATE FUNCTION task_answers_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO reply_days (cadence, step_id, channel, template, assignee_id, day, touches, answered)
		SELECT NEW.cadence, NEW.step_id, NEW.channel, NEW.template, NEW.assignee_id, NEW.day, COUNT(*),
			COALESCE(SUM(CASE WHEN t.outcome IN ('connected', 'replied', 'meeting-held', 'declined', 'asked-to-stop') OR EXISTS (SELECT 1 FROM task_answers x WHERE x.task_id = t.id) THEN 1 ELSE 0 END), 0)
		FROM tasks t
		WHERE t.state = 'done' AND t.cadence = NEW.cadence AND t.step_id = NEW.step_id AND t.channel = NEW.channel AND t.template = NEW.template
			AND COALESCE(t.assignee_id, 0) = NEW.assignee_id AND t.done_at - t.done_at % 86400000 = NEW.day
		HAVING true
		ON CONFLICT (cadence, step_id, channel, template, assignee_id, day)
			DO UPDATE SET touches = excluded.touches, answered = excluded.answered;
	ELSE
		INSERT INTO reply_days (cadence, step_id, channel, template, assignee_id, day, touches, answered)
		SELECT OLD.cadence, OLD.step_id, OLD.channel, OLD.template, OLD.assignee_id, OLD.day, COUNT(*),
			COALESCE(SUM(CASE WHEN t.outcome IN ('connected', 'replied', 'meeting-held', 'declined', 'asked-to-stop') OR EXISTS (SELECT 1 FROM task_answers x WHERE x.task_id = t.id) THEN 1 ELSE 0 END), 0)
		FROM tasks t
		WHERE t.state = 'done' AND t.cadence = OLD.cadence AND t.step_id = OLD.step_id AND t.channel = OLD.channel AND t.template = OLD.template
			AND COALESCE(t.assignee_id, 0) = OLD.assignee_id AND t.done_at - t.done_at % 86400000 = OLD.day
		HAVING true
		ON CONFLICT (cadence, step_id, channel, template, assignee_id, day)
			DO UPDATE SET touches = excluded.touches, answered = excluded.answered;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER task_answers_count AFTER INSERT OR DELETE ON task_answers FOR EACH ROW EXECUTE FUNCTION task_answers_count();

CREATE FUNCTION tasks_replies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.state = 'done' AND OLD.done_at IS NOT NULL THEN
		DELETE FROM task_answers WHERE task_id = OLD.id;
		INSERT INTO reply_days (cadence, step_id, channel, template, assignee_id, day, touches, answered)
		SELECT OLD.cadence, OLD.step_id, OLD.channel, OLD.template, COALESCE(OLD.assignee_id, 0), OLD.done_at - OLD.done_at % 86400000, COUNT(*),
			COALESCE(SUM(CASE WHEN t.outcome IN ('connected', 'replied', 'meeting-held', 'declined', 'asked-to-stop') OR EXISTS (SELECT 1 FROM task_answers x WHERE x.task_id = t.id) THEN 1 ELSE 0 END), 0)
		FROM tasks t
		WHERE t.state = 'done' AND t.cadence = OLD.cadence AND t.step_id = OLD.step_id AND t.channel = OLD.channel AND t.template = OLD.template
			AND COALESCE(t.assignee_id, 0) = COALESCE(OLD.assignee_id, 0) AND t.done_at - t.done_at % 86400000 = OLD.done_at - OLD.done_at % 86400000
		HAVING true
		ON CONFLICT (cadence, step_id, channel, template, assignee_id, day)
			DO UPDATE SET touches = excluded.touches, answered = excluded.answered;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.state = 'done' AND NEW.done_at IS NOT NULL THEN
		DELETE FROM task_answers WHERE person_id = NEW.person_id AND done_at < NEW.done_at AND answered_at >= NEW.done_at;
		INSERT INTO task_answers (task_id, person_id, done_at, answered_at, cadence, step_id, channel, template, assignee_id, day)
		SELECT NEW.id, NEW.person_id, NEW.done_at, MIN(r.at), NEW.cadence, NEW.step_id, NEW.channel, NEW.template,
			COALESCE(NEW.assignee_id, 0), NEW.done_at - NEW.done_at % 86400000
		FROM interactions r
		WHERE r.person_id = NEW.person_id AND r.direction = 'inbound' AND r.at >= NEW.done_at
			AND NEW.outcome NOT IN ('connected', 'replied', 'meeting-held', 'declined', 'asked-to-stop')
			AND NOT EXISTS (SELECT 1 FROM interactions o WHERE o.person_id = NEW.person_id AND o.direction = 'outbound'
				AND o.at > NEW.done_at AND o.at <= r.at)
			AND NOT EXISTS (SELECT 1 FROM tasks n WHERE n.person_id = NEW.person_id AND n.state = 'done'
				AND n.done_at > NEW.done_at AND n.done_at <= r.at)
		HAVING MIN(r.at) IS NOT NULL
		ON CONFLICT (task_id) DO UPDATE SET answered_at = excluded.answered_at;
		INSERT INTO reply_days (cadence, step_id, channel, template, assignee_id, day, touches, answered)
		SELECT NEW.cadence, NEW.step_id, NEW.channel, NEW.template, COALESCE(NEW.assignee_id, 0), NEW.done_at - NEW.done_at % 86400000, COUNT(*),
			COALESCE(SUM(CASE WHEN t.outcome IN ('connected', 'replied', 'meeting-held', 'declined', 'asked-to-stop') OR EXISTS (SELECT 1 FROM task_answers x WHERE x.task_id = t.id) THEN 1 ELSE 0 END), 0)
		FROM tasks t
		WHERE t.state = 'done' AND t.cadence = NEW.cadence AND t.step_id = NEW.step_id AND t.channel = NEW.channel AND t.template = NEW.template
			AND COALESCE(t.assignee_id, 0) = COALESCE(NEW.assignee_id, 0) AND t.done_at - t.done_at % 86400000 = NEW.done_at - NEW.done_at % 86400000
		HAVING true
		ON CONFLICT (cadence, step_id, channel, template, assignee_id, day)
			DO UPDATE SET touches = excluded.touches, answered = excluded.answered;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER tasks_replies_insert AFTER INSERT ON tasks FOR EACH ROW
	WHEN (NEW.state = 'done' AND NEW.done_at IS NOT NULL) EXECUTE FUNCTION tasks_replies();
CREATE TRIGGER tasks_replies_update AFTER UPDATE ON tasks FOR EACH ROW
	WHEN ((OLD.state = 'done' AND OLD.done_at IS NOT NULL) OR (NEW.state = 'done' AND NEW.done_at IS NOT NULL))
	EXECUTE FUNCTION tasks_replies();
CREATE TRIGGER tasks_replies_delete AFTER DELETE ON tasks FOR EACH ROW
	WHEN (OLD.state = 'done' AND OLD.done_at IS NOT NULL) EXECUTE FUNCTION tasks_replies();

-- Fill from the rows already stored (the statements of DB.RebuildReports).
INSERT INTO won_deals (deal_id, person_id, owner_id, closed_at, touch)
SELECT d.id, d.person_id, p.owner_id, d.closed_at,
	(SELECT COUNT(*) FROM interactions o WHERE o.person_id = d.person_id AND o.direction = 'outbound' AND o.at <= d.closed_at)
FROM deals d JOIN people p ON p.id = d.person_id
WHERE d.stage = 'won' AND d.closed_at IS NOT NULL;

INSERT INTO person_touches (person_id, owner_id, touches, first_touch_at, last_touch_at, contact_at, contact_attempt,
	said_no_at, dnc, customer, won)
SELECT s.person_id, p.owner_id, s.touches, s.first_touch_at, s.last_touch_at, s.contact_at,
	CASE WHEN s.contact_at IS NULL THEN 0 ELSE (SELECT CASE WHEN COUNT(*) > 0 THEN COUNT(*) ELSE 1 END FROM interactions o
		WHERE o.person_id = s.person_id AND o.direction = 'outbound' AND o.at <= s.contact_at) END,
	s.said_no_at, p.do_not_contact, p.status = 'customer', EXISTS (SELECT 1 FROM won_deals w WHERE w.person_id = s.person_id)
FROM (SELECT i.person_id,
		SUM(CASE WHEN i.direction = 'outbound' THEN 1 ELSE 0 END) AS touches,
		MIN(CASE WHEN i.direction = 'outbound' THEN i.at END) AS first_touch_at,
		MAX(CASE WHEN i.direction = 'outbound' THEN i.at END) AS last_touch_at,
		MIN(CASE WHEN i.direction = 'inbound' OR i.outcome IN ('connected', 'replied', 'meeting-held', 'declined', 'asked-to-stop') THEN i.at END) AS contact_at,
		MIN(CASE WHEN i.outcome IN ('declined', 'asked-to-stop') THEN i.at END) AS said_no_at
	FROM interactions i GROUP BY i.person_id) s
JOIN people p ON p.id = s.person_id
WHERE true
ON CONFLICT (person_id) DO UPDATE SET owner_id = excluded.owner_id, touches = excluded.touches,
	first_touch_at = excluded.first_touch_at, last_touch_at = excluded.last_touch_at, contact_at = excluded.contact_at,
	contact_attempt = excluded.contact_attempt, said_no_at = excluded.said_no_at, dnc = excluded.dnc,
	customer = excluded.customer, won = excluded.won;

INSERT INTO reply_days (cadence, step_id, channel, template, assignee_id, day, touches, answered)
SELECT t.cadence, t.step_id, t.channel, t.template, COALESCE(t.assignee_id, 0), t.done_at - t.done_at % 86400000, COUNT(*),
	SUM(CASE WHEN t.outcome IN ('connected', 'replied', 'meeting-held', 'declined', 'asked-to-stop') THEN 1 ELSE 0 END)
FROM tasks t WHERE t.state = 'done' AND t.done_at IS NOT NULL
GROUP BY t.cadence, t.step_id, t.channel, t.template, COALESCE(t.assignee_id, 0), t.done_at - t.done_at % 86400000;

INSERT INTO task_answers (task_id, person_id, done_at, answered_at, cadence, step_id, channel, template, assignee_id, day)
SELECT a.id, a.person_id, a.done_at, a.answered_at, a.cadence, a.step_id, a.channel, a.template, a.assignee_id, a.day
FROM (SELECT t.id, t.person_id, t.done_at, t.cadence, t.step_id, t.channel, t.template,
		COALESCE(t.assignee_id, 0) AS assignee_id, t.done_at - t.done_at % 86400000 AS day,
		(SELECT MIN(r.at) FROM interactions r
			WHERE r.person_id = t.person_id AND r.direction = 'inbound' AND r.at >= t.done_at
			AND NOT EXISTS (SELECT 1 FROM interactions o WHERE o.person_id = t.person_id AND o.direction = 'outbound'
				AND o.at > t.done_at AND o.at <= r.at)
			AND NOT EXISTS (SELECT 1 FROM tasks n WHERE n.person_id = t.person_id AND n.state = 'done'
				AND n.done_at > t.done_at AND n.done_at <= r.at)) AS answered_at
	FROM tasks t WHERE t.state = 'done' AND t.done_at IS NOT NULL
		AND t.outcome NOT IN ('connected', 'replied', 'meeting-held', 'declined', 'asked-to-stop')) a
WHERE a.answered_at IS NOT NULL;
