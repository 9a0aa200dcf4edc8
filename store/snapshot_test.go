package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/store/storetest"
)

// SettleDue loads a batch's snapshots together (five queries for the whole
// batch): each person must get exactly their own history, appointments,
// enrollments and open tasks, in order, and the people come in check_at
// order. Three due people is not a power of two, so the IN list is padded.
func TestSettleDueSnapshots(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := t.Context()
			now := storetest.Start
			db := storetest.Open(t, b, nudge.NewFixedClock(now))
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			rep := &nudge.User{Email: "rep@us.example", Name: "Rep", Role: nudge.UserRep}
			must(db.CreateUser(ctx, rep))
			people := map[string]*nudge.Person{}
			for _, name := range []string{"Ann", "Bob", "Cat", "Dan"} {
				p := &nudge.Person{Name: name, Email: name + "@prospect.example", OwnerID: rep.ID}
				must(db.CreatePerson(ctx, p))
				people[name] = p
			}
			h := func(n int) time.Time { return now.Add(-time.Duration(n) * time.Hour) }
			// Touches written out of time order and interleaved between people.
			for _, x := range []struct {
				who string
				at  int
			}{{"Ann", 5}, {"Bob", 9}, {"Ann", 30}, {"Cat", 1}, {"Ann", 2}, {"Bob", 3}} {
				must(db.CreateInteraction(ctx, &nudge.Interaction{PersonID: people[x.who].ID, UserID: rep.ID,
					Channel: nudge.ChannelCall, Outcome: nudge.OutcomeNoAnswer, At: h(x.at)}, nil))
			}
			// Dan is not due; the others are due in the order Cat, Ann, Bob.
			due := map[string]int{"Cat": 30, "Ann": 20, "Bob": 10}
			for name, p := range people {
				must(db.WithPerson(ctx, p.ID, func(tx *store.Tx, _ *store.Snapshot) error {
					var checkAt *time.Time
					if n, ok := due[name]; ok {
						at := h(n)
						checkAt = &at
					}
					if err := tx.SetSchedule(p.ID, checkAt, nil); err != nil {
						return err
					}
					if name == "Bob" {
						return nil // nothing but touches
					}
					e := &nudge.Enrollment{PersonID: p.ID, UserID: rep.ID, Cadence: "3-2-4", State: nudge.EnrollmentActive,
						StepID: "day-1", StartedAt: h(40), AnchorAt: h(40)}
					if err := tx.SaveEnrollment(e); err != nil {
						return err
					}
					for i, state := range []nudge.TaskState{nudge.TaskOpen, nudge.TaskDone, nudge.TaskOpen} {
						k := &nudge.Task{PersonID: p.ID, EnrollmentID: e.ID, AssigneeID: rep.ID, Cadence: "3-2-4",
							StepID: fmt.Sprintf("step-%d", i), Channel: nudge.ChannelCall, Due: now.Add(time.Duration(3-i) * time.Hour),
							Rule: "B1", Reason: "test", State: state}
						if i == 2 {
							k.EnrollmentID = 0 // one open task per enrollment: the other is outside any cadence
						}
						if err := tx.SaveTask(k, ""); err != nil {
							return err
						}
					}
					return tx.SaveAppointment(&nudge.Appointment{PersonID: p.ID, UserID: rep.ID, At: now.Add(48 * time.Hour),
						Minutes: 20, Kind: nudge.AppointmentCall})
				}))
			}

			type got struct {
				name                             string
				history                          []time.Time
				appointments, enrollments, tasks int
				taskSteps                        []string
			}
			var seen []got
			n, err := db.SettleDue(ctx, now, 10, func(tx *store.Tx, s *store.Snapshot) error {
				g := got{name: s.Person.Name, appointments: len(s.Appointments), enrollments: len(s.Enrollments), tasks: len(s.Tasks)}
				for _, i := range s.History {
					if i.PersonID != s.Person.ID {
						t.Errorf("%s's history holds a touch of person %d", s.Person.Name, i.PersonID)
					}
					g.history = append(g.history, i.At)
				}
				for _, k := range s.Tasks {
					if k.PersonID != s.Person.ID || k.State != nudge.TaskOpen {
						t.Errorf("%s's open tasks hold task %d of person %d in state %s", s.Person.Name, k.ID, k.PersonID, k.State)
					}
					g.taskSteps = append(g.taskSteps, k.StepID)
				}
				seen = append(seen, g)
				return tx.SetSchedule(s.Person.ID, nil, nil)
			})
			must(err)
			want := []got{
				{name: "Cat", history: []time.Time{h(1)}, appointments: 1, enrollments: 1, tasks: 2, taskSteps: []string{"step-2", "step-0"}},
				{name: "Ann", history: []time.Time{h(30), h(5), h(2)}, appointments: 1, enrollments: 1, tasks: 2, taskSteps: []string{"step-2", "step-0"}},
				{name: "Bob", history: []time.Time{h(9), h(3)}},
			}
			if n != len(want) || len(seen) != len(want) {
				t.Fatalf("settled %d people (%d seen), want %d", n, len(seen), len(want))
			}
			for i, w := range want {
				g := seen[i]
				if g.name != w.name || !slices.EqualFunc(g.history, w.history, time.Time.Equal) || g.appointments != w.appointments ||
					g.enrollments != w.enrollments || g.tasks != w.tasks || !slices.Equal(g.taskSteps, w.taskSteps) {
					t.Errorf("snapshot %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
		})
	}
}
