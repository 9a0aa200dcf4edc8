package web

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/calendar"
	"github.com/nudgecrm/nudge/followup"
)

// insightRoutes registers the G4/E6/E7 pages and forms.
func (s *Server) insightRoutes() {
	s.mux.Handle("POST /people/{id}/quiet-reason", s.page(s.personQuietReason))
	s.mux.Handle("POST /nearby/accept", s.page(s.nearbyAccept))
}

// insightData is the Person page's section on G4 and E6.
type insightData struct {
	CARR    nudge.CARR
	Phases  []nudge.CARRPhase
	Quiet   *followup.Quiet   // nil: no reason recorded
	Reasons []nudge.Technique // the E6 form's choices
	Current string            // the reason recorded, preselected in the form
}

// personHistoryLimit is how many touches the Person page loads; a longer
// history is read whole for the phase.
const personHistoryLimit = 200

// personInsight is the Person page's G4/E6 section (nil shows nothing).
// history is the page's timeline, newest first.
func (s *Server) personInsight(ctx context.Context, c *call, p *nudge.Person, history []*nudge.Interaction) (any, error) {
	d := &insightData{Phases: nudge.CARRPhases, Reasons: nudge.Techniques()}
	if len(history) < personHistoryLimit {
		h := make([]nudge.Interaction, len(history))
		for i, x := range history {
			h[i] = *x
		}
		d.CARR = nudge.CARROf(h)
	} else {
		var err error
		if d.CARR, err = s.svc.CARR(ctx, p.ID); err != nil {
			return nil, err
		}
	}
	q, err := s.svc.QuietReason(ctx, p)
	if err != nil {
		return nil, err
	}
	d.Quiet = q
	if q != nil {
		d.Current = string(q.Note.Reason)
	}
	return d, nil
}

// personQuietReason records why a quiet prospect does not answer (E6) and
// puts the matching technique on the rep's Today.
func (s *Server) personQuietReason(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	id, p, err := c.personInPath(r)
	if err != nil {
		return err
	}
	reason, err := nudge.ParseQuietReason(r.PostFormValue("quiet_reason"))
	var q *followup.Quiet
	if err == nil {
		q, err = s.svc.RecordQuietReason(ctx, nudge.QuietNote{PersonID: id, Reason: reason,
			Note: r.PostFormValue("quiet_note"), UserID: c.user.ID})
	}
	if err != nil {
		return s.personAgain(w, r, c, id, err, "quiet_")
	}
	msg := fmt.Sprintf("E6: %s → %s.", q.Technique.Label, q.Technique.Name)
	switch {
	case q.Stopped != "":
		msg += " " + q.Stopped + ": no technique is proposed."
	case q.Task != nil:
		msg += fmt.Sprintf(" Next step: %s %s, on Today.", q.Task.Channel, dueText(q.Task.Due))
	default:
		msg += " No time fits the guardrails yet; it will be planned as soon as one does."
	}
	s.redirect(w, r, fmt.Sprintf("/people/%d", p.ID), msg)
	return nil
}

// dueText renders a TaskView's RFC 3339 due time: "Mon 30 Nov 09:00".
func dueText(due string) string {
	t, err := time.Parse(time.RFC3339, due)
	if err != nil {
		return due
	}
	return t.Format("Mon 2 Jan 15:04")
}

// nearbyDays is how far ahead Today looks for meetings at a place (E7):
// a week, so a visit can be planned before the day.
const nearbyDays = 7

// nearbyData is Today's "In the area (E7)" section.
type nearbyData struct {
	Visits  []followup.Visit
	Km      float64 // the distance the visits were found within
	KmText  string  // the distance as typed, to keep it in the form
	KmError string
	Zone    string
}

// todayNearby proposes the caller's quiet prospects near their meetings at
// a place from today on, within the km of the query (default 25).
func (s *Server) todayNearby(ctx context.Context, c *call, q url.Values) (*nearbyData, error) {
	loc := userZone(c.user)
	d := &nearbyData{Zone: loc.String(), Km: followup.DefaultNearbyKm, KmText: strconv.Itoa(followup.DefaultNearbyKm)}
	o := followup.NearbyOptions{RepID: &c.user.ID}
	if v := strings.TrimSpace(q.Get("km")); v != "" {
		d.KmText = v
		km, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsNaN(km) || km <= 0 || km > 500 {
			d.KmError = fmt.Sprintf("%q is not a distance in km (more than 0, at most 500)", v)
			return d, nil
		}
		o.Km, d.Km = km, km
	}
	now := s.clock.Now().In(loc)
	o.From = calendar.AtMinuteOfDay(now, loc, 0)
	o.Until = calendar.AddDays(o.From, nearbyDays)
	visits, err := s.svc.Nearby(ctx, o)
	if err != nil {
		return nil, err
	}
	d.Visits = visits
	return d, nil
}

// report puts a bad distance beside its field, so Today answers 422.
func (d *nearbyData) report(v *view) {
	if d.KmError != "" {
		v.Errors["km"] = d.KmError
	}
}

// nearbyAccept plans the short visit E7 proposed: the prospect must be one
// the caller may see, and the proposal must still hold (followup checks
// the meeting, the owner, the quiet and the distance).
func (s *Server) nearbyAccept(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	f := r.PostForm
	personID, err1 := strconv.ParseInt(strings.TrimSpace(f.Get("person")), 10, 64)
	apptID, err2 := strconv.ParseInt(strings.TrimSpace(f.Get("appointment")), 10, 64)
	if err1 != nil || err2 != nil {
		return malformed("person", "person %q and appointment %q must be ids", f.Get("person"), f.Get("appointment"))
	}
	p, err := c.person(ctx, personID)
	if err != nil {
		return err
	}
	// Someone else's meeting is a 404: the refusal below would name its host.
	if err := c.appointment(ctx, apptID); err != nil {
		return err
	}
	o := followup.NearbyOptions{}
	if v := strings.TrimSpace(f.Get("km")); v != "" {
		if o.Km, err = strconv.ParseFloat(v, 64); err != nil {
			err = nudge.FieldError("km", "%q is not a distance in km", v)
		}
	}
	var task *nudge.TaskView
	if err == nil {
		task, err = s.svc.AcceptNearby(ctx, personID, apptID, o)
	}
	if err != nil {
		v, verr := s.todayView(w, r, c)
		if verr != nil {
			return verr
		}
		if !v.formError(err, r.PostForm) {
			return err
		}
		v.Errors["nearby"] = nudge.ErrorMessage(err)
		delete(v.Errors, "")
		s.render(w, r, http.StatusUnprocessableEntity, "today", v)
		return nil
	}
	msg := fmt.Sprintf("E7: a short visit to %s is planned.", displayName(p))
	if task != nil {
		msg = fmt.Sprintf("E7: a short visit to %s, %s their time, right after your meeting nearby.", displayName(p), dueText(task.Due))
	}
	s.redirect(w, r, "/today", msg)
	return nil
}
