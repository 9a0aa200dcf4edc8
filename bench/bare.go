package main

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/seed"
	"github.com/nudgecrm/nudge/store"
)

// The ceilings: the same work done bare, on the database the store uses, by
// the same driver through database/sql, without the store: no indexes to
// keep, no constraints to check, no merge rule, no engine, no HTTP. Each
// is what the hardware and the database engine allow for that shape of
// work, so nudge's figure divided by it says what nudge's own work costs.

// bareDB is a plain connection pool on the store's database.
type bareDB struct {
	*sql.DB
	postgres bool
}

// openBare opens dsn (what store.Open takes) without the store. A SQLite
// file gets the store's pragmas (WAL, synchronous NORMAL, the 64 MiB page
// cache of its writer, BEGIN IMMEDIATE; see store/dialect.go), or
// read-only ones for readers, so that the comparison is of the work alone.
func openBare(dsn string, readOnly bool) (*bareDB, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db, err := sql.Open("pgx", dsn)
		return &bareDB{DB: db, postgres: true}, err
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "synchronous(NORMAL)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "cache_size(-65536)")
		q.Set("_txlock", "immediate")
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: dsn}).EscapedPath()+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	if !readOnly {
		db.SetMaxOpenConns(1)
	}
	return &bareDB{DB: db}, nil
}

// copyOf creates an empty table bare with the columns of table and nothing
// else: no primary key, index, default or constraint.
func (b *bareDB) copyOf(ctx context.Context, bare, table string) error {
	if _, err := b.ExecContext(ctx, `DROP TABLE IF EXISTS `+bare); err != nil {
		return err
	}
	_, err := b.ExecContext(ctx, `CREATE TABLE `+bare+` AS SELECT * FROM `+table+` WHERE 1 = 0`)
	return err
}

func (b *bareDB) drop(ctx context.Context, tables ...string) error {
	for _, t := range tables {
		if _, err := b.ExecContext(ctx, `DROP TABLE IF EXISTS `+t); err != nil {
			return err
		}
	}
	return nil
}

// bareTx is one transaction of bulk inserts on a connection of its own.
type bareTx struct {
	ctx   context.Context
	b     *bareDB
	conn  *sql.Conn
	tx    *sql.Tx
	stmts map[string]*sql.Stmt // prepared multi-row INSERTs (SQLite)
	vals  []any
}

func (b *bareDB) begin(ctx context.Context) (*bareTx, error) {
	conn, err := b.Conn(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &bareTx{ctx: ctx, b: b, conn: conn, tx: tx, stmts: map[string]*sql.Stmt{}}, nil
}

// end commits when err is nil, else rolls back.
func (t *bareTx) end(err error) error {
	for _, s := range t.stmts {
		s.Close()
	}
	if err == nil {
		err = t.tx.Commit()
	} else {
		t.tx.Rollback()
	}
	if cerr := t.conn.Close(); err == nil {
		err = cerr
	}
	return err
}

// insert writes n rows of cols into table the fastest plain way: COPY on
// PostgreSQL, prepared INSERTs of up to 500 rows with anonymous parameters
// on SQLite (what the store's bulk load does too).
func (t *bareTx) insert(table string, cols []string, n int, row func(i int, v []any)) error {
	if n == 0 {
		return nil
	}
	if t.b.postgres {
		return t.conn.Raw(func(dc any) error {
			i := 0
			_, err := dc.(*stdlib.Conn).Conn().CopyFrom(t.ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
				if i == n {
					return nil, nil
				}
				v := make([]any, len(cols))
				row(i, v)
				i++
				return v, nil
			}))
			return err
		})
	}
	per := min(500, 32_766/len(cols))
	for start := 0; start < n; start += per {
		k := min(per, n-start)
		key := fmt.Sprintf("%s/%d", table, k)
		stmt := t.stmts[key]
		if stmt == nil {
			row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
			var err error
			stmt, err = t.tx.PrepareContext(t.ctx, "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+") VALUES "+
				strings.TrimSuffix(strings.Repeat(row+", ", k), ", "))
			if err != nil {
				return err
			}
			t.stmts[key] = stmt
		}
		nc := len(cols)
		if cap(t.vals) < k*nc {
			t.vals = make([]any, k*nc)
		}
		v := t.vals[:k*nc]
		for i := range k {
			row(start+i, v[i*nc:(i+1)*nc])
		}
		if _, err := stmt.ExecContext(t.ctx, v...); err != nil {
			return fmt.Errorf("insert %s: %w", table, err)
		}
	}
	return nil
}

// The columns the store writes in a bulk load (store/bulk.go), with the
// same values; interactions and tasks get their ids from the database there,
// and have none here.
var (
	companyCols = []string{"id", "name", "domain", "country", "city", "owner_id", "created_at", "updated_at"}
	personCols  = []string{"id", "owner_id", "company_id", "name", "email", "phone", "title",
		"time_zone", "country", "city", "lat", "lon", "has_coords", "preferred_channel", "assistant_name",
		"ok_to_say_no", "pain_gain", "interests", "buying_role", "reports_to_id", "status", "do_not_contact",
		"do_not_contact_reason", "do_not_contact_at", "source", "created_at", "updated_at", "check_at", "next_touch_at"}
	interactionCols = []string{"person_id", "user_id", "channel", "direction", "outcome",
		"at", "subject", "what", "insights", "next_steps", "created_at"}
	enrollmentCols = []string{"id", "person_id", "user_id", "cadence", "state", "step_id",
		"started_at", "anchor_at", "last_touch_at", "snoozed_until", "exit_reason", "next", "attempts",
		"since_progress", "appointment_id", "rule", "created_at", "updated_at"}
	taskCols = []string{"person_id", "enrollment_id", "cadence", "step_id", "assignee_id",
		"channel", "due", "rule", "reason", "guard", "script", "template", "voicemail", "same_day", "exact",
		"attempt", "state", "outcome", "done_at", "note", "created_at"}
)

var epoch = time.UnixMilli(0).UTC()

// ref is a reference as stored: NULL for none.
func ref(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// msOf is an optional instant as stored: Unix milliseconds or NULL.
func msOf(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func companyValues(c *nudge.Company, id int64, v []any) {
	v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = id, c.Name, c.Domain, c.Country, c.City, ref(c.OwnerID),
		c.CreatedAt.UnixMilli(), c.UpdatedAt.UnixMilli()
}

func personValues(p *nudge.Person, id int64, checkAt, nextTouch *time.Time, v []any) {
	v[0], v[1], v[2], v[3], v[4], v[5], v[6] = id, ref(p.OwnerID), ref(p.CompanyID), p.Name, p.Email, p.Phone, p.Title
	v[7], v[8], v[9], v[10], v[11], v[12] = p.TimeZone, p.Country, p.Location.City, p.Location.Lat, p.Location.Lon, p.Location.HasCoords
	v[13], v[14], v[15], v[16], v[17] = string(p.PreferredChannel), p.AssistantName, p.OKToSayNo, p.PainGain, p.Interests
	v[18], v[19], v[20], v[21] = string(p.BuyingRole), ref(p.ReportsToID), string(p.Status), p.DoNotContact
	v[22], v[23], v[24], v[25], v[26] = p.DoNotContactReason, msOf(p.DoNotContactAt), p.Source, p.CreatedAt.UnixMilli(), p.UpdatedAt.UnixMilli()
	v[27], v[28] = msOf(checkAt), msOf(nextTouch)
}

func interactionValues(i *nudge.Interaction, person int64, v []any) {
	v[0], v[1], v[2], v[3], v[4], v[5] = person, ref(i.UserID), string(i.Channel), string(i.Direction), string(i.Outcome), i.At.UnixMilli()
	v[6], v[7], v[8], v[9], v[10] = i.Subject, i.Note.What, i.Note.Insights, i.Note.NextSteps, i.CreatedAt.UnixMilli()
}

func enrollmentValues(e *nudge.Enrollment, id, person int64, now time.Time, v []any) {
	v[0], v[1], v[2], v[3], v[4], v[5] = id, person, ref(e.UserID), e.Cadence, string(e.State), e.StepID
	v[6], v[7], v[8], v[9], v[10], v[11] = e.StartedAt.UnixMilli(), e.AnchorAt.UnixMilli(), msOf(&e.LastTouchAt), msOf(e.SnoozedUntil), e.ExitReason, e.Next
	v[12], v[13], v[14], v[15], v[16], v[17] = e.Attempts, e.SinceProgress, ref(e.AppointmentID), e.Rule, now.UnixMilli(), now.UnixMilli()
}

func taskValues(k *nudge.Task, person, enrollment int64, now time.Time, v []any) {
	v[0], v[1], v[2], v[3], v[4], v[5] = person, ref(enrollment), k.Cadence, k.StepID, ref(k.AssigneeID), string(k.Channel)
	v[6], v[7], v[8], v[9], v[10], v[11] = k.Due.UnixMilli(), k.Rule, k.Reason, k.Guard, k.Script, k.Template
	v[12], v[13], v[14], v[15], v[16], v[17] = k.Voicemail, k.SameDay, k.Exact, k.Attempt, string(k.State), string(k.Outcome)
	v[18], v[19], v[20] = msOf(k.DoneAt), "", now.UnixMilli()
}

// bareSeed writes the book of g into copies of the store's tables without
// indexes, in the store's transactions (10,000 companies, then 2,000 people
// with everything of theirs, per transaction), and returns the rows written.
// Ids are counted here; the references of the generator (1-based indexes of
// reps and companies) are written as they come, as nothing checks them.
func bareSeed(ctx context.Context, b *bareDB, g *seed.Generator, now time.Time) (int64, error) {
	var rows int64
	var companies []*nudge.Company
	flushCompanies := func() error {
		t, err := b.begin(ctx)
		if err != nil {
			return err
		}
		base := rows
		err = t.insert("bare_companies", companyCols, len(companies), func(i int, v []any) {
			companyValues(companies[i], base+int64(i)+1, v)
		})
		if err = t.end(err); err != nil {
			return fmt.Errorf("bare companies: %w", err)
		}
		rows += int64(len(companies))
		companies = companies[:0]
		return nil
	}
	for c := range g.Companies() {
		companies = append(companies, c)
		if len(companies) == 10_000 {
			if err := flushCompanies(); err != nil {
				return rows, err
			}
		}
	}
	if err := flushCompanies(); err != nil {
		return rows, err
	}

	var person, enrollment int64
	var batch []*store.BulkPerson
	flush := func() error {
		t, err := b.begin(ctx)
		if err != nil {
			return err
		}
		err = func() error {
			type placed struct {
				bp       *store.BulkPerson
				id, enr0 int64 // the person's id, and the id before their first enrollment
			}
			refs := make([]placed, len(batch))
			var ins, ens, tasks []int // people (index in refs) of each row
			var inN, enN, taskN []int // the row's index in its person
			for k, bp := range batch {
				person++
				refs[k] = placed{bp, person, enrollment}
				enrollment += int64(len(bp.Enrollments))
				for i := range bp.Interactions {
					ins, inN = append(ins, k), append(inN, i)
				}
				for i := range bp.Enrollments {
					ens, enN = append(ens, k), append(enN, i)
				}
				for i := range bp.Tasks {
					tasks, taskN = append(tasks, k), append(taskN, i)
				}
			}
			if err := t.insert("bare_people", personCols, len(refs), func(i int, v []any) {
				personValues(&refs[i].bp.Person, refs[i].id, refs[i].bp.CheckAt, refs[i].bp.NextTouchAt, v)
			}); err != nil {
				return err
			}
			if err := t.insert("bare_interactions", interactionCols, len(ins), func(i int, v []any) {
				r := refs[ins[i]]
				interactionValues(&r.bp.Interactions[inN[i]], r.id, v)
			}); err != nil {
				return err
			}
			if err := t.insert("bare_enrollments", enrollmentCols, len(ens), func(i int, v []any) {
				r := refs[ens[i]]
				enrollmentValues(&r.bp.Enrollments[enN[i]], r.enr0+int64(enN[i])+1, r.id, now, v)
			}); err != nil {
				return err
			}
			return t.insert("bare_tasks", taskCols, len(tasks), func(i int, v []any) {
				r := refs[tasks[i]]
				k := &r.bp.Tasks[taskN[i]]
				var e int64
				if k.EnrollmentID != 0 { // 1-based in the person's enrollments
					e = r.enr0 + k.EnrollmentID
				}
				taskValues(k, r.id, e, now, v)
			})
		}()
		if err = t.end(err); err != nil {
			return fmt.Errorf("bare people: %w", err)
		}
		for _, bp := range batch {
			rows += 1 + int64(len(bp.Interactions)+len(bp.Enrollments)+len(bp.Tasks))
		}
		batch = batch[:0]
		return nil
	}
	for bp := range g.People() {
		batch = append(batch, bp)
		if len(batch) == 2_000 {
			if err := flush(); err != nil {
				return rows, err
			}
		}
	}
	return rows, flush()
}

var bareSeedTables = []string{"bare_companies", "bare_people", "bare_interactions", "bare_enrollments", "bare_tasks"}

// bareImport writes the people of rows, as an import stores them, into a
// copy of people without indexes, in one transaction (an import is all or
// nothing), and returns how many.
func bareImport(ctx context.Context, b *bareDB, rows iter.Seq[nudge.ImportRow], now time.Time) (int64, error) {
	t, err := b.begin(ctx)
	if err != nil {
		return 0, err
	}
	var n int64
	err = func() error {
		const per = 2_000
		batch := make([]nudge.Person, 0, per)
		flush := func() error {
			err := t.insert("bare_import", personCols, len(batch), func(i int, v []any) {
				p := &batch[i]
				p.CreatedAt, p.UpdatedAt = now, now
				personValues(p, n+int64(i)+1, &epoch, nil, v) // check_at 0: due, as the import leaves them
			})
			n += int64(len(batch))
			batch = batch[:0]
			return err
		}
		for r := range rows {
			batch = append(batch, r.Person)
			if len(batch) == per {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	}()
	return n, t.end(err)
}

// bareQueue is the engine's ceiling: n jobs in a minimal queue table (an id
// and a due instant with the partial index people.check_at has) claimed
// batch at a time exactly as store.SettleDue claims due people — oldest
// first, FOR UPDATE SKIP LOCKED on PostgreSQL, one transaction per batch —
// and each completed by one UPDATE. It returns the jobs completed and the
// time the claiming and completing took (the table's filling is not timed).
func bareQueue(ctx context.Context, b *bareDB, n, batch int) (int, time.Duration, error) {
	key, skipLocked := "INTEGER PRIMARY KEY", ""
	if b.postgres {
		key, skipLocked = "BIGINT PRIMARY KEY", " FOR UPDATE SKIP LOCKED"
	}
	for _, q := range []string{`DROP TABLE IF EXISTS bare_queue`,
		`CREATE TABLE bare_queue (id ` + key + `, check_at BIGINT)`,
		`CREATE INDEX bare_queue_due ON bare_queue (check_at) WHERE check_at IS NOT NULL`} {
		if _, err := b.ExecContext(ctx, q); err != nil {
			return 0, 0, fmt.Errorf("%s: %w", q, err)
		}
	}
	defer b.drop(ctx, "bare_queue")
	t, err := b.begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	err = t.insert("bare_queue", []string{"id", "check_at"}, n, func(i int, v []any) { v[0], v[1] = int64(i+1), int64(0) })
	if err := t.end(err); err != nil {
		return 0, 0, err
	}

	done := 0
	start := time.Now()
	for {
		tx, err := b.BeginTx(ctx, nil)
		if err != nil {
			return done, 0, err
		}
		ids, err := claim(ctx, tx, `SELECT id FROM bare_queue WHERE check_at IS NOT NULL AND check_at <= $1
			ORDER BY check_at LIMIT $2`+skipLocked, batch)
		for _, id := range ids {
			if err != nil {
				break
			}
			_, err = tx.ExecContext(ctx, `UPDATE bare_queue SET check_at = NULL WHERE id = $1`, id)
		}
		if err != nil {
			tx.Rollback()
			return done, 0, err
		}
		if err := tx.Commit(); err != nil {
			return done, 0, err
		}
		done += len(ids)
		if len(ids) < batch {
			return done, time.Since(start), nil
		}
	}
}

func claim(ctx context.Context, tx *sql.Tx, q string, limit int) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, q, int64(0), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// bareAgenda is the ceiling of `today`: the indexed query of one rep's open
// tasks due by a time, on the tasks table alone, prepared once (the query
// of followup's BenchmarkToday). It returns the tasks found.
func bareAgenda(ctx context.Context, b *bareDB) (func(rep int64, until time.Time) (int, error), func(), error) {
	stmt, err := b.PrepareContext(ctx, `SELECT id, person_id, channel, due, rule, reason FROM tasks
		WHERE assignee_id = $1 AND state = 'open' AND due <= $2 ORDER BY due`)
	if err != nil {
		return nil, nil, err
	}
	query := func(rep int64, until time.Time) (int, error) {
		rows, err := stmt.QueryContext(ctx, rep, until.UnixMilli())
		if err != nil {
			return 0, err
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var id, person, due int64
			var channel, rule, reason string
			if err := rows.Scan(&id, &person, &channel, &due, &rule, &reason); err != nil {
				return n, err
			}
			n++
		}
		return n, rows.Err()
	}
	return query, func() { stmt.Close() }, nil
}
