// Package ical renders a rep's appointments and due touches as an RFC 5545
// calendar feed, so they reach the calendar and phone the rep already uses
// (H4: "tell Siri to set a reminder").
//
// Instants are written in UTC (the "Z" form of RFC 5545 §3.3.5), which every
// client shows in its own zone and which needs no VTIMEZONE blocks; the
// prospect's zone is named in the description, where the rep reads it.
package ical

import (
	"fmt"
	"io"
	"time"

	ics "github.com/arran4/golang-ical"
)

// Event is an appointment: a call or visit at a fixed minute (C2).
type Event struct {
	UID         string // stable across feed refreshes, e.g. "appointment-42@nudge"
	Summary     string
	Description string
	Location    string
	Start       time.Time
	Duration    time.Duration
	AlarmBefore time.Duration // C2: the rep is alerted before the call; 0 = no alarm
	Updated     time.Time
	URL         string
}

// Todo is a due touch: something the rep should do by its due minute.
type Todo struct {
	UID         string
	Summary     string
	Description string
	Due         time.Time
	Updated     time.Time
	URL         string
}

// Feed is one user's calendar.
type Feed struct {
	Name   string
	Events []Event
	Todos  []Todo
}

// Write renders f as an iCalendar document.
func Write(w io.Writer, f Feed) error {
	cal := ics.NewCalendarFor("nudge")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(f.Name)
	cal.SetXWRCalName(f.Name)
	// Ask clients to refresh often: the agenda changes as touches are logged.
	cal.SetRefreshInterval("PT15M")
	cal.SetXPublishedTTL("PT15M")
	for _, e := range f.Events {
		if e.UID == "" || e.Start.IsZero() {
			return fmt.Errorf("ical: event %q needs a UID and a start", e.Summary)
		}
		ev := cal.AddEvent(e.UID)
		ev.SetDtStampTime(e.Updated)
		ev.SetModifiedAt(e.Updated)
		ev.SetStartAt(e.Start)
		d := e.Duration
		if d <= 0 {
			d = 30 * time.Minute
		}
		ev.SetEndAt(e.Start.Add(d))
		ev.SetSummary(e.Summary)
		if e.Description != "" {
			ev.SetDescription(e.Description)
		}
		if e.Location != "" {
			ev.SetLocation(e.Location)
		}
		if e.URL != "" {
			ev.SetURL(e.URL)
		}
		if e.AlarmBefore > 0 {
			a := ev.AddAlarm()
			a.SetAction(ics.ActionDisplay)
			a.SetTrigger(duration(-e.AlarmBefore))
			a.SetProperty(ics.ComponentPropertyDescription, e.Summary)
		}
	}
	for _, t := range f.Todos {
		if t.UID == "" || t.Due.IsZero() {
			return fmt.Errorf("ical: to-do %q needs a UID and a due time", t.Summary)
		}
		td := cal.AddTodo(t.UID)
		td.SetDtStampTime(t.Updated)
		td.SetDueAt(t.Due)
		td.SetSummary(t.Summary)
		if t.Description != "" {
			td.SetDescription(t.Description)
		}
		if t.URL != "" {
			td.SetURL(t.URL)
		}
	}
	// RFC 5545 §3.1: lines end with CRLF.
	return cal.SerializeTo(w, ics.WithNewLine("\r\n"))
}

// duration formats d as an RFC 5545 duration (§3.3.6), e.g. -PT15M.
func duration(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	s := int64(d / time.Second)
	days, s := s/86400, s%86400
	h, s := s/3600, s%3600
	m, s := s/60, s%60
	out := sign + "P"
	if days > 0 {
		out += fmt.Sprintf("%dD", days)
	}
	if h+m+s > 0 || days == 0 {
		out += "T"
		if h > 0 {
			out += fmt.Sprintf("%dH", h)
		}
		if m > 0 {
			out += fmt.Sprintf("%dM", m)
		}
		if s > 0 || (h == 0 && m == 0) {
			out += fmt.Sprintf("%dS", s)
		}
	}
	return out
}
