package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nudgecrm/nudge"
)

// Enrollments, tasks and appointments: the engine's state (issue 3).

const enrollmentColumns = `e.id, e.person_id, COALESCE(e.user_id, 0), e.cadence, e.state, e.step_id, e.started_at,
	e.anchor_at, e.last_touch_at, e.snoozed_until, e.exit_reason, e.next, e.attempts, e.since_progress,
	COALESCE(e.appointment_id, 0), e.rule, e.created_at, e.updated_at`

func scanEnrollment(s scanner) (*nudge.Enrollment, error) {
	var e nudge.Enrollment
	var started, anchor, created, updated int64
	var lastTouch, snoozed sql.NullInt64
	err := s.Scan(&e.ID, &e.PersonID, &e.UserID, &e.Cadence, &e.State, &e.StepID, &started,
		&anchor, &lastTouch, &snoozed, &e.ExitReason, &e.Next, &e.Attempts, &e.SinceProgress,
		&e.AppointmentID, &e.Rule, &created, &updated)
	if err != nil {
		return nil, err
	}
	e.StartedAt, e.AnchorAt, e.CreatedAt, e.UpdatedAt = fromMS(started), fromMS(anchor), fromMS(created), fromMS(updated)
	if lastTouch.Valid {
		e.LastTouchAt = fromMS(lastTouch.Int64)
	}
	e.SnoozedUntil = fromMSPtr(snoozed)
	return &e, nil
}

// SaveEnrollment inserts an enrollment (ID 0) or updates it.
func (t *Tx) SaveEnrollment(e *nudge.Enrollment) error {
	if err := e.Validate(); err != nil {
		return err
	}
	var lastTouch any
	if !e.LastTouchAt.IsZero() {
		lastTouch = ms(e.LastTouchAt)
	}
	e.UpdatedAt = t.now
	args := []any{e.PersonID, ref(e.UserID), e.Cadence, string(e.State), e.StepID, ms(e.StartedAt), ms(e.AnchorAt),
		lastTouch, msPtr(e.SnoozedUntil), e.ExitReason, e.Next, e.Attempts, e.SinceProgress, ref(e.AppointmentID),
		e.Rule, ms(t.now)}
	if e.ID == 0 {
		e.CreatedAt = t.now
		err := t.tx.QueryRowContext(t.ctx, `INSERT INTO enrollments (person_id, user_id, cadence, state, step_id,
			started_at, anchor_at, last_touch_at, snoozed_until, exit_reason, next, attempts, since_progress,
			appointment_id, rule, updated_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) RETURNING id`, args...).Scan(&e.ID)
		if err != nil {
			return fmt.Errorf("store enrollment: %w", err)
		}
		return nil
	}
	res, err := t.tx.ExecContext(t.ctx, `UPDATE enrollments SET person_id = $1, user_id = $2, cadence = $3, state = $4,
		step_id = $5, started_at = $6, anchor_at = $7, last_touch_at = $8, snoozed_until = $9, exit_reason = $10,
		next = $11, attempts = $12, since_progress = $13, appointment_id = $14, rule = $15, updated_at = $16
		WHERE id = $17`, append(args, e.ID)...)
	if err != nil {
		return fmt.Errorf("update enrollment %d: %w", e.ID, err)
	}
	return checkAffected(res, "no enrollment with id %d", e.ID)
}

const taskColumns = `t.id, t.person_id, COALESCE(t.enrollment_id, 0), t.cadence, t.step_id, COALESCE(t.assignee_id, 0),
	t.channel, t.due, t.rule, t.reason, t.guard, t.script, t.template, t.voicemail, t.same_day, t.exact, t.attempt,
	t.state, t.outcome, t.done_at, t.created_at`

func scanTask(s scanner) (*nudge.Task, error) {
	var t nudge.Task
	var sc taskScan
	if err := s.Scan(sc.dest(&t)...); err != nil {
		return nil, err
	}
	sc.finish(&t)
	return &t, nil
}

// taskScan holds the destinations of taskColumns that need converting, so
// a loop over many rows (the agenda) can build its destination list once
// and scan every row into the same place without allocating.
type taskScan struct {
	due, created int64
	done         sql.NullInt64
}

// dest lists the destinations of taskColumns for t, with extra ones after.
func (sc *taskScan) dest(t *nudge.Task, extra ...any) []any {
	return append([]any{&t.ID, &t.PersonID, &t.EnrollmentID, &t.Cadence, &t.StepID, &t.AssigneeID,
		&t.Channel, &sc.due, &t.Rule, &t.Reason, &t.Guard, &t.Script, &t.Template, &t.Voicemail, &t.SameDay, &t.Exact,
		&t.Attempt, &t.State, &t.Outcome, &sc.done, &sc.created}, extra...)
}

// finish converts the scanned instants into t.
func (sc *taskScan) finish(t *nudge.Task) {
	t.Due, t.CreatedAt, t.DoneAt = fromMS(sc.due), fromMS(sc.created), fromMSPtr(sc.done)
}

// SaveTask inserts a task (ID 0) or updates it. An enrollment has at most
// one open task: inserting a second one is ECONFLICT.
func (t *Tx) SaveTask(k *nudge.Task, note string) error {
	if k.State == "" {
		k.State = nudge.TaskOpen
	}
	k.Due = truncMS(k.Due)
	args := []any{k.PersonID, ref(k.EnrollmentID), k.Cadence, k.StepID, ref(k.AssigneeID), string(k.Channel), ms(k.Due),
		k.Rule, k.Reason, k.Guard, k.Script, k.Template, k.Voicemail, k.SameDay, k.Exact, k.Attempt,
		string(k.State), string(k.Outcome), msPtr(k.DoneAt), note}
	if k.ID == 0 {
		k.CreatedAt = t.now
		err := t.tx.QueryRowContext(t.ctx, `INSERT INTO tasks (person_id, enrollment_id, cadence, step_id, assignee_id,
			channel, due, rule, reason, guard, script, template, voicemail, same_day, exact, attempt, state, outcome,
			done_at, note, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
			RETURNING id`, append(args, ms(t.now))...).Scan(&k.ID)
		if err != nil {
			if isUniqueViolation(err) {
				return nudge.Errorf(nudge.ECONFLICT, "enrollment %d already has an open task", k.EnrollmentID)
			}
			return fmt.Errorf("store task: %w", err)
		}
		return nil
	}
	res, err := t.tx.ExecContext(t.ctx, `UPDATE tasks SET person_id = $1, enrollment_id = $2, cadence = $3, step_id = $4,
		assignee_id = $5, channel = $6, due = $7, rule = $8, reason = $9, guard = $10, script = $11, template = $12,
		voicemail = $13, same_day = $14, exact = $15, attempt = $16, state = $17, outcome = $18, done_at = $19, note = $20
		WHERE id = $21`, append(args, k.ID)...)
	if err != nil {
		return fmt.Errorf("update task %d: %w", k.ID, err)
	}
	return checkAffected(res, "no task with id %d", k.ID)
}

// DeleteTask removes an open task that re-planning replaced; it was never
// acted on, so nothing of the history is lost.
func (t *Tx) DeleteTask(id int64) error {
	_, err := t.tx.ExecContext(t.ctx, `DELETE FROM tasks WHERE id = $1 AND state = 'open'`, id)
	if err != nil {
		return fmt.Errorf("delete task %d: %w", id, err)
	}
	return nil
}

// TaskFilter selects tasks. Zero fields do not filter.
type TaskFilter struct {
	ID         *int64
	PersonID   *int64
	AssigneeID *int64 // 0 = tasks with no assignee (a single user's book)
	States     []nudge.TaskState
	DueBefore  *time.Time // due at or before
	// Agenda keeps what a rep should act on: no touch to people marked
	// do-not-contact (G1), whatever state a task is in, and no email the
	// outbox is already sending (it would go twice).
	Agenda bool
	Limit  int
}

// TaskRow is a task with what a listing shows beside it.
type TaskRow struct {
	nudge.Task
	Person   string // the person's name, or email when unnamed
	TimeZone string // the person's zone, for rendering Due
}

// FindTasks returns matching tasks in due order.
func (db *DB) FindTasks(ctx context.Context, f TaskFilter) ([]TaskRow, error) {
	var w where
	if f.ID != nil {
		w.add("t.id = " + w.arg(*f.ID))
	}
	if f.PersonID != nil {
		w.add("t.person_id = " + w.arg(*f.PersonID))
	}
	if f.AssigneeID != nil {
		if *f.AssigneeID == 0 {
			w.add("t.assignee_id IS NULL")
		} else {
			w.add("t.assignee_id = " + w.arg(*f.AssigneeID))
		}
	}
	if len(f.States) == 1 && f.States[0] == nudge.TaskOpen {
		// A literal, not a parameter: PostgreSQL's generic plan for a
		// cached statement could not use the partial agenda index otherwise
		// (327 ms against 2.5 ms at 100,000 people, measured).
		w.add("t.state = 'open'")
	} else if len(f.States) == 1 {
		w.add("t.state = " + w.arg(string(f.States[0])))
	} else if len(f.States) > 1 {
		cond := "t.state IN ("
		for i, s := range f.States {
			if i > 0 {
				cond += ", "
			}
			cond += w.arg(string(s))
		}
		w.add(cond + ")")
	}
	if f.DueBefore != nil {
		w.add("t.due <= " + w.arg(ms(*f.DueBefore)))
	}
	if f.Agenda {
		w.add("NOT p.do_not_contact")
		w.add(`NOT EXISTS (SELECT 1 FROM messages g WHERE g.task_id = t.id AND g.state NOT IN ('held', 'cancelled', 'failed'))`)
	}
	q := `SELECT ` + taskColumns + `, CASE WHEN p.name <> '' THEN p.name ELSE p.email END, p.time_zone
		FROM tasks t JOIN people p ON p.id = t.person_id` + w.String() + ` ORDER BY t.due, t.id` + db.d.limit(f.Limit, 0)
	rows, err := db.r.QueryContext(ctx, q, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find tasks: %w", err)
	}
	defer rows.Close()
	// One destination list for every row: the agenda API scans tens of
	// rows per request, and per-row allocations showed in its profile.
	out := make([]TaskRow, 0, 16)
	var r TaskRow
	var sc taskScan
	dest := sc.dest(&r.Task, &r.Person, &r.TimeZone)
	for rows.Next() {
		r = TaskRow{}
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		sc.finish(&r.Task)
		out = append(out, r)
	}
	return out, rows.Err()
}

// rowWithTail scans extra trailing columns after a scan function's own.
type rowWithTail struct {
	s    scanner
	tail []any
}

func (r rowWithTail) Scan(dest ...any) error { return r.s.Scan(append(dest, r.tail...)...) }

const appointmentColumns = `a.id, a.person_id, COALESCE(a.user_id, 0), a.at, a.minutes, a.kind, a.agenda, a.first,
	a.state, a.place, a.created_at`

func scanAppointment(s scanner) (*nudge.Appointment, error) {
	var a nudge.Appointment
	var at, created int64
	var agenda string
	if err := s.Scan(&a.ID, &a.PersonID, &a.UserID, &at, &a.Minutes, &a.Kind, &agenda, &a.First, &a.State, &a.Place, &created); err != nil {
		return nil, err
	}
	a.At, a.CreatedAt = fromMS(at), fromMS(created)
	if err := json.Unmarshal([]byte(agenda), &a.Agenda); err != nil {
		return nil, fmt.Errorf("appointment %d agenda: %w", a.ID, err)
	}
	return &a, nil
}

// SaveAppointment inserts an appointment (ID 0) or updates it.
func (t *Tx) SaveAppointment(a *nudge.Appointment) error {
	if err := a.Validate(); err != nil {
		return err
	}
	agenda := a.Agenda
	if agenda == nil {
		agenda = []string{}
	}
	js, err := json.Marshal(agenda)
	if err != nil {
		return err
	}
	args := []any{a.PersonID, ref(a.UserID), ms(a.At), a.Minutes, string(a.Kind), string(js), a.First, string(a.State), a.Place}
	if a.ID == 0 {
		a.CreatedAt = t.now
		err := t.tx.QueryRowContext(t.ctx, `INSERT INTO appointments (person_id, user_id, at, minutes, kind, agenda, first,
			state, place, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			append(args, ms(t.now))...).Scan(&a.ID)
		if err != nil {
			return fmt.Errorf("store appointment: %w", err)
		}
		return nil
	}
	res, err := t.tx.ExecContext(t.ctx, `UPDATE appointments SET person_id = $1, user_id = $2, at = $3, minutes = $4,
		kind = $5, agenda = $6, first = $7, state = $8, place = $9 WHERE id = $10`, append(args, a.ID)...)
	if err != nil {
		return fmt.Errorf("update appointment %d: %w", a.ID, err)
	}
	return checkAffected(res, "no appointment with id %d", a.ID)
}

// AppointmentFilter selects appointments. Zero fields do not filter.
type AppointmentFilter struct {
	PersonID *int64
	UserID   *int64
	From     *time.Time
	Until    *time.Time
}

// FindAppointments returns matching appointments by time.
func (db *DB) FindAppointments(ctx context.Context, f AppointmentFilter) ([]nudge.Appointment, error) {
	var w where
	if f.PersonID != nil {
		w.add("a.person_id = " + w.arg(*f.PersonID))
	}
	if f.UserID != nil {
		w.add("a.user_id = " + w.arg(*f.UserID))
	}
	if f.From != nil {
		w.add("a.at >= " + w.arg(ms(*f.From)))
	}
	if f.Until != nil {
		w.add("a.at < " + w.arg(ms(*f.Until)))
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+appointmentColumns+` FROM appointments a`+w.String()+` ORDER BY a.at, a.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("find appointments: %w", err)
	}
	var out []nudge.Appointment
	return out, collect(rows, scanAppointment, &out)
}

// FindEnrollments returns a person's enrollments, oldest first.
func (db *DB) FindEnrollments(ctx context.Context, personID int64) ([]nudge.Enrollment, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+enrollmentColumns+` FROM enrollments e WHERE e.person_id = $1 ORDER BY e.started_at, e.id`, personID)
	if err != nil {
		return nil, fmt.Errorf("find enrollments: %w", err)
	}
	var out []nudge.Enrollment
	return out, collect(rows, scanEnrollment, &out)
}

// SaveCadence stores a user-defined cadence (its JSON definition) under its
// name, replacing one of the same name.
func (db *DB) SaveCadence(ctx context.Context, name string, definition []byte) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO cadences (name, definition, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
		name, string(definition), ms(db.now()))
	if err != nil {
		return fmt.Errorf("store cadence %q: %w", name, err)
	}
	return nil
}

// FindCadences returns every user-defined cadence's JSON by name.
func (db *DB) FindCadences(ctx context.Context) (map[string][]byte, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, definition FROM cadences ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("find cadences: %w", err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			return nil, err
		}
		out[name] = []byte(def)
	}
	return out, rows.Err()
}
