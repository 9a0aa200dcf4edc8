package store_test

import (
	"errors"
	"testing"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/store/storetest"
)

// Template overrides round-trip on every backend: saved, replaced, listed,
// deleted back to the built-in; what the parser refuses is never stored.
func TestTemplates(t *testing.T) {
	parseErr := &nudge.Error{Code: nudge.EINVALID, Field: "template", Message: "c1-reminder, line 2: unexpected EOF"}
	parse := func(name, src string) error {
		if src == "broken" {
			return parseErr
		}
		return nil
	}
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := t.Context()
			db := storetest.Open(t, b, nudge.NewFixedClock(storetest.Start))
			if got, err := db.FindTemplates(ctx); err != nil || len(got) != 0 {
				t.Fatalf("empty store: %v, %v", got, err)
			}
			for _, tc := range []struct {
				name, src, code, field string
			}{
				{"c1-reminder", "first", "", ""},
				{"c1-reminder", "second", "", ""}, // replaces
				{"e4-higher", "higher", "", ""},
				{"c1-reminder", "broken", nudge.EINVALID, "template"},
				{"C1 reminder", "x", nudge.EINVALID, "name"},
				{"c3-voicemail-1", "  \n", nudge.EINVALID, "source"},
			} {
				err := db.SaveTemplate(ctx, tc.name, tc.src, parse)
				if nudge.ErrorCode(err) != tc.code {
					t.Fatalf("save %s %q: %v, want code %q", tc.name, tc.src, err, tc.code)
				}
				if e, ok := errors.AsType[*nudge.Error](err); ok && e.Field != tc.field {
					t.Errorf("save %s %q: field %q, want %q", tc.name, tc.src, e.Field, tc.field)
				}
			}
			got, err := db.FindTemplates(ctx)
			if err != nil || len(got) != 2 || got["c1-reminder"] != "second" || got["e4-higher"] != "higher" {
				t.Fatalf("templates = %v, %v; want c1-reminder=second, e4-higher=higher", got, err)
			}
			if err := db.DeleteTemplate(ctx, "c1-reminder"); err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteTemplate(ctx, "c1-reminder"); nudge.ErrorCode(err) != nudge.ENOTFOUND {
				t.Errorf("second delete: %v, want ENOTFOUND", err)
			}
			if got, _ := db.FindTemplates(ctx); len(got) != 1 || got["e4-higher"] == "" {
				t.Errorf("after delete: %v", got)
			}
		})
	}
}
