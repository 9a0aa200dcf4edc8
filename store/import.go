package store

import (
	"context"
	"database/sql"
	"fmt"
	"iter"
	"strconv"
	"strings"

	"github.com/nudgecrm/nudge"
)

// Import tuning. On SQLite importBatch rows go in one multi-row INSERT
// (SQLite allows 32,766 parameters per statement; 26 columns × 500 fits, and
// larger batches measured no faster). PostgreSQL takes copyBatch rows at a
// time by COPY into a staging table, then one INSERT … SELECT (see
// dialect.bulkCopy).
const (
	importBatch          = 500
	copyBatch            = 10_000
	maxRejections        = 1000
	companyCacheLimit    = 100_000 // entries; the cache is dropped beyond it to keep memory flat
	progressEvery        = 10_000  // rows between Progress calls
	reasonForgotten      = "erased on request (forget)"
	reasonNoNameNorEmail = "a person needs a name or an email address"
)

// importColumn is one people column as ImportPeople writes it: its value for
// a new row and how a later row for the same person fills it (merge), as an
// SQL expression of the stored column (old) and the incoming value (new).
type importColumn struct {
	name  string
	value func(p *nudge.Person, now int64) any
	merge func(old, new string) string
}

// The merge rule (see ImportPeople): a stored value is never overwritten;
// an empty one (” text, NULL reference, false flag, no coordinates) is filled.
func fillText(old, new string) string { return "COALESCE(NULLIF(" + old + ", ''), " + new + ")" }
func fillNull(old, new string) string { return "COALESCE(" + old + ", " + new + ")" }
func fillFlag(old, new string) string { return "(" + old + " OR " + new + ")" }
func keep(old, _ string) string       { return old }
func take(_, new string) string       { return new }

// coords fills latitude and longitude only together, when none are stored.
func coords(old, new string) string {
	return "CASE WHEN people.has_coords THEN " + old + " ELSE " + new + " END"
}

// dncReason keeps the reason of a do-not-contact already stored.
func dncReason(old, new string) string {
	return "CASE WHEN people.do_not_contact THEN " + old + " ELSE " + new + " END"
}

var importColumns = []importColumn{
	{"owner_id", func(p *nudge.Person, _ int64) any { return ref(p.OwnerID) }, fillNull},
	{"company_id", func(p *nudge.Person, _ int64) any { return ref(p.CompanyID) }, fillNull},
	{"name", func(p *nudge.Person, _ int64) any { return p.Name }, fillText},
	{"email", func(p *nudge.Person, _ int64) any { return p.Email }, keep},
	{"phone", func(p *nudge.Person, _ int64) any { return p.Phone }, fillText},
	{"title", func(p *nudge.Person, _ int64) any { return p.Title }, fillText},
	{"time_zone", func(p *nudge.Person, _ int64) any { return p.TimeZone }, fillText},
	{"country", func(p *nudge.Person, _ int64) any { return p.Country }, fillText},
	{"city", func(p *nudge.Person, _ int64) any { return p.Location.City }, fillText},
	{"lat", func(p *nudge.Person, _ int64) any { return p.Location.Lat }, coords},
	{"lon", func(p *nudge.Person, _ int64) any { return p.Location.Lon }, coords},
	{"has_coords", func(p *nudge.Person, _ int64) any { return p.Location.HasCoords }, fillFlag},
	{"preferred_channel", func(p *nudge.Person, _ int64) any { return string(p.PreferredChannel) }, fillText},
	{"assistant_name", func(p *nudge.Person, _ int64) any { return p.AssistantName }, fillText},
	{"ok_to_say_no", func(p *nudge.Person, _ int64) any { return p.OKToSayNo }, fillFlag},
	{"pain_gain", func(p *nudge.Person, _ int64) any { return p.PainGain }, fillText},
	{"interests", func(p *nudge.Person, _ int64) any { return p.Interests }, fillText},
	{"buying_role", func(p *nudge.Person, _ int64) any { return string(p.BuyingRole) }, fillText},
	{"reports_to_id", func(p *nudge.Person, _ int64) any { return ref(p.ReportsToID) }, fillNull},
	{"status", func(p *nudge.Person, _ int64) any { return string(p.Status) }, keep},
	{"do_not_contact", func(p *nudge.Person, _ int64) any { return p.DoNotContact }, fillFlag},
	{"do_not_contact_reason", func(p *nudge.Person, _ int64) any { return p.DoNotContactReason }, dncReason},
	{"do_not_contact_at", func(p *nudge.Person, _ int64) any { return msPtr(p.DoNotContactAt) }, fillNull},
	{"source", func(p *nudge.Person, _ int64) any { return p.Source }, fillText},
	{"created_at", func(_ *nudge.Person, now int64) any { return now }, keep},
	{"updated_at", func(_ *nudge.Person, now int64) any { return now }, take},
}

// fillEmpty applies the merge rule in Go, for two rows of one batch that are
// the same person: dst (the earlier row) keeps its values, src fills the
// empty ones. It mirrors importColumns' merge expressions.
func fillEmpty(dst, src *nudge.Person) {
	fill := func(d *string, s string) {
		if *d == "" {
			*d = s
		}
	}
	fill(&dst.Name, src.Name)
	fill(&dst.Phone, src.Phone)
	fill(&dst.Title, src.Title)
	fill(&dst.TimeZone, src.TimeZone)
	fill(&dst.Country, src.Country)
	fill(&dst.Location.City, src.Location.City)
	fill((*string)(&dst.PreferredChannel), string(src.PreferredChannel))
	fill(&dst.AssistantName, src.AssistantName)
	fill(&dst.PainGain, src.PainGain)
	fill(&dst.Interests, src.Interests)
	fill((*string)(&dst.BuyingRole), string(src.BuyingRole))
	fill(&dst.Source, src.Source)
	if dst.OwnerID == 0 {
		dst.OwnerID = src.OwnerID
	}
	if dst.CompanyID == 0 {
		dst.CompanyID = src.CompanyID
	}
	if dst.ReportsToID == 0 {
		dst.ReportsToID = src.ReportsToID
	}
	if !dst.Location.HasCoords && src.Location.HasCoords {
		dst.Location.Lat, dst.Location.Lon, dst.Location.HasCoords = src.Location.Lat, src.Location.Lon, true
	}
	dst.OKToSayNo = dst.OKToSayNo || src.OKToSayNo
	if !dst.DoNotContact && src.DoNotContact {
		dst.DoNotContact, dst.DoNotContactReason = true, src.DoNotContactReason
	}
	if dst.DoNotContactAt == nil {
		dst.DoNotContactAt = src.DoNotContactAt
	}
}

// ImportPeople stores people read from a file, in ONE transaction, streaming:
// rows are written in batches as they are read, so memory stays flat however
// long the file.
//
// The merge rule: the same normalised email (compared case-insensitively) is
// the same person, whether earlier in the file or already stored. The first
// occurrence creates the person; every later one only fills fields that are
// still empty (blank text, no company/owner/reports-to, no coordinates, a flag
// not set) and never overwrites a stored value; it counts as Merged. A row
// without email is matched by its E.164 phone among people without email, and
// merged the same way; otherwise it creates a person. Companies are found by
// case-insensitive name, or created.
//
// Rejected: rows the reader marked (row.Err), and rows whose email or phone
// belongs to a forgotten person ("erased on request (forget)"). If any row is
// rejected and opts.SkipInvalid is false, or the reader could not finish the
// file (row.Fatal), nothing is stored: the transaction is rolled back and the
// report says Committed=false, with Created and Merged 0 and every rejection
// listed (up to 1,000). That is a report, not an error; an error means the
// import itself failed (database, context).
//
// New people get opts.OwnerID when the row names no owner, and opts.Source
// when it names no source.
func (db *DB) ImportPeople(ctx context.Context, rows iter.Seq[nudge.ImportRow], opts nudge.ImportOptions) (*nudge.ImportReport, error) {
	rep, err := db.importPeople(ctx, rows, opts)
	if err == nil && rep.Committed {
		db.analyze(ctx, int64(rep.Created)) // on the pool, once the import's connection is back
	}
	return rep, err
}

func (db *DB) importPeople(ctx context.Context, rows iter.Seq[nudge.ImportRow], opts nudge.ImportOptions) (*nudge.ImportReport, error) {
	// One connection for the whole import: on PostgreSQL the COPY runs on
	// the transaction's connection, reached through conn.Raw.
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("import: begin: %w", err)
	}
	defer tx.Rollback() // no-op after Commit
	im, err := db.newImport(ctx, conn, tx, opts)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer im.close()
	for row := range rows {
		if err := im.add(row); err != nil {
			return nil, fmt.Errorf("import line %d: %w", row.Line, err)
		}
	}
	if err := im.flush(); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	rep := &im.rep
	if opts.Progress != nil {
		opts.Progress(rep.Rows)
	}
	if im.doomed() {
		rep.Created, rep.Merged, rep.Committed = 0, 0, false
		return rep, nil
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("import: commit: %w", err)
	}
	rep.Committed = true
	return rep, nil
}

// importer is the state of one ImportPeople call.
type importer struct {
	ctx  context.Context
	db   *DB
	conn *sql.Conn
	tx   *sql.Tx
	size int // rows per batch
	opts nudge.ImportOptions
	now  int64
	rep  nudge.ImportReport

	fatal bool
	// Hashes of forgotten identifiers, loaded once: there are few.
	forgottenEmail, forgottenPhone map[string]bool

	batch   []pending
	byEmail map[string]int // email -> index in batch
	byPhone map[string]int // phone -> index in batch, people without email

	companies map[string]int64 // lower-case name -> id

	maxID   int64             // highest people.id so far; SQLite tells created from merged by it
	upserts map[int]*sql.Stmt // SQLite: the upsert of n rows, by n
	fill    *sql.Stmt
	args    []any
}

type pending struct {
	p       nudge.Person
	company string // name to find or create, when p.CompanyID is 0
}

func (db *DB) newImport(ctx context.Context, conn *sql.Conn, tx *sql.Tx, opts nudge.ImportOptions) (*importer, error) {
	size := importBatch
	if db.d.bulkCopy != nil {
		size = copyBatch
	}
	im := &importer{
		ctx: ctx, db: db, conn: conn, tx: tx, size: size, opts: opts, now: ms(db.now()),
		forgottenEmail: map[string]bool{}, forgottenPhone: map[string]bool{},
		byEmail: map[string]int{}, byPhone: map[string]int{}, companies: map[string]int64{}, upserts: map[int]*sql.Stmt{},
		batch: make([]pending, 0, size),
	}
	rows, err := tx.QueryContext(ctx, `SELECT email_sha256, phone_sha256 FROM tombstones`)
	if err != nil {
		return nil, fmt.Errorf("load tombstones: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e, p string
		if err := rows.Scan(&e, &p); err != nil {
			return nil, fmt.Errorf("load tombstones: %w", err)
		}
		if e != "" {
			im.forgottenEmail[e] = true
		}
		if p != "" {
			im.forgottenPhone[p] = true
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load tombstones: %w", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM people`).Scan(&im.maxID); err != nil {
		return nil, err
	}
	if db.d.bulkCopy != nil {
		var cols []string
		for _, c := range importColumns {
			cols = append(cols, c.name)
		}
		_, err := tx.ExecContext(ctx, `CREATE TEMP TABLE nudge_import ON COMMIT DROP AS SELECT `+
			strings.Join(cols, ", ")+` FROM people WITH NO DATA`)
		if err != nil {
			return nil, fmt.Errorf("staging table: %w", err)
		}
	}
	if im.fill, err = tx.PrepareContext(ctx, fillSQL()); err != nil {
		return nil, fmt.Errorf("prepare merge: %w", err)
	}
	return im, nil
}

func (im *importer) close() {
	for _, st := range im.upserts {
		st.Close()
	}
	if im.fill != nil {
		im.fill.Close()
	}
}

// doomed reports whether the import will be rolled back; once it is, rows are
// still read (to report every rejection) but no longer written.
func (im *importer) doomed() bool {
	return im.fatal || (im.rep.Rejected > 0 && !im.opts.SkipInvalid)
}

func (im *importer) reject(r nudge.Rejection) {
	im.rep.Rejected++
	if len(im.rep.Rejections) < maxRejections {
		im.rep.Rejections = append(im.rep.Rejections, r)
	}
}

// add takes one row: rejects it, merges it into an earlier row of the batch,
// or queues it, writing the batch when it is full.
func (im *importer) add(row nudge.ImportRow) error {
	im.rep.Rows++
	if im.opts.Progress != nil && im.rep.Rows%progressEvery == 0 {
		im.opts.Progress(im.rep.Rows)
	}
	if row.Err != nil {
		im.fatal = im.fatal || row.Fatal
		im.reject(row.Rejection())
		return nil
	}
	p := row.Person // validated by the reader (ImportRow's contract)
	if p.Name == "" && p.Email == "" {
		im.reject(nudge.Rejection{Line: row.Line, Field: "name", Reason: reasonNoNameNorEmail})
		return nil
	}
	if len(im.forgottenEmail) > 0 && p.Email != "" && im.forgottenEmail[identityHash(p.Email)] {
		im.reject(nudge.Rejection{Line: row.Line, Field: "email", Value: p.Email, Reason: reasonForgotten})
		return nil
	}
	if len(im.forgottenPhone) > 0 && p.Phone != "" && im.forgottenPhone[identityHash(p.Phone)] {
		im.reject(nudge.Rejection{Line: row.Line, Field: "phone", Value: p.Phone, Reason: reasonForgotten})
		return nil
	}
	if im.doomed() {
		return nil
	}
	if p.Status == "" {
		p.Status = nudge.StatusLead
	}
	// Ids in a file name rows of the database that wrote it (nudge's own
	// export carries them), not of this one: the company is found by name and
	// the owner comes from the options.
	p.ID, p.CompanyID, p.ReportsToID, p.OwnerID = 0, 0, 0, im.opts.OwnerID
	if p.Source == "" {
		p.Source = im.opts.Source
	}
	company := strings.TrimSpace(row.CompanyName)
	// The same person earlier in this batch: merge here, since one INSERT
	// cannot touch a row twice (PostgreSQL refuses).
	key, idx := "", map[string]int(nil)
	switch {
	case p.Email != "":
		key, idx = p.Email, im.byEmail
	case p.Phone != "":
		key, idx = p.Phone, im.byPhone
	}
	if idx != nil {
		if i, ok := idx[key]; ok {
			e := &im.batch[i]
			fillEmpty(&e.p, &p)
			if e.p.CompanyID == 0 && e.company == "" {
				e.company = company
			}
			im.rep.Merged++
			return nil
		}
		idx[key] = len(im.batch)
	}
	im.batch = append(im.batch, pending{p: p, company: company})
	if len(im.batch) == im.size {
		return im.flush()
	}
	return nil
}

// flush writes the queued rows.
func (im *importer) flush() error {
	defer func() {
		im.batch = im.batch[:0]
		clear(im.byEmail)
		clear(im.byPhone)
	}()
	if len(im.batch) == 0 || im.doomed() {
		return nil
	}
	if err := im.ctx.Err(); err != nil {
		return err
	}
	if err := im.resolveCompanies(); err != nil {
		return err
	}
	if err := im.mergeByPhone(); err != nil {
		return err
	}
	if len(im.batch) == 0 {
		return nil
	}
	if im.db.d.bulkCopy != nil {
		return im.copyBatch()
	}
	// A batch shortened by merges goes in chunks of halving sizes, each
	// size prepared once: preparing a statement of every length seen would
	// compile a ~13,000-parameter statement per batch, and a Tx keeps what
	// is prepared on it until it ends (measured: +10 MiB live heap per
	// 100,000 rows, and a third slower).
	for rest := im.batch; len(rest) > 0; {
		n := importBatch
		for n > len(rest) {
			n /= 2
		}
		if err := im.upsertRows(rest[:n]); err != nil {
			return err
		}
		rest = rest[n:]
	}
	return nil
}

// upsertRows writes rows on SQLite by the prepared upsert of their number.
func (im *importer) upsertRows(rows []pending) error {
	stmt := im.upserts[len(rows)]
	if stmt == nil {
		var err error
		if stmt, err = im.tx.PrepareContext(im.ctx, im.db.upsertSQL(len(rows), "")); err != nil {
			return fmt.Errorf("prepare upsert: %w", err)
		}
		im.upserts[len(rows)] = stmt
	}
	args := im.args[:0]
	for i := range rows {
		e := &rows[i]
		for _, c := range importColumns {
			args = append(args, c.value(&e.p, im.now))
		}
	}
	if im.db.d.createdNeedsMaxID {
		args = append(args, im.maxID)
	}
	im.args = args
	res, err := stmt.QueryContext(im.ctx, args...)
	if err != nil {
		return fmt.Errorf("store people: %w", err)
	}
	defer res.Close()
	for res.Next() {
		var id int64
		var created bool
		if err := res.Scan(&id, &created); err != nil {
			return fmt.Errorf("store people: %w", err)
		}
		if created {
			im.rep.Created++
		} else {
			im.rep.Merged++
		}
		im.maxID = max(im.maxID, id)
	}
	if err := res.Err(); err != nil {
		return fmt.Errorf("store people: %w", err)
	}
	return nil
}

// copyBatch writes the batch on PostgreSQL: COPY into the staging table, then
// one INSERT … SELECT that merges by email and counts what it created.
func (im *importer) copyBatch() error {
	var cols []string
	for _, c := range importColumns {
		cols = append(cols, c.name)
	}
	if _, err := im.tx.ExecContext(im.ctx, `TRUNCATE nudge_import`); err != nil {
		return fmt.Errorf("staging table: %w", err)
	}
	err := im.db.d.bulkCopy(im.ctx, im.conn, "nudge_import", cols, len(im.batch), func(i int, row []any) {
		for j, c := range importColumns {
			row[j] = c.value(&im.batch[i].p, im.now)
		}
	})
	if err != nil {
		return fmt.Errorf("copy people: %w", err)
	}
	var created, total int
	err = im.tx.QueryRowContext(im.ctx, `WITH stored AS (`+im.db.upsertSQL(0, "nudge_import")+
		`) SELECT COUNT(*) FILTER (WHERE stored.created), COUNT(*) FROM stored`).Scan(&created, &total)
	if err != nil {
		return fmt.Errorf("store people: %w", err)
	}
	im.rep.Created += created
	im.rep.Merged += total - created
	return nil
}

// upsertSQL is the INSERT of people that merges by email: of n rows of
// parameters, or of every row of the table from when it is not "".
func (db *DB) upsertSQL(n int, from string) string {
	var b strings.Builder
	b.WriteString("INSERT INTO people (")
	for i, c := range importColumns {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.name)
	}
	b.WriteString(") ")
	if from != "" {
		b.WriteString("SELECT ")
		for i, c := range importColumns {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(c.name)
		}
		// WHERE true: SQLite's parser needs it before ON CONFLICT.
		b.WriteString(" FROM " + from + " WHERE true")
	} else {
		b.WriteString("VALUES ")
	}
	k := 0
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for i := range importColumns {
			if i > 0 {
				b.WriteString(", ")
			}
			k++
			b.WriteString(db.d.param(k))
		}
		b.WriteByte(')')
	}
	b.WriteString(" ON CONFLICT (email) WHERE email <> '' DO UPDATE SET ")
	first := true
	for _, c := range importColumns {
		expr := c.merge("people."+c.name, "excluded."+c.name)
		if expr == "people."+c.name {
			continue
		}
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(c.name + " = " + expr)
	}
	b.WriteString(" RETURNING id, " + db.d.created(db.d.param(k+1)) + " AS created")
	return b.String()
}

// filledColumns are the columns a merge may change.
func filledColumns() []importColumn {
	var cs []importColumn
	for _, c := range importColumns {
		if c.merge("old", "new") != "old" {
			cs = append(cs, c)
		}
	}
	return cs
}

// fillSQL merges one row into the stored person $1 by the same rule; its
// other parameters are filledColumns' values.
func fillSQL() string {
	var b strings.Builder
	b.WriteString("UPDATE people SET ")
	k, first := 1, true
	for _, c := range filledColumns() {
		k++
		expr := c.merge("people."+c.name, "$"+strconv.Itoa(k))
		if !first {
			b.WriteString(", ")
		}
		first = false
		b.WriteString(c.name + " = " + expr)
	}
	b.WriteString(" WHERE id = $1")
	return b.String()
}

// mergeByPhone merges the batch's people without email into stored people
// without email who have the same phone, and drops them from the batch.
func (im *importer) mergeByPhone() error {
	if len(im.byPhone) == 0 {
		return nil
	}
	var w where
	ph := make([]string, 0, len(im.byPhone))
	for phone := range im.byPhone {
		ph = append(ph, w.arg(phone))
	}
	rows, err := im.tx.QueryContext(im.ctx, `SELECT id, phone FROM people WHERE email = '' AND phone <> '' AND phone IN (`+
		strings.Join(ph, ", ")+`) ORDER BY id`, w.args...)
	if err != nil {
		return fmt.Errorf("match phones: %w", err)
	}
	stored := map[string]int64{}
	for rows.Next() {
		var id int64
		var phone string
		if err := rows.Scan(&id, &phone); err != nil {
			rows.Close()
			return fmt.Errorf("match phones: %w", err)
		}
		if _, ok := stored[phone]; !ok {
			stored[phone] = id
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("match phones: %w", err)
	}
	if len(stored) == 0 {
		return nil
	}
	kept := im.batch[:0]
	for _, e := range im.batch {
		id, ok := stored[e.p.Phone]
		if e.p.Email != "" || !ok {
			kept = append(kept, e)
			continue
		}
		args := []any{id}
		for _, c := range filledColumns() {
			args = append(args, c.value(&e.p, im.now))
		}
		if _, err := im.fill.ExecContext(im.ctx, args...); err != nil {
			return fmt.Errorf("merge person %d: %w", id, err)
		}
		im.rep.Merged++
	}
	im.batch = kept
	return nil
}

// resolveCompanies sets CompanyID on the batch's people from the company
// names they carry: from the cache, else found by case-insensitive name, else
// created — one query and one INSERT per batch, not per row.
func (im *importer) resolveCompanies() error {
	var missing []string // one original spelling per lower-case name
	seen := map[string]bool{}
	for i := range im.batch {
		name := im.batch[i].company
		if name == "" {
			continue
		}
		key := strings.ToLower(name)
		if _, ok := im.companies[key]; ok || seen[key] {
			continue
		}
		seen[key] = true
		missing = append(missing, name)
	}
	if len(missing) > 0 {
		if len(im.companies)+len(missing) > companyCacheLimit {
			clear(im.companies)
		}
		if err := im.findCompanies(missing); err != nil {
			return err
		}
		var create []string
		for _, name := range missing {
			if _, ok := im.companies[strings.ToLower(name)]; !ok {
				create = append(create, name)
			}
		}
		if err := im.createCompanies(create); err != nil {
			return err
		}
	}
	for i := range im.batch {
		e := &im.batch[i]
		if e.company != "" {
			e.p.CompanyID = im.companies[strings.ToLower(e.company)]
		}
	}
	return nil
}

func (im *importer) findCompanies(names []string) error {
	var w where
	ph := make([]string, len(names))
	for i, n := range names {
		ph[i] = "lower(" + w.arg(n) + ")"
	}
	rows, err := im.tx.QueryContext(im.ctx, `SELECT id, name FROM companies WHERE lower(name) IN (`+
		strings.Join(ph, ", ")+`) ORDER BY id`, w.args...)
	if err != nil {
		return fmt.Errorf("find companies: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("find companies: %w", err)
		}
		if key := strings.ToLower(name); im.companies[key] == 0 {
			im.companies[key] = id
		}
	}
	return rows.Err()
}

func (im *importer) createCompanies(names []string) error {
	for len(names) > 0 {
		n := min(len(names), importBatch)
		var w where
		var b strings.Builder
		b.WriteString(`INSERT INTO companies (name, owner_id, created_at, updated_at) VALUES `)
		owner, now := w.arg(ref(im.opts.OwnerID)), w.arg(im.now)
		for i, name := range names[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + w.arg(name) + ", " + owner + ", " + now + ", " + now + ")")
		}
		b.WriteString(" RETURNING id, name")
		rows, err := im.tx.QueryContext(im.ctx, b.String(), w.args...)
		if err != nil {
			return fmt.Errorf("create companies: %w", err)
		}
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				rows.Close()
				return fmt.Errorf("create companies: %w", err)
			}
			im.companies[strings.ToLower(name)] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("create companies: %w", err)
		}
		names = names[n:]
	}
	return nil
}
