package main

import (
	"context"
	"fmt"
	"time"

	"github.com/nudgecrm/nudge/report"
	"github.com/nudgecrm/nudge/store"
)

// reportTime runs the reports of issue 6 as an admin sees them — everybody's
// people over the book's whole history — and returns how long the four took
// together: H1 persistence, H2 wins by touch, H3 contact rate by attempt,
// and the reply rates.
func reportTime(ctx context.Context, db *store.DB) (time.Duration, error) {
	f := report.Filter{From: benchNow.AddDate(-2, 0, 0), To: benchNow, Now: benchNow}
	start := time.Now()
	drops, err := db.Persistence(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("H1: %w", err)
	}
	if _, err := db.WinsByTouch(ctx, f); err != nil {
		return 0, fmt.Errorf("H2: %w", err)
	}
	contact, err := db.ContactByAttempt(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("H3: %w", err)
	}
	if _, err := db.ReplyRates(ctx, f); err != nil {
		return 0, fmt.Errorf("replies: %w", err)
	}
	took := time.Since(start)
	// A report that found nothing measured nothing.
	if drops.Dropped == 0 || contact.Prospects == 0 {
		return took, fmt.Errorf("the reports found %d people dropped and %d prospects touched", drops.Dropped, contact.Prospects)
	}
	return took, nil
}
