package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/nudgecrm/nudge"
)

// The cadence engine works person by person: it loads everything recorded
// about one person, lets pure code (package method) decide, and writes the
// decision back — all in one transaction, so a crash leaves either the old
// state or the new one and never a task created twice (issue 3: "nothing
// due is lost or done twice").
//
// people.check_at says when the engine must next look at a person. Every
// change that can alter a person's schedule sets it to now (a logged touch,
// an edit, an import); the scheduler settles due people in batches and
// clears it. On PostgreSQL several instances share the work: each batch is
// claimed with FOR UPDATE SKIP LOCKED.

// Snapshot is everything the engine needs to decide about one person.
type Snapshot struct {
	Person       nudge.Person
	History      []nudge.Interaction // oldest first
	Appointments []nudge.Appointment // by time
	Enrollments  []nudge.Enrollment  // every enrollment, oldest first
	Tasks        []nudge.Task        // the open tasks
}

// Tx is a transaction on one person's schedule. It is only valid inside the
// function given to WithPerson or SettleDue.
type Tx struct {
	ctx context.Context
	tx  *wtx
	db  *DB
	now time.Time
}

// Now is the instant the transaction runs at, as the store keeps it.
func (t *Tx) Now() time.Time { return t.now }

// WithPerson locks one person, loads their snapshot and runs f; f's writes
// commit together when it returns nil. ENOTFOUND if there is no such person.
func (db *DB) WithPerson(ctx context.Context, personID int64, f func(tx *Tx, s *Snapshot) error) error {
	return db.inTx(ctx, func(tx *wtx) error {
		t := &Tx{ctx: ctx, tx: tx, db: db, now: db.now()}
		s, err := t.snapshot(personID, db.d.forUpdate)
		if err != nil {
			return err
		}
		return f(t, s)
	})
}

// SettleDue runs f for up to limit people whose check_at has come, oldest
// first, in one transaction, and returns how many it saw. f must clear or
// move check_at (Tx.SetSchedule); a person f fails on rolls the batch back.
// Concurrent callers on PostgreSQL take disjoint batches.
func (db *DB) SettleDue(ctx context.Context, now time.Time, limit int, f func(tx *Tx, s *Snapshot) error) (int, error) {
	n := 0
	err := db.inTx(ctx, func(tx *wtx) error {
		t := &Tx{ctx: ctx, tx: tx, db: db, now: db.now()}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM people WHERE check_at IS NOT NULL AND check_at <= $1
			ORDER BY check_at LIMIT $2`+db.d.skipLocked, ms(now), limit)
		if err != nil {
			return fmt.Errorf("due people: %w", err)
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, id := range ids {
			s, err := t.snapshot(id, "")
			if err != nil {
				return err
			}
			if err := f(t, s); err != nil {
				return fmt.Errorf("person %d: %w", id, err)
			}
		}
		n = len(ids)
		return nil
	})
	return n, err
}

// markForCheck asks the engine to look at a person again as soon as possible.
func markForCheck(ctx context.Context, q querier, personID int64, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE people SET check_at = $2 WHERE id = $1`, personID, ms(now))
	if err != nil {
		return fmt.Errorf("schedule check of person %d: %w", personID, err)
	}
	return nil
}

func (t *Tx) snapshot(id int64, lock string) (*Snapshot, error) {
	ctx, q := t.ctx, t.tx
	p, err := findPersonByID(ctx, q, id, lock)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Person: *p}
	rows, err := q.QueryContext(ctx, `SELECT `+interactionColumns+` FROM interactions i WHERE i.person_id = $1 ORDER BY i.at, i.id`, id)
	if err != nil {
		return nil, fmt.Errorf("history of person %d: %w", id, err)
	}
	if err := collect(rows, scanInteraction, &s.History); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT `+appointmentColumns+` FROM appointments a WHERE a.person_id = $1 ORDER BY a.at, a.id`, id)
	if err != nil {
		return nil, fmt.Errorf("appointments of person %d: %w", id, err)
	}
	if err := collect(rows, scanAppointment, &s.Appointments); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT `+enrollmentColumns+` FROM enrollments e WHERE e.person_id = $1 ORDER BY e.started_at, e.id`, id)
	if err != nil {
		return nil, fmt.Errorf("enrollments of person %d: %w", id, err)
	}
	if err := collect(rows, scanEnrollment, &s.Enrollments); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT `+taskColumns+` FROM tasks t WHERE t.person_id = $1 AND t.state = 'open' ORDER BY t.due, t.id`, id)
	if err != nil {
		return nil, fmt.Errorf("tasks of person %d: %w", id, err)
	}
	if err := collect(rows, scanTask, &s.Tasks); err != nil {
		return nil, err
	}
	return s, nil
}

// collect scans every row into dst and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (*T, error), dst *[]T) error {
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		*dst = append(*dst, *v)
	}
	return rows.Err()
}

// AddInteraction records a touch (and its commitments) for the person. A G1
// outcome sets do-not-contact in the same transaction.
func (t *Tx) AddInteraction(i *nudge.Interaction, commitments []*nudge.Commitment) error {
	if err := i.Validate(); err != nil {
		return err
	}
	i.At = truncMS(i.At)
	for _, c := range commitments {
		c.PersonID = i.PersonID
		if err := c.Validate(); err != nil {
			return err
		}
	}
	return insertInteraction(t.ctx, t.tx, i, commitments, t.now)
}

// SetSchedule records when the engine must look at the person next (nil:
// only when something changes) and their next follow-up date (nil: none).
func (t *Tx) SetSchedule(personID int64, checkAt, nextTouch *time.Time) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE people SET check_at = $2, next_touch_at = $3 WHERE id = $1`,
		personID, msPtr(checkAt), msPtr(nextTouch))
	if err != nil {
		return fmt.Errorf("schedule person %d: %w", personID, err)
	}
	return nil
}

// SetStatus changes a person's status (a win makes a customer).
func (t *Tx) SetStatus(personID int64, s nudge.PersonStatus) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE people SET status = $2, updated_at = $3 WHERE id = $1`, personID, string(s), ms(t.now))
	return err
}
