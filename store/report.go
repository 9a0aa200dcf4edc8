package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/report"
)

// The insight reports (issue 6) count what package report defines (see
// report/doc.go). A report over a million people must not group ten million
// interactions, so each reads a summary kept as the rows it summarises
// change (migration 0008 describes the tables):
//
//   - person_touches, one row per person (H1, H3): this file recomputes a
//     person's row in the transaction of every interaction the store writes
//     (reportInteraction) and a bulk batch's rows (refreshTouches); triggers
//     carry the person's owner, status and do-not-contact and their won
//     deals into it;
//   - won_deals, one row per won deal with the touch it came on (H2): a
//     trigger writes it when a deal is won, reportInteraction counts a touch
//     logged later with an earlier date;
//   - task_answers and reply_days (reply rates), below.
//
// RebuildReports recomputes them all from scratch.

// reachedOutcomes are the outcomes that reached the person
// (nudge.Outcome.Reached), as an SQL list.
var reachedOutcomes = sqlList(nudge.OutcomeConnected, nudge.OutcomeReplied, nudge.OutcomeMeetingHeld,
	nudge.OutcomeDeclined, nudge.OutcomeAskedToStop)

func sqlList(os ...nudge.Outcome) string {
	q := make([]string, len(os))
	for i, o := range os {
		q[i] = "'" + string(o) + "'"
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// touchesSQL recomputes the summary rows of the people whose interactions
// match cond (a condition on interactions i). Migration 0008 runs the same
// statement over everybody (TestReportSummaryRebuild holds them equal).
func touchesSQL(cond string) string {
	return `INSERT INTO person_touches (person_id, owner_id, touches, first_touch_at, last_touch_at, contact_at, contact_attempt,
	said_no_at, dnc, customer, won)
SELECT s.person_id, p.owner_id, s.touches, s.first_touch_at, s.last_touch_at, s.contact_at,
	CASE WHEN s.contact_at IS NULL THEN 0 ELSE (SELECT CASE WHEN COUNT(*) > 0 THEN COUNT(*) ELSE 1 END FROM interactions o
		WHERE o.person_id = s.person_id AND o.direction = 'outbound' AND o.at <= s.contact_at) END,
	s.said_no_at, p.do_not_contact, p.status = 'customer', EXISTS (SELECT 1 FROM won_deals w WHERE w.person_id = s.person_id)
FROM (SELECT i.person_id,
		SUM(CASE WHEN i.direction = 'outbound' THEN 1 ELSE 0 END) AS touches,
		MIN(CASE WHEN i.direction = 'outbound' THEN i.at END) AS first_touch_at,
		MAX(CASE WHEN i.direction = 'outbound' THEN i.at END) AS last_touch_at,
		MIN(CASE WHEN i.direction = 'inbound' OR i.outcome IN ` + reachedOutcomes + ` THEN i.at END) AS contact_at,
		MIN(CASE WHEN i.outcome IN ('declined', 'asked-to-stop') THEN i.at END) AS said_no_at
	FROM interactions i` + cond + ` GROUP BY i.person_id) s
JOIN people p ON p.id = s.person_id
WHERE true
ON CONFLICT (person_id) DO UPDATE SET owner_id = excluded.owner_id, touches = excluded.touches,
	first_touch_at = excluded.first_touch_at, last_touch_at = excluded.last_touch_at, contact_at = excluded.contact_at,
	contact_attempt = excluded.contact_attempt, said_no_at = excluded.said_no_at, dnc = excluded.dnc,
	customer = excluded.customer, won = excluded.won`
}

// wonDealsFill writes every won deal with the touch it came on
// (RebuildReports; the deals trigger does one at a time).
const wonDealsFill = `INSERT INTO won_deals (deal_id, person_id, owner_id, closed_at, touch)
SELECT d.id, d.person_id, p.owner_id, d.closed_at,
	(SELECT COUNT(*) FROM interactions o WHERE o.person_id = d.person_id AND o.direction = 'outbound' AND o.at <= d.closed_at)
FROM deals d JOIN people p ON p.id = d.person_id
WHERE d.stage = 'won' AND d.closed_at IS NOT NULL`

// refreshTouchesOf recomputes the summaries of a batch of people in one
// statement (the bulk loader).
func (d dialect) refreshTouchesOf(ctx context.Context, q querier, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	ps := make([]string, len(ids))
	args := make([]any, len(ids))
	for k, id := range ids {
		ps[k], args[k] = d.param(k+1), id
	}
	if _, err := q.ExecContext(ctx, touchesSQL(` WHERE i.person_id IN (`+strings.Join(ps, ", ")+`)`), args...); err != nil {
		return fmt.Errorf("report summary of %d people: %w", len(ids), err)
	}
	return nil
}

// RebuildReports recomputes the reports' summaries from the rows they
// summarise (people, interactions, deals, tasks) in one transaction, and
// returns how many people have touches. The store keeps the summaries up to
// date by itself; this is for a database written by other means (a restore
// of some of its tables, a hand edit): `nudge report rebuild`. Migration
// 0008 runs the same statements (TestReportSummaryRebuild holds them equal).
func (db *DB) RebuildReports(ctx context.Context) (int, error) {
	var n int
	err := db.inTx(ctx, func(tx *wtx) error {
		// task_answers before reply_days: deleting an answer recomputes its day.
		for _, q := range []string{`DELETE FROM person_touches`, `DELETE FROM won_deals`, `DELETE FROM task_answers`,
			`DELETE FROM reply_days`, wonDealsFill} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, touchesSQL(""))
		if err != nil {
			return err
		}
		k, err := res.RowsAffected()
		if err != nil {
			return err
		}
		n = int(k)
		// The answers after the days (their trigger recomputes their day).
		for _, q := range []string{replyDaysFill, taskAnswersFill} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("rebuild report summaries: %w", err)
	}
	return n, nil
}

// ownersWhere starts the conditions of a report query: the owners of the
// filter, on column col.
func ownersWhere(col string, owners []int64) *where {
	w := &where{}
	if owners == nil {
		return w
	}
	if len(owners) == 0 {
		w.add("0 = 1")
		return w
	}
	ps := make([]string, len(owners))
	for i, id := range owners {
		ps[i] = w.arg(id)
	}
	w.add(col + " IN (" + strings.Join(ps, ", ") + ")")
	return w
}

func period(f report.Filter) report.Period { return report.Period{From: f.From, To: f.To} }

// droppable is who can be dropped (H1): no no, not a customer, no win. The
// partial indexes person_touches_dropped and person_touches_owner_dropped
// have the same condition, written the same way.
const droppable = `s.said_no_at IS NULL AND NOT s.dnc AND NOT s.customer AND NOT s.won`

// Persistence is the H1 report: people dropped in the period (see
// report/doc.go), by owner and by touches, and for one owner the list of
// those left on the table (B3). EINVALID for a bad period.
func (db *DB) Persistence(ctx context.Context, f report.Filter) (report.Persistence, error) {
	if err := f.Validate(); err != nil {
		return report.Persistence{}, err
	}
	// Dropped at last touch + Quiet: in [From, To), and by Now.
	quiet := report.Quiet.Milliseconds()
	w := ownersWhere("s.owner_id", f.Owners)
	w.add("s.last_touch_at >= " + w.arg(ms(f.From)-quiet))
	w.add("s.last_touch_at < " + w.arg(min(ms(f.To), ms(f.Now)+1)-quiet))
	w.add(droppable)
	// Grouped by the raw touches, in the order of person_touches_drops for
	// everybody's figures (migration 0013); the outer query caps them.
	from := ` FROM person_touches s`
	if f.Owners == nil {
		from += db.d.indexedBy("person_touches_drops")
	}
	rows, err := db.r.QueryContext(ctx, `SELECT o, CASE WHEN t >= 6 THEN 6 ELSE t END, CAST(SUM(n) AS BIGINT), CAST(SUM(k) AS BIGINT)
		FROM (SELECT COALESCE(s.owner_id, 0) AS o, s.touches AS t, COUNT(*) AS n, SUM(s.touches) AS k`+from+w.String()+`
			GROUP BY s.owner_id, s.touches) g
		GROUP BY 1, 2`, w.args...)
	if err != nil {
		return report.Persistence{}, fmt.Errorf("persistence report: %w", err)
	}
	var counts []report.DropCount
	err = collect(rows, func(s scanner) (*report.DropCount, error) {
		var c report.DropCount
		return &c, s.Scan(&c.Owner, &c.Touches, &c.People, &c.Sum)
	}, &counts)
	if err != nil {
		return report.Persistence{}, fmt.Errorf("persistence report: %w", err)
	}
	var left []report.Dropped
	if len(f.Owners) == 1 {
		w.add("s.touches < " + w.arg(report.SixTouches))
		rows, err := db.r.QueryContext(ctx, `SELECT p.id, p.name, p.email, COALESCE(s.owner_id, 0), s.touches, s.last_touch_at
			FROM person_touches s JOIN people p ON p.id = s.person_id`+w.String()+
			` ORDER BY s.last_touch_at DESC, p.id`+db.d.limit(report.ListLimit, 0), w.args...)
		if err != nil {
			return report.Persistence{}, fmt.Errorf("persistence report: left on the table: %w", err)
		}
		left = []report.Dropped{}
		err = collect(rows, func(s scanner) (*report.Dropped, error) {
			var d report.Dropped
			var email string
			var last int64
			if err := s.Scan(&d.PersonID, &d.Name, &email, &d.Owner, &d.Touches, &last); err != nil {
				return nil, err
			}
			if d.Name == "" {
				d.Name = email
			}
			d.LastTouch = fromMS(last)
			d.DroppedAt = d.LastTouch.Add(report.Quiet)
			return &d, nil
		}, &left)
		if err != nil {
			return report.Persistence{}, fmt.Errorf("persistence report: left on the table: %w", err)
		}
	}
	reps, err := db.reportReps(ctx)
	if err != nil {
		return report.Persistence{}, err
	}
	return report.NewPersistence(period(f), counts, reps, len(f.Owners) != 1, left), nil
}

// reportReps names every user, for the per-rep lines.
func (db *DB) reportReps(ctx context.Context) (map[int64]report.Rep, error) {
	users, err := db.FindUsers(ctx)
	if err != nil {
		return nil, err
	}
	reps := make(map[int64]report.Rep, len(users))
	for _, u := range users {
		name := u.Name
		if name == "" {
			name = u.Email
		}
		reps[u.ID] = report.Rep{ID: u.ID, Name: name, Email: u.Email}
	}
	return reps, nil
}

// WinsByTouch is the H2 report: the deals won in the period by the number
// of touches their person had when they closed. EINVALID for a bad period.
func (db *DB) WinsByTouch(ctx context.Context, f report.Filter) (report.Wins, error) {
	if err := f.Validate(); err != nil {
		return report.Wins{}, err
	}
	w := ownersWhere("d.owner_id", f.Owners)
	w.add("d.closed_at >= " + w.arg(ms(f.From)))
	w.add("d.closed_at < " + w.arg(ms(f.To)))
	rows, err := db.r.QueryContext(ctx, `SELECT CASE WHEN d.touch >= 7 THEN 7 ELSE d.touch END, COUNT(*)
		FROM won_deals d`+w.String()+` GROUP BY 1`, w.args...)
	if err != nil {
		return report.Wins{}, fmt.Errorf("wins report: %w", err)
	}
	var counts []report.WinCount
	err = collect(rows, func(s scanner) (*report.WinCount, error) {
		var c report.WinCount
		return &c, s.Scan(&c.Touch, &c.Wins)
	}, &counts)
	if err != nil {
		return report.Wins{}, fmt.Errorf("wins report: %w", err)
	}
	return report.NewWins(period(f), counts), nil
}

// ContactByAttempt is the H3 report: the people first touched in the
// period, by the attempt that first reached them and their touches so far.
// EINVALID for a bad period.
func (db *DB) ContactByAttempt(ctx context.Context, f report.Filter) (report.Contact, error) {
	if err := f.Validate(); err != nil {
		return report.Contact{}, err
	}
	w := ownersWhere("s.owner_id", f.Owners)
	w.add("s.first_touch_at >= " + w.arg(ms(f.From)))
	w.add("s.first_touch_at < " + w.arg(ms(f.To)))
	// Grouped by the raw values (report.NewContact caps them), in the order
	// of person_touches_reach for everybody's figures (migration 0013).
	from := ` FROM person_touches s`
	if f.Owners == nil {
		from += db.d.indexedBy("person_touches_reach")
	}
	rows, err := db.r.QueryContext(ctx, `SELECT s.contact_attempt, s.touches, COUNT(*)`+from+w.String()+`
		GROUP BY s.contact_attempt, s.touches`, w.args...)
	if err != nil {
		return report.Contact{}, fmt.Errorf("contact report: %w", err)
	}
	var counts []report.ReachCount
	err = collect(rows, func(s scanner) (*report.ReachCount, error) {
		var c report.ReachCount
		return &c, s.Scan(&c.Attempt, &c.Touches, &c.People)
	}, &counts)
	if err != nil {
		return report.Contact{}, fmt.Errorf("contact report: %w", err)
	}
	return report.NewContact(period(f), counts), nil
}

// Reply rates (see report/doc.go). A done task is answered when its own
// outcome reached the person, or when an inbound interaction came at or
// after it and before the person's next touch; task_answers holds the
// second kind, reply_days the sums per cadence step, channel, template, rep
// and UTC day. Triggers (migration 0008) keep both when a task is done or
// deleted, whatever came first; reportInteraction keeps them when an
// interaction arrives. A report reads reply_days for the whole days of its
// period and the tasks themselves for the hours at either end, so its
// instants are exact and a period of 90 days reads 90 rows per variant and
// rep instead of every task.

const dayMS = 24 * 60 * 60 * 1000

// replyDaysFill sums every done task into reply_days (RebuildReports).
var replyDaysFill = `INSERT INTO reply_days (cadence, step_id, channel, template, assignee_id, day, touches, answered)
SELECT t.cadence, t.step_id, t.channel, t.template, COALESCE(t.assignee_id, 0), t.done_at - t.done_at % 86400000, COUNT(*),
	SUM(CASE WHEN t.outcome IN ` + reachedOutcomes + ` THEN 1 ELSE 0 END)
FROM tasks t WHERE t.state = 'done' AND t.done_at IS NOT NULL
GROUP BY t.cadence, t.step_id, t.channel, t.template, COALESCE(t.assignee_id, 0), t.done_at - t.done_at % 86400000`

// taskAnswersFill finds, for every done task its own outcome did not
// answer, the first inbound interaction at or after it and before the next
// touch (RebuildReports); the insert trigger recomputes its reply_days row.
var taskAnswersFill = `INSERT INTO task_answers (task_id, person_id, done_at, answered_at, cadence, step_id, channel, template, assignee_id, day)
SELECT a.id, a.person_id, a.done_at, a.answered_at, a.cadence, a.step_id, a.channel, a.template, a.assignee_id, a.day
FROM (SELECT t.id, t.person_id, t.done_at, t.cadence, t.step_id, t.channel, t.template,
		COALESCE(t.assignee_id, 0) AS assignee_id, t.done_at - t.done_at % 86400000 AS day,
		(SELECT MIN(r.at) FROM interactions r
			WHERE r.person_id = t.person_id AND r.direction = 'inbound' AND r.at >= t.done_at
			AND NOT EXISTS (SELECT 1 FROM interactions o WHERE o.person_id = t.person_id AND o.direction = 'outbound'
				AND o.at > t.done_at AND o.at <= r.at)
			AND NOT EXISTS (SELECT 1 FROM tasks n WHERE n.person_id = t.person_id AND n.state = 'done'
				AND n.done_at > t.done_at AND n.done_at <= r.at)) AS answered_at
	FROM tasks t WHERE t.state = 'done' AND t.done_at IS NOT NULL AND t.outcome NOT IN ` + reachedOutcomes + `) a
WHERE a.answered_at IS NOT NULL`

// reportInteraction keeps the reports' summaries in the transaction that
// stores interaction i: the person's touch summary; for a touch, the won
// deals it came before (a touch logged with an earlier date) and the
// answers it takes away (an answer after it no longer answers an earlier
// task); for an inbound interaction, the task it answers — the person's
// latest done task, unless its own outcome did or a touch came between them
// (the earliest answer is kept).
func reportInteraction(ctx context.Context, tx *wtx, i *nudge.Interaction) error {
	if _, err := tx.ExecContext(ctx, touchesSQL(` WHERE i.person_id = $1`), i.PersonID); err != nil {
		return fmt.Errorf("report summary of person %d: %w", i.PersonID, err)
	}
	var err error
	if i.Direction == nudge.Inbound {
		_, err = tx.ExecContext(ctx, `INSERT INTO task_answers (task_id, person_id, done_at, answered_at, cadence, step_id,
				channel, template, assignee_id, day)
			SELECT t.id, t.person_id, t.done_at, $2, t.cadence, t.step_id, t.channel, t.template,
				COALESCE(t.assignee_id, 0), t.done_at - t.done_at % 86400000
			FROM tasks t
			WHERE t.id = (SELECT n.id FROM tasks n WHERE n.person_id = $1 AND n.state = 'done' AND n.done_at <= $2
					ORDER BY n.done_at DESC, n.id DESC LIMIT 1)
				AND t.outcome NOT IN `+reachedOutcomes+`
				AND NOT EXISTS (SELECT 1 FROM interactions o WHERE o.person_id = $1 AND o.direction = 'outbound'
					AND o.at > t.done_at AND o.at <= $2)
			ON CONFLICT (task_id) DO UPDATE SET answered_at = excluded.answered_at
				WHERE excluded.answered_at < task_answers.answered_at`, i.PersonID, ms(i.At))
	} else {
		_, err = tx.ExecContext(ctx, `DELETE FROM task_answers WHERE person_id = $1 AND done_at < $2 AND answered_at >= $2`,
			i.PersonID, ms(i.At))
		if err == nil {
			_, err = tx.ExecContext(ctx, `UPDATE won_deals SET touch = touch + 1 WHERE person_id = $1 AND closed_at >= $2`,
				i.PersonID, ms(i.At))
		}
	}
	if err != nil {
		return fmt.Errorf("report summaries of person %d: %w", i.PersonID, err)
	}
	return nil
}

// ReplyRates counts the tasks done in the period by the reps of the filter
// (the task's assignee: who made the touch) and those answered, by cadence
// step, channel and template. EINVALID for a bad period.
func (db *DB) ReplyRates(ctx context.Context, f report.Filter) (report.Replies, error) {
	if err := f.Validate(); err != nil {
		return report.Replies{}, err
	}
	from, to := ms(f.From), ms(f.To)
	first, last := (from+dayMS-1)/dayMS*dayMS, to/dayMS*dayMS // the whole days inside [from, to)
	var counts []report.ReplyCount
	var err error
	if first < last {
		if counts, err = db.replyDays(ctx, f.Owners, first, last); err == nil {
			counts, err = db.replyTasks(ctx, f.Owners, from, first, counts)
		}
		if err == nil {
			counts, err = db.replyTasks(ctx, f.Owners, last, to, counts)
		}
	} else {
		counts, err = db.replyTasks(ctx, f.Owners, from, to, nil)
	}
	if err != nil {
		return report.Replies{}, fmt.Errorf("reply rates: %w", err)
	}
	return report.NewReplies(period(f), counts), nil
}

// replyDays sums reply_days over the whole days [first, last).
func (db *DB) replyDays(ctx context.Context, owners []int64, first, last int64) ([]report.ReplyCount, error) {
	w := ownersWhere("d.assignee_id", owners)
	w.add("d.day >= " + w.arg(first))
	w.add("d.day < " + w.arg(last))
	rows, err := db.r.QueryContext(ctx, `SELECT d.cadence, d.step_id, d.channel, d.template,
		CAST(SUM(d.touches) AS BIGINT), CAST(SUM(d.answered) AS BIGINT)
		FROM reply_days d`+w.String()+` GROUP BY d.cadence, d.step_id, d.channel, d.template HAVING SUM(d.touches) > 0`, w.args...)
	if err != nil {
		return nil, err
	}
	var out []report.ReplyCount
	err = collect(rows, scanReplyCount, &out)
	return out, err
}

// replyTasks counts the tasks done in [from, to), a part of a day, and
// appends them to counts.
func (db *DB) replyTasks(ctx context.Context, owners []int64, from, to int64, counts []report.ReplyCount) ([]report.ReplyCount, error) {
	if from >= to {
		return counts, nil
	}
	w := ownersWhere("t.assignee_id", owners)
	w.add("t.state = 'done'")
	w.add("t.done_at >= " + w.arg(from))
	w.add("t.done_at < " + w.arg(to))
	rows, err := db.r.QueryContext(ctx, `SELECT t.cadence, t.step_id, t.channel, t.template, COUNT(*),
		SUM(CASE WHEN t.outcome IN `+reachedOutcomes+` OR EXISTS (SELECT 1 FROM task_answers a WHERE a.task_id = t.id)
			THEN 1 ELSE 0 END)
		FROM tasks t`+w.String()+` GROUP BY t.cadence, t.step_id, t.channel, t.template`, w.args...)
	if err != nil {
		return nil, err
	}
	err = collect(rows, scanReplyCount, &counts)
	return counts, err
}

func scanReplyCount(s scanner) (*report.ReplyCount, error) {
	var c report.ReplyCount
	return &c, s.Scan(&c.Cadence, &c.Step, &c.Channel, &c.Template, &c.Touches, &c.Replied)
}

// refreshTouches recomputes the report summary of the people of a bulk
// batch who have interactions, in the batch's transaction.
func (b *bulkTx) refreshTouches(batch []*BulkPerson) error {
	ids := make([]int64, 0, len(batch))
	for _, bp := range batch {
		if len(bp.Interactions) > 0 {
			ids = append(ids, bp.Person.ID)
		}
	}
	return b.db.d.refreshTouchesOf(b.ctx, b.tx, ids)
}

// TeamOwners returns the users whose people make a team's figures: its
// members and its manager (as a manager's scope does in the web app).
// ENOTFOUND if there is no such team.
func (db *DB) TeamOwners(ctx context.Context, teamID int64) ([]int64, error) {
	var manager sql.NullInt64
	err := db.r.QueryRowContext(ctx, `SELECT manager_id FROM teams WHERE id = $1`, teamID).Scan(&manager)
	if err != nil {
		return nil, notFound(err, "no team with id %d", teamID)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM users WHERE team_id = $1 OR id = $2 ORDER BY id`, teamID, manager.Int64)
	if err != nil {
		return nil, fmt.Errorf("team %d: %w", teamID, err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
