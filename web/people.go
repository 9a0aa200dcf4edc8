package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/store"
)

const peoplePerPage = 50

// peopleData is the People page: a search with filters and one page of results.
type peopleData struct {
	People    []*nudge.Person
	Total     int
	Page      int
	Pages     int
	Companies map[int64]string
	Owners    []*nudge.User // the owners the caller may filter by
	OwnerName map[int64]string
	Cadences  []string
	Statuses  []nudge.PersonStatus
	Phases    []nudge.CARRPhase // G4 filter
	PrevURL   string
	NextURL   string
}

// peopleQueryOf reads the filters of the People page or API: q, status,
// cadence, carr (the CARR phase, G4), owner, quiet (days without a touch),
// page.
func (s *Server) peopleQueryOf(ctx context.Context, c *call, q url.Values) (store.PeopleQuery, int, error) {
	var pq store.PeopleQuery
	pq.Query = strings.TrimSpace(q.Get("q"))
	if st := strings.TrimSpace(q.Get("status")); st != "" {
		status := nudge.PersonStatus(st)
		if !status.Valid() {
			return pq, 0, nudge.FieldError("status", "unknown status %q", st)
		}
		pq.Status = &status
	}
	pq.Cadence = strings.TrimSpace(q.Get("cadence"))
	if ph := strings.TrimSpace(q.Get("carr")); ph != "" {
		phase, err := nudge.ParseCARRPhase(ph)
		if err != nil {
			return pq, 0, err
		}
		pq.CARR = phase
	}
	if o := strings.TrimSpace(q.Get("owner")); o != "" {
		id, err := strconv.ParseInt(o, 10, 64)
		if err != nil {
			return pq, 0, nudge.FieldError("owner", "%q is not a user id", o)
		}
		pq.OwnerID = &id
	}
	if d := strings.TrimSpace(q.Get("quiet")); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 1 || n > 3650 {
			return pq, 0, nudge.FieldError("quiet", "%q is not a number of days", d)
		}
		since := s.clock.Now().AddDate(0, 0, -n)
		pq.QuietSince = &since
	}
	page := 1
	if p := strings.TrimSpace(q.Get("page")); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return pq, 0, nudge.FieldError("page", "%q is not a page number", p)
		}
		page = n
	}
	limit := peoplePerPage
	if l := strings.TrimSpace(q.Get("limit")); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return pq, 0, nudge.FieldError("limit", "limit must be between 1 and 500")
		}
		limit = n
	}
	pq.Limit, pq.Offset = limit, (page-1)*limit
	pq, err := c.peopleQuery(ctx, pq)
	return pq, page, err
}

func (s *Server) people(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	d := peopleData{Statuses: nudge.PersonStatuses, Phases: nudge.CARRPhases, Companies: map[int64]string{}, OwnerName: map[int64]string{}}
	v := s.newView(w, r, c, "People", &d)
	v.Form = r.URL.Query()
	owners, err := s.visibleUsers(ctx, c)
	if err != nil {
		return err
	}
	d.Owners = owners
	for _, u := range owners {
		d.OwnerName[u.ID] = u.Name
	}
	lib, err := s.svc.Library(ctx)
	if err != nil {
		return err
	}
	d.Cadences = lib.Names()
	pq, page, err := s.peopleQueryOf(ctx, c, r.URL.Query())
	if err != nil {
		if v.formError(err, r.URL.Query()) {
			s.render(w, r, http.StatusUnprocessableEntity, "people", v)
			return nil
		}
		return err
	}
	if d.People, d.Total, err = s.db.FindPeopleIn(ctx, pq); err != nil {
		return err
	}
	d.Page, d.Pages = page, (d.Total+pq.Limit-1)/pq.Limit
	if err := s.companyNames(ctx, d.People, d.Companies); err != nil {
		return err
	}
	link := func(p int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(p))
		return "/people?" + q.Encode()
	}
	if page > 1 {
		d.PrevURL = link(page - 1)
	}
	if page < d.Pages {
		d.NextURL = link(page + 1)
	}
	s.render(w, r, http.StatusOK, "people", v)
	return nil
}

// companyNames fills names for the companies of people.
func (s *Server) companyNames(ctx context.Context, people []*nudge.Person, names map[int64]string) error {
	for _, p := range people {
		if p.CompanyID == 0 {
			continue
		}
		if _, ok := names[p.CompanyID]; ok {
			continue
		}
		co, err := s.db.FindCompanyByID(ctx, p.CompanyID)
		if err != nil {
			return err
		}
		names[co.ID] = co.Name
	}
	return nil
}

// visibleUsers are the users whose people the caller may see: themselves,
// their team's reps, or everyone for an admin.
func (s *Server) visibleUsers(ctx context.Context, c *call) ([]*nudge.User, error) {
	sc, err := c.scope(ctx)
	if err != nil {
		return nil, err
	}
	users, err := s.db.FindUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []*nudge.User
	for _, u := range users {
		if sc.seesOwner(u.ID) {
			out = append(out, u)
		}
	}
	return out, nil
}

// personFormData is the new-person form.
type personFormData struct {
	Owners   []*nudge.User
	Statuses []nudge.PersonStatus
	Channels []nudge.Channel
	Roles    []nudge.BuyingRole
}

func (s *Server) personFormData(ctx context.Context, c *call) (*personFormData, error) {
	owners, err := s.visibleUsers(ctx, c)
	if err != nil {
		return nil, err
	}
	return &personFormData{Owners: owners, Statuses: nudge.PersonStatuses, Channels: nudge.Channels, Roles: nudge.BuyingRoles}, nil
}

func (s *Server) personNewForm(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := s.personFormData(r.Context(), c)
	if err != nil {
		return err
	}
	v := s.newView(w, r, c, "New person", d)
	v.Form.Set("owner", strconv.FormatInt(c.user.ID, 10))
	v.Form.Set("status", string(nudge.StatusLead))
	s.render(w, r, http.StatusOK, "person_new", v)
	return nil
}

func (s *Server) personCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	p, err := s.personFromForm(ctx, c, r.PostForm)
	if err == nil {
		p.Source = "web"
		err = s.db.CreatePerson(ctx, p)
	}
	if err != nil {
		d, derr := s.personFormData(ctx, c)
		if derr != nil {
			return derr
		}
		v := s.newView(w, r, c, "New person", d)
		if !v.formError(err, r.PostForm) {
			return err
		}
		s.render(w, r, http.StatusUnprocessableEntity, "person_new", v)
		return nil
	}
	// Plan the new person now, so their first touch is on Today at once.
	if err := s.svc.Settle(ctx, p.ID); err != nil {
		return err
	}
	s.redirect(w, r, "/people/"+strconv.FormatInt(p.ID, 10), "Added "+displayName(p)+".")
	return nil
}

// personFromForm reads a new person from a form.
func (s *Server) personFromForm(ctx context.Context, c *call, f url.Values) (*nudge.Person, error) {
	p := &nudge.Person{
		Name: f.Get("name"), Email: strings.TrimSpace(f.Get("email")), Phone: strings.TrimSpace(f.Get("phone")),
		Title: strings.TrimSpace(f.Get("title")), TimeZone: strings.TrimSpace(f.Get("tz")),
		Country: strings.TrimSpace(f.Get("country")), Status: nudge.PersonStatus(f.Get("status")),
		PreferredChannel: nudge.Channel(f.Get("preferred_channel")), BuyingRole: nudge.BuyingRole(f.Get("buying_role")),
		PainGain: strings.TrimSpace(f.Get("pain_gain")), Interests: strings.TrimSpace(f.Get("interests")),
		AssistantName: strings.TrimSpace(f.Get("assistant_name")), OKToSayNo: f.Get("ok_to_say_no") != "",
		OwnerID: c.user.ID,
	}
	if err := s.applyOwner(ctx, c, f.Get("owner"), &p.OwnerID); err != nil {
		return nil, err
	}
	if name := strings.TrimSpace(f.Get("company")); name != "" {
		co, err := s.db.FindOrCreateCompany(ctx, name)
		if err != nil {
			return nil, err
		}
		p.CompanyID = co.ID
	}
	return p, nil
}

// applyOwner sets *owner from a form's owner field, if the caller may give
// people to that user.
func (s *Server) applyOwner(ctx context.Context, c *call, v string, owner *int64) error {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return nudge.FieldError("owner", "%q is not a user id", v)
	}
	sc, err := c.scope(ctx)
	if err != nil {
		return err
	}
	if !sc.canAssign(id) {
		return nudge.FieldError("owner", "you cannot give people to user %d", id)
	}
	*owner = id
	return nil
}
