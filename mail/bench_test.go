package mail_test

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store"
)

// BenchmarkOutbox queues messages with caps and windows off and sends them
// to a local SMTP sink through the outbox (claim, mark sending, SMTP, mark
// sent: three durable writes per message), then sends as many with bare
// go-mail over the same number of connections, and reports both rates and
// their ratio. Default 2,000 messages; NUDGE_MAIL_BENCH_N=100000 for the
// issue's figure (NUDGE_MAIL_BENCH_SQLITE_ONLY=1 skips PostgreSQL). Run
// with -benchtime=1x.
func BenchmarkOutbox(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("NUDGE_MAIL_BENCH_N")); err == nil && v > 0 {
		n = v
	}
	const conns = 4
	backends := testdb.Backends(b)
	if os.Getenv("NUDGE_MAIL_BENCH_SQLITE_ONLY") != "" {
		backends = []testdb.Backend{testdb.SQLite(b)}
	}
	for _, be := range backends {
		b.Run(be.Name, func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				f := setup(b, be, mail.OutboxOptions{AnyHour: true, NoCaps: true, Parallel: conns, Batch: 100})
				f.sink.discard = true
				p := f.person(b, "bench@vandelay.example")
				mbs := []store.Mailbox{f.mb}
				for i := 1; i < conns; i++ {
					u := &nudge.User{Email: fmt.Sprintf("rep%d@a-z.example", i), Name: "Rep"}
					if err := f.db.CreateUser(f.ctx, u); err != nil {
						b.Fatal(err)
					}
					mbs = append(mbs, f.addMailbox(b, u.ID, u.Email))
				}
				for i := range n {
					mb := mbs[i%conns]
					m := &store.Message{PersonID: p.ID, MailboxID: mb.ID, From: mb.Address, To: fmt.Sprintf("r%06d@sink.example", i),
						Subject: "Hello", Body: "A short message, number " + strconv.Itoa(i)}
					if err := f.out.Queue(f.ctx, m); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				t0 := time.Now()
				sent := 0
				for sent < n {
					st, err := f.out.Send(f.ctx)
					if err != nil {
						b.Fatal(err)
					}
					if st.Sent == 0 {
						b.Fatalf("stuck after %d of %d", sent, n)
					}
					sent += st.Sent
				}
				outbox := time.Since(t0)
				b.StopTimer()

				// Bare go-mail: the same messages, the same connection count.
				s, err := mail.OpenServer(f.keys, f.mb.SMTPURL, f.mb.SMTPSecret, f.mb.Address)
				if err != nil {
					b.Fatal(err)
				}
				t0 = time.Now()
				var wg sync.WaitGroup
				for c := range conns {
					wg.Add(1)
					go func() {
						defer wg.Done()
						cl, err := mail.NewSMTPClient(s, mail.SMTPOptions{Timeout: 10 * time.Second})
						if err == nil {
							err = cl.DialWithContext(f.ctx)
						}
						if err != nil {
							b.Error(err)
							return
						}
						defer cl.Close()
						for i := c; i < n; i += conns {
							g := gomail.NewMsg()
							g.From(f.mb.Address)
							g.To(fmt.Sprintf("r%06d@sink.example", i))
							g.Subject("Hello")
							g.SetBodyString(gomail.TypeTextPlain, "A short message, number "+strconv.Itoa(i))
							if err := cl.Send(g); err != nil {
								b.Error(err)
								return
							}
						}
					}()
				}
				wg.Wait()
				bare := time.Since(t0)
				b.ReportMetric(float64(n)/outbox.Seconds(), "outbox-msgs/s")
				b.ReportMetric(float64(n)/bare.Seconds(), "gomail-msgs/s")
				b.ReportMetric(outbox.Seconds()/bare.Seconds(), "slowdown-x")
				b.ReportMetric(float64(n), "messages")
			}
		})
	}
}
