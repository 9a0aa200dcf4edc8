package method

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/calendar"
)

// The guardrails of section G, applied in one place to every proposed
// instant. No cadence can break them: a cadence only proposes; settle decides.

const week = 7 * 24 * time.Hour

// settle moves a proposed instant to the earliest one that every guardrail
// allows: not in the past, inside the prospect's window (G3 for calls and
// texts, business days for the rest) and the assignee's working hours, and
// within the G2 caps unless the step is a C3 same-day retry. It returns the
// instant, one note per move naming the rule, and false when no instant fits
// within 60 days.
func (pl *planner) settle(ch nudge.Channel, capExempt bool, t time.Time, aw calendar.Window) (time.Time, []string, bool) {
	if t.Before(pl.in.Now) {
		t = pl.in.Now
	}
	pw := pl.prospectWindow(ch)
	var notes []string
	for range 64 {
		next, ok := calendar.NextInBoth(t, pw, aw)
		if !ok {
			return t, append(notes, "no time within 60 days inside both the prospect's and the assignee's hours"), false
		}
		if !next.Equal(t) {
			notes = appendNote(notes, pl.whyMoved(ch, t, next, pw))
			t = next
		}
		if capExempt {
			return t, notes, true
		}
		later, why := pl.caps(t)
		if later.Equal(t) {
			return t, notes, true
		}
		notes = appendNote(notes, why)
		t = later
	}
	return t, append(notes, "G2: no time found within the caps"), false
}

// settleExact keeps an exact step (C2, C3) at its minute; only G3 calling
// hours may move it. The rep agreed to the appointment, so their working
// hours and the caps do not apply.
func (pl *planner) settleExact(ch nudge.Channel, t time.Time) (time.Time, []string, bool) {
	if !callLike(ch) {
		return t, nil, true
	}
	pw := pl.prospectWindow(ch)
	if pw.Contains(t) {
		return t, nil, true
	}
	next, ok := calendar.NextInBoth(t, pw)
	if !ok {
		return t, []string{"G3: no calling hours within 60 days"}, false
	}
	return next, []string{pl.whyMoved(ch, t, next, pw)}, true
}

// variedCall places a repeat call at a different time of day from the last
// one (B6). The guardrails first fix the day; the calendar's call slots then
// pick the time of day on that day, skipping slots outside the windows and
// the last call's time.
func (pl *planner) variedCall(s *nudge.Step, ch nudge.Channel, want time.Time, aw calendar.Window) (time.Time, []string, bool) {
	base, baseNotes, ok := pl.settle(ch, s.SameDay, want, aw)
	if !ok {
		return base, baseNotes, false
	}
	lastMin := minuteOfDay(pl.lastCall.In(pl.ploc))
	day := base.In(pl.ploc)
	n := pl.calls + 1
	for k := range 10 {
		cand := calendar.AtMinuteOfDay(day, pl.ploc, calendar.CallSlot(n+k))
		t, notes, ok := pl.settle(ch, s.SameDay, cand, aw)
		lt := t.In(pl.ploc)
		if !ok || !sameDate(lt, day) || minuteOfDay(lt) == lastMin {
			continue
		}
		notes = append(slices.Clone(baseNotes), notes...)
		return t, append(notes, fmt.Sprintf("B6: call %d at %s, a different time of day from the last call (%s)", n, lt.Format("15:04"), pl.lastCall.In(pl.ploc).Format("15:04"))), true
	}
	return base, baseNotes, true
}

func sameDate(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// before finds an instant before a deadline for a step that must precede an
// appointment (C1), trying earlier business days.
func (pl *planner) before(ch nudge.Channel, s *nudge.Step, want, deadline time.Time, aw calendar.Window) (time.Time, []string, bool) {
	for k := 1; k <= 5; k++ {
		cand := addBusinessDays(pl.pcal, want.In(pl.ploc), -k)
		t, notes, ok := pl.settle(ch, s.SameDay, cand, aw)
		if ok && t.Before(deadline) {
			return t, append(notes, fmt.Sprintf("%s: moved earlier to %s, to come before the appointment", s.Rule, pl.fmt(t))), true
		}
		if !cand.After(pl.in.Now) {
			break
		}
	}
	return time.Time{}, nil, false
}

// caps applies G2 to an instant: at most one counted touch per prospect-local
// day, and at most WeeklyCap in any 7 days. It returns the instant unchanged
// when allowed, else a later one to try and why.
func (pl *planner) caps(t time.Time) (time.Time, string) {
	lt := t.In(pl.ploc)
	y, m, d := lt.Date()
	for _, x := range pl.counted {
		xy, xm, xd := x.In(pl.ploc).Date()
		if xy == y && xm == m && xd == d {
			next := calendar.AddDays(lt, 1)
			return next, fmt.Sprintf("G2: moved to %s, already a touch on %s (one per business day)", next.Format("Monday 2 Jan"), lt.Format("Monday 2 Jan"))
		}
	}
	// Every window [s, s+7d) holding t must hold at most WeeklyCap touches,
	// t included. Windows start at a touch, so try each one near t.
	cap := pl.p.WeeklyCap
	for _, s := range pl.counted {
		if s.After(t) {
			break
		}
		if t.Sub(s) >= week {
			continue
		}
		if pl.countIn(s, s.Add(week))+1 > cap {
			next := s.Add(week)
			return next, fmt.Sprintf("G2: moved to %s, weekly cap of %d touches", next.In(pl.ploc).Format("Monday 2 Jan"), cap)
		}
	}
	if pl.countIn(t, t.Add(week))+1 > cap {
		next := calendar.AddDays(lt, 1)
		return next, fmt.Sprintf("G2: moved to %s, weekly cap of %d touches", next.Format("Monday 2 Jan"), cap)
	}
	return t, ""
}

// countIn counts counted touches in [a, b).
func (pl *planner) countIn(a, b time.Time) int {
	n := 0
	for _, x := range pl.counted {
		if !x.Before(a) && x.Before(b) {
			n++
		}
	}
	return n
}

// whyMoved names the rule that moved an instant from t to next.
func (pl *planner) whyMoved(ch nudge.Channel, t, next time.Time, pw calendar.Window) string {
	to := pl.fmt(next)
	if !pw.Contains(t) {
		lt := t.In(pl.ploc)
		label := "G3"
		if !callLike(ch) {
			label = "business days"
		}
		if name, ok := pl.pcal.Holiday(lt); ok {
			return fmt.Sprintf("%s: moved to %s, %s is a holiday for the prospect", label, to, name)
		}
		if !pl.pcal.IsBusinessDay(lt) {
			return fmt.Sprintf("%s: moved to %s, %s is not a business day for the prospect", label, to, lt.Format("Monday"))
		}
		return fmt.Sprintf("G3: moved to %s, calling hours (8:00–21:00 the prospect's time)", to)
	}
	return fmt.Sprintf("G3: moved to %s, the assignee's working hours and days", to)
}

func appendNote(notes []string, n string) []string {
	if n == "" || (len(notes) > 0 && notes[len(notes)-1] == n) {
		return notes
	}
	return append(notes, n)
}

// joinNotes joins the guardrail notes of a task, each once.
func joinNotes(notes []string) string {
	var out []string
	for _, n := range notes {
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return strings.Join(out, "; ")
}

func minuteOfDay(t time.Time) int { return t.Hour()*60 + t.Minute() }
