package web

import (
	"bytes"
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/chart"
	"github.com/nudgecrm/nudge/report"
)

// reportRoutes registers the report pages and API (issue 6: H1–H3 and reply
// rates). Every report is scoped like every other query (scope.go): a rep
// sees their own figures, a manager their team's and each of its reps', an
// admin everybody's; asking for a rep or a team outside that is a 404.
func (s *Server) reportRoutes() {
	s.mux.Handle("GET /reports", s.page(s.reports))
	s.api("GET /api/v1/reports/persistence", s.apiReport(func(ctx context.Context, f report.Filter) (any, error) {
		return s.db.Persistence(ctx, f)
	}))
	s.api("GET /api/v1/reports/wins", s.apiReport(func(ctx context.Context, f report.Filter) (any, error) {
		return s.db.WinsByTouch(ctx, f)
	}))
	s.api("GET /api/v1/reports/contact", s.apiReport(func(ctx context.Context, f report.Filter) (any, error) {
		return s.db.ContactByAttempt(ctx, f)
	}))
	s.api("GET /api/v1/reports/replies", s.apiReport(func(ctx context.Context, f report.Filter) (any, error) {
		return s.db.ReplyRates(ctx, f)
	}))
}

// reportScope is whose figures a request asks for, within what the caller
// may see.
type reportScope struct {
	filter report.Filter
	who    string // "Ann", "Team East", "Your team", "Everybody"
}

// reportFilterOf reads from, to (dates in the caller's zone, or RFC 3339;
// to is excluded), rep and team (ids) of a reports request.
func (s *Server) reportFilterOf(ctx context.Context, c *call, q url.Values) (reportScope, error) {
	sc, err := c.scope(ctx)
	if err != nil {
		return reportScope{}, err
	}
	rs := reportScope{filter: report.Filter{Now: s.clock.Now(), Owners: sc.owners}}
	switch {
	case sc.all:
		rs.who = "Everybody"
	case c.user.Role == nudge.UserManager:
		rs.who = "Your team"
	default:
		rs.who = displayUser(c.user)
	}
	loc := userZone(c.user)
	for _, p := range []struct {
		field string
		dst   *time.Time
	}{{"from", &rs.filter.From}, {"to", &rs.filter.To}} {
		v := strings.TrimSpace(q.Get(p.field))
		if v == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			*p.dst = t
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", v, loc)
		if err != nil {
			return rs, nudge.FieldError(p.field, "%q is not a date (want 2026-09-01)", v)
		}
		*p.dst = t
	}
	rep, err := queryIDOf(q, "rep")
	if err != nil {
		return rs, err
	}
	team, err := queryIDOf(q, "team")
	if err != nil {
		return rs, err
	}
	switch {
	case rep != 0 && team != 0:
		return rs, nudge.FieldError("rep", "choose a rep or a team, not both")
	case rep != 0:
		if !sc.seesOwner(rep) {
			return rs, notVisible("user", rep)
		}
		u, err := s.db.FindUserByID(ctx, rep)
		if err != nil {
			return rs, err
		}
		rs.filter.Owners, rs.who = []int64{u.ID}, displayUser(u)
	case team != 0:
		t, err := s.visibleTeam(ctx, c, sc, team)
		if err != nil {
			return rs, err
		}
		if rs.filter.Owners, err = s.db.TeamOwners(ctx, t.ID); err != nil {
			return rs, err
		}
		rs.who = "Team " + t.Name
	}
	return rs, rs.filter.Validate()
}

// visibleTeam returns a team whose people the caller may all see; ENOTFOUND
// otherwise.
func (s *Server) visibleTeam(ctx context.Context, c *call, sc *scope, id int64) (*nudge.Team, error) {
	teams, err := s.reportTeams(ctx, c, sc)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		if t.ID == id {
			return t, nil
		}
	}
	return nil, notVisible("team", id)
}

// reportTeams are the teams the caller may report on: every team for an
// admin, the teams a manager leads or belongs to, none for a rep.
func (s *Server) reportTeams(ctx context.Context, c *call, sc *scope) ([]*nudge.Team, error) {
	if !sc.all && c.user.Role != nudge.UserManager {
		return nil, nil
	}
	teams, err := s.db.FindTeams(ctx)
	if err != nil {
		return nil, err
	}
	if sc.all {
		return teams, nil
	}
	return slices.DeleteFunc(teams, func(t *nudge.Team) bool { return t.ManagerID != c.user.ID && t.ID != c.user.TeamID }), nil
}

func displayUser(u *nudge.User) string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// queryIDOf reads an optional id from query values (0 when absent).
func queryIDOf(q url.Values, name string) (int64, error) {
	v := strings.TrimSpace(q.Get(name))
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 0 {
		return 0, malformed(name, "%q is not an id", v)
	}
	return id, nil
}

// apiReport answers one report as JSON: the same value `nudge report …
// --json` prints.
func (s *Server) apiReport(run func(context.Context, report.Filter) (any, error)) handler {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		rs, err := s.reportFilterOf(r.Context(), c, r.URL.Query())
		if err != nil {
			return err
		}
		v, err := run(r.Context(), rs.filter)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, v)
		return nil
	}
}

// reportsData is the Reports page.
type reportsData struct {
	Who         string
	From, To    time.Time
	Zone        string
	Reps        []*nudge.User // the reps the caller may pick (managers, admins)
	Teams       []*nudge.Team
	Persistence report.Persistence
	Wins        report.Wins
	Contact     report.Contact
	Replies     report.Replies
	Charts      map[string]template.HTML // inline SVG, by report
	// The tables beside the charts: the same numbers, shares as "62.5%".
	PersistenceRows, WinRows, WinGroups []bucketRow
	ContactRows                         []contactRow
	ReplyTables                         []replyTable
}

type bucketRow struct {
	Label            string
	Count            int
	Share, Published string
}

type contactRow struct {
	Attempt                   string
	Reached, Tried            int
	Share, OfTried, Published string
}

type replyTable struct {
	By   string
	Rows []replyRow
}

type replyRow struct {
	Key              string
	Touches, Replied int
	Rate             string
}

// pct formats a share as the tables show it (and `nudge report` prints it).
func pct(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" }

func pctOrDash(b *float64) string {
	if b == nil {
		return "–"
	}
	return pct(*b)
}

func bucketRows(bs []report.Bucket) []bucketRow {
	out := make([]bucketRow, len(bs))
	for i, b := range bs {
		out[i] = bucketRow{Label: b.Label, Count: b.Count, Share: pct(b.Share), Published: pctOrDash(b.Baseline)}
	}
	return out
}

// tables fills the rows of the tables from the reports.
func (d *reportsData) tables() {
	d.PersistenceRows, d.WinRows, d.WinGroups = bucketRows(d.Persistence.Buckets), bucketRows(d.Wins.Buckets), bucketRows(d.Wins.Groups)
	for _, b := range d.Contact.Buckets {
		d.ContactRows = append(d.ContactRows, contactRow{Attempt: b.Attempt, Reached: b.Reached, Tried: b.Tried,
			Share: pct(b.Share), OfTried: pct(b.ShareOfTried), Published: pctOrDash(b.Baseline)})
	}
	for _, by := range []report.ReplyBy{report.ByStep, report.ByChannel, report.ByTemplate} {
		rows, _ := d.Replies.Rows(by)
		t := replyTable{By: string(by)}
		for _, x := range rows {
			t.Rows = append(t.Rows, replyRow{Key: x.Key, Touches: x.Touches, Replied: x.Replied, Rate: pct(x.Rate)})
		}
		d.ReplyTables = append(d.ReplyTables, t)
	}
}

func (s *Server) reports(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	d := &reportsData{Charts: map[string]template.HTML{}, Zone: userZone(c.user).String()}
	v := s.newView(w, r, c, "Reports", d)
	v.Form = r.URL.Query()
	sc, err := c.scope(ctx)
	if err != nil {
		return err
	}
	if d.Teams, err = s.reportTeams(ctx, c, sc); err != nil {
		return err
	}
	if sc.all || c.user.Role == nudge.UserManager {
		if d.Reps, err = s.visibleUsers(ctx, c); err != nil {
			return err
		}
	}
	rs, err := s.reportFilterOf(ctx, c, r.URL.Query())
	if err != nil {
		if v.formError(err, r.URL.Query()) {
			s.render(w, r, http.StatusUnprocessableEntity, "reports", v)
			return nil
		}
		return err
	}
	f := rs.filter
	d.Who, d.From, d.To = rs.who, f.From, f.To
	if d.Persistence, err = s.db.Persistence(ctx, f); err != nil {
		return err
	}
	if d.Wins, err = s.db.WinsByTouch(ctx, f); err != nil {
		return err
	}
	if d.Contact, err = s.db.ContactByAttempt(ctx, f); err != nil {
		return err
	}
	if d.Replies, err = s.db.ReplyRates(ctx, f); err != nil {
		return err
	}
	d.tables()
	for name, ch := range map[string]chart.Bars{
		"persistence": d.Persistence.Chart(rs.who),
		"wins":        d.Wins.Chart(rs.who),
		"contact":     d.Contact.Chart(rs.who),
		"steps":       d.Replies.Chart(rs.who, report.ByStep),
		"channels":    d.Replies.Chart(rs.who, report.ByChannel),
		"templates":   d.Replies.Chart(rs.who, report.ByTemplate),
	} {
		var b bytes.Buffer
		if err := ch.SVG(&b); err != nil {
			return err
		}
		// The chart package writes escaped, self-contained markup with no
		// script or style (its doc); it is inlined as such.
		d.Charts[name] = template.HTML(b.String())
	}
	s.render(w, r, http.StatusOK, "reports", v)
	return nil
}
