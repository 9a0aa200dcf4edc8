package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// AcquireLease takes or renews the lease called name for holder until
// now+ttl, and reports whether holder has it: true when the lease was free,
// expired, or already holder's. It is one statement, so two instances
// racing for a free lease cannot both win.
//
// Leases run on the wall clock the caller passes (time.Now), not the
// business clock of NUDGE_NOW: they are about processes being alive, and a
// fixed demo clock would otherwise keep a dead holder's lease forever.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	var got string
	err := db.w.QueryRowContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at <= $4
		RETURNING holder`, name, holder, ms(now.Add(ttl)), ms(now)).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil // held by a live holder: the upsert's WHERE refused
	}
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	return got == holder, nil
}

// ReleaseLease gives up holder's lease called name (no-op when it is not
// theirs), so another instance need not wait for it to expire.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder); err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}
