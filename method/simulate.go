package method

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/calendar"
)

// SimConfig describes a synthetic book of prospects run through the engine
// exactly as a caller drives it (Enrol → Plan → touch → Advance/Signal →
// Plan). Zero fields take the defaults of DefaultSimConfig.
type SimConfig struct {
	Seed      uint64    `json:"seed"`
	Prospects int       `json:"prospects"`
	Days      int       `json:"days"`
	Start     time.Time `json:"start"`
	Policy    Policy    `json:"policy"`
	Library   Library   `json:"-"` // nil: the built-in cadences

	// Per-attempt behaviour of a prospect.
	Silent    float64 `json:"silent"`     // share of prospects who never answer
	ReachCall float64 `json:"reach_call"` // chance a call reaches an answering prospect
	Reply     float64 `json:"reply"`      // chance an email, text or card gets a reply
	SayNo     float64 `json:"say_no"`     // share of prospects who say no once reached (G1)
	Stop      float64 `json:"stop"`       // share who answer a written touch with "stop" (G1)
	Book      float64 `json:"book"`       // chance a conversation books an appointment
	Commit    float64 `json:"commit"`     // chance a conversation ends with a commitment (A3)
	Snooze    float64 `json:"snooze"`     // chance a conversation ends "call me in two weeks" (E2)
	ShowUp    float64 `json:"show_up"`    // C3: about 70% are there at t0
	Win       float64 `json:"win"`        // chance a held meeting is won

	// KeepLog keeps every touch in Result.Log, for checking.
	KeepLog bool `json:"keep_log"`
}

// DefaultSimConfig is 10,000 prospects over 120 days from 1 September 2026
// (across the end of US daylight time, Thanksgiving and Christmas).
func DefaultSimConfig() SimConfig {
	return SimConfig{
		Seed: 1, Prospects: 10000, Days: 120,
		Start:  time.Date(2026, 9, 1, 13, 0, 0, 0, time.UTC),
		Silent: 0.25, ReachCall: 0.3, Reply: 0.12, SayNo: 0.15, Stop: 0.03,
		Book: 0.3, Commit: 0.15, Snooze: 0.05, ShowUp: 0.7, Win: 0.3,
	}
}

func (c SimConfig) withDefaults() SimConfig {
	d := DefaultSimConfig()
	if c.Prospects <= 0 {
		c.Prospects = d.Prospects
	}
	if c.Days <= 0 {
		c.Days = d.Days
	}
	if c.Start.IsZero() {
		c.Start = d.Start
	}
	for _, f := range []struct {
		v *float64
		d float64
	}{
		{&c.Silent, d.Silent}, {&c.ReachCall, d.ReachCall}, {&c.Reply, d.Reply}, {&c.SayNo, d.SayNo},
		{&c.Stop, d.Stop}, {&c.Book, d.Book}, {&c.Commit, d.Commit}, {&c.Snooze, d.Snooze},
		{&c.ShowUp, d.ShowUp}, {&c.Win, d.Win},
	} {
		if *f.v == 0 {
			*f.v = f.d
		}
	}
	return c
}

// SimTouch is one touch done in a simulation.
type SimTouch struct {
	Prospect int           `json:"prospect"`
	At       time.Time     `json:"at"`
	Channel  nudge.Channel `json:"channel"`
	Rule     string        `json:"rule"`
	Cadence  string        `json:"cadence"`
	Step     string        `json:"step"`
	SameDay  bool          `json:"same_day,omitempty"`
	Exact    bool          `json:"exact,omitempty"`
	Outcome  nudge.Outcome `json:"outcome"`
	// Appointment is the appointment a C2/C3 touch belongs to.
	Appointment time.Time `json:"appointment,omitzero"`
}

// SimProspect is how one synthetic prospect ended.
type SimProspect struct {
	ID       int        `json:"id"`
	Zone     string     `json:"zone"`
	Country  string     `json:"country"`
	Touches  int        `json:"touches"`
	Stopped  *time.Time `json:"stopped,omitempty"` // when they said no or stop (G1)
	Won      bool       `json:"won,omitempty"`
	Cadences []string   `json:"cadences"`
}

// SimResult summarises a simulation.
type SimResult struct {
	Prospects    int            `json:"prospects"`
	Touches      int            `json:"touches"`
	Plans        int            `json:"plans"`
	Distribution map[int]int    `json:"distribution"` // touches per prospect → prospects
	ByRule       map[string]int `json:"by_rule"`
	Stops        int            `json:"stops"`
	Wins         int            `json:"wins"`
	Appointments int            `json:"appointments"`
	NoShows      int            `json:"no_shows"`
	Snoozes      int            `json:"snoozes"`
	Idle         int            `json:"idle"` // plans that found no instant (should be 0)
	People       []SimProspect  `json:"people,omitempty"`
	Log          []SimTouch     `json:"log,omitempty"`
}

// Summary renders the result for `nudge simulate`.
func (r SimResult) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d prospects, %d touches (%.1f each), %d plans\n", r.Prospects, r.Touches, float64(r.Touches)/float64(max(r.Prospects, 1)), r.Plans)
	fmt.Fprintf(&b, "said no or stop (G1): %d; won: %d; appointments: %d (no-shows %d); snoozed (E2): %d\n", r.Stops, r.Wins, r.Appointments, r.NoShows, r.Snoozes)
	b.WriteString("touches per prospect:\n")
	keys := make([]int, 0, len(r.Distribution))
	for k := range r.Distribution {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, "  %3d  %6d\n", k, r.Distribution[k])
	}
	b.WriteString("touches by rule:\n")
	rules := make([]string, 0, len(r.ByRule))
	for k := range r.ByRule {
		rules = append(rules, k)
	}
	slices.Sort(rules)
	for _, k := range rules {
		fmt.Fprintf(&b, "  %-3s  %6d\n", k, r.ByRule[k])
	}
	return b.String()
}

type simZone struct {
	zone, country string
	rep           int // index into simReps
}

var simZones = []simZone{
	{"America/New_York", "US", 0}, {"America/Chicago", "US", 0}, {"America/Los_Angeles", "US", 0},
	{"Europe/London", "GB", 1}, {"Europe/Berlin", "DE", 1},
	{"Australia/Sydney", "AU", 2}, {"Asia/Singapore", "SG", 2},
}

var simReps = []struct {
	user    nudge.User
	country string
}{
	{nudge.User{ID: 1, Name: "Jim Smith", TimeZone: "America/New_York", WorkStart: 8 * 60, WorkEnd: 18 * 60}, "US"},
	{nudge.User{ID: 2, Name: "Jane Doe", TimeZone: "Europe/London", WorkStart: 8 * 60, WorkEnd: 18 * 60}, "GB"},
	{nudge.User{ID: 3, Name: "Kim Lee", TimeZone: "Australia/Sydney", WorkStart: 8 * 60, WorkEnd: 18 * 60}, "AU"},
}

// Simulate runs cfg's synthetic prospects through the engine. It is
// deterministic for a given config: each prospect draws from its own
// generator seeded by (Seed, prospect number).
func Simulate(cfg SimConfig) (SimResult, error) {
	cfg = cfg.withDefaults()
	lib := cfg.Library
	if lib == nil {
		var err error
		if lib, err = Builtin(); err != nil {
			return SimResult{}, err
		}
	}
	zones := make([]*time.Location, len(simZones))
	for i, z := range simZones {
		loc, err := time.LoadLocation(z.zone)
		if err != nil {
			return SimResult{}, fmt.Errorf("simulate: zone %s: %w", z.zone, err)
		}
		zones[i] = loc
	}
	repLocs := make([]*time.Location, len(simReps))
	for i, r := range simReps {
		repLocs[i], _ = time.LoadLocation(r.user.TimeZone)
	}
	res := SimResult{Prospects: cfg.Prospects, Distribution: map[int]int{}, ByRule: map[string]int{}}
	end := cfg.Start.AddDate(0, 0, cfg.Days)
	for i := range cfg.Prospects {
		s := &simRun{cfg: cfg, lib: lib, res: &res, end: end, id: i + 1,
			rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i)+1))}
		zi := s.rng.IntN(len(simZones))
		s.zone, s.loc = simZones[zi], zones[zi]
		s.rep, s.repLoc = simReps[s.zone.rep].user, repLocs[s.zone.rep]
		if err := s.run(); err != nil {
			return res, fmt.Errorf("simulate prospect %d: %w", s.id, err)
		}
		res.Distribution[s.touches]++
		if cfg.KeepLog {
			res.People = append(res.People, SimProspect{ID: s.id, Zone: s.zone.zone, Country: s.zone.country,
				Touches: s.touches, Stopped: s.stopped, Won: s.won, Cadences: s.cadences})
		}
	}
	return res, nil
}

type simRun struct {
	cfg     SimConfig
	lib     Library
	res     *SimResult
	end     time.Time
	id      int
	rng     *rand.Rand
	zone    simZone
	loc     *time.Location
	rep     nudge.User
	repLoc  *time.Location
	person  nudge.Person
	history []nudge.Interaction
	appts   []nudge.Appointment
	ens     []nudge.Enrollment
	now     time.Time

	silent, sayNo, stopper bool
	touches                int
	stopped                *time.Time
	won                    bool
	cadences               []string
}

func (s *simRun) run() error {
	cfg := s.cfg
	// The prospect came in (an enquiry) at a random working minute of the first week.
	first := cfg.Start.Add(time.Duration(s.rng.IntN(5*24*60)) * time.Minute)
	s.now = first
	s.silent = s.rng.Float64() < cfg.Silent
	s.sayNo = s.rng.Float64() < cfg.SayNo
	s.stopper = s.rng.Float64() < cfg.Stop
	pref := []nudge.Channel{"", nudge.ChannelEmail, nudge.ChannelCall, nudge.ChannelText}[s.rng.IntN(4)]
	s.person = nudge.Person{ID: int64(s.id), Name: fmt.Sprintf("Prospect %d", s.id), TimeZone: s.zone.zone,
		Country: s.zone.country, Status: nudge.StatusProspect, PreferredChannel: pref,
		PainGain: "the cost of downtime on the packing line"}
	s.history = append(s.history, nudge.Interaction{PersonID: s.person.ID, Channel: nudge.ChannelEmail,
		Direction: nudge.Inbound, Outcome: nudge.OutcomeReplied, At: first,
		Note: nudge.WIN{What: "enquiry from the website", NextSteps: "review their line and send a proposal"}})
	for range 600 {
		open := -1
		for i := range s.ens {
			if s.ens[i].State.Open() {
				open = i
			}
		}
		if open < 0 {
			sg, ok := Enrol(Situation{Now: s.now, Person: s.person, PersonLoc: s.loc, Enrollments: s.ens,
				History: s.history, Appointments: s.appts, Library: s.lib, Policy: cfg.Policy})
			if !ok {
				return nil
			}
			e := sg.Enrollment(s.person.ID, s.rep.ID)
			e.ID = int64(len(s.ens) + 1)
			s.ens = append(s.ens, e)
			s.cadences = append(s.cadences, e.Cadence)
			open = len(s.ens) - 1
		}
		e := s.ens[open]
		c := s.lib[e.Cadence]
		s.res.Plans++
		d, err := Plan(Input{Now: s.now, Person: s.person, PersonLoc: s.loc, Rep: s.rep, RepLoc: s.repLoc,
			RepCountry: simReps[s.zone.rep].country, RepCompany: "A-Z Company", Cadence: c, Enrollment: e,
			History: s.history, Appointments: s.appts, Policy: cfg.Policy})
		if err != nil {
			return err
		}
		s.ens[open] = d.Enrollment
		switch d.Kind {
		case KindStop:
			return nil
		case KindDone:
			continue
		case KindIdle:
			s.res.Idle++
			return nil
		}
		t := d.Task
		if !t.Due.Before(s.end) {
			return nil
		}
		s.now = t.Due
		if err := s.touch(open, c, t); err != nil {
			return err
		}
	}
	return fmt.Errorf("did not settle in 600 plans")
}

// touch does a task at its due instant and plays the prospect's answer.
func (s *simRun) touch(idx int, c *nudge.Cadence, t *nudge.Task) error {
	cfg, e := s.cfg, s.ens[idx]
	var appt *nudge.Appointment
	for i := range s.appts {
		if s.appts[i].ID == e.AppointmentID {
			appt = &s.appts[i]
		}
	}
	call := t.Channel == nudge.ChannelCall || t.Channel == nudge.ChannelVoicemail
	outcome := nudge.OutcomeSent
	reached := false
	if call {
		outcome = nudge.OutcomeNoAnswer
		if t.Voicemail {
			outcome = nudge.OutcomeVoicemail
		}
		switch {
		case t.Rule == "C2" && appt != nil:
			if s.rng.Float64() < cfg.ShowUp {
				reached, outcome = true, nudge.OutcomeMeetingHeld
			} else {
				s.res.NoShows++
			}
		case !s.silent && s.rng.Float64() < cfg.ReachCall:
			reached, outcome = true, nudge.OutcomeConnected
		}
		if reached && s.sayNo {
			outcome = nudge.OutcomeDeclined
		}
	}
	s.history = append(s.history, nudge.Interaction{PersonID: s.person.ID, UserID: t.AssigneeID, Channel: t.Channel,
		Direction: nudge.Outbound, Outcome: outcome, At: t.Due})
	s.touches++
	s.res.Touches++
	s.res.ByRule[t.Rule]++
	if s.cfg.KeepLog {
		st := SimTouch{Prospect: s.id, At: t.Due, Channel: t.Channel, Rule: t.Rule, Cadence: t.Cadence,
			Step: t.StepID, SameDay: t.SameDay, Exact: t.Exact, Outcome: outcome}
		if appt != nil && (t.Rule == "C2" || t.Rule == "C3") {
			st.Appointment = appt.At
		}
		s.res.Log = append(s.res.Log, st)
	}
	if outcome.HardStop() {
		s.hardStop(t.Due)
	}
	e, err := Advance(c, e, outcome, t.Due)
	if err != nil {
		return err
	}
	s.ens[idx] = e
	if outcome.HardStop() {
		return nil
	}
	if appt != nil && outcome == nudge.OutcomeMeetingHeld {
		appt.State = nudge.AppointmentHeld
		if s.rng.Float64() < cfg.Win {
			s.won = true
			s.res.Wins++
			s.person.Status = nudge.StatusCustomer
			s.signalAll(nudge.ExitWon, t.Due)
		}
		return nil
	}
	if call {
		if reached {
			s.converse(t.Due)
		}
		return nil
	}
	// A written touch: maybe a reply three hours later.
	if s.silent || s.rng.Float64() >= cfg.Reply {
		return nil
	}
	at := t.Due.Add(3 * time.Hour)
	s.now = at
	switch {
	case s.stopper:
		s.history = append(s.history, nudge.Interaction{PersonID: s.person.ID, Channel: t.Channel, Direction: nudge.Inbound, Outcome: nudge.OutcomeAskedToStop, At: at})
		s.hardStop(at)
		s.signalAll(nudge.ExitOptOut, at)
	case s.sayNo:
		s.history = append(s.history, nudge.Interaction{PersonID: s.person.ID, Channel: t.Channel, Direction: nudge.Inbound, Outcome: nudge.OutcomeDeclined, At: at})
		s.hardStop(at)
		s.signalAll(nudge.ExitOptOut, at)
	default:
		s.history = append(s.history, nudge.Interaction{PersonID: s.person.ID, Channel: t.Channel, Direction: nudge.Inbound, Outcome: nudge.OutcomeReplied, At: at})
		s.converse(at)
	}
	return nil
}

// converse plays what comes of reaching the prospect: an appointment, a
// commitment, a snooze, or just a reply.
func (s *simRun) converse(at time.Time) {
	cfg := s.cfg
	for i := range s.ens {
		if s.ens[i].State.Open() && s.ens[i].AppointmentID != 0 {
			s.signalAll(nudge.ExitReply, at) // an answer before the appointment: it still stands
			return
		}
	}
	u := s.rng.Float64()
	switch {
	case u < cfg.Book:
		s.signalAll(nudge.ExitMeetingBooked, at)
		slots := []int{9 * 60, 10*60 + 30, 13 * 60, 15 * 60, 16*60 + 30}
		local := calendar.ForCountry(s.zone.country).AddBusinessDays(at.In(s.loc), 2+s.rng.IntN(3))
		when := calendar.AtMinuteOfDay(local, s.loc, slots[s.rng.IntN(len(slots))])
		first := true
		for _, a := range s.appts {
			first = first && a.State != nudge.AppointmentHeld
		}
		s.appts = append(s.appts, nudge.Appointment{ID: int64(len(s.appts) + 1), PersonID: s.person.ID, UserID: s.rep.ID,
			At: when.UTC(), Kind: nudge.AppointmentCall, First: first, State: nudge.AppointmentScheduled,
			Agenda: []string{"review your packing line", "look at your requirements"}, Minutes: 20})
		s.res.Appointments++
	case u < cfg.Book+cfg.Commit:
		s.signalAll(nudge.ExitCommitmentMade, at)
	case u < cfg.Book+cfg.Commit+cfg.Snooze:
		for i := range s.ens {
			if s.ens[i].State.Open() {
				if e, err := Snooze(s.ens[i], calendar.AddDays(at.In(s.loc), 14), at); err == nil {
					s.ens[i] = e
					s.res.Snoozes++
				}
			}
		}
	default:
		s.signalAll(nudge.ExitReply, at)
	}
}

func (s *simRun) signalAll(x nudge.ExitCondition, at time.Time) {
	for i := range s.ens {
		if s.ens[i].State.Open() {
			s.ens[i] = Signal(s.lib[s.ens[i].Cadence], s.ens[i], x, at)
		}
	}
}

func (s *simRun) hardStop(at time.Time) {
	if s.stopped == nil {
		s.stopped = &at
		s.res.Stops++
	}
}
