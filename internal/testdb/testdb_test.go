package testdb

import (
	"strings"
	"testing"
)

func TestRequired(t *testing.T) {
	tests := []struct {
		env     string
		service string
		want    bool
	}{
		{"", "postgres", false},
		{"all", "postgres", true},
		{"all", "smtp", true},
		{"postgres", "postgres", true},
		{"smtp, postgres", "postgres", true},
		{"smtp,chromium", "postgres", false},
		{"postgresql", "postgres", false},
	}
	for _, tt := range tests {
		t.Setenv(RequireEnv, tt.env)
		if got := Required(tt.service); got != tt.want {
			t.Errorf("%s=%q: Required(%q) = %v, want %v", RequireEnv, tt.env, tt.service, got, tt.want)
		}
	}
}

func TestWithSearchPath(t *testing.T) {
	got, err := withSearchPath("postgres://u:secret@h:5432/db?sslmode=disable", "test_ab")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "search_path=test_ab") || !strings.Contains(got, "sslmode=disable") {
		t.Fatalf("withSearchPath = %q", got)
	}
	if r := redact("postgres://u:secret@h/db"); strings.Contains(r, "secret") {
		t.Fatalf("redact kept the password: %q", r)
	}
}
