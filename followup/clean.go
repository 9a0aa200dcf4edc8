package followup

import (
	"context"
	"slices"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/method"
	"github.com/nudgecrm/nudge/store"
)

// Clean applies the clean list's action (F3) to people, all in one
// transaction — every one of them changes, or none:
//
//   - drop: the person is disqualified (status disqualified, their
//     enrollments exit "disqualified") and, as F1 asks for everyone
//     disqualified, starts the monthly drip;
//   - drip: their enrollments end ("moved to drip") and they start the drip
//     (F1); their status stays.
//
// An appointment's enrollment keeps its times either way: the prospect
// agreed to it. Nobody is enrolled in anything who may not be contacted
// (G1). It returns how many people changed; someone already disqualified
// (drop) or already in the drip (drip) is left as is. ENOTFOUND for an
// unknown id, and nothing changes.
func (s *Service) Clean(ctx context.Context, action nudge.CleanAction, ids []int64) (int, error) {
	if _, err := nudge.ParseCleanAction(string(action)); err != nil {
		return 0, err
	}
	w, err := s.world(ctx)
	if err != nil {
		return 0, err
	}
	drip := w.lib["drip"]
	if drip == nil {
		return 0, nudge.Errorf(nudge.EINVALID, "no drip cadence in the library (F1)")
	}
	changed := 0
	err = s.db.WithPeople(ctx, ids, func(tx *store.Tx, snap *store.Snapshot) error {
		w.now = tx.Now()
		orig := slices.Clone(snap.Enrollments)
		p := &snap.Person
		inDrip := slices.ContainsFunc(snap.Enrollments, func(e nudge.Enrollment) bool { return e.Cadence == drip.Name && e.State.Open() })
		switch {
		case action == nudge.CleanDrop && p.Status != nudge.StatusDisqualified:
			if err := tx.SetStatus(p.ID, nudge.StatusDisqualified); err != nil {
				return err
			}
			p.Status = nudge.StatusDisqualified
			endEnrollments(snap, string(nudge.ExitDisqualified), drip.Name)
		case action == nudge.CleanDrip && !inDrip:
			endEnrollments(snap, "moved to drip (F3)", "")
		default:
			return nil // already so
		}
		if stop, _ := method.HardStop(*p, snap.History); !stop && !inDrip {
			snap.Enrollments = append(snap.Enrollments, nudge.Enrollment{PersonID: p.ID, UserID: p.OwnerID, Cadence: drip.Name,
				State: nudge.EnrollmentActive, StepID: drip.Steps[0].ID, StartedAt: w.now, AnchorAt: w.now, Rule: "F1"})
		}
		changed++
		return s.settle(tx, w, snap, orig)
	})
	if err != nil {
		return 0, err
	}
	return changed, nil
}

// endEnrollments exits the person's open enrollments with reason, but an
// appointment's and the cadence named keep.
func endEnrollments(snap *store.Snapshot, reason, keep string) {
	for i := range snap.Enrollments {
		e := &snap.Enrollments[i]
		if !e.State.Open() || e.AppointmentID != 0 || (keep != "" && e.Cadence == keep) {
			continue
		}
		e.State, e.StepID, e.ExitReason, e.Next, e.SnoozedUntil = nudge.EnrollmentExited, "", reason, "", nil
	}
}
