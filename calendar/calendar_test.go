package calendar

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
	_ "time/tzdata" // the same zone rules on every machine that runs the tests

	"github.com/rickar/cal/v2"
)

func loc(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return l
}

func ts(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v
}

// in parses s and moves it into zone, as a caller with a prospect's zone would.
func in(t testing.TB, s, zone string) time.Time { return ts(t, s).In(loc(t, zone)) }

func date(t testing.TB, s, zone string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation(time.DateOnly, s, loc(t, zone))
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return v.Add(12 * time.Hour)
}

// same fails unless got is the instant want and reads, in got's location,
// with want's offset — so "10:00 local" is checked, not just the instant.
func same(t testing.TB, got time.Time, want string) {
	t.Helper()
	if g := got.Format(time.RFC3339Nano); g != want {
		t.Errorf("got %s, want %s", g, want)
	}
}

func TestForCountry(t *testing.T) {
	tests := []struct {
		code, country string
		known         bool
	}{
		{"US", "US", true},
		{" us ", "US", true},
		{"uk", "GB", true},
		{"GB", "GB", true},
		{"ca", "CA", true},
		{"AU", "AU", true},
		{"DE", "DE", true},
		{"FR", "FR", true},
		{"JP", "JP", true},
		{"", "", false},
		{"XX", "XX", false},
		{"AR", "AR", false}, // left out: the library misplaces Good Friday
		{"RU", "RU", false},
	}
	for _, tt := range tests {
		c := ForCountry(tt.code)
		if c.Country() != tt.country || c.Known() != tt.known {
			t.Errorf("ForCountry(%q) = %q known=%v, want %q known=%v", tt.code, c.Country(), c.Known(), tt.country, tt.known)
		}
	}
	if ForCountry("us") != ForCountry("US") {
		t.Error("ForCountry should share one calendar per known code")
	}
	for _, code := range []string{"US", "GB", "CA", "AU", "DE", "FR"} {
		if !slices.Contains(Countries(), code) {
			t.Errorf("Countries() lacks %s", code)
		}
	}
}

func TestHoliday(t *testing.T) {
	tests := []struct {
		country, day string
		name         string // "" = no holiday
		business     bool
	}{
		// US: the federal holidays businesses close for, observed dates.
		{"US", "2026-01-01", "New Year's Day", false},
		{"US", "2026-01-19", "Martin Luther King Jr. Day", false},
		{"US", "2026-07-03", "Independence Day (observed)", false}, // 4 July is a Saturday
		{"US", "2026-07-04", "Independence Day", false},
		{"US", "2026-10-12", "", true}, // Columbus Day: left out on purpose
		{"US", "2026-11-11", "", true}, // Veterans Day: left out on purpose
		{"US", "2026-11-26", "Thanksgiving Day", false},
		{"US", "2026-11-27", "", true},
		{"US", "2026-12-25", "Christmas Day", false},
		{"US", "2027-12-31", "New Year's Day (observed)", false}, // 1 Jan 2028 is a Saturday
		{"US", "2028-01-01", "New Year's Day", false},
		{"US", "2028-02-29", "", true}, // leap day, a Tuesday
		// GB (England and Wales): substitute days move to the next free weekday.
		{"GB", "2026-08-31", "Summer Bank Holiday", false},
		{"GB", "2026-12-26", "Boxing Day", false}, // Saturday
		{"GB", "2026-12-28", "Boxing Day (observed)", false},
		{"GB", "2026-12-29", "", true},
		{"GB", "2027-12-27", "Christmas Day (observed)", false}, // 25th is a Saturday
		{"GB", "2027-12-28", "Boxing Day (observed)", false},    // 26th is a Sunday
		// DE: no substitute days; a holiday on a weekend is lost.
		{"DE", "2025-10-03", "Tag der Deutschen Einheit", false},
		{"DE", "2026-10-03", "Tag der Deutschen Einheit", false}, // Saturday
		{"DE", "2026-10-05", "", true},
		{"DE", "2026-05-14", "Christi Himmelfahrt", false},
		{"FR", "2026-07-14", "Fête Nationale", false},
		{"FR", "2026-05-25", "Lundi de Pentecôte", false},
		{"CA", "2026-05-18", "Victoria Day", false},
		{"CA", "2026-07-01", "Canada Day", false},
		{"CA", "2026-10-12", "Thanksgiving Day", false},
		{"AU", "2026-01-26", "Australia Day", false},
		{"AU", "2026-04-25", "ANZAC Day", false}, // Saturday; no national substitute
		{"AU", "2026-04-27", "", true},
		{"AU", "2026-12-28", "Boxing Day (observed)", false},
		{"JP", "2026-05-06", "Constitution Memorial Day (observed)", false},
		{"CH", "2026-08-01", "Bundesfeiertag", false},
		// Weekends only.
		{"", "2026-12-25", "", true},
		{"", "2026-12-26", "", false},
		{"XX", "2026-01-01", "", true},
	}
	for _, tt := range tests {
		c := ForCountry(tt.country)
		d := date(t, tt.day, "UTC")
		name, ok := c.Holiday(d)
		if name != tt.name || ok != (tt.name != "") {
			t.Errorf("%s %s: Holiday = %q, %v; want %q", tt.country, tt.day, name, ok, tt.name)
		}
		if got := c.IsBusinessDay(d); got != tt.business {
			t.Errorf("%s %s: IsBusinessDay = %v, want %v", tt.country, tt.day, got, tt.business)
		}
	}
}

func TestIsBusinessDayReadsTheDateInTsLocation(t *testing.T) {
	us := ForCountry("US")
	// Thanksgiving 2026 starts at 05:00Z in New York; 02:00Z is still Wednesday there.
	wed := in(t, "2026-11-26T02:00:00Z", "America/New_York")
	if !us.IsBusinessDay(wed) {
		t.Errorf("%s should be a business day (Wednesday in New York)", wed)
	}
	if us.IsBusinessDay(wed.UTC()) {
		t.Errorf("%s should not be a business day (Thanksgiving in UTC)", wed.UTC())
	}
}

func TestAddBusinessDays(t *testing.T) {
	tests := []struct {
		name, country, zone, start string
		n                          int
		want                       string
	}{
		// DST: the wall time of day is kept across the change.
		{"NY spring forward", "US", "America/New_York", "2026-03-06T10:00:00-05:00", 1, "2026-03-09T10:00:00-04:00"},
		{"NY 3 days over spring forward", "US", "America/New_York", "2026-03-05T10:00:00-05:00", 3, "2026-03-10T10:00:00-04:00"},
		{"NY fall back", "US", "America/New_York", "2026-10-30T10:00:00-04:00", 1, "2026-11-02T10:00:00-05:00"},
		{"NY back over fall back", "US", "America/New_York", "2026-11-02T10:00:00-05:00", -1, "2026-10-30T10:00:00-04:00"},
		{"NY 0 on Saturday", "US", "America/New_York", "2026-03-07T10:00:00-05:00", 0, "2026-03-09T10:00:00-04:00"},
		{"NY 0 on business day", "US", "America/New_York", "2026-03-06T10:00:00-05:00", 0, "2026-03-06T10:00:00-05:00"},
		{"NY 1 from Saturday", "US", "America/New_York", "2026-03-07T10:00:00-05:00", 1, "2026-03-09T10:00:00-04:00"},
		{"London spring", "GB", "Europe/London", "2026-03-27T10:00:00Z", 1, "2026-03-30T10:00:00+01:00"},
		{"London autumn", "GB", "Europe/London", "2026-10-23T10:00:00+01:00", 1, "2026-10-26T10:00:00Z"},
		{"Sydney DST ends over Easter", "AU", "Australia/Sydney", "2026-04-02T10:00:00+11:00", 1, "2026-04-07T10:00:00+10:00"},
		{"Sydney DST starts", "AU", "Australia/Sydney", "2026-10-02T10:00:00+10:00", 1, "2026-10-05T10:00:00+11:00"},
		// Cairo springs forward at midnight on a Friday: 00:30 does not exist
		// that day and moves forward by the hour's gap.
		{"Cairo gap on a weekday", "", "Africa/Cairo", "2026-04-23T00:30:00+02:00", 1, "2026-04-24T01:30:00+03:00"},
		// Holidays.
		{"US Thanksgiving", "US", "America/New_York", "2026-11-25T10:00:00-05:00", 1, "2026-11-27T10:00:00-05:00"},
		{"US back over Thanksgiving", "US", "America/New_York", "2026-11-27T10:00:00-05:00", -1, "2026-11-25T10:00:00-05:00"},
		{"US Christmas", "US", "America/New_York", "2026-12-24T10:00:00-05:00", 1, "2026-12-28T10:00:00-05:00"},
		{"US Independence observed Friday", "US", "America/New_York", "2026-07-02T10:00:00-04:00", 1, "2026-07-06T10:00:00-04:00"},
		{"US New Year observed the year before", "US", "America/New_York", "2027-12-30T10:00:00-05:00", 1, "2028-01-03T10:00:00-05:00"},
		{"GB Christmas and Boxing Day substitute", "GB", "Europe/London", "2026-12-24T10:00:00Z", 1, "2026-12-29T10:00:00Z"},
		{"GB summer bank holiday", "GB", "Europe/London", "2026-08-28T10:00:00+01:00", 1, "2026-09-01T10:00:00+01:00"},
		{"DE Einheit", "DE", "Europe/Berlin", "2025-10-02T10:00:00+02:00", 1, "2025-10-06T10:00:00+02:00"},
		{"FR 14 juillet", "FR", "Europe/Paris", "2026-07-13T10:00:00+02:00", 1, "2026-07-15T10:00:00+02:00"},
		{"CA Canada Day", "CA", "America/Toronto", "2026-06-30T10:00:00-04:00", 1, "2026-07-02T10:00:00-04:00"},
		{"AU Australia Day", "AU", "Australia/Sydney", "2026-01-23T10:00:00+11:00", 1, "2026-01-27T10:00:00+11:00"},
		// Leap day 2028-02-29 is a Tuesday.
		{"leap Monday+1", "US", "America/New_York", "2028-02-28T10:00:00-05:00", 1, "2028-02-29T10:00:00-05:00"},
		{"leap Friday+2", "US", "America/New_York", "2028-02-25T10:00:00-05:00", 2, "2028-02-29T10:00:00-05:00"},
		{"leap day+1", "US", "America/New_York", "2028-02-29T10:00:00-05:00", 1, "2028-03-01T10:00:00-05:00"},
		{"leap back", "US", "America/New_York", "2028-03-01T10:00:00-05:00", -2, "2028-02-28T10:00:00-05:00"},
		// C3: 4-6 calls 3 business days apart.
		{"C3 3 business days", "US", "America/Chicago", "2026-11-24T09:10:00-06:00", 3, "2026-11-30T09:10:00-06:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ForCountry(tt.country)
			start := in(t, tt.start, tt.zone)
			got := c.AddBusinessDays(start, tt.n)
			same(t, got, tt.want)
			if tt.n == 1 {
				same(t, c.NextBusinessDay(start), tt.want)
			}
		})
	}
}

func TestAddDays(t *testing.T) {
	tests := []struct {
		name, zone, start string
		n                 int
		want              string
	}{
		{"NY into spring gap moves forward", "America/New_York", "2026-03-07T02:30:00-05:00", 1, "2026-03-08T03:30:00-04:00"},
		{"NY over spring forward", "America/New_York", "2026-03-07T10:00:00-05:00", 1, "2026-03-08T10:00:00-04:00"},
		{"NY repeated hour takes the first", "America/New_York", "2026-10-31T01:30:00-04:00", 1, "2026-11-01T01:30:00-04:00"},
		{"London repeated hour takes the first", "Europe/London", "2026-10-24T01:30:00+01:00", 1, "2026-10-25T01:30:00+01:00"},
		{"London into spring gap", "Europe/London", "2026-03-28T01:30:00Z", 1, "2026-03-29T02:30:00+01:00"},
		{"Sydney into spring gap", "Australia/Sydney", "2026-10-03T02:15:00+10:00", 1, "2026-10-04T03:15:00+11:00"},
		{"Sydney back", "Australia/Sydney", "2026-04-06T10:00:00+10:00", -2, "2026-04-04T10:00:00+11:00"},
		{"B1 3 days", "America/Los_Angeles", "2026-03-06T16:45:00-08:00", 3, "2026-03-09T16:45:00-07:00"},
		{"leap", "America/New_York", "2028-02-28T10:00:00-05:00", 1, "2028-02-29T10:00:00-05:00"},
		{"leap + 365", "America/New_York", "2028-02-29T10:00:00-05:00", 365, "2029-02-28T10:00:00-05:00"},
		{"zero keeps the instant", "America/New_York", "2026-11-01T01:30:00-05:00", 0, "2026-11-01T01:30:00-05:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			same(t, AddDays(in(t, tt.start, tt.zone), tt.n), tt.want)
		})
	}
}

// Minutes and hours are elapsed time (C3's "10 minutes" and "4 hours"):
// t.Add, whose local reading jumps with the clock.
func TestElapsedHoursAcrossDST(t *testing.T) {
	tests := []struct{ zone, start, want string }{
		{"America/New_York", "2026-03-07T23:00:00-05:00", "2026-03-08T04:00:00-04:00"},
		{"America/New_York", "2026-10-31T23:00:00-04:00", "2026-11-01T02:00:00-05:00"},
		{"Europe/London", "2026-03-28T23:00:00Z", "2026-03-29T04:00:00+01:00"},
		{"Australia/Sydney", "2026-04-04T23:00:00+11:00", "2026-04-05T02:00:00+10:00"},
	}
	for _, tt := range tests {
		same(t, in(t, tt.start, tt.zone).Add(4*time.Hour), tt.want)
	}
}

func TestAtMinuteOfDay(t *testing.T) {
	ny := loc(t, "America/New_York")
	tests := []struct {
		start  string
		minute int
		want   string
	}{
		{"2026-03-09T03:00:00Z", 9 * 60, "2026-03-08T09:00:00-04:00"}, // still Sunday in NY
		{"2026-03-08T17:00:00Z", 150, "2026-03-08T03:30:00-04:00"},    // 02:30 is in the gap
		{"2026-11-01T17:00:00Z", 90, "2026-11-01T01:30:00-04:00"},     // first 01:30
		{"2026-01-05T17:00:00Z", 24*60 + 60, "2026-01-06T01:00:00-05:00"},
	}
	for _, tt := range tests {
		same(t, AtMinuteOfDay(ts(t, tt.start), ny, tt.minute), tt.want)
	}
	if got := AtMinuteOfDay(in(t, "2026-01-05T17:00:00Z", "Asia/Tokyo"), nil, 9*60); !got.Equal(ts(t, "2026-01-06T09:00:00+09:00")) {
		t.Errorf("nil loc: got %s, want t's own zone", got)
	}
}

func TestBusinessDaysBetween(t *testing.T) {
	tests := []struct {
		name, country, zone, a, b string
		want                      int
	}{
		{"same day", "US", "America/New_York", "2026-11-25T09:00:00-05:00", "2026-11-25T18:00:00-05:00", 0},
		{"over Thanksgiving", "US", "America/New_York", "2026-11-25T09:00:00-05:00", "2026-11-30T09:00:00-05:00", 2},
		{"backwards over Thanksgiving", "US", "America/New_York", "2026-11-30T09:00:00-05:00", "2026-11-25T09:00:00-05:00", -2},
		{"leap week", "US", "America/New_York", "2028-02-25T09:00:00-05:00", "2028-03-01T09:00:00-05:00", 3},
		{"b read in a's zone", "US", "America/New_York", "2026-11-24T09:00:00-05:00", "2026-11-26T03:00:00Z", 1},
		{"Saturday to Monday", "", "UTC", "2026-01-03T09:00:00Z", "2026-01-05T09:00:00Z", 1},
		{"a year", "GB", "Europe/London", "2025-12-31T12:00:00Z", "2026-12-31T12:00:00Z", 253},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := in(t, tt.a, tt.zone)
			if got := ForCountry(tt.country).BusinessDaysBetween(a, ts(t, tt.b)); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

func TestWindow(t *testing.T) {
	chicago := loc(t, "America/Chicago")
	prospect := Window{Loc: chicago, Cal: ForCountry("US"), Hours: CallingHours}
	tests := []struct {
		name     string
		w        Window
		at, want string
		inside   bool
	}{
		{"Friday 21:30 to Monday 08:00", prospect, "2026-01-09T21:30:00-06:00", "2026-01-12T08:00:00-06:00", false},
		{"Friday 21:30 to Tuesday when Monday is MLK Day", prospect, "2026-01-16T21:30:00-06:00", "2026-01-20T08:00:00-06:00", false},
		{"Friday 21:30 to Tuesday after Labor Day", prospect, "2026-09-04T21:30:00-05:00", "2026-09-08T08:00:00-05:00", false},
		{"given in UTC", prospect, "2026-01-10T03:30:00Z", "2026-01-12T08:00:00-06:00", false},
		{"inside stays", prospect, "2026-01-12T12:34:56-06:00", "2026-01-12T12:34:56-06:00", true},
		{"last second inside", prospect, "2026-01-12T20:59:59-06:00", "2026-01-12T20:59:59-06:00", true},
		{"before opening", prospect, "2026-01-12T07:59:00-06:00", "2026-01-12T08:00:00-06:00", false},
		{"end is exclusive", prospect, "2026-01-12T21:00:00-06:00", "2026-01-13T08:00:00-06:00", false},
		{"Sunday of spring forward", prospect, "2026-03-08T12:00:00-05:00", "2026-03-09T08:00:00-05:00", false},
		{"nil Loc and Cal: UTC, weekends only", Window{Hours: DefaultWorkingHours}, "2026-12-25T18:00:00Z", "2026-12-28T09:00:00Z", false},
		// A window wholly inside Cairo's Friday gap (00:00–01:00) is closed that day.
		{"window in a DST gap", Window{Loc: loc(t, "Africa/Cairo"), Hours: Hours{15, 45}}, "2026-04-23T12:00:00+02:00", "2026-04-27T00:15:00+03:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at := ts(t, tt.at)
			if got := tt.w.Contains(at); got != tt.inside {
				t.Errorf("Contains = %v, want %v", got, tt.inside)
			}
			got := tt.w.Next(at)
			same(t, got, tt.want)
			if !tt.w.Contains(got) {
				t.Errorf("Next result %s is not inside the window", got)
			}
		})
	}
	if got := (Window{Hours: Hours{17 * 60, 9 * 60}}).Next(ts(t, "2026-01-12T12:00:00Z")); !got.IsZero() {
		t.Errorf("invalid hours: Next = %s, want zero", got)
	}
}

func TestNextInBoth(t *testing.T) {
	la, tokyo, auckland := loc(t, "America/Los_Angeles"), loc(t, "Asia/Tokyo"), loc(t, "Pacific/Auckland")
	prospect := Window{Loc: la, Cal: ForCountry("US"), Hours: CallingHours}
	tokyoRep := Window{Loc: tokyo, Cal: ForCountry("JP"), Hours: DefaultWorkingHours}
	aucklandRep := Window{Loc: auckland, Cal: ForCountry("NZ"), Hours: DefaultWorkingHours}
	tests := []struct {
		name    string
		start   string
		windows []Window
		want    string // "" = none within 60 days
	}{
		// Tokyo is 17 h ahead of Los Angeles in winter: the overlap is LA
		// 16:00–21:00 = Tokyo 09:00–14:00 the next day, when both are business days.
		// Friday LA → Saturday Tokyo; Monday 19 Jan is MLK Day in LA.
		{"Tokyo rep, LA prospect, winter", "2026-01-16T12:00:00Z", []Window{prospect, tokyoRep}, "2026-01-20T16:00:00-08:00"},
		// 16 h in summer. From Thursday 23:00 LA: Friday 3 July is Independence
		// Day observed, so LA Monday 17:00 = Tokyo Tuesday 09:00.
		{"Tokyo rep, LA prospect, summer", "2026-07-03T06:00:00Z", []Window{prospect, tokyoRep}, "2026-07-06T17:00:00-07:00"},
		{"already inside both", "2026-01-21T01:00:00Z", []Window{prospect, tokyoRep}, "2026-01-20T17:00:00-08:00"},
		// Auckland is 21 h ahead in January: Auckland 09:00 = LA 12:00 the day
		// before. 1 and 2 January are NZ holidays, then a weekend: the first
		// Auckland working morning is Monday 5 January = LA Sunday; LA Monday
		// 12:00 = Auckland Tuesday 09:00.
		{"Auckland rep, LA prospect", "2026-01-01T00:00:00Z", []Window{prospect, aucklandRep}, "2026-01-05T12:00:00-08:00"},
		// A Tokyo rep who works 14:00–17:00 (= LA 21:00–24:00 in winter,
		// 22:00–01:00 in summer) never meets 08:00–21:00 LA.
		{"no overlap", "2026-01-16T12:00:00Z", []Window{prospect, {Loc: tokyo, Cal: ForCountry("JP"), Hours: Hours{14 * 60, 17 * 60}}}, ""},
		{"invalid window", "2026-01-16T12:00:00Z", []Window{prospect, {Loc: tokyo, Hours: Hours{9 * 60, 9 * 60}}}, ""},
		{"no windows", "2026-01-16T12:00:00Z", nil, "2026-01-16T12:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := ts(t, tt.start).In(la)
			if tt.windows == nil {
				start = ts(t, tt.start)
			}
			got, ok := NextInBoth(start, tt.windows...)
			if tt.want == "" {
				if ok {
					t.Fatalf("got %s, want no common instant", got)
				}
				return
			}
			if !ok {
				t.Fatalf("got none, want %s", tt.want)
			}
			same(t, got, tt.want)
			for i, w := range tt.windows {
				if !w.Contains(got) {
					t.Errorf("result %s not inside window %d", got, i)
				}
			}
		})
	}
}

func TestCallSlot(t *testing.T) {
	seen := map[int]bool{}
	for n := 1; n <= 3*len(callSlots); n++ {
		s, next := CallSlot(n), CallSlot(n+1)
		if !CallingHours.contains(s) {
			t.Errorf("CallSlot(%d) = %d:%02d, outside G3 calling hours", n, s/60, s%60)
		}
		if gap := max(s-next, next-s); gap < 2*60 {
			t.Errorf("CallSlot(%d) = %d and CallSlot(%d) = %d: %d min apart, want >= 2 h (B6)", n, s, n+1, next, gap)
		}
		if n <= len(callSlots) {
			if seen[s] {
				t.Errorf("CallSlot(%d) = %d repeats within one rotation", n, s)
			}
			seen[s] = true
		}
	}
	if CallSlot(0) != CallSlot(1) || CallSlot(-5) != CallSlot(1) {
		t.Error("attempt numbers below 1 should count as the first attempt")
	}
}

// propertyZones pairs each calendar with a zone that has DST (or none).
var propertyZones = []struct{ country, zone string }{
	{"US", "America/New_York"}, {"GB", "Europe/London"}, {"DE", "Europe/Berlin"},
	{"FR", "Europe/Paris"}, {"CA", "America/Toronto"}, {"AU", "Australia/Sydney"},
	{"JP", "Asia/Tokyo"}, {"", "Africa/Cairo"},
}

// checkAddBusinessDays asserts what must hold for every t and n.
func checkAddBusinessDays(t *testing.T, c *Calendar, start time.Time, n int) {
	t.Helper()
	got := c.AddBusinessDays(start, n)
	if !c.IsBusinessDay(got) {
		t.Fatalf("AddBusinessDays(%s, %d) = %s, not a business day", start, n, got)
	}
	if got.Location() != start.Location() {
		t.Fatalf("AddBusinessDays(%s, %d) changed location to %s", start, n, got.Location())
	}
	if n != 0 {
		if between := c.BusinessDaysBetween(start, got); between != n {
			t.Fatalf("BusinessDaysBetween(%s, AddBusinessDays(.., %d) = %s) = %d", start, n, got, between)
		}
	}
	// Monotonic in n, strictly except 0 and 1 from a day off (both give the
	// next business day).
	next := c.AddBusinessDays(start, n+1)
	if next.Before(got) || (n != 0 || c.IsBusinessDay(start)) && !next.After(got) {
		t.Fatalf("not monotonic: n=%d gives %s, n+1 gives %s", n, got, next)
	}
	if n > 0 && !got.After(start) || n < 0 && !got.Before(start) {
		t.Fatalf("AddBusinessDays(%s, %d) = %s went the wrong way", start, n, got)
	}
	// The wall time is kept unless the DST change skipped it on that day.
	sh, sm, _ := start.Clock()
	gh, gm, _ := got.Clock()
	if (sh != gh || sm != gm) && got.Sub(wallTime(got.Year(), got.Month(), got.Day(), sh, sm, 0, 0, got.Location())) != 0 {
		t.Fatalf("AddBusinessDays(%s, %d) = %s lost the wall time", start, n, got)
	}
}

func TestAddBusinessDaysProperties(t *testing.T) {
	for _, pz := range propertyZones {
		c, l := ForCountry(pz.country), loc(t, pz.zone)
		for d := time.Date(2025, 12, 1, 0, 30, 0, 0, time.UTC); d.Year() < 2029; d = d.AddDate(0, 0, 3) {
			for _, hm := range [][2]int{{0, 30}, {10, 0}, {23, 45}} {
				start := wallTime(d.Year(), d.Month(), d.Day(), hm[0], hm[1], 0, 0, l)
				for _, n := range []int{-7, -1, 0, 1, 2, 3, 4, 12} {
					checkAddBusinessDays(t, c, start, n)
				}
			}
		}
	}
}

func FuzzAddBusinessDays(f *testing.F) {
	f.Add(int64(1795597200), int8(1), uint8(0)) // 2026-11-25 US
	f.Add(int64(1798207200), int8(3), uint8(1)) // 2026-12-25 GB
	f.Add(int64(1775131200), int8(-5), uint8(5))
	f.Add(int64(1838160000), int8(0), uint8(7))
	f.Fuzz(func(t *testing.T, unix int64, n int8, zone uint8) {
		const lo, hi = 946684800, 4102444800 // 2000 to 2100
		unix = lo + (unix%(hi-lo)+(hi-lo))%(hi-lo)
		pz := propertyZones[int(zone)%len(propertyZones)]
		start := time.Unix(unix, 0).In(loc(t, pz.zone))
		checkAddBusinessDays(t, ForCountry(pz.country), start, int(n))
	})
}

func TestConcurrentUse(t *testing.T) {
	us := ForCountry("US")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for y := 2020; y < 2040; y++ {
				us.IsBusinessDay(time.Date(y, 11, 20+g, 12, 0, 0, 0, time.UTC))
			}
		})
	}
	wg.Wait()
	if us.IsBusinessDay(time.Date(2035, 11, 22, 12, 0, 0, 0, time.UTC)) {
		t.Error("Thanksgiving 2035 should not be a business day")
	}
}

func BenchmarkAddBusinessDays(b *testing.B) {
	us := ForCountry("US")
	start := in(b, "2026-11-20T10:00:00-05:00", "America/New_York")
	for _, n := range []int{3, 20} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				us.AddBusinessDays(start, n)
			}
		})
	}
}

func BenchmarkNextInBoth(b *testing.B) {
	prospect := Window{Loc: loc(b, "America/Los_Angeles"), Cal: ForCountry("US"), Hours: CallingHours}
	rep := Window{Loc: loc(b, "Asia/Tokyo"), Cal: ForCountry("JP"), Hours: DefaultWorkingHours}
	start := ts(b, "2026-01-16T12:00:00Z")
	for b.Loop() {
		NextInBoth(start, prospect, rep)
	}
}

// The per-year table against asking the library each time: why the table.
func BenchmarkIsBusinessDay(b *testing.B) {
	d := in(b, "2026-11-26T10:00:00-05:00", "America/New_York")
	b.Run("cached year table", func(b *testing.B) {
		us := ForCountry("US")
		for b.Loop() {
			us.IsBusinessDay(d)
		}
	})
	b.Run("library each time", func(b *testing.B) {
		lib := cal.NewBusinessCalendar()
		lib.AddHoliday(holidaysByCountry["US"]...)
		for b.Loop() {
			lib.IsWorkday(d)
		}
	})
	b.Run("building one year", func(b *testing.B) {
		us := ForCountry("US")
		for b.Loop() {
			us.computeYear(2026)
		}
	})
}
