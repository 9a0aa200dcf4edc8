package store

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// Bulk loading fills a database with a whole book at once — the seeder
// (`nudge dev seed`) and the benchmarks. It bypasses the services: records
// are not validated (the caller's generator is tested to produce valid ones),
// no tombstone or merge rule applies, and emails must be new. What it keeps
// is the store's shape: the same rows the services write, instants in UTC
// milliseconds, and one transaction per batch so a failure loses at most the
// batch in flight.
//
// PostgreSQL takes each table of a batch by COPY (dialect.bulkCopy); SQLite
// by prepared multi-row INSERTs with anonymous ? parameters (see
// dialect.param for why not $k).

// sqliteMaxParams is SQLite's default limit on parameters per statement.
const sqliteMaxParams = 32_766

// bulkRowsPerInsert caps the rows of one SQLite multi-row INSERT; wider
// statements measured no faster in the import (importBatch).
const bulkRowsPerInsert = 500

// BulkPerson is one person to load with everything recorded about them.
type BulkPerson struct {
	// Person is stored as given; its ID is ignored and set by BulkLoad.
	// OwnerID, CompanyID and ReportsToID must name stored rows (0: none).
	Person nudge.Person
	// Interactions get the person's id; their UserID must be a stored user.
	Interactions []nudge.Interaction
	// Enrollments get the person's id and their own ids.
	Enrollments []nudge.Enrollment
	// Tasks get the person's id. On input a task's EnrollmentID is the
	// 1-based position of its enrollment in Enrollments (0: none); BulkLoad
	// replaces it with the stored id.
	Tasks []nudge.Task
	// CheckAt is when the engine must look at the person (nil: only after a
	// change; the zero instant: at once, as for a person created by hand).
	CheckAt *time.Time
	// NextTouchAt is the visible next follow-up date (nil: none).
	NextTouchAt *time.Time
}

// BulkCount counts the rows a bulk load stored.
type BulkCount struct {
	People, Interactions, Enrollments, Tasks int64
}

// Rows is the total of rows stored.
func (c BulkCount) Rows() int64 { return c.People + c.Interactions + c.Enrollments + c.Tasks }

// BulkOptions tune BulkLoad.
type BulkOptions struct {
	// Batch is how many people (with their rows) one transaction stores;
	// 0 means 2,000 (about 20,000 interactions with a 10× history).
	Batch int
	// Progress, if set, is called after each committed batch with the
	// running totals.
	Progress func(BulkCount)
}

// bulkTable is the column list of one table as the bulk load writes it.
type bulkTable struct {
	name string
	cols []string
}

var (
	bulkCompanies = bulkTable{"companies", []string{"id", "name", "domain", "country", "city", "owner_id", "created_at", "updated_at"}}
	bulkPeople    = bulkTable{"people", []string{"id", "owner_id", "company_id", "name", "email", "phone", "title",
		"time_zone", "country", "city", "lat", "lon", "has_coords", "preferred_channel", "assistant_name",
		"ok_to_say_no", "pain_gain", "interests", "buying_role", "reports_to_id", "status", "do_not_contact",
		"do_not_contact_reason", "do_not_contact_at", "source", "created_at", "updated_at", "check_at", "next_touch_at"}}
	bulkInteractions = bulkTable{"interactions", []string{"person_id", "user_id", "channel", "direction", "outcome",
		"at", "subject", "what", "insights", "next_steps", "created_at"}}
	bulkEnrollments = bulkTable{"enrollments", []string{"id", "person_id", "user_id", "cadence", "state", "step_id",
		"started_at", "anchor_at", "last_touch_at", "snoozed_until", "exit_reason", "next", "attempts",
		"since_progress", "appointment_id", "rule", "created_at", "updated_at"}}
	bulkTasks = bulkTable{"tasks", []string{"person_id", "enrollment_id", "cadence", "step_id", "assignee_id",
		"channel", "due", "rule", "reason", "guard", "script", "template", "voicemail", "same_day", "exact",
		"attempt", "state", "outcome", "done_at", "note", "created_at"}}
)

func companyRow(c *nudge.Company, v []any) {
	v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = c.ID, c.Name, c.Domain, c.Country, c.City, ref(c.OwnerID),
		ms(c.CreatedAt), ms(c.UpdatedAt)
}

func personRow(b *BulkPerson, v []any) {
	p := &b.Person
	v[0], v[1], v[2], v[3], v[4], v[5], v[6] = p.ID, ref(p.OwnerID), ref(p.CompanyID), p.Name, p.Email, p.Phone, p.Title
	v[7], v[8], v[9], v[10], v[11], v[12] = p.TimeZone, p.Country, p.Location.City, p.Location.Lat, p.Location.Lon, p.Location.HasCoords
	v[13], v[14], v[15], v[16], v[17] = string(p.PreferredChannel), p.AssistantName, p.OKToSayNo, p.PainGain, p.Interests
	v[18], v[19], v[20], v[21] = string(p.BuyingRole), ref(p.ReportsToID), string(p.Status), p.DoNotContact
	v[22], v[23], v[24], v[25], v[26] = p.DoNotContactReason, msPtr(p.DoNotContactAt), p.Source, ms(p.CreatedAt), ms(p.UpdatedAt)
	v[27], v[28] = msPtr(b.CheckAt), msPtr(b.NextTouchAt)
}

func interactionRow(i *nudge.Interaction, v []any) {
	v[0], v[1], v[2], v[3], v[4], v[5] = i.PersonID, ref(i.UserID), string(i.Channel), string(i.Direction), string(i.Outcome), ms(i.At)
	v[6], v[7], v[8], v[9], v[10] = i.Subject, i.Note.What, i.Note.Insights, i.Note.NextSteps, ms(i.CreatedAt)
}

func enrollmentRow(e *nudge.Enrollment, v []any) {
	var lastTouch any
	if !e.LastTouchAt.IsZero() {
		lastTouch = ms(e.LastTouchAt)
	}
	v[0], v[1], v[2], v[3], v[4], v[5] = e.ID, e.PersonID, ref(e.UserID), e.Cadence, string(e.State), e.StepID
	v[6], v[7], v[8], v[9], v[10], v[11] = ms(e.StartedAt), ms(e.AnchorAt), lastTouch, msPtr(e.SnoozedUntil), e.ExitReason, e.Next
	v[12], v[13], v[14], v[15], v[16], v[17] = e.Attempts, e.SinceProgress, ref(e.AppointmentID), e.Rule, ms(e.CreatedAt), ms(e.UpdatedAt)
}

func taskRow(k *nudge.Task, note string, v []any) {
	state := k.State
	if state == "" {
		state = nudge.TaskOpen
	}
	v[0], v[1], v[2], v[3], v[4], v[5] = k.PersonID, ref(k.EnrollmentID), k.Cadence, k.StepID, ref(k.AssigneeID), string(k.Channel)
	v[6], v[7], v[8], v[9], v[10], v[11] = ms(k.Due), k.Rule, k.Reason, k.Guard, k.Script, k.Template
	v[12], v[13], v[14], v[15], v[16], v[17] = k.Voicemail, k.SameDay, k.Exact, k.Attempt, string(state), string(k.Outcome)
	v[18], v[19], v[20] = msPtr(k.DoneAt), note, ms(k.CreatedAt)
}

// bulkTx is one batch's transaction, on a connection of its own so that
// PostgreSQL's COPY runs inside it.
type bulkTx struct {
	ctx  context.Context
	db   *DB
	conn *sql.Conn
	tx   *sql.Tx
	// stmts holds the prepared multi-row INSERTs of this transaction
	// (SQLite), by table and row count.
	stmts map[string]*sql.Stmt
	vals  []any
}

func (db *DB) beginBulk(ctx context.Context) (*bulkTx, error) {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &bulkTx{ctx: ctx, db: db, conn: conn, tx: tx, stmts: map[string]*sql.Stmt{}}, nil
}

// end commits (err nil) or rolls back, and releases the connection.
func (b *bulkTx) end(err error) error {
	for _, s := range b.stmts {
		s.Close()
	}
	if err == nil {
		if err = b.tx.Commit(); err != nil {
			err = fmt.Errorf("commit: %w", err)
		}
	} else {
		b.tx.Rollback()
	}
	return joinClose(err, b.conn)
}

func joinClose(err error, conn *sql.Conn) error {
	if cerr := conn.Close(); err == nil && cerr != nil {
		return cerr
	}
	return err
}

// insert stores n rows of t; row fills the i-th row's values.
func (b *bulkTx) insert(t bulkTable, n int, row func(i int, v []any)) error {
	if n == 0 {
		return nil
	}
	if b.db.d.bulkCopy != nil {
		if err := b.db.d.bulkCopy(b.ctx, b.conn, t.name, t.cols, n, row); err != nil {
			return fmt.Errorf("copy %s: %w", t.name, err)
		}
		return nil
	}
	per := min(bulkRowsPerInsert, sqliteMaxParams/len(t.cols))
	for start := 0; start < n; start += per {
		k := min(per, n-start)
		stmt, err := b.stmt(t, k)
		if err != nil {
			return err
		}
		nc := len(t.cols)
		if cap(b.vals) < k*nc {
			b.vals = make([]any, k*nc)
		}
		vals := b.vals[:k*nc]
		for i := range k {
			row(start+i, vals[i*nc:(i+1)*nc])
		}
		if _, err := stmt.ExecContext(b.ctx, vals...); err != nil {
			return fmt.Errorf("insert %s: %w", t.name, err)
		}
	}
	return nil
}

// stmt returns the prepared INSERT of k rows into t.
func (b *bulkTx) stmt(t bulkTable, k int) (*sql.Stmt, error) {
	key := fmt.Sprintf("%s/%d", t.name, k)
	if s := b.stmts[key]; s != nil {
		return s, nil
	}
	s, err := b.tx.PrepareContext(b.ctx, b.db.insertSQL(t, k))
	if err != nil {
		return nil, fmt.Errorf("prepare insert %s: %w", t.name, err)
	}
	b.stmts[key] = s
	return s, nil
}

// insertSQL is the multi-row INSERT of k rows into t.
func (db *DB) insertSQL(t bulkTable, k int) string {
	var s strings.Builder
	s.WriteString("INSERT INTO " + t.name + " (" + strings.Join(t.cols, ", ") + ") VALUES ")
	p := 0
	for i := range k {
		if i > 0 {
			s.WriteString(", ")
		}
		s.WriteByte('(')
		for j := range t.cols {
			if j > 0 {
				s.WriteString(", ")
			}
			p++
			s.WriteString(db.d.param(p))
		}
		s.WriteByte(')')
	}
	return s.String()
}

// reserveIDs returns n new ids of table's primary key, in order. SQLite's
// writer holds the database lock for the whole transaction, so the ids
// after the highest one stay free until commit; on PostgreSQL the ids come
// from the identity sequence, so concurrent writers never collide with them.
// COPY writes them as given (COPY behaves as OVERRIDING SYSTEM VALUE).
func (b *bulkTx) reserveIDs(table string, n int) ([]int64, error) {
	ids := make([]int64, 0, n)
	if n == 0 {
		return ids, nil
	}
	if b.db.d.name == sqliteName {
		var top int64
		if err := b.tx.QueryRowContext(b.ctx, `SELECT COALESCE(MAX(id), 0) FROM `+table).Scan(&top); err != nil {
			return nil, fmt.Errorf("reserve %s ids: %w", table, err)
		}
		for i := range n {
			ids = append(ids, top+1+int64(i))
		}
		return ids, nil
	}
	rows, err := b.tx.QueryContext(b.ctx, `SELECT nextval(pg_get_serial_sequence($1, 'id')) FROM generate_series(1, $2)`, table, n)
	if err != nil {
		return nil, fmt.Errorf("reserve %s ids: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// BulkCompanies stores companies in one transaction per 10,000 and sets
// each one's ID. It does not validate them.
func (db *DB) BulkCompanies(ctx context.Context, companies iter.Seq[*nudge.Company]) (int, error) {
	const per = 10_000
	batch := make([]*nudge.Company, 0, per)
	total := 0
	flush := func() error {
		b, err := db.beginBulk(ctx)
		if err != nil {
			return fmt.Errorf("bulk companies: %w", err)
		}
		err = func() error {
			ids, err := b.reserveIDs("companies", len(batch))
			if err != nil {
				return err
			}
			for i, c := range batch {
				c.ID = ids[i]
			}
			return b.insert(bulkCompanies, len(batch), func(i int, v []any) { companyRow(batch[i], v) })
		}()
		if err := b.end(err); err != nil {
			return fmt.Errorf("bulk companies: %w", err)
		}
		total += len(batch)
		batch = batch[:0]
		return nil
	}
	for c := range companies {
		batch = append(batch, c)
		if len(batch) == per {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return total, err
		}
	}
	return total, nil
}

// BulkLoad stores people with their interactions, enrollments and tasks, a
// batch of people per transaction, and sets the ids of what it stored
// (Person.ID, Enrollment.ID; references to them are rewritten). It returns
// the rows stored, including those of batches committed before an error.
// The people must not exist yet (emails are unique); nothing is validated.
func (db *DB) BulkLoad(ctx context.Context, people iter.Seq[*BulkPerson], opts BulkOptions) (BulkCount, error) {
	if opts.Batch <= 0 {
		opts.Batch = 2_000
	}
	var total BulkCount
	batch := make([]*BulkPerson, 0, opts.Batch)
	now := db.now()
	flush := func() error {
		n, err := db.bulkBatch(ctx, batch, now)
		if err != nil {
			return fmt.Errorf("bulk load: %w", err)
		}
		total.People += n.People
		total.Interactions += n.Interactions
		total.Enrollments += n.Enrollments
		total.Tasks += n.Tasks
		if opts.Progress != nil {
			opts.Progress(total)
		}
		batch = batch[:0]
		return nil
	}
	for p := range people {
		batch = append(batch, p)
		if len(batch) == opts.Batch {
			if err := flush(); err != nil {
				return total, err
			}
		}
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return total, err
		}
	}
	db.analyze(ctx, total.People)
	return total, nil
}

// bulkTables are the tables a bulk load or an import fills, directly or
// through the report summaries' triggers (migration 0008).
var bulkTables = []string{"companies", "people", "interactions", "enrollments", "tasks", "person_touches", "task_answers", "reply_days"}

// analyze refreshes PostgreSQL's planner statistics after a bulk change of
// n people. Until autovacuum gets to a table loaded in bulk (a minute or
// more later), the planner guesses 200 distinct values a column, so a
// batch's IN list over person_id (Tx.snapshots) looks like a third of
// interactions and is planned as a scan of the whole table: right after a
// seed of 1,000,000 people the engine ran at half speed. Fewer than
// analyzeAfter people change the statistics too little to matter. It is
// best effort — autovacuum analyses the tables later anyway — so a failure
// does not undo the load it follows. SQLite's planner assumes an index is
// selective without statistics, which is what nudge's queries need, so it
// is left without them.
func (db *DB) analyze(ctx context.Context, n int64) {
	if db.d.name != postgresName || n < analyzeAfter {
		return
	}
	db.w.ExecContext(ctx, `ANALYZE `+strings.Join(bulkTables, ", "))
}

const analyzeAfter = 1_000

// bulkBatch stores one batch in one transaction.
func (db *DB) bulkBatch(ctx context.Context, batch []*BulkPerson, now time.Time) (BulkCount, error) {
	var n BulkCount
	b, err := db.beginBulk(ctx)
	if err != nil {
		return n, err
	}
	err = func() error {
		pids, err := b.reserveIDs("people", len(batch))
		if err != nil {
			return err
		}
		var ins []*nudge.Interaction
		var ens []*nudge.Enrollment
		var tasks []*nudge.Task
		for k, bp := range batch {
			bp.Person.ID = pids[k]
			if bp.Person.CreatedAt.IsZero() {
				bp.Person.CreatedAt = now
			}
			if bp.Person.UpdatedAt.IsZero() {
				bp.Person.UpdatedAt = bp.Person.CreatedAt
			}
			for i := range bp.Interactions {
				it := &bp.Interactions[i]
				it.PersonID = bp.Person.ID
				if it.CreatedAt.IsZero() {
					it.CreatedAt = it.At
				}
				ins = append(ins, it)
			}
			for i := range bp.Enrollments {
				e := &bp.Enrollments[i]
				e.PersonID = bp.Person.ID
				if e.CreatedAt.IsZero() {
					e.CreatedAt = now
				}
				if e.UpdatedAt.IsZero() {
					e.UpdatedAt = e.CreatedAt
				}
				if e.AnchorAt.IsZero() {
					e.AnchorAt = e.StartedAt
				}
				ens = append(ens, e)
			}
		}
		eids, err := b.reserveIDs("enrollments", len(ens))
		if err != nil {
			return err
		}
		for i, e := range ens {
			e.ID = eids[i]
		}
		for _, bp := range batch {
			for i := range bp.Tasks {
				t := &bp.Tasks[i]
				t.PersonID = bp.Person.ID
				if j := t.EnrollmentID; j != 0 {
					if j < 0 || int(j) > len(bp.Enrollments) {
						return fmt.Errorf("person %q: task %d names enrollment %d of %d", bp.Person.Email, i, j, len(bp.Enrollments))
					}
					t.EnrollmentID = bp.Enrollments[j-1].ID
				}
				if t.CreatedAt.IsZero() {
					t.CreatedAt = now
				}
				tasks = append(tasks, t)
			}
		}
		if err := b.insert(bulkPeople, len(batch), func(i int, v []any) { personRow(batch[i], v) }); err != nil {
			return err
		}
		if err := b.insert(bulkInteractions, len(ins), func(i int, v []any) { interactionRow(ins[i], v) }); err != nil {
			return err
		}
		if err := b.refreshTouches(batch); err != nil {
			return err
		}
		if err := b.insert(bulkEnrollments, len(ens), func(i int, v []any) { enrollmentRow(ens[i], v) }); err != nil {
			return err
		}
		if err := b.insert(bulkTasks, len(tasks), func(i int, v []any) { taskRow(tasks[i], "", v) }); err != nil {
			return err
		}
		n = BulkCount{People: int64(len(batch)), Interactions: int64(len(ins)), Enrollments: int64(len(ens)), Tasks: int64(len(tasks))}
		return nil
	}()
	return n, b.end(err)
}

// InsertTasks stores tasks in one transaction with one single-row INSERT
// each, prepared once as every write transaction's statements are (wtx) —
// the statement SaveTask runs. It is the write floor of the
// engine's per-task work, which the benchmarks compare the engine with; it
// validates nothing and sets each task's ID.
func (db *DB) InsertTasks(ctx context.Context, tasks []nudge.Task) error {
	return db.inTx(ctx, func(tx *wtx) error {
		q := `INSERT INTO tasks (` + strings.Join(bulkTasks.cols, ", ") + `)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) RETURNING id`
		vals := make([]any, len(bulkTasks.cols))
		for i := range tasks {
			k := &tasks[i]
			if k.CreatedAt.IsZero() {
				k.CreatedAt = db.now()
			}
			taskRow(k, "", vals)
			if err := tx.QueryRowContext(ctx, q, vals...).Scan(&k.ID); err != nil {
				return fmt.Errorf("insert task: %w", err)
			}
		}
		return nil
	})
}
