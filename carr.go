package nudge

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// CARRPhase is where a prospect stands on the follow-up journey of seed 004
// (G4): Curiosity → Annoyance → Resentment → Respect. "The average rep
// gives up at annoyance"; the top producer keeps going through resentment,
// stays different, and earns respect.
type CARRPhase string

const (
	// CARRCuriosity: they are finding out who you are, or they engage.
	CARRCuriosity CARRPhase = "curiosity"
	// CARRAnnoyance: unanswered touches pile up in a short window.
	CARRAnnoyance CARRPhase = "annoyance"
	// CARRResentment: the silence went on past annoyance, or they said no or stop.
	CARRResentment CARRPhase = "resentment"
	// CARRRespect: they answered after the rep kept going with varied touches.
	CARRRespect CARRPhase = "respect"
)

// CARRPhases lists the phases in journey order.
var CARRPhases = []CARRPhase{CARRCuriosity, CARRAnnoyance, CARRResentment, CARRRespect}

// Valid reports whether p is a known phase.
func (p CARRPhase) Valid() bool { return slices.Contains(CARRPhases, p) }

// ParseCARRPhase reads a phase name, case-insensitively. EINVALID on "carr".
func ParseCARRPhase(s string) (CARRPhase, error) {
	p := CARRPhase(strings.ToLower(strings.TrimSpace(s)))
	if !p.Valid() {
		return "", FieldError("carr", "unknown CARR phase %q (want curiosity, annoyance, resentment or respect)", s)
	}
	return p, nil
}

// Title is the phase's name as a heading: "Annoyance".
func (p CARRPhase) Title() string {
	if p == "" {
		return ""
	}
	return strings.ToUpper(string(p[:1])) + string(p[1:])
}

// Advice is what the rep should do in the phase (seed 004 and the rules it
// leads to).
func (p CARRPhase) Advice() string {
	switch p {
	case CARRCuriosity:
		return "They are finding out who you are: make every touch bring something new (D4)."
	case CARRAnnoyance:
		return "This is where the average rep gives up (1.3 follow-ups): keep going, but change channels (B5) and be different (B7)."
	case CARRResentment:
		return "They are tired of hearing the same thing: differentiate with a personal note, a picture or humour (B7), or ask whether to back off (E2). A no or a stop ends every touch (G1)."
	case CARRRespect:
		return "Your persistence earned their respect: agree a specific next step with a date (A3)."
	}
	return ""
}

// The thresholds of CARROf. They are the method's numbers, so the phase
// moves where the cadences do: three touches in two weeks is the pace of
// 3-2-4 (B1) and the G2 weekly cap; six is B3's minimum.
const (
	// CARRAnnoyanceTouches unanswered touches in a row, all within
	// CARRAnnoyanceWindow, move a prospect to annoyance.
	CARRAnnoyanceTouches = 3
	CARRAnnoyanceWindow  = 14 * 24 * time.Hour
	// CARRResentmentTouches unanswered touches in a row, once annoyed, move
	// a prospect to resentment ("it goes on").
	CARRResentmentTouches = 6
	// CARRRespectChannels is how many channels the unanswered streak must
	// have used for an answer after annoyance or resentment to count as
	// respect: the seed's top producers "are being unique… differentiating
	// themselves", which B5 (change channels) and B7 (be different) make
	// measurable.
	CARRRespectChannels = 2
)

// CARR is a prospect's phase with the reason, in words a rep reads.
type CARR struct {
	Phase CARRPhase `json:"phase"`
	Why   string    `json:"why"`
	// Since is when the phase began: the touch that moved them into it
	// (zero for a person never touched).
	Since time.Time `json:"since,omitzero"`
	// Unanswered counts the outbound touches since their last answer.
	Unanswered int `json:"unanswered"`
}

// Answered reports whether the touch heard from the prospect: they reached
// out (an inbound touch), or picked up, replied or met (connected, replied,
// meeting-held). A no or a stop is an answer too, but G4 reads it as
// resentment, not engagement. (store's quiet filter for E7 uses the same
// definition in SQL.)
func (i *Interaction) Answered() bool {
	if i.Outcome.HardStop() {
		return false
	}
	switch {
	case i.Direction == Inbound:
		return true
	case i.Outcome == OutcomeConnected, i.Outcome == OutcomeReplied, i.Outcome == OutcomeMeetingHeld:
		return true
	}
	return false
}

// Unanswered reports whether an outbound touch got nothing back: no
// answer, a voicemail, a message sent with no reply, a no-show. A bounced
// email never reached them, so it counts neither way.
func (i *Interaction) Unanswered() bool {
	if i.Direction == Inbound {
		return false
	}
	switch i.Outcome {
	case OutcomeNoAnswer, OutcomeVoicemail, OutcomeSent, OutcomeNoShow:
		return true
	}
	return false
}

// CARROf returns the CARR phase (G4) of a prospect from their touches and
// answers, in any order (they are read oldest first). It is a walk over the
// history with these transitions:
//
//   - Start: curiosity.
//   - A "no" or a "stop" (declined, asked-to-stop): resentment at once.
//   - An unanswered touch extends the streak since their last answer. From
//     curiosity or respect, CARRAnnoyanceTouches (3) of the streak within
//     CARRAnnoyanceWindow (14 days) make annoyance; once annoyed, a streak of
//     CARRResentmentTouches (6) makes resentment. Touches spread thinner than
//     that (a monthly drip) leave the phase as it is.
//   - An answer ends the streak. After annoyance or resentment it is respect
//     when the streak used at least CARRRespectChannels (2) channels (call
//     and voicemail count as one), or when it takes back an earlier no or
//     stop; after a streak on one channel only, they engage again but
//     merely tolerate it: curiosity. An answer keeps curiosity and respect.
//
// The phase depends on the history alone, never on the clock, so the store
// can keep it on the person and filter by it (it changes only when a touch
// is recorded).
func CARROf(history []Interaction) CARR {
	hs := slices.Clone(history)
	slices.SortStableFunc(hs, func(a, b Interaction) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	c := CARR{Phase: CARRCuriosity, Why: "no touches yet: they do not know you so far"}
	var streak []Interaction
	stopped := false
	for _, h := range hs {
		switch {
		case h.Outcome.HardStop():
			said := "said no"
			if h.Outcome == OutcomeAskedToStop {
				said = "asked to stop"
			}
			c = CARR{Phase: CARRResentment, Since: h.At, Why: fmt.Sprintf("they %s on %s", said, carrDay(h.At))}
			streak, stopped = nil, true
		case h.Answered():
			c = carrAnswer(c, streak, stopped, h)
			streak, stopped = nil, false
		case h.Unanswered():
			streak = append(streak, h)
			c = carrSilence(c, streak, stopped)
		}
		c.Unanswered = len(streak)
	}
	return c
}

// carrAnswer is the phase after the prospect answers touch h.
func carrAnswer(c CARR, streak []Interaction, stopped bool, h Interaction) CARR {
	n, ch := len(streak), carrChannels(streak)
	switch {
	case stopped:
		return CARR{Phase: CARRRespect, Since: h.At, Why: fmt.Sprintf("they came back on %s after saying no", carrDay(h.At))}
	case c.Phase == CARRAnnoyance || c.Phase == CARRResentment:
		if ch >= CARRRespectChannels {
			return CARR{Phase: CARRRespect, Since: h.At, Why: fmt.Sprintf("they answered on %s after %d unanswered touches on %d channels: persistence that stayed different earned respect", carrDay(h.At), n, ch)}
		}
		return CARR{Phase: CARRCuriosity, Since: h.At, Why: fmt.Sprintf("they answered on %s after %d unanswered touches, all by %s: they engage again, but vary the channel (B5, B7) to earn respect", carrDay(h.At), n, streak[0].Channel)}
	case c.Phase == CARRRespect:
		c.Why = fmt.Sprintf("respect since %s; they answered again on %s", carrDay(c.Since), carrDay(h.At))
		return c
	}
	since := c.Since
	if since.IsZero() {
		since = h.At
	}
	return CARR{Phase: CARRCuriosity, Since: since, Why: fmt.Sprintf("they engaged on %s", carrDay(h.At))}
}

// carrSilence is the phase after another unanswered touch, the last of streak.
func carrSilence(c CARR, streak []Interaction, stopped bool) CARR {
	last := streak[len(streak)-1]
	n := len(streak)
	if c.Since.IsZero() {
		c.Since = streak[0].At
	}
	switch {
	case stopped:
		c.Why = fmt.Sprintf("%s; %d %s since, which G1 forbids", strings.SplitN(c.Why, ";", 2)[0], n, carrPlural(n, "touch", "touches"))
	case c.Phase == CARRResentment:
		c.Why = fmt.Sprintf("%d unanswered touches in a row since %s (resentment since %s)", n, carrDay(streak[0].At), carrDay(c.Since))
	case c.Phase == CARRAnnoyance && n >= CARRResentmentTouches:
		c = CARR{Phase: CARRResentment, Since: last.At, Why: fmt.Sprintf("%d unanswered touches in a row since %s: the follow-up went on past annoyance", n, carrDay(streak[0].At))}
	case c.Phase == CARRAnnoyance:
		c.Why = fmt.Sprintf("%d unanswered touches in a row since %s (annoyance since %s)", n, carrDay(streak[0].At), carrDay(c.Since))
	default:
		if recent := carrRecent(streak); recent >= CARRAnnoyanceTouches {
			first := streak[n-recent]
			return CARR{Phase: CARRAnnoyance, Since: last.At, Why: fmt.Sprintf("%d unanswered touches within %d days (%s to %s)", recent, int(CARRAnnoyanceWindow.Hours()/24), carrDay(first.At), carrDay(last.At))}
		}
		if c.Phase == CARRRespect {
			c.Why = fmt.Sprintf("respect since %s; %d unanswered since", carrDay(c.Since), n)
		} else {
			c.Why = fmt.Sprintf("%d unanswered %s since %s, fewer than %d within %d days", n, carrPlural(n, "touch", "touches"), carrDay(streak[0].At), CARRAnnoyanceTouches, int(CARRAnnoyanceWindow.Hours()/24))
		}
	}
	return c
}

// carrRecent counts the touches of the streak within the annoyance window
// ending at its last touch.
func carrRecent(streak []Interaction) int {
	from := streak[len(streak)-1].At.Add(-CARRAnnoyanceWindow)
	n := 0
	for _, h := range streak {
		if !h.At.Before(from) {
			n++
		}
	}
	return n
}

// carrChannels counts the channels of a streak; a voicemail is a call.
func carrChannels(streak []Interaction) int {
	seen := map[Channel]bool{}
	for _, h := range streak {
		ch := h.Channel
		if ch == ChannelVoicemail {
			ch = ChannelCall
		}
		seen[ch] = true
	}
	return len(seen)
}

func carrDay(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006") }

func carrPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
