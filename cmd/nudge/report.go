package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/chart"
	"github.com/nudgecrm/nudge/report"
	"github.com/nudgecrm/nudge/store"
)

// PNG size of `nudge report … --png`.
const pngWidth, pngHeight = 900, 500

// reportFlags are what every report command takes.
type reportFlags struct {
	rep, team, from, to, png string
	asJSON                   bool
	by                       string // replies: the breakdown the PNG draws
}

func (a *App) reportCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Your persistence against the published figures (H1–H3) and reply rates, as a table, JSON or a PNG chart",
		Long: `Reports over a period (default: the 90 days up to now; --from is included, --to excluded,
so --from 2026-09-01 --to 2026-10-01 is September). Dates are read at midnight in NUDGE_TZ, else UTC.
The definitions (touch, contact, win, dropped) are in report/doc.go.

  persistence  H1: touches before each prospect was dropped, against 44/22/14/12/8% and 1.3,
               and the prospects left on the table (dropped before 6 touches without a "no", B3)
  wins         H2: wins by the touch they came on, against "80% on the 4th–6th"
  contact      H3: prospects reached by each attempt, against "6 calls → 90%"
  replies      reply rate per cadence step, channel and template (by the rep who made the touch)
  rebuild      recompute the reports' summaries from the stored interactions and tasks`,
	}
	type run func(ctx context.Context, db *store.DB, f report.Filter, fl reportFlags, who string) error
	sub := func(name, short string, r run) *cobra.Command {
		var fl reportFlags
		c := &cobra.Command{
			Use:   name + " [--rep EMAIL | --team NAME] [--from DATE] [--to DATE] [--json] [--png FILE]",
			Short: short,
			Args:  cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				db, err := a.DB(cmd.Context())
				if err != nil {
					return err
				}
				f, who, err := a.reportFilter(cmd, db, fl)
				if err != nil {
					return err
				}
				return r(cmd.Context(), db, f, fl, who)
			},
		}
		fs := c.Flags()
		fs.StringVar(&fl.rep, "rep", "", "one rep's figures (email or user id)")
		fs.StringVar(&fl.team, "team", "", "one team's figures (team name)")
		fs.StringVar(&fl.from, "from", "", "start of the period, included (2026-09-01 or RFC 3339; default: 90 days before --to)")
		fs.StringVar(&fl.to, "to", "", "end of the period, excluded (default: now)")
		fs.BoolVar(&fl.asJSON, "json", false, "print the report as JSON")
		fs.StringVar(&fl.png, "png", "", "also write the chart to this PNG file")
		c.MarkFlagsMutuallyExclusive("rep", "team")
		if name == "replies" {
			fs.StringVar(&fl.by, "by", "step", "the breakdown the PNG draws: step, channel or template")
		}
		return c
	}
	cmd.AddCommand(
		sub("persistence", "H1: touches before giving up, and the pipeline left on the table", func(ctx context.Context, db *store.DB, f report.Filter, fl reportFlags, who string) error {
			r, err := db.Persistence(ctx, f)
			if err != nil {
				return err
			}
			return a.reportOut(fl, r, r.Chart(who), func(w io.Writer) { printPersistence(w, r, who) })
		}),
		sub("wins", "H2: wins by the touch they came on", func(ctx context.Context, db *store.DB, f report.Filter, fl reportFlags, who string) error {
			r, err := db.WinsByTouch(ctx, f)
			if err != nil {
				return err
			}
			return a.reportOut(fl, r, r.Chart(who), func(w io.Writer) { printWins(w, r, who) })
		}),
		sub("contact", "H3: prospects reached by attempt", func(ctx context.Context, db *store.DB, f report.Filter, fl reportFlags, who string) error {
			r, err := db.ContactByAttempt(ctx, f)
			if err != nil {
				return err
			}
			return a.reportOut(fl, r, r.Chart(who), func(w io.Writer) { printContact(w, r, who) })
		}),
		sub("replies", "Reply rate per cadence step, channel and template", func(ctx context.Context, db *store.DB, f report.Filter, fl reportFlags, who string) error {
			by := report.ReplyBy(fl.by)
			if _, ok := (report.Replies{}).Rows(by); !ok {
				return nudge.FieldError("by", "%q is not a breakdown (want step, channel or template)", fl.by)
			}
			r, err := db.ReplyRates(ctx, f)
			if err != nil {
				return err
			}
			return a.reportOut(fl, r, r.Chart(who, by), func(w io.Writer) { printReplies(w, r, who) })
		}),
		&cobra.Command{
			Use:   "rebuild",
			Short: "Recompute the reports' summaries from the stored interactions and tasks",
			Long: `The store keeps the reports' summaries (per person: touches, first contact, last touch;
per day: done tasks and their answers) up to date with every write. Rebuild them after
writing to the database by other means, such as restoring some of its tables.`,
			Args: cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				db, err := a.DB(cmd.Context())
				if err != nil {
					return err
				}
				n, err := db.RebuildReports(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(a.Env.Stdout, "report summaries rebuilt: %d people with touches\n", n)
				return nil
			},
		},
	)
	return cmd
}

// reportFilter reads the period and the rep or team; who names them in the
// output ("Everybody" without either).
func (a *App) reportFilter(cmd *cobra.Command, db *store.DB, fl reportFlags) (report.Filter, string, error) {
	ctx := cmd.Context()
	f := report.Filter{Now: a.Now()}
	who := "Everybody"
	loc := time.UTC
	if tz := a.Env.Getenv("NUDGE_TZ"); tz != "" {
		l, err := nudge.LoadLocation(tz)
		if err != nil {
			return f, "", fmt.Errorf("NUDGE_TZ: %w", err)
		}
		loc = l
	}
	var err error
	if fl.from != "" {
		if f.From, err = reportDate(fl.from, loc); err != nil {
			return f, "", nudge.FieldError("from", "%v", err)
		}
	}
	if fl.to != "" {
		if f.To, err = reportDate(fl.to, loc); err != nil {
			return f, "", nudge.FieldError("to", "%v", err)
		}
	}
	switch {
	case fl.rep != "":
		u, err := a.findUser(cmd, fl.rep)
		if err != nil {
			return f, "", fmt.Errorf("--rep: %w", err)
		}
		f.Owners, who = []int64{u.ID}, u.Name
		if who == "" {
			who = u.Email
		}
	case fl.team != "":
		teams, err := db.FindTeams(ctx)
		if err != nil {
			return f, "", err
		}
		var team *nudge.Team
		for _, t := range teams {
			if strings.EqualFold(t.Name, strings.TrimSpace(fl.team)) {
				team = t
			}
		}
		if team == nil {
			return f, "", nudge.FieldError("team", "no team named %q", fl.team)
		}
		if f.Owners, err = db.TeamOwners(ctx, team.ID); err != nil {
			return f, "", err
		}
		who = "Team " + team.Name
	}
	return f, who, f.Validate()
}

// reportDate reads a date (midnight in loc) or an RFC 3339 instant.
func reportDate(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (want 2026-09-01 or an RFC 3339 time)", s)
	}
	return t.UTC(), nil
}

// reportOut prints the report as JSON or a table, and writes the chart
// when asked: all three from the same value.
func (a *App) reportOut(fl reportFlags, v any, c chart.Bars, table func(io.Writer)) error {
	if fl.png != "" {
		if err := writePNG(fl.png, c); err != nil {
			return err
		}
	}
	if fl.asJSON {
		return a.writeJSON(v)
	}
	table(a.Env.Stdout)
	if fl.png != "" {
		fmt.Fprintf(a.Env.Stdout, "\nchart written to %s\n", fl.png)
	}
	return nil
}

// writePNG writes the chart to path, leaving no half-written file behind.
func writePNG(path string, c chart.Bars) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".nudge-chart-*.png")
	if err != nil {
		return fmt.Errorf("--png: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := c.PNG(tmp, pngWidth, pngHeight); err != nil {
		tmp.Close()
		return fmt.Errorf("--png: draw %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--png: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("--png: %w", err)
	}
	return nil
}

// pct formats a share as the tables print it: one decimal, "62.5%".
func pct(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) }

func pctOf(b *float64) string {
	if b == nil {
		return "–"
	}
	return pct(*b)
}

func periodLine(w io.Writer, title, who string, p report.Period) {
	fmt.Fprintf(w, "%s — %s\n%s to %s UTC (the end excluded)\n\n", title, who,
		p.From.UTC().Format("2006-01-02 15:04"), p.To.UTC().Format("2006-01-02 15:04"))
}

func printPersistence(w io.Writer, r report.Persistence, who string) {
	periodLine(w, "Touches before giving up (H1)", who, r.Period)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "touches\tdropped\tshare\tpublished\t")
	for _, b := range r.Buckets {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t\n", b.Label, b.Count, pct(b.Share), pctOf(b.Baseline))
	}
	fmt.Fprintf(tw, "total\t%d\t\t\t\n", r.Dropped)
	tw.Flush()
	fmt.Fprintf(w, "\naverage touches before giving up: %.2f (published: %.1f)\n", r.Average, r.Baseline)
	fmt.Fprintf(w, "left on the table (B3: dropped before 6 touches without a \"no\"): %d\n", r.LeftOnTable)
	if len(r.Left) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, d := range r.Left {
			fmt.Fprintf(tw, "  #%d\t%s\t%d touches\tlast %s\tdropped %s\n", d.PersonID, d.Name, d.Touches,
				d.LastTouch.Format("2006-01-02"), d.DroppedAt.Format("2006-01-02"))
		}
		tw.Flush()
	}
	if len(r.Reps) > 0 {
		fmt.Fprintln(w, "\nper rep:")
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "rep\tdropped\taverage\tleft on the table\t")
		for _, rp := range r.Reps {
			fmt.Fprintf(tw, "%s\t%d\t%.2f\t%d\t\n", rp.Name, rp.Dropped, rp.Average, rp.LeftOnTable)
		}
		tw.Flush()
	}
}

func printWins(w io.Writer, r report.Wins, who string) {
	periodLine(w, "Wins by touch (H2)", who, r.Period)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "touch\twins\tshare\t")
	for _, b := range r.Buckets {
		fmt.Fprintf(tw, "%s\t%d\t%s\t\n", b.Label, b.Count, pct(b.Share))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "touches\twins\tshare\tpublished\t")
	for _, g := range r.Groups {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t\n", g.Label, g.Count, pct(g.Share), pctOf(g.Baseline))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nwins: %d, of which %d before any touch (not in the shares)\n", r.Wins, r.NoTouch)
	fmt.Fprintf(w, "on the 4th–6th touch: %s (published: %s)\n", pct(r.FourToSix), pct(r.Baseline))
}

func printContact(w io.Writer, r report.Contact, who string) {
	periodLine(w, "Contact rate by attempt (H3)", who, r.Period)
	fmt.Fprintf(w, "prospects first touched in the period: %d, reached so far: %d\n\n", r.Prospects, r.Reached)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "attempt\treached\tshare\ttried\tof tried\tpublished\t")
	for _, b := range r.Buckets {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\t\n", b.Attempt, b.Reached, pct(b.Share), b.Tried, pct(b.ShareOfTried), pctOf(b.Baseline))
	}
	tw.Flush()
	fmt.Fprintln(w, "\nreached: by that attempt, cumulative; tried: reached by then or given at least that many attempts")
}

func printReplies(w io.Writer, r report.Replies, who string) {
	periodLine(w, "Reply rates", who, r.Period)
	fmt.Fprintf(w, "touches done: %d, answered: %d (%s)\n", r.Touches, r.Replied, pct(r.Rate))
	for _, by := range []report.ReplyBy{report.ByStep, report.ByChannel, report.ByTemplate} {
		rows, _ := r.Rows(by)
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "%s\ttouches\tanswered\trate\n", by)
		for _, x := range rows {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\n", x.Key, x.Touches, x.Replied, pct(x.Rate))
		}
		tw.Flush()
	}
}
