package faults

import (
	"bytes"
	"io"
	"net"
	netmail "net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// sink is a real SMTP server (go-smtp) in the test process that counts every
// message it accepts by Message-ID and by recipient. holdFrom makes it read
// a message and then keep its answer back, as a slow or distant server does:
// a sender killed meanwhile cannot know whether the message arrived.
type sink struct {
	addr string

	mu      sync.Mutex
	byID    map[string]int // Message-ID (without brackets) → times accepted
	byRcpt  map[string]int
	total   int
	holdAt  int           // from this message on, answers wait for release (0: never)
	holding int           // answers waiting now
	held    []heldMessage // every message whose answer was held
	reached chan struct{} // closed when message holdAt was read
	release chan struct{} // closed by Release
}

// The user and password every mailbox of these tests logs in with.
const sinkUser, sinkPassword = "jim", "s3cret"

func startSink(t testing.TB) *sink {
	t.Helper()
	s := &sink{byID: map[string]int{}, byRcpt: map[string]int{}, reached: make(chan struct{}), release: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &sinkSession{s: s, peer: c.Conn().RemoteAddr().String()}, nil
	}))
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() {
		s.Release()
		srv.Close()
	})
	return s
}

// url is the SMTP URL of a mailbox on the sink (plain text: localhost only).
func (s *sink) url() string {
	return "smtp://" + sinkUser + ":" + sinkPassword + "@" + s.addr + "?tls=none"
}

// holdFrom makes the n-th message accepted from now on, and every later one,
// wait for Release before it is answered.
func (s *sink) holdFrom(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holdAt = s.total + n
}

// Reached is closed once the first held message has been read.
func (s *sink) Reached() <-chan struct{} { return s.reached }

// Holding is how many answers are being kept back now.
func (s *sink) Holding() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.holding
}

// heldMessage is a message whose answer the sink held: who sent it (the
// client's address) and its Message-ID.
type heldMessage struct{ peer, id string }

// Held returns the messages whose answer was held so far.
func (s *sink) Held() []heldMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]heldMessage(nil), s.held...)
}

// Release lets every held answer go; nothing is held afterwards.
func (s *sink) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.released() {
		close(s.release)
	}
}

func (s *sink) released() bool {
	select {
	case <-s.release:
		return true
	default:
		return false
	}
}

// Total is how many messages the sink accepted.
func (s *sink) Total() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// Counts returns copies of the counts by Message-ID and by recipient.
func (s *sink) Counts() (byID, byRcpt map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	byID, byRcpt = make(map[string]int, len(s.byID)), make(map[string]int, len(s.byRcpt))
	for k, v := range s.byID {
		byID[k] = v
	}
	for k, v := range s.byRcpt {
		byRcpt[k] = v
	}
	return byID, byRcpt
}

type sinkSession struct {
	s      *sink
	peer   string // the client's address
	to     []string
	authed bool
}

func (x *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != sinkUser || pass != sinkPassword {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		x.authed = true
		return nil
	}), nil
}

func (x *sinkSession) Reset()        { x.to = nil }
func (x *sinkSession) Logout() error { return nil }

func (x *sinkSession) Mail(string, *smtp.MailOptions) error {
	if !x.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	return nil
}

func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, strings.ToLower(to))
	return nil
}

// Data reads the message, counts it, and answers — or, once holding, waits
// for Release first.
func (x *sinkSession) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	id := ""
	if m, err := netmail.ReadMessage(&b); err == nil {
		id = strings.Trim(m.Header.Get("Message-Id"), "<> ")
	}
	s := x.s
	s.mu.Lock()
	s.total++
	s.byID[id]++
	for _, to := range x.to {
		s.byRcpt[to]++
	}
	hold := s.holdAt > 0 && s.total >= s.holdAt && !s.released()
	if hold {
		if s.total == s.holdAt {
			close(s.reached)
		}
		s.holding++
		s.held = append(s.held, heldMessage{peer: x.peer, id: id})
	}
	s.mu.Unlock()
	if hold {
		<-s.release
		s.mu.Lock()
		s.holding--
		s.mu.Unlock()
	}
	return nil
}
