package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/store"
)

// peoplePage is a page of people.
type peoplePage struct {
	People []*nudge.Person `json:"people"`
	Total  int             `json:"total"`
}

func (s *Server) apiPeople(w http.ResponseWriter, r *http.Request, c *call) error {
	pq, _, err := s.peopleQueryOf(r.Context(), c, r.URL.Query())
	if err != nil {
		return err
	}
	people, total, err := s.db.FindPeopleIn(r.Context(), pq)
	if err != nil {
		return err
	}
	if people == nil {
		people = []*nudge.Person{}
	}
	writeJSON(w, http.StatusOK, peoplePage{People: people, Total: total})
	return nil
}

func (s *Server) apiPerson(w http.ResponseWriter, r *http.Request, c *call) error {
	_, p, err := c.personInPath(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// personInput is a new person: the person's own JSON fields, and a company
// by name as an alternative to company_id.
type personInput struct {
	nudge.Person
	Company string `json:"company"`
}

func (s *Server) apiPersonCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	var in personInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p := in.Person
	// Fields the server owns.
	p.ID, p.DoNotContact, p.DoNotContactReason, p.DoNotContactAt, p.Source = 0, false, "", nil, "api"
	if p.OwnerID == 0 {
		p.OwnerID = c.user.ID
	}
	sc, err := c.scope(ctx)
	if err != nil {
		return err
	}
	if !sc.canAssign(p.OwnerID) {
		return nudge.FieldError("owner_id", "you cannot give people to user %d", p.OwnerID)
	}
	if err := s.checkLinks(ctx, c, &p, in.Company); err != nil {
		return err
	}
	if err := s.db.CreatePerson(ctx, &p); err != nil {
		return err
	}
	if err := s.svc.Settle(ctx, p.ID); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/people/"+itoa(p.ID))
	writeJSON(w, http.StatusCreated, &p)
	return nil
}

// checkLinks resolves the company by name and checks that the company and
// the reports-to person are ones the caller may see.
func (s *Server) checkLinks(ctx context.Context, c *call, p *nudge.Person, company string) error {
	if name := strings.TrimSpace(company); name != "" {
		co, err := s.db.FindOrCreateCompany(ctx, name)
		if err != nil {
			return err
		}
		p.CompanyID = co.ID
	} else if p.CompanyID != 0 {
		if _, err := c.company(ctx, p.CompanyID); err != nil {
			if nudge.ErrorCode(err) == nudge.ENOTFOUND {
				return nudge.FieldError("company_id", "no company with id %d", p.CompanyID)
			}
			return err
		}
	}
	if p.ReportsToID != 0 {
		if _, err := c.person(ctx, p.ReportsToID); err != nil {
			if nudge.ErrorCode(err) == nudge.ENOTFOUND {
				return nudge.FieldError("reports_to_id", "no person with id %d", p.ReportsToID)
			}
			return err
		}
	}
	return nil
}

// personPatch is a partial update: absent fields stay as they are.
type personPatch struct {
	Name             *string             `json:"name"`
	Email            *string             `json:"email"`
	Phone            *string             `json:"phone"`
	Title            *string             `json:"title"`
	CompanyID        *int64              `json:"company_id"`
	OwnerID          *int64              `json:"owner_id"`
	TimeZone         *string             `json:"time_zone"`
	Country          *string             `json:"country"`
	Location         *nudge.Location     `json:"location"`
	PreferredChannel *nudge.Channel      `json:"preferred_channel"`
	AssistantName    *string             `json:"assistant_name"`
	OKToSayNo        *bool               `json:"ok_to_say_no"`
	PainGain         *string             `json:"pain_gain"`
	Interests        *string             `json:"interests"`
	BuyingRole       *nudge.BuyingRole   `json:"buying_role"`
	ReportsToID      *int64              `json:"reports_to_id"`
	Status           *nudge.PersonStatus `json:"status"`
	DoNotContact     *bool               `json:"do_not_contact"`
	Reason           string              `json:"do_not_contact_reason"`
}

func (s *Server) apiPersonUpdate(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	id, p, err := c.personInPath(r)
	if err != nil {
		return err
	}
	var in personPatch
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.OwnerID != nil {
		sc, err := c.scope(ctx)
		if err != nil {
			return err
		}
		if !sc.canAssign(*in.OwnerID) {
			return nudge.FieldError("owner_id", "you cannot give people to user %d", *in.OwnerID)
		}
	}
	check := *p
	if in.CompanyID != nil {
		check.CompanyID = *in.CompanyID
	}
	if in.ReportsToID != nil {
		check.ReportsToID = *in.ReportsToID
	}
	if err := s.checkLinks(ctx, c, &check, ""); err != nil {
		return err
	}
	u := nudge.PersonUpdate{Name: in.Name, Email: in.Email, Phone: in.Phone, Title: in.Title, CompanyID: in.CompanyID,
		OwnerID: in.OwnerID, TimeZone: in.TimeZone, Country: in.Country, Location: in.Location,
		PreferredChannel: in.PreferredChannel, AssistantName: in.AssistantName, OKToSayNo: in.OKToSayNo,
		PainGain: in.PainGain, Interests: in.Interests, BuyingRole: in.BuyingRole, ReportsToID: in.ReportsToID, Status: in.Status}
	if p, err = s.db.UpdatePerson(ctx, id, u); err != nil {
		return err
	}
	if in.DoNotContact != nil {
		if err := s.db.SetDoNotContact(ctx, id, *in.DoNotContact, in.Reason); err != nil {
			return err
		}
		if p, err = s.db.FindPersonByID(ctx, id); err != nil {
			return err
		}
	}
	if err := s.svc.Settle(ctx, id); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiPersonDelete(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := c.person(r.Context(), id); err != nil {
		return err
	}
	if err := s.db.DeletePerson(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// companiesPage is a list of companies.
type companiesPage struct {
	Companies []*nudge.Company `json:"companies"`
	Total     int              `json:"total"`
}

// apiCompanies lists the companies the caller may see: those they own and
// those where a person they may see works.
func (s *Server) apiCompanies(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	sc, err := c.scope(ctx)
	if err != nil {
		return err
	}
	all, _, err := s.db.FindCompanies(ctx, nudge.CompanyFilter{Query: r.URL.Query().Get("q")})
	if err != nil {
		return err
	}
	out := []*nudge.Company{}
	if sc.all {
		out = append(out, all...)
	} else {
		people, _, err := s.db.FindPeopleIn(ctx, store.PeopleQuery{Owners: sc.owners})
		if err != nil {
			return err
		}
		at := map[int64]bool{}
		for _, p := range people {
			at[p.CompanyID] = true
		}
		for _, co := range all {
			if sc.seesOwner(co.OwnerID) || at[co.ID] {
				out = append(out, co)
			}
		}
	}
	writeJSON(w, http.StatusOK, companiesPage{Companies: out, Total: len(out)})
	return nil
}

func (s *Server) apiCompany(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	co, err := c.company(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, co)
	return nil
}

func (s *Server) apiCompanyCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	var co nudge.Company
	if err := decode(w, r, &co); err != nil {
		return err
	}
	co.ID, co.OwnerID = 0, c.user.ID
	if err := s.db.CreateCompany(r.Context(), &co); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/companies/"+itoa(co.ID))
	writeJSON(w, http.StatusCreated, &co)
	return nil
}
