package store

import (
	"container/heap"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nudgecrm/nudge"
)

// F3 clean the list: the lowest-upside active prospects (nudge.ScoreUpside
// holds the formula). At a million people the list stays bounded by
// branch and bound:
//
//  1. The database ranks the prospects in scope by a lower bound of their
//     score that their own row gives — 10 each for a company, a
//     decision-maker's role, the rep's market; a title, a deal, engagement
//     and recency only add — and hands over one page of the lowest. It reads
//     people_prospects, a partial index of the active prospects by owner
//     holding those columns: a rep's or a team's book is a range of it, an
//     admin's one pass over it, never the wide rows of people.
//  2. Each candidate of the page gets the rest of its facts — the two-way
//     touches of the 90-day window (one range of interactions_person_at),
//     its commitments and open deals, an open drip — and its exact score
//     goes into a heap of the Limit lowest.
//  3. Once the heap is full and the page's last bound lies above the
//     highest score kept, no prospect after it can enter: done. Else the
//     next page. The lowest-upside prospects are the poor fits with little
//     going on, so one page nearly always does.
//
// Attempts (B3) are counted for the rows shown only. BenchmarkCleanList
// measures it beside a bare count of people.

// CleanQuery selects the prospects of the clean list.
type CleanQuery struct {
	// Owners limits the list to these owners' people; nil means every
	// owner (an admin), an empty non-nil slice nobody.
	Owners []int64
	Now    time.Time
	Limit  int // how many of the lowest to return; 0 means DefaultCleanLimit
}

// Bounds of the clean list's length.
const (
	DefaultCleanLimit = 50
	MaxCleanLimit     = 1000
)

// maxCleanPage is the most candidates one page of step 1 holds.
const maxCleanPage = 4096

// candidate is a prospect of step 1: its id and the lower bound of its score.
type candidate struct {
	id    int64
	bound int
}

// after reports whether c comes after the upside u in the list's order:
// a candidate can only enter a full list ahead of its highest.
func (c candidate) after(u nudge.Upside) bool {
	return c.bound > u.Score || c.bound == u.Score && c.id > u.PersonID
}

// CleanList returns the Limit lowest-upside active prospects of q's scope
// (status prospect, not G1-stopped, not in the drip already), lowest first
// (ties by id), each with its score, the parts and the proposed action.
func (db *DB) CleanList(ctx context.Context, q CleanQuery) ([]nudge.Upside, error) {
	if q.Owners != nil && len(q.Owners) == 0 {
		return nil, nil
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultCleanLimit
	}
	limit = min(limit, MaxCleanLimit)
	users, err := db.FindUsers(ctx)
	if err != nil {
		return nil, err
	}
	c := &cleaner{db: db, q: q, teamOf: teamKeys(users), repCountry: map[int64]string{}}
	for _, u := range users {
		c.repCountry[u.ID] = u.Country
	}
	if c.medians, err = db.teamMedians(ctx, q.Owners, users, c.teamOf); err != nil {
		return nil, err
	}
	lowest := &upsideHeap{}
	facts := map[int64]nudge.UpsideFacts{}
	var last *candidate
	for n := max(2*limit, 128); ; n = min(2*n, maxCleanPage) {
		page, err := c.page(ctx, last, n)
		if err != nil {
			return nil, err
		}
		batch, err := c.facts(ctx, page)
		if err != nil {
			return nil, err
		}
		for _, f := range batch {
			u := nudge.ScoreUpside(f, q.Now)
			if lowest.Len() < limit {
				heap.Push(lowest, u)
			} else if lower(u, (*lowest)[0]) {
				delete(facts, (*lowest)[0].PersonID)
				(*lowest)[0] = u
				heap.Fix(lowest, 0)
			} else {
				continue
			}
			facts[f.PersonID] = f
		}
		if len(page) < n {
			break // every candidate seen
		}
		last = &page[len(page)-1]
		if lowest.Len() == limit && last.after((*lowest)[0]) {
			break // everyone after the page comes after the highest kept
		}
	}
	out := []nudge.Upside(*lowest)
	slices.SortFunc(out, func(a, b nudge.Upside) int {
		if lower(a, b) {
			return -1
		}
		return 1
	})
	attempts, err := db.attempts(ctx, out)
	if err != nil {
		return nil, err
	}
	for i := range out {
		f := facts[out[i].PersonID]
		f.Attempts = attempts[f.PersonID]
		out[i] = nudge.ScoreUpside(f, q.Now)
	}
	return out, nil
}

// cleaner holds what one clean list is computed with.
type cleaner struct {
	db         *DB
	q          CleanQuery
	teamOf     func(owner int64) int64
	repCountry map[int64]string
	medians    map[int64]int64 // team key → median open deal
}

// page is step 1: the next n active prospects in scope after the
// candidate last (nil: from the start) in the order of their bound, then
// id. The bound is the part of the fit their row and their rep's country
// show; it never exceeds the score (nudge.UpsideFacts.Parts).
func (c *cleaner) page(ctx context.Context, last *candidate, n int) ([]candidate, error) {
	var w where
	scope := ""
	if c.q.Owners != nil {
		ps := make([]string, len(c.q.Owners))
		for i, id := range c.q.Owners {
			ps[i] = w.arg(id)
		}
		scope = " AND p.owner_id IN (" + strings.Join(ps, ", ") + ")"
	}
	next := ""
	if last != nil {
		b, id := w.arg(last.bound), w.arg(last.id)
		next = " WHERE x.bound > " + b + " OR (x.bound = " + b + " AND x.id > " + id + ")"
	}
	rows, err := c.db.r.QueryContext(ctx, `SELECT x.id, x.bound FROM (SELECT p.id,
			CASE WHEN p.company_id IS NOT NULL THEN 10 ELSE 0 END
			+ CASE WHEN p.buying_role IN ('`+string(nudge.RoleDecisionMaker)+`', '`+string(nudge.RoleBoss)+`') THEN 10 ELSE 0 END
			+ CASE WHEN COALESCE(u.country, '') IN ('', p.country) THEN 10 ELSE 0 END AS bound
		FROM people p`+c.db.d.indexedBy("people_prospects")+` LEFT JOIN users u ON u.id = p.owner_id
		WHERE p.status = 'prospect' AND NOT p.do_not_contact`+scope+`) x`+next+`
		ORDER BY x.bound, x.id LIMIT `+strconv.Itoa(n), w.args...)
	if err != nil {
		return nil, fmt.Errorf("clean list: %w", err)
	}
	defer rows.Close()
	var out []candidate
	for rows.Next() {
		var k candidate
		if err := rows.Scan(&k.id, &k.bound); err != nil {
			return nil, fmt.Errorf("clean list: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// facts is step 2 for a page of candidates: all the facts of each, but
// attempts; candidates already in the drip are left out.
func (c *cleaner) facts(ctx context.Context, page []candidate) ([]nudge.UpsideFacts, error) {
	if len(page) == 0 {
		return nil, nil
	}
	var w where
	w.arg(ms(c.q.Now.Add(-nudge.UpsideWindow)))
	ids := make([]string, len(page))
	for i, k := range page {
		ids[i] = w.arg(k.id)
	}
	// One range of interactions_person_at per person gives both the count
	// and the latest of the window's two-way touches.
	rows, err := c.db.r.QueryContext(ctx, `SELECT p.id, CASE WHEN p.name <> '' THEN p.name ELSE p.email END,
		COALESCE(p.owner_id, 0), p.company_id IS NOT NULL, p.title, p.buying_role, p.country, COUNT(i.id), MAX(i.at),
		(SELECT COUNT(*) FROM commitments c WHERE c.person_id = p.id AND c.party = 'prospect' AND c.state = 'kept' AND c.closed_at >= $1),
		(SELECT COUNT(*) FROM commitments c WHERE c.person_id = p.id AND c.party = 'prospect' AND c.state = 'missed' AND c.closed_at >= $1),
		(SELECT CAST(COALESCE(SUM(d.value_cents), 0) AS BIGINT) FROM deals d WHERE d.person_id = p.id AND d.stage NOT IN ('won', 'lost'))
		FROM people p LEFT JOIN interactions i ON i.person_id = p.id AND i.at >= $1
			AND (i.direction = 'inbound' OR i.outcome IN (`+quoted(nudge.TwoWayOutcomes)+`))
		WHERE p.id IN (`+strings.Join(ids, ", ")+`)
		AND NOT EXISTS (SELECT 1 FROM enrollments e WHERE e.person_id = p.id AND e.cadence = 'drip'
			AND e.state IN ('active', 'snoozed', 'paused'))
		GROUP BY p.id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("clean list: %w", err)
	}
	defer rows.Close()
	var out []nudge.UpsideFacts
	for rows.Next() {
		var f nudge.UpsideFacts
		var last sql.NullInt64
		if err := rows.Scan(&f.PersonID, &f.Name, &f.OwnerID, &f.HasCompany, &f.Title, &f.BuyingRole, &f.Country,
			&f.TwoWay, &last, &f.Kept, &f.Missed, &f.OpenDeals); err != nil {
			return nil, fmt.Errorf("clean list: %w", err)
		}
		if last.Valid {
			f.LastTwoWay = fromMS(last.Int64)
		}
		f.RepCountry = c.repCountry[f.OwnerID]
		f.TeamMedian = c.medians[c.teamOf(f.OwnerID)]
		// Attempts are counted for the rows kept; until then B3's note is
		// left out: the score does not depend on it.
		f.Attempts = 6
		out = append(out, f)
	}
	return out, rows.Err()
}

// quoted renders known constants as an SQL list: 'a', 'b'.
func quoted[T ~string](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = "'" + string(x) + "'"
	}
	return strings.Join(s, ", ")
}

// lower orders the clean list: lowest score first, then by person id.
func lower(a, b nudge.Upside) bool {
	if a.Score != b.Score {
		return a.Score < b.Score
	}
	return a.PersonID < b.PersonID
}

// upsideHeap is a max-heap by lower: its root is the highest of the lowest
// kept so far, the one to evict.
type upsideHeap []nudge.Upside

func (h upsideHeap) Len() int           { return len(h) }
func (h upsideHeap) Less(i, j int) bool { return lower(h[j], h[i]) }
func (h upsideHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *upsideHeap) Push(x any)        { *h = append(*h, x.(nudge.Upside)) }
func (h *upsideHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// teamKeys returns a function from an owner to the group whose median deal
// their people are measured against: the owner's team, or the owner alone
// when they have none (negative keys), or nobody for unowned people (0).
func teamKeys(users []*nudge.User) func(owner int64) int64 {
	team := make(map[int64]int64, len(users))
	for _, u := range users {
		if u.TeamID != 0 {
			team[u.ID] = u.TeamID
		} else {
			team[u.ID] = -u.ID
		}
	}
	return func(owner int64) int64 { return team[owner] }
}

// teamMedians returns the median open deal (value above zero, any stage
// but won or lost) of every group of owners concerned: those of owners,
// or all when owners is nil.
func (db *DB) teamMedians(ctx context.Context, owners []int64, users []*nudge.User, teamOf func(int64) int64) (map[int64]int64, error) {
	var w where
	cond := ""
	if owners != nil {
		groups := map[int64]bool{}
		for _, o := range owners {
			groups[teamOf(o)] = true
		}
		var ps []string
		for _, u := range users {
			if groups[teamOf(u.ID)] {
				ps = append(ps, w.arg(u.ID))
			}
		}
		if len(ps) == 0 {
			return map[int64]int64{}, nil
		}
		cond = " AND d.owner_id IN (" + strings.Join(ps, ", ") + ")"
	}
	rows, err := db.r.QueryContext(ctx, `SELECT COALESCE(d.owner_id, 0), d.value_cents FROM deals d
		WHERE d.stage NOT IN ('won', 'lost') AND d.value_cents > 0`+cond, w.args...)
	if err != nil {
		return nil, fmt.Errorf("open deals: %w", err)
	}
	defer rows.Close()
	values := map[int64][]int64{}
	for rows.Next() {
		var owner, v int64
		if err := rows.Scan(&owner, &v); err != nil {
			return nil, err
		}
		if k := teamOf(owner); k != 0 {
			values[k] = append(values[k], v)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	medians := make(map[int64]int64, len(values))
	for k, vs := range values {
		medians[k] = Median(vs)
	}
	return medians, nil
}

// Median returns the median of vs (the mean of the two middle values for
// an even count, rounded down); 0 for none. vs is sorted in place.
func Median(vs []int64) int64 {
	if len(vs) == 0 {
		return 0
	}
	slices.Sort(vs)
	n := len(vs)
	if n%2 == 1 {
		return vs[n/2]
	}
	return (vs[n/2-1] + vs[n/2]) / 2
}

// attempts counts the outbound touches of each listed person (B3).
func (db *DB) attempts(ctx context.Context, us []nudge.Upside) (map[int64]int, error) {
	out := map[int64]int{}
	if len(us) == 0 {
		return out, nil
	}
	var w where
	ps := make([]string, len(us))
	for i, u := range us {
		ps[i] = w.arg(u.PersonID)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT i.person_id, COUNT(*) FROM interactions i
		WHERE i.direction = 'outbound' AND i.person_id IN (`+strings.Join(ps, ", ")+`) GROUP BY i.person_id`, w.args...)
	if err != nil {
		return nil, fmt.Errorf("attempts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

// WithPeople locks several people (in id order, so that two bulk actions
// cannot deadlock), loads each one's snapshot and runs f on it, all in one
// transaction: every person changes, or none. ENOTFOUND names the first
// missing person.
func (db *DB) WithPeople(ctx context.Context, ids []int64, f func(tx *Tx, s *Snapshot) error) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return db.inTx(ctx, func(tx *wtx) error {
		t := &Tx{ctx: ctx, tx: tx, db: db, now: db.now()}
		for _, id := range ids {
			s, err := t.snapshot(id, db.d.forUpdate)
			if err != nil {
				return err
			}
			if err := f(t, s); err != nil {
				return fmt.Errorf("person %d: %w", id, err)
			}
		}
		return nil
	})
}
