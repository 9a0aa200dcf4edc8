package report

import (
	"cmp"
	"slices"
	"strconv"
	"time"
)

// H1's published figures: of the prospects a rep gives up on, 44% after 1
// touch, 22% after 2, 14% after 3, 12% after 4, and 8% get a 5th (source
// 003); the average rep follows up 1.3 times (B3, source 004).
var (
	PersistenceBaseline = [5]float64{0.44, 0.22, 0.14, 0.12, 0.08}
	AverageBaseline     = 1.3
)

// persistenceLabels are H1's buckets: touches before giving up.
var persistenceLabels = [5]string{"1", "2", "3", "4", "5+"}

// DropCount is what the store counts for H1: how many people one owner
// dropped after a number of touches (6 stands for 6 or more), and the sum
// of their touches.
type DropCount struct {
	Owner   int64
	Touches int // 1…5, or 6 for six or more
	People  int
	Sum     int // their touches, uncapped
}

// Dropped is a prospect left on the table: dropped before six touches
// without a no (B3).
type Dropped struct {
	PersonID  int64     `json:"person_id"`
	Name      string    `json:"name"`
	Owner     int64     `json:"owner_id,omitempty"`
	Touches   int       `json:"touches"`
	LastTouch time.Time `json:"last_touch"`
	DroppedAt time.Time `json:"dropped_at"` // last touch + Quiet
}

// Persistence is the H1 report: how many touches the rep made before each
// prospect was dropped, against the published distribution and average, and
// the pipeline left on the table.
type Persistence struct {
	Period
	Dropped  int      `json:"dropped"`
	Average  float64  `json:"average"` // touches per dropped prospect
	Baseline float64  `json:"average_baseline"`
	Buckets  []Bucket `json:"buckets"` // 1, 2, 3, 4, 5+ touches
	// LeftOnTable counts the dropped with fewer than six touches (B3).
	LeftOnTable int `json:"left_on_table"`
	// Left lists them, most recently dropped first, when the report is one
	// rep's (at most ListLimit).
	Left []Dropped `json:"left,omitempty"`
	// Reps breaks the figures down per owner, when there are several.
	Reps []RepPersistence `json:"reps,omitempty"`
}

// RepPersistence is one rep's line of a team's H1 report.
type RepPersistence struct {
	Rep
	Dropped     int     `json:"dropped"`
	Average     float64 `json:"average"`
	Counts      [5]int  `json:"counts"` // 1, 2, 3, 4, 5+ touches
	LeftOnTable int     `json:"left_on_table"`
}

// ListLimit bounds the list of prospects left on the table.
const ListLimit = 100

// NewPersistence builds the H1 report from the store's counts. reps names
// the owners; perRep adds the breakdown by owner; left is the list for one
// rep (nil otherwise).
func NewPersistence(p Period, counts []DropCount, reps map[int64]Rep, perRep bool, left []Dropped) Persistence {
	r := Persistence{Period: p, Baseline: AverageBaseline, Left: left}
	var total tally
	byRep := map[int64]*tally{}
	for _, c := range counts {
		total.add(c)
		if byRep[c.Owner] == nil {
			byRep[c.Owner] = &tally{}
		}
		byRep[c.Owner].add(c)
	}
	r.Dropped, r.Average, r.LeftOnTable = total.people, total.average(), total.left
	for i, l := range persistenceLabels {
		r.Buckets = append(r.Buckets, Bucket{Label: l, Count: total.counts[i], Share: share(total.counts[i], total.people),
			Baseline: ptr(PersistenceBaseline[i])})
	}
	if perRep {
		for id, t := range byRep {
			rep, ok := reps[id]
			if !ok {
				rep = Rep{ID: id, Name: "user " + strconv.FormatInt(id, 10)}
			}
			if id == 0 {
				rep.Name = "(no owner)"
			}
			r.Reps = append(r.Reps, RepPersistence{Rep: rep, Dropped: t.people, Average: t.average(), Counts: t.counts, LeftOnTable: t.left})
		}
		slices.SortFunc(r.Reps, func(a, b RepPersistence) int {
			return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
		})
	}
	return r
}

// tally sums DropCounts.
type tally struct {
	people, sum, left int
	counts            [5]int
}

func (t *tally) add(c DropCount) {
	t.people += c.People
	t.sum += c.Sum
	t.counts[max(1, min(c.Touches, 5))-1] += c.People
	if c.Touches < SixTouches {
		t.left += c.People
	}
}

func (t *tally) average() float64 {
	if t.people == 0 {
		return 0
	}
	return float64(t.sum) / float64(t.people)
}
