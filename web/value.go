package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/store"
)

// valueRoutes registers the F2 value inventory and the F3 clean-list pages.
func (s *Server) valueRoutes() {
	m := s.mux
	m.Handle("POST /people/{id}/value/lines", s.page(s.valueLineAdd))
	m.Handle("POST /people/{id}/value/measurements", s.page(s.valueMeasure))
	m.Handle("GET /clean", s.page(s.clean))
	m.Handle("POST /clean", s.page(s.cleanApply))
}

// valueData is the Person page's F2 section: every line's achieved against
// goal, the chart of the same numbers, the next re-measurement and the
// conversations proposed.
type valueData struct {
	Customer  bool
	Lines     []valueLineRow
	Chart     template.HTML // inline SVG from package chart (it escapes every text)
	NextCheck *nudge.TaskView
	Proposals []nudge.TaskView
}

// valueLineRow is one line with its numbers printed (FormatValue) and its
// dates in the customer's zone.
type valueLineRow struct {
	ID                        int64
	Name, Unit, Direction     string
	Baseline, BaselineAt      string
	Goal, GoalBy              string
	Latest, LatestAt          string
	Progress, Status, Measure string
	Points                    []valuePointRow
}

type valuePointRow struct{ At, Value, Progress, Note string }

// personValue is the Person page's F2 section: shown for customers
// (status customer or a won deal) and anyone with value lines; nil hides it.
func (s *Server) personValue(ctx context.Context, c *call, p *nudge.Person) (any, error) {
	r, err := s.svc.ValueReport(ctx, p)
	if err != nil {
		return nil, err
	}
	if !r.Customer && len(r.Lines) == 0 {
		return nil, nil
	}
	loc := p.Zone(userZone(c.user))
	d := &valueData{Customer: r.Customer, NextCheck: r.NextCheck, Proposals: r.Proposals}
	for _, l := range r.Lines {
		row := valueLineRow{ID: l.Line.ID, Name: l.Line.Name, Unit: l.Line.Unit, Direction: "higher is better",
			Baseline: nudge.FormatValue(l.Line.Baseline), BaselineAt: l.Line.BaselineAt.In(loc).Format("2 Jan 2006"),
			Goal: nudge.FormatValue(l.Line.Goal), GoalBy: l.Line.GoalBy.In(loc).Format("2 Jan 2006"),
			Latest: nudge.FormatValue(l.Latest), LatestAt: l.LatestAt.In(loc).Format("2 Jan 2006"),
			Progress: nudge.FormatValue(l.Progress), Status: l.Status.String()}
		if l.Line.Direction == nudge.LowerIsBetter {
			row.Direction = "lower is better"
		}
		for _, pt := range l.Points[1:] {
			row.Points = append(row.Points, valuePointRow{At: pt.At.In(loc).Format("2 Jan 2006"), Value: nudge.FormatValue(pt.Value),
				Progress: nudge.FormatValue(pt.Progress), Note: pt.Note})
		}
		d.Lines = append(d.Lines, row)
	}
	if len(r.Lines) > 0 {
		var svg bytes.Buffer
		if err := r.Chart().SVG(&svg); err != nil {
			return nil, err
		}
		d.Chart = template.HTML(svg.String())
	}
	return d, nil
}

// valueLineAdd records a value line (F2) from the Person page; the form's
// fields are prefixed v_, and a mistake re-renders the page with the
// message beside its field and everything typed kept.
func (s *Server) valueLineAdd(w http.ResponseWriter, r *http.Request, c *call) error {
	id, p, err := c.personInPath(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	loc := p.Zone(userZone(c.user))
	l := &nudge.ValueLine{PersonID: id, Name: f.Get("v_line"), Unit: f.Get("v_unit"), Direction: nudge.ValueDirection(f.Get("v_direction"))}
	err = firstError(
		func() (err error) { l.Baseline, err = formNumber(f, "baseline", "v_baseline"); return },
		func() (err error) {
			l.BaselineAt, err = formDate(f, "baseline_at", "v_baseline_at", loc, s.clock.Now())
			return
		},
		func() (err error) { l.Goal, err = formNumber(f, "goal", "v_goal"); return },
		func() (err error) { l.GoalBy, err = formDate(f, "by", "v_by", loc, time.Time{}); return },
	)
	var ch *followup.ValueChange
	if err == nil {
		ch, err = s.svc.AddValueLine(r.Context(), l)
	}
	if e, ok := err.(*nudge.Error); ok && e.Field == "person" {
		// Not a customer: said at the top of the page, where the section
		// with the form may not even show.
		return s.personAgain(w, r, c, id, &nudge.Error{Code: e.Code, Message: e.Message}, "")
	}
	if err != nil {
		return s.personAgain(w, r, c, id, err, "v_")
	}
	msg := fmt.Sprintf("Added the value line %q (F2).", l.Name)
	if ch.Enrolled {
		msg += " Enrolled in value-check: the re-measurements are scheduled."
	}
	s.redirect(w, r, fmt.Sprintf("/people/%d#value-h", id), msg+changeWords(ch, loc))
	return nil
}

// valueMeasure records a re-measurement (fields prefixed m_).
func (s *Server) valueMeasure(w http.ResponseWriter, r *http.Request, c *call) error {
	id, p, err := c.personInPath(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	loc := p.Zone(userZone(c.user))
	m := &nudge.Measurement{Note: f.Get("m_note")}
	err = firstError(
		func() (err error) { m.Value, err = formNumber(f, "value", "m_value"); return },
		func() (err error) { m.At, err = formDate(f, "at", "m_at", loc, s.clock.Now()); return },
	)
	var ch *followup.ValueChange
	if err == nil {
		ch, err = s.svc.Measure(r.Context(), id, f.Get("m_line"), m)
	}
	if err != nil {
		if e, ok := err.(*nudge.Error); ok && e.Code == nudge.ENOTFOUND && e.Field == "line" {
			err = nudge.FieldError("line", "%s", e.Message) // a line that went away: say so beside the field
		}
		return s.personAgain(w, r, c, id, err, "m_")
	}
	msg := fmt.Sprintf("%s: %s%% of the way from baseline to goal — %s.", ch.Line.Line.Name, nudge.FormatValue(ch.Line.Progress), ch.Line.Status)
	s.redirect(w, r, fmt.Sprintf("/people/%d#value-h", id), msg+changeWords(ch, loc))
	return nil
}

// changeWords says what the engine proposed, or why it did not.
func changeWords(ch *followup.ValueChange, loc *time.Location) string {
	var b strings.Builder
	if t := ch.Proposed; t != nil {
		fmt.Fprintf(&b, " Proposed on Today: %s on %s — %s: %s.", t.Channel, t.Due.In(loc).Format("Mon 2 Jan 15:04"), t.Rule, t.Reason)
	}
	if ch.Note != "" {
		b.WriteString(" " + ch.Note + ".")
	}
	return b.String()
}

func firstError(steps ...func() error) error {
	for _, f := range steps {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// formNumber reads a measured value ("4,200" is 4200).
func formNumber(f url.Values, field, key string) (float64, error) {
	s := strings.TrimSpace(f.Get(key))
	if s == "" {
		return 0, nudge.FieldError(field, "give a number")
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	if err != nil {
		return 0, nudge.FieldError(field, "%q is not a number", s)
	}
	return v, nil
}

// formDate reads a date in the customer's zone; empty is def, or an error
// when def is zero.
func formDate(f url.Values, field, key string, loc *time.Location, def time.Time) (time.Time, error) {
	if strings.TrimSpace(f.Get(key)) == "" && !def.IsZero() {
		return def, nil
	}
	return parseLocal(field, f.Get(key), loc)
}

// cleanData is the Clean list page (F3).
type cleanData struct {
	Rows     []nudge.Upside
	Selected map[int64]bool
	Owners   []*nudge.User
	Actions  []nudge.CleanAction
	Limit    int
}

// clean lists the lowest-upside active prospects the caller may see, with
// their score, its parts and the proposed action, and one form to drop or
// drip the selected ones.
func (s *Server) clean(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := s.cleanView(w, r, c)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "clean", v)
	return nil
}

func (s *Server) cleanView(w http.ResponseWriter, r *http.Request, c *call) (*view, error) {
	ctx := r.Context()
	q, err := s.cleanQueryOf(r, c)
	if err != nil {
		return nil, err
	}
	form := url.Values{}
	if v := strings.TrimSpace(r.URL.Query().Get("limit")); v != "" {
		form.Set("limit", v)
	}
	if owner, _ := queryID(r, "owner"); owner != 0 {
		form.Set("owner", itoa(owner))
	}
	d := &cleanData{Selected: map[int64]bool{}, Actions: []nudge.CleanAction{nudge.CleanDrip, nudge.CleanDrop}}
	if d.Rows, err = s.db.CleanList(ctx, q); err != nil {
		return nil, err
	}
	if d.Owners, err = s.visibleUsers(ctx, c); err != nil {
		return nil, err
	}
	d.Limit = cmpLimit(q.Limit)
	v := s.newView(w, r, c, "Clean the list (F3)", d)
	v.Form = form
	return v, nil
}

func cmpLimit(n int) int {
	if n <= 0 {
		return store.DefaultCleanLimit
	}
	return min(n, store.MaxCleanLimit)
}

// cleanApply applies the chosen action to the selected people in one step,
// through the engine (followup.Clean). Every person is checked against the
// caller's scope first: one they may not see is a 404, and nobody changes.
func (s *Server) cleanApply(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	f := r.PostForm
	var ids []int64
	for _, v := range f["person"] {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return malformed("person", "%q is not a person id", v)
		}
		if _, err := c.person(ctx, id); err != nil {
			return err
		}
		ids = append(ids, id)
	}
	action, err := nudge.ParseCleanAction(f.Get("action"))
	if err == nil && len(ids) == 0 {
		err = nudge.FieldError("person", "tick the people to %s first", action)
	}
	if err == nil {
		var n int
		if n, err = s.svc.Clean(ctx, action, ids); err == nil {
			msg := fmt.Sprintf("Moved %d of %d to the monthly drip (F1).", n, len(ids))
			if action == nudge.CleanDrop {
				msg = fmt.Sprintf("Dropped %d of %d: disqualified, on the monthly drip (F1).", n, len(ids))
			}
			s.redirect(w, r, "/clean", msg)
			return nil
		}
	}
	v, verr := s.cleanView(w, r, c)
	if verr != nil {
		return verr
	}
	form := v.Form
	if !v.formError(err, f) {
		return err
	}
	for k, vals := range form {
		v.Form[k] = vals
	}
	d := v.Data.(*cleanData)
	for _, id := range ids {
		d.Selected[id] = true
	}
	s.render(w, r, http.StatusUnprocessableEntity, "clean", v)
	return nil
}
