package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/store/storetest"
)

func TestValueLines(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			now := storetest.Start
			db := storetest.Open(t, b, nudge.NewFixedClock(now))
			p := &nudge.Person{Name: "Jerry Seinfeld", Email: "jerry@example.com", Status: nudge.StatusCustomer}
			if err := db.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
			day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d.Add(17 * time.Hour) }
			labour := nudge.ValueLine{PersonID: p.ID, Name: "Labour  cost", Unit: "USD/month", Direction: nudge.LowerIsBetter,
				Baseline: 4200, BaselineAt: day("2026-06-01"), Goal: 3000, GoalBy: day("2026-11-15")}
			orders := nudge.ValueLine{PersonID: p.ID, Name: "orders a day", Direction: nudge.HigherIsBetter,
				Baseline: 40.5, BaselineAt: day("2026-06-01"), Goal: 60, GoalBy: day("2027-06-01")}
			err := db.WithPerson(ctx, p.ID, func(tx *store.Tx, _ *store.Snapshot) error {
				for _, l := range []*nudge.ValueLine{&labour, &orders} {
					if err := tx.AddValueLine(l); err != nil {
						return err
					}
				}
				for _, m := range []nudge.Measurement{{LineID: labour.ID, Value: 3400, At: day("2026-09-01"), Note: "two shifts merged"},
					{LineID: labour.ID, Value: 3800, At: day("2026-07-01")}, {LineID: orders.ID, Value: 44, At: day("2026-07-01")}} {
					if err := tx.AddMeasurement(&m); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// One line of a name per customer, whatever the case and spacing.
			err = db.WithPerson(ctx, p.ID, func(tx *store.Tx, _ *store.Snapshot) error {
				dup := orders
				dup.ID, dup.Name = 0, "ORDERS  A DAY"
				return tx.AddValueLine(&dup)
			})
			if e, ok := err.(*nudge.Error); !ok || e.Code != nudge.ECONFLICT || e.Field != "line" {
				t.Fatalf("duplicate line: %v, want ECONFLICT on line", err)
			}
			ls, ms, err := db.FindValueLines(ctx, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ls) != 2 || ls[0].Name != "Labour cost" || ls[0].Direction != nudge.LowerIsBetter || ls[1].Baseline != 40.5 ||
				!ls[0].GoalBy.Equal(day("2026-11-15")) || ls[0].Reviewed != "" {
				t.Fatalf("lines: %+v", ls)
			}
			if len(ms) != 3 || ms[0].Value != 3800 || ms[2].Value != 3400 || ms[2].Note != "two shifts merged" {
				t.Fatalf("measurements by time: %+v", ms)
			}
			pr := nudge.AssessValue(ls[0], ms, now)
			if pr.Latest != 3400 || pr.Progress != 66.7 || pr.Status != nudge.ValueMissed {
				t.Errorf("labour: %+v", pr)
			}

			// The scheduler finds the line whose goal date has passed, once.
			due, err := db.ValueGoalsDue(ctx, now, 10)
			if err != nil || len(due) != 1 || due[0] != p.ID {
				t.Fatalf("goals due: %v %v", due, err)
			}
			err = db.WithPerson(ctx, p.ID, func(tx *store.Tx, _ *store.Snapshot) error {
				return tx.SetValueReview(ls[0].ID, nudge.ValueMissed, &now, true)
			})
			if err != nil {
				t.Fatal(err)
			}
			if due, err := db.ValueGoalsDue(ctx, now, 10); err != nil || len(due) != 0 {
				t.Fatalf("goals due after the sweep: %v %v", due, err)
			}
			if due, err := db.ValueGoalsDue(ctx, day("2027-06-02"), 10); err != nil || len(due) != 1 {
				t.Fatalf("goals due a year on: %v %v", due, err)
			}
			ls, _, _ = db.FindValueLines(ctx, p.ID)
			if ls[0].Reviewed != nudge.ValueMissed || ls[0].ReviewedAt == nil || !ls[0].ReviewedAt.Equal(now) {
				t.Errorf("reviewed: %+v", ls[0])
			}
			// Deleting the person takes the inventory with them.
			if err := db.DeletePerson(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
			if ls, ms, err := db.FindValueLines(ctx, p.ID); err != nil || len(ls)+len(ms) != 0 {
				t.Errorf("after delete: %v %v %v", ls, ms, err)
			}
		})
	}
}
