package mail_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store"
)

// FuzzParseReceived feeds the inbox listener's parser (issue 4 §4) any bytes
// a stranger can put in a rep's inbox. Whatever arrives:
//
//   - ParseReceived does not panic; a refusal says why;
//   - the kind is one the listener acts on, a bounce has bounced recipients
//     and only a bounce has them, only an auto-reply has a return date;
//   - addresses come out normalised, Message-IDs without their brackets;
//   - every string is valid UTF-8 without NUL, because each goes to the
//     database (PostgreSQL refuses anything else, and the listener would
//     stop at that message for good) or into a lookup there.
//
// Under plain `go test` it runs the seeds: the fixtures of
// testdata/inbound and hostile messages.
func FuzzParseReceived(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "inbound", "*.eml"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	nested := "Content-Type: multipart/mixed; boundary=b0\n\n"
	for i := range 12 {
		nested += "--b" + string(rune('0'+i)) + "\nContent-Type: multipart/mixed; boundary=b" + string(rune('1'+i)) + "\n\n"
	}
	for _, s := range []string{
		"",
		"\n",
		"Subject: only headers",
		"From: <>\nMessage-ID: <>\n\nhi",
		"From: a\x00b@example.com\nSubject: nul \x00 in the subject\nMessage-ID: <id\x00@x>\n\nstop\x00",
		"From: jerry@vandelay.example\nSubject: Gr\xfc\xdfe aus K\xf6ln\nContent-Type: text/plain; charset=iso-8859-1\n\nNein danke, kein Interesse. Gr\xfc\xdfe\n",
		"From: jerry@vandelay.example\nSubject: =?utf-8?q?caf=C3=A9?= =?x-unknown?b?////?=\n\nstop",
		"From: jerry@vandelay.example\nSubject: =?iso-8859-1?q?r=E9sum=E9?=\nContent-Transfer-Encoding: base64\n\n!!!not base64***\n",
		"From: jerry@vandelay.example\nContent-Transfer-Encoding: quoted-printable\n\nsoft=\nbreak =ZZ bad =\n",
		"From: jerry@vandelay.example\nContent-Type: text/html\n\n<p>Unsubscribe</p><blockquote>quoted</blockquote>",
		"From: jerry@vandelay.example\nContent-Type: multipart/alternative; boundary=\"x\"\n\n--x\nContent-Type: text/plain\n\nnever closed",
		"From: jerry@vandelay.example\nContent-Type: multipart/alternative\n\nno boundary",
		"From: jerry@vandelay.example\nContent-Type: multipart/alternative; boundary=\"\"\n\n--\n\n",
		nested + "deep",
		"From: MAILER-DAEMON@x\nContent-Type: multipart/report; report-type=delivery-status; boundary=d\n\n--d\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; <\xff@x.example>\nAction: failed\nStatus: 5.0.0\n\nFinal-Recipient: rfc822;\nAction: failed\n\nFinal-Recipient: x\nAction: FAILED\nStatus: 5\nDiagnostic-Code: \x00\n--d\nContent-Type: message/rfc822\n\nMessage-ID: <orig\xfe@a-z.example>\n--d--\n",
		"From: jerry@vandelay.example\nAuto-Submitted: auto-replied\nSubject: Out of office\n\nI am back on Monday, February 30, 2026 and until 9999-99-99.",
		"From: jerry@vandelay.example\nX-Autoreply: yes\n\nback until dec 31st of 0000",
		"From: jerry@vandelay.example\nIn-Reply-To: <a@b> <a@b> <\xff@x>\nReferences: bare@id <unclosed@x\n\nok",
		"From: =?utf-8?b?SmVycnk=?= <JERRY@Vandelay.Example>, second@x\nDate: not a date\n\nHi Jim,\nplease stop",
		"From: jerry@vandelay.example\nList-Id: <list.example>\n\nstop",
		"From: jerry@vandelay.example\n" + strings.Repeat("X-Long: "+strings.Repeat("a", 998)+"\n", 20) + "\nbody",
		"From: jerry@vandelay.example\nContent-Type: text/plain\n\n" + strings.Repeat("> quoted\n", 100),
	} {
		f.Add([]byte(s))
	}
	kinds := []store.InboundKind{store.InboundReply, store.InboundStop, store.InboundDeclined, store.InboundBounce,
		store.InboundAutoReply, store.InboundIgnored}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := mail.ParseReceived(raw)
		if err != nil {
			if r != nil || err.Error() == "" {
				t.Fatalf("ParseReceived: %v, %v", r, err)
			}
			return
		}
		if !slices.Contains(kinds, r.Kind) {
			t.Fatalf("unknown kind %q", r.Kind)
		}
		if (r.Kind == store.InboundBounce) != (len(r.Bounced) > 0) {
			t.Fatalf("kind %s with bounced recipients %q", r.Kind, r.Bounced)
		}
		if r.Kind != store.InboundAutoReply && !r.ReturnDate.IsZero() {
			t.Fatalf("a %s with a return date %s", r.Kind, r.ReturnDate)
		}
		if r.Kind != store.InboundReply && r.Why == "" {
			t.Fatalf("a %s that does not say why", r.Kind)
		}
		addrs := r.Bounced
		if r.From != "" {
			addrs = append(addrs, r.From)
		}
		for _, a := range addrs {
			if n, err := nudge.NormalizeEmail(a); err != nil || n != a {
				t.Fatalf("address %q is not normalised (%q, %v)", a, n, err)
			}
		}
		ids := append([]string{r.MessageID, r.Original}, r.ThreadIDs()...)
		for _, id := range ids {
			// "<a@b>" reads as a@b; what a malformed header gives ("<0<>")
			// only fails to match.
			if len(id) > 1 && id[0] == '<' && id[len(id)-1] == '>' {
				t.Fatalf("Message-ID %q keeps its brackets", id)
			}
		}
		texts := append([]string{r.MessageID, r.From, r.Subject, r.Text, r.Why, r.BounceStatus, r.Original}, ids...)
		for _, s := range append(texts, r.Bounced...) {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("%q is not valid UTF-8 without NUL: the database would refuse it", s)
			}
		}
		if id, by := mail.Match(r, func(string) int64 { return 0 }, func(string) int64 { return 0 }); id != 0 || by != "" {
			t.Fatalf("matched person %d (%s) with no one to match", id, by)
		}
	})
}

// TestHandleEightBitMail: a reply in Latin-1 without a charset, with a NUL
// in its Message-ID, is logged like any other — on PostgreSQL too, which
// refuses text that is not UTF-8 and stopped the listener at this message
// before FuzzParseReceived found it. The words read as Windows-1252.
func TestHandleEightBitMail(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := setup(t, b, mail.OutboxOptions{})
			p := f.person(t, "jerry@vandelay.example")
			in := mail.NewInbox(f.db, f.svc, f.keys, f.clock, mail.InboxOptions{})
			raw := "From: Jerry <jerry@vandelay.example>\r\nTo: jim@a-z.example\r\nSubject: Gr\xfc\xdfe aus K\xf6ln\r\n" +
				"Message-ID: <eight\x00bit@vandelay.example>\r\n\r\nDonnerstag um 10 passt. Gr\xfc\xdfe\r\n"
			var st mail.InboxStats
			if err := in.Handle(f.ctx, f.mb, []byte(raw), "uid:1:1", f.clock.Now(), &st); err != nil {
				t.Fatalf("Handle: %v", err)
			}
			got := inbound(f.history(t, p.ID))
			if st.Replies != 1 || len(got) != 1 || got[0].Subject != "Grüße aus Köln" || got[0].Note.What != "Donnerstag um 10 passt. Grüße" {
				t.Fatalf("stats %+v, inbound touches %+v", st, got)
			}
			// Read again: recognised by its (cleaned) Message-ID, not logged twice.
			if err := in.Handle(f.ctx, f.mb, []byte(raw), "uid:1:2", f.clock.Now(), &st); err != nil || st.Repeated != 1 {
				t.Fatalf("second Handle: %v, stats %+v", err, st)
			}
		})
	}
}
