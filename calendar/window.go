package calendar

import "time"

// Hours is a daily span [Start, End) in minutes after local midnight.
type Hours struct{ Start, End int }

// CallingHours is G3 (47 CFR 64.1200): calls and texts only 8:00–21:00 in
// the prospect's own time zone.
var CallingHours = Hours{8 * 60, 21 * 60}

// DefaultWorkingHours is a rep's working day unless the rep sets one.
var DefaultWorkingHours = Hours{9 * 60, 17 * 60}

// Valid reports whether h is a non-empty span within one day.
func (h Hours) Valid() bool { return 0 <= h.Start && h.Start < h.End && h.End <= 24*60 }

// contains reports whether the minute of day lies in [Start, End).
func (h Hours) contains(minute int) bool { return h.Start <= minute && minute < h.End }

// Window is when someone may be contacted or work: business days of Cal,
// within Hours, read in Loc. A nil Loc means UTC and a nil Cal weekends only.
// A window whose Hours are not Valid contains no instant.
type Window struct {
	Loc   *time.Location
	Cal   *Calendar
	Hours Hours
}

func (w Window) loc() *time.Location {
	if w.Loc == nil {
		return time.UTC
	}
	return w.Loc
}

func (w Window) cal() *Calendar {
	if w.Cal == nil {
		return ForCountry("")
	}
	return w.Cal
}

// Contains reports whether the instant t lies inside w: on a business day of
// w.Cal and within w.Hours by the wall clock of w.Loc.
func (w Window) Contains(t time.Time) bool {
	if !w.Hours.Valid() {
		return false
	}
	l := t.In(w.loc())
	return w.Hours.contains(l.Hour()*60+l.Minute()) && w.cal().IsBusinessDay(l)
}

// maxScanDays bounds Window.Next; every calendar has business days every week,
// so only an invalid window ever reaches it.
const maxScanDays = 400

// Next returns the earliest instant >= t inside w, expressed in w.Loc: t
// itself if inside, else the start of the next open span. It returns the
// zero Time if w contains no instant (Hours not Valid).
func (w Window) Next(t time.Time) time.Time {
	if !w.Hours.Valid() {
		return time.Time{}
	}
	loc, c := w.loc(), w.cal()
	local := t.In(loc)
	if w.Contains(local) {
		return local
	}
	first := civil(local)
	for i := 0; i < maxScanDays; i++ {
		d := first.Add(time.Duration(i) * day)
		if !c.isBusinessDate(d) {
			continue
		}
		y, m, dd := d.Date()
		start := wallTime(y, m, dd, w.Hours.Start/60, w.Hours.Start%60, 0, 0, loc)
		// A start in a DST gap moves forward and may leave a narrow window.
		if !start.Before(t) && w.Contains(start) {
			return start
		}
	}
	return time.Time{}
}

// maxOverlapSearch is how far NextInBoth looks before giving up.
const maxOverlapSearch = 60 * day

// NextInBoth returns the earliest instant >= t that lies inside every window
// given — G3 calling hours of the prospect intersected with the rep's working
// hours, each in their own zone and calendar — expressed in t's location. It
// returns ok=false if none exists within 60 days (windows that never
// overlap, like a rep and a prospect 18 hours apart with narrow hours), so
// the caller can explain that to the user. With no windows it returns t.
func NextInBoth(t time.Time, windows ...Window) (next time.Time, ok bool) {
	limit := t.Add(maxOverlapSearch)
	cur := t
	// Each pass moves cur to the next start of some window, so the loop
	// ends within about one pass per window per day searched.
	for {
		moved := false
		for _, w := range windows {
			n := w.Next(cur)
			if n.IsZero() || n.After(limit) {
				return time.Time{}, false
			}
			if n.After(cur) {
				cur, moved = n, true
			}
		}
		if !moved {
			return cur.In(t.Location()), true
		}
	}
}

// callSlots are B6's times of day, in minutes after midnight, all inside
// CallingHours. Neighbours (the last and first included) are at least two
// hours apart, so repeat calls reach the prospect at different moments of
// their day. Read only.
var callSlots = [...]int{
	9 * 60,     // 9:00
	11*60 + 30, // 11:30
	14 * 60,    // 14:00
	16*60 + 30, // 16:30
	8*60 + 15,  // 8:15
	19 * 60,    // 19:00
	10*60 + 15, // 10:15
	15*60 + 15, // 15:15
	12*60 + 45, // 12:45
	17*60 + 45, // 17:45
}

// CallSlot returns the preferred local time of day (minutes after midnight)
// for the n-th call attempt (n starts at 1; smaller n count as 1), rotating
// through distinct slots inside CallingHours so consecutive attempts never
// share a slot (B6 vary call times). Intersect the result with the rep's
// hours through NextInBoth.
func CallSlot(n int) int {
	if n < 1 {
		n = 1
	}
	return callSlots[(n-1)%len(callSlots)]
}
