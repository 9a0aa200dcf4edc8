package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/store"
)

// valueCommands are F2's value inventory (nudge value add|measure|show) and
// F3's clean list (nudge clean).
func (a *App) valueCommands() []*cobra.Command {
	value := &cobra.Command{
		Use:   "value",
		Short: "A customer's value inventory (F2): value lines, baseline, goal, re-measurements, achieved against goal",
		Long: `The value inventory of a customer (F2, "Is your customer cheating on you?"): each value line
sold, its baseline measured before the sale, the goal both sides agreed, and re-measurements.
Adding a line enrols the customer in the value-check cadence (the scheduled re-measurements).
A goal met proposes a call to look for other areas to help; a goal missed — measured short
after its date, or its date passing unmet — proposes a "why not" conversation: a chance to
sell more. Both appear on Today with rule F2.`,
	}
	value.AddCommand(a.valueAddCommand(), a.valueMeasureCommand(), a.valueShowCommand())
	return []*cobra.Command{value, a.cleanCommand()}
}

func (a *App) valueAddCommand() *cobra.Command {
	var l nudge.ValueLine
	var lower, higher bool
	var baseline, baselineAt, goal, by string
	cmd := &cobra.Command{
		Use:   "add PERSON --line NAME --baseline V --goal V --by DATE [--unit U] [--lower-is-better] [--baseline-at DATE]",
		Short: "Add a value line to a customer's inventory, with its baseline and the agreed goal",
		Example: `  nudge value add jerry@example.com --line "labour cost" --unit USD/month --lower-is-better \
        --baseline 4200 --baseline-at 2026-11-02 --goal 3000 --by 2027-06-30`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			defer func() { err = asFlagError(err) }()
			if lower && higher {
				return nudge.FieldError("direction", "say either --lower-is-better or --higher-is-better, not both")
			}
			_, p, err := a.personArg(cmd, args[0])
			if err != nil {
				return err
			}
			loc := p.Zone(a.zone(nil))
			l.PersonID, l.Direction = p.ID, nudge.HigherIsBetter
			if lower {
				l.Direction = nudge.LowerIsBetter
			}
			if l.Baseline, err = parseValue("baseline", baseline); err != nil {
				return err
			}
			if l.Goal, err = parseValue("goal", goal); err != nil {
				return err
			}
			l.BaselineAt = a.Now()
			if baselineAt != "" {
				if l.BaselineAt, err = parseWhen(baselineAt, loc); err != nil {
					return nudge.FieldError("baseline_at", "%v", err)
				}
			}
			if l.GoalBy, err = parseWhen(by, loc); err != nil {
				return nudge.FieldError("by", "%v", err)
			}
			svc, err := a.Followup(cmd)
			if err != nil {
				return err
			}
			ch, err := svc.AddValueLine(cmd.Context(), &l)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Env.Stdout, "added value line %q for %s: %s, goal %s by %s (F2)\n", l.Name, displayName(p),
				directionWords(l.Direction), nudge.FormatValue(l.Goal)+unitSuffix(l.Unit), l.GoalBy.In(loc).Format("2 Jan 2006"))
			if ch.Enrolled {
				fmt.Fprintln(a.Env.Stdout, "enrolled in value-check: the re-measurements are scheduled (see `nudge today`)")
			}
			a.printValueChange(ch, loc)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&l.Name, "line", "", "the value line, e.g. \"labour cost reduction\" (required)")
	f.StringVar(&l.Unit, "unit", "", "its unit, e.g. USD/month, minutes")
	f.BoolVar(&lower, "lower-is-better", false, "a cost or a time: the goal is below the baseline")
	f.BoolVar(&higher, "higher-is-better", false, "revenue, throughput: the goal is above the baseline (the default)")
	f.StringVar(&baseline, "baseline", "", "the value measured before the sale (required)")
	f.StringVar(&baselineAt, "baseline-at", "", "when the baseline was measured (default now; their zone)")
	f.StringVar(&goal, "goal", "", "the goal both sides agreed (required)")
	f.StringVar(&by, "by", "", "the date the goal is due (required; their zone)")
	for _, name := range []string{"line", "baseline", "goal", "by"} {
		cmd.MarkFlagRequired(name)
	}
	return cmd
}

func (a *App) valueMeasureCommand() *cobra.Command {
	var at, note string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "measure PERSON LINE VALUE [--at DATE] [--note TEXT]",
		Short: "Record a re-measurement of a value line; a met or missed goal proposes its conversation",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, p, err := a.personArg(cmd, args[0])
			if err != nil {
				return err
			}
			loc := p.Zone(a.zone(nil))
			m := &nudge.Measurement{Note: note}
			if m.Value, err = parseValue("value", args[2]); err != nil {
				return err
			}
			if at != "" {
				if m.At, err = parseWhen(at, loc); err != nil {
					return nudge.FieldError("at", "%v", err)
				}
			}
			svc, err := a.Followup(cmd)
			if err != nil {
				return err
			}
			ch, err := svc.Measure(cmd.Context(), p.ID, args[1], m)
			if err != nil {
				return err
			}
			if asJSON {
				return a.writeJSON(ch)
			}
			l := ch.Line
			fmt.Fprintf(a.Env.Stdout, "%s: %s%s on %s — %s%% of the way from %s to %s: %s\n", l.Line.Name, nudge.FormatValue(m.Value),
				unitSuffix(l.Line.Unit), m.At.In(loc).Format("2 Jan 2006"), nudge.FormatValue(l.Progress),
				nudge.FormatValue(l.Line.Baseline), nudge.FormatValue(l.Line.Goal), l.Status)
			a.printValueChange(ch, loc)
			return nil
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "when it was measured (default now; their zone)")
	cmd.Flags().StringVar(&note, "note", "", "what was measured and how")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the line's progress and any proposal as JSON")
	return cmd
}

// printChange says what the engine proposed, or why it proposed nothing.
func (a *App) printValueChange(ch *followup.ValueChange, loc *time.Location) {
	if t := ch.Proposed; t != nil {
		fmt.Fprintf(a.Env.Stdout, "proposed #%d: %s %s — %s: %s\n", t.ID, t.Channel, t.Due.In(loc).Format("Mon 2 Jan 15:04 MST"), t.Rule, t.Reason)
	}
	if ch.Note != "" {
		fmt.Fprintln(a.Env.Stdout, ch.Note)
	}
}

func (a *App) valueShowCommand() *cobra.Command {
	var asJSON bool
	var png string
	cmd := &cobra.Command{
		Use:   "show PERSON [--json] [--png FILE]",
		Short: "Achieved against goal for each value line, with the next re-measurement and open proposals",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, p, err := a.personArg(cmd, args[0])
			if err != nil {
				return err
			}
			svc, err := a.Followup(cmd)
			if err != nil {
				return err
			}
			r, err := svc.ValueReport(cmd.Context(), p)
			if err != nil {
				return err
			}
			if png != "" {
				if err := writeValuePNG(png, r); err != nil {
					return err
				}
			}
			if asJSON {
				return a.writeJSON(r)
			}
			a.printValueReport(r, p.Zone(a.zone(nil)))
			if png != "" {
				fmt.Fprintf(a.Env.Stdout, "chart written to %s\n", png)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON (lines with baseline, goal, points, progress_pct, status)")
	cmd.Flags().StringVar(&png, "png", "", "also draw achieved against goal over time into this PNG file")
	return cmd
}

func writeValuePNG(path string, r *followup.ValueReport) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--png: %w", err)
	}
	if err := r.Chart().PNG(f, 1000, 560); err != nil {
		f.Close()
		return fmt.Errorf("--png %s: %w", path, err)
	}
	return f.Close()
}

func (a *App) printValueReport(r *followup.ValueReport, loc *time.Location) {
	out := a.Env.Stdout
	fmt.Fprintf(out, "%s — value inventory (F2), %s\n", r.Person, r.At.In(loc).Format("2 Jan 2006"))
	if !r.Customer {
		fmt.Fprintln(out, "not a customer yet: value lines are for customers (status customer or a won deal)")
	}
	if len(r.Lines) == 0 {
		fmt.Fprintln(out, "no value lines yet: `nudge value add` records one")
	}
	for _, l := range r.Lines {
		u := unitSuffix(l.Line.Unit)
		fmt.Fprintf(out, "\n%s (%s)\n", l.Line.Name, directionWords(l.Line.Direction))
		tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', tabwriter.AlignRight)
		for i, pt := range l.Points {
			what, note := "measured", noteLine(pt.Note)
			if i == 0 {
				what, note = "baseline", ""
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s%s\t%s%%\t %s\n", pt.At.In(loc).Format("2006-01-02"), what, nudge.FormatValue(pt.Value), u,
				nudge.FormatValue(pt.Progress), note)
		}
		tw.Flush()
		fmt.Fprintf(out, "  goal %s%s by %s — now %s%% of the way: %s\n", nudge.FormatValue(l.Line.Goal), u,
			l.Line.GoalBy.In(loc).Format("2 Jan 2006"), nudge.FormatValue(l.Progress), l.Status)
	}
	if t := r.NextCheck; t != nil {
		fmt.Fprintf(out, "\nnext re-measurement: %s %s (value-check %s, %s)\n", t.Channel, valueDue(t.Due), t.StepID, t.Rule)
	}
	for _, t := range r.Proposals {
		fmt.Fprintf(out, "proposed #%d: %s %s — %s: %s\n", t.ID, t.Channel, valueDue(t.Due), t.Rule, t.Reason)
	}
}

func valueDue(rfc string) string {
	t, err := time.Parse(time.RFC3339, rfc)
	if err != nil {
		return rfc
	}
	return t.Format("Mon 2 Jan 2006 15:04 -07:00")
}

func noteLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func unitSuffix(u string) string {
	if u == "" {
		return ""
	}
	return " " + u
}

func directionWords(d nudge.ValueDirection) string {
	if d == nudge.LowerIsBetter {
		return "lower is better"
	}
	return "higher is better"
}

// number reads a measured value: 4200, 3.5, 4,200 (thousands commas).
func parseValue(field, s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), 64)
	if err != nil {
		return 0, nudge.FieldError(field, "%q is not a number", s)
	}
	return v, nil
}

// asFlagError names the flag of a value line's field error ("by" is --by).
func asFlagError(err error) error {
	flags := map[string]string{"line": "--line", "unit": "--unit", "baseline": "--baseline", "baseline_at": "--baseline-at",
		"goal": "--goal", "by": "--by", "direction": "--lower-is-better"}
	if e, ok := err.(*nudge.Error); ok && flags[e.Field] != "" {
		return &nudge.Error{Code: e.Code, Message: flags[e.Field] + ": " + e.Message}
	}
	return err
}

func (a *App) cleanCommand() *cobra.Command {
	var limit int
	var asJSON bool
	var apply, rep string
	cmd := &cobra.Command{
		Use:   "clean [--limit N] [--rep REP] [--json] | clean --apply drip|drop PERSON...",
		Short: "Clean the list (F3): the lowest-upside prospects, and whom to drop or move to the drip",
		Long: `The clean list (F3): the active prospects with the least upside, lowest first, with their
score (0–100) and its parts — fit 0–30 (a company, a decision-maker, in the rep's market),
engagement 0–30 (two-way touches and commitments kept, last 90 days), deal size 0–20 (open
deals against the team's median), recency 0–20 (days since the last two-way touch) — and the
proposed action: drop (disqualify: not a fit) or drip (the monthly nurture of F1).

--apply does it, for the people named, in one step: drop disqualifies them, drip moves them to
the drip; their active cadences end either way. Below six attempts B3 warns: no prospect should
leave active follow-up before six attempts unless they said no.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if apply != "" {
				return a.cleanApply(cmd, apply, args)
			}
			if len(args) > 0 {
				return fmt.Errorf("people are named only with --apply drip|drop")
			}
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			q := store.CleanQuery{Now: a.Now(), Limit: limit}
			if rep != "" {
				u, err := a.findUser(cmd, rep)
				if err != nil {
					return fmt.Errorf("--rep: %w", err)
				}
				q.Owners = []int64{u.ID}
			}
			list, err := db.CleanList(cmd.Context(), q)
			if err != nil {
				return err
			}
			if asJSON {
				if list == nil {
					list = []nudge.Upside{}
				}
				return a.writeJSON(list)
			}
			if len(list) == 0 {
				fmt.Fprintln(a.Env.Stdout, "No active prospects to clean.")
				return nil
			}
			tw := tabwriter.NewWriter(a.Env.Stdout, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tPERSON\tSCORE\tFIT\tENGAGEMENT\tDEAL\tRECENCY\tACTION\tWHY")
			for _, u := range list {
				fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", u.PersonID, u.Person, u.Score, u.Fit, u.Engagement, u.Deal, u.Recency, u.Action, u.Reason)
			}
			return tw.Flush()
		},
	}
	f := cmd.Flags()
	f.IntVar(&limit, "limit", store.DefaultCleanLimit, fmt.Sprintf("how many of the lowest to list (at most %d)", store.MaxCleanLimit))
	f.BoolVar(&asJSON, "json", false, "print as JSON (person_id, person, score, fit, engagement, deal, recency, action, reason)")
	f.StringVar(&apply, "apply", "", "drip or drop the PERSONs named (ids or emails)")
	f.StringVar(&rep, "rep", "", "only this rep's prospects (user id or email)")
	return cmd
}

// cleanApply drops or drips the people named, in one transaction.
func (a *App) cleanApply(cmd *cobra.Command, action string, refs []string) error {
	act, err := nudge.ParseCleanAction(action)
	if err != nil {
		return fmt.Errorf("--apply: unknown action %q (want drip or drop)", action)
	}
	if len(refs) == 0 {
		return fmt.Errorf("--apply %s: name the people (ids or emails)", act)
	}
	db, err := a.DB(cmd.Context())
	if err != nil {
		return err
	}
	ids := make([]int64, len(refs))
	for i, ref := range refs {
		p, err := a.findPerson(cmd.Context(), db, ref)
		if err != nil {
			return fmt.Errorf("%s: %w", ref, err)
		}
		ids[i] = p.ID
	}
	svc, err := a.Followup(cmd)
	if err != nil {
		return err
	}
	n, err := svc.Clean(cmd.Context(), act, ids)
	if err != nil {
		return err
	}
	what := "moved %d of %d to the monthly drip (F1)"
	if act == nudge.CleanDrop {
		what = "dropped %d of %d: disqualified, on the monthly drip (F1)"
	}
	fmt.Fprintf(a.Env.Stdout, what+"\n", n, len(ids))
	return nil
}
