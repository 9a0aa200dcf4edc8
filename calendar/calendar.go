package calendar

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rickar/cal/v2"
)

const day = 24 * time.Hour

// Calendar knows one country's business days: Monday to Friday, less the
// country's public holidays on their observed dates. It is safe for
// concurrent use; each year's holidays are worked out once, on first use.
type Calendar struct {
	country  string
	holidays []*cal.Holiday // nil: weekends only

	years sync.Map // int year -> *yearDays
}

// yearDays is one year's days off, indexed by time.Time.YearDay (1..366).
type yearDays struct {
	off   [367]bool   // an observed holiday: no business
	names [367]string // holiday names, "; "-joined when two share a date
}

// calendars memoises ForCountry for the known codes: a Calendar is a pure
// function of its code, and sharing one lets every prospect of a country
// share its per-year holiday tables.
var calendars sync.Map // string code -> *Calendar

// ForCountry returns the calendar for an ISO 3166-1 alpha-2 code, case
// insensitive; "UK" is read as "GB". "" and codes without a holiday list
// (see holidaysByCountry and Countries) get weekends only — Saturday and
// Sunday — and Known reports false for them. The same *Calendar is returned
// for the same known code.
func ForCountry(code string) *Calendar {
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "UK" {
		code = "GB"
	}
	hs, ok := holidaysByCountry[code]
	if !ok {
		// Weekends-only calendars hold no tables; no need to keep them.
		return &Calendar{country: code}
	}
	if c, ok := calendars.Load(code); ok {
		return c.(*Calendar)
	}
	c, _ := calendars.LoadOrStore(code, &Calendar{country: code, holidays: hs})
	return c.(*Calendar)
}

// Countries returns the codes for which ForCountry includes holidays, sorted.
func Countries() []string {
	codes := make([]string, 0, len(holidaysByCountry))
	for code := range holidaysByCountry {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	return codes
}

// Country returns the calendar's normalised country code ("" for none).
func (c *Calendar) Country() string { return c.country }

// Known reports whether the calendar includes the country's holidays; false
// means weekends only.
func (c *Calendar) Known() bool { return c.holidays != nil }

// IsBusinessDay reports whether the calendar date of t, read in t's own
// location, is a business day: not a Saturday or Sunday and not a holiday
// (observed dates included).
func (c *Calendar) IsBusinessDay(t time.Time) bool {
	return c.isBusinessDate(civil(t))
}

// Holiday returns the holiday's name when the date of t (in t's location) is
// one. A holiday moved to a substitute day is named "<name> (observed)" on
// that day; its own date is reported too when it falls on a weekend (a day
// off either way). When a moved holiday's own date is a weekday that stays a
// working day, Holiday reports nothing for it, so ok implies
// !IsBusinessDay(t).
func (c *Calendar) Holiday(t time.Time) (name string, ok bool) {
	if c.holidays == nil {
		return "", false
	}
	name = c.year(t.Year()).names[t.YearDay()]
	return name, name != ""
}

// AddBusinessDays returns the instant n business days after t's date,
// keeping t's wall-clock time of day in t's location, so "3 business days
// later at 10:00 local" is 10:00 local even across a DST change. Days are
// counted strictly after t's date: from a Saturday, 1 business day is the
// Monday. n = 0 gives t itself when its date is a business day, else the next
// business day at the same wall time; n < 0 counts back before t's date. A
// wall time that the DST change skips on the day reached moves forward by the
// gap (see the package comment).
func (c *Calendar) AddBusinessDays(t time.Time, n int) time.Time {
	d := civil(t)
	switch {
	case n == 0:
		for !c.isBusinessDate(d) {
			d = d.Add(day)
		}
	case n > 0:
		for n > 0 {
			d = d.Add(day)
			if c.isBusinessDate(d) {
				n--
			}
		}
	default:
		for n < 0 {
			d = d.Add(-day)
			if c.isBusinessDate(d) {
				n++
			}
		}
	}
	return onDate(t, d)
}

// NextBusinessDay returns the first business day strictly after t's date, at
// t's wall-clock time.
func (c *Calendar) NextBusinessDay(t time.Time) time.Time {
	return c.AddBusinessDays(t, 1)
}

// BusinessDaysBetween counts the business days in (a's date, b's date], both
// dates read in a's location. When b's date is before a's it returns minus
// the count in [b's date, a's date), so that for any business day b,
// AddBusinessDays(a, BusinessDaysBetween(a, b)) falls on b's date.
func (c *Calendar) BusinessDaysBetween(a, b time.Time) int {
	from, to := civil(a), civil(b.In(a.Location()))
	n := 0
	switch {
	case to.After(from):
		for d := from.Add(day); !d.After(to); d = d.Add(day) {
			if c.isBusinessDate(d) {
				n++
			}
		}
	case to.Before(from):
		for d := to; d.Before(from); d = d.Add(day) {
			if c.isBusinessDate(d) {
				n--
			}
		}
	}
	return n
}

// AddDays adds n calendar days keeping the wall-clock time of day in t's
// location (B1's "3 days later" is the same time of day, DST or not). A wall
// time skipped by a DST change moves forward by the gap.
func AddDays(t time.Time, n int) time.Time {
	if n == 0 {
		return t
	}
	return onDate(t, civil(t).AddDate(0, 0, n))
}

// AtMinuteOfDay returns t's date, read in loc, at the given minute after
// local midnight (values past 1440 roll into the following days). A nil loc
// means t's own location.
func AtMinuteOfDay(t time.Time, loc *time.Location, minute int) time.Time {
	if loc == nil {
		loc = t.Location()
	}
	y, m, d := t.In(loc).Date()
	return wallTime(y, m, d+minute/(24*60), minute%(24*60)/60, minute%60, 0, 0, loc)
}

// civil returns t's calendar date, read in t's location, as midnight UTC: a
// zone-free value that steps by exactly 24 hours per day.
func civil(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// onDate returns t's wall-clock time on civil date d, in t's location.
func onDate(t, d time.Time) time.Time {
	y, m, dd := d.Date()
	if ty, tm, td := t.Date(); ty == y && tm == m && td == dd {
		return t // the very instant, even where the wall time occurs twice
	}
	h, mi, s := t.Clock()
	return wallTime(y, m, dd, h, mi, s, t.Nanosecond(), t.Location())
}

// wallTime is time.Date with the DST edge cases fixed: a wall time that does
// not exist (spring forward) is read with the offset in force before the
// change, so it moves forward by the gap; a wall time that occurs twice
// (fall back) takes the first, earlier occurrence. time.Date picks either.
func wallTime(y int, m time.Month, d, h, mi, s, ns int, loc *time.Location) time.Time {
	naive := time.Date(y, m, d, h, mi, s, ns, time.UTC)
	// Offsets a day either side of the wall time: zones do not change twice
	// within two days, so these are the offsets before and after any change.
	before := offsetAt(naive.Add(-26*time.Hour), loc)
	after := offsetAt(naive.Add(26*time.Hour), loc)
	early := naive.Add(-time.Duration(before) * time.Second)
	if before == after {
		return early.In(loc)
	}
	late := naive.Add(-time.Duration(after) * time.Second)
	if early.After(late) {
		early, late = late, early
	}
	switch {
	case sameWall(early, naive, loc):
		return early.In(loc)
	case sameWall(late, naive, loc):
		return late.In(loc)
	default: // in the gap
		return naive.Add(-time.Duration(before) * time.Second).In(loc)
	}
}

func offsetAt(t time.Time, loc *time.Location) int {
	_, off := t.In(loc).Zone()
	return off
}

// sameWall reports whether instant t reads, in loc, as the wall time naive.
func sameWall(t, naive time.Time, loc *time.Location) bool {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC).Equal(naive)
}

// isBusinessDate reports whether civil date d (midnight UTC) is a business day.
func (c *Calendar) isBusinessDate(d time.Time) bool {
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	if c.holidays == nil {
		return true
	}
	return !c.year(d.Year()).off[d.YearDay()]
}

// year returns the days off of year y, computing them on first use.
func (c *Calendar) year(y int) *yearDays {
	if v, ok := c.years.Load(y); ok {
		return v.(*yearDays)
	}
	v, _ := c.years.LoadOrStore(y, c.computeYear(y))
	return v.(*yearDays)
}

// computeYear asks the library for the holidays of y and its neighbours,
// since an observed date can cross the year boundary (US New Year's Day on
// Saturday 1 January 2028 is observed on Friday 31 December 2027).
func (c *Calendar) computeYear(y int) *yearDays {
	yd := &yearDays{}
	addName := func(i int, name string) {
		if yd.names[i] == "" {
			yd.names[i] = name
		} else if !strings.Contains(yd.names[i], name) {
			yd.names[i] += "; " + name
		}
	}
	for _, h := range c.holidays {
		for hy := y - 1; hy <= y+1; hy++ {
			actual, observed := h.Calc(hy)
			if actual.IsZero() {
				continue
			}
			// The library builds dates in cal.DefaultLoc; only the date matters.
			act, obs := civil(actual), civil(observed)
			if obs.Year() == y {
				yd.off[obs.YearDay()] = true
				if obs.Equal(act) {
					addName(obs.YearDay(), h.Name)
				} else {
					addName(obs.YearDay(), h.Name+" (observed)")
				}
			}
			if act.Year() == y && !obs.Equal(act) {
				if wd := act.Weekday(); wd == time.Saturday || wd == time.Sunday {
					addName(act.YearDay(), h.Name)
				}
			}
		}
	}
	return yd
}
