package mail

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"net/textproto"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/store"
)

// Received is a message read from a rep's inbox, parsed and classified
// (issue 4 §4): a reply, a stop or a no (G1), a delivery report (bounce), an
// auto-reply, or nothing to act on.
type Received struct {
	Kind       store.InboundKind
	MessageID  string // without angle brackets; "" when the message has none
	From       string // the sender's address, normalised; "" when unreadable
	Subject    string
	Date       time.Time // the Date header; zero when missing or unreadable
	InReplyTo  []string  // Message-IDs without brackets
	References []string  // oldest first, as in the header
	// Text is the sender's own words: the plain text (or the HTML's text)
	// without the quoted message and the signature.
	Text string
	// Why says what decided the kind ("Auto-Submitted: auto-replied",
	// "first line: please stop").
	Why string
	// Bounce: the recipients whose delivery failed for good (RFC 3464
	// Action: failed, Status 5.x.x), their status and diagnostic, and the
	// Message-ID of the message that bounced when the report carries it.
	Bounced      []string
	BounceStatus string
	Original     string
	// AutoReply: the first day the sender is back, read from the text
	// ("I will be back on Monday, December 7"); zero when none is readable.
	ReturnDate time.Time
}

// ParseReceived reads a raw message (RFC 5322 with MIME) and classifies it.
// Classification is conservative: a delivery report is a bounce only for
// recipients that failed for good; an auto-reply is recognised by its
// headers (RFC 3834 Auto-Submitted, X-Autoreply, Precedence: auto_reply) or an
// "Automatic reply:" subject; a stop or a no needs a short reply whose first
// line says so. Anything else from a person is a reply.
func ParseReceived(raw []byte) (*Received, error) {
	m, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	h := m.Header
	var dec mime.WordDecoder
	r := &Received{MessageID: firstID(h.Get("Message-Id")), InReplyTo: msgIDs(h.Get("In-Reply-To")),
		References: msgIDs(h.Get("References"))}
	if r.Subject, err = dec.DecodeHeader(h.Get("Subject")); err != nil {
		r.Subject = h.Get("Subject")
	}
	if d, err := h.Date(); err == nil {
		r.Date = d
	}
	if from, err := h.AddressList("From"); err == nil && len(from) > 0 {
		if e, err := nudge.NormalizeEmail(from[0].Address); err == nil {
			r.From = e
		}
	}
	var parts collected
	if err := walk(textproto.MIMEHeader(h), m.Body, &parts, 0); err != nil {
		return nil, err
	}
	text := parts.plain
	if text == "" && parts.html != "" {
		text = htmlText(parts.html)
	}
	r.Subject, r.Text = storable(r.Subject), storable(ownWords(text))
	classify(r, h, &parts)
	// The rest goes to the database too, or into a lookup there.
	r.MessageID, r.Original, r.BounceStatus, r.Why = storable(r.MessageID), storable(r.Original), storable(r.BounceStatus), storable(r.Why)
	for _, ids := range [][]string{r.InReplyTo, r.References, r.Bounced} {
		for i := range ids {
			ids[i] = storable(ids[i])
		}
	}
	return r, nil
}

// storable makes text the database takes: bytes that are not UTF-8 are read
// as Windows-1252 (what 8-bit mail without a charset nearly always is; a
// superset of Latin-1's printable characters), and NUL is dropped.
// PostgreSQL refuses both, and the listener would stop at that message for
// good (found by FuzzParseReceived).
func storable(s string) string {
	if !utf8.ValidString(s) {
		if d, err := charmap.Windows1252.NewDecoder().String(s); err == nil {
			s = d
		} else {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
	}
	return strings.ReplaceAll(s, "\x00", "")
}

// ThreadIDs are the Message-IDs the message answers, best first: its
// In-Reply-To, then its References from the newest.
func (r *Received) ThreadIDs() []string {
	ids := slices.Clone(r.InReplyTo)
	for i := len(r.References) - 1; i >= 0; i-- {
		ids = append(ids, r.References[i])
	}
	return slices.Compact(ids)
}

// Match finds the person a message is about, and how: a bounce by the
// message that bounced, then by its failed recipient; anything else by the
// thread it answers (In-Reply-To, then References: a client may drop
// In-Reply-To, as Gmail's web composer does on some replies), then by the
// sender's address. byMessageID looks up one of our outgoing messages,
// byEmail a person; both return 0 when they know none.
func Match(r *Received, byMessageID func(id string) int64, byEmail func(addr string) int64) (personID int64, by string) {
	if r.Kind == store.InboundBounce {
		if r.Original != "" {
			if id := byMessageID(r.Original); id != 0 {
				return id, "original-message-id"
			}
		}
		for _, a := range r.Bounced {
			if id := byEmail(a); id != 0 {
				return id, "recipient"
			}
		}
		return 0, ""
	}
	for _, id := range r.InReplyTo {
		if p := byMessageID(id); p != 0 {
			return p, "in-reply-to"
		}
	}
	for i := len(r.References) - 1; i >= 0; i-- {
		if p := byMessageID(r.References[i]); p != 0 {
			return p, "references"
		}
	}
	if r.From != "" {
		if p := byEmail(r.From); p != 0 {
			return p, "sender"
		}
	}
	return 0, ""
}

// collected holds the parts of a message classification reads.
type collected struct {
	plain, html    string
	deliveryStatus string
	reportType     string
	original       string // Message-ID of an enclosed message/rfc822 or text/rfc822-headers
}

// maxDepth bounds MIME nesting; a deeper message is read no further.
const maxDepth = 8

func walk(h textproto.MIMEHeader, body io.Reader, c *collected, depth int) error {
	ct := h.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || ct == "" {
		mt, params = "text/plain", map[string]string{}
	}
	if strings.HasPrefix(mt, "multipart/") {
		if mt == "multipart/report" && c.reportType == "" {
			c.reportType = strings.ToLower(params["report-type"])
		}
		if depth >= maxDepth || params["boundary"] == "" {
			return nil
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return nil // a broken multipart: classify what was read
			}
			if err := walk(p.Header, p, c, depth+1); err != nil {
				return err
			}
		}
	}
	b, err := io.ReadAll(io.LimitReader(decodeTransfer(h.Get("Content-Transfer-Encoding"), body), 1<<20))
	if err != nil {
		b = nil // undecodable: treat as empty
	}
	switch mt {
	case "text/plain":
		if c.plain == "" && !attachment(h) {
			c.plain = string(b)
		}
	case "text/html":
		if c.html == "" && !attachment(h) {
			c.html = string(b)
		}
	case "message/delivery-status", "message/global-delivery-status":
		c.deliveryStatus = string(b)
	case "message/rfc822", "text/rfc822-headers", "message/rfc822-headers", "message/global", "message/global-headers":
		if c.original == "" {
			tr := textproto.NewReader(bufio.NewReader(bytes.NewReader(b)))
			if eh, err := tr.ReadMIMEHeader(); err == nil || len(eh) > 0 {
				c.original = firstID(eh.Get("Message-Id"))
			}
		}
	}
	return nil
}

func attachment(h textproto.MIMEHeader) bool {
	d, _, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	return d == "attachment"
}

func decodeTransfer(enc string, r io.Reader) io.Reader {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "quoted-printable":
		return quotedprintable.NewReader(r)
	case "base64":
		return base64.NewDecoder(base64.StdEncoding, &stripSpace{r: r})
	}
	return r
}

// stripSpace drops the line breaks of base64 bodies.
type stripSpace struct{ r io.Reader }

func (s *stripSpace) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
			p[j] = c
			j++
		}
	}
	return j, err
}

var (
	tagBreak = regexp.MustCompile(`(?i)<(br|/p|/div|/li|/tr|/h[1-6])\b[^>]*>`)
	tagAny   = regexp.MustCompile(`(?s)<[^>]*>`)
	// quoteCut are the lines where a reply's quoted part begins.
	quoteCut = []*regexp.Regexp{
		regexp.MustCompile(`^>`),
		regexp.MustCompile(`(?i)^on\b.{0,200}\bwrote:?$`),
		regexp.MustCompile(`(?i)^-{2,}\s*original message\s*-{2,}`),
		regexp.MustCompile(`^_{10,}$`),
		regexp.MustCompile(`(?i)^from:\s.+`),
		regexp.MustCompile(`^-- ?$`), // the signature delimiter
		regexp.MustCompile(`(?i)^sent from my `),
	}
)

// htmlText is the readable text of an HTML body, roughly.
func htmlText(s string) string {
	if i := strings.Index(strings.ToLower(s), "<blockquote"); i >= 0 {
		s = s[:i] // the quoted message
	}
	s = tagBreak.ReplaceAllString(s, "\n")
	return html.UnescapeString(tagAny.ReplaceAllString(s, ""))
}

// ownWords keeps the sender's own text: everything before the quoted
// message or the signature.
func ownWords(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var out []string
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		t := strings.TrimRight(l, " \t\u00a0")
		tt := strings.TrimSpace(t)
		cut := false
		for _, re := range quoteCut {
			if re.MatchString(tt) {
				cut = true
				break
			}
		}
		// Gmail wraps a long "On …, Jim <jim@…> wrote:" over two lines.
		if !cut && strings.HasPrefix(strings.ToLower(tt), "on ") && i+1 < len(lines) &&
			strings.HasSuffix(strings.TrimSpace(lines[i+1]), "wrote:") && len(tt)+len(lines[i+1]) < 250 {
			cut = true
		}
		if cut {
			break
		}
		out = append(out, t)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// classify decides the kind: a delivery report first, then an auto-reply,
// then list mail, then a stop or a no, then a reply.
func classify(r *Received, h netmail.Header, c *collected) {
	if c.reportType == "delivery-status" || c.deliveryStatus != "" {
		readDeliveryStatus(r, c.deliveryStatus)
		r.Original = c.original
		if len(r.Bounced) > 0 {
			r.Kind, r.Why = store.InboundBounce, "delivery report: "+r.BounceStatus
		} else {
			r.Kind, r.Why = store.InboundIgnored, "delivery report without a permanent failure"
		}
		return
	}
	if why := autoReply(h, r.Subject); why != "" {
		r.Kind, r.Why = store.InboundAutoReply, why
		r.ReturnDate = ReturnDate(r.Subject+"\n"+r.Text, r.Date)
		return
	}
	if p := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); p == "bulk" || p == "list" || p == "junk" || h.Get("List-Id") != "" {
		r.Kind, r.Why = store.InboundIgnored, "list or bulk mail"
		return
	}
	if k, why := StopOrDecline(r.Text); k != "" {
		r.Kind, r.Why = k, why
		return
	}
	r.Kind = store.InboundReply
}

// autoReply says which header marks the message as sent by a machine on
// the person's behalf (RFC 3834 and the common non-standard ones), or "".
func autoReply(h netmail.Header, subject string) string {
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return "Auto-Submitted: " + v
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder"} {
		if v := strings.TrimSpace(h.Get(k)); v != "" && !strings.EqualFold(v, "no") {
			return k + ": " + v
		}
	}
	if p := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); p == "auto_reply" || p == "auto-reply" {
		return "Precedence: " + p
	}
	ls := strings.ToLower(subject)
	for _, pre := range []string{"automatic reply:", "auto-reply:", "autoreply:", "auto reply:", "out of office:", "out of the office:"} {
		if strings.HasPrefix(ls, pre) {
			return "subject: " + subject
		}
	}
	return ""
}

// readDeliveryStatus reads an RFC 3464 message/delivery-status body: a
// per-message group, then one group per recipient, separated by blank
// lines. A recipient bounced for good when Action is failed with a 5.x.x
// status (or none).
func readDeliveryStatus(r *Received, body string) {
	body = strings.ReplaceAll(body, "\r\n", "\n")
	for _, group := range strings.Split(body, "\n\n") {
		tr := textproto.NewReader(bufio.NewReader(strings.NewReader(strings.TrimLeft(group, "\n") + "\n\n")))
		f, _ := tr.ReadMIMEHeader()
		if f == nil {
			continue
		}
		rcpt := f.Get("Final-Recipient")
		if rcpt == "" {
			rcpt = f.Get("Original-Recipient")
		}
		if rcpt == "" {
			continue
		}
		if _, a, ok := strings.Cut(rcpt, ";"); ok {
			rcpt = a
		}
		rcpt = strings.Trim(strings.TrimSpace(rcpt), "<>")
		action := strings.ToLower(strings.TrimSpace(f.Get("Action")))
		status := strings.TrimSpace(f.Get("Status"))
		if action != "failed" || (status != "" && !strings.HasPrefix(status, "5")) {
			continue
		}
		e, err := nudge.NormalizeEmail(rcpt)
		if err != nil {
			continue
		}
		r.Bounced = append(r.Bounced, e)
		if r.BounceStatus == "" {
			r.BounceStatus = strings.TrimSpace(status + " " + strings.Join(strings.Fields(f.Get("Diagnostic-Code")), " "))
		}
	}
}

var (
	greeting   = regexp.MustCompile(`(?i)^(hi|hello|hey|dear|good (morning|afternoon|evening))\b[^.!?]{0,40}[,!]?$|^[a-z]+,$`)
	notLetters = regexp.MustCompile(`[^a-z' ]+`)
	// stopLines are the first lines that ask to stop (G1), whole or as the
	// start of the line. "stop" alone only as the whole line or before
	// "sending", "emailing"…: "Stop by on Tuesday" is not a stop.
	stopWhole = []string{"stop", "unsubscribe", "unsubscribe me", "remove me", "remove", "opt out", "stop please",
		"stop it", "stop emailing me", "stop sending", "no more emails"}
	stopStart = []string{"stop sending", "stop emailing", "stop e mailing", "stop contacting", "stop following up",
		"stop writing", "stop calling", "stop messaging", "stop spamming", "unsubscribe me", "remove me from",
		"take me off", "opt me out", "do not contact me", "don't contact me", "do not email me", "don't email me",
		"please don't email", "please do not email", "no more emails"}
	declineStart = []string{"not interested", "no thanks", "no thank you", "i'm not interested", "i am not interested",
		"we're not interested", "we are not interested", "not for us", "we'll pass", "we will pass"}
)

// maxStopReply bounds how long a reply can be and still be read as a stop:
// a longer message is a conversation, left to the rep.
const maxStopReply = 300

// StopOrDecline reads a reply's own words: a short reply whose first line
// (after a greeting) asks to stop or unsubscribe is a stop, one that says
// "not interested" or "no thanks" a decline — both G1. "Don't stop sending
// me these" is neither.
func StopOrDecline(text string) (store.InboundKind, string) {
	if len(text) > maxStopReply {
		return "", ""
	}
	var lines []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > 1 && greeting.MatchString(lines[0]) {
		lines = lines[1:]
	}
	if len(lines) == 0 {
		return "", ""
	}
	first := strings.ToLower(strings.ReplaceAll(lines[0], "\u2019", "'"))
	// The first sentence of the line.
	if i := strings.IndexAny(first, ".!?;"); i > 0 {
		first = first[:i]
	}
	norm := strings.Join(strings.Fields(notLetters.ReplaceAllString(strings.ReplaceAll(first, "-", " "), " ")), " ")
	for _, p := range []string{"please ", "pls ", "kindly "} {
		norm = strings.TrimPrefix(norm, p)
	}
	norm = strings.TrimSuffix(norm, " please")
	quoted := "first line: " + strconv.Quote(lines[0])
	for _, w := range stopWhole {
		if norm == w {
			return store.InboundStop, quoted
		}
	}
	for _, w := range stopStart {
		if norm == w || strings.HasPrefix(norm, w+" ") {
			return store.InboundStop, quoted
		}
	}
	for _, w := range declineStart {
		if norm == w || strings.HasPrefix(norm, w+" ") {
			return store.InboundDeclined, quoted
		}
	}
	return "", ""
}

var (
	monthNames = map[string]time.Month{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
		"sep": 9, "oct": 10, "nov": 11, "dec": 12}
	monthRE   = `(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?`
	weekdayRE = `(?:(mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?`
	// A date after a word that says when they are back ("back on", "return
	// on", "until"…), month first or day first, or ISO.
	returnRE = regexp.MustCompile(`(?i)\b(back|return|returning|until|till|til|through|thru)\b[^.\n]{0,40}?\b` +
		`(?:` + weekdayRE + monthRE + `\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s+(\d{4}))?` +
		`|` + weekdayRE + `(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?` + monthRE + `(?:,?\s+(\d{4}))?` +
		`|(\d{4})-(\d{2})-(\d{2}))`)
)

// ReturnDate reads the first day an out-of-office sender is back from the
// text of their auto-reply: "I will be back on Monday, December 7" → 7
// December; "out until 4 December" → 5 December (the day after). A date
// without a year is the next one on or after sent (less a week, for a
// reply about the current week); a named weekday that does not fit that
// year moves to the next year it does. The result is midnight UTC of that
// day; zero when no date is readable.
func ReturnDate(text string, sent time.Time) time.Time {
	m := returnRE.FindStringSubmatch(text)
	if m == nil {
		return time.Time{}
	}
	word := strings.ToLower(m[1])
	var wd string
	var mon time.Month
	var day, year int
	switch {
	case m[4] != "":
		wd, mon = m[2], monthNames[strings.ToLower(m[3][:3])]
		day, _ = strconv.Atoi(m[4])
		year, _ = strconv.Atoi(m[5])
	case m[7] != "":
		wd = m[6]
		day, _ = strconv.Atoi(m[7])
		mon = monthNames[strings.ToLower(m[8][:3])]
		year, _ = strconv.Atoi(m[9])
	default:
		year, _ = strconv.Atoi(m[10])
		mi, _ := strconv.Atoi(m[11])
		mon = time.Month(mi)
		day, _ = strconv.Atoi(m[12])
	}
	if mon < 1 || mon > 12 || day < 1 || day > 31 {
		return time.Time{}
	}
	if sent.IsZero() {
		sent = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	d := time.Time{}
	if year != 0 {
		d = time.Date(year, mon, day, 0, 0, 0, 0, time.UTC)
	} else {
		from := sent.UTC().AddDate(0, 0, -7)
		for y := from.Year(); y <= from.Year()+7; y++ {
			c := time.Date(y, mon, day, 0, 0, 0, 0, time.UTC)
			if c.Day() != day || c.Before(from) {
				continue
			}
			if wd != "" && !strings.HasPrefix(strings.ToLower(c.Weekday().String()), strings.ToLower(wd[:3])) {
				continue
			}
			d = c
			break
		}
	}
	if d.IsZero() || d.Day() != day {
		return time.Time{}
	}
	switch word {
	case "until", "till", "til", "through", "thru":
		d = d.AddDate(0, 0, 1) // away through that day, back the next
	}
	return d
}

// msgIDs reads a list of Message-IDs (In-Reply-To, References), without
// brackets. Bare ids without brackets (some clients) are kept too.
func msgIDs(v string) []string {
	var out []string
	for v != "" {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			for _, f := range strings.Fields(v) {
				if strings.Contains(f, "@") {
					out = append(out, strings.Trim(f, "<>,;"))
				}
			}
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(v[i+1 : i+j]); id != "" {
			out = append(out, id)
		}
		v = v[i+j+1:]
	}
	return out
}

func firstID(v string) string {
	if ids := msgIDs(v); len(ids) > 0 {
		return ids[0]
	}
	return ""
}
