package mail

import (
	"fmt"
	"slices"
	"strings"
	"text/template/parse"
	"unicode"

	"github.com/nudgecrm/nudge"
)

// Severity says whether a finding blocks sending (error) or is shown to the
// rep (warning).
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Finding is one problem Lint found.
type Finding struct {
	Rule     string // "D2", "D4", "B7" or "VAR"
	Severity Severity
	Message  string
	Excerpt  string // the offending text, as written
	Line     int    // the template file's line, when known
}

func (f Finding) String() string {
	s := fmt.Sprintf("%s %s: %s", f.Severity, f.Rule, f.Message)
	if f.Excerpt != "" {
		s += fmt.Sprintf(" (%q)", f.Excerpt)
	}
	return s
}

// HasErrors reports whether any finding blocks sending.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Lint checks every variant of t rendered with sample, at save and before
// sending (with the person's real data):
//
//   - VAR (error): a field the text prints is empty or absent for this
//     person, e.g. {{.PainGain}} when none was recorded, or the variant does
//     not render at all. A field that prints only under a condition Lint
//     cannot evaluate ({{if eq …}}) is a warning.
//   - B7 (warning): two variants render the same text, so they do not help
//     keep messages different.
//   - D2 and D4 on each rendered variant, as LintMessage (without history).
func Lint(t *Template, sample Data) []Finding {
	var out []Finding
	data := sample.view()
	hashes := map[string]int{}
	for v, tp := range t.parsed {
		prefix := fmt.Sprintf("variant %d: ", v+1)
		for _, name := range []string{"subject", "body"} {
			part := tp.Lookup(name)
			if part == nil && name == "body" {
				part = tp
			}
			if part == nil || part.Tree == nil {
				continue
			}
			w := &walker{root: data, tree: part.Tree}
			w.onEmpty = func(n parse.Node, path string, certain bool) {
				sev, how := SeverityError, "is empty for this person"
				if !certain {
					sev, how = SeverityWarning, "may be empty for this person"
				}
				out = append(out, Finding{Rule: "VAR", Severity: sev, Line: lineOf(part.Tree, n),
					Message: fmt.Sprintf("%s%s %s %s", prefix, name, path, how), Excerpt: n.String()})
			}
			w.list(part.Tree.Root, data, true)
		}
		m, err := t.Render(sample, v)
		if err != nil {
			out = append(out, Finding{Rule: "VAR", Severity: SeverityError, Message: prefix + "does not render: " + execProblem(err)})
			continue
		}
		h := BodyHash(m.Body)
		if w, dup := hashes[h]; dup {
			out = append(out, Finding{Rule: "B7", Severity: SeverityWarning,
				Message: fmt.Sprintf("%srenders the same text as variant %d", prefix, w+1)})
		}
		hashes[h] = v
		for _, f := range LintMessage(m, sample, nil) {
			f.Message = prefix + f.Message
			out = append(out, f)
		}
	}
	return out
}

// execProblem shortens a text/template execution error to its line and
// problem: "template: c1:12:5: executing "body" at <.Appointment.At>: nil
// pointer evaluating interface {}.At" → "line 12: <.Appointment.At>: nil
// pointer evaluating interface {}.At".
func execProblem(err error) string {
	msg := err.Error()
	i := strings.Index(msg, "template: ")
	if i < 0 {
		return msg
	}
	rest := msg[i+len("template: "):]
	parts := strings.SplitN(rest, ":", 4)
	if len(parts) == 4 {
		problem := strings.TrimSpace(parts[3])
		if _, after, ok := strings.Cut(problem, " at "); ok && strings.HasPrefix(problem, "executing") {
			problem = after
		}
		return fmt.Sprintf("line %s: %s", parts[1], problem)
	}
	return rest
}

// LintMessage checks a message before it is sent to the person d is about;
// history holds the bodies sent to this person before, oldest first.
//
//   - D2 (warning): a blunder opener (see Blunders).
//   - D4 (warning): nothing new. The body's content words are its words of
//     three letters or more that are not common function words, greetings,
//     sign-offs, words of a D2 blunder or the names of the people and
//     companies in d. Fewer than MinContentWords of them: the message adds
//     nothing beyond greeting and sign-off. Otherwise, the overlap with an
//     earlier body — the share of this body's content words that the earlier
//     one already had, |this ∩ earlier| / |this| — must stay below
//     MaxOverlap. Overlap, not Jaccard: a short message that only repeats
//     part of a long earlier one adds nothing, yet scores low on Jaccard.
//   - B7 (error): the body is one already sent (same BodyHash).
//   - VAR (error): text left unrendered ("<no value>", "{{").
func LintMessage(m Message, d Data, history []string) []Finding {
	var out []Finding
	for _, part := range []struct{ name, text string }{{"subject", m.Subject}, {"body", m.Body}} {
		for _, b := range findBlunders(part.text) {
			out = append(out, Finding{Rule: "D2", Severity: SeverityWarning, Excerpt: b.excerpt,
				Message: fmt.Sprintf("%s: a routine opener that adds no value (%s); say why you are calling instead (D1)", part.name, b.pattern)})
		}
		for _, left := range []string{"<no value>", "{{", "}}"} {
			if strings.Contains(part.text, left) {
				out = append(out, Finding{Rule: "VAR", Severity: SeverityError, Excerpt: left,
					Message: fmt.Sprintf("%s: unrendered template text", part.name)})
			}
		}
	}

	h := BodyHash(m.Body)
	words := contentWords(m.Body, d)
	if len(words) < MinContentWords {
		out = append(out, Finding{Rule: "D4", Severity: SeverityWarning,
			Message: fmt.Sprintf("nothing new: only %d content word(s) beyond greeting, sign-off and names; add something of value (D4)", len(words))})
	}
	for i, earlier := range history {
		if BodyHash(earlier) == h {
			out = append(out, Finding{Rule: "B7", Severity: SeverityError, Excerpt: excerpt(m.Body),
				Message: fmt.Sprintf("this exact text was already sent to this person (message %d of %d); write something new (B7)", i+1, len(history))})
			continue
		}
		if len(words) < MinContentWords {
			continue
		}
		if o := overlap(words, contentWords(earlier, d)); o >= MaxOverlap {
			out = append(out, Finding{Rule: "D4", Severity: SeverityWarning, Excerpt: excerpt(earlier),
				Message: fmt.Sprintf("nothing new: %.0f%% of its content words were already in message %d of %d (D4)", o*100, i+1, len(history))})
		}
	}
	return out
}

// D4 thresholds (see LintMessage).
const (
	MinContentWords = 3
	MaxOverlap      = 0.8
)

func overlap(this, earlier map[string]bool) float64 {
	if len(this) == 0 {
		return 1
	}
	n := 0
	for w := range this {
		if earlier[w] {
			n++
		}
	}
	return float64(n) / float64(len(this))
}

func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 60 {
		return string(r[:60]) + "…"
	}
	return s
}

// Blunders returns the D2 routine openers, as patterns over words: case and
// punctuation do not matter ("e-mail" is "email"); "a|b" is either word,
// "w?" an optional word. The first eight are METHOD.md's list; the rest are
// their close cousins.
func Blunders() []string { return slices.Clone(blunders) }

var blunders = []string{
	"calling|call|called to follow up on the|my|our proposal|quote",
	"see if you had|have any questions",
	"make sure you got|received|saw|get my email|message|voicemail|brochure",
	"see if you had|have come|came to a? decision",
	"see if you have|had made a? decision",
	"just checking in",
	"touching|touch base",
	"see if you got|received my brochure|information|materials",
	"just following up",
	"just wanted to follow up",
	"circling back",
	"wanted to check in",
	"following up on my last|previous email|message",
	"bumping this",
}

type blunder struct{ pattern, excerpt string }

// word is a lower-cased word and where it was in the text.
type word struct {
	text       string
	start, end int
}

// words splits s into lower-case words of letters and digits, dropping
// apostrophes ("you're" → "youre") and joining "e-mail" into "email".
func words(s string) []word {
	var out []word
	start := -1
	var b strings.Builder
	flush := func(end int) {
		if start >= 0 {
			out = append(out, word{b.String(), start, end})
		}
		start = -1
		b.Reset()
	}
	for i, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if start < 0 {
				start = i
			}
			b.WriteRune(unicode.ToLower(r))
		case (r == '\'' || r == '\u2019') && start >= 0:
			// inside a word: "you're"
		default:
			flush(i)
		}
	}
	flush(len(s))
	// "e-mail", "e mail" → "email"
	joined := out[:0]
	for i := 0; i < len(out); i++ {
		if out[i].text == "e" && i+1 < len(out) && out[i+1].text == "mail" {
			joined = append(joined, word{"email", out[i].start, out[i+1].end})
			i++
			continue
		}
		joined = append(joined, out[i])
	}
	return joined
}

// findBlunders returns the D2 patterns found in s.
func findBlunders(s string) []blunder {
	ws := words(s)
	var out []blunder
	for _, p := range blunders {
		pat := strings.Fields(p)
		for i := range ws {
			if end, ok := matchAt(pat, ws, i); ok {
				out = append(out, blunder{pattern: p, excerpt: s[ws[i].start:ws[end-1].end]})
				break
			}
		}
	}
	return out
}

// blunderSpans marks the words of s that belong to a D2 blunder.
func blunderSpans(ws []word) []bool {
	in := make([]bool, len(ws))
	for _, p := range blunders {
		pat := strings.Fields(p)
		for i := range ws {
			if end, ok := matchAt(pat, ws, i); ok {
				for k := i; k < end; k++ {
					in[k] = true
				}
			}
		}
	}
	return in
}

// matchAt matches pattern tokens against words from position i and returns
// the index after the last word matched.
func matchAt(pat []string, ws []word, i int) (int, bool) {
	if len(pat) == 0 {
		return i, true
	}
	tok := pat[0]
	optional := strings.HasSuffix(tok, "?")
	tok = strings.TrimSuffix(tok, "?")
	if i < len(ws) {
		for _, alt := range strings.Split(tok, "|") {
			if ws[i].text == alt {
				if end, ok := matchAt(pat[1:], ws, i+1); ok {
					return end, true
				}
				break
			}
		}
	}
	if optional {
		return matchAt(pat[1:], ws, i)
	}
	return 0, false
}

// contentWords is the set of D4 content words of s (see LintMessage).
func contentWords(s string, d Data) map[string]bool {
	names := map[string]bool{}
	addNames := func(ss ...string) {
		for _, s := range ss {
			for _, w := range words(s) {
				names[w.text] = true
			}
		}
	}
	if d.Person != nil {
		addNames(d.Person.Name, d.Person.AssistantName)
	}
	if d.Boss != nil {
		addNames(d.Boss.Name)
	}
	if d.Company != nil {
		addNames(d.Company.Name)
	}
	for _, u := range []*nudge.User{d.Rep, d.Manager} {
		if u != nil {
			addNames(u.Name)
		}
	}
	addNames(d.RepCompany, d.RepPhone)

	ws := words(s)
	inBlunder := blunderSpans(ws)
	out := map[string]bool{}
	for i, w := range ws {
		if inBlunder[i] || len([]rune(w.text)) < 3 || stopWords[w.text] || names[w.text] {
			continue
		}
		out[w.text] = true
	}
	return out
}

// stopWords are function words, greetings and sign-offs: words that carry
// nothing new for the prospect (D4).
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		the and for are but not you your yours all any can had has have her his him how its our out
		who what when where why which was were will with this that these those them they their there then
		than too very just from into onto about again also been being did does doing done each few more most
		other some such only own same she should would could might must shall may now here off over under
		until upon while whom yet let lets get got make made want wanted wants like know knew see seen
		say said tell told give gave take took come came going gone one two well way back still even
		ever never always really quite much many again once both either neither because since
		youre youve youll youd ive ill its thats theres whats dont didnt doesnt isnt wasnt cant wont
		hello dear hey greetings thanks thank regards best cheers sincerely warm kind kindly
		hope day week today tomorrow soon talk speak touch reach note message email mail call
		please sure okay yes`) {
		m[w] = true
	}
	return m
}()
