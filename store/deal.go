package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/nudgecrm/nudge"
)

const dealColumns = `d.id, d.person_id, COALESCE(d.company_id, 0), COALESCE(d.owner_id, 0), d.title, d.value_cents,
	d.currency, d.stage, d.prep, d.created_at, d.updated_at, d.closed_at`

func scanDeal(s scanner) (*nudge.Deal, error) {
	var d nudge.Deal
	var prep string
	var created, updated int64
	var closed sql.NullInt64
	err := s.Scan(&d.ID, &d.PersonID, &d.CompanyID, &d.OwnerID, &d.Title, &d.ValueCents,
		&d.Currency, &d.Stage, &prep, &created, &updated, &closed)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(prep), &d.Prep); err != nil {
		return nil, fmt.Errorf("deal %d: meeting prep: %w", d.ID, err)
	}
	d.CreatedAt, d.UpdatedAt, d.ClosedAt = fromMS(created), fromMS(updated), fromMSPtr(closed)
	return &d, nil
}

// closed reports whether a stage ends the deal.
func closed(s nudge.DealStage) bool { return s == nudge.StageWon || s == nudge.StageLost }

// CreateDeal validates d and stores it, with its A4 meeting prep as JSON. A
// deal created won or lost is closed at once. EINVALID.
func (db *DB) CreateDeal(ctx context.Context, d *nudge.Deal) error {
	if err := d.Validate(); err != nil {
		return err
	}
	prep, err := json.Marshal(d.Prep)
	if err != nil {
		return fmt.Errorf("deal prep: %w", err)
	}
	now := db.now()
	var closedAt *time.Time
	if closed(d.Stage) {
		closedAt = &now
	}
	return db.inTx(ctx, func(tx *wtx) error {
		if err := personExists(ctx, tx, d.PersonID); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO deals (person_id, company_id, owner_id, title, value_cents,
			currency, stage, prep, created_at, updated_at, closed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING id`,
			d.PersonID, ref(d.CompanyID), ref(d.OwnerID), d.Title, d.ValueCents,
			d.Currency, string(d.Stage), string(prep), ms(now), msPtr(closedAt)).Scan(&d.ID)
		if err != nil {
			return dealWriteError(err)
		}
		d.CreatedAt, d.UpdatedAt, d.ClosedAt = now, now, closedAt
		return nil
	})
}

func dealWriteError(err error) error {
	if isForeignKeyViolation(err) {
		return nudge.Errorf(nudge.EINVALID, "the deal's company or owner does not exist")
	}
	return fmt.Errorf("store deal: %w", err)
}

// FindDealByID returns ENOTFOUND if there is no such deal.
func (db *DB) FindDealByID(ctx context.Context, id int64) (*nudge.Deal, error) {
	d, err := scanDeal(db.r.QueryRowContext(ctx, `SELECT `+dealColumns+` FROM deals d WHERE d.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "no deal with id %d", id)
	}
	return d, nil
}

// FindDeals returns matching deals, newest first.
func (db *DB) FindDeals(ctx context.Context, f nudge.DealFilter) ([]*nudge.Deal, error) {
	var w where
	if f.PersonID != nil {
		w.add("d.person_id = " + w.arg(*f.PersonID))
	}
	if f.OwnerID != nil {
		w.add("d.owner_id = " + w.arg(*f.OwnerID))
	}
	if f.Stage != nil {
		w.add("d.stage = " + w.arg(string(*f.Stage)))
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+dealColumns+` FROM deals d`+w.String()+
		` ORDER BY d.created_at DESC, d.id DESC`+db.d.limit(f.Limit, 0), w.args...)
	if err != nil {
		return nil, fmt.Errorf("find deals: %w", err)
	}
	defer rows.Close()
	var ds []*nudge.Deal
	for rows.Next() {
		d, err := scanDeal(rows)
		if err != nil {
			return nil, fmt.Errorf("find deals: %w", err)
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find deals: %w", err)
	}
	return ds, nil
}

// UpdateDeal replaces the stored deal's editable fields (person, company,
// owner, title, value, currency, stage, prep) with d's and fills d's
// timestamps from the store. Moving to won or lost closes the deal; moving
// back reopens it. ENOTFOUND, EINVALID.
func (db *DB) UpdateDeal(ctx context.Context, d *nudge.Deal) error {
	if err := d.Validate(); err != nil {
		return err
	}
	prep, err := json.Marshal(d.Prep)
	if err != nil {
		return fmt.Errorf("deal prep: %w", err)
	}
	now := db.now()
	return db.inTx(ctx, func(tx *wtx) error {
		old, err := scanDeal(tx.QueryRowContext(ctx, `SELECT `+dealColumns+` FROM deals d WHERE d.id = $1`+db.d.forUpdate, d.ID))
		if err != nil {
			return notFound(err, "no deal with id %d", d.ID)
		}
		closedAt := old.ClosedAt
		switch {
		case closed(d.Stage) && (closedAt == nil || old.Stage != d.Stage):
			closedAt = &now
		case !closed(d.Stage):
			closedAt = nil
		}
		if d.PersonID != old.PersonID {
			if err := personExists(ctx, tx, d.PersonID); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `UPDATE deals SET person_id = $2, company_id = $3, owner_id = $4, title = $5,
			value_cents = $6, currency = $7, stage = $8, prep = $9, updated_at = $10, closed_at = $11
			WHERE id = $1`,
			d.ID, d.PersonID, ref(d.CompanyID), ref(d.OwnerID), d.Title,
			d.ValueCents, d.Currency, string(d.Stage), string(prep), ms(now), msPtr(closedAt))
		if err != nil {
			return dealWriteError(err)
		}
		d.CreatedAt, d.UpdatedAt, d.ClosedAt = old.CreatedAt, now, closedAt
		return nil
	})
}

// DeleteDeal removes a deal. ENOTFOUND.
func (db *DB) DeleteDeal(ctx context.Context, id int64) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM deals WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete deal %d: %w", id, err)
	}
	return checkAffected(res, "no deal with id %d", id)
}
