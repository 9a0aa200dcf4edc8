package method

// Policy holds the numbers of the guardrails and auto-enrolment rules. Every
// number in METHOD.md is a default; a team may change them. The zero value of
// a field means its default.
type Policy struct {
	// WeeklyCap is G2's most touches per prospect in any 7 days (default 3).
	WeeklyCap int `json:"weekly_cap,omitempty"`
	// MinAttempts is B3's six attempts before a prospect may leave active
	// follow-up without having said no (default 6).
	MinAttempts int `json:"min_attempts,omitempty"`
	// DisqualifyAfter is B4's number of contacts without forward progress by
	// the prospect after which the next conversation asks whether to stop (default 4).
	DisqualifyAfter int `json:"disqualify_after,omitempty"`
	// SilentAfter is how many business days an engaged prospect may stay
	// quiet before the E1 silent cadence starts (default 5).
	SilentAfter int `json:"silent_after,omitempty"`
	// CardDays is how many business days a handwritten card takes to arrive;
	// when it cannot arrive before the next appointment, C4 sends the note by
	// email (default 2).
	CardDays int `json:"card_days,omitempty"`
	// DefaultCadence is where a new prospect is enrolled (default "3-2-4", B1).
	DefaultCadence string `json:"default_cadence,omitempty"`
}

// DefaultPolicy returns the defaults of METHOD.md.
func DefaultPolicy() Policy {
	return Policy{WeeklyCap: 3, MinAttempts: 6, DisqualifyAfter: 4, SilentAfter: 5, CardDays: 2, DefaultCadence: "3-2-4"}
}

// withDefaults fills the zero fields of p with the defaults.
func (p Policy) withDefaults() Policy {
	d := DefaultPolicy()
	if p.WeeklyCap <= 0 {
		p.WeeklyCap = d.WeeklyCap
	}
	if p.MinAttempts <= 0 {
		p.MinAttempts = d.MinAttempts
	}
	if p.DisqualifyAfter <= 0 {
		p.DisqualifyAfter = d.DisqualifyAfter
	}
	if p.SilentAfter <= 0 {
		p.SilentAfter = d.SilentAfter
	}
	if p.CardDays <= 0 {
		p.CardDays = d.CardDays
	}
	if p.DefaultCadence == "" {
		p.DefaultCadence = d.DefaultCadence
	}
	return p
}
