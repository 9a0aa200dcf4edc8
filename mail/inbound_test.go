package mail_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "inbound", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestParseReceived classifies the fixtures of issue 4 §4: replies however
// they thread, stops and noes (G1) kept conservative, RFC 3464 bounces and
// RFC 3834 auto-replies with their return date.
func TestParseReceived(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		file       string
		kind       store.InboundKind
		from       string
		text       string // the own words, when checked
		inReplyTo  []string
		references []string
		bounced    []string
		original   string
		back       time.Time
	}{
		{file: "reply-in-reply-to.eml", kind: store.InboundReply, from: "jerry@vandelay.example",
			text: "Thanks Jim, Thursday at 10 works. Send me the price list before then.\n\nJerry", inReplyTo: []string{"sent-1@a-z.example"}},
		{file: "reply-references-only.eml", kind: store.InboundReply, text: "Can we move it to Friday? I’m out Thursday.",
			references: []string{"older@a-z.example", "sent-1@a-z.example"}},
		{file: "reply-gmail-sender-only.eml", kind: store.InboundReply, from: "jerry@vandelay.example", text: "Sounds good, call me tomorrow."},
		{file: "stop-please.eml", kind: store.InboundStop},
		{file: "unsubscribe.eml", kind: store.InboundStop},
		{file: "not-interested.eml", kind: store.InboundDeclined},
		{file: "false-stop.eml", kind: store.InboundReply},
		{file: "stop-by.eml", kind: store.InboundReply},
		{file: "bounce-rfc3464.eml", kind: store.InboundBounce, bounced: []string{"jerry@vandelay.example"}, original: "sent-1@a-z.example"},
		{file: "delayed-dsn.eml", kind: store.InboundIgnored},
		{file: "out-of-office-exchange.eml", kind: store.InboundAutoReply, back: day(2026, 12, 7)},
		{file: "autoreply-x-autoreply.eml", kind: store.InboundAutoReply},
		{file: "autoreply-precedence.eml", kind: store.InboundAutoReply, back: day(2026, 12, 5)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			r, err := mail.ParseReceived(readFixture(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if r.Kind != tt.kind {
				t.Fatalf("kind %q (%s), want %q; text %q", r.Kind, r.Why, tt.kind, r.Text)
			}
			if tt.from != "" && r.From != tt.from {
				t.Errorf("from %q, want %q", r.From, tt.from)
			}
			if tt.text != "" && r.Text != tt.text {
				t.Errorf("text %q, want %q", r.Text, tt.text)
			}
			if tt.inReplyTo != nil && !slices.Equal(r.InReplyTo, tt.inReplyTo) {
				t.Errorf("In-Reply-To %q, want %q", r.InReplyTo, tt.inReplyTo)
			}
			if tt.references != nil && !slices.Equal(r.References, tt.references) {
				t.Errorf("References %q, want %q", r.References, tt.references)
			}
			if !slices.Equal(r.Bounced, tt.bounced) || r.Original != tt.original {
				t.Errorf("bounced %q original %q, want %q %q", r.Bounced, r.Original, tt.bounced, tt.original)
			}
			if !r.ReturnDate.Equal(tt.back) {
				t.Errorf("return date %v, want %v", r.ReturnDate, tt.back)
			}
		})
	}
}

// TestStopOrDecline: only a short reply whose first line asks to stop is a
// stop (G1); the same words deeper in a conversation are the rep's to read.
func TestStopOrDecline(t *testing.T) {
	tests := []struct {
		text string
		want store.InboundKind
	}{
		{"Stop", store.InboundStop},
		{"stop.", store.InboundStop},
		{"Please remove me from your list.", store.InboundStop},
		{"Hi Jim,\n\nplease unsubscribe me\n\nJ.", store.InboundStop},
		{"Take me off this list", store.InboundStop},
		{"Stop sending me these emails!", store.InboundStop},
		{"No thanks.", store.InboundDeclined},
		{"We’re not interested at this time.", store.InboundDeclined},
		{"Don't stop sending me these", ""},
		{"Stop by on Tuesday?", ""},
		{"Unsubscribe link is broken, but keep them coming", ""},
		{"Thanks! Let's talk Thursday. By the way, please stop by the booth.", ""},
		{"Sounds great.\nStop", ""}, // not the first line
		{"I have a long story. " + string(make([]byte, 400)) + "\nstop", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got, why := mail.StopOrDecline(tt.text); got != tt.want {
			t.Errorf("StopOrDecline(%q) = %q (%s), want %q", tt.text, got, why, tt.want)
		}
	}
}

// TestReturnDate reads when an out-of-office sender is back.
func TestReturnDate(t *testing.T) {
	sent := time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		text string
		want time.Time
	}{
		{"I will be back on Monday, December 7 and will reply then.", day(2026, 12, 7)},
		{"I am out of the office until 4 December.", day(2026, 12, 5)},
		{"Returning on Jan 4th.", day(2027, 1, 4)},          // the next January
		{"back on Friday, December 7", day(2029, 12, 7)},    // the next year 7 December is a Friday
		{"I'm away through 2026-12-11.", day(2026, 12, 12)}, // ISO
		{"Back Nov 27.", day(2026, 11, 27)},                 // a few days ago: this year's
		{"I'm travelling and checking email rarely.", time.Time{}},
		{"back on February 30", time.Time{}},
	}
	for _, tt := range tests {
		if got := mail.ReturnDate(tt.text, sent); !got.Equal(tt.want) {
			t.Errorf("ReturnDate(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

// TestMatch: the thread first (In-Reply-To, then References newest first),
// then the sender; a bounce by the message it returns, then its recipient.
func TestMatch(t *testing.T) {
	ours := map[string]int64{"sent-1@a-z.example": 7, "older@a-z.example": 9}
	people := map[string]int64{"jerry@vandelay.example": 7, "elaine@pendant.example": 8}
	byID := func(id string) int64 { return ours[id] }
	byEmail := func(a string) int64 { return people[a] }
	tests := []struct {
		file   string
		from   string // override the sender
		person int64
		by     string
	}{
		{file: "reply-in-reply-to.eml", person: 7, by: "in-reply-to"},
		{file: "reply-in-reply-to.eml", from: "elaine@pendant.example", person: 7, by: "in-reply-to"}, // a colleague answered the thread
		{file: "reply-references-only.eml", person: 7, by: "references"},
		{file: "reply-gmail-sender-only.eml", person: 7, by: "sender"},
		{file: "reply-gmail-sender-only.eml", from: "newman@usps.example", person: 0},
		{file: "bounce-rfc3464.eml", person: 7, by: "original-message-id"},
	}
	for _, tt := range tests {
		r, err := mail.ParseReceived(readFixture(t, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		if tt.from != "" {
			r.From = tt.from
		}
		if p, by := mail.Match(r, byID, byEmail); p != tt.person || by != tt.by {
			t.Errorf("%s from %q: matched %d by %q, want %d by %q", tt.file, r.From, p, by, tt.person, tt.by)
		}
	}
	r, _ := mail.ParseReceived(readFixture(t, "bounce-rfc3464.eml"))
	r.Original = ""
	if p, by := mail.Match(r, byID, byEmail); p != 7 || by != "recipient" {
		t.Errorf("bounce without its original: matched %d by %q, want 7 by recipient", p, by)
	}
}
