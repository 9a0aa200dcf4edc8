package seed

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/store"
)

// Stage names a part of a load, for progress reports.
type Stage string

const (
	StageReps      Stage = "reps"
	StageCompanies Stage = "companies"
	StagePeople    Stage = "people"
)

// Result is what Load stored.
type Result struct {
	Reps      []int64 // user ids, in Reps order
	Companies int
	store.BulkCount
}

// Options tune Load.
type Options struct {
	// Batch is how many people one transaction stores (store.BulkOptions).
	Batch int
	// Progress, if set, hears of each committed batch.
	Progress func(Stage, store.BulkCount)
}

// Load generates the book of g into db: the reps (through the user service,
// so an existing rep of the same email is reused), the companies, then the
// people with their histories, enrollments and tasks, by bulk loading.
func Load(ctx context.Context, db *store.DB, g *Generator, opts Options) (Result, error) {
	var res Result
	for _, u := range g.Reps() {
		u := u
		err := db.CreateUser(ctx, &u)
		if nudge.ErrorCode(err) == nudge.ECONFLICT {
			found, ferr := db.FindUserByEmail(ctx, u.Email)
			if ferr != nil {
				return res, fmt.Errorf("seed rep %s: %w", u.Email, ferr)
			}
			u, err = *found, nil
		}
		if err != nil {
			return res, fmt.Errorf("seed rep %s: %w", u.Email, err)
		}
		res.Reps = append(res.Reps, u.ID)
	}
	if opts.Progress != nil {
		opts.Progress(StageReps, store.BulkCount{})
	}
	rep := func(i int64) int64 {
		if i == 0 {
			return 0
		}
		return res.Reps[i-1]
	}
	// The ids are set batch by batch: read them once all are stored.
	var companies []*nudge.Company
	n, err := db.BulkCompanies(ctx, func(yield func(*nudge.Company) bool) {
		for c := range g.Companies() {
			c.OwnerID = rep(c.OwnerID)
			companies = append(companies, c)
			if !yield(c) {
				return
			}
		}
	})
	res.Companies = n
	if err != nil {
		return res, fmt.Errorf("seed companies: %w", err)
	}
	companyIDs := make([]int64, len(companies))
	for i, c := range companies {
		companyIDs[i] = c.ID
	}
	companies = nil
	if opts.Progress != nil {
		opts.Progress(StageCompanies, store.BulkCount{})
	}
	people := mapIDs(g.People(), rep, func(i int64) int64 { return companyIDs[i-1] })
	res.BulkCount, err = db.BulkLoad(ctx, people, store.BulkOptions{Batch: opts.Batch, Progress: func(c store.BulkCount) {
		if opts.Progress != nil {
			opts.Progress(StagePeople, c)
		}
	}})
	if err != nil {
		return res, fmt.Errorf("seed people: %w", err)
	}
	return res, nil
}

// mapIDs rewrites the generator's 1-based indexes into stored ids.
func mapIDs(people iter.Seq[*store.BulkPerson], rep, company func(int64) int64) iter.Seq[*store.BulkPerson] {
	return func(yield func(*store.BulkPerson) bool) {
		for bp := range people {
			bp.Person.OwnerID = rep(bp.Person.OwnerID)
			if bp.Person.CompanyID != 0 {
				bp.Person.CompanyID = company(bp.Person.CompanyID)
			}
			for i := range bp.Interactions {
				bp.Interactions[i].UserID = rep(bp.Interactions[i].UserID)
			}
			for i := range bp.Enrollments {
				bp.Enrollments[i].UserID = rep(bp.Enrollments[i].UserID)
			}
			for i := range bp.Tasks {
				bp.Tasks[i].AssigneeID = rep(bp.Tasks[i].AssigneeID)
			}
			if !yield(bp) {
				return
			}
		}
	}
}

// Rate is rows per second over d, for progress lines.
func Rate(rows int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(rows) / d.Seconds()
}
