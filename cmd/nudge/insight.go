package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
)

// insightCommands are G4's `nudge carr`, E6's `nudge reason` and E7's
// `nudge nearby`.
func (a *App) insightCommands() []*cobra.Command {
	return []*cobra.Command{a.carrCommand(), a.reasonCommand(), a.nearbyCommand()}
}

// carrView is `nudge carr PERSON --json`.
type carrView struct {
	PersonID int64  `json:"person_id"`
	Person   string `json:"person"`
	nudge.CARR
	Advice string `json:"advice"`
}

func (a *App) carrCommand() *cobra.Command {
	var asJSON, refresh, all bool
	cmd := &cobra.Command{
		Use:   "carr [PERSON] [--refresh [--all]]",
		Short: "Where a prospect stands: Curiosity → Annoyance → Resentment → Respect (G4), and why",
		Long: `The CARR phase of a prospect (G4, seed 004), from their touches and answers:

  curiosity   at first, and while they engage
  annoyance   3 unanswered touches within 14 days
  resentment  6 unanswered in a row once annoyed, or a "no" or a "stop"
  respect     they answer after annoyance or resentment, the silence having been
              met on at least 2 channels (B5, B7), or they come back after a no

The engine keeps each person's phase current (the People page filters by it).
--refresh computes the phase of people whose phase was never computed (history
recorded before nudge kept it, or loaded in bulk); --all recomputes everyone's.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			svc, err := a.Followup(cmd)
			if err != nil {
				return err
			}
			if refresh {
				n, err := svc.RefreshCARR(ctx, all)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.Env.Stdout, "G4: computed the CARR phase of %d %s\n", n, plural(n, "person", "people"))
				return nil
			}
			if len(args) == 0 {
				return nudge.Errorf(nudge.EINVALID, "name a PERSON (id or email), or --refresh")
			}
			_, p, err := a.personArg(cmd, args[0])
			if err != nil {
				return err
			}
			c, err := svc.CARR(ctx, p.ID)
			if err != nil {
				return err
			}
			v := carrView{PersonID: p.ID, Person: displayName(p), CARR: c, Advice: c.Phase.Advice()}
			if asJSON {
				return a.writeJSON(v)
			}
			fmt.Fprintf(a.Env.Stdout, "%s: %s (G4)\n  %s\n  %s\n", v.Person, c.Phase.Title(), c.Why, v.Advice)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON (person_id, person, phase, why, since, unanswered, advice)")
	cmd.Flags().BoolVar(&refresh, "refresh", false, "compute the stored phase of people whose phase was never computed")
	cmd.Flags().BoolVar(&all, "all", false, "with --refresh: recompute everyone's phase")
	return cmd
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (a *App) reasonCommand() *cobra.Command {
	var note string
	var asJSON bool
	var long strings.Builder
	long.WriteString(`Record the likely reason a quiet prospect does not answer (E6) and get the technique
that answers it as their next step: a task on the rep's Today with rule E6, the
technique and why in its reason, and the words in its script. Their open cadence
makes way for it (an appointment's keeps its times); recording another reason
replaces the first. Nothing is proposed to someone who said no or may not be
contacted (G1). Without REASON, shows the reason recorded.

Reasons and their techniques:
`)
	for _, t := range nudge.Techniques() {
		fmt.Fprintf(&long, "  %-18s %s → %s (%s)\n", t.Reason, t.Label, t.Name, t.Rules)
	}
	cmd := &cobra.Command{
		Use:   "reason PERSON [REASON] [--note TEXT]",
		Short: "Why a quiet prospect does not answer (E6): record a likely reason, get the technique as the next step",
		Long:  long.String(),
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			_, p, err := a.personArg(cmd, args[0])
			if err != nil {
				return err
			}
			svc, err := a.Followup(cmd)
			if err != nil {
				return err
			}
			var q *followup.Quiet
			if len(args) == 1 {
				if q, err = svc.QuietReason(ctx, p); err != nil {
					return err
				}
				if q == nil {
					if asJSON {
						return a.writeJSON(nil)
					}
					fmt.Fprintf(a.Env.Stdout, "No reason recorded for %s (E6). Record one: nudge reason %s REASON (see nudge reason --help).\n", displayName(p), args[0])
					return nil
				}
			} else {
				reason, err := nudge.ParseQuietReason(args[1])
				if err != nil {
					return err
				}
				if q, err = svc.RecordQuietReason(ctx, nudge.QuietNote{PersonID: p.ID, Reason: reason, Note: note}); err != nil {
					return err
				}
			}
			if asJSON {
				return a.writeJSON(q)
			}
			w := a.Env.Stdout
			fmt.Fprintf(w, "%s, E6: %s\n", displayName(p), q.Technique)
			if q.Note.Note != "" {
				fmt.Fprintf(w, "  note: %s\n", q.Note.Note)
			}
			fmt.Fprintf(w, "  why: %s\n", q.Technique.Why)
			switch {
			case q.Stopped != "":
				fmt.Fprintf(w, "  %s: no technique is proposed\n", q.Stopped)
			case q.Task != nil:
				due, _ := time.Parse(time.RFC3339, q.Task.Due)
				fmt.Fprintf(w, "  next step: #%d %s %s (%s, see nudge today)\n", q.Task.ID, q.Task.Channel, due.Format("Mon 2 Jan 15:04 -07:00"), q.Task.Rule)
			default:
				fmt.Fprintln(w, "  next step: not planned yet (no time fits the guardrails, or it was done)")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&note, "note", "", "what makes you think so")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON (recorded, technique, task)")
	return cmd
}

func (a *App) nearbyCommand() *cobra.Command {
	var date, rep string
	var km float64
	var quietDays int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "nearby [--date D] [--km N] [--rep R] [--json]",
		Short: "Going to be in the area (E7): quiet prospects near the day's visits, for a short visit",
		Long: `For each visit on the day (an appointment of kind visit), the rep's own quiet prospects
within --km of the place, by great-circle distance from the latitude and longitude of
the person visited (A9; nothing is geocoded). Quiet: a lead or prospect touched at
least once who has not answered in --quiet-days and has not said no (G1).
Accept one with: nudge nearby accept PERSON --appointment ID. That plans a short visit
right after the meeting, through the engine (the in-the-area cadence, rule E7).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := followup.NearbyOptions{Km: km, QuietDays: quietDays}
			var user *nudge.User
			if rep != "" {
				var err error
				if user, err = a.findUser(cmd, rep); err != nil {
					return fmt.Errorf("--rep: %w", err)
				}
				o.RepID = &user.ID
			}
			loc := a.zone(user)
			day := a.Now().In(loc)
			if date != "" {
				d, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(date), loc)
				if err != nil {
					return nudge.FieldError("date", "--date %q is not a date (want 2006-01-02)", date)
				}
				day = d
			}
			o.From = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
			o.Until = o.From.AddDate(0, 0, 1)
			svc, err := a.Followup(cmd)
			if err != nil {
				return err
			}
			visits, err := svc.Nearby(cmd.Context(), o)
			if err != nil {
				return flagError(err)
			}
			if asJSON {
				if visits == nil {
					visits = []followup.Visit{}
				}
				return a.writeJSON(visits)
			}
			w := a.Env.Stdout
			if len(visits) == 0 {
				fmt.Fprintf(w, "No visits on %s.\n", o.From.Format("Mon 2 Jan 2006"))
				return nil
			}
			if km == 0 {
				km = followup.DefaultNearbyKm
			}
			for _, v := range visits {
				fmt.Fprintf(w, "%s  visit to %s", v.Appointment.At.In(loc).Format("Mon 2 Jan 15:04 MST"), v.Host)
				if v.Place != "" {
					fmt.Fprintf(w, " at %s", v.Place)
				}
				fmt.Fprintf(w, " (appointment %d)\n", v.Appointment.ID)
				if v.Note != "" {
					fmt.Fprintf(w, "  %s\n", v.Note)
					continue
				}
				if len(v.Nearby) == 0 {
					fmt.Fprintf(w, "  no quiet prospects within %g km\n", km)
				}
				for _, n := range v.Nearby {
					last := "never answered"
					if n.LastAnswer != nil {
						last = "last answered " + n.LastAnswer.In(loc).Format(time.DateOnly)
					}
					city := ""
					if n.City != "" {
						city = ", " + n.City
					}
					fmt.Fprintf(w, "  #%d %s%s  %.1f km  %s", n.PersonID, n.Person, city, n.Km, last)
					if n.Accepted {
						fmt.Fprint(w, "  (visit planned)\n")
					} else {
						fmt.Fprintf(w, "\n    → nudge nearby accept %d --appointment %d\n", n.PersonID, v.Appointment.ID)
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&date, "date", "", "the day of the visits, 2006-01-02 (default today, in the rep's zone or NUDGE_TZ)")
	cmd.Flags().Float64Var(&km, "km", 0, "distance from the visit's place in km (default 25)")
	cmd.Flags().IntVar(&quietDays, "quiet-days", 0, "quiet: no answer in this many days (default 14)")
	cmd.Flags().StringVar(&rep, "rep", "", "only this rep's visits (user id or email)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.AddCommand(a.nearbyAcceptCommand())
	return cmd
}

func (a *App) nearbyAcceptCommand() *cobra.Command {
	var appointment int64
	var km float64
	var quietDays int
	cmd := &cobra.Command{
		Use:   "accept PERSON --appointment ID",
		Short: "Plan the short visit E7 proposed: right after the meeting, through the engine",
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
			t, err := svc.AcceptNearby(cmd.Context(), p.ID, appointment, followup.NearbyOptions{Km: km, QuietDays: quietDays})
			if err != nil {
				return flagError(err)
			}
			if t == nil {
				fmt.Fprintf(a.Env.Stdout, "E7: a visit to %s is planned; no time fits the guardrails yet\n", displayName(p))
				return nil
			}
			due, _ := time.Parse(time.RFC3339, t.Due)
			fmt.Fprintf(a.Env.Stdout, "E7: task #%d, a short visit to %s on %s (their time)\n", t.ID, displayName(p), due.Format("Mon 2 Jan 15:04 -07:00"))
			if t.Guard != "" {
				fmt.Fprintf(a.Env.Stdout, "  (%s)\n", t.Guard) // a guardrail moved it off the meeting's time
			}
			return nil
		},
	}
	cmd.Flags().Int64Var(&appointment, "appointment", 0, "the visit's appointment id (see nudge nearby)")
	cmd.Flags().Float64Var(&km, "km", 0, "distance from the visit's place in km (default 25)")
	cmd.Flags().IntVar(&quietDays, "quiet-days", 0, "quiet: no answer in this many days (default 14)")
	cmd.MarkFlagRequired("appointment")
	return cmd
}

// flagError names the flag behind a field error: "--km: …".
func flagError(err error) error {
	flags := map[string]string{"km": "--km", "quiet_days": "--quiet-days", "date": "--date", "appointment": "--appointment"}
	if e, ok := err.(*nudge.Error); ok && flags[e.Field] != "" {
		return &nudge.Error{Code: e.Code, Message: flags[e.Field] + ": " + e.Message}
	}
	return err
}
