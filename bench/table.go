package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// measure is one row of the table: a figure of nudge and the ceiling it is
// read against, measured in the same run on the same database.
type measure struct {
	key     string // name in the JSON
	name    string // what nudge did, with its unit
	ceiling string // the bare operation that bounds it
	// lower is set when a smaller figure is better (latency, time, memory).
	lower bool
}

// The measures, in the order of the table (issue 7).
var measures = []measure{
	{"import", "import, rows/s (`nudge import`: merge rule, all or nothing)", "bare bulk insert of the same rows, no indexes", false},
	{"seed", "seed, rows/s (`nudge dev seed`: the whole book)", "bare bulk insert of the same rows, no indexes", false},
	{"today_p50", "`today` p50, ms (each rep in turn)", "bare indexed query of the same tasks", true},
	{"today_p99", "`today` p99, ms", "bare indexed query of the same tasks", true},
	{"engine", "engine, steps/s (RunOnce over due people)", "bare job queue: claim and complete, same transactions", false},
	{"api", "API `GET /api/v1/tasks/today`, req/s", "trivial handler `/healthz` of the same server", false},
	{"api_p99", "API p99, ms", "trivial handler `/healthz` of the same server", true},
	{"report", "reports H1–H3 and replies, ms (issue 6)", "bare `SELECT count(*) FROM interactions`", true},
	{"rss", "peak RSS, MB (the process doing the work)", "peak RSS during the bare operations", true},
}

// cell is one backend's figure for a measure beside its ceiling.
type cell struct {
	Value   float64 `json:"value"`
	Ceiling float64 `json:"ceiling"`
	// Ratio is the share of the ceiling nudge reaches: value/ceiling for
	// rates, ceiling/value for times and sizes; 1 is as good as bare.
	Ratio float64 `json:"ratio"`
	// Missing says why there is no figure.
	Missing string `json:"missing,omitempty"`
}

// column is what one backend measured.
type column struct {
	Backend string          `json:"backend"` // "sqlite" or "postgres"
	Version string          `json:"version"` // of the database engine
	Cells   map[string]cell `json:"measures"`
	Counts  counts          `json:"counts"`
}

// counts are the sizes behind the figures, to check that the run did what
// it says.
type counts struct {
	Imported     int64 `json:"imported"`      // people rows through the import
	SeedRows     int64 `json:"seed_rows"`     // companies, people, interactions, enrollments, tasks
	People       int64 `json:"people"`        // of the seeded book
	Interactions int64 `json:"interactions"`  // of the seeded book
	Tasks        int64 `json:"tasks"`         // open tasks loaded by the seed
	Steps        int   `json:"steps"`         // people the engine settled
	QueueJobs    int   `json:"queue_jobs"`    // rows the bare queue completed
	TodayTasks   int   `json:"today_tasks"`   // tasks due today, over every rep
	APIAgenda    int   `json:"api_agenda"`    // tasks in the agenda the API load asks for
	APIBytes     int64 `json:"api_bytes"`     // its size as JSON
	APIRequests  int   `json:"api_requests"`  // agenda requests answered under load
	APIFailed    int   `json:"api_failed"`    // non-2xx answers or errors, both handlers
	HealthChecks int   `json:"health_checks"` // trivial requests answered under load
}

func (c *column) set(key string, value, ceiling float64) {
	m := measureByKey(key)
	r := value / ceiling
	if m.lower {
		r = ceiling / value
	}
	c.Cells[key] = cell{Value: value, Ceiling: ceiling, Ratio: r}
}

func (c *column) missing(key, why string) { c.Cells[key] = cell{Missing: why} }

func measureByKey(key string) measure {
	for _, m := range measures {
		if m.key == key {
			return m
		}
	}
	panic("bench: no measure " + key)
}

// Table is the run's result: one column per backend.
type Table struct {
	Machine Machine  `json:"machine"`
	Config  Config   `json:"config"`
	Columns []column `json:"backends"`
}

// title is a backend's name in the table.
func title(backend string) string {
	switch backend {
	case "sqlite":
		return "SQLite"
	case "postgres":
		return "PostgreSQL"
	}
	return backend
}

// header is the table's head: measure, then figure, ceiling and ratio per
// backend, then what the ceiling is.
func (t *Table) header() []string {
	h := []string{"measure"}
	for _, c := range t.Columns {
		name := title(c.Backend)
		h = append(h, name, name+" ceiling", "ratio")
	}
	return append(h, "ceiling")
}

// rows are the table's cells as text.
func (t *Table) rows() [][]string {
	var out [][]string
	for _, m := range measures {
		row := []string{m.name}
		for _, c := range t.Columns {
			x, ok := c.Cells[m.key]
			switch {
			case !ok:
				row = append(row, "—", "—", "—")
			case x.Missing != "":
				row = append(row, "not measured", "—", "—")
			default:
				row = append(row, figure(x.Value), figure(x.Ceiling), ratio(x.Ratio))
			}
		}
		out = append(out, append(row, m.ceiling))
	}
	return out
}

// notes lists the measures that were not taken and why.
func (t *Table) notes() []string {
	var out []string
	for _, m := range measures {
		for _, c := range t.Columns {
			if x := c.Cells[m.key]; x.Missing != "" {
				out = append(out, fmt.Sprintf("%s, %s: %s", title(c.Backend), m.key, x.Missing))
			}
		}
	}
	return out
}

// summary says what was run, on what.
func (t *Table) summary() string {
	m, c := t.Machine, t.Config
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s; %d CPUs (%s), %.0f GiB, load average %s at the start and %s at the end; %s.\n",
		m.Date, m.OS, m.CPUs, m.Model, m.MemGiB, m.LoadStart, m.LoadEnd, m.Go)
	fmt.Fprintf(&b, "Book: %s people, %s interactions, %s reps (seed %d); %s people due for the engine; "+
		"`today` %s calls; API %d connections for %s each with %s.\n",
		thousands(c.People), thousands(c.Interactions), thousands(c.Reps), c.Seed, thousands(c.Steps),
		thousands(c.Queries), c.Connections, c.APIDuration, c.Load)
	for _, col := range t.Columns {
		k := col.Counts
		fmt.Fprintf(&b, "%s %s: %s rows seeded (%s open tasks), %s imported, %s engine steps, %s tasks due today over all reps; "+
			"the API's agenda %s tasks (%s KB of JSON), %s requests under load (%d failed).\n",
			title(col.Backend), col.Version, thousands(int(k.SeedRows)), thousands(int(k.Tasks)), thousands(int(k.Imported)),
			thousands(k.Steps), thousands(k.TodayTasks), thousands(k.APIAgenda), thousands(int(k.APIBytes>>10)),
			thousands(k.APIRequests), k.APIFailed)
	}
	return b.String()
}

// Text writes the table aligned for a terminal.
func (t *Table) Text(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header(), "\t"))
	for _, r := range t.rows() {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprint(w, t.summary())
	for _, n := range t.notes() {
		fmt.Fprintln(w, "not measured:", n)
	}
	return err
}

// Markdown writes the table for the README.
func (t *Table) Markdown(w io.Writer) error {
	var b strings.Builder
	h := t.header()
	b.WriteString("| " + strings.Join(h, " | ") + " |\n|")
	for i := range h {
		if i == 0 || i == len(h)-1 {
			b.WriteString("---|")
		} else {
			b.WriteString("--:|")
		}
	}
	b.WriteString("\n")
	for _, r := range t.rows() {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
	b.WriteString("\n" + t.summary())
	for _, n := range t.notes() {
		b.WriteString("Not measured: " + n + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// JSON writes the table with every figure unrounded.
func (t *Table) JSON(w io.Writer) error {
	e := json.NewEncoder(w)
	e.SetIndent("", "  ")
	return e.Encode(t)
}

// figure prints a measured value: three significant digits below 100,
// whole numbers with thousands separators above.
func figure(v float64) string {
	switch {
	case v >= 100:
		return thousands(int(math.Round(v)))
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}

// ratio prints a share of the ceiling with two significant digits.
func ratio(r float64) string {
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return "—"
	}
	if r >= 10 {
		return strconv.FormatFloat(r, 'f', 0, 64)
	}
	return strconv.FormatFloat(r, 'g', 2, 64)
}

// thousands prints n with commas: 1000000 → "1,000,000".
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
