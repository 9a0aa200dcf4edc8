// Package followup runs the method for the reps: it keeps every person's
// enrollments and tasks planned by the pure engine (package method) and
// stored (package store), deciding and writing in one transaction per
// person so that nothing due is lost or done twice.
//
// Everything that can change a person's schedule — a touch logged, a task
// done, snoozed or skipped, an appointment, an enrollment, an import — ends
// in settle, which re-plans the person from their whole history. Plan is
// deterministic, so settling twice gives the same tasks; a task keeps its id
// while its step stays the same.
package followup

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/method"
	"github.com/nudgecrm/nudge/store"
)

// Options tune the service. The zero value follows METHOD.md.
type Options struct {
	Policy     method.Policy
	RepCompany string // the company reps call from (D1 opening)
	// Batch is how many due people one scheduler transaction settles.
	Batch int
	// OnSettled, when set, is told how many people each committed batch of
	// the scheduler settled (the server's metrics; it must not block).
	OnSettled func(people int)
}

// Service is the follow-up engine bound to a store and a clock.
type Service struct {
	db    *store.DB
	clock nudge.Clock
	opts  Options

	mu      sync.Mutex
	builtin method.Library
}

// New returns a service. It reads the built-in cadences once.
func New(db *store.DB, clock nudge.Clock, opts Options) *Service {
	if opts.Batch <= 0 {
		opts.Batch = 200
	}
	return &Service{db: db, clock: clock, opts: opts}
}

// Library returns the cadences in force: the built-in ones, replaced or
// extended by the user's own (store.SaveCadence).
func (s *Service) Library(ctx context.Context) (method.Library, error) {
	s.mu.Lock()
	if s.builtin == nil {
		b, err := method.Builtin()
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		s.builtin = b
	}
	lib := make(method.Library, len(s.builtin))
	for k, v := range s.builtin {
		lib[k] = v
	}
	s.mu.Unlock()
	own, err := s.db.FindCadences(ctx)
	if err != nil {
		return nil, err
	}
	for name, def := range own {
		c, err := method.ParseCadence(def)
		if err != nil {
			return nil, fmt.Errorf("stored cadence %q: %w", name, err)
		}
		lib[c.Name] = c
	}
	return lib, nil
}

// world is what settling needs beyond one person: the cadences, the users
// (reps, their managers) and the scripts with the users' own templates,
// loaded once per command or batch.
type world struct {
	now      time.Time
	lib      method.Library
	users    map[int64]*nudge.User
	managers map[int64]*nudge.User // team id → manager
	scripts  method.Scripts
}

func (s *Service) world(ctx context.Context) (*world, error) {
	lib, err := s.Library(ctx)
	if err != nil {
		return nil, err
	}
	users, err := s.db.FindUsers(ctx)
	if err != nil {
		return nil, err
	}
	teams, err := s.db.FindTeams(ctx)
	if err != nil {
		return nil, err
	}
	templates, err := s.db.FindTemplates(ctx)
	if err != nil {
		return nil, err
	}
	w := &world{now: s.clock.Now().UTC(), lib: lib, users: map[int64]*nudge.User{}, managers: map[int64]*nudge.User{},
		scripts: scripts(templates)}
	for _, u := range users {
		w.users[u.ID] = u
	}
	for _, t := range teams {
		if m := w.users[t.ManagerID]; m != nil {
			w.managers[t.ID] = m
		}
	}
	return w, nil
}

// maxRounds bounds the plan/enrol loop of one settle; a cadence chain longer
// than this is a bug in a cadence file, reported rather than looped on.
const maxRounds = 32

// settle re-plans one person: applies the auto-enrolment rules, plans every
// open enrollment through the guardrails, and stores the enrollments and the
// one open task of each. It must run inside the person's transaction.
// orig holds the enrollments as stored, to write only what changed.
func (s *Service) settle(tx *store.Tx, w *world, snap *store.Snapshot, orig []nudge.Enrollment) error {
	p := snap.Person
	rep := nudge.User{}
	if u := w.users[p.OwnerID]; u != nil {
		rep = *u
	}
	var manager *nudge.User
	if rep.TeamID != 0 {
		if m := w.managers[rep.TeamID]; m != nil && m.ID != rep.ID {
			manager = m
		}
	}
	// A customer's value lines, read once and only if an F2 cadence plans.
	lazyValues := sync.OnceValues(func() ([]nudge.ValueProgress, error) { return w.values(tx, p.ID) })
	ens := slices.Clone(snap.Enrollments)
	desired := map[int]*nudge.Task{} // index in ens → the task it should have
	var checkAt *time.Time
	for round := 0; ; round++ {
		if round == maxRounds {
			return fmt.Errorf("person %d: cadences did not settle after %d rounds (a cadence chain loops?)", p.ID, maxRounds)
		}
		sg, ok := method.Enrol(method.Situation{Now: w.now, Person: p, Enrollments: ens, History: snap.History,
			Appointments: snap.Appointments, Library: w.lib, Policy: s.opts.Policy})
		if ok {
			e := sg.Enrollment(p.ID, p.OwnerID)
			if e.StepID == "" {
				if c := w.lib[e.Cadence]; c != nil {
					e.StepID = c.Steps[0].ID
				}
			}
			ens = append(ens, e)
		}
		changed := false
		clear(desired)
		checkAt = nil
		for i := range ens {
			e := ens[i]
			if !e.State.Open() {
				continue
			}
			c := w.lib[e.Cadence]
			if c == nil {
				// A cadence deleted or renamed under a live enrollment: end it
				// visibly rather than fail every plan of the person.
				e.State, e.StepID, e.ExitReason = nudge.EnrollmentExited, "", "unknown cadence "+e.Cadence
				ens[i], changed = e, true
				continue
			}
			var values []nudge.ValueProgress
			if c.Rule == "F2" { // the value check names the lines (value.go)
				var err error
				if values, err = lazyValues(); err != nil {
					return err
				}
			}
			// G2 counts the other cadences' tasks as planned this round,
			// and the open tasks outside any cadence: the F2 conversations
			// proposed (value.go), a reply to answer.
			var others []nudge.Task
			for j, t := range desired {
				if j != i {
					others = append(others, *t)
				}
			}
			for _, t := range snap.Tasks {
				if t.EnrollmentID == 0 {
					others = append(others, t)
				}
			}
			d, err := method.Plan(method.Input{Now: w.now, Person: p, Rep: rep, RepCountry: rep.Country, Manager: manager,
				RepCompany: s.opts.RepCompany, Cadence: c, Enrollment: e, History: snap.History,
				Appointments: snap.Appointments, Open: others, Policy: s.opts.Policy, Scripts: w.scripts, Values: values})
			if err != nil {
				return fmt.Errorf("plan enrollment %d (%s): %w", e.ID, e.Cadence, err)
			}
			ens[i] = d.Enrollment
			switch d.Kind {
			case method.KindTask:
				t := d.Task
				t.PersonID, t.EnrollmentID = p.ID, ens[i].ID
				desired[i] = t
			case method.KindIdle:
				// No minute in every window, or paused: look again tomorrow.
				next := w.now.Add(24 * time.Hour)
				if e.State == nudge.EnrollmentActive && (checkAt == nil || next.Before(*checkAt)) {
					checkAt = &next
				}
			case method.KindDone, method.KindStop:
				changed = changed || d.Kind == method.KindDone
			}
		}
		// A finished enrollment may chain to another (Enrol, next round);
		// stop once a round neither added nor finished one.
		if !ok && !changed {
			break
		}
	}
	// Time alone changes the plan when an appointment begins (an undone C1
	// reminder becomes moot, the C2 call is due): look again then.
	for _, a := range snap.Appointments {
		if a.State == nudge.AppointmentScheduled && a.At.After(w.now) && (checkAt == nil || a.At.Before(*checkAt)) {
			at := a.At
			checkAt = &at
		}
	}
	return s.store(tx, snap, orig, ens, desired, checkAt)
}

// store writes a settled person: every enrollment that changed, the one
// open task of each open enrollment (kept with its id when the step is the
// same), and the person's next check and next follow-up date.
func (s *Service) store(tx *store.Tx, snap *store.Snapshot, orig, ens []nudge.Enrollment, desired map[int]*nudge.Task, checkAt *time.Time) error {
	for i := range ens {
		if i < len(orig) && sameEnrollment(orig[i], ens[i]) {
			continue
		}
		if err := tx.SaveEnrollment(&ens[i]); err != nil {
			return err
		}
		if t := desired[i]; t != nil {
			t.EnrollmentID = ens[i].ID
		}
	}
	existing := map[int64]nudge.Task{} // enrollment id → its open task
	for _, t := range snap.Tasks {
		// Tasks outside any cadence ("reply received") are the rep's, not
		// the plan's: re-planning leaves them alone.
		if t.EnrollmentID != 0 {
			existing[t.EnrollmentID] = t
		}
	}
	var next *time.Time
	for i := range ens {
		t, had := desired[i], existing[ens[i].ID]
		delete(existing, ens[i].ID)
		switch {
		case t == nil && had.ID != 0:
			if err := tx.DeleteTask(had.ID); err != nil {
				return err
			}
		case t != nil && had.ID != 0 && had.StepID == t.StepID:
			t.ID, t.CreatedAt = had.ID, had.CreatedAt
			if !sameTask(had, *t) {
				if err := tx.SaveTask(t, ""); err != nil {
					return err
				}
			}
		case t != nil:
			if had.ID != 0 {
				if err := tx.DeleteTask(had.ID); err != nil {
					return err
				}
			}
			if err := tx.SaveTask(t, ""); err != nil {
				return err
			}
		}
		if t != nil && (next == nil || t.Due.Before(*next)) {
			d := t.Due
			next = &d
		}
	}
	// Open tasks of enrollments that no longer exist (none in practice).
	for _, t := range existing {
		if err := tx.DeleteTask(t.ID); err != nil {
			return err
		}
	}
	if err := keepCARR(tx, snap); err != nil { // G4 (insight.go)
		return err
	}
	return tx.SetSchedule(snap.Person.ID, checkAt, next)
}

func sameEnrollment(a, b nudge.Enrollment) bool {
	sa, sb := a.SnoozedUntil, b.SnoozedUntil
	a.SnoozedUntil, b.SnoozedUntil = nil, nil
	a.UpdatedAt, b.UpdatedAt = time.Time{}, time.Time{}
	if (sa == nil) != (sb == nil) || (sa != nil && !sa.Equal(*sb)) {
		return false
	}
	return a.StartedAt.Equal(b.StartedAt) && a.AnchorAt.Equal(b.AnchorAt) && a.LastTouchAt.Equal(b.LastTouchAt) &&
		a.ID == b.ID && a.State == b.State && a.StepID == b.StepID && a.ExitReason == b.ExitReason && a.Next == b.Next &&
		a.Attempts == b.Attempts && a.SinceProgress == b.SinceProgress && a.AppointmentID == b.AppointmentID &&
		a.Cadence == b.Cadence && a.Rule == b.Rule && a.UserID == b.UserID
}

func sameTask(a, b nudge.Task) bool {
	return a.Due.Equal(b.Due) && a.Channel == b.Channel && a.Rule == b.Rule && a.Reason == b.Reason &&
		a.Guard == b.Guard && a.Script == b.Script && a.Template == b.Template && a.AssigneeID == b.AssigneeID &&
		a.Voicemail == b.Voicemail && a.SameDay == b.SameDay && a.Exact == b.Exact && a.Attempt == b.Attempt &&
		a.Cadence == b.Cadence
}

// withPerson settles a person after f changed their snapshot, in one
// transaction.
func (s *Service) withPerson(ctx context.Context, personID int64, f func(tx *store.Tx, w *world, snap *store.Snapshot) error) error {
	w, err := s.world(ctx)
	if err != nil {
		return err
	}
	return s.db.WithPerson(ctx, personID, func(tx *store.Tx, snap *store.Snapshot) error {
		w.now = tx.Now()
		orig := slices.Clone(snap.Enrollments)
		if f != nil {
			if err := f(tx, w, snap); err != nil {
				return err
			}
		}
		return s.settle(tx, w, snap, orig)
	})
}

// Settle re-plans one person now.
func (s *Service) Settle(ctx context.Context, personID int64) error {
	return s.withPerson(ctx, personID, nil)
}

// RunOnce settles every person whose check time has come (new people,
// imports, changes) and marks overdue commitments missed; it returns how many
// people it settled. Safe to run from several processes at once.
func (s *Service) RunOnce(ctx context.Context) (int, error) {
	return s.runOnce(ctx, nil)
}

// runOnce is RunOnce that starts no new batch once stop is closed.
func (s *Service) runOnce(ctx context.Context, stop <-chan struct{}) (int, error) {
	if stopped(stop) {
		return 0, nil
	}
	w, err := s.world(ctx)
	if err != nil {
		return 0, err
	}
	if _, err := s.db.MarkMissedCommitments(ctx, w.now); err != nil {
		return 0, err
	}
	// G4: a batch of the phases never computed (history from before they
	// were kept, or loaded in bulk) each pass (insight.go).
	if _, err := s.refreshCARR(ctx, false, 1); err != nil {
		return 0, err
	}
	// F2: value goals whose date passed unmet call for a "why not" (value.go).
	if _, err := s.ReviewValues(ctx); err != nil {
		return 0, err
	}
	total := 0
	for !stopped(stop) {
		n, err := s.db.SettleDue(ctx, w.now, s.opts.Batch, func(tx *store.Tx, snap *store.Snapshot) error {
			return s.settle(tx, w, snap, slices.Clone(snap.Enrollments))
		})
		total += n
		if err != nil {
			return total, err
		}
		if s.opts.OnSettled != nil && n > 0 {
			s.opts.OnSettled(n)
		}
		if n < s.opts.Batch {
			break
		}
	}
	return total, nil
}

// stopped reports whether stop is closed (a nil stop never is).
func stopped(stop <-chan struct{}) bool {
	select {
	case <-stop:
		return true
	default:
		return false
	}
}

// Run settles due people every interval until ctx ends. A batch in flight
// when ctx ends is finished, not cancelled (graceful shutdown: it is one
// transaction, and rolling it back would only redo its work at the next
// start), and no new batch starts; the caller bounds how long it waits.
func (s *Service) Run(ctx context.Context, every time.Duration, onError func(error)) error {
	t := time.NewTicker(every)
	defer t.Stop()
	work := context.WithoutCancel(ctx)
	for {
		if _, err := s.runOnce(work, ctx.Done()); err != nil && onError != nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// errTaskNotOpen is returned when a task was already done, skipped or replaced.
func taskNotOpen(id int64) error {
	return nudge.Errorf(nudge.ECONFLICT, "task %d is not open (already done, skipped or replaced: run `nudge today` again)", id)
}

// personOfTask finds the person a task belongs to.
func (s *Service) personOfTask(ctx context.Context, taskID int64) (int64, error) {
	rows, err := s.db.FindTasks(ctx, store.TaskFilter{ID: &taskID})
	if err != nil {
		return 0, err
	}
	if len(rows) == 0 {
		return 0, nudge.Errorf(nudge.ENOTFOUND, "no task with id %d", taskID)
	}
	return rows[0].PersonID, nil
}

// openTask finds task id among the snapshot's open tasks, with its enrollment.
func openTask(snap *store.Snapshot, id int64) (*nudge.Task, *nudge.Enrollment, error) {
	i := slices.IndexFunc(snap.Tasks, func(t nudge.Task) bool { return t.ID == id })
	if i < 0 {
		return nil, nil, taskNotOpen(id)
	}
	t := &snap.Tasks[i]
	j := slices.IndexFunc(snap.Enrollments, func(e nudge.Enrollment) bool { return e.ID == t.EnrollmentID })
	if j < 0 {
		return t, nil, nil
	}
	return t, &snap.Enrollments[j], nil
}
