package store_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/internal/testdb"
	"github.com/nudgecrm/nudge/seed"
	"github.com/nudgecrm/nudge/store"
	"github.com/nudgecrm/nudge/store/storetest"
)

// backupNow is the fixed "now" of the backup tests.
var backupNow = time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)

// fresh returns a new, empty database of the backend named.
func freshBackend(t *testing.T, name string) testdb.Backend {
	t.Helper()
	if name == "postgres" {
		b, ok := testdb.Postgres(t)
		if !ok {
			t.SkipNow()
		}
		return b
	}
	return testdb.SQLite(t)
}

// fillBook stores a row of every kind: a seeded book (people, companies,
// interactions, commitments, enrollments, tasks), and by the services a team
// and its manager, people with unicode, NULLs and coordinates, a buying group
// whose boss was added after her report, deals, an appointment, a forgotten
// person, a cadence, a template, sessions and tokens, a mailbox, messages,
// a bad address and an inbound message.
func fillBook(t *testing.T, db *store.DB, clock nudge.Clock) {
	t.Helper()
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	g, err := seed.New(seed.Config{People: 30, Interactions: 120, Reps: 2, Seed: 7, Now: clock.Now(), Tasks: true, Due: 5})
	must(err)
	res, err := seed.Load(ctx, db, g, seed.Options{})
	must(err)

	team := &nudge.Team{Name: "East — Ost"}
	must(db.CreateTeam(ctx, team))
	boss := &nudge.User{Email: "boss@us.example", Name: "Bärbel Boss", Role: nudge.UserManager, TeamID: team.ID,
		TimeZone: "Europe/Berlin", Country: "DE", WorkStart: 8 * 60, WorkEnd: 18 * 60}
	must(db.CreateUser(ctx, boss))
	must(db.SetTeamManager(ctx, team.ID, boss.ID)) // teams and users refer to each other
	rep, err := db.FindUserByID(ctx, res.Reps[0])
	must(err)
	rep.TeamID = team.ID
	must(db.UpdateUser(ctx, rep))

	co := &nudge.Company{Name: "Müller & Söhne GmbH", Domain: "mueller.example", Country: "DE", City: "Köln", OwnerID: rep.ID}
	must(db.CreateCompany(ctx, co))
	anna := &nudge.Person{Name: "Anna Müller 李娜 👩‍💼", Email: "anna@mueller.example", Phone: "+49301234567",
		Title: "CFO \"the\" boss\\", OwnerID: rep.ID, CompanyID: co.ID, TimeZone: "Europe/Berlin", Country: "DE",
		Location:         nudge.Location{City: "Köln", Lat: 50.937531, Lon: 6.960279, HasCoords: true},
		PreferredChannel: nudge.ChannelCall, AssistantName: "Zoë", OKToSayNo: true,
		PainGain: "month-end close\ntakes 9 days;\ttab", Interests: "golf, YPO", Status: nudge.StatusProspect, Source: "cli"}
	must(db.CreatePerson(ctx, anna))
	// Anna reports to someone stored after her: a row pointing at a later id.
	chef := &nudge.Person{Name: "Dr. Chef", Email: "chef@mueller.example", OwnerID: rep.ID, CompanyID: co.ID,
		Location: nudge.Location{Lat: -33.8688, Lon: 151.2093, HasCoords: true}, Status: nudge.StatusProspect}
	must(db.CreatePerson(ctx, chef))
	_, err = db.UpdatePerson(ctx, anna.ID, nudge.PersonUpdate{ReportsToID: &chef.ID})
	must(err)
	bare := &nudge.Person{Name: "No Owner", Status: nudge.StatusProspect} // NULL owner, company, coordinates
	must(db.CreatePerson(ctx, bare))
	must(db.SetDoNotContact(ctx, bare.ID, true, "asked to stop"))
	gone := &nudge.Person{Name: "Forget Me", Email: "forget@me.example", Phone: "+12125550100", Status: nudge.StatusProspect}
	must(db.CreatePerson(ctx, gone))
	must(db.ForgetPerson(ctx, gone.ID))

	at := clock.Now().Add(-48 * time.Hour)
	call := &nudge.Interaction{PersonID: anna.ID, UserID: rep.ID, Channel: nudge.ChannelCall, Outcome: nudge.OutcomeConnected,
		At: at, Note: nudge.WIN{What: "pricing — 40 seats", Insights: "budget frees up in Q1", NextSteps: "CFO call"}}
	must(db.CreateInteraction(ctx, call, []*nudge.Commitment{
		{PersonID: anna.ID, Party: nudge.PartyProspect, What: "books a 20-minute call", Due: at.Add(72 * time.Hour)},
		{PersonID: anna.ID, Party: nudge.PartyRep, What: "send case study", Due: at.Add(24 * time.Hour)},
	}))
	closed := clock.Now().Add(-time.Hour)
	must(db.CreateDeal(ctx, &nudge.Deal{PersonID: anna.ID, CompanyID: co.ID, OwnerID: rep.ID, Title: "40 seats",
		ValueCents: math.MaxInt64, Currency: "EUR", Stage: nudge.StageWon, ClosedAt: &closed,
		Prep: nudge.MeetingPrep{Objective: "agree on a pilot", Agenda: []string{"pricing", "next steps"}}}))

	// F2: a baseline of 9 days is a REAL that must come back as 9.0, not 9.
	now := clock.Now()
	must(db.WithPerson(ctx, anna.ID, func(tx *store.Tx, _ *store.Snapshot) error {
		l := &nudge.ValueLine{PersonID: anna.ID, Name: "days to close the month", Unit: "days", Direction: nudge.LowerIsBetter,
			Baseline: 9, BaselineAt: now.AddDate(0, -3, 0), Goal: 4.5, GoalBy: now.AddDate(0, 3, 0)}
		if err := tx.AddValueLine(l); err != nil {
			return err
		}
		if err := tx.AddMeasurement(&nudge.Measurement{LineID: l.ID, Value: 6.1, At: now.AddDate(0, -1, 0), Note: "nach dem Pilot"}); err != nil {
			return err
		}
		return tx.SetValueReview(l.ID, nudge.ValueMissed, &now, true)
	}))

	// E6, by SQL until the store has a method for it.
	must(db.Exec(ctx, `INSERT INTO quiet_reasons (person_id, reason, note, user_id, recorded_at) VALUES ($1, 'too-busy', 'Quartalsende', $2, $3)`,
		chef.ID, rep.ID, now.UnixMilli()))

	svc := followup.New(db, clock, followup.Options{})
	must(svc.AddAppointment(ctx, &nudge.Appointment{PersonID: anna.ID, UserID: rep.ID, At: clock.Now().Add(26 * time.Hour),
		Minutes: 20, Kind: nudge.AppointmentVisit, Agenda: []string{"pricing", "next steps, if any"}, First: true, Place: "Köln"}))
	_, err = svc.RunOnce(ctx)
	must(err)

	// A done task (reply_days) answered by an inbound email (task_answers).
	open, err := db.FindTasks(ctx, store.TaskFilter{PersonID: &anna.ID, States: []nudge.TaskState{nudge.TaskOpen}})
	must(err)
	if len(open) == 0 {
		t.Fatal("anna has no open task")
	}
	_, err = svc.Done(ctx, open[0].ID, followup.Result{Outcome: nudge.OutcomeNoAnswer, At: now})
	must(err)
	must(db.CreateInteraction(ctx, &nudge.Interaction{PersonID: anna.ID, Channel: nudge.ChannelEmail, Direction: nudge.Inbound,
		Outcome: nudge.OutcomeReplied, At: now.Add(time.Hour), Subject: "Re: Termin"}, nil))
	_, err = db.AcquireLease(ctx, "imap:1", "host-a:4242", now, time.Minute)
	must(err)

	must(db.SaveCadence(ctx, "short", []byte(`{"name":"short","steps":[{"id":"call","rule":"B1","channel":"call",
		"delay":{"amount":3,"unit":"business-days","from":"previous"},"reason":"follow up within 3 days"}]}`)))
	must(db.SaveTemplate(ctx, "b1-follow-up", "# rule: B1\nSubject: {{.Person.Name}}\n\nHallo — grüß dich",
		func(string, string) error { return nil }))

	_, _, err = db.CreateSession(ctx, rep.ID, 24*time.Hour)
	must(err)
	_, _, err = db.CreateAPIToken(ctx, boss.ID, "laptop script")
	must(err)
	_, err = db.NewFeedToken(ctx, rep.ID)
	must(err)

	mb := store.Mailbox{UserID: rep.ID, Address: "rep@us.example", SMTPURL: "smtp://rep@smtp.us.example:587?tls=starttls",
		SMTPSecret: "sealed\x01secret", IMAPURL: "imaps://rep@imap.us.example:993", PostalAddress: "1 Main St, Springfield", DailyCap: 150,
		MinGap: time.Minute, Jitter: 30 * time.Second}
	must(db.SaveMailbox(ctx, &mb))
	must(db.SetIMAPPosition(ctx, mb.ID, 4_000_000_000, 17))
	msg := &store.Message{PersonID: anna.ID, MailboxID: mb.ID, MessageID: "m1@us.example", From: mb.Address, To: anna.Email,
		Subject: "Anna, regarding your request about pricing", Body: "Hallo Anna,\r\n\r\n— Jim", Template: "d3-request", Variant: 1}
	must(db.QueueMessage(ctx, msg))
	must(db.CancelMessage(ctx, msg.ID, "rep wrote by hand"))
	must(db.QueueMessage(ctx, &store.Message{PersonID: chef.ID, MailboxID: mb.ID, MessageID: "m2@us.example", From: mb.Address,
		To: chef.Email, Subject: "held", State: store.MessageHeld, Error: "D2: just checking in"}))
	must(db.MarkBadAddress(ctx, "bounced@nowhere.example", "550 no such user"))
	_, err = db.RecordInbound(ctx, &store.Inbound{MailboxID: mb.ID, MessageID: "reply1@mueller.example", Kind: store.InboundReply,
		PersonID: anna.ID, MatchedBy: "in-reply-to", Detail: "Danke!"})
	must(err)
}

// dump reads every row of every table, failing the test on error.
func dumpRows(t *testing.T, db *store.DB, portable bool) map[string]*store.TableDump {
	t.Helper()
	d, err := db.DumpRows(context.Background(), portable)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// sameRows compares two dumps table by table, row by row, cell by cell.
func sameDump(t *testing.T, want, got map[string]*store.TableDump) {
	t.Helper()
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("table %s was not in the original", name)
		}
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("table %s is missing", name)
			continue
		}
		if !reflect.DeepEqual(g.Columns, w.Columns) {
			t.Errorf("table %s: columns %v, want %v", name, g.Columns, w.Columns)
			continue
		}
		if len(g.Rows) != len(w.Rows) {
			t.Errorf("table %s: %d rows, want %d", name, len(g.Rows), len(w.Rows))
			continue
		}
		for i := range w.Rows {
			if !reflect.DeepEqual(w.Rows[i], g.Rows[i]) {
				t.Errorf("table %s row %d:\n got  %#v\n want %#v", name, i, g.Rows[i], w.Rows[i])
			}
		}
	}
}

// everyTable checks the fixture reaches every table the migrations create,
// so a table added later cannot go untested by being empty.
func everyTableFilled(t *testing.T, d map[string]*store.TableDump) {
	t.Helper()
	for _, name := range []string{"api_tokens", "appointments", "bad_addresses", "cadences", "commitments", "companies",
		"deals", "enrollments", "feed_tokens", "inbound_messages", "interactions", "mailboxes", "messages", "people",
		"sessions", "tasks", "teams", "templates", "tombstones", "users"} {
		if _, ok := d[name]; !ok {
			t.Errorf("table %s is not in the dump", name)
		}
	}
	for name, td := range d {
		if len(td.Rows) == 0 {
			t.Errorf("table %s has no rows in the fixture: add some to fillBook", name)
		}
	}
}

func dumpCounts(d map[string]*store.TableDump) map[string]int64 {
	c := map[string]int64{}
	for name, td := range d {
		c[name] = int64(len(td.Rows))
	}
	return c
}

func reportCounts(r *store.BackupReport) map[string]int64 {
	c := map[string]int64{}
	for _, tc := range r.Tables {
		c[tc.Table] = tc.Rows
	}
	return c
}

func takeBackup(t *testing.T, db *store.DB) ([]byte, *store.BackupReport) {
	t.Helper()
	var buf bytes.Buffer
	rep, err := db.Backup(context.Background(), &buf)
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	return buf.Bytes(), rep
}

func restoreInto(t *testing.T, b testdb.Backend, data []byte, opts store.RestoreOptions) *store.BackupReport {
	t.Helper()
	rep, err := store.Restore(context.Background(), b.DSN, nudge.NewFixedClock(backupNow), bytes.NewReader(data), opts)
	if err != nil {
		t.Fatalf("restore into %s: %v", b.Name, err)
	}
	return rep
}

// TestBackupRestoreEveryRow backs up a database holding every kind of row,
// restores it into a new database of the same backend and compares every
// cell of every table; a backup of the copy is the same file.
func TestBackupRestoreEveryRow(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			clock := nudge.NewFixedClock(backupNow)
			src := storetest.Open(t, b, clock)
			fillBook(t, src, clock)
			want := dumpRows(t, src, false)
			everyTableFilled(t, want)

			data, rep := takeBackup(t, src)
			if !reflect.DeepEqual(reportCounts(rep), dumpCounts(want)) {
				t.Errorf("backup counts %v, want %v", reportCounts(rep), dumpCounts(want))
			}
			if rep.Dialect != b.Name || rep.Schema < 7 || !rep.TakenAt.Equal(backupNow) || rep.Format != 1 {
				t.Errorf("backup report %+v", rep)
			}

			dst := freshBackend(t, b.Name)
			got := restoreInto(t, dst, data, store.RestoreOptions{})
			if !reflect.DeepEqual(got.Tables, rep.Tables) || got.Rows != rep.Rows || got.Schema != rep.Schema || got.MigratedTo != rep.Schema {
				t.Errorf("restore report %+v, backup %+v", got, rep)
			}
			copyDB := storetest.Open(t, dst, clock)
			sameDump(t, want, dumpRows(t, copyDB, false))
			again, _ := takeBackup(t, copyDB)
			if !bytes.Equal(again, data) {
				t.Errorf("a backup of the restored database differs from the original backup (%d and %d bytes)", len(again), len(data))
			}

			// New rows continue after the restored ids (PostgreSQL sequences).
			var maxID int64
			people := want["people"]
			for _, row := range people.Rows {
				maxID = max(maxID, row[people.Col("id")].(int64))
			}
			p := &nudge.Person{Name: "After Restore", Status: nudge.StatusProspect}
			if err := copyDB.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
			if p.ID != maxID+1 {
				t.Errorf("new person id %d after restore, want %d", p.ID, maxID+1)
			}
		})
	}
}

// TestBackupAcrossBackends carries one book from SQLite to PostgreSQL and
// back: the team outgrowing a laptop, and the way home.
func TestBackupAcrossBackends(t *testing.T) {
	pg, ok := testdb.Postgres(t)
	if !ok {
		return
	}
	clock := nudge.NewFixedClock(backupNow)
	src := storetest.Open(t, testdb.SQLite(t), clock)
	fillBook(t, src, clock)
	data, rep := takeBackup(t, src)

	restoreInto(t, pg, data, store.RestoreOptions{})
	pgDB := storetest.Open(t, pg, clock)
	sameDump(t, dumpRows(t, src, true), dumpRows(t, pgDB, true))

	data2, rep2 := takeBackup(t, pgDB)
	if rep2.Dialect != "postgres" || !reflect.DeepEqual(rep2.Tables, rep.Tables) {
		t.Errorf("PostgreSQL backup %+v, SQLite's %+v", rep2, rep)
	}
	home := testdb.SQLite(t)
	restoreInto(t, home, data2, store.RestoreOptions{})
	sameDump(t, dumpRows(t, src, false), dumpRows(t, storetest.Open(t, home, clock), false))
}

// hookWriter calls hook before each write that reaches it: the backup
// flushes after every table, so hook runs between the tables it reads.
type hookWriter struct {
	w    io.Writer
	hook func()
}

func (h *hookWriter) Write(p []byte) (int, error) {
	h.hook()
	return h.w.Write(p)
}

// TestBackupIsOneSnapshot writes while the backup runs — an interaction and
// its commitment in one transaction, between every two tables the backup
// reads and from another goroutine throughout — and checks that the backup
// holds whole transactions only: as many pairs of each, every commitment with
// its interaction. (Commitments are read before interactions: a backup that
// read each table at its own moment would hold commitments without
// interactions and fail to restore.)
func TestBackupIsOneSnapshot(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			clock := nudge.NewFixedClock(backupNow)
			db := storetest.Open(t, b, clock)
			p := &nudge.Person{Name: "Busy Prospect", Email: "busy@example.com", Status: nudge.StatusProspect}
			if err := db.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
			var n atomic.Int64
			pair := func() error {
				k := n.Add(1)
				i := &nudge.Interaction{PersonID: p.ID, Channel: nudge.ChannelCall, Outcome: nudge.OutcomeConnected,
					At: backupNow.Add(-time.Duration(k) * time.Minute), Subject: fmt.Sprintf("pair %d", k)}
				return db.CreateInteraction(ctx, i, []*nudge.Commitment{{PersonID: p.ID, Party: nudge.PartyProspect,
					What: fmt.Sprintf("pair %d", k), Due: backupNow.Add(time.Hour)}})
			}
			for range 5 {
				if err := pair(); err != nil {
					t.Fatal(err)
				}
			}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var bgErr error
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					if err := pair(); err != nil {
						bgErr = err
						return
					}
				}
			})
			var hooks int
			var hookErr error
			var buf bytes.Buffer
			rep, err := db.Backup(ctx, &hookWriter{w: &buf, hook: func() {
				hooks++
				if err := pair(); err != nil && hookErr == nil {
					hookErr = err
				}
			}})
			close(stop)
			wg.Wait()
			if err != nil || bgErr != nil || hookErr != nil {
				t.Fatalf("backup: %v; writers: %v, %v", err, bgErr, hookErr)
			}
			if hooks < len(rep.Tables) {
				t.Fatalf("%d writes during the backup of %d tables: the test did not write between tables", hooks, len(rep.Tables))
			}
			dst := freshBackend(t, b.Name)
			restoreInto(t, dst, buf.Bytes(), store.RestoreOptions{})
			d := dumpRows(t, storetest.Open(t, dst, clock), false)
			ints, coms := d["interactions"], d["commitments"]
			if len(ints.Rows) != len(coms.Rows) {
				t.Fatalf("the backup holds %d interactions and %d commitments: half transactions", len(ints.Rows), len(coms.Rows))
			}
			subjects := map[any]bool{}
			for _, r := range ints.Rows {
				subjects[r[ints.Col("subject")]] = true
			}
			for _, r := range coms.Rows {
				if !subjects[r[coms.Col("what")]] {
					t.Errorf("commitment %v is in the backup without its interaction", r[coms.Col("what")])
				}
			}
			if total := n.Load(); int64(len(ints.Rows)) >= total || len(ints.Rows) < 5 {
				t.Errorf("the backup holds %d of %d pairs; want the 5 before it and not those written during it", len(ints.Rows), total)
			}
		})
	}
}

// TestRestoreRefuses: a database with rows is refused without --force and
// replaced whole with it; a backup newer than the program is refused, and so
// is a database whose schema is past the backup's.
func TestRestoreRefuses(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			clock := nudge.NewFixedClock(backupNow)
			src := storetest.Open(t, b, clock)
			fillBook(t, src, clock)
			data, _ := takeBackup(t, src)

			dst := freshBackend(t, b.Name)
			other := storetest.Open(t, dst, clock)
			if err := other.CreatePerson(ctx, &nudge.Person{Name: "Already Here", Email: "here@example.com", Status: nudge.StatusLead}); err != nil {
				t.Fatal(err)
			}
			before := dumpRows(t, other, false)
			_, err := store.Restore(ctx, dst.DSN, clock, bytes.NewReader(data), store.RestoreOptions{})
			if nudge.ErrorCode(err) != nudge.ECONFLICT || !strings.Contains(err.Error(), "--force") {
				t.Fatalf("restore over rows: %v, want ECONFLICT naming --force", err)
			}
			sameDump(t, before, dumpRows(t, other, false))

			restoreInto(t, dst, data, store.RestoreOptions{Force: true})
			sameDump(t, dumpRows(t, src, false), dumpRows(t, other, false))

			newer := editBackup(t, data, func(f *backupFile) { f.header["schema"] = 9999 })
			_, err = store.Restore(ctx, freshBackend(t, b.Name).DSN, clock, bytes.NewReader(newer), store.RestoreOptions{})
			if nudge.ErrorCode(err) != nudge.EINVALID || !strings.Contains(err.Error(), "schema version 9999, newer than this program") {
				t.Errorf("restore of a newer backup: %v", err)
			}
			format := editBackup(t, data, func(f *backupFile) { f.header["nudge_backup"] = 2 })
			_, err = store.Restore(ctx, freshBackend(t, b.Name).DSN, clock, bytes.NewReader(format), store.RestoreOptions{})
			if nudge.ErrorCode(err) != nudge.EINVALID || !strings.Contains(err.Error(), "format 2") {
				t.Errorf("restore of a newer format: %v", err)
			}
		})
	}
}

// TestRestoreOlderBackup restores a backup taken at schema version 6, before
// users had a country (0007): the rows load into the schema of version 6 and
// the later migrations run over them, as they would have over the original.
// A database already at the newest version is refused: the schema cannot go
// back.
func TestRestoreOlderBackup(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			clock := nudge.NewFixedClock(backupNow)
			old, err := store.OpenAtVersion(ctx, b.DSN, clock, 6)
			if err != nil {
				t.Fatal(err)
			}
			defer old.Close()
			for _, q := range []string{
				`INSERT INTO users (email, name, role, created_at) VALUES ('rep@us.example', 'Sam Rep', 'rep', 0)`,
				`INSERT INTO people (owner_id, name, email, status, created_at, updated_at)
					SELECT id, 'Anna', 'anna@example.com', 'prospect', 0, 0 FROM users`,
				`INSERT INTO interactions (person_id, user_id, channel, direction, outcome, at, created_at)
					SELECT id, owner_id, 'call', 'outbound', 'no-answer', 1000, 1000 FROM people`,
			} {
				if err := old.Exec(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			data, rep := takeBackup(t, old)
			if rep.Schema != 6 {
				t.Fatalf("backup at schema %d, want 6", rep.Schema)
			}
			dst := freshBackend(t, b.Name)
			got := restoreInto(t, dst, data, store.RestoreOptions{})
			if got.Schema != 6 || got.MigratedTo < 7 {
				t.Errorf("restore report: schema %d, migrated to %d", got.Schema, got.MigratedTo)
			}
			db := storetest.Open(t, dst, clock)
			u, err := db.FindUserByEmail(ctx, "rep@us.example")
			if err != nil || u.Name != "Sam Rep" || u.Country != "" {
				t.Fatalf("restored user %+v, %v", u, err)
			}
			anna, err := db.FindPersonByEmail(ctx, "anna@example.com")
			if err != nil || anna.OwnerID != u.ID {
				t.Fatalf("restored person %+v, %v", anna, err)
			}
			if is, _, err := db.FindInteractions(ctx, nudge.InteractionFilter{PersonID: &anna.ID}); err != nil || len(is) != 1 {
				t.Fatalf("restored interactions %v, %v", is, err)
			}
			// Into a database at the newest schema: refused, nothing changed.
			_, err = store.Restore(ctx, dst.DSN, clock, bytes.NewReader(data), store.RestoreOptions{Force: true})
			if nudge.ErrorCode(err) != nudge.ECONFLICT || !strings.Contains(err.Error(), "past the backup's 6") {
				t.Errorf("restore of an older backup over a newer schema: %v", err)
			}
		})
	}
}

// tableNames lists the tables of a database without migrating it.
func backendTables(t *testing.T, b testdb.Backend) []string {
	t.Helper()
	db, err := store.OpenAtVersion(context.Background(), b.DSN, nudge.NewFixedClock(backupNow), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var names []string
	for name := range dumpRows(t, db, false) {
		names = append(names, name)
	}
	return names
}

// backupFile is a backup taken apart, for tests that damage one.
type backupFile struct {
	header  map[string]any
	tables  []*backupSection
	trailer map[string]any
}

type backupSection struct {
	name    string
	columns []string
	head    string   // the table line
	rows    []string // the row lines
}

func (s *backupSection) col(t *testing.T, name string) int {
	t.Helper()
	for i, c := range s.columns {
		if c == name {
			return i
		}
	}
	t.Fatalf("table %s has no column %s", s.name, name)
	return -1
}

// setCell replaces one value of a row line with raw JSON.
func (s *backupSection) setCell(t *testing.T, row int, col, raw string) {
	t.Helper()
	var cells []json.RawMessage
	if err := json.Unmarshal([]byte(s.rows[row]), &cells); err != nil {
		t.Fatal(err)
	}
	cells[s.col(t, col)] = json.RawMessage(raw)
	b, err := json.Marshal(cells)
	if err != nil {
		t.Fatal(err)
	}
	s.rows[row] = string(b)
}

func (f *backupFile) table(t *testing.T, name string) *backupSection {
	t.Helper()
	for _, s := range f.tables {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("no table %s in the backup", name)
	return nil
}

func gunzipLines(t *testing.T, data []byte) []string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(plain), "\n"), "\n")
}

func gzipLines(t *testing.T, lines []string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, l := range lines {
		zw.Write([]byte(l + "\n"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func parseBackupFile(t *testing.T, data []byte) *backupFile {
	t.Helper()
	lines := gunzipLines(t, data)
	f := &backupFile{}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(json.Unmarshal([]byte(lines[0]), &f.header))
	var cur *backupSection
	for _, l := range lines[1:] {
		switch {
		case strings.HasPrefix(l, `{"table"`):
			var h struct {
				Table   string   `json:"table"`
				Columns []string `json:"columns"`
			}
			must(json.Unmarshal([]byte(l), &h))
			cur = &backupSection{name: h.Table, columns: h.Columns, head: l}
			f.tables = append(f.tables, cur)
		case strings.HasPrefix(l, "["):
			cur.rows = append(cur.rows, l)
		case strings.HasPrefix(l, `{"end_of_backup"`):
			must(json.Unmarshal([]byte(l), &f.trailer))
		}
	}
	return f
}

// lines puts the file back together, with counts that match its rows.
func (f *backupFile) lines(t *testing.T) []string {
	t.Helper()
	h, err := json.Marshal(f.header)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{string(h)}
	total := 0
	for _, s := range f.tables {
		out = append(out, s.head)
		out = append(out, s.rows...)
		out = append(out, fmt.Sprintf(`{"end":%q,"rows":%d}`, s.name, len(s.rows)))
		total += len(s.rows)
	}
	return append(out, fmt.Sprintf(`{"end_of_backup":true,"tables":%d,"rows":%d}`, len(f.tables), total))
}

// lineOf is the line number of a table's i-th row in the file f.lines makes.
func (f *backupFile) lineOf(name string, i int) int {
	n := 1
	for _, s := range f.tables {
		n++ // the table line
		if s.name == name {
			return n + 1 + i
		}
		n += len(s.rows) + 1
	}
	return -1
}

// edit returns the backup with f applied, counts kept consistent.
func editBackup(t *testing.T, data []byte, change func(f *backupFile)) []byte {
	t.Helper()
	f := parseBackupFile(t, data)
	change(f)
	return gzipLines(t, f.lines(t))
}

// editLines returns the backup with its plain lines changed as they are.
func editBackupLines(t *testing.T, data []byte, change func([]string) []string) []byte {
	t.Helper()
	return gzipLines(t, change(gunzipLines(t, data)))
}

// TestRestoreBadFiles: a cut, damaged or inconsistent file is an error that
// says where, and the database is left as it was — a new one empty, a full
// one (--force) untouched.
func TestRestoreBadFiles(t *testing.T) {
	clock := nudge.NewFixedClock(backupNow)
	src := storetest.Open(t, testdb.SQLite(t), clock)
	fillBook(t, src, clock)
	data, _ := takeBackup(t, src)
	f := parseBackupFile(t, data)
	personLine := f.lineOf("people", 2)

	// Cases marked pg also run on PostgreSQL: a file cut after rows went
	// in, and errors the database finds; the others fail in the reading of
	// the file, the same code on both backends (and every restore into
	// PostgreSQL costs its migrations, a second on a busy machine).
	cases := []struct {
		name string
		data []byte
		want string
		pg   bool
	}{
		{"not gzip", []byte("id,name\n1,Anna\n"), "not a nudge backup (not a gzip file", false},
		{"gzip of something else", gzipLines(t, []string{"id,name", "1,Anna"}), "backup line 1: not a nudge backup", false},
		{"cut in half", data[:len(data)/2], "the file is cut short", true},
		{"cut before the last line", editBackupLines(t, data, func(l []string) []string { return l[:len(l)-1] }), "the file is cut short", false},
		{"damaged", func() []byte {
			d := bytes.Clone(data)
			for i := len(d) / 3; i < len(d)/3+8; i++ {
				d[i] ^= 0x5a
			}
			return d
		}(), "backup", false},
		{"something after the end", editBackupLines(t, data, func(l []string) []string { return append(l, "[1]") }), "goes on after its last line", false},
		{"a row goes missing", editBackupLines(t, data, func(l []string) []string {
			return append(l[:personLine-1:personLine-1], l[personLine:]...)
		}), "table people should have", false},
		{"a row with a value too many", editBackup(t, data, func(f *backupFile) {
			s := f.table(t, "people")
			s.rows[2] = strings.TrimSuffix(s.rows[2], "]") + ",1]"
		}), fmt.Sprintf("backup line %d: table people: a row of", personLine), false},
		{"text in an integer column", editBackup(t, data, func(f *backupFile) { f.table(t, "people").setCell(t, 2, "owner_id", `"Sam"`) }),
			fmt.Sprintf("backup line %d: table people: column owner_id: cannot store string value \"Sam\" as integer", personLine), false},
		{"a table the schema lacks", editBackup(t, data, func(f *backupFile) {
			s := f.table(t, "tombstones")
			s.name, s.head = "graves", strings.Replace(s.head, `"tombstones"`, `"graves"`, 1)
		}), "table graves is not in the schema", false},
		{"a table left out", editBackup(t, data, func(f *backupFile) {
			f.tables = slices.DeleteFunc(f.tables, func(s *backupSection) bool { return s.name == "tombstones" })
		}), "the backup has no table tombstones", false},
		{"a column the schema lacks", editBackup(t, data, func(f *backupFile) {
			s := f.table(t, "people")
			s.head = strings.Replace(s.head, `"pain_gain"`, `"pain"`, 1)
		}), `table people: column "pain" is not in the schema`, false},
		{"a broken foreign key", editBackup(t, data, func(f *backupFile) { f.table(t, "people").setCell(t, 2, "owner_id", "999999") }),
			"breaks a foreign key", true},
		{"a duplicate key", editBackup(t, data, func(f *backupFile) {
			s := f.table(t, "bad_addresses")
			s.rows = append(s.rows, s.rows[0])
		}), "restore table bad_addresses, rows up to backup line", true},
	}
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			// A database with rows, restored over with --force by every bad
			// file: it must come out of each as it went in.
			full := freshBackend(t, b.Name)
			fullDB := storetest.Open(t, full, clock)
			if err := fullDB.CreatePerson(ctx, &nudge.Person{Name: "Keep Me", Email: "keep@example.com", Status: nudge.StatusLead}); err != nil {
				t.Fatal(err)
			}
			kept := dumpRows(t, fullDB, false)
			empty := freshBackend(t, b.Name)
			for _, tc := range cases {
				if b.Name == "postgres" && !tc.pg {
					continue
				}
				_, err := store.Restore(ctx, empty.DSN, clock, bytes.NewReader(tc.data), store.RestoreOptions{})
				if nudge.ErrorCode(err) != nudge.EINVALID {
					t.Errorf("%s: %v is not an EINVALID nudge error", tc.name, err)
				}
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: restore error %v, want %q", tc.name, err, tc.want)
				}
				if names := backendTables(t, empty); len(names) > 0 {
					t.Errorf("%s: a failed restore into an empty database left tables %v", tc.name, names)
				}
				_, err = store.Restore(ctx, full.DSN, clock, bytes.NewReader(tc.data), store.RestoreOptions{Force: true})
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s (--force): restore error %v, want %q", tc.name, err, tc.want)
				}
				sameDump(t, kept, dumpRows(t, fullDB, false))
			}
			// The good file still restores: the cases above are about their damage.
			restoreInto(t, freshBackend(t, b.Name), data, store.RestoreOptions{})
		})
	}
}

// TestRestoreSuspendsTriggers: the summary tables are kept by triggers
// (0008), and the backup holds them as they were, so no trigger may fire
// while rows go in. A trigger that is not idempotent (it writes a lease per
// new person; the backup holds those leases already) shows it: restoring
// with --force over a database that has it succeeds, and the trigger works
// again afterwards.
func TestRestoreSuspendsTriggers(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			clock := nudge.NewFixedClock(backupNow)
			trigger := []string{`CREATE TRIGGER person_lease AFTER INSERT ON people BEGIN
				INSERT INTO leases (name, holder, expires_at) VALUES (NEW.name || ' #' || NEW.id, 'trigger', 0); END`}
			if b.Name == "postgres" {
				trigger = []string{`CREATE FUNCTION person_lease() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
					INSERT INTO leases (name, holder, expires_at) VALUES (NEW.name || ' #' || NEW.id, 'trigger', 0); RETURN NEW; END $$`,
					`CREATE TRIGGER person_lease AFTER INSERT ON people FOR EACH ROW EXECUTE FUNCTION person_lease()`}
			}
			withTrigger := func(b testdb.Backend) *store.DB {
				db := storetest.Open(t, b, clock)
				for _, q := range trigger {
					if err := db.Exec(ctx, q); err != nil {
						t.Fatal(err)
					}
				}
				return db
			}
			src := withTrigger(b)
			fillBook(t, src, clock)
			want := dumpRows(t, src, false)
			if n := len(want["leases"].Rows); n < 30 {
				t.Fatalf("%d leases: the trigger did not run", n)
			}
			data, _ := takeBackup(t, src)

			dst := freshBackend(t, b.Name)
			db := withTrigger(dst)
			if err := db.CreatePerson(ctx, &nudge.Person{Name: "Replaced", Status: nudge.StatusLead}); err != nil {
				t.Fatal(err)
			}
			restoreInto(t, dst, data, store.RestoreOptions{Force: true})
			sameDump(t, want, dumpRows(t, db, false))
			p := &nudge.Person{Name: "After", Status: nudge.StatusLead}
			if err := db.CreatePerson(ctx, p); err != nil {
				t.Fatal(err)
			}
			if got := dumpRows(t, db, false)["leases"].Rows; len(got) != len(want["leases"].Rows)+1 {
				t.Errorf("%d leases after a new person, want %d: the trigger was not resumed", len(got), len(want["leases"].Rows)+1)
			}
		})
	}
}
