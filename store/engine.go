package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
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
		if len(ids) == 0 {
			return nil
		}
		snaps, err := t.snapshots(ids, "")
		if err != nil {
			return err
		}
		for i, id := range ids {
			if snaps[i] == nil {
				return nudge.Errorf(nudge.ENOTFOUND, "no person with id %d", id) // claimed above: cannot happen
			}
			if err := f(t, snaps[i]); err != nil {
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
	ss, err := t.snapshots([]int64{id}, lock)
	if err != nil {
		return nil, err
	}
	if ss[0] == nil {
		return nil, nudge.Errorf(nudge.ENOTFOUND, "no person with id %d", id)
	}
	return ss[0], nil
}

// snapshots loads the snapshots of ids, in their order (nil for an id with
// no person), with five queries however many there are: SettleDue settles
// a batch of people in one transaction, and on PostgreSQL every query is a
// round trip. lock is appended to the query of the people rows.
func (t *Tx) snapshots(ids []int64, lock string) ([]*Snapshot, error) {
	in, args := idList(ids)
	byID := make(map[int64]*Snapshot, len(ids))
	if err := each(t, `SELECT `+personColumns+` FROM people p WHERE p.id IN (`+in+`)`+lock,
		args, scanPerson, func(p *nudge.Person) { byID[p.ID] = &Snapshot{Person: *p} }); err != nil {
		return nil, fmt.Errorf("%d people: %w", len(ids), err)
	}
	if err := each(t, `SELECT `+interactionColumns+` FROM interactions i WHERE i.person_id IN (`+in+`) ORDER BY i.person_id, i.at, i.id`,
		args, scanInteraction, func(v *nudge.Interaction) {
			if s := byID[v.PersonID]; s != nil {
				s.History = append(s.History, *v)
			}
		}); err != nil {
		return nil, fmt.Errorf("history of %d people: %w", len(ids), err)
	}
	if err := each(t, `SELECT `+appointmentColumns+` FROM appointments a WHERE a.person_id IN (`+in+`) ORDER BY a.person_id, a.at, a.id`,
		args, scanAppointment, func(v *nudge.Appointment) {
			if s := byID[v.PersonID]; s != nil {
				s.Appointments = append(s.Appointments, *v)
			}
		}); err != nil {
		return nil, fmt.Errorf("appointments of %d people: %w", len(ids), err)
	}
	if err := each(t, `SELECT `+enrollmentColumns+` FROM enrollments e WHERE e.person_id IN (`+in+`) ORDER BY e.person_id, e.started_at, e.id`,
		args, scanEnrollment, func(v *nudge.Enrollment) {
			if s := byID[v.PersonID]; s != nil {
				s.Enrollments = append(s.Enrollments, *v)
			}
		}); err != nil {
		return nil, fmt.Errorf("enrollments of %d people: %w", len(ids), err)
	}
	if err := each(t, `SELECT `+taskColumns+` FROM tasks t WHERE t.person_id IN (`+in+`) AND t.state = 'open' ORDER BY t.person_id, t.due, t.id`,
		args, scanTask, func(v *nudge.Task) {
			if s := byID[v.PersonID]; s != nil {
				s.Tasks = append(s.Tasks, *v)
			}
		}); err != nil {
		return nil, fmt.Errorf("tasks of %d people: %w", len(ids), err)
	}
	ss := make([]*Snapshot, len(ids))
	for i, id := range ids {
		ss[i] = byID[id]
	}
	return ss, nil
}

// each runs query and hands every row to f.
func each[T any](t *Tx, query string, args []any, scan func(scanner) (*T, error), f func(*T)) error {
	rows, err := t.tx.QueryContext(t.ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return err
		}
		f(v)
	}
	return rows.Err()
}

// idList is the placeholders and arguments of an IN list of ids. Its length
// is rounded up to a power of two (the last id repeated), so that the
// statements built on it come in a few shapes that stay prepared
// (writeStmts, pgx's statement cache) rather than one per batch size.
func idList(ids []int64) (string, []any) {
	n := 1
	for n < len(ids) {
		n *= 2
	}
	ph := make([]string, n)
	args := make([]any, n)
	for i := range n {
		ph[i] = "$" + strconv.Itoa(i+1)
		args[i] = ids[min(i, len(ids)-1)]
	}
	return strings.Join(ph, ", "), args
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
