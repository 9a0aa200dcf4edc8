package followup

import (
	"context"
	"time"

	"github.com/nudgecrm/nudge"
)

// EmailDone completes an email task the outbox (package mail) sent or saw
// bounce: the touch is recorded and the cadence moves on, as Done. It is
// the hook package mail reaches the engine through (mail.Engine), since
// this package imports mail.
func (s *Service) EmailDone(ctx context.Context, taskID int64, outcome nudge.Outcome, at time.Time, note nudge.WIN) error {
	_, err := s.Done(ctx, taskID, Result{Outcome: outcome, At: at, Note: note})
	return err
}
