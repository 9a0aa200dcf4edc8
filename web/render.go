package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// views holds every page template, each parsed with the layout and the
// partials once at start-up.
type views struct {
	pages map[string]*template.Template
}

func parseViews(fsys fs.FS) (*views, error) {
	base, err := template.New("").Funcs(funcs()).ParseFS(fsys, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, f := range files {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t, err = t.ParseFS(fsys, f); err != nil {
			return nil, err
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("%s defines no \"content\"", f)
		}
		v.pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	if len(v.pages) == 0 {
		return nil, errors.New("no page templates")
	}
	return v, nil
}

// view is what every page renders: the common frame and the page's Data.
type view struct {
	Title  string
	User   *nudge.User
	CSRF   string
	Flash  string
	Warn   string
	Errors map[string]string // field → message; "" for the form as a whole
	Form   url.Values        // what the user typed, to re-render a form without losing it
	Now    time.Time
	Path   string
	Data   any
}

// newView starts a page's view for a signed-in call.
func (s *Server) newView(w http.ResponseWriter, r *http.Request, c *call, title string, data any) *view {
	return &view{Title: title, User: c.user, CSRF: c.csrfToken(), Flash: s.popFlash(w, r), Now: s.clock.Now(),
		Path: r.URL.Path, Data: data, Form: url.Values{}, Errors: map[string]string{}}
}

// formError records err against its field for re-rendering a form, and
// reports whether it was a user's mistake (EINVALID, ECONFLICT, EFORGOTTEN)
// rather than something for the error path.
func (v *view) formError(err error, form url.Values) bool {
	switch nudge.ErrorCode(err) {
	case nudge.EINVALID, nudge.ECONFLICT, nudge.EFORGOTTEN:
	default:
		return false
	}
	field, msg := "", nudge.ErrorMessage(err)
	if e, ok := errors.AsType[*nudge.Error](err); ok {
		field, msg = e.Field, e.Message
	}
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	v.Errors[field] = msg
	v.Form = form
	return true
}

// render executes the page into a buffer first, so a template error is a
// clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, code int, page string, v *view) {
	t := s.views.pages[page]
	if t == nil {
		s.log.Error("no such page template", "page", page)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	if v.Errors == nil {
		v.Errors = map[string]string{}
	}
	if v.Form == nil {
		v.Form = url.Values{}
	}
	if len(v.Errors) > 0 && code == http.StatusOK {
		code = http.StatusUnprocessableEntity
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		s.log.Error("render", "page", page, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

func funcs() template.FuncMap {
	return template.FuncMap{
		// fieldError is the message for one field of a re-rendered form.
		"fieldError": func(errs map[string]string, field string) string { return errs[field] },
		// due formats a TaskView's RFC 3339 due time, in the person's zone.
		"due": func(s string) string {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return s
			}
			// RFC 3339 keeps the offset, not the zone's name.
			return t.Format("Mon 2 Jan 15:04") + " their time (UTC" + t.Format("-07:00") + ")"
		},
		"overdue": func(s string, now time.Time) bool {
			t, err := time.Parse(time.RFC3339, s)
			return err == nil && t.Before(now)
		},
		// inZone formats an instant in an IANA zone ("" = UTC).
		"inZone": func(t time.Time, tz string) string {
			loc := time.UTC
			if l, err := nudge.LoadLocation(tz); err == nil && tz != "" {
				loc = l
			}
			return t.In(loc).Format("Mon 2 Jan 2006 15:04 MST")
		},
		"date":    func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"rfc3339": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"hhmm": func(min int) string {
			if min == 0 {
				return ""
			}
			return fmt.Sprintf("%02d:%02d", min/60, min%60)
		},
		"lines": func(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") },
		"str":   func(v any) string { return fmt.Sprint(v) },
		"join":  strings.Join,
		"add":   func(a, b int) int { return a + b },
		"until": func(from, to time.Time) string { return humanDuration(to.Sub(from)) },
	}
}

// humanDuration says how long until something: "2 h 05 min", "3 days".
func humanDuration(d time.Duration) string {
	if d < 0 {
		return "now"
	}
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%d h %02d min", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	}
}
