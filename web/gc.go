package web

import (
	"runtime/debug"
)

// GCPercent is the garbage collector's target that nudge serve uses unless
// GOGC is set. The server's live heap is a few megabytes, so at Go's
// default of 100 it collects every few dozen agenda requests, and on two
// cores the collector's share showed as 15–20% of the CPU under load. At
// 400 the agenda API served 25–35% more requests per second with wrk
// (bench/web, A/B in the same session), for some tens of megabytes more
// heap at the peak.
const GCPercent = 400

// TuneGC applies GCPercent unless the operator chose with GOGC (getenv is
// os.Getenv, or the test's environment).
func TuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(GCPercent)
	}
}
