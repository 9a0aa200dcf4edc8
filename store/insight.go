package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// Insight on one prospect (issue 6): the CARR phase kept on the person
// (G4), the likely reason a quiet prospect does not answer (E6), and the
// quiet prospects near a place (E7).

// answeredSQL is nudge.Interaction.Answered as a condition on
// interactions i: they reached out, or picked up, replied or met; a no or a
// stop is not engagement. (TestAnsweredSQL holds the two equal.)
const answeredSQL = `((i.direction = 'inbound' AND i.outcome NOT IN ('declined', 'asked-to-stop'))
	OR i.outcome IN ('connected', 'replied', 'meeting-held'))`

// SetCARR keeps the person's stored CARR phase current (G4). It writes
// only when the phase changed, so settling an unchanged person costs one
// indexed read.
func (t *Tx) SetCARR(personID int64, phase nudge.CARRPhase) error {
	_, err := t.tx.ExecContext(t.ctx, `UPDATE people SET carr_phase = $2 WHERE id = $1 AND carr_phase <> $2`, personID, string(phase))
	if err != nil {
		return fmt.Errorf("CARR phase of person %d: %w", personID, err)
	}
	return nil
}

// FindCARR returns the stored CARR phase of a person ("" when not computed
// yet). ENOTFOUND.
func (db *DB) FindCARR(ctx context.Context, personID int64) (nudge.CARRPhase, error) {
	var phase string
	err := db.r.QueryRowContext(ctx, `SELECT carr_phase FROM people WHERE id = $1`, personID).Scan(&phase)
	if err != nil {
		return "", notFound(err, "no person with id %d", personID)
	}
	return nudge.CARRPhase(phase), nil
}

// CARRHistories returns, for up to limit people with an id above afterID
// (only those whose phase was never computed when missing is set), the
// touches CARROf reads, oldest first, keyed by person; and the last id
// seen, to continue from (0 when there is nobody left). It reads two
// indexed ranges, so refreshing a million people is a walk, not a scan
// per person.
func (db *DB) CARRHistories(ctx context.Context, afterID int64, missing bool, limit int) (map[int64][]nudge.Interaction, int64, error) {
	cond := ""
	if missing {
		cond = " AND carr_phase = ''"
	}
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM people WHERE id > $1`+cond+` ORDER BY id`+db.d.limit(limit, 0), afterID)
	if err != nil {
		return nil, 0, fmt.Errorf("people to refresh: %w", err)
	}
	out := map[int64][]nudge.Interaction{}
	var last int64
	for rows.Next() {
		if err := rows.Scan(&last); err != nil {
			rows.Close()
			return nil, 0, err
		}
		out[last] = nil
	}
	if err := rows.Close(); err != nil {
		return nil, 0, err
	}
	if len(out) == 0 {
		return out, 0, nil
	}
	rows, err = db.r.QueryContext(ctx, `SELECT i.id, i.person_id, i.channel, i.direction, i.outcome, i.at FROM interactions i
		WHERE i.person_id > $1 AND i.person_id <= $2 ORDER BY i.person_id, i.at, i.id`, afterID, last)
	if err != nil {
		return nil, 0, fmt.Errorf("histories to refresh: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i nudge.Interaction
		var at int64
		if err := rows.Scan(&i.ID, &i.PersonID, &i.Channel, &i.Direction, &i.Outcome, &at); err != nil {
			return nil, 0, err
		}
		if h, ok := out[i.PersonID]; ok { // skip people already computed (missing)
			i.At = fromMS(at)
			out[i.PersonID] = append(h, i)
		}
	}
	return out, last, rows.Err()
}

// SetCARRPhases stores computed phases, one statement per phase. With
// missing it writes only phases still never computed: a settle that ran
// meanwhile computed a newer one.
func (db *DB) SetCARRPhases(ctx context.Context, phases map[int64]nudge.CARRPhase, missing bool) error {
	cond := ""
	if missing {
		cond = " AND carr_phase = ''"
	}
	byPhase := map[nudge.CARRPhase][]any{}
	for id, ph := range phases {
		byPhase[ph] = append(byPhase[ph], id)
	}
	return db.inTx(ctx, func(tx *wtx) error {
		for ph, ids := range byPhase {
			ps := make([]string, len(ids))
			for i := range ids {
				ps[i] = fmt.Sprintf("$%d", i+2)
			}
			_, err := tx.ExecContext(ctx, `UPDATE people SET carr_phase = $1 WHERE id IN (`+strings.Join(ps, ", ")+`)`+cond,
				append([]any{string(ph)}, ids...)...)
			if err != nil {
				return fmt.Errorf("store CARR phases: %w", err)
			}
		}
		return nil
	})
}

// SaveQuietNote records the likely reason a prospect does not answer (E6),
// replacing the one recorded before. EINVALID.
func (t *Tx) SaveQuietNote(q *nudge.QuietNote) error {
	if err := q.Validate(); err != nil {
		return err
	}
	q.At = truncMS(q.At)
	_, err := t.tx.ExecContext(t.ctx, `INSERT INTO quiet_reasons (person_id, reason, note, user_id, recorded_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (person_id) DO UPDATE SET reason = excluded.reason, note = excluded.note,
			user_id = excluded.user_id, recorded_at = excluded.recorded_at`,
		q.PersonID, string(q.Reason), q.Note, ref(q.UserID), ms(q.At))
	if err != nil {
		if isForeignKeyViolation(err) {
			return nudge.Errorf(nudge.EINVALID, "no person %d or user %d", q.PersonID, q.UserID)
		}
		return fmt.Errorf("store quiet reason of person %d: %w", q.PersonID, err)
	}
	return nil
}

// FindQuietNote returns the reason recorded on a person; ENOTFOUND when
// none is.
func (db *DB) FindQuietNote(ctx context.Context, personID int64) (*nudge.QuietNote, error) {
	var q nudge.QuietNote
	var at int64
	err := db.r.QueryRowContext(ctx, `SELECT person_id, reason, note, COALESCE(user_id, 0), recorded_at
		FROM quiet_reasons WHERE person_id = $1`, personID).Scan(&q.PersonID, &q.Reason, &q.Note, &q.UserID, &at)
	if err != nil {
		return nil, notFound(err, "no reason recorded for person %d", personID)
	}
	q.At = fromMS(at)
	return &q, nil
}

// QuietNear selects one rep's quiet prospects in a rectangle (E7). Quiet
// means: a lead or prospect, not marked do-not-contact (G1: a no or a
// stop sets it), touched at least once, and no answer from them
// (nudge.Interaction.Answered) at or after AnsweredSince.
type QuietNear struct {
	OwnerID       int64
	Box           nudge.Box
	AnsweredSince time.Time
	Exclude       int64 // the person the rep is visiting
	// Accepted names the cadence whose open enrollment marks a prospect
	// whose visit was already accepted.
	Accepted string
}

// QuietCandidate is a quiet prospect found near a place; the caller
// computes the exact distance.
type QuietCandidate struct {
	Person     *nudge.Person
	LastAnswer *time.Time // their last answer ever; nil = never
	Accepted   bool
}

// FindQuietNear returns the quiet prospects of q, by id. The owner index
// and the rectangle narrow the people before the history is read.
func (db *DB) FindQuietNear(ctx context.Context, q QuietNear) ([]QuietCandidate, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+personColumns+`,
		(SELECT MAX(i.at) FROM interactions i WHERE i.person_id = p.id AND `+answeredSQL+`),
		EXISTS (SELECT 1 FROM enrollments e WHERE e.person_id = p.id AND e.cadence = $8 AND e.state IN ('active', 'snoozed', 'paused'))
		FROM people p
		WHERE p.owner_id = $1 AND p.has_coords AND NOT p.do_not_contact AND p.status IN ('lead', 'prospect')
			AND p.lat BETWEEN $2 AND $3 AND p.lon BETWEEN $4 AND $5 AND p.id <> $6
			AND EXISTS (SELECT 1 FROM interactions i WHERE i.person_id = p.id AND i.direction = 'outbound')
			AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.person_id = p.id AND i.at >= $7 AND `+answeredSQL+`)
		ORDER BY p.id`,
		q.OwnerID, q.Box.MinLat, q.Box.MaxLat, q.Box.MinLon, q.Box.MaxLon, q.Exclude, ms(q.AnsweredSince), q.Accepted)
	if err != nil {
		return nil, fmt.Errorf("quiet prospects near: %w", err)
	}
	defer rows.Close()
	var out []QuietCandidate
	for rows.Next() {
		var c QuietCandidate
		var last sql.NullInt64
		p, err := scanPerson(rowWithTail{rows, []any{&last, &c.Accepted}})
		if err != nil {
			return nil, fmt.Errorf("quiet prospects near: %w", err)
		}
		c.Person, c.LastAnswer = p, fromMSPtr(last)
		out = append(out, c)
	}
	return out, rows.Err()
}

// FindAppointmentByID returns one appointment (E7 accepts a visit proposal
// by its meeting). ENOTFOUND.
func (db *DB) FindAppointmentByID(ctx context.Context, id int64) (*nudge.Appointment, error) {
	a, err := scanAppointment(db.r.QueryRowContext(ctx, `SELECT `+appointmentColumns+` FROM appointments a WHERE a.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "no appointment with id %d", id)
	}
	return a, nil
}
