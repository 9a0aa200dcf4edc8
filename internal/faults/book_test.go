package faults

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store"
)

// faultNow is NUDGE_NOW for every process of these tests: Monday 30 November
// 2026, 10:00 in New York, inside the prospects' business hours, so the
// emails due now may go now.
var faultNow = time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)

// secretKey seals the mailbox passwords; every process gets it as
// NUDGE_SECRET_KEY.
var secretKey = []byte("faults-test-secret-32-bytes-long")

// book is a database with reps and prospects, seen from the test process,
// and the environment the nudge processes run in.
type book struct {
	t     testing.TB
	ctx   context.Context
	be    testdb.Backend
	db    *store.DB
	raw   *sql.DB // plain SQL for the checks
	clock *nudge.FixedClock
	home  string
	reps  []*nudge.User
}

func newBook(t testing.TB, be testdb.Backend) *book {
	t.Helper()
	k := &book{t: t, ctx: context.Background(), be: be, clock: nudge.NewFixedClock(faultNow), home: t.TempDir()}
	db, err := store.Open(k.ctx, be.DSN, k.clock)
	if err != nil {
		t.Fatal(err)
	}
	k.db = db
	driver := "pgx"
	if be.Name == "sqlite" {
		driver = "sqlite"
	}
	if k.raw, err = sql.Open(driver, be.DSN); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		k.raw.Close()
		db.Close()
	})
	return k
}

// env is the environment of a nudge process on this book.
func (k *book) env(extra ...string) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + k.home,
		"XDG_CONFIG_HOME=" + k.home,
		"XDG_DATA_HOME=" + k.home,
		"NUDGE_NOW=" + faultNow.Format(time.RFC3339),
		"NUDGE_SECRET_KEY=" + hex.EncodeToString(secretKey),
		"NUDGE_PUBLIC_URL=https://nudge.faults.test",
		"NUDGE_COMPANY=A-Z Company",
	}
	if k.be.Name == "sqlite" {
		env = append(env, "NUDGE_DB="+k.be.DSN)
	} else {
		env = append(env, "NUDGE_DATABASE_URL="+k.be.DSN)
	}
	return append(env, extra...)
}

// addReps creates n reps in New York; with a sink, each gets a mailbox on it
// with no daily cap and no gap, so the senders go as fast as they can.
func (k *book) addReps(n int, s *sink) {
	t := k.t
	t.Helper()
	keys, err := mail.NewKeys(secretKey)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		u := &nudge.User{Email: fmt.Sprintf("rep%d@a-z.example", i+1), Name: fmt.Sprintf("Sam Rep%d", i+1),
			Role: nudge.UserRep, TimeZone: "America/New_York", Country: "US"}
		if err := k.db.CreateUser(k.ctx, u); err != nil {
			t.Fatal(err)
		}
		k.reps = append(k.reps, u)
		if s == nil {
			continue
		}
		smtpURL, sealed, err := mail.SealServer(keys, s.url(), u.Email)
		if err != nil {
			t.Fatal(err)
		}
		mb := store.Mailbox{UserID: u.ID, Address: u.Email, SMTPURL: smtpURL, SMTPSecret: sealed,
			PostalAddress: "A-Z Company, 1 Main Street, Springfield, IL 62701, USA"}
		if err := k.db.SaveMailbox(k.ctx, &mb); err != nil {
			t.Fatal(err)
		}
	}
}

// loadDue bulk-loads n prospects whose next step falls due at faultNow: each
// is enrolled in 3-2-4 (B1) three days and an hour ago and waits for the
// scheduler (check_at 0), which plans their "day-3" step — an email, the
// channel of prospects with no preference — due now. Prospect i is
// p<i>@faults.example, owned by rep i mod len(reps).
func (k *book) loadDue(n int) {
	t := k.t
	t.Helper()
	anchor := faultNow.Add(-3*24*time.Hour - time.Hour)
	asap := time.Time{}
	people := func(yield func(*store.BulkPerson) bool) {
		for i := range n {
			bp := &store.BulkPerson{
				Person: nudge.Person{OwnerID: k.reps[i%len(k.reps)].ID, Name: fmt.Sprintf("Pat Prospect%05d", i),
					Email: fmt.Sprintf("p%05d@faults.example", i), TimeZone: "America/New_York", Country: "US",
					Status: nudge.StatusProspect, PainGain: "month-end close takes 9 days", Source: "faults"},
				Enrollments: []nudge.Enrollment{{Cadence: "3-2-4", State: nudge.EnrollmentActive, StepID: "day-3",
					StartedAt: anchor, AnchorAt: anchor, Rule: "B1"}},
				CheckAt: &asap,
			}
			if !yield(bp) {
				return
			}
		}
	}
	if _, err := k.db.BulkLoad(k.ctx, people, store.BulkOptions{}); err != nil {
		t.Fatal(err)
	}
}

// count runs a query returning one integer.
func (k *book) count(query string, args ...any) int {
	k.t.Helper()
	var n int
	if err := k.raw.QueryRowContext(k.ctx, query, args...).Scan(&n); err != nil {
		k.t.Fatalf("%s: %v", strings.Join(strings.Fields(query), " "), err)
	}
	return n
}

// fmtStates prints message counts by state in a stable order.
func fmtStates(st map[string]int) string {
	var parts []string
	for _, s := range []string{"held", "queued", "claimed", "sending", "sent", "failed", "uncertain", "cancelled"} {
		if st[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s, st[s]))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// states counts the messages by state.
func (k *book) states() map[string]int {
	k.t.Helper()
	rows, err := k.raw.QueryContext(k.ctx, `SELECT state, COUNT(*) FROM messages GROUP BY state`)
	if err != nil {
		k.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			k.t.Fatal(err)
		}
		out[s] = n
	}
	return out
}
