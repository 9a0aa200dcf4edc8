package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nudgecrm/nudge/internal/testdb"
)

// Saving a template from the Templates page: lint errors (a D2 opener) send
// the form back with the findings and the text kept, nothing stored; a good
// source is stored and shown as the user's own; reset goes back to the
// built-in; only an admin changes what everyone sends, as with cadences.
func TestTemplateSave(t *testing.T) {
	const blunder = `{{define "subject"}}Maple Ridge{{end}}{{define "body"}}{{first .Person.Name}}, just checking in about the zebra lot survey and its price.{{end}}`
	const good = `{{define "subject"}}{{first .Person.Name}}, the Maple Ridge survey{{end}}{{define "body"}}{{first .Person.Name}}, the survey of the Maple Ridge lot arrived: the north corner drains well and the easement is narrower than the plan showed.{{end}}`
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newPool(t, b).fixture(t, false)
			stored := func() map[string]string {
				t.Helper()
				m, err := f.db.FindTemplates(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
			w := f.do(post("admin", "/templates/b1-follow-up", form("action", "save", "source", blunder)))
			body := w.Body.String()
			if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, "D2") || !strings.Contains(body, "zebra lot survey") || !strings.Contains(body, "Not saved") {
				t.Fatalf("blunder: status %d, want 422 with D2 and the text kept\n%s", w.Code, excerpt(body))
			}
			if len(stored()) != 0 {
				t.Fatalf("refused source stored: %v", stored())
			}
			if w := f.do(post("repA", "/templates/b1-follow-up", form("action", "save", "source", good))); w.Code != http.StatusForbidden {
				t.Fatalf("rep saves: status %d, want 403", w.Code)
			}
			w = f.do(post("admin", "/templates/b1-follow-up", form("action", "save", "source", good)))
			if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/templates/b1-follow-up" {
				t.Fatalf("save: status %d Location %q, want 303 to the template\n%s", w.Code, w.Header().Get("Location"), excerpt(w.Body.String()))
			}
			if stored()["b1-follow-up"] != good {
				t.Fatalf("stored %v", stored())
			}
			w = f.do(get("admin", "/templates/b1-follow-up"))
			if body := w.Body.String(); !strings.Contains(body, "your own version") || !strings.Contains(body, "north corner drains well") || !strings.Contains(body, "Reset to the built-in") {
				t.Errorf("template page after save:\n%s", excerpt(body))
			}
			if body := f.do(get("repA", "/templates")).Body.String(); !strings.Contains(body, "yours") {
				t.Errorf("list does not mark the override:\n%s", excerpt(body))
			}
			if w := f.do(post("repA", "/templates/b1-follow-up/reset", nil)); w.Code != http.StatusForbidden {
				t.Errorf("rep resets: status %d, want 403", w.Code)
			}
			if w := f.do(post("admin", "/templates/b1-follow-up/reset", nil)); w.Code != http.StatusSeeOther {
				t.Fatalf("reset: status %d", w.Code)
			}
			if len(stored()) != 0 {
				t.Errorf("after reset: %v", stored())
			}
			if w := f.do(post("admin", "/templates/b1-follow-up/reset", nil)); w.Code != http.StatusNotFound {
				t.Errorf("second reset: status %d, want 404", w.Code)
			}
		})
	}
}
