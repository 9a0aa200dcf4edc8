package followup

import (
	"context"
	"strings"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/store"
)

// EmailReceived logs an email a person sent — a reply, a "stop", a "no" —
// as an inbound touch and re-plans, once per message: rec names the message
// (its mailbox and Message-ID) and commits with the touch, so a message read
// twice does nothing the second time (false). As Log: a reply restarts the
// clock or ends the enrollment, per the cadence's exit rules (B1); a stop or
// a no applies G1. A reply also puts a "reply received" task on the rep's
// agenda, due at once: answering it is a person's job.
func (s *Service) EmailReceived(ctx context.Context, rec store.Inbound, i *nudge.Interaction) (bool, error) {
	fresh := false
	i.PersonID = rec.PersonID
	err := s.withPerson(ctx, rec.PersonID, func(tx *store.Tx, w *world, snap *store.Snapshot) error {
		ok, err := tx.RecordInbound(&rec)
		if err != nil || !ok {
			return err
		}
		fresh = true
		if i.UserID == 0 {
			i.UserID = snap.Person.OwnerID
		}
		if err := tx.AddInteraction(i, nil); err != nil {
			return err
		}
		snap.History = append(snap.History, *i)
		if i.Outcome.HardStop() {
			snap.Person.DoNotContact = true // G1, stored by AddInteraction
			signalAll(w, snap, nudge.ExitOptOut, i.At)
			return nil
		}
		signalAll(w, snap, nudge.ExitReply, i.At)
		// Saved outside snap.Tasks: the task belongs to no enrollment, so
		// settling (below) neither replans nor replaces it.
		subject := strings.TrimSpace(i.Subject)
		if subject == "" {
			subject = "(no subject)"
		}
		t := &nudge.Task{PersonID: i.PersonID, AssigneeID: i.UserID, Channel: nudge.ChannelEmail, Due: i.At,
			Rule: "B1", Reason: "reply received: " + subject + " — answer it; their reply restarted the follow-up clock"}
		return tx.SaveTask(t, firstLine(i.Note.What))
	})
	return fresh, err
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
