package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/method"
)

// Followup returns the engine service over the open store.
func (a *App) Followup(cmd *cobra.Command) (*followup.Service, error) {
	db, err := a.DB(cmd.Context())
	if err != nil {
		return nil, err
	}
	return followup.New(db, a.Clock, followup.Options{RepCompany: a.Env.Getenv("NUDGE_COMPANY")}), nil
}

// zone is where "today" is read: the rep's zone when one is named, else
// NUDGE_TZ, else the machine's.
func (a *App) zone(rep *nudge.User) *time.Location {
	if rep != nil && rep.TimeZone != "" {
		if loc, err := nudge.LoadLocation(rep.TimeZone); err == nil {
			return loc
		}
	}
	if tz := a.Env.Getenv("NUDGE_TZ"); tz != "" {
		if loc, err := nudge.LoadLocation(tz); err == nil {
			return loc
		}
	}
	return time.Local
}

func (a *App) todayCommand() *cobra.Command {
	var asJSON bool
	var rep string
	cmd := &cobra.Command{
		Use:   "today",
		Short: "Who to contact today: due and overdue touches in time order, with the rule and the words",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.Followup(cmd)
			if err != nil {
				return err
			}
			// Plan whatever is pending first, so today is never stale.
			if _, err := svc.RunOnce(cmd.Context()); err != nil {
				return err
			}
			var assignee *int64
			var user *nudge.User
			if rep != "" {
				if user, err = a.findUser(cmd, rep); err != nil {
					return fmt.Errorf("--rep: %w", err)
				}
				assignee = &user.ID
			}
			tasks, err := svc.Today(cmd.Context(), assignee, svc.EndOfDay(a.zone(user)))
			if err != nil {
				return err
			}
			if asJSON {
				return a.writeJSON(tasks)
			}
			if len(tasks) == 0 {
				fmt.Fprintln(a.Env.Stdout, "Nothing due today.")
				return nil
			}
			now := a.Now()
			for _, t := range tasks {
				due, _ := time.Parse(time.RFC3339, t.Due)
				late := ""
				if due.Before(now) {
					late = " (overdue)"
				}
				fmt.Fprintf(a.Env.Stdout, "#%d  %s  %s %s%s\n", t.ID, due.Format("Mon 2 Jan 15:04 -07:00"), t.Channel, t.Person, late)
				fmt.Fprintf(a.Env.Stdout, "     %s: %s\n", t.Rule, t.Reason)
				if t.Guard != "" {
					fmt.Fprintf(a.Env.Stdout, "     (%s)\n", t.Guard)
				}
				if t.Script != "" {
					for _, line := range strings.Split(t.Script, "\n") {
						fmt.Fprintf(a.Env.Stdout, "     > %s\n", line)
					}
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON (id, person_id, person, channel, due, rule, reason, script…)")
	cmd.Flags().StringVar(&rep, "rep", "", "only this rep's tasks (user id or email)")
	return cmd
}

// taskArg resolves a TASK argument and opens the engine service.
func (a *App) taskArg(cmd *cobra.Command, ref string) (int64, *followup.Service, error) {
	id, err := taskID(ref)
	if err != nil {
		return 0, nil, err
	}
	svc, err := a.Followup(cmd)
	return id, svc, err
}

func taskID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil {
		return 0, nudge.FieldError("task", "%q is not a task id (see `nudge today`)", s)
	}
	return id, nil
}

func (a *App) doneCommand() *cobra.Command {
	var outcome, at string
	var win nudge.WIN
	var commitment, commitmentDue string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "done TASK --outcome OUTCOME",
		Short: "Log what came of a task and move the cadence on",
		Long: `Log what came of a task: the touch is recorded with its W.I.N. note (A1) and the
enrollment moves along the step's branches; the next task appears at once.
Outcomes: connected, voicemail, no-answer, sent, replied, bounced, meeting-held, declined, asked-to-stop.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, svc, err := a.taskArg(cmd, args[0])
			if err != nil {
				return err
			}
			r := followup.Result{Outcome: nudge.Outcome(outcome), Note: win}
			if at != "" {
				if r.At, err = parseWhen(at, time.UTC); err != nil {
					return fmt.Errorf("--at: %w", err)
				}
			}
			if commitment != "" {
				due, err := parseWhen(commitmentDue, time.UTC)
				if err != nil {
					return fmt.Errorf("--commitment-due: %w", err)
				}
				r.Commitments = []*nudge.Commitment{{Party: nudge.PartyProspect, What: commitment, Due: due}}
			}
			next, err := svc.Done(cmd.Context(), id, r)
			if err != nil {
				return err
			}
			if asJSON {
				return a.writeJSON(next)
			}
			fmt.Fprintf(a.Env.Stdout, "task %d: %s\n", id, outcome)
			if nudge.Outcome(outcome).HardStop() {
				fmt.Fprintln(a.Env.Stdout, "G1: no more touches for this person, in any cadence")
			}
			for _, t := range next {
				fmt.Fprintf(a.Env.Stdout, "next: #%d %s %s at %s (%s: %s)\n", t.ID, t.Channel, t.Cadence, t.Due.Format(time.RFC3339), t.Rule, t.Reason)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&outcome, "outcome", "", "what came of it (required)")
	f.StringVar(&at, "at", "", "when it happened (default now; RFC 3339)")
	f.StringVar(&win.What, "what", "", "W: what was discussed (A1)")
	f.StringVar(&win.Insights, "insights", "", "I: insights gained (A1)")
	f.StringVar(&win.NextSteps, "next", "", "N: next steps (A1)")
	f.StringVar(&commitment, "commitment", "", "the prospect's commitment (A3)")
	f.StringVar(&commitmentDue, "commitment-due", "", "when it is due (RFC 3339 or 2006-01-02)")
	f.BoolVar(&asJSON, "json", false, "print the next tasks as JSON")
	cmd.MarkFlagRequired("outcome")
	return cmd
}

func (a *App) snoozeCommand() *cobra.Command {
	var until string
	cmd := &cobra.Command{
		Use:   "snooze TASK --until DATE",
		Short: `"Call me in two weeks" (E2): nothing until then, then the call they asked for`,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, svc, err := a.taskArg(cmd, args[0])
			if err != nil {
				return err
			}
			var when time.Time
			if d, ok := strings.CutSuffix(until, "d"); ok {
				n, err := strconv.Atoi(d)
				if err != nil {
					return nudge.FieldError("until", "%q is not a number of days (e.g. 14d) or a date", until)
				}
				when = a.Now().AddDate(0, 0, n)
			} else if when, err = parseWhen(until, a.zone(nil)); err != nil {
				return fmt.Errorf("--until: %w", err)
			}
			if err := svc.Snooze(cmd.Context(), id, when); err != nil {
				return err
			}
			fmt.Fprintf(a.Env.Stdout, "task %d snoozed until %s (E2)\n", id, when.Format(time.RFC3339))
			return nil
		},
	}
	cmd.Flags().StringVar(&until, "until", "14d", "a date, or a number of days such as 14d")
	return cmd
}

func (a *App) skipCommand() *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "skip TASK --reason TEXT",
		Short: "Pass over a task without a touch, saying why; the cadence moves to its next step",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, svc, err := a.taskArg(cmd, args[0])
			if err != nil {
				return err
			}
			if err := svc.Skip(cmd.Context(), id, reason); err != nil {
				return err
			}
			fmt.Fprintf(a.Env.Stdout, "task %d skipped: %s\n", id, reason)
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (required)")
	return cmd
}

func (a *App) enrollCommand() *cobra.Command {
	var cadence string
	cmd := &cobra.Command{
		Use:   "enroll PERSON --cadence NAME",
		Short: "Put a person in a cadence (see `nudge cadence list`)",
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
			e, err := svc.Enroll(cmd.Context(), p.ID, cadence)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Env.Stdout, "%s enrolled in %s (enrollment %d)\n", displayName(p), e.Cadence, e.ID)
			return nil
		},
	}
	cmd.Flags().StringVar(&cadence, "cadence", "", "cadence name (required)")
	cmd.MarkFlagRequired("cadence")
	return cmd
}

func (a *App) appointmentCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "appointment", Aliases: []string{"appointments"}, Short: "Telephone appointments and visits (C1–C4)"}
	var at, kind, agenda, place string
	var minutes int
	var first bool
	add := &cobra.Command{
		Use:   "add PERSON --at TIME [--kind call|visit]",
		Short: "Book a call or visit: reminder the day before (C1), the call at its minute (C2), the no-show protocol (C3), a thank-you card (C4)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, p, err := a.personArg(cmd, args[0])
			if err != nil {
				return err
			}
			loc := p.Zone(a.zone(nil))
			when, err := parseWhen(at, loc) // local times are the person's (the call happens in their day)
			if err != nil {
				return fmt.Errorf("--at: %w", err)
			}
			ap := &nudge.Appointment{PersonID: p.ID, At: when, Kind: nudge.AppointmentKind(kind), Minutes: minutes, Place: place, First: first}
			for _, item := range strings.Split(agenda, ";") {
				if item = strings.TrimSpace(item); item != "" {
					ap.Agenda = append(ap.Agenda, item)
				}
			}
			svc, err := a.Followup(cmd)
			if err != nil {
				return err
			}
			if err := svc.AddAppointment(cmd.Context(), ap); err != nil {
				return err
			}
			fmt.Fprintf(a.Env.Stdout, "appointment %d: %s with %s at %s\n", ap.ID, ap.Kind, displayName(p), ap.At.In(loc).Format("Mon 2 Jan 2006 15:04 MST"))
			return nil
		},
	}
	add.Flags().StringVar(&at, "at", "", "when: RFC 3339, or a local date-time read in the person's zone (required)")
	add.Flags().StringVar(&kind, "kind", "call", "call or visit")
	add.Flags().StringVar(&agenda, "agenda", "", "agenda items separated by ; (A4, listed in the C1 reminder)")
	add.Flags().IntVar(&minutes, "minutes", 20, "planned length")
	add.Flags().StringVar(&place, "place", "", "where, for a visit")
	add.Flags().BoolVar(&first, "first", false, "the first meeting with a new prospect (C4 thank-you card); default: when none was held before")
	add.MarkFlagRequired("at")
	cmd.AddCommand(add)
	return cmd
}

func (a *App) runCommand() *cobra.Command {
	var once bool
	var every time.Duration
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the scheduler: plan every due person (enrol, next task); --once for cron",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.Followup(cmd)
			if err != nil {
				return err
			}
			if once {
				n, err := svc.RunOnce(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(a.Env.Stdout, "planned %d people\n", n)
				return nil
			}
			fmt.Fprintf(a.Env.Stderr, "scheduler running every %s; Ctrl-C stops it\n", every)
			return svc.Run(cmd.Context(), every, func(err error) { fmt.Fprintln(a.Env.Stderr, "nudge: scheduler:", err) })
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "do everything due at now and exit")
	cmd.Flags().DurationVar(&every, "every", 30*time.Second, "how often to look for due work")
	return cmd
}

func (a *App) cadenceCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "cadence", Aliases: []string{"cadences"}, Short: "The cadences: list, show, validate and import (format: method/FORMAT.md)"}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the cadences in force",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			svc, err := a.Followup(cmd)
			if err != nil {
				return err
			}
			lib, err := svc.Library(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				out := []*nudge.Cadence{}
				for _, n := range lib.Names() {
					out = append(out, lib[n])
				}
				return a.writeJSON(out)
			}
			for _, n := range lib.Names() {
				c := lib[n]
				fmt.Fprintf(a.Env.Stdout, "%-12s %-3s %d steps  %s\n", c.Name, c.Rule, len(c.Steps), c.Description)
			}
			return nil
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	var showJSON bool
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a cadence's steps, each with its rule",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, err := a.Followup(cmd)
			if err != nil {
				return err
			}
			lib, err := svc.Library(cmd.Context())
			if err != nil {
				return err
			}
			c := lib[args[0]]
			if c == nil {
				return nudge.Errorf(nudge.ENOTFOUND, "no cadence named %q (have: %s)", args[0], strings.Join(lib.Names(), ", "))
			}
			if showJSON {
				return a.writeJSON(c)
			}
			fmt.Fprintf(a.Env.Stdout, "%s (%s): %s\n", c.Name, c.Rule, c.Description)
			for i, s := range c.Steps {
				fmt.Fprintf(a.Env.Stdout, "  %d. %-10s %-3s %-9s %-32s %s\n", i+1, s.ID, s.Rule, s.Channel, s.Delay.String(), s.Reason)
			}
			if len(c.Exit) > 0 {
				fmt.Fprintf(a.Env.Stdout, "  exits on: %v\n", c.Exit)
			}
			if c.Next != "" {
				fmt.Fprintf(a.Env.Stdout, "  then: %s\n", c.Next)
			}
			return nil
		},
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print as JSON")
	validate := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check cadence files without storing them",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			bad := 0
			for _, f := range args {
				if _, err := readCadence(f); err != nil {
					fmt.Fprintf(a.Env.Stdout, "%s: %v\n", f, err)
					bad++
					continue
				}
				fmt.Fprintf(a.Env.Stdout, "%s: ok\n", f)
			}
			if bad > 0 {
				return exitError(1)
			}
			return nil
		},
	}
	imp := &cobra.Command{
		Use:   "import FILE...",
		Short: "Store cadence files; one named like a built-in replaces it",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			for _, f := range args { // validate all before storing any
				if _, err := readCadence(f); err != nil {
					return fmt.Errorf("%s: %w", f, err)
				}
			}
			for _, f := range args {
				c, _ := readCadence(f)
				data, _ := os.ReadFile(f)
				if err := db.SaveCadence(cmd.Context(), c.Name, data); err != nil {
					return err
				}
				fmt.Fprintf(a.Env.Stdout, "stored cadence %s (%d steps)\n", c.Name, len(c.Steps))
			}
			return nil
		},
	}
	cmd.AddCommand(list, show, validate, imp)
	return cmd
}

func readCadence(path string) (*nudge.Cadence, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return method.ParseCadence(data)
}

func (a *App) simulateCommand() *cobra.Command {
	cfg := method.DefaultSimConfig()
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "simulate",
		Short: "Run synthetic prospects through the built-in cadences and report touches per prospect",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			res, err := method.Simulate(cfg)
			if err != nil {
				return err
			}
			if asJSON {
				res.People, res.Log = nil, nil
				return a.writeJSON(res)
			}
			fmt.Fprint(a.Env.Stdout, res.Summary())
			return nil
		},
	}
	cmd.Flags().IntVar(&cfg.Prospects, "prospects", cfg.Prospects, "how many prospects")
	cmd.Flags().IntVar(&cfg.Days, "days", cfg.Days, "how many days")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed (same seed, same result)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func (a *App) pauseCommands() []*cobra.Command {
	mk := func(use, short string, act func(*followup.Service, *cobra.Command, int64) error, done string) *cobra.Command {
		return &cobra.Command{
			Use:   use + " PERSON",
			Short: short,
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
				if err := act(svc, cmd, p.ID); err != nil {
					return err
				}
				fmt.Fprintf(a.Env.Stdout, "%s: %s\n", displayName(p), done)
				return nil
			},
		}
	}
	return []*cobra.Command{
		mk("pause", "Pause a person's cadences by hand: nothing is proposed until resume",
			func(s *followup.Service, c *cobra.Command, id int64) error { return s.Pause(c.Context(), id) }, "paused"),
		mk("resume", "Resume a person's paused cadences, delays counting from now",
			func(s *followup.Service, c *cobra.Command, id int64) error { return s.Resume(c.Context(), id) }, "resumed"),
	}
}
