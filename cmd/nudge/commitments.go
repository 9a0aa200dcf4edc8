package main

import (
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge"
)

func (a *App) commitmentsCommand() *cobra.Command {
	var asJSON, all bool
	cmd := &cobra.Command{
		Use:     "commitments",
		Aliases: []string{"commitment", "homework"},
		Short:   "List open and missed homework and commitments, both ways (A2, A3)",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, err := a.DB(ctx)
			if err != nil {
				return err
			}
			// An open commitment past its due time is a missed one.
			if _, err := db.MarkMissedCommitments(ctx, a.Now()); err != nil {
				return err
			}
			f := nudge.CommitmentFilter{States: []nudge.CommitmentState{nudge.CommitmentOpen, nudge.CommitmentMissed}}
			if all {
				f.States = nil
			}
			cs, err := db.FindCommitments(ctx, f)
			if err != nil {
				return err
			}
			if asJSON {
				if cs == nil {
					cs = []*nudge.Commitment{}
				}
				return a.writeJSON(cs)
			}
			names := map[int64]*nudge.Person{}
			tw := tabwriter.NewWriter(a.Env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATE\tWHO OWES\tPERSON\tDUE\tWHAT")
			for _, c := range cs {
				p := names[c.PersonID]
				if p == nil {
					if p, err = db.FindPersonByID(ctx, c.PersonID); err != nil {
						return err
					}
					names[c.PersonID] = p
				}
				who := "you"
				if c.Party == nudge.PartyProspect {
					who = "they"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.State, who, displayName(p), c.Due.In(p.Zone(time.UTC)).Format("2006-01-02 15:04 MST"), c.What)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().BoolVar(&all, "all", false, "include kept ones")
	for _, st := range []nudge.CommitmentState{nudge.CommitmentKept, nudge.CommitmentMissed} {
		cmd.AddCommand(&cobra.Command{
			Use:   string(st) + " ID",
			Short: "Mark a commitment " + string(st),
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				id, err := strconv.ParseInt(args[0], 10, 64)
				if err != nil {
					return nudge.FieldError("id", "%q is not a commitment id", args[0])
				}
				db, err := a.DB(cmd.Context())
				if err != nil {
					return err
				}
				if err := db.CloseCommitment(cmd.Context(), id, st, a.Now()); err != nil {
					return err
				}
				fmt.Fprintf(a.Env.Stdout, "commitment %d marked %s\n", id, st)
				return nil
			},
		})
	}
	return cmd
}
