package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/nudgecrm/nudge"
)

// personFlags are the flags that set a person's fields, shared by add and edit.
type personFlags struct {
	name, email, phone, company, title, tz, country, city, latlon string
	preferred, assistant, painGain, interests, role, status       string
	reportsTo                                                     string
	owner                                                         string
	okToSayNo                                                     bool
}

func (pf *personFlags) register(f *pflag.FlagSet) {
	f.StringVar(&pf.name, "name", "", "full name")
	f.StringVar(&pf.email, "email", "", "email address")
	f.StringVar(&pf.phone, "phone", "", "phone number (any format; stored as E.164)")
	f.StringVar(&pf.company, "company", "", "company name (created if new)")
	f.StringVar(&pf.title, "title", "", "job title")
	f.StringVar(&pf.tz, "tz", "", "IANA time zone, e.g. America/New_York")
	f.StringVar(&pf.country, "country", "", "country code for holidays, e.g. US, GB, DE")
	f.StringVar(&pf.city, "city", "", "city (A9)")
	f.StringVar(&pf.latlon, "latlon", "", "latitude,longitude (A9), e.g. 33.61,-117.93")
	f.StringVar(&pf.preferred, "preferred", "", "preferred follow-up channel (A5): email, call, text, letter…")
	f.StringVar(&pf.assistant, "assistant", "", "assistant's name (A5)")
	f.BoolVar(&pf.okToSayNo, "ok-to-say-no", false, "they agreed it is fine to say no (A5)")
	f.StringVar(&pf.painGain, "pain-gain", "", "the pain or gain they named, in their words (A6)")
	f.StringVar(&pf.interests, "interests", "", "common ground: interests and events (A8)")
	f.StringVar(&pf.role, "role", "", "buying-group role (A7): decision-maker, influencer, user, assistant, receptionist, boss")
	f.StringVar(&pf.reportsTo, "reports-to", "", "the PERSON (id or email) they report to (A7)")
	f.StringVar(&pf.status, "status", "", "lead, prospect, customer, lost, disqualified, fired")
	f.StringVar(&pf.owner, "owner", "", "owning rep (user id or email)")
}

// update builds a PersonUpdate from the flags the user set.
func (pf *personFlags) update(cmd *cobra.Command, a *App) (nudge.PersonUpdate, error) {
	ctx := cmd.Context()
	var u nudge.PersonUpdate
	changed := cmd.Flags().Changed
	str := func(name string, v string) *string {
		if changed(name) {
			return &v
		}
		return nil
	}
	u.Name = str("name", pf.name)
	u.Email = str("email", pf.email)
	u.Phone = str("phone", pf.phone)
	u.Title = str("title", pf.title)
	u.TimeZone = str("tz", pf.tz)
	u.Country = str("country", pf.country)
	u.AssistantName = str("assistant", pf.assistant)
	u.PainGain = str("pain-gain", pf.painGain)
	u.Interests = str("interests", pf.interests)
	if changed("ok-to-say-no") {
		u.OKToSayNo = &pf.okToSayNo
	}
	if changed("preferred") {
		c := nudge.Channel(pf.preferred)
		u.PreferredChannel = &c
	}
	if changed("role") {
		r := nudge.BuyingRole(pf.role)
		u.BuyingRole = &r
	}
	if changed("status") {
		s := nudge.PersonStatus(pf.status)
		u.Status = &s
	}
	if changed("city") || changed("latlon") {
		loc := nudge.Location{City: pf.city}
		if pf.latlon != "" {
			lat, lon, err := parseLatLon(pf.latlon)
			if err != nil {
				return u, err
			}
			loc.Lat, loc.Lon, loc.HasCoords = lat, lon, true
		}
		u.Location = &loc
	}
	db, err := a.DB(ctx)
	if err != nil {
		return u, err
	}
	if changed("company") {
		var id int64
		if strings.TrimSpace(pf.company) != "" {
			c, err := db.FindOrCreateCompany(ctx, pf.company)
			if err != nil {
				return u, err
			}
			id = c.ID
		}
		u.CompanyID = &id
	}
	if changed("reports-to") {
		var id int64
		if pf.reportsTo != "" {
			boss, err := a.findPerson(ctx, db, pf.reportsTo)
			if err != nil {
				return u, fmt.Errorf("--reports-to: %w", err)
			}
			id = boss.ID
		}
		u.ReportsToID = &id
	}
	if changed("owner") {
		var id int64
		if pf.owner != "" {
			usr, err := a.findUser(cmd, pf.owner)
			if err != nil {
				return u, fmt.Errorf("--owner: %w", err)
			}
			id = usr.ID
		}
		u.OwnerID = &id
	}
	return u, nil
}

func parseLatLon(s string) (lat, lon float64, err error) {
	parts := strings.Split(s, ",")
	if len(parts) != 2 {
		return 0, 0, nudge.FieldError("latlon", "%q is not latitude,longitude", s)
	}
	lat, err1 := strconv.ParseFloat(strings.TrimSpace(parts[0]), 64)
	lon, err2 := strconv.ParseFloat(strings.TrimSpace(parts[1]), 64)
	if err1 != nil || err2 != nil {
		return 0, 0, nudge.FieldError("latlon", "%q is not latitude,longitude", s)
	}
	return lat, lon, nil
}

func (a *App) contactCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "contact", Aliases: []string{"contacts", "person", "people"}, Short: "Add, list, show, edit and delete people"}
	cmd.AddCommand(a.contactAdd(), a.contactList(), a.contactShow(), a.contactEdit(), a.contactDelete(), a.contactDNC())
	return cmd
}

func (a *App) contactAdd() *cobra.Command {
	var pf personFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Add a person",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			u, err := pf.update(cmd, a)
			if err != nil {
				return err
			}
			p := &nudge.Person{Source: "cli"}
			u.Apply(p)
			db, _ := a.DB(cmd.Context())
			if err := db.CreatePerson(cmd.Context(), p); err != nil {
				return err
			}
			if asJSON {
				return a.writeJSON(p)
			}
			fmt.Fprintf(a.Env.Stdout, "added person %d: %s\n", p.ID, displayName(p))
			return nil
		},
	}
	pf.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the stored person as JSON")
	return cmd
}

func (a *App) contactEdit() *cobra.Command {
	var pf personFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "edit PERSON",
		Short: "Change a person's fields (only the flags given)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, p, err := a.personArg(cmd, args[0])
			if err != nil {
				return err
			}
			u, err := pf.update(cmd, a)
			if err != nil {
				return err
			}
			p, err = db.UpdatePerson(cmd.Context(), p.ID, u)
			if err != nil {
				return err
			}
			if asJSON {
				return a.writeJSON(p)
			}
			fmt.Fprintf(a.Env.Stdout, "updated person %d: %s\n", p.ID, displayName(p))
			return nil
		},
	}
	pf.register(cmd.Flags())
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the stored person as JSON")
	return cmd
}

func (a *App) contactList() *cobra.Command {
	var asJSON bool
	var query, status, owner string
	var limit int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List people",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			f := nudge.PersonFilter{Query: query, Limit: limit}
			if status != "" {
				s := nudge.PersonStatus(status)
				if !s.Valid() {
					return nudge.FieldError("status", "unknown status %q", status)
				}
				f.Status = &s
			}
			if owner != "" {
				u, err := a.findUser(cmd, owner)
				if err != nil {
					return fmt.Errorf("--owner: %w", err)
				}
				f.OwnerID = &u.ID
			}
			people, total, err := db.FindPeople(cmd.Context(), f)
			if err != nil {
				return err
			}
			if asJSON {
				if people == nil {
					people = []*nudge.Person{}
				}
				return a.writeJSON(people)
			}
			tw := tabwriter.NewWriter(a.Env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tEMAIL\tPHONE\tSTATUS\tTZ")
			for _, p := range people {
				flag := ""
				if p.DoNotContact {
					flag = " (do not contact)"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s%s\t%s\n", p.ID, p.Name, p.Email, p.Phone, p.Status, flag, p.TimeZone)
			}
			tw.Flush()
			if total > len(people) {
				fmt.Fprintf(a.Env.Stdout, "(%d of %d shown)\n", len(people), total)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().StringVarP(&query, "query", "q", "", "search name, email, title or company")
	cmd.Flags().StringVar(&status, "status", "", "only this status")
	cmd.Flags().StringVar(&owner, "owner", "", "only this rep's people (user id or email)")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many (0 = all)")
	return cmd
}

// personView is what `contact show` prints: the person with their company,
// history and open homework.
type personView struct {
	*nudge.Person
	Company      string               `json:"company,omitempty"`
	ReportsTo    string               `json:"reports_to,omitempty"`
	Interactions []*nudge.Interaction `json:"interactions"`
	Commitments  []*nudge.Commitment  `json:"commitments"`
	Deals        []*nudge.Deal        `json:"deals"`
	CARR         nudge.CARR           `json:"carr"`            // G4, from the touches above
	Quiet        *nudge.QuietNote     `json:"quiet,omitempty"` // E6: why they may not answer
}

func (a *App) contactShow() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show PERSON",
		Short: "Show a person with their history (PERSON is an id or an email)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.DB(ctx)
			if err != nil {
				return err
			}
			p, err := a.findPerson(ctx, db, args[0])
			if err != nil {
				return err
			}
			v := personView{Person: p}
			if p.CompanyID != 0 {
				if c, err := db.FindCompanyByID(ctx, p.CompanyID); err == nil {
					v.Company = c.Name
				}
			}
			if p.ReportsToID != 0 {
				if b, err := db.FindPersonByID(ctx, p.ReportsToID); err == nil {
					v.ReportsTo = displayName(b)
				}
			}
			if v.Interactions, _, err = db.FindInteractions(ctx, nudge.InteractionFilter{PersonID: &p.ID}); err != nil {
				return err
			}
			if v.Commitments, err = db.FindCommitments(ctx, nudge.CommitmentFilter{PersonID: &p.ID}); err != nil {
				return err
			}
			if v.Deals, err = db.FindDeals(ctx, nudge.DealFilter{PersonID: &p.ID}); err != nil {
				return err
			}
			h := make([]nudge.Interaction, len(v.Interactions))
			for i, x := range v.Interactions {
				h[i] = *x
			}
			v.CARR = nudge.CARROf(h)
			if v.Quiet, err = db.FindQuietNote(ctx, p.ID); nudge.ErrorCode(err) == nudge.ENOTFOUND {
				err = nil
			}
			if err != nil {
				return err
			}
			if asJSON {
				return a.writeJSON(v)
			}
			a.printPerson(v)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func (a *App) printPerson(v personView) {
	w := a.Env.Stdout
	p := v.Person
	loc := p.Zone(time.UTC)
	fmt.Fprintf(w, "%s (id %d)\n", displayName(p), p.ID)
	line := func(label, value string) {
		if value != "" {
			fmt.Fprintf(w, "  %-18s %s\n", label+":", value)
		}
	}
	line("email", p.Email)
	line("phone", p.Phone)
	line("title", p.Title)
	line("company", v.Company)
	line("status", string(p.Status))
	line("time zone", p.TimeZone)
	line("country", p.Country)
	line("city", p.Location.City)
	if p.Location.HasCoords {
		line("lat/lon", fmt.Sprintf("%g,%g", p.Location.Lat, p.Location.Lon))
	}
	line("preferred (A5)", string(p.PreferredChannel))
	line("assistant (A5)", p.AssistantName)
	if p.OKToSayNo {
		line("ok to say no (A5)", "yes")
	}
	line("pain/gain (A6)", p.PainGain)
	line("buying role (A7)", string(p.BuyingRole))
	line("reports to (A7)", v.ReportsTo)
	line("interests (A8)", p.Interests)
	if p.DoNotContact {
		line("DO NOT CONTACT", fmt.Sprintf("%s (G1)", p.DoNotContactReason))
	}
	line("CARR phase (G4)", v.CARR.Phase.Title()+": "+v.CARR.Why)
	if q := v.Quiet; q != nil {
		why := string(q.Reason)
		if t, ok := q.Reason.Technique(); ok {
			why = t.Label + " → " + t.Name
		}
		if q.Note != "" {
			why += " (" + q.Note + ")"
		}
		line("quiet because (E6)", why)
	}
	if len(v.Interactions) > 0 {
		fmt.Fprintln(w, "touches:")
		for _, i := range v.Interactions {
			fmt.Fprintf(w, "  %s  %s %s → %s\n", i.At.In(loc).Format("2006-01-02 15:04 MST"), i.Direction, i.Channel, i.Outcome)
			if i.Note.What != "" {
				fmt.Fprintf(w, "      W: %s\n", i.Note.What)
			}
			if i.Note.Insights != "" {
				fmt.Fprintf(w, "      I: %s\n", i.Note.Insights)
			}
			if i.Note.NextSteps != "" {
				fmt.Fprintf(w, "      N: %s\n", i.Note.NextSteps)
			}
		}
	}
	if len(v.Commitments) > 0 {
		fmt.Fprintln(w, "homework and commitments (A2, A3):")
		for _, c := range v.Commitments {
			fmt.Fprintf(w, "  #%d %-8s %-6s due %s  %s\n", c.ID, c.Party, c.State, c.Due.In(loc).Format("2006-01-02 15:04"), c.What)
		}
	}
	for _, d := range v.Deals {
		fmt.Fprintf(w, "deal #%d %s: %s %.2f %s\n", d.ID, d.Title, d.Stage, float64(d.ValueCents)/100, d.Currency)
	}
}

func (a *App) contactDelete() *cobra.Command {
	return &cobra.Command{
		Use:   "delete PERSON",
		Short: "Delete a person and everything recorded about them (see also: forget)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, p, err := a.personArg(cmd, args[0])
			if err != nil {
				return err
			}
			if err := db.DeletePerson(cmd.Context(), p.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.Env.Stdout, "deleted person %d: %s\n", p.ID, displayName(p))
			return nil
		},
	}
}

func (a *App) contactDNC() *cobra.Command {
	var reason string
	var off bool
	cmd := &cobra.Command{
		Use:   "do-not-contact PERSON",
		Short: "Stop every touch to a person at once, across all cadences and reps (G1)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, p, err := a.personArg(cmd, args[0])
			if err != nil {
				return err
			}
			if err := db.SetDoNotContact(cmd.Context(), p.ID, !off, reason); err != nil {
				return err
			}
			if off {
				fmt.Fprintf(a.Env.Stdout, "%s may be contacted again\n", displayName(p))
			} else {
				fmt.Fprintf(a.Env.Stdout, "G1: %s will not be contacted again\n", displayName(p))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "asked not to be contacted", "why")
	cmd.Flags().BoolVar(&off, "off", false, "lift the flag")
	return cmd
}

func displayName(p *nudge.Person) string {
	if p.Name != "" {
		return p.Name
	}
	return p.Email
}
