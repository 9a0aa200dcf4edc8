package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/store"
)

// The insight features in the JSON API: the CARR phase (G4), quiet reasons
// (E6), visits in the area (E7), the value inventory (F2) and the clean
// list (F3). Each handler asks the same service call as its page in
// insight.go or value.go, and every person goes through c.person, so the
// API sees exactly what the pages do (scope.go: outside it is a 404).

// carrAnswer is a person's CARR phase (G4), shaped like `nudge carr
// PERSON --json`.
type carrAnswer struct {
	PersonID int64  `json:"person_id"`
	Person   string `json:"person"`
	nudge.CARR
	Advice string `json:"advice"`
}

func (s *Server) apiCARR(w http.ResponseWriter, r *http.Request, c *call) error {
	_, p, err := c.personInPath(r)
	if err != nil {
		return err
	}
	carr, err := s.svc.CARR(r.Context(), p.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, carrAnswer{PersonID: p.ID, Person: displayName(p), CARR: carr, Advice: carr.Phase.Advice()})
	return nil
}

// apiQuietReason is the E6 reason recorded on a person, with its technique
// and the technique's open task; 404 while none is recorded.
func (s *Server) apiQuietReason(w http.ResponseWriter, r *http.Request, c *call) error {
	_, p, err := c.personInPath(r)
	if err != nil {
		return err
	}
	q, err := s.svc.QuietReason(r.Context(), p)
	if err != nil {
		return err
	}
	if q == nil {
		return nudge.Errorf(nudge.ENOTFOUND, "no quiet reason recorded for %s (E6): record one with PUT", displayName(p))
	}
	writeJSON(w, http.StatusOK, q)
	return nil
}

// quietInput is the reason a quiet prospect does not answer (E6).
type quietInput struct {
	Reason string `json:"reason"`
	Note   string `json:"note"`
}

// apiQuietReasonPut records the reason, as the Person page's form does:
// the technique becomes the person's next step (or Stopped says why not).
func (s *Server) apiQuietReasonPut(w http.ResponseWriter, r *http.Request, c *call) error {
	id, _, err := c.personInPath(r)
	if err != nil {
		return err
	}
	var in quietInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	reason, err := nudge.ParseQuietReason(in.Reason)
	if err != nil {
		return err
	}
	q, err := s.svc.RecordQuietReason(r.Context(), nudge.QuietNote{PersonID: id, Reason: reason, Note: in.Note, UserID: c.user.ID})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, q)
	return nil
}

// apiValue is a person's value inventory (F2): achieved against goal per
// line, the next re-measurement and the open conversations.
func (s *Server) apiValue(w http.ResponseWriter, r *http.Request, c *call) error {
	_, p, err := c.personInPath(r)
	if err != nil {
		return err
	}
	rep, err := s.svc.ValueReport(r.Context(), p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// valueLineInput is a new value line: the writable fields of the line the
// report shows. Numbers are pointers so that a missing one is named rather
// than taken for 0; dates are read like the Person page's form.
type valueLineInput struct {
	Name       string               `json:"name"`
	Unit       string               `json:"unit"`
	Direction  nudge.ValueDirection `json:"direction"`
	Baseline   *float64             `json:"baseline"`
	BaselineAt string               `json:"baseline_at"` // default now
	Goal       *float64             `json:"goal"`
	GoalBy     string               `json:"goal_by"`
}

// lineFields renames the fields nudge.ValueLine.Validate names after the
// Person page's form to the JSON fields of valueLineInput.
var lineFields = map[string]string{"line": "name", "by": "goal_by"}

func (s *Server) apiValueLineAdd(w http.ResponseWriter, r *http.Request, c *call) error {
	id, p, err := c.personInPath(r)
	if err != nil {
		return err
	}
	var in valueLineInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	loc := p.Zone(userZone(c.user))
	l := &nudge.ValueLine{PersonID: id, Name: in.Name, Unit: in.Unit, Direction: in.Direction}
	err = firstError(
		func() (err error) { l.Baseline, err = required("baseline", in.Baseline); return },
		func() (err error) {
			l.BaselineAt = s.clock.Now()
			if strings.TrimSpace(in.BaselineAt) != "" {
				l.BaselineAt, err = parseLocal("baseline_at", in.BaselineAt, loc)
			}
			return
		},
		func() (err error) { l.Goal, err = required("goal", in.Goal); return },
		func() (err error) { l.GoalBy, err = parseLocal("goal_by", in.GoalBy, loc); return },
	)
	if err != nil {
		return err
	}
	ch, err := s.svc.AddValueLine(r.Context(), l)
	if err != nil {
		return renameField(err, lineFields)
	}
	writeJSON(w, http.StatusCreated, ch)
	return nil
}

// measurementInput is a re-measurement of a line named by its name or id.
type measurementInput struct {
	Line  string   `json:"line"`
	Value *float64 `json:"value"`
	At    string   `json:"at"` // default now
	Note  string   `json:"note"`
}

func (s *Server) apiValueMeasure(w http.ResponseWriter, r *http.Request, c *call) error {
	id, p, err := c.personInPath(r)
	if err != nil {
		return err
	}
	var in measurementInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	m := &nudge.Measurement{Note: in.Note}
	if m.Value, err = required("value", in.Value); err != nil {
		return err
	}
	if strings.TrimSpace(in.At) == "" {
		m.At = s.clock.Now()
	} else if m.At, err = parseLocal("at", in.At, p.Zone(userZone(c.user))); err != nil {
		return err
	}
	ch, err := s.svc.Measure(r.Context(), id, in.Line, m)
	if e, ok := err.(*nudge.Error); ok && e.Code == nudge.ENOTFOUND && e.Field == "line" {
		// The person exists and is visible: an unknown line is a mistake in
		// the body (422 naming it), not a missing resource.
		return nudge.FieldError("line", "%s", e.Message)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ch)
	return nil
}

// required reads a number the body must carry.
func required(field string, v *float64) (float64, error) {
	if v == nil {
		return 0, nudge.FieldError(field, "give a number")
	}
	return *v, nil
}

// renameField names an error's field as the API's body does, where the
// domain names it after the Person page's form ("by" for goal_by).
func renameField(err error, names map[string]string) error {
	e, ok := err.(*nudge.Error)
	if !ok {
		return err
	}
	to, ok := names[e.Field]
	if !ok {
		return err
	}
	renamed := *e
	renamed.Field = to
	return &renamed
}

// cleanPage is the clean list (F3): the lowest-upside active prospects the
// caller may see, lowest first, each with its score, parts and action.
type cleanPage struct {
	People []nudge.Upside `json:"people"`
	Limit  int            `json:"limit"`
}

// apiClean takes the Clean page's query: limit (how many, default 50) and
// owner (one owner's people; another team's shows nobody, as on the page).
func (s *Server) apiClean(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	q, err := s.cleanQueryOf(r, c)
	if err != nil {
		return err
	}
	rows, err := s.db.CleanList(ctx, q)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []nudge.Upside{}
	}
	writeJSON(w, http.StatusOK, cleanPage{People: rows, Limit: cmpLimit(q.Limit)})
	return nil
}

// cleanQueryOf reads the clean list's query (limit, owner) within the
// caller's scope: the Clean page (cleanView) and the API share it.
func (s *Server) cleanQueryOf(r *http.Request, c *call) (store.CleanQuery, error) {
	sc, err := c.scope(r.Context())
	if err != nil {
		return store.CleanQuery{}, err
	}
	q := store.CleanQuery{Owners: sc.owners, Now: s.clock.Now()}
	if v := strings.TrimSpace(r.URL.Query().Get("limit")); v != "" {
		if q.Limit, err = strconv.Atoi(v); err != nil || q.Limit < 1 {
			return q, malformed("limit", "%q is not a number of people", v)
		}
	}
	owner, err := queryID(r, "owner")
	if err != nil {
		return q, err
	}
	if owner != 0 {
		// Another team's rep shows nobody, as on the People page.
		q.Owners = []int64{}
		if sc.seesOwner(owner) {
			q.Owners = []int64{owner}
		}
	}
	return q, nil
}

// cleanInput is the one-step bulk action of the clean list (F3).
type cleanInput struct {
	Action string  `json:"action"` // drop or drip
	People []int64 `json:"people"`
}

// cleanDone says how many of the people named the action changed; the
// others were so already (disqualified, or in the drip).
type cleanDone struct {
	Action    nudge.CleanAction `json:"action"`
	Requested int               `json:"requested"`
	Changed   int               `json:"changed"`
}

// apiCleanApply applies drop or drip to the people named, all or none
// (followup.Clean). Every one is checked against the caller's scope first:
// one they may not see is a 404, and nobody changes.
func (s *Server) apiCleanApply(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	var in cleanInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	action, err := nudge.ParseCleanAction(in.Action)
	if err != nil {
		return err
	}
	ids := slices.Compact(slices.Sorted(slices.Values(in.People)))
	switch {
	case len(ids) == 0:
		return nudge.FieldError("people", "name the people to %s", action)
	case len(ids) > store.MaxCleanLimit:
		// No clean list is longer; it also bounds the lookups below.
		return nudge.FieldError("people", "at most %d people in one step, not %d", store.MaxCleanLimit, len(ids))
	}
	for _, id := range ids {
		if id <= 0 {
			return nudge.FieldError("people", "%d is not a person id", id)
		}
		if _, err := c.person(ctx, id); err != nil {
			return err
		}
	}
	n, err := s.svc.Clean(ctx, action, ids)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, cleanDone{Action: action, Requested: len(ids), Changed: n})
	return nil
}

// nearbyPage is Today's "In the area" section (E7): the caller's meetings
// at a place over the next week, each with their quiet prospects nearby.
type nearbyPage struct {
	Km     float64          `json:"km"`
	Zone   string           `json:"zone"`
	Visits []followup.Visit `json:"visits"`
}

// apiNearby reads the distance as Today does (?km=, default 25).
func (s *Server) apiNearby(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.todayNearby(r.Context(), c, r.URL.Query())
	if err != nil {
		return err
	}
	if d.KmError != "" {
		return malformed("km", "%s", d.KmError)
	}
	visits := d.Visits
	if visits == nil {
		visits = []followup.Visit{}
	}
	writeJSON(w, http.StatusOK, nearbyPage{Km: d.Km, Zone: d.Zone, Visits: visits})
	return nil
}

// nearbyInput accepts a proposed visit (E7).
type nearbyInput struct {
	PersonID      int64   `json:"person_id"`
	AppointmentID int64   `json:"appointment_id"`
	Km            float64 `json:"km"` // the distance the proposal was made for; 0: 25
}

// nearbyPlanned is the visit planned; Task is absent while no time fits
// the guardrails.
type nearbyPlanned struct {
	PersonID      int64           `json:"person_id"`
	AppointmentID int64           `json:"appointment_id"`
	Task          *nudge.TaskView `json:"task,omitempty"`
}

// apiNearbyAccept plans the short visit, as Today's button does. The
// prospect must be one the caller may see; so must the meeting (its rep's
// or its host's), so that the refusal for someone else's meeting, which
// names its host, does not leak.
func (s *Server) apiNearbyAccept(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	var in nearbyInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	switch {
	case in.PersonID <= 0:
		return nudge.FieldError("person_id", "say whom to visit (a person id)")
	case in.AppointmentID <= 0:
		return nudge.FieldError("appointment_id", "say after which meeting (an appointment id)")
	}
	if _, err := c.person(ctx, in.PersonID); err != nil {
		return err
	}
	if err := c.appointment(ctx, in.AppointmentID); err != nil {
		return err
	}
	task, err := s.svc.AcceptNearby(ctx, in.PersonID, in.AppointmentID, followup.NearbyOptions{Km: in.Km})
	if err != nil {
		return renameField(err, map[string]string{"appointment": "appointment_id"})
	}
	writeJSON(w, http.StatusCreated, nearbyPlanned{PersonID: in.PersonID, AppointmentID: in.AppointmentID, Task: task})
	return nil
}

// appointment checks that the caller may see an appointment: its rep is
// in their scope, or its person is; ENOTFOUND otherwise.
func (c *call) appointment(ctx context.Context, id int64) error {
	sc, err := c.scope(ctx)
	if err != nil {
		return err
	}
	a, err := c.s.db.FindAppointmentByID(ctx, id)
	if err != nil {
		return err
	}
	if sc.seesOwner(a.UserID) {
		return nil
	}
	if _, err := c.person(ctx, a.PersonID); err != nil {
		if nudge.ErrorCode(err) == nudge.ENOTFOUND {
			return notVisible("appointment", id)
		}
		return err
	}
	return nil
}
