// Package seed generates a realistic sales book — reps, companies, people
// across time zones, years of touches with W.I.N. notes, enrollments and
// open tasks — deterministically from a seed, and loads it into a store
// (`nudge dev seed`, the benchmarks).
//
// Generation streams: people come one at a time with their history, so a
// book of ten million interactions never sits in memory. The same Config
// (seed included) always gives the same book, row for row.
package seed

import (
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/calendar"
	"github.com/nudgecrm/nudge/method"
	"github.com/nudgecrm/nudge/store"
)

// MaxTouches is the most interactions one person gets.
const MaxTouches = 30

// Config describes the book to generate.
type Config struct {
	People       int       // people in the book
	Interactions int       // touches in all, spread over the people (at most MaxTouches each)
	Reps         int       // sales reps (users) who own the book; 0 means 1
	Seed         uint64    // the same seed gives the same book
	Now          time.Time // histories end before it; tasks fall due from it on
	// Tasks gives every person who may be contacted an enrollment and one
	// open task directly, shaped as the engine would (see Generator.People);
	// without it every person is left due for the scheduler (check_at 0).
	Tasks bool
	// TaskDays spreads the tasks' due dates over this many business days
	// from today in each person's zone; 0 means 30.
	TaskDays int
	// Due, with Tasks, leaves this many people, spread evenly through the
	// book, with no enrollment or task and due for the scheduler (check_at
	// 0), as `nudge import` leaves every new person, do-not-contact or not:
	// the engine's work in a benchmark of a book that is otherwise planned.
	// Without Tasks everyone is due already.
	Due int
}

// Validate checks the configuration and fills in defaults.
func (c *Config) Validate() error {
	if c.People < 0 || c.Interactions < 0 || c.Reps < 0 {
		return nudge.Errorf(nudge.EINVALID, "seed: people, interactions and reps must not be negative")
	}
	if c.Reps == 0 {
		c.Reps = 1
	}
	if c.Due < 0 || c.Due > c.People {
		return nudge.FieldError("due", "%d people due for the scheduler out of %d", c.Due, c.People)
	}
	if c.Interactions > MaxTouches*c.People {
		return nudge.FieldError("interactions", "%d interactions for %d people is more than %d each", c.Interactions, c.People, MaxTouches)
	}
	if c.Now.IsZero() {
		return nudge.FieldError("now", "seed: no current time")
	}
	if c.TaskDays <= 0 {
		c.TaskDays = 30
	}
	return nil
}

// Generator makes one book.
type Generator struct {
	cfg   Config
	zones []*time.Location // by region
	total int              // sum of region weights
	lib   method.Library
	// longMean is the mean of the long part of the touches distribution.
	longMean float64
}

// New returns a generator for cfg.
func New(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &Generator{cfg: cfg}
	for _, r := range regions {
		loc, err := time.LoadLocation(r.zone)
		if err != nil {
			return nil, fmt.Errorf("seed: zone %s: %w", r.zone, err)
		}
		g.zones = append(g.zones, loc)
		g.total += r.weight
	}
	lib, err := method.Builtin()
	if err != nil {
		return nil, err
	}
	g.lib = lib
	// The long part is 4 + ⌊26·u^1.5⌋: P(⌊26·u^1.5⌋ = j) = ((j+1)/26)^⅔ − (j/26)^⅔.
	for j := range 26 {
		p := math.Pow(float64(j+1)/26, 2.0/3) - math.Pow(float64(j)/26, 2.0/3)
		g.longMean += p * float64(4+j)
	}
	return g, nil
}

// Config returns the configuration with its defaults.
func (g *Generator) Config() Config { return g.cfg }

// rng returns the random stream of one part of the book, so that reps,
// companies and people do not shift when another part changes.
func (g *Generator) rng(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.cfg.Seed, stream))
}

// Reps returns the reps, in the order their ids should be given: a person's
// OwnerID from People is a 1-based index into this slice.
func (g *Generator) Reps() []nudge.User {
	r := g.rng(1)
	out := make([]nudge.User, g.cfg.Reps)
	for i := range out {
		reg := &regions[g.region(r)]
		first, last := pick(r, reg.names.first), pick(r, reg.names.last)
		out[i] = nudge.User{
			Email:    fmt.Sprintf("%s.%s.%d@sales.nudge.test", slug(first, "."), slug(last, "."), i+1),
			Name:     first + " " + last,
			Role:     nudge.UserRep,
			TimeZone: reg.zone,
		}
	}
	return out
}

// company is a generated company with what its people inherit.
type company struct {
	c      nudge.Company
	ord    int // 1-based position in the walk
	region int
	size   int // people it employs in the book
}

// companies walks the companies in order; the people stream walks the same
// sequence to place its people.
func (g *Generator) companies() iter.Seq[*company] {
	return func(yield func(*company) bool) {
		r := g.rng(2)
		placed := 0
		for k := 0; placed < g.cfg.People; k++ {
			reg := g.region(r)
			rg := &regions[reg]
			word, kind := companyWords[k%len(companyWords)], companyKinds[(k/len(companyWords))%len(companyKinds)]
			name := word + " " + kind
			dom := slug(word, "") + "-" + slug(kind, "")
			if round := k / (len(companyWords) * len(companyKinds)); round > 0 {
				name += " " + strconv.Itoa(round+1)
				dom += strconv.Itoa(round + 1)
			}
			// Sizes in the book: mostly small buying groups, some large
			// accounts; the mean is about 8.
			size := 1 + int(r.ExpFloat64()*7)
			size = min(size, 60, g.cfg.People-placed)
			placed += size
			created := g.cfg.Now.Add(-time.Duration(30+r.IntN(700)) * 24 * time.Hour)
			c := &company{ord: k + 1, region: reg, size: size, c: nudge.Company{
				Name:      name + " " + legalSuffix[rg.country],
				Domain:    dom + "." + topLevel[rg.country],
				Country:   rg.country,
				City:      pick(r, rg.cities).name,
				OwnerID:   int64(1 + r.IntN(g.cfg.Reps)),
				CreatedAt: created.UTC().Truncate(time.Millisecond),
			}}
			c.c.UpdatedAt = c.c.CreatedAt
			if !yield(c) {
				return
			}
		}
	}
}

// Companies returns the companies in the order their ids should be given:
// a person's CompanyID from People is a 1-based index into this sequence.
// OwnerID is a 1-based index into Reps. About one company per 8 people.
func (g *Generator) Companies() iter.Seq[*nudge.Company] {
	return func(yield func(*nudge.Company) bool) {
		for c := range g.companies() {
			if !yield(&c.c) {
				return
			}
		}
	}
}

// region picks a region by weight.
func (g *Generator) region(r *rand.Rand) int {
	n := r.IntN(g.total)
	for i, reg := range regions {
		if n < reg.weight {
			return i
		}
		n -= reg.weight
	}
	return len(regions) - 1
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// slug folds a name to lower-case ASCII letters and digits ("Müller" →
// "muller"), with sep between words.
func slug(s, sep string) string {
	var b strings.Builder
	space := false
	for _, c := range norm.NFD.String(s) {
		switch {
		case c < unicode.MaxASCII && (unicode.IsLetter(c) || unicode.IsDigit(c)):
			if space && b.Len() > 0 {
				b.WriteString(sep)
			}
			space = false
			b.WriteRune(unicode.ToLower(c))
		case unicode.Is(unicode.Mn, c): // accents dropped
		default:
			space = true
		}
	}
	return b.String()
}

// People returns the people, each with their history and, with
// Config.Tasks, one enrollment and its open task. Person.OwnerID is a 1-based
// index into Reps, Person.CompanyID into Companies, Interaction.UserID into
// Reps; Load maps them to stored ids. Each BulkPerson is new: a bulk load
// keeps a batch of them.
func (g *Generator) People() iter.Seq[*store.BulkPerson] {
	return func(yield func(*store.BulkPerson) bool) {
		r := g.rng(3)
		used := map[string]bool{} // email local parts in the current company
		left, budget := g.cfg.People, g.cfg.Interactions
		i, due := 0, g.cfg.Due
		for c := range g.companies() {
			clear(used)
			for range c.size {
				touches := g.touches(r, left, budget)
				left--
				budget -= touches
				bp := &store.BulkPerson{}
				// Exactly Due people, evenly: where ⌊i·Due/People⌋ steps up.
				g.person(r, bp, c, touches, used, (i+1)*due/g.cfg.People != i*due/g.cfg.People)
				i++
				if !yield(bp) {
					return
				}
			}
		}
	}
}

// touches draws one person's number of interactions so that the book ends
// with exactly Config.Interactions: the mean of each draw is what is left
// per person left, and the draw is kept feasible for those after.
func (g *Generator) touches(r *rand.Rand, left, budget int) int {
	lo := max(0, budget-MaxTouches*(left-1))
	hi := min(MaxTouches, budget)
	if left == 1 {
		return budget
	}
	m := float64(budget) / float64(left)
	var k int
	switch {
	case m < 2:
		// Fresh leads: some with no touch yet, the rest 1–3.
		k = 0
		if r.Float64() < m/2 {
			k = 1 + r.IntN(3)
		}
	case m <= g.longMean:
		// Many 1–3 (most prospects are dropped early, the 1.3 of B3), a tail to 30.
		if r.Float64() < (g.longMean-m)/(g.longMean-2) {
			k = 1 + r.IntN(3)
		} else {
			k = 4 + int(26*math.Pow(r.Float64(), 1.5))
		}
	default:
		k = int(2*m) - MaxTouches + r.IntN(2*MaxTouches-int(2*m)+1)
	}
	return max(lo, min(hi, k))
}

// epoch is check_at 0: "look at this person as soon as possible".
var epoch = time.UnixMilli(0).UTC()

// person fills bp with a person working at c, with k touches; a due person
// is left to the scheduler (Config.Due).
func (g *Generator) person(r *rand.Rand, bp *store.BulkPerson, c *company, k int, used map[string]bool, due bool) {
	reg := c.region
	if r.IntN(100) < 12 { // remote staff and branch offices
		reg = g.region(r)
	}
	rg := &regions[reg]
	loc := g.zones[reg]
	now := g.cfg.Now
	first, last := pick(r, rg.names.first), pick(r, rg.names.last)
	ti := titles[r.IntN(len(titles))]
	p := nudge.Person{
		OwnerID:   c.c.OwnerID,
		CompanyID: int64(c.ord),
		Name:      first + " " + last,
		Title:     ti.title,
		TimeZone:  rg.zone,
		Country:   rg.country,
		Status:    status(r),
		Source:    "seed",
	}
	if r.IntN(100) < 5 { // accounts shared with another rep
		p.OwnerID = int64(1 + r.IntN(g.cfg.Reps))
	}
	ct := pick(r, rg.cities)
	p.Location = nudge.Location{City: ct.name}
	if r.IntN(100) < 60 {
		p.Location.Lat, p.Location.Lon, p.Location.HasCoords = ct.lat+r.Float64()*0.1-0.05, ct.lon+r.Float64()*0.1-0.05, true
	}
	if r.IntN(100) < 97 {
		local := slug(first, ".") + "." + slug(last, ".")
		for n := 2; used[local]; n++ {
			local = slug(first, ".") + "." + slug(last, ".") + strconv.Itoa(n)
		}
		used[local] = true
		p.Email = local + "@" + c.c.Domain
	}
	if r.IntN(100) < 85 || p.Email == "" {
		p.Phone = phone(r, rg.phone)
	}
	if r.IntN(100) < 70 {
		p.BuyingRole = ti.role
	}
	if r.IntN(100) < 30 {
		p.PreferredChannel = pick(r, []nudge.Channel{nudge.ChannelEmail, nudge.ChannelEmail, nudge.ChannelCall, nudge.ChannelCall, nudge.ChannelText})
	}
	if p.BuyingRole == nudge.RoleDecisionMaker && r.IntN(3) == 0 {
		p.AssistantName = pick(r, rg.names.first)
	}
	p.OKToSayNo = r.IntN(100) < 20
	if r.IntN(100) < 45 {
		p.PainGain = pick(r, painGains)
	}
	if r.IntN(100) < 15 {
		p.Interests = pick(r, interestsList)
	}
	// The person entered the book between two weeks and eighteen months ago.
	start := now.Add(-time.Duration(14*24+r.IntN(540*24)) * time.Hour)
	p.CreatedAt = start.UTC().Truncate(time.Millisecond)
	p.UpdatedAt = p.CreatedAt

	bp.Person = p
	bp.Interactions = make([]nudge.Interaction, 0, k)
	g.history(r, bp, loc, start, k)
	if n := len(bp.Interactions); n > 0 {
		bp.Person.UpdatedAt = bp.Interactions[n-1].At
	}
	switch {
	case due:
		// The task is drawn and dropped, so that the people after this one
		// are the same whatever Due is.
		if g.cfg.Tasks && !bp.Person.DoNotContact {
			g.task(r, bp, loc)
		}
		bp.Enrollments, bp.Tasks, bp.NextTouchAt = nil, nil, nil
		bp.CheckAt = &epoch
	case bp.Person.DoNotContact:
		// G1: no enrollment, no task, nothing for the engine to plan.
	case g.cfg.Tasks:
		g.task(r, bp, loc)
	default:
		bp.CheckAt = &epoch
	}
}

func status(r *rand.Rand) nudge.PersonStatus {
	switch n := r.IntN(100); {
	case n < 30:
		return nudge.StatusLead
	case n < 80:
		return nudge.StatusProspect
	case n < 90:
		return nudge.StatusCustomer
	case n < 95:
		return nudge.StatusLost
	case n < 98:
		return nudge.StatusDisqualified
	default:
		return nudge.StatusFired
	}
}

func phone(r *rand.Rand, pp phonePlan) string {
	var b strings.Builder
	b.WriteString("+" + pp.cc + pick(r, pp.areas))
	// North American exchanges start 2–9; other plans take any first digit but 0.
	b.WriteByte(byte('2' + r.IntN(8)))
	for range pp.digits - 1 {
		b.WriteByte(byte('0' + r.IntN(10)))
	}
	return b.String()
}

// history fills k touches between start and yesterday, in business hours in
// the person's zone, oldest first. Calls mostly go unanswered (about 20%
// connect), about 10% of emails get a reply; W.I.N. notes go with every
// conversation (A1). A few people end their history with a no or a stop,
// which marks them do-not-contact (G1), as the store does when it is logged.
func (g *Generator) history(r *rand.Rand, bp *store.BulkPerson, loc *time.Location, start time.Time, k int) {
	if k == 0 {
		return
	}
	p := &bp.Person
	end := g.cfg.Now.Add(-24 * time.Hour)
	span := end.Sub(start)
	stop := r.IntN(1000) < 25 // 2.5% of people with a history say no or stop
	first := strings.Fields(p.Name)[0]
	for j := range k {
		// Evenly through the span with jitter, then moved into 8:00–18:00 on a weekday.
		at := start.Add(time.Duration((float64(j) + r.Float64()) / float64(k) * float64(span)))
		lt := at.In(loc)
		switch lt.Weekday() {
		case time.Saturday:
			lt = lt.AddDate(0, 0, 2)
		case time.Sunday:
			lt = lt.AddDate(0, 0, 1)
		}
		lt = time.Date(lt.Year(), lt.Month(), lt.Day(), 8+r.IntN(10), r.IntN(60), r.IntN(60), 0, loc)
		if lt.After(end) {
			lt = end.Add(-time.Duration(k-j) * time.Minute)
		}
		it := nudge.Interaction{UserID: p.OwnerID, Direction: nudge.Outbound, At: lt.UTC().Truncate(time.Millisecond)}
		if j > 0 && !it.At.After(bp.Interactions[j-1].At) {
			it.At = bp.Interactions[j-1].At.Add(time.Minute)
		}
		talk := false
		switch n := r.IntN(100); {
		case n < 50: // calls
			it.Channel = nudge.ChannelCall
			switch m := r.IntN(100); {
			case m < 50:
				it.Outcome = nudge.OutcomeNoAnswer
			case m < 80:
				it.Outcome = nudge.OutcomeVoicemail
			default:
				it.Outcome, talk = nudge.OutcomeConnected, true
			}
		case n < 90: // emails
			it.Channel = nudge.ChannelEmail
			it.Subject = first + ", regarding your request about " + pick(r, topics) // D3
			switch m := r.IntN(100); {
			case m < 88:
				it.Outcome = nudge.OutcomeSent
			case m < 98:
				it.Outcome, it.Direction, talk = nudge.OutcomeReplied, nudge.Inbound, true
			default:
				it.Outcome = nudge.OutcomeBounced
			}
		case n < 95: // texts
			it.Channel = nudge.ChannelText
			it.Outcome = nudge.OutcomeSent
			if r.IntN(100) < 15 {
				it.Outcome, it.Direction, talk = nudge.OutcomeReplied, nudge.Inbound, true
			}
		case n < 98: // meetings
			it.Channel = nudge.ChannelMeeting
			it.Outcome, talk = nudge.OutcomeMeetingHeld, true
			if r.IntN(100) < 20 {
				it.Outcome, talk = nudge.OutcomeNoShow, false
			}
		default: // B5's handwritten note, C4's thank-you card
			it.Channel, it.Outcome = nudge.ChannelLetter, nudge.OutcomeSent
		}
		if stop && j == k-1 {
			if r.IntN(2) == 0 {
				it.Channel, it.Direction, it.Outcome, talk = nudge.ChannelCall, nudge.Outbound, nudge.OutcomeDeclined, true
			} else {
				it.Channel, it.Direction, it.Outcome, talk = nudge.ChannelEmail, nudge.Inbound, nudge.OutcomeAskedToStop, false
				it.Subject = "Re: " + first + ", regarding your request about " + pick(r, topics)
			}
			p.DoNotContact, p.DoNotContactReason = true, "G1: "+string(it.Outcome)
			dnc := it.At
			p.DoNotContactAt = &dnc
		}
		if talk {
			it.Note = nudge.WIN{What: pick(r, topics), Insights: pick(r, insights), NextSteps: pick(r, nextSteps)}
		}
		it.CreatedAt = it.At
		bp.Interactions = append(bp.Interactions, it)
	}
}

// task gives the person the enrollment the engine would start for their
// status (method.Enrol: prospects and leads 3-2-4, customers value-check,
// lost/disqualified/fired the drip) at some step, and that step's open task,
// due in business hours on one of the next TaskDays business days in their
// zone. The rule, reason, channel and template are the step's own.
func (g *Generator) task(r *rand.Rand, bp *store.BulkPerson, loc *time.Location) {
	p := &bp.Person
	name, rule := "3-2-4", "B1"
	switch p.Status {
	case nudge.StatusCustomer:
		name, rule = "value-check", "F2"
	case nudge.StatusLost, nudge.StatusDisqualified, nudge.StatusFired:
		name, rule = "drip", "F1"
	}
	c := g.lib[name]
	si := 0
	if name == "3-2-4" {
		si = r.IntN(len(c.Steps))
	}
	step := c.Steps[si]
	started := p.CreatedAt
	if n := len(bp.Interactions); n > 0 {
		started = bp.Interactions[n-1].At
	}
	e := nudge.Enrollment{UserID: p.OwnerID, Cadence: name, State: nudge.EnrollmentActive, StepID: step.ID,
		StartedAt: started, AnchorAt: started, Attempts: si, SinceProgress: si, Rule: rule}
	if n := len(bp.Interactions); n > 0 {
		e.LastTouchAt = bp.Interactions[n-1].At
	}
	ch := step.Channel
	if ch == nudge.ChannelPreferred {
		ch = p.PreferredChannel
		if ch == "" {
			ch = nudge.ChannelEmail
		}
	}
	cal := calendar.ForCountry(p.Country)
	base := calendar.AtMinuteOfDay(g.cfg.Now, loc, 9*60+r.IntN(8*60))
	due := cal.AddBusinessDays(base, r.IntN(g.cfg.TaskDays)).UTC().Truncate(time.Millisecond)
	bp.Enrollments = append(bp.Enrollments, e)
	bp.Tasks = append(bp.Tasks, nudge.Task{EnrollmentID: 1, Cadence: name, StepID: step.ID, AssigneeID: p.OwnerID,
		Channel: ch, Due: due, Rule: step.Rule, Reason: step.Reason, Template: step.Template,
		Voicemail: step.Voicemail && ch == nudge.ChannelCall, Attempt: si + 1, State: nudge.TaskOpen})
	bp.NextTouchAt = &bp.Tasks[0].Due
}
