package mail_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store"
)

// TestUnsubscribe: GET shows a confirm page and changes nothing; the
// one-click POST (RFC 8058) stops every touch at once (G1): do-not-contact,
// no open task, queued email cancelled; a forged token is refused.
func TestUnsubscribe(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := setup(t, b, mail.OutboxOptions{AnyHour: true})
			p := f.person(t, "jerry@vandelay.example")
			if _, err := f.svc.RunOnce(f.ctx); err != nil {
				t.Fatal(err)
			}
			queued := &store.Message{PersonID: p.ID, MailboxID: f.mb.ID, From: f.mb.Address, To: p.Email, Subject: "s", Body: "b"}
			if err := f.out.Queue(f.ctx, queued); err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			mux.Handle("/unsubscribe/{token}", mail.UnsubscribeHandler(f.keys, f.out))
			srv := httptest.NewServer(mux)
			defer srv.Close()
			link := srv.URL + "/unsubscribe/" + f.keys.UnsubscribeToken(p.ID)
			other := f.keys.UnsubscribeToken(p.ID + 1)

			tests := []struct {
				name, method, url string
				status            int
				body              string
				stopped           bool
			}{
				{"GET confirms, changes nothing", "GET", link, 200, "<form method=\"post\"", false},
				{"forged token", "POST", srv.URL + "/unsubscribe/" + strings.Replace(other, ".", "x.", 1), 400, "not valid", false},
				{"token of another person, altered", "POST", srv.URL + "/unsubscribe/" + strings.Split(link, "/unsubscribe/")[1][:3] + "AAAA", 400, "not valid", false},
				{"one-click POST", "POST", link, 200, "Unsubscribed", true},
				{"twice is fine", "POST", link, 200, "Unsubscribed", true},
			}
			for _, tc := range tests {
				req, _ := http.NewRequest(tc.method, tc.url, strings.NewReader("List-Unsubscribe=One-Click"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var sb strings.Builder
				buf := make([]byte, 4096)
				for {
					n, err := res.Body.Read(buf)
					sb.Write(buf[:n])
					if err != nil {
						break
					}
				}
				res.Body.Close()
				if res.StatusCode != tc.status || !strings.Contains(sb.String(), tc.body) {
					t.Errorf("%s: %d %q, want %d with %q", tc.name, res.StatusCode, sb.String(), tc.status, tc.body)
				}
				got, err := f.db.FindPersonByID(f.ctx, p.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.DoNotContact != tc.stopped {
					t.Errorf("%s: do-not-contact %v, want %v", tc.name, got.DoNotContact, tc.stopped)
				}
				if tc.stopped {
					if open := f.openTasks(t, p.ID); len(open) != 0 {
						t.Errorf("%s: open tasks %+v after G1", tc.name, open)
					}
					if ms := f.messages(t, store.MessageFilter{ID: &queued.ID}); ms[0].State != store.MessageCancelled {
						t.Errorf("%s: queued message %s, want cancelled", tc.name, ms[0].State)
					}
				}
			}
			hist, _, _ := f.db.FindInteractions(f.ctx, nudge.InteractionFilter{PersonID: &p.ID})
			if len(hist) != 1 || hist[0].Outcome != nudge.OutcomeAskedToStop {
				t.Errorf("history %+v, want one asked-to-stop touch", hist)
			}
		})
	}
}
