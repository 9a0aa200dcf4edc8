-- Indexes in the order the whole-book reports group by (issue 6: every
-- report over 1,000,000 people within 2 s). SQLite has no hash aggregate: a
-- GROUP BY that no index delivers in order sorts every row it reads, and
-- for an admin's H3 over the whole history that was a million rows and
-- most of two seconds. Read in this order, each group streams out as the
-- index passes (store/report.go names them with INDEXED BY for everybody's
-- figures; one rep's or team's read their owner's range instead).
--
-- H3 by the attempt that first reached the person and their touches.
CREATE INDEX person_touches_reach ON person_touches (contact_attempt, touches, first_touch_at, owner_id);
-- H1 by owner and touches, over the people who can be dropped (the
-- condition of person_touches_dropped, written the same way).
CREATE INDEX person_touches_drops ON person_touches (owner_id, touches, last_touch_at)
	WHERE said_no_at IS NULL AND NOT dnc AND NOT customer AND NOT won;
