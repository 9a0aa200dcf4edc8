package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store/storetest"
)

// The unsubscribe links of outgoing email are answered by the app: GET shows
// the confirm page, and RFC 8058's one-click POST — sent by the recipient's
// mail provider, cross-site — passes the CSRF check and stops every touch (G1).
func TestUnsubscribeMounted(t *testing.T) {
	clock := nudge.NewFixedClock(storetest.Start)
	db := storetest.Open(t, testdb.SQLite(t), clock)
	svc := followup.New(db, clock, followup.Options{})
	keys, err := mail.NewKeys([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := mail.NewOutbox(db, svc, keys, clock, mail.OutboxOptions{BaseURL: "https://nudge.example"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(db, svc, clock, Config{PasswordCost: cheap, Unsubscribe: mail.UnsubscribeHandler(keys, out)})
	if err != nil {
		t.Fatal(err)
	}
	f := serverOn(t, db, clock)
	f.srv, f.h = srv, srv.Handler()
	f.seed()
	p := f.people["pa"]
	link := strings.TrimPrefix(out.UnsubscribeURL(p.ID), "https://nudge.example")

	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, httptest.NewRequest("GET", link, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", link, rec.Code, rec.Body)
	}
	req := httptest.NewRequest("POST", link, strings.NewReader("List-Unsubscribe=One-Click"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://mail.provider.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec = httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("one-click POST = %d: %s", rec.Code, rec.Body)
	}
	got, err := db.FindPersonByID(t.Context(), p.ID)
	if err != nil || !got.DoNotContact {
		t.Fatalf("after one-click unsubscribe: %+v, %v; want do-not-contact (G1)", got, err)
	}
	// Other cross-site POSTs are still refused.
	req = httptest.NewRequest("POST", "/people/1/do-not-contact", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec = httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("cross-site POST elsewhere = %d, want 403", rec.Code)
	}
}
