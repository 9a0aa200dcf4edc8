package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

const commitmentColumns = `k.id, k.person_id, COALESCE(k.interaction_id, 0), k.party, k.what, k.due, k.state,
	k.created_at, k.closed_at`

func scanCommitment(s scanner) (*nudge.Commitment, error) {
	var c nudge.Commitment
	var due, created int64
	var closed sql.NullInt64
	if err := s.Scan(&c.ID, &c.PersonID, &c.InteractionID, &c.Party, &c.What, &due, &c.State, &created, &closed); err != nil {
		return nil, err
	}
	c.Due, c.CreatedAt, c.ClosedAt = fromMS(due), fromMS(created), fromMSPtr(closed)
	return &c, nil
}

// CreateCommitment validates c and stores it. EINVALID, and EINVALID on
// "person" if the person does not exist.
func (db *DB) CreateCommitment(ctx context.Context, c *nudge.Commitment) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *wtx) error {
		if err := personExists(ctx, tx, c.PersonID); err != nil {
			return err
		}
		return insertCommitment(ctx, tx, c, db.now())
	})
}

// insertCommitment stores a validated commitment.
func insertCommitment(ctx context.Context, tx *wtx, c *nudge.Commitment, now time.Time) error {
	c.Due = truncMS(c.Due)
	if c.ClosedAt != nil {
		t := truncMS(*c.ClosedAt)
		c.ClosedAt = &t
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO commitments (person_id, interaction_id, party, what, due, state, created_at, closed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		c.PersonID, ref(c.InteractionID), string(c.Party), c.What, ms(c.Due), string(c.State), ms(now), msPtr(c.ClosedAt),
	).Scan(&c.ID)
	if err != nil {
		if isForeignKeyViolation(err) {
			return &nudge.Error{Code: nudge.EINVALID, Field: "interaction", Message: fmt.Sprintf("no interaction with id %d", c.InteractionID)}
		}
		return fmt.Errorf("store commitment: %w", err)
	}
	c.CreatedAt = now
	return nil
}

// FindCommitments returns matching commitments, earliest due first.
func (db *DB) FindCommitments(ctx context.Context, f nudge.CommitmentFilter) ([]*nudge.Commitment, error) {
	var w where
	from := ` FROM commitments k`
	if f.PersonID != nil {
		w.add("k.person_id = " + w.arg(*f.PersonID))
	}
	if f.OwnerID != nil {
		from += ` JOIN people p ON p.id = k.person_id`
		w.add("p.owner_id = " + w.arg(*f.OwnerID))
	}
	if f.Party != nil {
		w.add("k.party = " + w.arg(string(*f.Party)))
	}
	if len(f.States) > 0 {
		ph := make([]string, len(f.States))
		for i, s := range f.States {
			ph[i] = w.arg(string(s))
		}
		w.add("k.state IN (" + strings.Join(ph, ", ") + ")")
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+commitmentColumns+from+w.String()+
		` ORDER BY k.due, k.id`+db.d.limit(f.Limit, 0), w.args...)
	if err != nil {
		return nil, fmt.Errorf("find commitments: %w", err)
	}
	defer rows.Close()
	var cs []*nudge.Commitment
	for rows.Next() {
		c, err := scanCommitment(rows)
		if err != nil {
			return nil, fmt.Errorf("find commitments: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find commitments: %w", err)
	}
	return cs, nil
}

// CloseCommitment marks a commitment kept or missed at the given time.
// ENOTFOUND, EINVALID for any other state.
func (db *DB) CloseCommitment(ctx context.Context, id int64, state nudge.CommitmentState, at time.Time) error {
	if state != nudge.CommitmentKept && state != nudge.CommitmentMissed {
		return nudge.FieldError("state", "a commitment is closed as kept or missed, not %q", state)
	}
	if at.IsZero() {
		at = db.now()
	}
	res, err := db.w.ExecContext(ctx, `UPDATE commitments SET state = $2, closed_at = $3 WHERE id = $1`,
		id, string(state), ms(at))
	if err != nil {
		return fmt.Errorf("close commitment %d: %w", id, err)
	}
	return checkAffected(res, "no commitment with id %d", id)
}

// MarkMissedCommitments turns open commitments due before now into missed
// ones, closed at now, and returns how many changed.
func (db *DB) MarkMissedCommitments(ctx context.Context, now time.Time) (int, error) {
	res, err := db.w.ExecContext(ctx, `UPDATE commitments SET state = $1, closed_at = $2 WHERE state = $3 AND due < $2`,
		string(nudge.CommitmentMissed), ms(now), string(nudge.CommitmentOpen))
	if err != nil {
		return 0, fmt.Errorf("mark missed commitments: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
