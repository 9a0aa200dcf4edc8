package web

// reportRoutes registers the report pages and API (issue 6: H1–H3).
func (s *Server) reportRoutes() {}
