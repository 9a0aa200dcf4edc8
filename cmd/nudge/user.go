package main

import (
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge"
)

func (a *App) userCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Aliases: []string{"users"}, Short: "Manage the reps, managers and admins who use nudge"}
	var u nudge.User
	var role, team string
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a user (password is set in the web app)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			u.Role = nudge.UserRole(role)
			if team != "" {
				teams, err := db.FindTeams(cmd.Context())
				if err != nil {
					return err
				}
				for _, t := range teams {
					if t.Name == team || strconv.FormatInt(t.ID, 10) == team {
						u.TeamID = t.ID
					}
				}
				if u.TeamID == 0 {
					t := &nudge.Team{Name: team}
					if err := db.CreateTeam(cmd.Context(), t); err != nil {
						return err
					}
					u.TeamID = t.ID
				}
			}
			if err := db.CreateUser(cmd.Context(), &u); err != nil {
				return err
			}
			fmt.Fprintf(a.Env.Stdout, "added %s %d: %s\n", u.Role, u.ID, u.Email)
			return nil
		},
	}
	add.Flags().StringVar(&u.Email, "email", "", "email address (sign-in name)")
	add.Flags().StringVar(&u.Name, "name", "", "full name")
	add.Flags().StringVar(&role, "role", "rep", "rep, manager or admin")
	add.Flags().StringVar(&team, "team", "", "team name (created if new)")
	add.Flags().StringVar(&u.TimeZone, "tz", "", "the user's time zone (working hours are read in it)")
	add.Flags().StringVar(&u.Country, "country", "", "the user's country: its holidays are not working days")

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			us, err := db.FindUsers(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				if us == nil {
					us = []*nudge.User{}
				}
				return a.writeJSON(us)
			}
			tw := tabwriter.NewWriter(a.Env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tEMAIL\tNAME\tROLE\tTEAM")
			for _, u := range us {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\n", u.ID, u.Email, u.Name, u.Role, u.TeamID)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.AddCommand(add, list)
	return cmd
}

// findUser resolves a user argument: an id or an email address.
func (a *App) findUser(cmd *cobra.Command, ref string) (*nudge.User, error) {
	db, err := a.DB(cmd.Context())
	if err != nil {
		return nil, err
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return db.FindUserByID(cmd.Context(), id)
	}
	return db.FindUserByEmail(cmd.Context(), ref)
}
