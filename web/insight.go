package web

import (
	"context"

	"github.com/nudgecrm/nudge"
)

// insightRoutes registers the G4/E6/E7 pages and forms.
func (s *Server) insightRoutes() {}

// personInsight is the Person page's G4/E6 section (nil shows nothing).
func (s *Server) personInsight(ctx context.Context, c *call, p *nudge.Person, history []*nudge.Interaction) (any, error) {
	return nil, nil
}
