package mail

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// The built-in templates, one file per template; templates/README.md lists
// them with their rules.
//
//go:embed templates/*.tmpl
var builtinFS embed.FS

// Builtin returns the built-in templates keyed by name ("c1-reminder",
// "c3-voicemail-1"…). The names match the templates the cadences of package
// method name in their steps. Each call parses afresh, so callers may change
// what they get.
func Builtin() map[string]*Template {
	files, err := fs.Glob(builtinFS, "templates/*.tmpl")
	if err != nil {
		panic(err) // the pattern is constant
	}
	out := make(map[string]*Template, len(files))
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".tmpl")
		out[name] = builtin(name)
	}
	return out
}

// builtin parses the built-in called name; nil if there is none.
func builtin(name string) *Template {
	if !fs.ValidPath(name) || strings.Contains(name, "/") {
		return nil
	}
	src, err := builtinFS.ReadFile("templates/" + name + ".tmpl")
	if err != nil {
		return nil
	}
	t, err := Parse(name, string(src))
	if err != nil {
		// The tests parse every built-in; this is a build defect.
		panic(fmt.Sprintf("mail: built-in %v", err))
	}
	return t
}

// Lookup returns the template called name: the user's override when
// overrides (name → source) has one, else the built-in. An override without
// a "# rule:" header keeps the built-in's rule and description. ENOTFOUND
// when there is neither.
func Lookup(name string, overrides map[string]string) (*Template, error) {
	b := builtin(name)
	src, ok := overrides[name]
	if !ok {
		if b == nil {
			return nil, nudge.Errorf(nudge.ENOTFOUND, "no template %q", name)
		}
		return b, nil
	}
	t, err := Parse(name, src)
	if err != nil {
		return nil, err
	}
	if t.Rule == "" && b != nil {
		t.Rule = b.Rule
		if t.Description == "" {
			t.Description = b.Description
		}
	}
	return t, nil
}

// Sample is the data templates are linted with at save time and the golden
// files are rendered with: the scene of the seed articles — Jim Smith of
// A-Z Company following up with Jerry Seinfeld in New York about his
// current home price and lot availability, the day before their telephone
// appointment of 3 December 2026 at 9:00 am.
func Sample() Data {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600) // no tz database: December is EST
	}
	at := time.Date(2026, 12, 3, 9, 0, 0, 0, ny)
	return Data{
		Person: &nudge.Person{Name: "Jerry Seinfeld", Email: "jerry@vandelay.example", Title: "Director of Facilities",
			TimeZone: "America/New_York", Location: nudge.Location{City: "New York"},
			AssistantName: "Elaine", PainGain: "current home price and lot availability"},
		Company:    &nudge.Company{Name: "Vandelay Industries", City: "New York"},
		Rep:        &nudge.User{Name: "Jim Smith", Email: "jim@a-z.example"},
		RepPhone:   "(212) 555-0142",
		RepCompany: "A-Z Company",
		LastNote: nudge.WIN{What: "toured the showroom and the Maple Ridge lots",
			Insights:  "the value of his current home decides his budget",
			NextSteps: "look at where you are with your current home, then at your requirements"},
		Appointment: &Appointment{At: at, Kind: "call", Minutes: 20, Agenda: []string{
			"review your recent trip to our showroom",
			"look at where you are with your current home",
			"go over any new questions that have come up since we last talked",
		}},
		Commitment: &nudge.Commitment{Party: nudge.PartyProspect, What: "send the survey of the Maple Ridge lot",
			Due: time.Date(2026, 12, 4, 17, 0, 0, 0, ny)},
		Topic:           "lot availability in Maple Ridge",
		PreviousSubject: "Jerry, regarding your request about lot availability in Maple Ridge",
		News:            "three new lots in Maple Ridge come on the market in January, two of them backing onto the park",
		Values: []ValueLine{
			{Name: "heating cost", Baseline: "$4,200 a year", Goal: "$3,000 a year", Measured: "$3,350 a year"},
			{Name: "commute", Baseline: "55 minutes", Goal: "30 minutes"},
		},
		Manager: &nudge.User{Name: "Susan Ross", Email: "susan@a-z.example"},
		Boss:    &nudge.Person{Name: "Art Vandelay", Title: "Chief Operating Officer"},
		Zone:    ny,
		Now:     time.Date(2026, 12, 2, 10, 0, 0, 0, ny),
	}
}
