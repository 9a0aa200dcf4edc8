package web

import (
	"context"
	"net/http"
	"slices"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/store"
)

// scope is what one user may see (issue 5):
//   - a rep: the people they own;
//   - a manager: their own people and those of the reps of the teams they
//     manage (or belong to), and the E4 tasks assigned to them;
//   - an admin: everything.
//
// Every page and API lookup of a person, task, company or enrollment goes
// through the helpers below; anything outside the scope is ENOTFOUND, so a
// 404 does not even reveal that it exists.
type scope struct {
	user   *nudge.User
	all    bool
	owners []int64 // the owners whose people are visible, when !all
}

// scope computes (once per request) what the caller may see.
func (c *call) scope(ctx context.Context) (*scope, error) {
	if c.sc != nil {
		return c.sc, nil
	}
	sc, err := c.s.scopeOf(ctx, c.user)
	if err != nil {
		return nil, err
	}
	c.sc = sc
	return sc, nil
}

func (s *Server) scopeOf(ctx context.Context, u *nudge.User) (*scope, error) {
	sc := &scope{user: u, owners: []int64{u.ID}}
	switch u.Role {
	case nudge.UserAdmin:
		sc.all, sc.owners = true, nil
	case nudge.UserManager:
		teams, err := s.db.FindTeams(ctx)
		if err != nil {
			return nil, err
		}
		var mine []int64
		for _, t := range teams {
			if t.ManagerID == u.ID || t.ID == u.TeamID {
				mine = append(mine, t.ID)
			}
		}
		if len(mine) > 0 {
			users, err := s.db.FindUsers(ctx)
			if err != nil {
				return nil, err
			}
			for _, x := range users {
				if x.ID != u.ID && x.TeamID != 0 && slices.Contains(mine, x.TeamID) {
					sc.owners = append(sc.owners, x.ID)
				}
			}
		}
	}
	return sc, nil
}

// seesOwner reports whether people owned by ownerID are visible.
func (sc *scope) seesOwner(ownerID int64) bool {
	return sc.all || (ownerID != 0 && slices.Contains(sc.owners, ownerID))
}

// canAssign reports whether the caller may give people to ownerID: reps
// only to themselves, managers within their teams, admins to anyone.
func (sc *scope) canAssign(ownerID int64) bool {
	return sc.seesOwner(ownerID)
}

// person returns a person the caller may see; ENOTFOUND otherwise. It is
// THE way handlers load a person.
func (c *call) person(ctx context.Context, id int64) (*nudge.Person, error) {
	sc, err := c.scope(ctx)
	if err != nil {
		return nil, err
	}
	p, err := c.s.db.FindPersonByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !sc.seesOwner(p.OwnerID) {
		return nil, notVisible("person", id)
	}
	return p, nil
}

// personInPath loads the person named by the request's {id}, if the caller
// may see them.
func (c *call) personInPath(r *http.Request) (int64, *nudge.Person, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	p, err := c.person(r.Context(), id)
	return id, p, err
}

// taskInPath loads the task named by the request's {id}, if the caller may
// see it.
func (c *call) taskInPath(r *http.Request) (int64, *store.TaskRow, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return 0, nil, err
	}
	t, err := c.task(r.Context(), id)
	return id, t, err
}

// task returns an open-or-closed task the caller may see: one assigned to
// them (an E4 escalation reaches the manager this way) or one about a
// person they may see; ENOTFOUND otherwise.
func (c *call) task(ctx context.Context, id int64) (*store.TaskRow, error) {
	rows, err := c.s.db.FindTasks(ctx, store.TaskFilter{ID: &id})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, notVisible("task", id)
	}
	t := &rows[0]
	if t.AssigneeID == c.user.ID {
		return t, nil
	}
	if _, err := c.person(ctx, t.PersonID); err != nil {
		if nudge.ErrorCode(err) == nudge.ENOTFOUND {
			return nil, notVisible("task", id)
		}
		return nil, err
	}
	return t, nil
}

// company returns a company the caller may see: one they (or their team)
// own, or one where a person they may see works; ENOTFOUND otherwise.
func (c *call) company(ctx context.Context, id int64) (*nudge.Company, error) {
	sc, err := c.scope(ctx)
	if err != nil {
		return nil, err
	}
	co, err := c.s.db.FindCompanyByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if sc.seesOwner(co.OwnerID) {
		return co, nil
	}
	_, n, err := c.s.db.FindPeopleIn(ctx, store.PeopleQuery{PersonFilter: nudge.PersonFilter{CompanyID: &id, Limit: 1}, Owners: sc.owners})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, notVisible("company", id)
	}
	return co, nil
}

// peopleQuery narrows a listing to the caller's scope.
func (c *call) peopleQuery(ctx context.Context, q store.PeopleQuery) (store.PeopleQuery, error) {
	sc, err := c.scope(ctx)
	if err != nil {
		return q, err
	}
	q.Owners = sc.owners
	if q.Owners == nil && !sc.all {
		q.Owners = []int64{}
	}
	return q, nil
}

func notVisible(what string, id int64) error {
	return nudge.Errorf(nudge.ENOTFOUND, "no %s with id %d", what, id)
}
