package store

import (
	"context"
	"fmt"
	"time"
)

// Ping checks that the database answers (the server's /readyz).
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return fmt.Errorf("ping %s database: %w", db.d.name, err)
	}
	var one int
	if err := db.r.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("query %s database: %w", db.d.name, err)
	}
	return nil
}

// Depth is what is waiting, for the operator's gauges (issue 7).
type Depth struct {
	DuePeople       int // people whose check time has come: the scheduler's queue
	OpenTasksDue    int // open tasks due by now: the reps' queue
	UncertainEmails int // messages held as uncertain until a person decides
}

// Depth counts what waits at now. Each count reads one partial index
// (people_check_at, tasks_open_due, messages_due), so a scrape stays cheap
// on a large book.
func (db *DB) Depth(ctx context.Context, now time.Time) (Depth, error) {
	var d Depth
	err := db.r.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM people WHERE check_at IS NOT NULL AND check_at <= $1),
		(SELECT COUNT(*) FROM tasks WHERE state = 'open' AND due <= $1),
		(SELECT COUNT(*) FROM messages WHERE state = 'uncertain')`, ms(now)).Scan(&d.DuePeople, &d.OpenTasksDue, &d.UncertainEmails)
	if err != nil {
		return Depth{}, fmt.Errorf("queue depth: %w", err)
	}
	return d, nil
}
