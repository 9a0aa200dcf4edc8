package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// The F2 value inventory: value lines and their re-measurements. Writes go
// through the person's transaction (Tx), so that recording a measurement,
// the review it triggers and the task it proposes commit together.

var _ nudge.ValueService = (*DB)(nil)

const valueLineColumns = `l.id, l.person_id, l.name, l.unit, l.direction, l.baseline, l.baseline_at, l.goal, l.goal_by,
	l.reviewed, l.reviewed_at, l.created_at`

func scanValueLine(s scanner) (*nudge.ValueLine, error) {
	var l nudge.ValueLine
	var baselineAt, goalBy, created int64
	var reviewedAt sql.NullInt64
	err := s.Scan(&l.ID, &l.PersonID, &l.Name, &l.Unit, &l.Direction, &l.Baseline, &baselineAt, &l.Goal, &goalBy,
		&l.Reviewed, &reviewedAt, &created)
	if err != nil {
		return nil, err
	}
	l.BaselineAt, l.GoalBy, l.CreatedAt, l.ReviewedAt = fromMS(baselineAt), fromMS(goalBy), fromMS(created), fromMSPtr(reviewedAt)
	return &l, nil
}

const measurementColumns = `m.id, m.line_id, m.value, m.at, m.note, m.created_at`

func scanMeasurement(s scanner) (*nudge.Measurement, error) {
	var m nudge.Measurement
	var at, created int64
	if err := s.Scan(&m.ID, &m.LineID, &m.Value, &at, &m.Note, &created); err != nil {
		return nil, err
	}
	m.At, m.CreatedAt = fromMS(at), fromMS(created)
	return &m, nil
}

// FindValueLines returns a person's value lines, oldest first, and their
// measurements by time.
func (db *DB) FindValueLines(ctx context.Context, personID int64) ([]nudge.ValueLine, []nudge.Measurement, error) {
	return valueLines(ctx, db.r, personID)
}

func valueLines(ctx context.Context, q querier, personID int64) ([]nudge.ValueLine, []nudge.Measurement, error) {
	var ls []nudge.ValueLine
	var ms []nudge.Measurement
	rows, err := q.QueryContext(ctx, `SELECT `+valueLineColumns+` FROM value_lines l WHERE l.person_id = $1 ORDER BY l.created_at, l.id`, personID)
	if err != nil {
		return nil, nil, fmt.Errorf("value lines of person %d: %w", personID, err)
	}
	if err := collect(rows, scanValueLine, &ls); err != nil {
		return nil, nil, fmt.Errorf("value lines of person %d: %w", personID, err)
	}
	rows, err = q.QueryContext(ctx, `SELECT `+measurementColumns+` FROM value_measurements m
		JOIN value_lines l ON l.id = m.line_id WHERE l.person_id = $1 ORDER BY m.at, m.id`, personID)
	if err != nil {
		return nil, nil, fmt.Errorf("measurements of person %d: %w", personID, err)
	}
	if err := collect(rows, scanMeasurement, &ms); err != nil {
		return nil, nil, fmt.Errorf("measurements of person %d: %w", personID, err)
	}
	return ls, ms, nil
}

// ValueLines returns the person's value lines and measurements inside the
// transaction.
func (t *Tx) ValueLines(personID int64) ([]nudge.ValueLine, []nudge.Measurement, error) {
	return valueLines(t.ctx, t.tx, personID)
}

// nameKey folds a line's name for the one-name-per-customer rule; done in
// Go so both backends fold alike.
func nameKey(name string) string { return strings.ToLower(strings.Join(strings.Fields(name), " ")) }

// AddValueLine validates and stores a new value line. ECONFLICT if the
// customer already has a line of that name; EINVALID.
func (t *Tx) AddValueLine(l *nudge.ValueLine) error {
	if err := l.Validate(); err != nil {
		return err
	}
	l.BaselineAt, l.GoalBy = truncMS(l.BaselineAt), truncMS(l.GoalBy)
	err := t.tx.QueryRowContext(t.ctx, `INSERT INTO value_lines (person_id, name, name_key, unit, direction, baseline,
		baseline_at, goal, goal_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		l.PersonID, l.Name, nameKey(l.Name), l.Unit, string(l.Direction), l.Baseline, ms(l.BaselineAt), l.Goal, ms(l.GoalBy),
		ms(t.now)).Scan(&l.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return &nudge.Error{Code: nudge.ECONFLICT, Field: "line", Message: fmt.Sprintf("there is already a value line %q for this customer", l.Name)}
		}
		return fmt.Errorf("store value line: %w", err)
	}
	l.CreatedAt = t.now
	return nil
}

// AddMeasurement stores a re-measurement; the caller validated it against
// its line (nudge.Measurement.Validate).
func (t *Tx) AddMeasurement(m *nudge.Measurement) error {
	m.At = truncMS(m.At)
	err := t.tx.QueryRowContext(t.ctx, `INSERT INTO value_measurements (line_id, value, at, note, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, m.LineID, m.Value, ms(m.At), m.Note, ms(t.now)).Scan(&m.ID)
	if err != nil {
		return fmt.Errorf("store measurement of line %d: %w", m.LineID, err)
	}
	m.CreatedAt = t.now
	return nil
}

// SetValueReview records the status a line was last proposed for and
// whether the scheduler is done looking at it for time's sake (its goal
// date has passed and was seen).
func (t *Tx) SetValueReview(lineID int64, reviewed nudge.ValueStatus, at *time.Time, swept bool) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE value_lines SET reviewed = $2, reviewed_at = $3, swept = $4 WHERE id = $1`,
		lineID, string(reviewed), msPtr(at), swept)
	if err != nil {
		return fmt.Errorf("review value line %d: %w", lineID, err)
	}
	return nil
}

// HasWonDeal reports whether the person has a won deal: with the customer
// status, what makes them a customer for F2.
func (t *Tx) HasWonDeal(personID int64) (bool, error) {
	var n int
	err := t.tx.QueryRowContext(t.ctx, `SELECT COUNT(*) FROM deals WHERE person_id = $1 AND stage = 'won'`, personID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("won deals of person %d: %w", personID, err)
	}
	return n > 0, nil
}

// ValueGoalsDue returns the people with a value line whose goal date has
// come (at or before now) and that the scheduler has not looked at since,
// earliest goal first, at most limit of them. Time alone turns such a line
// from on track to missed (F2), which calls for a "why not" conversation.
func (db *DB) ValueGoalsDue(ctx context.Context, now time.Time, limit int) ([]int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT l.person_id FROM value_lines l WHERE NOT l.swept AND l.goal_by <= $1
		ORDER BY l.goal_by, l.id LIMIT $2`, ms(now), limit)
	if err != nil {
		return nil, fmt.Errorf("value goals due: %w", err)
	}
	defer rows.Close()
	var ids []int64
	seen := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids, rows.Err()
}

// FindOpenTask returns the person's open task of cadence and step that
// belongs to no enrollment (a proposal such as F2's value review), or nil.
func (t *Tx) FindOpenTask(personID int64, cadence, step string) (*nudge.Task, error) {
	k, err := scanTask(t.tx.QueryRowContext(t.ctx, `SELECT `+taskColumns+` FROM tasks t WHERE t.person_id = $1
		AND t.state = 'open' AND t.enrollment_id IS NULL AND t.cadence = $2 AND t.step_id = $3 ORDER BY t.id LIMIT 1`,
		personID, cadence, step))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s task of person %d: %w", cadence, personID, err)
	}
	return k, nil
}
