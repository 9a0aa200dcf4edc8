package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/nudgecrm/nudge"
)

const userColumns = `u.id, u.email, u.name, u.role, COALESCE(u.team_id, 0), u.time_zone, u.country, u.work_start,
	u.work_end, u.password_hash, u.created_at`

func scanUser(s scanner) (*nudge.User, error) {
	var u nudge.User
	var created int64
	err := s.Scan(&u.ID, &u.Email, &u.Name, &u.Role, &u.TeamID, &u.TimeZone, &u.Country, &u.WorkStart, &u.WorkEnd,
		&u.PasswordHash, &created)
	if err != nil {
		return nil, err
	}
	u.CreatedAt = fromMS(created)
	return &u, nil
}

func userWriteError(err error, email string) error {
	switch {
	case isUniqueViolation(err):
		return &nudge.Error{Code: nudge.ECONFLICT, Field: "email", Message: fmt.Sprintf("a user with email %q already exists", email)}
	case isForeignKeyViolation(err):
		return &nudge.Error{Code: nudge.EINVALID, Field: "team", Message: "no such team"}
	}
	return fmt.Errorf("store user: %w", err)
}

// CreateUser validates u and stores it. EINVALID, ECONFLICT if the email is
// taken.
func (db *DB) CreateUser(ctx context.Context, u *nudge.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	now := db.now()
	err := db.w.QueryRowContext(ctx, `INSERT INTO users (email, name, role, team_id, time_zone, work_start, work_end,
		password_hash, created_at, country) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		u.Email, u.Name, string(u.Role), ref(u.TeamID), u.TimeZone, u.WorkStart, u.WorkEnd, u.PasswordHash, ms(now), u.Country,
	).Scan(&u.ID)
	if err != nil {
		return userWriteError(err, u.Email)
	}
	u.CreatedAt = now
	return nil
}

// FindUserByID returns ENOTFOUND if there is no such user.
func (db *DB) FindUserByID(ctx context.Context, id int64) (*nudge.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.id = $1`, id))
	if err != nil {
		return nil, notFound(err, "no user with id %d", id)
	}
	return u, nil
}

// FindUserByEmail matches case-insensitively; ENOTFOUND if none.
func (db *DB) FindUserByEmail(ctx context.Context, email string) (*nudge.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE u.email = $1`, email))
	if err != nil {
		return nil, notFound(err, "no user with email %q", email)
	}
	return u, nil
}

// FindUsers returns every user ordered by name.
func (db *DB) FindUsers(ctx context.Context) ([]*nudge.User, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+userColumns+` FROM users u ORDER BY lower(u.name)`+db.d.textOrder+`, u.id`)
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	defer rows.Close()
	var us []*nudge.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("find users: %w", err)
		}
		us = append(us, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	return us, nil
}

// UpdateUser stores u's fields over the user with u.ID. An empty
// PasswordHash keeps the stored one, so a form that never sees the hash
// cannot erase it. ENOTFOUND, EINVALID, ECONFLICT.
func (db *DB) UpdateUser(ctx context.Context, u *nudge.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	res, err := db.w.ExecContext(ctx, `UPDATE users SET email = $2, name = $3, role = $4, team_id = $5,
		time_zone = $6, work_start = $7, work_end = $8,
		password_hash = CASE WHEN $9 = '' THEN password_hash ELSE $9 END, country = $10
		WHERE id = $1`,
		u.ID, u.Email, u.Name, string(u.Role), ref(u.TeamID), u.TimeZone, u.WorkStart, u.WorkEnd, u.PasswordHash, u.Country)
	if err != nil {
		return userWriteError(err, u.Email)
	}
	return checkAffected(res, "no user with id %d", u.ID)
}

// CreateTeam stores a team. EINVALID if it has no name or its manager does
// not exist.
func (db *DB) CreateTeam(ctx context.Context, t *nudge.Team) error {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		return nudge.FieldError("name", "a team needs a name")
	}
	now := db.now()
	err := db.w.QueryRowContext(ctx, `INSERT INTO teams (name, manager_id, created_at) VALUES ($1, $2, $3) RETURNING id`,
		t.Name, ref(t.ManagerID), ms(now)).Scan(&t.ID)
	if err != nil {
		if isForeignKeyViolation(err) {
			return &nudge.Error{Code: nudge.EINVALID, Field: "manager", Message: fmt.Sprintf("no user with id %d", t.ManagerID)}
		}
		return fmt.Errorf("store team %q: %w", t.Name, err)
	}
	t.CreatedAt = now
	return nil
}

// FindTeams returns every team ordered by name.
func (db *DB) FindTeams(ctx context.Context) ([]*nudge.Team, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, name, COALESCE(manager_id, 0), created_at FROM teams
		ORDER BY lower(name)`+db.d.textOrder+`, id`)
	if err != nil {
		return nil, fmt.Errorf("find teams: %w", err)
	}
	defer rows.Close()
	var ts []*nudge.Team
	for rows.Next() {
		var t nudge.Team
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &t.ManagerID, &created); err != nil {
			return nil, fmt.Errorf("find teams: %w", err)
		}
		t.CreatedAt = fromMS(created)
		ts = append(ts, &t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find teams: %w", err)
	}
	return ts, nil
}
