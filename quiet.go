package nudge

import (
	"fmt"
	"strings"
	"time"
)

// QuietReason is the rep's best guess at why a prospect does not answer
// (E6, from seeds 001 and 002). Each has a technique that answers it.
type QuietReason string

const (
	ReasonFear            QuietReason = "fear"              // of saying no, of a wrong decision
	ReasonTooBusy         QuietReason = "too-busy"          // no time for you now
	ReasonNoUrgency       QuietReason = "no-urgency"        // nothing makes it pressing
	ReasonNoValue         QuietReason = "no-value"          // they see nothing in it for them
	ReasonUsingYou        QuietReason = "using-you"         // fishing for information, not buying
	ReasonNoCommitment    QuietReason = "no-commitment"     // the last meeting ended without one (A3)
	ReasonGenericTooEarly QuietReason = "generic-too-early" // generic information sent before the conversation
	ReasonNoAgenda        QuietReason = "no-agenda"         // no shared agenda (A4)
)

// QuietReasons lists every reason, in the order the Person page offers them.
var QuietReasons = []QuietReason{ReasonFear, ReasonTooBusy, ReasonNoUrgency, ReasonNoValue, ReasonUsingYou,
	ReasonNoCommitment, ReasonGenericTooEarly, ReasonNoAgenda}

// Technique is the answer to a quiet reason: what to do next, the rules it
// draws on, why it works, and the built-in one-step cadence (method/cadences/
// e6-*.json) that puts it on the rep's Today through the engine, so the
// guardrails G1–G3 apply to it as to every touch.
type Technique struct {
	Reason  QuietReason `json:"reason"`
	Label   string      `json:"label"`     // the reason in words: "using you (fishing for information)"
	Name    string      `json:"technique"` // "ask for a commitment before sending more information"
	Rules   string      `json:"rules"`     // the METHOD rules it applies: "A3"
	Why     string      `json:"why"`
	Cadence string      `json:"cadence"` // "e6-using-you"
}

var techniques = map[QuietReason]Technique{
	ReasonFear: {Label: "fear of saying no",
		Name: "make it safe to say no, and ask whether to back off", Rules: "E2, A5",
		Why: "a prospect who fears the conversation goes quiet rather than say no; once no is a safe answer, they give one — or say what they want"},
	ReasonTooBusy: {Label: "too busy",
		Name: "ask for 15 minutes and offer two times", Rules: "A3",
		Why: "a small request with two set times is easier to accept than an open \"when suits you?\""},
	ReasonNoUrgency: {Label: "no urgency",
		Name: "show the cost of waiting, in their own words", Rules: "A6",
		Why: "without urgency something else always comes first; their own pain or gain, quoted back, gives waiting a price"},
	ReasonNoValue: {Label: "no value seen",
		Name: "bring something new for them", Rules: "D4",
		Why: "they see nothing in it for them; a touch that carries something new for them is a reason to answer"},
	ReasonUsingYou: {Label: "using you (fishing for information)",
		Name: "ask for a commitment before sending more information", Rules: "A3",
		Why: "information given freely buys nothing; asking for a commitment first shows whether they are buying or fishing"},
	ReasonNoCommitment: {Label: "no commitment",
		Name: "propose a specific next step with a date", Rules: "A3",
		Why: "the last conversation ended without a commitment from them; a specific step with a date gives them something to say yes to"},
	ReasonGenericTooEarly: {Label: "generic information sent too early",
		Name: "ask about their problems, opportunities, wants and needs (POWNs) before sending anything", Rules: "A4",
		Why: "a brochure before the conversation answers questions they never asked; their POWNs make the next message about them"},
	ReasonNoAgenda: {Label: "no shared agenda",
		Name: "propose an agenda for the next conversation", Rules: "A4, D1",
		Why: "without an agreed agenda a call looks like a sales pitch; an agenda they can change makes it their meeting"},
}

// Valid reports whether r is a known reason.
func (r QuietReason) Valid() bool {
	_, ok := techniques[r]
	return ok
}

// Technique returns the technique that answers r; ok is false for an unknown reason.
func (r QuietReason) Technique() (Technique, bool) {
	t, ok := techniques[r]
	if !ok {
		return Technique{}, false
	}
	t.Reason, t.Cadence = r, "e6-"+string(r)
	return t, true
}

// Techniques returns the technique of every reason, in QuietReasons order.
func Techniques() []Technique {
	out := make([]Technique, len(QuietReasons))
	for i, r := range QuietReasons {
		out[i], _ = r.Technique()
	}
	return out
}

// ParseQuietReason reads a reason as typed: case and the separator between
// words do not matter ("Too busy", "too_busy"). EINVALID on "reason",
// naming the reasons there are.
func ParseQuietReason(s string) (QuietReason, error) {
	norm := strings.Join(strings.FieldsFunc(strings.ToLower(s), func(c rune) bool { return c == ' ' || c == '_' || c == '-' }), "-")
	r := QuietReason(norm)
	if !r.Valid() {
		names := make([]string, len(QuietReasons))
		for i, q := range QuietReasons {
			names[i] = string(q)
		}
		return "", FieldError("reason", "unknown reason %q (want one of %s)", s, strings.Join(names, ", "))
	}
	return r, nil
}

// QuietNote is the reason recorded on a quiet prospect (E6): one per person;
// recording another replaces it.
type QuietNote struct {
	PersonID int64       `json:"person_id"`
	Reason   QuietReason `json:"reason"`
	Note     string      `json:"note,omitempty"` // what makes the rep think so
	UserID   int64       `json:"user_id,omitempty"`
	At       time.Time   `json:"at"`
}

// Validate checks a quiet note before it is stored.
func (q *QuietNote) Validate() error {
	if q.PersonID == 0 {
		return FieldError("person", "a reason needs a person")
	}
	if !q.Reason.Valid() {
		_, err := ParseQuietReason(string(q.Reason))
		return err
	}
	q.Note = strings.TrimSpace(q.Note)
	if len(q.Note) > 2000 {
		return FieldError("note", "the note is %d characters long; keep it under 2000", len(q.Note))
	}
	if q.At.IsZero() {
		return FieldError("at", "a reason needs the time it was recorded")
	}
	q.At = q.At.UTC()
	return nil
}

// String is the technique in one line: "too busy → ask for 15 minutes and
// offer two times (A3)".
func (t Technique) String() string {
	return fmt.Sprintf("%s → %s (%s)", t.Label, t.Name, t.Rules)
}
