package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store"
)

// A rep adds a mailbox on the Settings page: the password is sealed with
// the server's key, never stored in clear nor shown, not even when the form
// comes back in error; the rep removes it; another rep cannot.
func TestSettingsMailbox(t *testing.T) {
	const secret = "s3cret-Pa55word"
	keys, err := mail.NewKeys([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := newPool(t, b).fixture(t, false)
			srv, err := New(f.db, f.svc, f.clock, Config{PasswordCost: cheap, Keys: keys})
			if err != nil {
				t.Fatal(err)
			}
			f.srv, f.h = srv, srv.Handler()
			noSecret := func(what, body string) {
				t.Helper()
				if strings.Contains(body, secret) {
					t.Errorf("%s: the password is in the page", what)
				}
			}
			for _, tc := range []struct {
				name, field string
				form        []string
				want        string
			}{
				{"no postal address", "postal_address", []string{"from", "repa@us.example", "smtp_url", "smtp://repa:" + secret + "@mail.example:587"}, "CAN-SPAM"},
				{"imap URL in the SMTP field", "smtp_url", []string{"from", "repa@us.example", "smtp_url", "imaps://repa:" + secret + "@mail.example", "postal_address", "1 Main St"}, "not an SMTP URL"},
				{"bad cap", "daily_cap", []string{"from", "repa@us.example", "smtp_url", "smtp://repa:" + secret + "@mail.example", "postal_address", "1 Main St", "daily_cap", "lots"}, "lots"},
			} {
				w := f.do(post("repA", "/settings/mailboxes", form(tc.form...)))
				body := w.Body.String()
				if w.Code != http.StatusUnprocessableEntity || !strings.Contains(body, tc.want) {
					t.Errorf("%s: status %d, want 422 with %q\n%s", tc.name, w.Code, tc.want, excerpt(body))
				}
				noSecret(tc.name, body)
			}
			w := f.do(post("repA", "/settings/mailboxes", form("from", "RepA@us.example", "smtp_url", "smtp://repa:"+secret+"@mail.example:587",
				"imap_url", "imaps://repa:"+secret+"@mail.example:993", "postal_address", "1 Main Street, Springfield", "daily_cap", "80")))
			if w.Code != http.StatusSeeOther {
				t.Fatalf("add: status %d\n%s", w.Code, excerpt(w.Body.String()))
			}
			uid := f.users["repA"].ID
			ms, err := f.db.FindMailboxes(t.Context(), store.MailboxFilter{UserID: &uid})
			if err != nil || len(ms) != 1 {
				t.Fatalf("mailboxes of repA: %v, %v", ms, err)
			}
			m := ms[0]
			if m.Address != "repa@us.example" || m.DailyCap != 80 || strings.Contains(m.SMTPURL+m.IMAPURL+m.SMTPSecret+m.IMAPSecret, secret) {
				t.Errorf("stored %+v: want the address normalised, cap 80, no password in clear", m)
			}
			srvSMTP, err := mail.OpenServer(keys, m.SMTPURL, m.SMTPSecret, m.Address)
			if err != nil || srvSMTP.Password != secret || srvSMTP.Host != "mail.example" {
				t.Errorf("sealed SMTP server opens to %+v, %v", srvSMTP, err)
			}
			w = f.do(get("repA", "/settings"))
			body := w.Body.String()
			if !strings.Contains(body, "repa@us.example") || !strings.Contains(body, "smtp://repa@mail.example:587") {
				t.Errorf("settings lacks the mailbox:\n%s", excerpt(body))
			}
			noSecret("settings", body)
			if w := f.do(post("repA", "/settings/mailboxes", form("from", "repa@us.example", "smtp_url", "smtp://repa:"+secret+"@mail.example", "postal_address", "1 Main St"))); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "already exists") {
				t.Errorf("duplicate: status %d\n%s", w.Code, excerpt(w.Body.String()))
			} else {
				noSecret("duplicate", w.Body.String())
			}
			path := "/settings/mailboxes/" + itoa(m.ID) + "/remove"
			if w := f.do(post("repB", path, nil)); w.Code != http.StatusNotFound {
				t.Errorf("repB removes repA's mailbox: status %d, want 404", w.Code)
			}
			if w := f.do(post("repA", path, nil)); w.Code != http.StatusSeeOther {
				t.Errorf("remove: status %d", w.Code)
			}
			if ms, _ := f.db.FindMailboxes(t.Context(), store.MailboxFilter{UserID: &uid}); len(ms) != 0 {
				t.Errorf("after remove: %v", ms)
			}
		})
	}
}
