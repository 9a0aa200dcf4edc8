package web

import (
	"context"

	"github.com/nudgecrm/nudge"
)

// valueRoutes registers the F2 value inventory and the F3 clean-list pages.
func (s *Server) valueRoutes() {}

// personValue is the Person page's F2 section (nil shows nothing).
func (s *Server) personValue(ctx context.Context, c *call, p *nudge.Person) (any, error) {
	return nil, nil
}
