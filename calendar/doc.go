// Package calendar answers the "which day, which hour" questions of nudge's
// scheduling: business days per country (weekends and public holidays, with
// their observed dates), wall-clock arithmetic across time zones and DST, the
// G3 calling hours, and the B6 rotation of call times.
//
// The calendar's job is days. Minutes and hours are real elapsed time: the C3
// no-show retries "10 minutes" and "4 hours" later are t.Add(10*time.Minute)
// and t.Add(4*time.Hour), so a retry across a DST change lands 4 real hours
// later (2026-03-07 23:00 EST + 4h = 2026-03-08 04:00 EDT). Day steps
// (B1's "3 days", B2's and C3's "business days") keep the wall-clock time of
// day in the zone of the time given: AddDays, AddBusinessDays.
//
// Wall times that a DST change skips move forward by the gap (02:30 on the
// spring-forward night becomes 03:30 daylight time, the RFC 5545 rule); wall
// times that occur twice take the first occurrence. time.Date guarantees
// neither, so the package resolves both itself.
//
// # Holidays
//
// Holidays come from github.com/rickar/cal/v2 v2.1.13, on their observed
// dates; Countries lists the codes covered, and any other code gets weekends
// only (Calendar.Known reports false). Choices made on top of the library:
//
//   - US: the federal holidays that the stock exchanges also close for, the
//     days a business is shut — New Year's Day, Martin Luther King Jr. Day,
//     Presidents' Day, Memorial Day, Juneteenth, Independence Day, Labor Day,
//     Thanksgiving and Christmas, with the federal observed dates (Saturday →
//     Friday, Sunday → Monday; New Year on a Saturday is observed on the
//     Friday 31 December before). Columbus Day and Veterans Day are left out:
//     most businesses stay open, so a prospect can be called.
//   - GB: the England and Wales bank holidays (Scotland and Northern Ireland
//     differ), with substitute days (Boxing Day on a Saturday → Monday 28th).
//   - AU: the library has only state lists; we take the holidays every state
//     and territory keeps — New Year, Australia Day, Good Friday, Easter
//     Monday, ANZAC Day (no national substitute day), Christmas, Boxing Day.
//     State days (Labour Day, King's Birthday, Melbourne Cup…) are not included.
//   - DE: the nationwide holidays only, no Land days. CH: the library's list
//     is the union of cantonal days, so we keep the ones (nearly) every canton
//     closes for — New Year, Good Friday, Easter Monday, Ascension, Whit
//     Monday, 1 August, 25 and 26 December. DE, CH and FR have no substitute
//     days: a holiday on a weekend is simply lost.
//   - Every other country: the library's national list as shipped. Known gaps
//     are the library's (e.g. NZ lacks Matariki in v2.1.13).
//
// Left out although the library ships them: AR (v2.1.13 puts Good Friday on
// Maundy Thursday), RU (the New Year holidays of 1–8 January and the yearly
// government day transfers are not modelled), UA (public holidays suspended
// under martial law since 2022), ECB (not a country). These get weekends only.
//
// Nothing here reads the clock or touches storage: every instant is an
// argument.
package calendar
