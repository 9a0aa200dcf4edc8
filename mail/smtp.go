package mail

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/store"
)

// Server is a mail server a mailbox uses, read from a URL such as
// smtp://user:pass@host:587?tls=starttls or imaps://user:pass@host:993.
type Server struct {
	Scheme   string // smtp, smtps, imap or imaps
	Host     string
	Port     int
	User     string
	Password string
	// TLS is "starttls" (upgrade a plain connection, required), "tls" (TLS
	// from the first byte: smtps, imaps, port 465/993) or "none" (plain text,
	// for a server on the same machine or a test).
	TLS string
}

// ParseServer reads a server URL. The scheme picks the protocol and default
// port; ?tls= overrides the TLS mode.
func ParseServer(raw string) (Server, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return Server{}, nudge.FieldError("url", "%q is not a server URL (e.g. smtp://user:pass@mail.example.com:587)", redactRaw(raw))
	}
	s := Server{Scheme: strings.ToLower(u.Scheme), Host: u.Hostname()}
	if u.User != nil {
		s.User = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	defPort := map[string]int{"smtp": 587, "smtps": 465, "imap": 143, "imaps": 993}[s.Scheme]
	if defPort == 0 {
		return Server{}, nudge.FieldError("url", "unknown scheme %q in %s (want smtp, smtps, imap or imaps)", u.Scheme, u.Redacted())
	}
	s.Port = defPort
	if p := u.Port(); p != "" {
		if s.Port, err = strconv.Atoi(p); err != nil || s.Port <= 0 || s.Port > 65535 {
			return Server{}, nudge.FieldError("url", "bad port %q in %s", p, u.Redacted())
		}
	}
	switch {
	case s.Scheme == "smtps" || s.Scheme == "imaps" || s.Port == 465 || s.Port == 993:
		s.TLS = "tls"
	default:
		s.TLS = "starttls"
	}
	if t := u.Query().Get("tls"); t != "" {
		switch t {
		case "starttls", "tls", "none":
			s.TLS = t
		default:
			return Server{}, nudge.FieldError("url", "tls=%q in %s: want starttls, tls or none", t, u.Redacted())
		}
	}
	return s, nil
}

// Redacted is the URL with the password hidden: what `nudge mailbox list`
// shows and what the database keeps.
func (s Server) Redacted() string { return s.url("") }

// url renders the server; a non-empty password is included.
func (s Server) url(password string) string {
	u := url.URL{Scheme: s.Scheme, Host: net.JoinHostPort(s.Host, strconv.Itoa(s.Port))}
	if s.User != "" {
		u.User = url.User(s.User)
		if password != "" {
			u.User = url.UserPassword(s.User, password)
		}
	}
	u.RawQuery = "tls=" + s.TLS
	return u.String()
}

// redactRaw hides what looks like a password in a URL that failed to parse.
func redactRaw(raw string) string {
	if at := strings.LastIndex(raw, "@"); at > 0 {
		if i := strings.Index(raw, "://"); i >= 0 && i+3 < at {
			return raw[:i+3] + "…@" + raw[at+1:]
		}
	}
	return raw
}

// SealServer splits a server URL into what the database keeps: the URL with
// the password removed and the password sealed under keys (bound to the
// mailbox address and protocol).
func SealServer(keys *Keys, raw, address string) (redacted, sealed string, err error) {
	s, err := ParseServer(raw)
	if err != nil {
		return "", "", err
	}
	sealed, err = keys.Seal(s.Password, s.Scheme[:4]+" "+strings.ToLower(address))
	return s.Redacted(), sealed, err
}

// OpenServer reverses SealServer.
func OpenServer(keys *Keys, redacted, sealed, address string) (Server, error) {
	s, err := ParseServer(redacted)
	if err != nil {
		return Server{}, err
	}
	if s.Password, err = keys.Open(sealed, s.Scheme[:4]+" "+strings.ToLower(address)); err != nil {
		return Server{}, fmt.Errorf("mailbox %s: %w", address, err)
	}
	return s, nil
}

// SMTPOptions tune the SMTP client.
type SMTPOptions struct {
	Timeout   time.Duration
	TLSConfig *tls.Config // nil: the system roots, ServerName from the URL
	HELO      string
}

// NewSMTPClient returns a go-mail client for the server, not yet connected.
func NewSMTPClient(s Server, o SMTPOptions) (*gomail.Client, error) {
	if o.Timeout == 0 {
		o.Timeout = 30 * time.Second
	}
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTimeout(o.Timeout)}
	switch s.TLS {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if o.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(o.TLSConfig))
	} else if s.TLS != "none" {
		opts = append(opts, gomail.WithTLSConfig(&tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}))
	}
	if o.HELO != "" {
		opts = append(opts, gomail.WithHELO(o.HELO))
	}
	if s.User != "" {
		auth := gomail.SMTPAuthAutoDiscover
		if s.TLS == "none" {
			// A password in clear text only ever goes to this machine.
			if ip := net.ParseIP(s.Host); s.Host != "localhost" && (ip == nil || !ip.IsLoopback()) {
				return nil, nudge.FieldError("smtp", "%s: tls=none would send the password in clear text; only allowed for localhost", s.Redacted())
			}
			auth = gomail.SMTPAuthPlainNoEnc
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.User), gomail.WithPassword(s.Password))
	}
	c, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client for %s: %w", s.Redacted(), err)
	}
	return c, nil
}

// NewMessageID returns a fresh Message-ID (without brackets) in the
// sender's domain.
func NewMessageID(from string) string {
	domain := "nudge.invalid"
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		domain = d
	}
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b) + "@" + domain
}

// Envelope is what the outgoing email carries beyond the stored message:
// the one-click unsubscribe links and the CAN-SPAM footer.
type Envelope struct {
	FromName       string
	UnsubscribeURL string // https://…/unsubscribe/{token} (RFC 8058 one-click POST target)
	UnsubscribeTo  string // mailto: address; the listener reads "unsubscribe" there
	PostalAddress  string // the sender's postal address (CAN-SPAM)
}

// Footer is what ends every email: the sender's postal address and how to
// stop (CAN-SPAM).
func (e Envelope) Footer() string {
	return "--\n" + strings.TrimSpace(e.PostalAddress) + "\nTo stop receiving these emails: " + e.UnsubscribeURL
}

// Compose builds the email of a stored message, dated at: Message-ID,
// threading headers, List-Unsubscribe with https and mailto and
// List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058), and the body
// with the footer.
func Compose(m *store.Message, e Envelope, at time.Time) (*gomail.Msg, error) {
	if strings.TrimSpace(e.PostalAddress) == "" {
		return nil, nudge.FieldError("postal-address", "mailbox %s has no postal address; CAN-SPAM requires one in every email (nudge mailbox add --postal-address)", m.From)
	}
	g := gomail.NewMsg()
	var err error
	if e.FromName != "" {
		err = g.FromFormat(e.FromName, m.From)
	} else {
		err = g.From(m.From)
	}
	if err != nil {
		return nil, fmt.Errorf("message %d from %q: %w", m.ID, m.From, err)
	}
	if err := g.To(m.To); err != nil {
		return nil, fmt.Errorf("message %d to %q: %w", m.ID, m.To, err)
	}
	g.Subject(m.Subject)
	g.SetMessageIDWithValue(m.MessageID)
	g.SetDateWithValue(at)
	if m.InReplyTo != "" {
		g.SetGenHeaderPreformatted(gomail.HeaderInReplyTo, "<"+m.InReplyTo+">")
	}
	if refs := strings.Fields(m.References); len(refs) > 0 {
		g.SetGenHeaderPreformatted(gomail.HeaderReferences, "<"+strings.Join(refs, "> <")+">")
	}
	mailto := "mailto:" + e.UnsubscribeTo + "?subject=unsubscribe"
	if err := g.SetListUnsubscribeOneClick(e.UnsubscribeURL, mailto); err != nil {
		return nil, fmt.Errorf("message %d: %w", m.ID, err)
	}
	g.SetBodyString(gomail.TypeTextPlain, m.Body+"\n\n"+e.Footer()+"\n")
	return g, nil
}

// Verdict is what an SMTP failure means for a message.
type Verdict int

const (
	// Retry: the failure is temporary (4xx, connection): send again later.
	Retry Verdict = iota
	// Bounce: the recipient's server refused the address for good (5xx at
	// RCPT): the address is bad, the cadence moves to another channel (B5).
	Bounce
	// Fail: refused for good for another reason (5xx at MAIL FROM or DATA:
	// the sender or the content); a person has to look.
	Fail
	// Unknown: the connection broke after the whole message was handed over
	// and before the server answered: it may have been delivered, so it is
	// never re-sent on its own.
	Unknown
)

// Judge classifies a send error.
func Judge(err error) Verdict {
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return Retry // dial, TLS, auth or context: nothing was handed over
	}
	code := se.ErrorCode()
	switch {
	case code >= 400 && code < 500:
		return Retry
	case code >= 500 && se.Reason == gomail.ErrSMTPRcptTo:
		return Bounce
	case code >= 500:
		return Fail
	case se.Reason == gomail.ErrSMTPDataClose:
		return Unknown
	}
	return Retry
}
