package followup_test

import (
	"context"
	"testing"
	"time"

	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
)

// TestRunStopsBetweenBatches: when the scheduler is told to stop (nudge
// serve's graceful shutdown cancels Run's context), the batch it is
// settling commits and no new batch starts. Three people are due, one per
// batch; the stop comes as the first batch commits, so exactly one person
// is planned and two stay due for the next start. OnSettled hears each
// committed batch (the server's metrics).
func TestRunStopsBetweenBatches(t *testing.T) {
	eachBackend(t, func(t *testing.T, b testdb.Backend) {
		x := setup(t, b, "2026-11-30T14:00:00Z")
		for _, e := range []string{"a@stop.example", "b@stop.example", "c@stop.example"} {
			x.person(t, "Due "+e, e, "America/New_York", "US")
		}
		ctx, cancel := context.WithCancel(x.ctx)
		var batches []int
		svc := followup.New(x.db, x.clock, followup.Options{Batch: 1, OnSettled: func(n int) {
			batches = append(batches, n)
			cancel()
		}})
		var errs []error
		if err := svc.Run(ctx, time.Hour, func(err error) { errs = append(errs, err) }); err != nil || len(errs) > 0 {
			t.Fatalf("Run: %v, errors %v", err, errs)
		}
		if len(batches) != 1 || batches[0] != 1 {
			t.Errorf("settled batches %v, want one of 1 person", batches)
		}
		d, err := x.db.Depth(x.ctx, x.clock.Now())
		if err != nil || d.DuePeople != 2 || d.OpenTasksDue != 0 {
			t.Errorf("after the stop: %+v, %v; want 2 people still due, no task due yet", d, err)
		}
		// A scheduler stopped before it starts settles nothing.
		if err := svc.Run(ctx, time.Hour, nil); err != nil || len(batches) != 1 {
			t.Errorf("Run on a stopped context: %v, batches %v", err, batches)
		}
		// The next start settles the rest.
		if n, err := svc.RunOnce(x.ctx); err != nil || n != 2 {
			t.Errorf("RunOnce after restart settled %d (%v), want 2", n, err)
		}
	})
}
