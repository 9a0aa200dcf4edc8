package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// Signing in (issue 5): browser sessions, personal API tokens, calendar feed
// tokens, and the one query that narrows the people a user may see.
//
// Every secret is 32 random bytes, handed to the caller once in URL-safe
// base64; only its SHA-256 is stored (identityHash), so a leaked database
// or backup opens no session, API or feed.

// newSecret returns a fresh secret and the hash to store.
func newSecret() (secret, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("random secret: %w", err)
	}
	secret = base64.RawURLEncoding.EncodeToString(b)
	return secret, identityHash(secret), nil
}

// CountUsers returns how many users exist; 0 means the first run (/setup).
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// CreateFirstUser stores u only if there is no user yet: the first-run
// set-up creates the admin once, and a second set-up racing the first, or
// any set-up after it, gets ECONFLICT.
func (db *DB) CreateFirstUser(ctx context.Context, u *nudge.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	now := db.now()
	return db.inTx(ctx, func(tx *wtx) error {
		if db.d.name == postgresName {
			// Serialise concurrent set-ups; SQLite's single writer already does.
			if _, err := tx.ExecContext(ctx, `LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE`); err != nil {
				return fmt.Errorf("lock users: %w", err)
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
			return fmt.Errorf("count users: %w", err)
		}
		if n > 0 {
			return nudge.Errorf(nudge.ECONFLICT, "nudge is already set up; sign in instead")
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, role, team_id, time_zone, work_start, work_end,
			password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			u.Email, u.Name, string(u.Role), ref(u.TeamID), u.TimeZone, u.WorkStart, u.WorkEnd, u.PasswordHash, ms(now),
		).Scan(&u.ID)
		if err != nil {
			return userWriteError(err, u.Email)
		}
		u.CreatedAt = now
		return nil
	})
}

// Session is a signed-in browser.
type Session struct {
	ID        int64
	UserID    int64
	CSRF      string // the synchronizer token every form of this session carries
	CreatedAt time.Time
	ExpiresAt time.Time
}

// CreateSession starts a session for the user lasting ttl and returns the
// token for the cookie; only its hash is stored. Expired sessions are swept
// on the way.
func (db *DB) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, *Session, error) {
	token, hash, err := newSecret()
	if err != nil {
		return "", nil, err
	}
	csrf, _, err := newSecret()
	if err != nil {
		return "", nil, err
	}
	now := db.now()
	s := &Session{UserID: userID, CSRF: csrf, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	err = db.inTx(ctx, func(tx *wtx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, ms(now)); err != nil {
			return fmt.Errorf("sweep sessions: %w", err)
		}
		return tx.QueryRowContext(ctx, `INSERT INTO sessions (user_id, token_sha256, csrf, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, userID, hash, csrf, ms(now), ms(s.ExpiresAt)).Scan(&s.ID)
	})
	if err != nil {
		return "", nil, fmt.Errorf("create session: %w", err)
	}
	return token, s, nil
}

// FindSession returns the unexpired session with this token and its user;
// ENOTFOUND for an unknown or expired token.
func (db *DB) FindSession(ctx context.Context, token string) (*Session, *nudge.User, error) {
	if token == "" {
		return nil, nil, nudge.Errorf(nudge.ENOTFOUND, "no session")
	}
	var s Session
	var created, expires int64
	u, err := scanUser(rowWithTail{db.r.QueryRowContext(ctx, `SELECT `+userColumns+`, s.id, s.csrf, s.created_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_sha256 = $1 AND s.expires_at > $2`,
		identityHash(token), ms(db.now())), []any{&s.ID, &s.CSRF, &created, &expires}})
	if err != nil {
		return nil, nil, notFound(err, "no such session (signed out or expired)")
	}
	s.UserID, s.CreatedAt, s.ExpiresAt = u.ID, fromMS(created), fromMS(expires)
	return &s, u, nil
}

// DeleteSession signs one browser out. Deleting an unknown token is not an error.
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE token_sha256 = $1`, identityHash(token)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions signs the user out everywhere and returns how many
// sessions ended.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) (int, error) {
	res, err := db.w.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	if err != nil {
		return 0, fmt.Errorf("delete sessions of user %d: %w", userID, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// APIToken is a personal token for the JSON API (Authorization: Bearer).
type APIToken struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"user_id"`
	Name       string     `json:"name"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// CreateAPIToken makes a token for the user and returns it; it is shown
// once, as only its hash is kept.
func (db *DB) CreateAPIToken(ctx context.Context, userID int64, name string) (string, *APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", nil, nudge.FieldError("name", "name the token after where it is used (e.g. \"laptop script\")")
	}
	if len(name) > 100 {
		return "", nil, nudge.FieldError("name", "a token name is at most 100 characters")
	}
	secret, hash, err := newSecret()
	if err != nil {
		return "", nil, err
	}
	token := "nudge_" + secret // a prefix secret scanners can recognise
	hash = identityHash(token)
	now := db.now()
	t := &APIToken{UserID: userID, Name: name, CreatedAt: now}
	err = db.w.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_sha256, created_at) VALUES ($1, $2, $3, $4)
		RETURNING id`, userID, name, hash, ms(now)).Scan(&t.ID)
	if err != nil {
		return "", nil, fmt.Errorf("create API token: %w", err)
	}
	return token, t, nil
}

// FindAPITokens lists a user's tokens, newest first.
func (db *DB) FindAPITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, user_id, name, created_at, last_used_at FROM api_tokens
		WHERE user_id = $1 ORDER BY created_at DESC, id DESC`, userID)
	if err != nil {
		return nil, fmt.Errorf("find API tokens: %w", err)
	}
	var out []APIToken
	return out, collect(rows, scanAPIToken, &out)
}

func scanAPIToken(s scanner) (*APIToken, error) {
	var t APIToken
	var created int64
	var used sql.NullInt64
	if err := s.Scan(&t.ID, &t.UserID, &t.Name, &created, &used); err != nil {
		return nil, err
	}
	t.CreatedAt, t.LastUsedAt = fromMS(created), fromMSPtr(used)
	return &t, nil
}

// RevokeAPIToken deletes one of the user's tokens; ENOTFOUND if the user has
// no token with that id (another user's token is not found either).
func (db *DB) RevokeAPIToken(ctx context.Context, userID, id int64) error {
	res, err := db.w.ExecContext(ctx, `DELETE FROM api_tokens WHERE id = $1 AND user_id = $2`, id, userID)
	if err != nil {
		return fmt.Errorf("revoke API token %d: %w", id, err)
	}
	return checkAffected(res, "no API token with id %d", id)
}

// FindAPITokenUser returns the token and its user; ENOTFOUND for an unknown
// or revoked token.
func (db *DB) FindAPITokenUser(ctx context.Context, token string) (*APIToken, *nudge.User, error) {
	var t APIToken
	var created int64
	var used sql.NullInt64
	u, err := scanUser(rowWithTail{db.r.QueryRowContext(ctx, `SELECT `+userColumns+`, t.id, t.name, t.created_at, t.last_used_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_sha256 = $1`, identityHash(token)),
		[]any{&t.ID, &t.Name, &created, &used}})
	if err != nil {
		return nil, nil, notFound(err, "unknown or revoked API token")
	}
	t.UserID, t.CreatedAt, t.LastUsedAt = u.ID, fromMS(created), fromMSPtr(used)
	return &t, u, nil
}

// TouchAPIToken records that a token was used now. Callers do it at most
// now and then, so the API's reads do not each take the write lock.
func (db *DB) TouchAPIToken(ctx context.Context, id int64) error {
	if _, err := db.w.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, ms(db.now())); err != nil {
		return fmt.Errorf("touch API token %d: %w", id, err)
	}
	return nil
}

// NewFeedToken gives the user a new secret calendar feed token (H4),
// revoking the previous one, and returns it; it is shown once.
func (db *DB) NewFeedToken(ctx context.Context, userID int64) (string, error) {
	token, hash, err := newSecret()
	if err != nil {
		return "", err
	}
	_, err = db.w.ExecContext(ctx, `INSERT INTO feed_tokens (user_id, token_sha256, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET token_sha256 = excluded.token_sha256, created_at = excluded.created_at`,
		userID, hash, ms(db.now()))
	if err != nil {
		return "", fmt.Errorf("new feed token for user %d: %w", userID, err)
	}
	return token, nil
}

// FeedTokenCreated returns when the user's feed token was made, or nil if
// the user has none.
func (db *DB) FeedTokenCreated(ctx context.Context, userID int64) (*time.Time, error) {
	var created int64
	err := db.r.QueryRowContext(ctx, `SELECT created_at FROM feed_tokens WHERE user_id = $1`, userID).Scan(&created)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("feed token of user %d: %w", userID, err)
	}
	t := fromMS(created)
	return &t, nil
}

// RevokeFeedToken removes the user's feed URL.
func (db *DB) RevokeFeedToken(ctx context.Context, userID int64) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM feed_tokens WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("revoke feed token of user %d: %w", userID, err)
	}
	return nil
}

// FindFeedTokenUser returns the user a feed token belongs to; ENOTFOUND for
// an unknown or replaced token.
func (db *DB) FindFeedTokenUser(ctx context.Context, token string) (*nudge.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, `SELECT `+userColumns+` FROM feed_tokens f JOIN users u ON u.id = f.user_id
		WHERE f.token_sha256 = $1`, identityHash(token)))
	if err != nil {
		return nil, notFound(err, "unknown or revoked calendar feed")
	}
	return u, nil
}

// SetTeamManager makes a user the manager of a team (0: none). ENOTFOUND,
// EINVALID if the user does not exist.
func (db *DB) SetTeamManager(ctx context.Context, teamID, managerID int64) error {
	res, err := db.w.ExecContext(ctx, `UPDATE teams SET manager_id = $2 WHERE id = $1`, teamID, ref(managerID))
	if err != nil {
		if isForeignKeyViolation(err) {
			return &nudge.Error{Code: nudge.EINVALID, Field: "manager", Message: fmt.Sprintf("no user with id %d", managerID)}
		}
		return fmt.Errorf("set manager of team %d: %w", teamID, err)
	}
	return checkAffected(res, "no team with id %d", teamID)
}
