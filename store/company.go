package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

const companyColumns = `c.id, c.name, c.domain, c.country, c.city, COALESCE(c.owner_id, 0), c.created_at, c.updated_at`

func scanCompany(s scanner) (*nudge.Company, error) {
	var c nudge.Company
	var created, updated int64
	if err := s.Scan(&c.ID, &c.Name, &c.Domain, &c.Country, &c.City, &c.OwnerID, &created, &updated); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return &c, nil
}

// FindCompanyByID returns ENOTFOUND if there is no such company.
func (db *DB) FindCompanyByID(ctx context.Context, id int64) (*nudge.Company, error) {
	return findCompanyByID(ctx, db.r, id, "")
}

func findCompanyByID(ctx context.Context, q querier, id int64, lock string) (*nudge.Company, error) {
	c, err := scanCompany(q.QueryRowContext(ctx, `SELECT `+companyColumns+` FROM companies c WHERE c.id = $1`+lock, id))
	if err != nil {
		return nil, notFound(err, "no company with id %d", id)
	}
	return c, nil
}

// FindCompanies returns the matching companies ordered by name, and the total
// count ignoring Offset and Limit. Query matches the name or domain.
func (db *DB) FindCompanies(ctx context.Context, f nudge.CompanyFilter) ([]*nudge.Company, int, error) {
	var w where
	if f.ID != nil {
		w.add("c.id = " + w.arg(*f.ID))
	}
	if f.Name != nil {
		w.add("lower(c.name) = lower(" + w.arg(strings.TrimSpace(*f.Name)) + ")")
	}
	if f.OwnerID != nil {
		w.add("c.owner_id = " + w.arg(*f.OwnerID))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		x := w.arg(likePattern(q))
		w.add(fmt.Sprintf(`(lower(c.name) LIKE %[1]s ESCAPE '\' OR c.domain LIKE %[1]s ESCAPE '\')`, x))
	}
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM companies c`+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count companies: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+companyColumns+` FROM companies c`+w.String()+
		` ORDER BY lower(c.name)`+db.d.textOrder+`, c.id`+db.d.limit(f.Limit, f.Offset), w.args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find companies: %w", err)
	}
	defer rows.Close()
	var cs []*nudge.Company
	for rows.Next() {
		c, err := scanCompany(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find companies: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("find companies: %w", err)
	}
	return cs, total, nil
}

// FindOrCreateCompany returns the company with this name (case-insensitive;
// the oldest if several share it), creating it if there is none.
func (db *DB) FindOrCreateCompany(ctx context.Context, name string) (*nudge.Company, error) {
	c := &nudge.Company{Name: name}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	err := db.inTx(ctx, func(tx *wtx) error {
		found, err := scanCompany(tx.QueryRowContext(ctx, `SELECT `+companyColumns+` FROM companies c
			WHERE lower(c.name) = lower($1) ORDER BY c.id LIMIT 1`, c.Name))
		if err == nil {
			c = found
			return nil
		}
		if err != sql.ErrNoRows {
			return fmt.Errorf("find company %q: %w", name, err)
		}
		return insertCompany(ctx, tx, c, db.now())
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// CreateCompany validates c and stores it, setting ID and timestamps.
func (db *DB) CreateCompany(ctx context.Context, c *nudge.Company) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *wtx) error { return insertCompany(ctx, tx, c, db.now()) })
}

func insertCompany(ctx context.Context, tx *wtx, c *nudge.Company, now time.Time) error {
	t := ms(now)
	err := tx.QueryRowContext(ctx, `INSERT INTO companies (name, domain, country, city, owner_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		c.Name, c.Domain, c.Country, c.City, ref(c.OwnerID), t).Scan(&c.ID)
	if err != nil {
		if isForeignKeyViolation(err) {
			return &nudge.Error{Code: nudge.EINVALID, Field: "owner", Message: fmt.Sprintf("no user with id %d", c.OwnerID)}
		}
		return fmt.Errorf("store company %q: %w", c.Name, err)
	}
	c.CreatedAt, c.UpdatedAt = fromMS(t), fromMS(t)
	return nil
}

// UpdateCompany applies u and returns the stored company. ENOTFOUND, EINVALID.
func (db *DB) UpdateCompany(ctx context.Context, id int64, u nudge.CompanyUpdate) (*nudge.Company, error) {
	var c *nudge.Company
	err := db.inTx(ctx, func(tx *wtx) error {
		var err error
		if c, err = findCompanyByID(ctx, tx, id, db.d.forUpdate); err != nil {
			return err
		}
		u.Apply(c)
		if err := c.Validate(); err != nil {
			return err
		}
		c.UpdatedAt = db.now()
		_, err = tx.ExecContext(ctx, `UPDATE companies SET name = $2, domain = $3, country = $4, city = $5,
			owner_id = $6, updated_at = $7 WHERE id = $1`,
			id, c.Name, c.Domain, c.Country, c.City, ref(c.OwnerID), ms(c.UpdatedAt))
		if err != nil {
			if isForeignKeyViolation(err) {
				return &nudge.Error{Code: nudge.EINVALID, Field: "owner", Message: fmt.Sprintf("no user with id %d", c.OwnerID)}
			}
			return fmt.Errorf("update company %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteCompany removes the company; its people stay, without a company
// (ON DELETE SET NULL). ENOTFOUND.
func (db *DB) DeleteCompany(ctx context.Context, id int64) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM companies WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete company %d: %w", id, err)
	}
	return checkAffected(res, "no company with id %d", id)
}
