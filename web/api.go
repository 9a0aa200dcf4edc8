package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

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
			if s.apiLimit != nil {
				if wait := s.apiLimit.take(u.ID); wait > 0 {
					s.rateLimited(w, r, c, wait, fmt.Sprintf("Too many API requests: this server allows %s per user. Retry in %s s.", s.cfg.APIRate, retryAfter(wait)))
					return
				}
			}
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

// decode reads a JSON body, which Server.limitBodies bounded (413 past
// the limit), into v; unknown fields are errors, so a misspelt field is not
// silently ignored.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if big := asTooLarge(r, err); big != nil {
			return big
		}
		if errors.Is(err, io.EOF) {
			return malformed("", "send a JSON body")
		}
		return malformed("", "the body is not the JSON expected: %v", err)
	}
	if field, ok := nulField(reflect.ValueOf(v), ""); ok {
		return malformed(field, "text cannot contain a NUL character (\\u0000)")
	}
	return nil
}

// nulField finds a string holding NUL in a decoded body and names its JSON
// field. JSON allows "\u0000"; PostgreSQL text does not, so without this
// the store failed with an internal error (found by FuzzAPI).
func nulField(v reflect.Value, path string) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		return path, strings.IndexByte(v.String(), 0) >= 0
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return nulField(v.Elem(), path)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if f, ok := nulField(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); ok {
				return f, true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if f, ok := nulField(it.Value(), joinField(path, fmt.Sprint(it.Key()))); ok {
				return f, true
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			sf := v.Type().Field(i)
			if !sf.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			p := path // an embedded struct's fields are the outer object's
			if !sf.Anonymous {
				if name == "" {
					name = sf.Name
				}
				p = joinField(path, name)
			}
			if f, ok := nulField(v.Field(i), p); ok {
				return f, true
			}
		}
	}
	return "", false
}

func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
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
