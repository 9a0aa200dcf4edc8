package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/store"
)

// personData is the Person page.
type personData struct {
	Person       *nudge.Person
	Company      *nudge.Company
	Owner        string
	Timeline     []touch
	Open         []*nudge.Commitment // homework still open, both ways (A2)
	Group        []groupMember       // A7 buying group
	ReportsTo    string
	Enrollments  []followup.EnrollmentView
	Appointments []nudge.Appointment
	Cadences     []string
	Zone         string // the person's zone, for times on the page
	// Insight is the CARR phase (G4), the E6 reason and its technique
	// (insight.go); Value is the F2 value inventory (value.go).
	Insight any
	Value   any

	Owners   []*nudge.User
	Statuses []nudge.PersonStatus
	Channels []nudge.Channel
	Roles    []nudge.BuyingRole
	Outcomes []nudge.Outcome
}

// touch is one interaction on the timeline with the homework logged with it.
type touch struct {
	*nudge.Interaction
	Commitments []*nudge.Commitment
}

// groupMember is a colleague in the buying group (A7).
type groupMember struct {
	*nudge.Person
	ReportsTo string
}

func (s *Server) person(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, p, err := s.personView(w, r, c, id)
	if err != nil {
		return err
	}
	v.Form = personForm(p, v.Data.(*personData).Company)
	s.render(w, r, http.StatusOK, "person", v)
	return nil
}

// personForm is the edit form filled from the stored person.
func personForm(p *nudge.Person, co *nudge.Company) url.Values {
	f := url.Values{}
	if co != nil {
		f.Set("company", co.Name)
	}
	f.Set("name", p.Name)
	f.Set("email", p.Email)
	f.Set("phone", p.Phone)
	f.Set("title", p.Title)
	f.Set("tz", p.TimeZone)
	f.Set("country", p.Country)
	f.Set("status", string(p.Status))
	f.Set("preferred_channel", string(p.PreferredChannel))
	f.Set("buying_role", string(p.BuyingRole))
	f.Set("pain_gain", p.PainGain)
	f.Set("interests", p.Interests)
	f.Set("assistant_name", p.AssistantName)
	if p.OKToSayNo {
		f.Set("ok_to_say_no", "on")
	}
	f.Set("owner", strconv.FormatInt(p.OwnerID, 10))
	if p.ReportsToID != 0 {
		f.Set("reports_to", strconv.FormatInt(p.ReportsToID, 10))
	}
	f.Set("channel", string(nudge.ChannelCall))
	f.Set("outcome", string(nudge.OutcomeConnected))
	f.Set("ap_kind", string(nudge.AppointmentCall))
	f.Set("ap_minutes", "20")
	return f
}

// personView loads everything the Person page shows, for a visible person.
func (s *Server) personView(w http.ResponseWriter, r *http.Request, c *call, id int64) (*view, *nudge.Person, error) {
	ctx := r.Context()
	p, err := c.person(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	d := &personData{Person: p, Zone: p.Zone(userZone(c.user)).String(), Statuses: nudge.PersonStatuses,
		Channels: nudge.Channels, Roles: nudge.BuyingRoles, Outcomes: nudge.Outcomes}
	if p.OwnerID != 0 {
		if u, err := s.db.FindUserByID(ctx, p.OwnerID); err == nil {
			d.Owner = u.Name
		}
	}
	if p.CompanyID != 0 {
		if d.Company, err = s.db.FindCompanyByID(ctx, p.CompanyID); err != nil {
			return nil, nil, err
		}
		if d.Group, err = s.buyingGroup(ctx, c, p); err != nil {
			return nil, nil, err
		}
	}
	if p.ReportsToID != 0 {
		if boss, err := c.person(ctx, p.ReportsToID); err == nil {
			d.ReportsTo = displayName(boss)
		}
	}
	is, _, err := s.db.FindInteractions(ctx, nudge.InteractionFilter{PersonID: &id, Limit: 200})
	if err != nil {
		return nil, nil, err
	}
	cs, err := s.db.FindCommitments(ctx, nudge.CommitmentFilter{PersonID: &id})
	if err != nil {
		return nil, nil, err
	}
	byTouch := map[int64][]*nudge.Commitment{}
	for _, cm := range cs {
		if cm.State == nudge.CommitmentOpen {
			d.Open = append(d.Open, cm)
		}
		if cm.InteractionID != 0 {
			byTouch[cm.InteractionID] = append(byTouch[cm.InteractionID], cm)
		}
	}
	for _, i := range is {
		d.Timeline = append(d.Timeline, touch{Interaction: i, Commitments: byTouch[i.ID]})
	}
	if d.Enrollments, err = s.svc.Enrollments(ctx, id); err != nil {
		return nil, nil, err
	}
	if d.Appointments, err = s.db.FindAppointments(ctx, store.AppointmentFilter{PersonID: &id}); err != nil {
		return nil, nil, err
	}
	lib, err := s.svc.Library(ctx)
	if err != nil {
		return nil, nil, err
	}
	d.Cadences = lib.Names()
	if d.Owners, err = s.visibleUsers(ctx, c); err != nil {
		return nil, nil, err
	}
	if d.Insight, err = s.personInsight(ctx, c, p, is); err != nil {
		return nil, nil, err
	}
	if d.Value, err = s.personValue(ctx, c, p); err != nil {
		return nil, nil, err
	}
	return s.newView(w, r, c, displayName(p), d), p, nil
}

// buyingGroup lists the visible colleagues of p at the same company with
// their roles and whom they report to (A7).
func (s *Server) buyingGroup(ctx context.Context, c *call, p *nudge.Person) ([]groupMember, error) {
	q, err := c.peopleQuery(ctx, store.PeopleQuery{PersonFilter: nudge.PersonFilter{CompanyID: &p.CompanyID, Limit: 100}})
	if err != nil {
		return nil, err
	}
	people, _, err := s.db.FindPeopleIn(ctx, q)
	if err != nil {
		return nil, err
	}
	names := map[int64]string{}
	for _, x := range people {
		names[x.ID] = displayName(x)
	}
	var out []groupMember
	for _, x := range people {
		if x.ID != p.ID {
			out = append(out, groupMember{Person: x, ReportsTo: names[x.ReportsToID]})
		}
	}
	return out, nil
}

// personAgain re-renders the Person page with a form in error; prefix
// keeps the errors of one form apart from another's ("ap_" for the
// appointment form, whose fields share names with the log's).
func (s *Server) personAgain(w http.ResponseWriter, r *http.Request, c *call, id int64, err error, prefix string) error {
	v, p, verr := s.personView(w, r, c, id)
	if verr != nil {
		return verr
	}
	if !v.formError(err, r.PostForm) {
		return err
	}
	if prefix != "" {
		for k, msg := range v.Errors {
			delete(v.Errors, k)
			v.Errors[prefix+k] = msg
		}
	}
	// Keep the stored values for the forms the user did not submit.
	for k, vals := range personForm(p, v.Data.(*personData).Company) {
		if _, ok := v.Form[k]; !ok {
			v.Form[k] = vals
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, "person", v)
	return nil
}

func (s *Server) personUpdate(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	id, p, err := c.personInPath(r)
	if err != nil {
		return err
	}
	u, err := s.personUpdateOf(ctx, c, p, r.PostForm)
	if err == nil {
		_, err = s.db.UpdatePerson(ctx, id, u)
	}
	if err != nil {
		return s.personAgain(w, r, c, id, err, "")
	}
	if err := s.svc.Settle(ctx, id); err != nil {
		return err
	}
	s.redirect(w, r, fmt.Sprintf("/people/%d", id), "Saved.")
	return nil
}

// personUpdateOf reads the edit form into an update.
func (s *Server) personUpdateOf(ctx context.Context, c *call, p *nudge.Person, f url.Values) (nudge.PersonUpdate, error) {
	str := func(k string) *string { v := strings.TrimSpace(f.Get(k)); return &v }
	u := nudge.PersonUpdate{Name: str("name"), Email: str("email"), Phone: str("phone"), Title: str("title"),
		TimeZone: str("tz"), Country: str("country"), PainGain: str("pain_gain"), Interests: str("interests"),
		AssistantName: str("assistant_name")}
	st, ch, role := nudge.PersonStatus(f.Get("status")), nudge.Channel(f.Get("preferred_channel")), nudge.BuyingRole(f.Get("buying_role"))
	ok := f.Get("ok_to_say_no") != ""
	u.Status, u.PreferredChannel, u.BuyingRole, u.OKToSayNo = &st, &ch, &role, &ok
	owner := p.OwnerID
	if err := s.applyOwner(ctx, c, f.Get("owner"), &owner); err != nil {
		return u, err
	}
	u.OwnerID = &owner
	var boss int64
	if v := strings.TrimSpace(f.Get("reports_to")); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return u, nudge.FieldError("reports_to", "%q is not a person id", v)
		}
		// A7: the boss must be someone the caller may see, at the same company.
		b, err := c.person(ctx, id)
		if err != nil || b.CompanyID != p.CompanyID || p.CompanyID == 0 {
			return u, nudge.FieldError("reports_to", "person %d is not a colleague of %s", id, displayName(p))
		}
		boss = id
	}
	u.ReportsToID = &boss
	if name := strings.TrimSpace(f.Get("company")); name != "" {
		co, err := s.db.FindOrCreateCompany(ctx, name)
		if err != nil {
			return u, err
		}
		u.CompanyID = &co.ID
	} else if _, present := f["company"]; present {
		var none int64
		u.CompanyID = &none
	}
	return u, nil
}

// personLog records a touch with its W.I.N. note (A1), homework both ways
// (A2) and the prospect's commitment (A3), and re-plans the person.
func (s *Server) personLog(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	id, p, err := c.personInPath(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	loc := p.Zone(userZone(c.user))
	i := &nudge.Interaction{PersonID: id, UserID: c.user.ID, Channel: nudge.Channel(f.Get("channel")),
		Direction: nudge.Direction(f.Get("direction")), Outcome: nudge.Outcome(f.Get("outcome")), At: s.clock.Now(),
		Note: nudge.WIN{What: strings.TrimSpace(f.Get("what")), Insights: strings.TrimSpace(f.Get("insights")),
			NextSteps: strings.TrimSpace(f.Get("next_steps"))}}
	if at := strings.TrimSpace(f.Get("at")); at != "" {
		if i.At, err = parseLocal("at", at, loc); err != nil {
			return s.personAgain(w, r, c, id, err, "")
		}
	}
	cs, err := commitmentsOf(r, loc)
	if err == nil {
		err = s.svc.Log(ctx, i, cs)
	}
	if err != nil {
		return s.personAgain(w, r, c, id, err, "")
	}
	msg := "Logged the " + string(i.Channel) + "."
	if w := a3Warning(i, cs); w != "" {
		msg += " " + w
	}
	s.redirect(w, r, fmt.Sprintf("/people/%d", id), msg)
	return nil
}

// a3Warning flags a meeting logged without a prospect commitment (A3).
func a3Warning(i *nudge.Interaction, cs []*nudge.Commitment) string {
	if i.Channel != nudge.ChannelMeeting && i.Outcome != nudge.OutcomeMeetingHeld {
		return ""
	}
	for _, c := range cs {
		if c.Party == nudge.PartyProspect {
			return ""
		}
	}
	return "A3: this meeting ended without a commitment from the prospect — agree a 15–30 minute call, a date they will answer by, or next steps that name their own actions."
}

// personDoNotContact applies or lifts the G1 hard stop.
func (s *Server) personDoNotContact(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	id, p, err := c.personInPath(r)
	if err != nil {
		return err
	}
	on := r.PostFormValue("on") != "0"
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if on && reason == "" {
		reason = "marked do-not-contact by " + c.user.Name
	}
	if err := s.db.SetDoNotContact(ctx, id, on, reason); err != nil {
		return err
	}
	if err := s.svc.Settle(ctx, id); err != nil {
		return err
	}
	msg := "G1: " + displayName(p) + " will not be contacted again, by any rep or cadence."
	if !on {
		msg = displayName(p) + " may be contacted again."
	}
	s.redirect(w, r, fmt.Sprintf("/people/%d", id), msg)
	return nil
}

func (s *Server) personEnroll(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := c.person(ctx, id); err != nil {
		return err
	}
	e, err := s.svc.Enroll(ctx, id, strings.TrimSpace(r.PostFormValue("cadence")))
	if err != nil {
		if nudge.ErrorCode(err) == nudge.ECONFLICT {
			err = &nudge.Error{Code: nudge.ECONFLICT, Field: "cadence", Message: nudge.ErrorMessage(err)}
		}
		return s.personAgain(w, r, c, id, err, "")
	}
	s.redirect(w, r, fmt.Sprintf("/people/%d", id), "Enrolled in "+e.Cadence+".")
	return nil
}

// personAppointment books a call or visit (C1–C4); the time is read in the
// person's zone, where the call happens.
func (s *Server) personAppointment(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	id, p, err := c.personInPath(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	a := &nudge.Appointment{PersonID: id, Kind: nudge.AppointmentKind(f.Get("ap_kind")), Place: strings.TrimSpace(f.Get("ap_place"))}
	for _, line := range strings.Split(f.Get("ap_agenda"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			a.Agenda = append(a.Agenda, line)
		}
	}
	if m := strings.TrimSpace(f.Get("ap_minutes")); m != "" {
		if a.Minutes, err = strconv.Atoi(m); err != nil {
			return s.personAgain(w, r, c, id, nudge.FieldError("minutes", "%q is not a number of minutes", m), "ap_")
		}
	}
	a.At, err = parseLocal("at", f.Get("ap_at"), p.Zone(userZone(c.user)))
	if err == nil && !a.At.After(s.clock.Now()) {
		err = nudge.FieldError("at", "the appointment is in the past")
	}
	if err == nil {
		err = s.svc.AddAppointment(ctx, a)
	}
	if err != nil {
		return s.personAgain(w, r, c, id, err, "ap_")
	}
	s.redirect(w, r, fmt.Sprintf("/people/%d", id), fmt.Sprintf("Booked a %s on %s (C1 reminder the day before, C2 alert before it).",
		a.Kind, a.At.In(p.Zone(time.UTC)).Format("Mon 2 Jan 15:04 MST")))
	return nil
}
