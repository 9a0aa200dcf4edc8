package main

import (
	"fmt"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge"
)

func (a *App) companyCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "company", Aliases: []string{"companies"}, Short: "Add, list, show and delete companies"}
	var name, domain, country, city string
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a company",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			c := &nudge.Company{Name: name, Domain: domain, Country: country, City: city}
			if err := db.CreateCompany(cmd.Context(), c); err != nil {
				return err
			}
			fmt.Fprintf(a.Env.Stdout, "added company %d: %s\n", c.ID, c.Name)
			return nil
		},
	}
	add.Flags().StringVar(&name, "name", "", "company name")
	add.Flags().StringVar(&domain, "domain", "", "web domain, e.g. acme.com")
	add.Flags().StringVar(&country, "country", "", "country code")
	add.Flags().StringVar(&city, "city", "", "city")

	var asJSON bool
	var query string
	list := &cobra.Command{
		Use:   "list",
		Short: "List companies",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			cs, _, err := db.FindCompanies(cmd.Context(), nudge.CompanyFilter{Query: query})
			if err != nil {
				return err
			}
			if asJSON {
				if cs == nil {
					cs = []*nudge.Company{}
				}
				return a.writeJSON(cs)
			}
			tw := tabwriter.NewWriter(a.Env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tDOMAIN\tCOUNTRY")
			for _, c := range cs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", c.ID, c.Name, c.Domain, c.Country)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	list.Flags().StringVarP(&query, "query", "q", "", "search by name")

	var showJSON bool
	show := &cobra.Command{
		Use:   "show COMPANY",
		Short: "Show a company and its buying group (A7)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.DB(ctx)
			if err != nil {
				return err
			}
			c, err := a.findCompany(cmd, args[0])
			if err != nil {
				return err
			}
			people, _, err := db.FindPeople(ctx, nudge.PersonFilter{CompanyID: &c.ID})
			if err != nil {
				return err
			}
			if showJSON {
				if people == nil {
					people = []*nudge.Person{}
				}
				return a.writeJSON(struct {
					*nudge.Company
					BuyingGroup []*nudge.Person `json:"buying_group"`
				}{c, people})
			}
			fmt.Fprintf(a.Env.Stdout, "%s (id %d) %s %s\n", c.Name, c.ID, c.Domain, c.Country)
			byID := map[int64]*nudge.Person{}
			for _, p := range people {
				byID[p.ID] = p
			}
			fmt.Fprintln(a.Env.Stdout, "buying group (A7):")
			for _, p := range people {
				role := string(p.BuyingRole)
				if role == "" {
					role = "-"
				}
				boss := ""
				if b := byID[p.ReportsToID]; b != nil {
					boss = " → reports to " + displayName(b)
				}
				fmt.Fprintf(a.Env.Stdout, "  %-15s %s, %s%s\n", role, displayName(p), p.Title, boss)
			}
			return nil
		},
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print as JSON")

	del := &cobra.Command{
		Use:   "delete COMPANY",
		Short: "Delete a company (its people stay, without a company)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			c, err := a.findCompany(cmd, args[0])
			if err != nil {
				return err
			}
			if err := db.DeleteCompany(cmd.Context(), c.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.Env.Stdout, "deleted company %d: %s\n", c.ID, c.Name)
			return nil
		},
	}
	cmd.AddCommand(add, list, show, del)
	return cmd
}

// findCompany resolves a COMPANY argument: an id or an exact name.
func (a *App) findCompany(cmd *cobra.Command, ref string) (*nudge.Company, error) {
	db, err := a.DB(cmd.Context())
	if err != nil {
		return nil, err
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return db.FindCompanyByID(cmd.Context(), id)
	}
	cs, _, err := db.FindCompanies(cmd.Context(), nudge.CompanyFilter{Name: &ref, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, nudge.Errorf(nudge.ENOTFOUND, "no company named %q", ref)
	}
	return cs[0], nil
}
