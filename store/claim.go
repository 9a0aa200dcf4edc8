package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"
)

// Several processes may send from one database: `nudge serve` on more than
// one machine (PostgreSQL), or `nudge send` beside it. Each DB handle claims
// messages under an identity of its own, its claim owner, a random number
// kept in messages.claimed_by. Only the owner of a claim may start the
// message's SMTP conversation (MarkSending), so a message taken back from a
// sender presumed dead can never go out twice.
//
// On PostgreSQL an owner is alive while its process holds a session-level
// advisory lock on it, on a connection kept for that: the server drops the
// lock the moment the process dies (SIGKILL, crash, machine lost) or the
// connection breaks, and any other sender may then take back what the owner
// left (RecoverAbandoned). A process whose connection broke takes a new
// identity, since others may be taking back the old one's claims already.
// SQLite gives no such signal: there the claims of earlier processes are
// taken back at start-up (RecoverInterrupted).

// claimLockClass is the first key of the owners' advisory locks ("nudg").
const claimLockClass = 0x6e756467

// ownerGone is the condition, on PostgreSQL, that a message's claim owner
// is dead: nobody holds its lock. The lock is tried for the transaction
// only, so it is released as soon as the statement ends; a live owner's
// lock is never taken.
var ownerGone = ` AND CASE WHEN claimed_by = '' THEN true
	ELSE pg_try_advisory_xact_lock(` + strconv.Itoa(claimLockClass) + `, CAST(claimed_by AS integer)) END`

// claimOwner is a DB handle's identity in claims.
type claimOwner struct {
	mu   sync.Mutex
	id   string
	conn *sql.Conn // PostgreSQL: the session holding the lock on id
}

// claimOwnerID returns the identity this handle claims under, taking one
// (and on PostgreSQL its lock) on first use or after the lock's connection
// broke.
func (db *DB) claimOwnerID(ctx context.Context) (string, error) {
	o := &db.owner
	o.mu.Lock()
	defer o.mu.Unlock()
	if db.d.name != postgresName {
		if o.id == "" {
			o.id = strconv.Itoa(int(rand.Int32N(math.MaxInt32)) + 1)
		}
		return o.id, nil
	}
	if o.conn != nil {
		if err := o.conn.PingContext(ctx); err == nil {
			return o.id, nil
		}
		o.conn.Close() // broken: the pool discards it, and the lock is gone with it
		o.conn, o.id = nil, ""
	}
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("claim owner: %w", err)
	}
	for range 8 {
		key := rand.Int32N(math.MaxInt32-1) + 1
		var ok bool
		if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1, $2)`, claimLockClass, key).Scan(&ok); err != nil {
			conn.Close()
			return "", fmt.Errorf("claim owner: %w", err)
		}
		if ok {
			o.conn, o.id = conn, strconv.Itoa(int(key))
			return o.id, nil
		}
	}
	conn.Close()
	return "", errors.New("claim owner: every identity tried is taken")
}

// currentOwner is the identity claims were last made under, without
// checking that it is still held: a claim taken back meanwhile fails its
// compare-and-set in MarkSending anyway.
func (db *DB) currentOwner() string {
	db.owner.mu.Lock()
	defer db.owner.mu.Unlock()
	return db.owner.id
}

// closeClaimOwner releases the owner's lock and its connection.
func (db *DB) closeClaimOwner() error {
	o := &db.owner
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.conn == nil {
		return nil
	}
	// Closing must not hang on a server that went away: its lock went too.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := o.conn.ExecContext(ctx, `SELECT pg_advisory_unlock_all()`)
	err = errors.Join(err, o.conn.Close())
	o.conn, o.id = nil, ""
	return err
}

// RecoverAbandoned takes back what senders that died left behind while
// this one goes on (see RecoverInterrupted): on PostgreSQL, every message
// claimed or mid-send by an owner whose lock nobody holds. On SQLite it does
// nothing, since a live sender cannot be told from a dead one there; start-up
// recovery covers it. Returns how many messages became uncertain.
func (db *DB) RecoverAbandoned(ctx context.Context) (int, error) {
	if db.d.name != postgresName {
		return 0, nil
	}
	return db.recoverClaims(ctx, math.MaxInt64)
}

// recoverClaims is RecoverInterrupted for claims made at or before the
// instant before (unix ms).
func (db *DB) recoverClaims(ctx context.Context, before int64) (int, error) {
	gone := ""
	if db.d.name == postgresName {
		gone = ownerGone
	}
	now := ms(db.now())
	if _, err := db.w.ExecContext(ctx, `UPDATE messages SET state = 'queued', updated_at = $2
		WHERE state = 'claimed' AND claimed_at <= $1`+gone, before, now); err != nil {
		return 0, fmt.Errorf("recover claimed messages: %w", err)
	}
	res, err := db.w.ExecContext(ctx, `UPDATE messages SET state = 'uncertain', updated_at = $2,
		error = 'interrupted mid-send (crash or kill): it may or may not have been delivered; retry or cancel'
		WHERE state = 'sending' AND claimed_at <= $1`+gone, before, now)
	if err != nil {
		return 0, fmt.Errorf("recover interrupted sends: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
