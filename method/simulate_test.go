package method

import (
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/calendar"
)

// TestSimulate runs 10,000 synthetic prospects over 120 days and checks the
// touch log with a checker written apart from the engine: it re-derives every
// guardrail from METHOD.md on the log alone.
func TestSimulate(t *testing.T) {
	cfg := DefaultSimConfig()
	cfg.KeepLog = true
	if testing.Short() {
		cfg.Prospects = 1000
	}
	res, err := Simulate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", res.Summary())
	if res.Idle != 0 {
		t.Errorf("%d plans found no instant to propose", res.Idle)
	}
	if res.Appointments == 0 || res.NoShows == 0 || res.Stops == 0 || res.Snoozes == 0 || res.Wins == 0 {
		t.Fatalf("the simulation must exercise appointments, no-shows, stops, snoozes and wins: %+v", res)
	}
	for _, v := range checkLog(res) {
		t.Error(v)
	}
	// Determinism: the same seed gives the same figures.
	cfg.KeepLog = false
	again, err := Simulate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if again.Touches != res.Touches || fmt.Sprint(again.Distribution) != fmt.Sprint(res.Distribution) {
		t.Errorf("not deterministic: %d touches, then %d", res.Touches, again.Touches)
	}
}

// checkLog returns every violation found in a simulation's log (at most 20
// per kind, so a broken engine gives a readable failure).
func checkLog(res SimResult) []string {
	var out []string
	count := map[string]int{}
	bad := func(kind, format string, args ...any) {
		count[kind]++
		if count[kind] <= 20 {
			out = append(out, kind+": "+fmt.Sprintf(format, args...))
		}
	}
	byProspect := map[int][]SimTouch{}
	for _, x := range res.Log {
		byProspect[x.Prospect] = append(byProspect[x.Prospect], x)
	}
	for _, p := range res.People {
		loc, err := time.LoadLocation(p.Zone)
		if err != nil {
			bad("zone", "%v", err)
			continue
		}
		cal := calendar.ForCountry(p.Country)
		log := byProspect[p.ID]
		sort.SliceStable(log, func(i, j int) bool { return log[i].At.Before(log[j].At) })
		var counted []time.Time
		days := map[string]int{}
		for _, x := range log {
			lt := x.At.In(loc)
			// G1: nothing after an explicit no or stop.
			if p.Stopped != nil && x.At.After(*p.Stopped) {
				bad("G1", "prospect %d touched at %s after saying stop at %s", p.ID, x.At, *p.Stopped)
			}
			// G3: calls and texts 8:00–21:00 prospect-local, on their business days.
			if x.Channel == nudge.ChannelCall || x.Channel == nudge.ChannelVoicemail || x.Channel == nudge.ChannelText {
				m := lt.Hour()*60 + lt.Minute()
				if m < 8*60 || m >= 21*60 {
					bad("G3", "prospect %d (%s): %s at %s local", p.ID, p.Zone, x.Channel, lt.Format(time.RFC3339))
				}
				if !cal.IsBusinessDay(lt) {
					bad("G3", "prospect %d (%s): %s on %s, not a business day", p.ID, p.Zone, x.Channel, lt.Format("Mon 2006-01-02"))
				}
			}
			// C2/C3: the appointment call at its minute, the retries at +10 min and +4 h exactly.
			want := map[string]time.Duration{"call": 0, "retry-10": 10 * time.Minute, "retry-4h": 4 * time.Hour}
			if d, ok := want[x.Step]; ok && x.Cadence == "appointment" {
				if x.Appointment.IsZero() || !x.At.Equal(x.Appointment.Add(d)) {
					bad("C3", "prospect %d: %s at %s, appointment %s", p.ID, x.Step, x.At, x.Appointment)
				}
			}
			// G2 counts every follow-up touch except the appointment call and its same-day retries.
			if x.Rule == "C2" || (x.Rule == "C3" && x.SameDay) {
				continue
			}
			day := lt.Format("2006-01-02")
			days[day]++
			if days[day] > 1 {
				bad("G2", "prospect %d: %d touches on %s", p.ID, days[day], day)
			}
			counted = append(counted, x.At)
		}
		for i := range counted {
			n := 0
			for j := i; j < len(counted) && counted[j].Sub(counted[i]) < 7*24*time.Hour; j++ {
				n++
			}
			if n > 3 {
				bad("G2", "prospect %d: %d touches in the 7 days from %s", p.ID, n, counted[i])
			}
		}
		// B3: nobody leaves follow-up before six attempts without a no or a win.
		if p.Stopped == nil && !p.Won && len(log) < 6 {
			bad("B3", "prospect %d: only %d attempts, no explicit no (cadences %v)", p.ID, len(log), p.Cadences)
		}
		if len(log) != p.Touches {
			bad("log", "prospect %d: %d logged, %d counted", p.ID, len(log), p.Touches)
		}
	}
	for k, n := range count {
		if n > 20 {
			out = append(out, fmt.Sprintf("%s: %d violations in all", k, n))
		}
	}
	return out
}
