// Package mail writes what a rep sends or reads aloud — the scripts of
// ../shared/METHOD.md as templates — lints it before it leaves (D2, D4, B7),
// and (in other files) sends it and listens for replies.
//
// # Template files
//
// A template file is an optional header followed by one or more variants:
//
//	# rule: C1
//	# description: Day-before reminder of a telephone appointment or visit.
//	{{define "subject"}}Telephone appointment for {{monthDay .Appointment.At}}{{end}}
//	{{define "body"}}{{first .Person.Name}}, …{{end}}
//	--- variant ---
//	{{define "subject"}}…{{end}}
//	{{define "body"}}…{{end}}
//
// Header lines start with "#" and name a key ("rule" or "description"); the
// header ends at the first other line. Variants are separated by a line that
// reads exactly "--- variant ---". Each variant is Go text/template source:
// {{define "subject"}} is optional (scripts read aloud and cards have none);
// the body is {{define "body"}} or, when there is no such block, the
// variant's text itself. Several variants exist so that the same person never
// gets the same text twice (B7, see PickVariant).
//
// Templates see the fields of Data through a read-only view of plain values
// (see Data), the functions of Funcs and the text/template built-ins except
// "call". Field names are checked when the template is parsed; fields of
// absent records fail at execution (missingkey=error), and Lint reports them.
package mail

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nudgecrm/nudge"
)

// Data is what a template is rendered with. Only the fields listed in the
// view (see view) reach templates: a template never sees a password hash or
// calls a method.
type Data struct {
	Person     *nudge.Person
	Company    *nudge.Company // the prospect's company
	Rep        *nudge.User
	RepPhone   string
	RepCompany string
	LastNote   nudge.WIN // A1: the last interaction's note
	// PainGain is the pain or gain in the prospect's words (A6), quoted back
	// in openings (D1) and the C3 four-hour reminder. Empty means
	// Person.PainGain.
	PainGain    string
	Appointment *Appointment // the next (or current) appointment: C1, C3, C4, D1
	Commitment  *nudge.Commitment
	Topic       string // D3: what the prospect asked about
	// PreviousSubject is the subject of the earlier email that the B5 second
	// email refers to.
	PreviousSubject string
	// News is the new thing this touch brings (D4: value in every message),
	// e.g. the F1 drip's article or the lots that just came on the market.
	News string
	// Values are the value lines sold, for the F2 value check.
	Values []ValueLine
	// Manager is the rep's manager and Boss the contact's boss (A7), for the
	// E4 go-around.
	Manager *nudge.User
	Boss    *nudge.Person
	// Zone is the prospect's time zone; every time a template sees is in it.
	// Nil means Person's zone, else UTC.
	Zone *time.Location
	Now  time.Time
}

// Appointment is the appointment a template talks about (C1, C3, C4, D1).
type Appointment struct {
	At      time.Time // instant; rendered in Data.Zone
	Kind    string    // "call" (the default) or "visit"
	Agenda  []string  // the shared agenda (A4), listed in the C1 reminder
	Minutes int       // planned length: "Please allow 20 minutes" (C1)
	Place   string    // for visits
}

// AppointmentOf converts a stored appointment.
func AppointmentOf(a *nudge.Appointment) *Appointment {
	if a == nil {
		return nil
	}
	return &Appointment{At: a.At, Kind: string(a.Kind), Agenda: a.Agenda, Minutes: a.Minutes, Place: a.Place}
}

// ValueLine is one line of an F2 value inventory: what was sold, the
// baseline measured before the sale, the agreed goal and the latest
// measurement.
type ValueLine struct {
	Name, Baseline, Goal, Measured string
}

// Message is a rendered template. Subject is empty for scripts read aloud
// and for cards.
type Message struct {
	Subject string
	Body    string
}

// Template is a parsed template file.
type Template struct {
	Name        string
	Rule        string // the METHOD.md rule it carries out, e.g. "C1"
	Description string
	Variants    []string // the source of each variant

	parsed []*template.Template
}

// VariantSeparator is the line that separates variants in a template file.
const VariantSeparator = "--- variant ---"

// maxOutput caps a rendered subject or body, so a template cannot produce
// unbounded text.
const maxOutput = 64 << 10

// Parse parses a template file (see the package comment). Errors are
// *nudge.Error values naming the template, the line and the problem.
func Parse(name, src string) (*Template, error) {
	t := &Template{Name: name}
	src = strings.ReplaceAll(src, "\r\n", "\n")
	lines := strings.SplitAfter(src, "\n")
	for n, l := range lines {
		// Stored templates are text the database holds (PostgreSQL takes
		// neither NUL nor bytes of another encoding; found by FuzzParse).
		if !utf8.ValidString(l) || strings.IndexByte(l, 0) >= 0 {
			return nil, parseError(name, n+1, "the line is not UTF-8 text (a NUL character or bytes of another encoding): save the template as UTF-8")
		}
	}
	i := 0
	for ; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(line, "#") {
			break
		}
		key, val, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), ":")
		key, val = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(val)
		switch {
		case ok && key == "rule":
			t.Rule = val
		case ok && key == "description":
			t.Description = val
		default:
			return nil, parseError(name, i+1, "header line %q: want \"# rule: …\" or \"# description: …\"", line)
		}
	}
	// Split the rest into variants, remembering where each starts so that
	// errors name the line of the file.
	start, first := i, i
	for ; i <= len(lines); i++ {
		if i < len(lines) && strings.TrimSpace(lines[i]) != VariantSeparator {
			continue
		}
		body := strings.Join(lines[start:i], "")
		if err := t.addVariant(body, first); err != nil {
			return nil, err
		}
		start, first = i+1, i+1
	}
	return t, nil
}

// addVariant parses one variant whose first line is line firstLine+1 of the
// file.
func (t *Template) addVariant(src string, firstLine int) error {
	n := len(t.Variants) + 1
	if strings.TrimSpace(src) == "" {
		return parseError(t.Name, firstLine+1, "variant %d is empty", n)
	}
	// Leading newlines make text/template count lines as the file does.
	tp, err := template.New(t.Name).Funcs(Funcs()).Option("missingkey=error").Parse(strings.Repeat("\n", firstLine) + src)
	if err != nil {
		return templateError(t.Name, err)
	}
	if err := check(tp); err != nil {
		return err
	}
	t.Variants = append(t.Variants, src)
	t.parsed = append(t.parsed, tp)
	return nil
}

var tmplErrRE = regexp.MustCompile(`^template: ([^:]*):(\d+):(?:\d+:)?\s*(.*)$`)

// templateError turns a text/template error into one that names the line.
func templateError(name string, err error) error {
	msg := err.Error()
	if m := tmplErrRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[2])
		return parseError(name, line, "%s", m[3])
	}
	return &nudge.Error{Code: nudge.EINVALID, Field: "template", Message: fmt.Sprintf("%s: %s", name, strings.TrimPrefix(msg, "template: "))}
}

func parseError(name string, line int, format string, args ...any) error {
	where := name
	if line > 0 {
		where = fmt.Sprintf("%s, line %d", name, line)
	}
	return &nudge.Error{Code: nudge.EINVALID, Field: "template", Message: where + ": " + fmt.Sprintf(format, args...)}
}

// Render renders variant v (0-based) with d.
func (t *Template) Render(d Data, v int) (Message, error) {
	if v < 0 || v >= len(t.parsed) {
		return Message{}, fmt.Errorf("template %s: no variant %d (it has %d)", t.Name, v+1, len(t.parsed))
	}
	tp, data := t.parsed[v], d.view()
	var m Message
	if s := tp.Lookup("subject"); s != nil {
		out, err := execute(s, data)
		if err != nil {
			return Message{}, fmt.Errorf("template %s, variant %d, subject: %w", t.Name, v+1, err)
		}
		m.Subject = strings.Join(strings.Fields(out), " ")
	}
	b := tp.Lookup("body")
	if b == nil {
		b = tp
	}
	out, err := execute(b, data)
	if err != nil {
		return Message{}, fmt.Errorf("template %s, variant %d, body: %w", t.Name, v+1, err)
	}
	m.Body = tidy(out)
	return m, nil
}

func execute(t *template.Template, data any) (string, error) {
	w := &capped{max: maxOutput}
	if err := t.Execute(w, data); err != nil {
		return "", err
	}
	return w.buf.String(), nil
}

// capped is a writer that fails once more than max bytes were written.
type capped struct {
	buf bytes.Buffer
	max int
}

func (c *capped) Write(p []byte) (int, error) {
	if c.buf.Len()+len(p) > c.max {
		return 0, fmt.Errorf("output longer than %d bytes", c.max)
	}
	return c.buf.Write(p)
}

// tidy trims trailing spaces from every line, keeps at most one blank line
// in a row and trims the text, so templates can be laid out readably.
func tidy(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines))
	blank := false
	for _, l := range lines {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if l == "" {
			if blank || len(out) == 0 {
				continue
			}
			blank = true
		} else {
			blank = false
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// ErrAllVariantsSent says that every variant of a template was already sent
// to the person: the rep has to write something new (B7).
var ErrAllVariantsSent = errors.New("every variant was already sent to this person: write something new (B7)")

// PickVariant returns the first variant of t whose body, rendered with d, is
// not among sentBefore (BodyHash values of the bodies already sent to this
// person). It returns an error wrapping ErrAllVariantsSent when there is
// none (B7: never the same text twice to the same person).
func PickVariant(t *Template, d Data, sentBefore []string) (int, error) {
	sent := make(map[string]bool, len(sentBefore))
	for _, h := range sentBefore {
		sent[h] = true
	}
	for v := range t.parsed {
		m, err := t.Render(d, v)
		if err != nil {
			return -1, err
		}
		if !sent[BodyHash(m.Body)] {
			return v, nil
		}
	}
	return -1, fmt.Errorf("template %s: %w", t.Name, ErrAllVariantsSent)
}

// BodyHash is the hex SHA-256 of a body's normalised text: lower case,
// typographic quotes made plain, every run of white space one space. Two
// bodies that differ only in layout or case have the same hash (B7).
func BodyHash(body string) string {
	sum := sha256.Sum256([]byte(normalise(body)))
	return hex.EncodeToString(sum[:])
}

func normalise(s string) string {
	s = strings.NewReplacer("\u2018", "'", "\u2019", "'", "\u201c", `"`, "\u201d", `"`).Replace(strings.ToLower(s))
	return strings.Join(strings.Fields(s), " ")
}

// Funcs returns the functions templates may call, besides the text/template
// built-ins. None reads files, the environment or the clock.
//
//	first "Jerry Seinfeld"        → Jerry
//	upper, lower, title           → case
//	default "there" .Person.Name  → the value, or "there" when it is empty
//	join ", " .Appointment.Agenda → items joined
//	date "Monday, January 2" .At  → a Go layout, in the prospect's zone
//	time12 .Appointment.At        → 9:00 am
//	monthDay .Appointment.At      → December 3
//	quote .PainGain               → “current home price” (A6: their words)
func Funcs() template.FuncMap {
	return template.FuncMap{
		"first":    firstName,
		"upper":    strings.ToUpper,
		"lower":    strings.ToLower,
		"title":    title,
		"default":  defaultValue,
		"join":     join,
		"date":     date,
		"time12":   time12,
		"monthDay": monthDay,
		"quote":    quote,
	}
}

// firstName is the first word of a name; "Seinfeld, Jerry" gives Jerry.
func firstName(name string) string {
	if last, rest, ok := strings.Cut(name, ","); ok && strings.TrimSpace(rest) != "" && strings.TrimSpace(last) != "" {
		name = rest
	}
	if f := strings.Fields(name); len(f) > 0 {
		return f[0]
	}
	return ""
}

func title(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if up && unicode.IsLetter(r) {
			r = unicode.ToTitle(r)
		}
		up = unicode.IsSpace(r) || r == '-'
		b.WriteRune(r)
	}
	return b.String()
}

func defaultValue(def, v any) any {
	if empty(v) {
		return def
	}
	return v
}

func join(sep string, items any) (string, error) {
	switch l := items.(type) {
	case []string:
		return strings.Join(l, sep), nil
	case nil:
		return "", nil
	}
	rv := reflect.ValueOf(items)
	if rv.Kind() != reflect.Slice {
		return "", fmt.Errorf("join: want a list, got %T", items)
	}
	s := make([]string, rv.Len())
	for i := range s {
		s[i] = fmt.Sprint(rv.Index(i).Interface())
	}
	return strings.Join(s, sep), nil
}

var errNoTime = errors.New("no time set")

// date formats t with a Go layout. Times in the view are already in the
// prospect's zone.
func date(layout string, t time.Time) (string, error) {
	if t.IsZero() {
		return "", errNoTime
	}
	return t.Format(layout), nil
}

// time12 renders "9:00 am", as in the C1 subject.
func time12(t time.Time) (string, error) {
	if t.IsZero() {
		return "", errNoTime
	}
	return strings.ToLower(t.Format("3:04 PM")), nil
}

// monthDay renders "December 3", as in the C1 subject.
func monthDay(t time.Time) (string, error) {
	if t.IsZero() {
		return "", errNoTime
	}
	return t.Format("January 2"), nil
}

// quote puts the prospect's own words in typographic quotes (A6).
func quote(s string) string {
	s = strings.TrimSpace(s)
	s = strings.Trim(s, `"“”`)
	return "\u201c" + s + "\u201d"
}

// empty reports whether v would render as nothing useful: nil, blank text, a
// zero time or number, an empty list.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case time.Time:
		return x.IsZero()
	case int:
		return x == 0
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Map:
		return rv.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return rv.IsNil()
	}
	return false
}

// view turns d into nested maps of plain values: what templates can reach.
// Absent records are nil, so {{if .Appointment}} works and
// {{.Appointment.At}} fails.
func (d Data) view() map[string]any {
	z := d.Zone
	if z == nil {
		z = time.UTC
		if d.Person != nil {
			z = d.Person.Zone(time.UTC)
		}
	}
	in := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.In(z)
	}
	pain := d.PainGain
	if pain == "" && d.Person != nil {
		pain = d.Person.PainGain
	}
	values := make([]map[string]any, len(d.Values))
	for i, v := range d.Values {
		values[i] = map[string]any{"Name": v.Name, "Baseline": v.Baseline, "Goal": v.Goal, "Measured": v.Measured}
	}
	return map[string]any{
		"Person":          personView(d.Person),
		"Boss":            personView(d.Boss),
		"Company":         companyView(d.Company),
		"Rep":             userView(d.Rep),
		"Manager":         userView(d.Manager),
		"RepPhone":        d.RepPhone,
		"RepCompany":      d.RepCompany,
		"LastNote":        map[string]any{"What": d.LastNote.What, "Insights": d.LastNote.Insights, "NextSteps": d.LastNote.NextSteps},
		"PainGain":        pain,
		"Appointment":     appointmentView(d.Appointment, in),
		"Commitment":      commitmentView(d.Commitment, in),
		"Topic":           d.Topic,
		"PreviousSubject": d.PreviousSubject,
		"News":            d.News,
		"Values":          values,
		"Zone":            z.String(),
		"Now":             in(d.Now),
	}
}

func personView(p *nudge.Person) any {
	if p == nil {
		return nil
	}
	return map[string]any{"Name": p.Name, "Email": p.Email, "Phone": p.Phone, "Title": p.Title,
		"City": p.Location.City, "AssistantName": p.AssistantName, "PainGain": p.PainGain, "Interests": p.Interests}
}

func companyView(c *nudge.Company) any {
	if c == nil {
		return nil
	}
	return map[string]any{"Name": c.Name, "Domain": c.Domain, "City": c.City}
}

func userView(u *nudge.User) any {
	if u == nil {
		return nil
	}
	return map[string]any{"Name": u.Name, "Email": u.Email}
}

func appointmentView(a *Appointment, in func(time.Time) time.Time) any {
	if a == nil {
		return nil
	}
	kind := a.Kind
	if kind == "" {
		kind = string(nudge.AppointmentCall)
	}
	agenda := make([]string, 0, len(a.Agenda))
	for _, s := range a.Agenda {
		if s = strings.TrimSpace(s); s != "" {
			agenda = append(agenda, s)
		}
	}
	return map[string]any{"At": in(a.At), "Kind": kind, "Agenda": agenda, "Minutes": a.Minutes, "Place": a.Place}
}

func commitmentView(c *nudge.Commitment, in func(time.Time) time.Time) any {
	if c == nil {
		return nil
	}
	return map[string]any{"What": c.What, "Due": in(c.Due), "Party": string(c.Party)}
}

// schema is a view with every record present and one value line: the set of
// field paths a template may name.
func schema() map[string]any {
	return Data{Person: &nudge.Person{}, Boss: &nudge.Person{}, Company: &nudge.Company{}, Rep: &nudge.User{},
		Manager: &nudge.User{}, Appointment: &Appointment{}, Commitment: &nudge.Commitment{},
		Values: []ValueLine{{}}, Zone: time.UTC}.view()
}

// check rejects what parses but must not run: unknown fields (with the
// fields one could mean), method calls, "call", ranges over anything but a
// list (no {{range 1000000000}}) and templates that invoke themselves.
func check(tp *template.Template) error {
	root := schema()
	for _, t := range tp.Templates() {
		if t.Tree == nil {
			continue
		}
		var dot any = unknown{}
		if t == tp || t.Name() == "subject" || t.Name() == "body" {
			dot = root
		}
		w := &walker{root: root, tree: t.Tree, schema: true}
		w.list(t.Tree.Root, dot, true)
		if w.err != nil {
			return w.err
		}
	}
	if tp.Lookup("body") != nil {
		for _, n := range tp.Tree.Root.Nodes {
			if tn, ok := n.(*parse.TextNode); ok && len(bytes.TrimSpace(tn.Text)) > 0 {
				lead := tn.Text[:len(tn.Text)-len(bytes.TrimLeftFunc(tn.Text, unicode.IsSpace))]
				return parseError(tp.Name(), lineOf(tp.Tree, n)+bytes.Count(lead, []byte("\n")),
					"text outside {{define}}: with a \"body\" block, everything belongs in a block")
			}
		}
	}
	if err := cycle(tp); err != nil {
		return err
	}
	return bounded(tp)
}

// Limits that keep a template's work small whatever the data: {{template}}
// calls may not fan out into more than maxCalls executions in all ("a"
// calling "b" twice, "b" calling "c" twice… would double at each level), and
// {{range}} may nest only maxRangeDepth deep, counting ranges in the
// templates called.
const (
	maxCalls      = 1000
	maxRangeDepth = 2
)

func bounded(tp *template.Template) error {
	type cost struct{ calls, depth int }
	memo := map[string]cost{}
	var of func(name string) cost
	var walk func(n parse.Node, depth int, c *cost)
	walk = func(n parse.Node, depth int, c *cost) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, k := range n.Nodes {
					walk(k, depth, c)
				}
			}
		case *parse.IfNode:
			walk(n.List, depth, c)
			walk(n.ElseList, depth, c)
		case *parse.WithNode:
			walk(n.List, depth, c)
			walk(n.ElseList, depth, c)
		case *parse.RangeNode:
			c.depth = max(c.depth, depth+1)
			walk(n.List, depth+1, c)
			walk(n.ElseList, depth, c)
		case *parse.TemplateNode:
			sub := of(n.Name)
			c.calls = min(c.calls+1+sub.calls, maxCalls+1)
			c.depth = max(c.depth, depth+sub.depth)
		}
	}
	of = func(name string) cost {
		if c, ok := memo[name]; ok {
			return c
		}
		var c cost
		if t := tp.Lookup(name); t != nil && t.Tree != nil {
			walk(t.Tree.Root, 0, &c)
		}
		memo[name] = c
		return c
	}
	for _, t := range tp.Templates() {
		c := of(t.Name())
		if c.calls > maxCalls {
			return parseError(tp.Name(), 0, "{{template}} calls in %q fan out to more than %d executions", t.Name(), maxCalls)
		}
		if c.depth > maxRangeDepth {
			return parseError(tp.Name(), 0, "{{range}} nests more than %d deep in %q (counting the templates it calls)", maxRangeDepth, t.Name())
		}
	}
	return nil
}

// cycle rejects {{template}} calls that come back to where they started.
func cycle(tp *template.Template) error {
	calls := map[string][]*parse.TemplateNode{}
	for _, t := range tp.Templates() {
		if t.Tree != nil {
			collectCalls(t.Tree.Root, func(n *parse.TemplateNode) { calls[t.Name()] = append(calls[t.Name()], n) })
		}
	}
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(name string) error
	visit = func(name string) error {
		state[name] = 1
		for _, n := range calls[name] {
			switch state[n.Name] {
			case 1:
				return located(tp.Lookup(name).Tree, tp.Name(), n, "{{template %q}} calls itself, directly or not", n.Name)
			case 0:
				if err := visit(n.Name); err != nil {
					return err
				}
			}
		}
		state[name] = 2
		return nil
	}
	for name := range calls {
		if state[name] == 0 {
			if err := visit(name); err != nil {
				return err
			}
		}
	}
	return nil
}

func collectCalls(n parse.Node, f func(*parse.TemplateNode)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				collectCalls(c, f)
			}
		}
	case *parse.TemplateNode:
		f(n)
	case *parse.IfNode:
		collectCalls(n.List, f)
		collectCalls(n.ElseList, f)
	case *parse.RangeNode:
		collectCalls(n.List, f)
		collectCalls(n.ElseList, f)
	case *parse.WithNode:
		collectCalls(n.List, f)
		collectCalls(n.ElseList, f)
	}
}

// located is a parse error at node n.
func located(tree *parse.Tree, name string, n parse.Node, format string, args ...any) error {
	return parseError(name, lineOf(tree, n), format, args...)
}

// lineOf is the line of the file node n is on.
func lineOf(tree *parse.Tree, n parse.Node) int {
	loc, _ := tree.ErrorContext(n)
	parts := strings.Split(loc, ":")
	if len(parts) < 3 {
		return 0
	}
	line, _ := strconv.Atoi(parts[len(parts)-2])
	return line
}

// unknown is the dot of a context whose data cannot be known before
// execution (inside {{with (index …)}}, in a template called with an
// expression): field names there are checked only when the template runs.
type unknown struct{}

// walker walks a parse tree with the view it will run on. In schema mode
// (at parse) it reports unknown fields and unsafe constructs; in lint mode
// it reports the fields that would print empty (VAR).
type walker struct {
	root   map[string]any
	tree   *parse.Tree
	schema bool
	err    error
	// lint mode
	onEmpty func(n parse.Node, path string, certain bool)
}

func (w *walker) fail(n parse.Node, format string, args ...any) {
	if w.err == nil {
		w.err = located(w.tree, w.tree.ParseName, n, format, args...)
	}
}

func (w *walker) list(l *parse.ListNode, dot any, certain bool) {
	if l == nil {
		return
	}
	for _, n := range l.Nodes {
		w.node(n, dot, certain)
	}
}

func (w *walker) node(n parse.Node, dot any, certain bool) {
	switch n := n.(type) {
	case *parse.ActionNode:
		w.pipe(n.Pipe, dot, len(n.Pipe.Decl) == 0, certain)
	case *parse.IfNode:
		w.branch(&n.BranchNode, dot, certain, false)
	case *parse.WithNode:
		w.branch(&n.BranchNode, dot, certain, true)
	case *parse.RangeNode:
		w.rangeNode(n, dot, certain)
	case *parse.TemplateNode:
		if n.Pipe != nil {
			w.pipe(n.Pipe, dot, false, certain)
		}
	}
}

// branch walks {{if}} and {{with}}. In lint mode a condition that is a
// plain field picks the branch that will run; any other condition leaves
// both possible, and what they would print is only a warning.
func (w *walker) branch(b *parse.BranchNode, dot any, certain, with bool) {
	w.pipe(b.Pipe, dot, false, certain)
	val, known := w.pipeValue(b.Pipe, dot)
	inner := dot
	if with {
		inner = unknown{}
		if known {
			inner = val
		}
	}
	if w.schema {
		w.list(b.List, inner, certain)
		w.list(b.ElseList, dot, certain)
		return
	}
	if known {
		if truth(val) {
			w.list(b.List, inner, certain)
		} else {
			w.list(b.ElseList, dot, certain)
		}
		return
	}
	w.list(b.List, inner, false)
	w.list(b.ElseList, dot, false)
}

func (w *walker) rangeNode(r *parse.RangeNode, dot any, certain bool) {
	val, known := w.pipeValue(r.Pipe, dot)
	if w.schema {
		w.pipe(r.Pipe, dot, false, certain)
		if !known || !isList(val) {
			w.fail(r, "{{range}} must go over a list field such as .Appointment.Agenda or .Values")
			return
		}
		w.list(r.List, elem(val), certain)
		w.list(r.ElseList, dot, certain)
		return
	}
	if !known {
		w.list(r.List, unknown{}, false)
		w.list(r.ElseList, dot, false)
		return
	}
	rv := reflect.ValueOf(val)
	if !isList(val) || rv.Len() == 0 {
		if r.ElseList == nil && certain {
			w.onEmpty(r, pipePath(r.Pipe), certain)
		}
		w.list(r.ElseList, dot, certain)
		return
	}
	for i := range rv.Len() {
		w.list(r.List, rv.Index(i).Interface(), certain)
	}
}

// printing lists the functions whose field arguments end up in the text.
// Others ("default", "eq", "and", "or", "len"…) handle empty values.
var printing = map[string]bool{"first": true, "upper": true, "lower": true, "title": true, "join": true,
	"date": true, "time12": true, "monthDay": true, "quote": true, "print": true, "printf": true, "println": true}

func (w *walker) pipe(p *parse.PipeNode, dot any, printed, certain bool) {
	if p == nil {
		return
	}
	for ci, c := range p.Cmds {
		fn := ""
		if id, ok := c.Args[0].(*parse.IdentifierNode); ok {
			fn = id.Ident
			if fn == "call" && w.schema {
				w.fail(id, "the function \"call\" is not allowed in templates")
			}
		}
		for _, a := range c.Args {
			if sub, ok := a.(*parse.PipeNode); ok {
				w.pipe(sub, dot, false, certain)
				continue
			}
			if _, ok := a.(*parse.ChainNode); ok && w.schema {
				w.fail(a, "(…).Field is not allowed: name the field from . or $")
				continue
			}
			val, known, path := w.resolve(a, dot)
			if !known || w.schema {
				continue
			}
			// A field prints when it is the whole command or an argument of
			// a printing function, in an action that prints.
			prints := printed && (len(c.Args) == 1 && ci == 0 || printing[fn])
			if prints && empty(val) {
				w.onEmpty(a, path, certain)
			}
		}
	}
}

// pipeValue is the value of a pipeline that is a single field, if known.
func (w *walker) pipeValue(p *parse.PipeNode, dot any) (any, bool) {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return nil, false
	}
	val, known, _ := w.resolve(p.Cmds[0].Args[0], dot)
	return val, known
}

// resolve finds the value a field, $-variable or dot argument names.
func (w *walker) resolve(a parse.Node, dot any) (val any, known bool, path string) {
	var base any
	var idents []string
	switch a := a.(type) {
	case *parse.FieldNode:
		base, idents = dot, a.Ident
	case *parse.DotNode:
		base = dot
	case *parse.VariableNode:
		if a.Ident[0] != "$" {
			return nil, false, ""
		}
		base, idents, path = any(w.root), a.Ident[1:], "$"
	default:
		return nil, false, ""
	}
	if _, ok := base.(unknown); ok {
		return nil, false, ""
	}
	cur := base
	for i, id := range idents {
		path += "." + id
		switch m := cur.(type) {
		case map[string]any:
			v, ok := m[id]
			if !ok {
				if w.schema {
					w.fail(a, "%s: no field %q (known: %s)", path, id, keys(m))
				}
				return nil, false, path
			}
			cur = v
		case nil:
			// An absent record: execution fails with "nil pointer"; in
			// lint mode the record counts as empty.
			return nil, true, path
		default:
			if w.schema {
				w.fail(a, "%s: %s is not a record; methods cannot be called (use the functions: date, time12…)", path, strings.Join(idents[:i], "."))
			}
			return nil, false, path
		}
	}
	if path == "" || path == "$" {
		path += "."
	}
	return cur, true, path
}

func pipePath(p *parse.PipeNode) string {
	if p == nil || len(p.Cmds) == 0 {
		return ""
	}
	return p.Cmds[len(p.Cmds)-1].String()
}

func keys(m map[string]any) string {
	k := make([]string, 0, len(m))
	for key := range m {
		k = append(k, key)
	}
	slices.Sort(k)
	return strings.Join(k, ", ")
}

func isList(v any) bool {
	k := reflect.ValueOf(v).Kind()
	return k == reflect.Slice || k == reflect.Array
}

// elem is the element of a schema list: its first element, or unknown.
func elem(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Len() == 0 {
		if rv.Type().Elem().Kind() == reflect.String {
			return ""
		}
		return unknown{}
	}
	return rv.Index(0).Interface()
}

// truth is text/template's notion of true.
func truth(v any) bool {
	if v == nil {
		return false
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return rv.Len() > 0
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int64:
		return rv.Int() != 0
	case reflect.Pointer, reflect.Interface:
		return !rv.IsNil()
	}
	return true
}
