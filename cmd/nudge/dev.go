package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge/seed"
	"github.com/nudgecrm/nudge/store"
)

// devCommand holds the developer's tools: a realistic book to try the
// product and measure it on.
func (a *App) devCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "dev", Short: "Developer tools: fill a database with a realistic generated book"}
	cmd.AddCommand(a.devSeedCommand())
	return cmd
}

func (a *App) devSeedCommand() *cobra.Command {
	cfg := seed.Config{People: 1000, Interactions: 10_000, Reps: 10, Seed: 1}
	var plan bool
	var batch int
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Generate a book (reps, companies, people, touches with W.I.N. notes) into the configured database",
		Long: `Generate a realistic sales book, the same for the same --seed, and bulk-load it into the
configured database: reps, about one company per 8 people, people across US, European and
Asia-Pacific time zones, and --interactions touches spread over them (many people with 1–3, a
tail to 30; calls mostly unanswered, about 20% connected; about 10% of emails answered; a few
people said no or stop and are do-not-contact, G1).

Afterwards every person is due for the scheduler (as if just imported). --plan runs it at once,
so everyone gets an enrollment and an open task through the engine; --tasks instead loads an
enrollment and an open task per person directly (the step of the cadence their status calls
for, due in business hours over the next 30 business days in their zone): seconds instead of
minutes for a million people, for benchmarks.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if plan && cfg.Tasks {
				return fmt.Errorf("--plan and --tasks both give everyone a task: choose one")
			}
			cfg.Now = a.Now()
			g, err := seed.New(cfg)
			if err != nil {
				return err
			}
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			out := a.Env.Stdout
			start := time.Now() // wall time, for the rates printed
			step := max(int64(cfg.People)/10, 1)
			next := step
			res, err := seed.Load(cmd.Context(), db, g, seed.Options{Batch: batch, Progress: func(s seed.Stage, c store.BulkCount) {
				if s != seed.StagePeople {
					fmt.Fprintf(out, "%s stored (%s)\n", s, time.Since(start).Round(time.Millisecond))
					return
				}
				if c.People >= next {
					el := time.Since(start)
					fmt.Fprintf(out, "%d people, %d interactions, %d tasks: %.0f rows/s\n",
						c.People, c.Interactions, c.Tasks, seed.Rate(c.Rows(), el))
					for next <= c.People {
						next += step
					}
				}
			}})
			if err != nil {
				return err
			}
			el := time.Since(start)
			fmt.Fprintf(out, "seeded %d reps, %d companies, %d people, %d interactions, %d enrollments, %d tasks in %s (%.0f rows/s)\n",
				len(res.Reps), res.Companies, res.People, res.Interactions, res.Enrollments, res.Tasks,
				el.Round(time.Millisecond), seed.Rate(res.Rows()+int64(res.Companies), el))
			if !plan {
				return nil
			}
			svc, err := a.Followup(cmd)
			if err != nil {
				return err
			}
			start = time.Now()
			n, err := svc.RunOnce(cmd.Context())
			if err != nil {
				return fmt.Errorf("plan: %w", err)
			}
			el = time.Since(start)
			fmt.Fprintf(out, "planned %d people in %s (%.0f people/s)\n", n, el.Round(time.Millisecond), seed.Rate(int64(n), el))
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.People, "people", cfg.People, "people in the book")
	f.IntVar(&cfg.Interactions, "interactions", cfg.Interactions, "touches in all (at most 30 a person)")
	f.IntVar(&cfg.Reps, "reps", cfg.Reps, "sales reps who own the book")
	f.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "random seed: the same seed gives the same book")
	f.BoolVar(&plan, "plan", false, "then run the scheduler so everyone has an enrollment and an open task")
	f.BoolVar(&cfg.Tasks, "tasks", false, "load an enrollment and an open task per person directly instead of planning")
	f.IntVar(&batch, "batch", 0, "people per transaction (default 2,000)")
	return cmd
}
