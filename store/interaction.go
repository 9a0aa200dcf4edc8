package store

import (
	"context"
	"fmt"
	"time"

	"github.com/nudgecrm/nudge"
)

const interactionColumns = `i.id, i.person_id, COALESCE(i.user_id, 0), i.channel, i.direction, i.outcome, i.at,
	i.subject, i.what, i.insights, i.next_steps, i.created_at`

func scanInteraction(s scanner) (*nudge.Interaction, error) {
	var i nudge.Interaction
	var at, created int64
	err := s.Scan(&i.ID, &i.PersonID, &i.UserID, &i.Channel, &i.Direction, &i.Outcome, &at,
		&i.Subject, &i.Note.What, &i.Note.Insights, &i.Note.NextSteps, &created)
	if err != nil {
		return nil, err
	}
	i.At, i.CreatedAt = fromMS(at), fromMS(created)
	return &i, nil
}

// CreateInteraction stores the touch and the commitments logged with it (A2,
// A3) in one transaction; each commitment gets the interaction's person and
// id. A G1 outcome (declined, asked to stop) also sets do-not-contact on the
// person, in the same transaction, unless it is already set. EINVALID, and
// EINVALID on "person" if the person does not exist.
func (db *DB) CreateInteraction(ctx context.Context, i *nudge.Interaction, commitments []*nudge.Commitment) error {
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
	now := db.now()
	return db.inTx(ctx, func(tx *wtx) error {
		if err := personExists(ctx, tx, i.PersonID); err != nil {
			return err
		}
		return insertInteraction(ctx, tx, i, commitments, now)
	})
}

// insertInteraction stores a validated touch with its commitments, applies
// G1 when its outcome is a hard stop, and asks the engine to look at the
// person again (check_at): a reply restarts the clock (B1), a stop ends
// every cadence (G1).
func insertInteraction(ctx context.Context, tx *wtx, i *nudge.Interaction, commitments []*nudge.Commitment, now time.Time) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO interactions (person_id, user_id, channel, direction, outcome, at,
		subject, what, insights, next_steps, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
		i.PersonID, ref(i.UserID), string(i.Channel), string(i.Direction), string(i.Outcome), ms(i.At),
		i.Subject, i.Note.What, i.Note.Insights, i.Note.NextSteps, ms(now)).Scan(&i.ID)
	if err != nil {
		if isForeignKeyViolation(err) {
			return &nudge.Error{Code: nudge.EINVALID, Field: "user", Message: fmt.Sprintf("no user with id %d", i.UserID)}
		}
		return fmt.Errorf("store interaction: %w", err)
	}
	i.CreatedAt = now
	for _, c := range commitments {
		c.PersonID = i.PersonID
		c.InteractionID = i.ID
		if err := insertCommitment(ctx, tx, c, now); err != nil {
			return err
		}
	}
	if i.Outcome.HardStop() {
		_, err := tx.ExecContext(ctx, `UPDATE people SET do_not_contact = true, do_not_contact_reason = $2,
			do_not_contact_at = $3, updated_at = $4
			WHERE id = $1 AND NOT do_not_contact`,
			i.PersonID, "G1: "+string(i.Outcome), ms(i.At), ms(now))
		if err != nil {
			return fmt.Errorf("G1 do-not-contact on person %d: %w", i.PersonID, err)
		}
	}
	// The reports' summaries move with the history (store/report.go).
	if err := reportInteraction(ctx, tx, i); err != nil {
		return err
	}
	return markForCheck(ctx, tx, i.PersonID, now)
}

// personExists returns EINVALID on "person" if there is no such person.
func personExists(ctx context.Context, q querier, id int64) error {
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM people WHERE id = $1`, id).Scan(&n); err != nil {
		return fmt.Errorf("find person %d: %w", id, err)
	}
	if n == 0 {
		return &nudge.Error{Code: nudge.EINVALID, Field: "person", Message: fmt.Sprintf("no person with id %d", id)}
	}
	return nil
}

// FindInteractions returns matching touches, newest first, and the total
// count ignoring Offset and Limit. Since is inclusive, Until exclusive.
func (db *DB) FindInteractions(ctx context.Context, f nudge.InteractionFilter) ([]*nudge.Interaction, int, error) {
	var w where
	if f.PersonID != nil {
		w.add("i.person_id = " + w.arg(*f.PersonID))
	}
	if f.UserID != nil {
		w.add("i.user_id = " + w.arg(*f.UserID))
	}
	if f.Since != nil {
		w.add("i.at >= " + w.arg(ms(*f.Since)))
	}
	if f.Until != nil {
		w.add("i.at < " + w.arg(ms(*f.Until)))
	}
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM interactions i`+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count interactions: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+interactionColumns+` FROM interactions i`+w.String()+
		` ORDER BY i.at DESC, i.id DESC`+db.d.limit(f.Limit, f.Offset), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find interactions: %w", err)
	}
	defer rows.Close()
	var is []*nudge.Interaction
	for rows.Next() {
		i, err := scanInteraction(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find interactions: %w", err)
		}
		is = append(is, i)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find interactions: %w", err)
	}
	return is, total, nil
}
