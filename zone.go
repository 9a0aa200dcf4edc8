package nudge

import (
	"sync"
	"time"
)

// zones caches time.LoadLocation, which reads and parses the zone file on
// every call: the agenda formats each task in its person's zone, and the
// zone look-ups were 5% of the agenda API's CPU (profiled under wrk).
var zones sync.Map // name → *time.Location

// LoadLocation is time.LoadLocation with a process-wide cache of the zones
// found. Zone files do not change while nudge runs, and the set of zone
// names is small (IANA has about 600), so the cache needs no eviction.
// Misses are not cached: an error is the unusual case.
func LoadLocation(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}
