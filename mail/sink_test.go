package mail_test

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// sink is a real SMTP server (go-smtp) in the test process that keeps what
// it receives. rcpt, when set, may refuse a recipient; hold, when set, is
// asked after each message is read and before it is answered: true blocks
// the answer until release is closed (a crash test kills the client then).
type sink struct {
	mu      sync.Mutex
	got     []received
	rcpt    func(to string) error
	hold    func(n int) bool
	held    chan struct{} // closed when hold first returned true
	release chan struct{}
	addr    string
	discard bool // count only (benchmarks)
	count   int
}

type received struct {
	From string
	To   []string
	Data []byte
}

func startSink(t testing.TB) *sink {
	t.Helper()
	s := &sink{held: make(chan struct{}), release: make(chan struct{})}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	srv.Domain = "sink.test"
	srv.AllowInsecureAuth = true
	srv.MaxRecipients = 10
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

// Release lets a held answer go.
func (s *sink) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.release:
	default:
		close(s.release)
	}
}

func (s *sink) Received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...)
}

type sinkSession struct {
	s      *sink
	from   string
	to     []string
	authed bool
}

// The sink takes PLAIN for jim / s3cret only: the sealed password must come
// back intact to get in.
func (x *sinkSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (x *sinkSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != "jim" || pass != "s3cret" {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		x.authed = true
		return nil
	}), nil
}

func (x *sinkSession) Reset()        { x.from, x.to = "", nil }
func (x *sinkSession) Logout() error { return nil }
func (x *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	if !x.authed {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "authentication required"}
	}
	x.from = from
	return nil
}

func (x *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if f := x.s.rcpt; f != nil {
		if err := f(to); err != nil {
			return err
		}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *sinkSession) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	x.s.mu.Lock()
	x.s.count++
	if !x.s.discard {
		x.s.got = append(x.s.got, received{From: x.from, To: x.to, Data: b.Bytes()})
	}
	n := x.s.count
	x.s.mu.Unlock()
	if x.s.hold != nil && x.s.hold(n) {
		close(x.s.held)
		<-x.s.release
	}
	return nil
}
