package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// maxJSON bounds an API request body.
const maxJSON = 1 << 20

// api registers an API route: bearer-token authentication (personal API
// tokens), JSON errors through the one error path. The OpenAPI document is
// public; everything else needs a token.
func (s *Server) api(pattern string, h handler) {
	s.apiRoutes = append(s.apiRoutes, pattern)
	public := strings.HasSuffix(pattern, "/openapi.json")
	s.mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := &call{s: s}
		if !public {
			token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || strings.TrimSpace(token) == "" {
				s.fail(w, r, c, nudge.Errorf(nudge.EUNAUTHORIZED, "send a personal API token: Authorization: Bearer nudge_… (Settings → API tokens)"))
				return
			}
			t, u, err := s.db.FindAPITokenUser(r.Context(), strings.TrimSpace(token))
			if err != nil {
				if nudge.ErrorCode(err) == nudge.ENOTFOUND {
					err = nudge.Errorf(nudge.EUNAUTHORIZED, "unknown or revoked API token")
				}
				s.fail(w, r, c, err)
				return
			}
			c.user = u
			s.touchToken(r, t.ID, t.LastUsedAt)
		}
		if err := h(w, r, c); err != nil {
			s.fail(w, r, c, err)
		}
	}))
}

// touchToken stamps a token's last use at most once an hour per token.
func (s *Server) touchToken(r *http.Request, id int64, last *time.Time) {
	now := s.clock.Now()
	if last != nil && now.Sub(*last) < time.Hour {
		return
	}
	if seen, ok := s.tokenSeen.Load(id); ok && now.Sub(seen.(time.Time)) < time.Hour {
		return
	}
	s.tokenSeen.Store(id, now)
	if err := s.db.TouchAPIToken(r.Context(), id); err != nil {
		s.log.Warn("stamp API token use", "token", id, "err", err)
	}
}

// apiNotFound answers unknown API paths and methods in JSON.
func (s *Server) apiNotFound() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, nil, nudge.Errorf(nudge.ENOTFOUND, "no API route %s %s (see /api/v1/openapi.json)", r.Method, r.URL.Path))
	})
}

// decode reads a JSON body into v; unknown fields are errors, so a
// misspelt field is not silently ignored.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxJSON))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return malformed("", "send a JSON body")
		}
		return malformed("", "the body is not the JSON expected: %v", err)
	}
	return nil
}

func (s *Server) apiOpenAPI(w http.ResponseWriter, r *http.Request, c *call) error {
	b, err := assets.ReadFile("openapi.json")
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(b)
	return nil
}

// apiMe is who the token belongs to.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, c *call) error {
	writeJSON(w, http.StatusOK, c.user)
	return nil
}
