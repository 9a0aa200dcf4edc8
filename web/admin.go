package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/nudgecrm/nudge"
)

// adminData is the Users and teams page.
type adminData struct {
	Users    []*nudge.User
	Teams    []*nudge.Team
	TeamName map[int64]string
	Roles    []nudge.UserRole
}

func (s *Server) adminView(w http.ResponseWriter, r *http.Request, c *call) (*view, error) {
	if err := adminOnly(c, "manage users and teams"); err != nil {
		return nil, err
	}
	ctx := r.Context()
	d := &adminData{TeamName: map[int64]string{}, Roles: []nudge.UserRole{nudge.UserRep, nudge.UserManager, nudge.UserAdmin}}
	var err error
	if d.Users, err = s.db.FindUsers(ctx); err != nil {
		return nil, err
	}
	if d.Teams, err = s.db.FindTeams(ctx); err != nil {
		return nil, err
	}
	for _, t := range d.Teams {
		d.TeamName[t.ID] = t.Name
	}
	v := s.newView(w, r, c, "Users and teams", d)
	v.Form.Set("role", string(nudge.UserRep))
	return v, nil
}

func (s *Server) adminUsers(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := s.adminView(w, r, c)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "admin", v)
	return nil
}

// adminAgain re-renders the page with a form in error.
func (s *Server) adminAgain(w http.ResponseWriter, r *http.Request, c *call, err error) error {
	v, verr := s.adminView(w, r, c)
	if verr != nil {
		return verr
	}
	if !v.formError(err, r.PostForm) {
		return err
	}
	v.Form.Del("password")
	s.render(w, r, http.StatusUnprocessableEntity, "admin", v)
	return nil
}

// optionalID reads an optional id field of a form ("" = 0).
func optionalID(f url.Values, field string) (int64, error) {
	v := strings.TrimSpace(f.Get(field))
	if v == "" || v == "0" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, nudge.FieldError(field, "%q is not an id", v)
	}
	return id, nil
}

// adminUserCreate adds a user with a password the admin hands over.
func (s *Server) adminUserCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := adminOnly(c, "add users"); err != nil {
		return err
	}
	f := r.PostForm
	u := &nudge.User{Email: f.Get("email"), Name: f.Get("name"), Role: nudge.UserRole(f.Get("role")), TimeZone: strings.TrimSpace(f.Get("tz"))}
	team, err := optionalID(f, "team")
	if err == nil {
		u.TeamID = team
		u.PasswordHash, err = s.HashPassword(f.Get("password"))
	}
	if err == nil {
		err = s.db.CreateUser(r.Context(), u)
	}
	if err != nil {
		return s.adminAgain(w, r, c, err)
	}
	s.redirect(w, r, "/admin/users", "Added "+u.Email+" as "+string(u.Role)+".")
	return nil
}

// adminUserUpdate sets a user's role and team, and optionally a new password.
func (s *Server) adminUserUpdate(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := adminOnly(c, "change users"); err != nil {
		return err
	}
	ctx := r.Context()
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := s.db.FindUserByID(ctx, id)
	if err != nil {
		return err
	}
	f := r.PostForm
	u.PasswordHash = ""
	if role := f.Get("role"); role != "" {
		if u.ID == c.user.ID && role != string(nudge.UserAdmin) {
			return s.adminAgain(w, r, c, nudge.FieldError("role", "you cannot take away your own admin role"))
		}
		u.Role = nudge.UserRole(role)
	}
	if u.TeamID, err = optionalID(f, "team"); err != nil {
		return s.adminAgain(w, r, c, err)
	}
	if p := f.Get("password"); p != "" {
		if u.PasswordHash, err = s.HashPassword(p); err != nil {
			return s.adminAgain(w, r, c, err)
		}
	}
	if err := s.db.UpdateUser(ctx, u); err != nil {
		return s.adminAgain(w, r, c, err)
	}
	if u.PasswordHash != "" {
		// A new password ends the user's sessions everywhere.
		if _, err := s.db.DeleteUserSessions(ctx, u.ID); err != nil {
			return err
		}
	}
	s.redirect(w, r, "/admin/users", "Saved "+u.Email+".")
	return nil
}

func (s *Server) adminTeamCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := adminOnly(c, "add teams"); err != nil {
		return err
	}
	t := &nudge.Team{Name: r.PostFormValue("team_name")}
	mgr, err := optionalID(r.PostForm, "manager")
	if err == nil {
		t.ManagerID = mgr
		err = s.db.CreateTeam(r.Context(), t)
	}
	if err != nil {
		if e, ok := err.(*nudge.Error); ok && e.Field == "name" {
			err = &nudge.Error{Code: e.Code, Field: "team_name", Message: e.Message}
		}
		return s.adminAgain(w, r, c, err)
	}
	s.redirect(w, r, "/admin/users", "Added team "+t.Name+".")
	return nil
}

// adminTeamUpdate sets a team's manager (E4 escalations go to them).
func (s *Server) adminTeamUpdate(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := adminOnly(c, "change teams"); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	mgr, err := optionalID(r.PostForm, "manager")
	if err == nil {
		err = s.db.SetTeamManager(r.Context(), id, mgr)
	}
	if err != nil {
		return s.adminAgain(w, r, c, err)
	}
	s.redirect(w, r, "/admin/users", "Team saved.")
	return nil
}
