package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/store/storetest"
)

var bulkNow = time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)

// bulkBook makes n people of company companyID owned by rep: each with i%7
// touches, every third one do-not-contact with no task, the others with one
// enrollment and its open task.
func bulkBook(n int, rep, companyID int64) []*store.BulkPerson {
	out := make([]*store.BulkPerson, n)
	for i := range out {
		created := bulkNow.AddDate(0, 0, -100+i%50)
		bp := &store.BulkPerson{Person: nudge.Person{
			OwnerID: rep, CompanyID: companyID, Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@acme.com", i),
			Phone: fmt.Sprintf("+1212555%04d", i), Title: "CFO", TimeZone: "America/New_York", Country: "US",
			Location:         nudge.Location{City: "New York", Lat: 40.7, Lon: -74.0, HasCoords: i%2 == 0},
			PreferredChannel: nudge.ChannelCall, OKToSayNo: i%4 == 0, PainGain: "month-end close takes 9 days",
			BuyingRole: nudge.RoleDecisionMaker, Status: nudge.StatusProspect, Source: "seed",
			CreatedAt: created, UpdatedAt: created,
		}}
		for j := range i % 7 {
			bp.Interactions = append(bp.Interactions, nudge.Interaction{UserID: rep, Channel: nudge.ChannelCall,
				Direction: nudge.Outbound, Outcome: nudge.OutcomeConnected, At: created.Add(time.Duration(j+1) * time.Hour),
				Note: nudge.WIN{What: "pricing", Insights: "budget in Q1", NextSteps: "CFO call"}})
		}
		if i%3 == 0 {
			at := created
			bp.Person.DoNotContact, bp.Person.DoNotContactReason, bp.Person.DoNotContactAt = true, "G1: declined", &at
		} else {
			due := bulkNow.Add(time.Duration(i) * time.Hour)
			bp.Enrollments = []nudge.Enrollment{{UserID: rep, Cadence: "3-2-4", State: nudge.EnrollmentActive,
				StepID: "day-3", StartedAt: created, AnchorAt: created, Rule: "B1"}}
			bp.Tasks = []nudge.Task{{EnrollmentID: 1, Cadence: "3-2-4", StepID: "day-3", AssigneeID: rep,
				Channel: nudge.ChannelCall, Due: due, Rule: "B1", Reason: "first follow-up", Voicemail: true, State: nudge.TaskOpen}}
			bp.NextTouchAt = &due
		}
		out[i] = bp
	}
	return out
}

func TestBulkLoadRoundTrip(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, b, nudge.NewFixedClock(bulkNow))
			rep := &nudge.User{Email: "sam@us.com", Name: "Sam Rep"}
			if err := db.CreateUser(ctx, rep); err != nil {
				t.Fatal(err)
			}
			co := &nudge.Company{Name: "Acme Inc.", Domain: "acme.com", Country: "US", OwnerID: rep.ID, CreatedAt: bulkNow, UpdatedAt: bulkNow}
			if n, err := db.BulkCompanies(ctx, func(yield func(*nudge.Company) bool) { yield(co) }); err != nil || n != 1 || co.ID == 0 {
				t.Fatalf("BulkCompanies = %d, %v, id %d", n, err, co.ID)
			}
			// 1,300 people in batches of 400: four transactions, and SQLite
			// INSERTs split at 500 rows.
			book := bulkBook(1300, rep.ID, co.ID)
			var batches int
			n, err := db.BulkLoad(ctx, func(yield func(*store.BulkPerson) bool) {
				for _, bp := range book {
					if !yield(bp) {
						return
					}
				}
			}, store.BulkOptions{Batch: 400, Progress: func(store.BulkCount) { batches++ }})
			if err != nil {
				t.Fatal(err)
			}
			var wantTouches, wantTasks int64
			for _, bp := range book {
				wantTouches += int64(len(bp.Interactions))
				wantTasks += int64(len(bp.Tasks))
			}
			want := store.BulkCount{People: 1300, Interactions: wantTouches, Enrollments: wantTasks, Tasks: wantTasks}
			if n != want || batches != 4 {
				t.Fatalf("BulkLoad = %+v in %d batches, want %+v in 4", n, batches, want)
			}
			if _, total, err := db.FindPeople(ctx, nudge.PersonFilter{}); err != nil || total != 1300 {
				t.Fatalf("FindPeople total = %d, %v", total, err)
			}
			for _, i := range []int{0, 5, 799, 1299} {
				bp := book[i]
				got, err := db.FindPersonByID(ctx, bp.Person.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(*got, bp.Person) {
					t.Errorf("person %d:\n got %+v\nwant %+v", i, *got, bp.Person)
				}
				ins, _, err := db.FindInteractions(ctx, nudge.InteractionFilter{PersonID: &bp.Person.ID})
				if err != nil || len(ins) != len(bp.Interactions) {
					t.Fatalf("person %d: %d interactions, %v", i, len(ins), err)
				}
				for k, it := range ins { // newest first
					w := bp.Interactions[len(ins)-1-k]
					w.ID = it.ID
					if !reflect.DeepEqual(*it, w) {
						t.Errorf("interaction:\n got %+v\nwant %+v", *it, w)
					}
				}
				tasks, err := db.FindTasks(ctx, store.TaskFilter{PersonID: &bp.Person.ID})
				if err != nil || len(tasks) != len(bp.Tasks) {
					t.Fatalf("person %d: %d tasks, %v", i, len(tasks), err)
				}
				if len(tasks) == 1 {
					w := bp.Tasks[0]
					w.ID = tasks[0].ID
					if !reflect.DeepEqual(tasks[0].Task, w) {
						t.Errorf("task:\n got %+v\nwant %+v", tasks[0].Task, w)
					}
					ens, err := db.FindEnrollments(ctx, bp.Person.ID)
					if err != nil || len(ens) != 1 || !reflect.DeepEqual(ens[0], bp.Enrollments[0]) || w.EnrollmentID != ens[0].ID {
						t.Errorf("enrollments %+v, %v; want %+v", ens, err, bp.Enrollments)
					}
				}
			}
			// The services go on after a bulk load: new ids do not collide
			// (PostgreSQL's sequences moved past the loaded rows).
			p := &nudge.Person{Name: "After", Email: "after@acme.com"}
			if err := db.CreatePerson(ctx, p); err != nil || p.ID <= book[len(book)-1].Person.ID {
				t.Fatalf("CreatePerson after bulk load: id %d, %v", p.ID, err)
			}
			it := &nudge.Interaction{PersonID: p.ID, Channel: nudge.ChannelEmail, Direction: nudge.Outbound, Outcome: nudge.OutcomeSent, At: bulkNow}
			if err := db.CreateInteraction(ctx, it, nil); err != nil {
				t.Fatal(err)
			}
			// A bulk load that fails rolls its batch back and reports what
			// the earlier batches stored: the second batch repeats an email.
			again := bulkBook(3, rep.ID, co.ID)
			n, err = db.BulkLoad(ctx, func(yield func(*store.BulkPerson) bool) {
				for i, bp := range again {
					bp.Person.Email = fmt.Sprintf("again%d@acme.com", i)
					if i == 2 {
						bp.Person.Email = book[0].Person.Email
					}
					if !yield(bp) {
						return
					}
				}
			}, store.BulkOptions{Batch: 2})
			if err == nil || n.People != 2 {
				t.Fatalf("BulkLoad with a duplicate = %+v, %v; want 2 people then an error", n, err)
			}
			if _, total, _ := db.FindPeople(ctx, nudge.PersonFilter{}); total != 1300+1+2 {
				t.Errorf("after the failed batch: %d people, want %d", total, 1303)
			}
		})
	}
}

func TestInsertTasks(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := storetest.Open(t, b, nudge.NewFixedClock(bulkNow))
			p := &nudge.Person{Name: "Jerry", Email: "jerry@nbc.com"}
			if err := db.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
			tasks := make([]nudge.Task, 3)
			for i := range tasks {
				tasks[i] = nudge.Task{PersonID: p.ID, Channel: nudge.ChannelEmail, Due: bulkNow.Add(time.Duration(i) * time.Hour),
					Rule: "B1", Reason: "bench", State: nudge.TaskOpen}
			}
			if err := db.InsertTasks(ctx, tasks); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindTasks(ctx, store.TaskFilter{PersonID: &p.ID})
			if err != nil || len(got) != 3 {
				t.Fatalf("FindTasks = %d, %v", len(got), err)
			}
			for i := range got {
				if !reflect.DeepEqual(got[i].Task, tasks[i]) {
					t.Errorf("task %d:\n got %+v\nwant %+v", i, got[i].Task, tasks[i])
				}
			}
		})
	}
}
