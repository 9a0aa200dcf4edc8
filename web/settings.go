package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/store"
)

// settingsData is the Settings page. FeedURL and NewToken are set only
// right after they are made: only their hashes are stored, so they are
// shown once.
type settingsData struct {
	FeedSince *time.Time
	FeedURL   string
	Tokens    []store.APIToken
	NewToken  string
	Mailboxes []mailboxView
}

func (s *Server) settingsView(w http.ResponseWriter, r *http.Request, c *call) (*view, *settingsData, error) {
	ctx := r.Context()
	d := &settingsData{}
	var err error
	if d.FeedSince, err = s.db.FeedTokenCreated(ctx, c.user.ID); err != nil {
		return nil, nil, err
	}
	if d.Tokens, err = s.db.FindAPITokens(ctx, c.user.ID); err != nil {
		return nil, nil, err
	}
	mbs, err := s.db.FindMailboxes(ctx, store.MailboxFilter{UserID: &c.user.ID})
	if err != nil {
		return nil, nil, err
	}
	d.Mailboxes = mailboxViews(mbs)
	v := s.newView(w, r, c, "Settings", d)
	v.Form.Set("name", c.user.Name)
	v.Form.Set("tz", c.user.TimeZone)
	v.Form.Set("country", c.user.Country)
	v.Form.Set("work_start", hhmm(c.user.WorkStart, 9*60))
	v.Form.Set("work_end", hhmm(c.user.WorkEnd, 17*60))
	return v, d, nil
}

func hhmm(min, def int) string {
	if min == 0 {
		min = def
	}
	return fmt.Sprintf("%02d:%02d", min/60, min%60)
}

// parseHHMM reads "09:30" as minutes after midnight.
func parseHHMM(field, v string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(v))
	if err != nil {
		return 0, nudge.FieldError(field, "%q is not a time of day (want 09:00)", v)
	}
	return t.Hour()*60 + t.Minute(), nil
}

func (s *Server) settings(w http.ResponseWriter, r *http.Request, c *call) error {
	v, _, err := s.settingsView(w, r, c)
	if err != nil {
		return err
	}
	s.render(w, r, http.StatusOK, "settings", v)
	return nil
}

// settingsSave changes the user's name, time zone, country (the holidays of
// their working days) and working hours (G3 calling hours are intersected
// with them).
func (s *Server) settingsSave(w http.ResponseWriter, r *http.Request, c *call) error {
	u := *c.user
	u.PasswordHash = "" // keep the stored one
	u.Name = strings.TrimSpace(r.PostFormValue("name"))
	u.TimeZone = strings.TrimSpace(r.PostFormValue("tz"))
	u.Country = strings.TrimSpace(r.PostFormValue("country"))
	var err error
	u.WorkStart, err = parseHHMM("work_hours", r.PostFormValue("work_start"))
	if err == nil {
		u.WorkEnd, err = parseHHMM("work_hours", r.PostFormValue("work_end"))
	}
	if err == nil && u.TimeZone == "Local" {
		err = nudge.FieldError("tz", "name a zone such as Europe/Berlin")
	}
	if err == nil {
		err = s.db.UpdateUser(r.Context(), &u)
	}
	if err != nil {
		v, _, verr := s.settingsView(w, r, c)
		if verr != nil {
			return verr
		}
		if !v.formError(err, r.PostForm) {
			return err
		}
		s.render(w, r, http.StatusUnprocessableEntity, "settings", v)
		return nil
	}
	s.redirect(w, r, "/settings", "Settings saved.")
	return nil
}

// settingsFeed makes a new secret calendar URL (H4), revoking the old one,
// or revokes it.
func (s *Server) settingsFeed(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	if r.PostFormValue("action") == "revoke" {
		if err := s.db.RevokeFeedToken(ctx, c.user.ID); err != nil {
			return err
		}
		s.redirect(w, r, "/settings", "Calendar feed turned off; the old URL no longer works.")
		return nil
	}
	token, err := s.db.NewFeedToken(ctx, c.user.ID)
	if err != nil {
		return err
	}
	v, d, err := s.settingsView(w, r, c)
	if err != nil {
		return err
	}
	d.FeedURL = baseURL(r, s.cfg.SecureCookies) + "/feed/" + token + ".ics"
	v.Flash = "New calendar URL made; the previous one no longer works. Copy it now: it is shown only once."
	s.render(w, r, http.StatusOK, "settings", v)
	return nil
}

// baseURL is the scheme and host the browser used.
func baseURL(r *http.Request, secure bool) string {
	scheme := "http"
	if r.TLS != nil || secure {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) settingsTokenCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	token, _, err := s.db.CreateAPIToken(r.Context(), c.user.ID, r.PostFormValue("token_name"))
	v, d, verr := s.settingsView(w, r, c)
	if verr != nil {
		return verr
	}
	if err != nil {
		if e, ok := err.(*nudge.Error); ok && e.Field == "name" {
			err = &nudge.Error{Code: e.Code, Field: "token_name", Message: e.Message}
		}
		if !v.formError(err, r.PostForm) {
			return err
		}
		s.render(w, r, http.StatusUnprocessableEntity, "settings", v)
		return nil
	}
	d.NewToken = token
	v.Flash = "API token made. Copy it now: it is shown only once."
	s.render(w, r, http.StatusOK, "settings", v)
	return nil
}

func (s *Server) settingsTokenRevoke(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.db.RevokeAPIToken(r.Context(), c.user.ID, id); err != nil {
		return err
	}
	s.tokenSeen.Delete(id)
	s.redirect(w, r, "/settings", "Token "+strconv.FormatInt(id, 10)+" revoked.")
	return nil
}
