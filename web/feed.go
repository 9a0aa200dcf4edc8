package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/ical"
	"github.com/nudgecrm/nudge/store"
)

// Feed window: what a calendar client is sent.
const (
	feedPast   = 30 * 24 * time.Hour // appointments this far back stay visible
	feedAhead  = 60 * 24 * time.Hour // appointments and touches this far ahead
	feedAlarm  = 15 * time.Minute    // C2: the rep is alerted before the call
	feedLength = 30 * time.Minute    // an appointment without a planned length
)

// feed serves a user's calendar (H4): appointments as events with an alarm
// before each (C2), open touches as to-dos at their due minute. The secret
// in the URL is the only credential, as calendar clients cannot sign in;
// a new secret (Settings) revokes it.
func (s *Server) feed(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	if !ok || token == "" {
		s.fail(w, r, nil, nudge.Errorf(nudge.ENOTFOUND, "no such calendar"))
		return
	}
	ctx := r.Context()
	u, err := s.db.FindFeedTokenUser(ctx, token)
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	f, err := s.calendar(ctx, u, baseURL(r, s.cfg.SecureCookies))
	if err != nil {
		s.fail(w, r, nil, err)
		return
	}
	var buf bytes.Buffer
	if err := ical.Write(&buf, f); err != nil {
		s.fail(w, r, nil, err)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Write(buf.Bytes())
}

// calendar builds the feed of one user.
func (s *Server) calendar(ctx context.Context, u *nudge.User, base string) (ical.Feed, error) {
	now := s.clock.Now()
	from, until := now.Add(-feedPast), now.Add(feedAhead)
	f := ical.Feed{Name: "nudge: " + u.Name}
	aps, err := s.db.FindAppointments(ctx, store.AppointmentFilter{UserID: &u.ID, From: &from, Until: &until})
	if err != nil {
		return f, err
	}
	people := map[int64]*nudge.Person{}
	personOf := func(id int64) (*nudge.Person, error) {
		if p, ok := people[id]; ok {
			return p, nil
		}
		p, err := s.db.FindPersonByID(ctx, id)
		if err != nil {
			return nil, err
		}
		people[id] = p
		return p, nil
	}
	for _, a := range aps {
		if a.State == nudge.AppointmentCancelled {
			continue
		}
		p, err := personOf(a.PersonID)
		if err != nil {
			return f, err
		}
		loc := p.Zone(time.UTC)
		verb := "Call"
		if a.Kind == nudge.AppointmentVisit {
			verb = "Visit"
		}
		desc := []string{fmt.Sprintf("%s at %s their time (%s).", verb, a.At.In(loc).Format("15:04 Mon 2 Jan"), loc)}
		if p.Phone != "" {
			desc = append(desc, "Phone: "+p.Phone)
		}
		if len(a.Agenda) > 0 {
			desc = append(desc, "Agenda: "+strings.Join(a.Agenda, "; "))
		}
		d := time.Duration(a.Minutes) * time.Minute
		if d <= 0 {
			d = feedLength
		}
		f.Events = append(f.Events, ical.Event{
			UID: fmt.Sprintf("appointment-%d@nudge", a.ID), Summary: fmt.Sprintf("%s %s (C2)", verb, displayName(p)),
			Description: strings.Join(desc, "\n"), Location: a.Place, Start: a.At, Duration: d,
			AlarmBefore: feedAlarm, Updated: a.CreatedAt, URL: fmt.Sprintf("%s/people/%d", base, p.ID),
		})
	}
	tasks, err := s.db.FindTasks(ctx, store.TaskFilter{AssigneeID: &u.ID, States: []nudge.TaskState{nudge.TaskOpen},
		DueBefore: &until, Agenda: true})
	if err != nil {
		return f, err
	}
	for _, t := range tasks {
		desc := []string{t.Rule + ": " + t.Reason}
		if t.Guard != "" {
			desc = append(desc, t.Guard)
		}
		if t.Script != "" {
			desc = append(desc, t.Script)
		}
		f.Todos = append(f.Todos, ical.Todo{
			UID: fmt.Sprintf("task-%d@nudge", t.ID), Summary: fmt.Sprintf("%s %s (%s)", t.Channel, t.Person, t.Rule),
			Description: strings.Join(desc, "\n\n"), Due: t.Due, Updated: t.CreatedAt,
			URL: fmt.Sprintf("%s/people/%d", base, t.PersonID),
		})
	}
	return f, nil
}
