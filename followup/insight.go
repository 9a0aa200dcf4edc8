package followup

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/method"
	"github.com/nudgecrm/nudge/store"
)

// Insight on one prospect (issue 6): the CARR phase (G4), the technique
// for a quiet prospect's likely reason (E6) and the visits to quiet
// prospects near a meeting (E7). The techniques and the visit are one-step
// built-in cadences (method/cadences/e6-*.json, in-the-area.json) that
// the rep enrols someone in: Plan times them like any step, so G1–G3 apply.

// keepCARR stores the person's CARR phase as their history now has it. It
// runs in every settle, and every recorded touch leads to one, so the
// People filter reads a current column.
func keepCARR(tx *store.Tx, snap *store.Snapshot) error {
	return tx.SetCARR(snap.Person.ID, nudge.CARROf(snap.History).Phase)
}

// CARR returns a person's phase from their whole history (G4).
func (s *Service) CARR(ctx context.Context, personID int64) (nudge.CARR, error) {
	is, _, err := s.db.FindInteractions(ctx, nudge.InteractionFilter{PersonID: &personID})
	if err != nil {
		return nudge.CARR{}, err
	}
	h := make([]nudge.Interaction, len(is))
	for i, x := range is {
		h[i] = *x
	}
	return nudge.CARROf(h), nil
}

// carrBatch is how many people one refresh transaction computes.
const carrBatch = 1000

// RefreshCARR computes and stores the CARR phase of the people whose phase
// was never computed (history recorded before the phase was kept, or
// loaded in bulk), or of everyone with all; it returns how many it
// stored. The scheduler fills a batch a pass; `nudge carr --refresh` does
// them all at once.
func (s *Service) RefreshCARR(ctx context.Context, all bool) (int, error) {
	return s.refreshCARR(ctx, all, math.MaxInt)
}

func (s *Service) refreshCARR(ctx context.Context, all bool, batches int) (int, error) {
	n := 0
	var after int64
	for range batches {
		hs, last, err := s.db.CARRHistories(ctx, after, !all, carrBatch)
		if err != nil || last == 0 {
			return n, err
		}
		phases := make(map[int64]nudge.CARRPhase, len(hs))
		for id, h := range hs {
			phases[id] = nudge.CARROf(h).Phase
		}
		if err := s.db.SetCARRPhases(ctx, phases, !all); err != nil {
			return n, err
		}
		n += len(phases)
		after = last
	}
	return n, nil
}

// Quiet is the E6 state of a person: the reason recorded, its technique,
// and the technique's task while it is open.
type Quiet struct {
	Note      nudge.QuietNote `json:"recorded"`
	Technique nudge.Technique `json:"technique"`
	Task      *nudge.TaskView `json:"task,omitempty"`
	// Stopped says why no technique is proposed (G1), when that is so.
	Stopped string `json:"stopped,omitempty"`
}

// RecordQuietReason records the likely reason a quiet prospect does not
// answer (E6) and makes its technique the person's next step: their open
// cadence ends (one cadence at a time, as with a manual enrolment; an
// appointment's keeps its times) and the technique's one-step cadence
// starts now. Recording again replaces the reason and its technique; the
// same reason again keeps the technique already planned. A person who said
// no or may not be contacted (G1) gets the reason stored and no technique.
// EINVALID, ENOTFOUND.
func (s *Service) RecordQuietReason(ctx context.Context, q nudge.QuietNote) (*Quiet, error) {
	tech, ok := q.Reason.Technique()
	if !ok {
		_, err := nudge.ParseQuietReason(string(q.Reason))
		return nil, err
	}
	out := &Quiet{Technique: tech}
	err := s.withPerson(ctx, q.PersonID, func(tx *store.Tx, w *world, snap *store.Snapshot) error {
		c := w.lib[tech.Cadence]
		if c == nil {
			return nudge.Errorf(nudge.EINVALID, "E6: no cadence %q for the technique (see `nudge cadence list`)", tech.Cadence)
		}
		if q.At.IsZero() {
			q.At = w.now
		}
		if err := tx.SaveQuietNote(&q); err != nil {
			return err
		}
		out.Note = q
		if stop, why := method.HardStop(snap.Person, snap.History); stop {
			out.Stopped = why
			return nil
		}
		return enrolOnly(tx, snap, c, w.now, "E6", "E6: "+string(q.Reason)+" recorded")
	})
	if err != nil {
		return nil, err
	}
	out.Task, err = s.openTaskIn(ctx, q.PersonID, tech.Cadence)
	return out, err
}

// QuietReason returns the E6 state of a person; nil when no reason is
// recorded.
func (s *Service) QuietReason(ctx context.Context, p *nudge.Person) (*Quiet, error) {
	q, err := s.db.FindQuietNote(ctx, p.ID)
	if nudge.ErrorCode(err) == nudge.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := &Quiet{Note: *q}
	out.Technique, _ = q.Reason.Technique()
	if p.DoNotContact {
		out.Stopped = "G1: do not contact"
	}
	out.Task, err = s.openTaskIn(ctx, p.ID, out.Technique.Cadence)
	return out, err
}

// enrolOnly starts cadence c for the person now, ending their other open
// enrollments (but an appointment's), unless they are in c already.
func enrolOnly(tx *store.Tx, snap *store.Snapshot, c *nudge.Cadence, start time.Time, rule, why string) error {
	for i := range snap.Enrollments {
		e := &snap.Enrollments[i]
		if !e.State.Open() {
			continue
		}
		if e.Cadence == c.Name {
			return nil // the same technique again: keep the one planned
		}
		if e.AppointmentID != 0 {
			continue
		}
		e.State, e.StepID, e.ExitReason, e.Next = nudge.EnrollmentExited, "", why, ""
		// An enrollment that had not begun (E1's silent cadence starts after
		// some quiet days) begins and ends now, so the new one is the latest
		// and Enrol continues from it when it finishes.
		if e.StartedAt.After(start) {
			e.StartedAt, e.AnchorAt = start, start
		}
	}
	e := nudge.Enrollment{PersonID: snap.Person.ID, UserID: snap.Person.OwnerID, Cadence: c.Name,
		State: nudge.EnrollmentActive, StepID: c.Steps[0].ID, StartedAt: start, AnchorAt: start, Rule: rule}
	if err := tx.SaveEnrollment(&e); err != nil {
		return err
	}
	snap.Enrollments = append(snap.Enrollments, e)
	return nil
}

// openTaskIn returns the person's open task in the cadence, nil when none.
func (s *Service) openTaskIn(ctx context.Context, personID int64, cadence string) (*nudge.TaskView, error) {
	rows, err := s.db.FindTasks(ctx, store.TaskFilter{PersonID: &personID, States: []nudge.TaskState{nudge.TaskOpen}, Agenda: true})
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if r.Cadence == cadence {
			loc, err := nudge.LoadLocation(r.TimeZone)
			if err != nil || r.TimeZone == "" {
				loc = time.UTC
			}
			v := r.Task.View(r.Person, loc)
			return &v, nil
		}
	}
	return nil, nil
}

// InTheArea is the built-in cadence of E7's visit.
const InTheArea = "in-the-area"

// NearbyOptions choose the meetings and the prospects of E7.
type NearbyOptions struct {
	// RepID keeps one rep's meetings (and so their prospects); nil: every rep's.
	RepID *int64
	// From and Until bound the meetings' start.
	From, Until time.Time
	// Km is the distance from the meeting's place (default 25).
	Km float64
	// QuietDays: a prospect is quiet when they have not answered in this
	// many days (default 14), besides being touched at least once and not
	// having said no (store.QuietNear).
	QuietDays int
}

// Defaults of NearbyOptions.
const (
	DefaultNearbyKm  = 25
	DefaultQuietDays = 14
	maxNearbyKm      = 500
)

// withDefaults fills the zero fields and checks the rest. EINVALID on km
// or quiet_days.
func (o NearbyOptions) withDefaults() (NearbyOptions, error) {
	if o.Km == 0 {
		o.Km = DefaultNearbyKm
	}
	if o.QuietDays == 0 {
		o.QuietDays = DefaultQuietDays
	}
	if math.IsNaN(o.Km) || o.Km <= 0 || o.Km > maxNearbyKm {
		return o, nudge.FieldError("km", "the distance must be more than 0 and at most %d km, not %g", maxNearbyKm, o.Km)
	}
	if o.QuietDays < 1 || o.QuietDays > 3650 {
		return o, nudge.FieldError("quiet_days", "quiet days must be between 1 and 3650, not %d", o.QuietDays)
	}
	return o, nil
}

// Visit is a rep's meeting at a place (an appointment of kind visit) with
// their quiet prospects near it.
type Visit struct {
	Appointment nudge.Appointment `json:"appointment"`
	RepID       int64             `json:"rep_id"`
	Host        string            `json:"host"` // whom the rep visits
	HostID      int64             `json:"host_id"`
	Place       string            `json:"place"` // the appointment's place, else the host's city
	// Note says why nobody could be searched for ("no coordinates").
	Note   string           `json:"note,omitempty"`
	Nearby []NearbyProspect `json:"nearby"`
}

// NearbyProspect is a quiet prospect near a meeting, nearest first.
type NearbyProspect struct {
	PersonID   int64      `json:"person_id"`
	Person     string     `json:"person"`
	City       string     `json:"city,omitempty"`
	Km         float64    `json:"km"` // great-circle distance, to 0.1 km
	LastAnswer *time.Time `json:"last_answer,omitempty"`
	Accepted   bool       `json:"accepted,omitempty"` // a visit is already planned (E7)
}

// Nearby proposes, for each meeting at a place in the window, the rep's own
// quiet prospects within the distance (E7), by great-circle distance from
// the coordinates of the person visited (A9); nothing is geocoded. A
// prospect who may not be contacted (G1) is never proposed.
func (s *Service) Nearby(ctx context.Context, o NearbyOptions) ([]Visit, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if !o.Until.After(o.From) {
		return nil, nudge.FieldError("date", "the window ends (%s) before it starts (%s)", o.Until.Format(time.RFC3339), o.From.Format(time.RFC3339))
	}
	aps, err := s.db.FindAppointments(ctx, store.AppointmentFilter{UserID: o.RepID, From: &o.From, Until: &o.Until})
	if err != nil {
		return nil, err
	}
	var out []Visit
	for _, a := range aps {
		if a.Kind != nudge.AppointmentVisit || a.State == nudge.AppointmentCancelled {
			continue
		}
		v, err := s.visit(ctx, a, o)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// visit finds the quiet prospects near one meeting.
func (s *Service) visit(ctx context.Context, a nudge.Appointment, o NearbyOptions) (Visit, error) {
	host, err := s.db.FindPersonByID(ctx, a.PersonID)
	if err != nil {
		return Visit{}, err
	}
	v := Visit{Appointment: a, RepID: a.UserID, Host: displayName(host), HostID: host.ID, Place: a.Place, Nearby: []NearbyProspect{}}
	if v.RepID == 0 {
		v.RepID = host.OwnerID
	}
	if v.Place == "" {
		v.Place = host.Location.City
	}
	if !host.Location.HasCoords {
		v.Note = fmt.Sprintf("%s has no coordinates: record their latitude and longitude (A9) to find prospects nearby", v.Host)
		return v, nil
	}
	if v.RepID == 0 {
		v.Note = "nobody owns this meeting, so there are no prospects of theirs to visit"
		return v, nil
	}
	cs, err := s.db.FindQuietNear(ctx, store.QuietNear{OwnerID: v.RepID, Box: nudge.BoundingBox(host.Location.Lat, host.Location.Lon, o.Km),
		AnsweredSince: s.clock.Now().AddDate(0, 0, -o.QuietDays), Exclude: host.ID, Accepted: InTheArea})
	if err != nil {
		return Visit{}, err
	}
	for _, c := range cs {
		km, ok := host.Location.DistanceKm(c.Person.Location)
		if !ok || km > o.Km {
			continue // in the rectangle, outside the circle
		}
		v.Nearby = append(v.Nearby, NearbyProspect{PersonID: c.Person.ID, Person: displayName(c.Person), City: c.Person.Location.City,
			Km: math.Round(km*10) / 10, LastAnswer: c.LastAnswer, Accepted: c.Accepted})
	}
	slices.SortStableFunc(v.Nearby, func(x, y NearbyProspect) int {
		if x.Km != y.Km {
			return int(math.Copysign(1, x.Km-y.Km))
		}
		return int(x.PersonID - y.PersonID)
	})
	return v, nil
}

// AcceptNearby plans the E7 visit to a quiet prospect near a meeting: the
// in-the-area cadence starts when the meeting ends, so its one step (a
// short visit, or the note left at reception) is due then, through the
// guardrails. The prospect's open cadence ends, as with any enrolment by
// hand. The proposal must still hold: the meeting is a visit, the prospect
// is the rep's own, quiet and within o.Km. It returns the visit's task (nil
// when no instant fits). ENOTFOUND, ECONFLICT (already accepted, G1),
// EINVALID.
func (s *Service) AcceptNearby(ctx context.Context, personID, appointmentID int64, o NearbyOptions) (*nudge.TaskView, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	a, err := s.db.FindAppointmentByID(ctx, appointmentID)
	if err != nil {
		return nil, err
	}
	if a.Kind != nudge.AppointmentVisit || a.State == nudge.AppointmentCancelled {
		return nil, nudge.FieldError("appointment", "appointment %d is a %s (%s), not a visit at a place", a.ID, a.Kind, a.State)
	}
	v, err := s.visit(ctx, *a, o)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(v.Nearby, func(n NearbyProspect) bool { return n.PersonID == personID })
	if i < 0 {
		why := v.Note
		if why == "" {
			why = fmt.Sprintf("not a quiet prospect of the rep within %g km of the meeting with %s", o.Km, v.Host)
		}
		return nil, nudge.Errorf(nudge.EINVALID, "E7: person %d: %s", personID, why)
	}
	if v.Nearby[i].Accepted {
		return nil, nudge.Errorf(nudge.ECONFLICT, "E7: a visit to %s is already planned", v.Nearby[i].Person)
	}
	minutes := a.Minutes
	if minutes == 0 {
		minutes = 60 // a visit of unknown length: an hour
	}
	start := a.At.Add(time.Duration(minutes) * time.Minute)
	err = s.withPerson(ctx, personID, func(tx *store.Tx, w *world, snap *store.Snapshot) error {
		c := w.lib[InTheArea]
		if c == nil {
			return nudge.Errorf(nudge.EINVALID, "E7: no cadence %q (see `nudge cadence list`)", InTheArea)
		}
		if stop, why := method.HardStop(snap.Person, snap.History); stop {
			return nudge.Errorf(nudge.ECONFLICT, "%s may not be contacted: %s", snap.Person.Name, why)
		}
		if start.Before(w.now) {
			start = w.now
		}
		return enrolOnly(tx, snap, c, start, "E7", fmt.Sprintf("E7: a visit after the meeting with %s", v.Host))
	})
	if err != nil {
		return nil, err
	}
	return s.openTaskIn(ctx, personID, InTheArea)
}

func displayName(p *nudge.Person) string {
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}
