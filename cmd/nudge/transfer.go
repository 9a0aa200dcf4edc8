package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/importer"
)

func (a *App) importCommand() *cobra.Command {
	var mapping, owner string
	var skipInvalid, asJSON bool
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import people from a CSV (HubSpot, Salesforce, Pipedrive, nudge, or --map) or vCard file",
		Long: `Import people from a file. HubSpot, Salesforce and Pipedrive exports and nudge's own
CSV are recognised by their headers; any other CSV needs --map "name=Full name,email=E-mail,…".
vCard (.vcf) files are recognised by their content.

By default the file imports whole or not at all: if any row is rejected, nothing
is stored and the report names each rejected row by line number and reason.
--skip-invalid imports the good rows. Rows whose email matches a stored person
(case-insensitively) are merged into it: only empty fields are filled in.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var m importer.Mapping
			if mapping != "" {
				var err error
				if m, err = importer.ParseMapping(mapping); err != nil {
					return fmt.Errorf("--map: %w", err)
				}
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			var in io.Reader = bufio.NewReaderSize(f, 1<<16)
			if bar := a.progressBar(f); bar != nil {
				defer bar.Finish()
				in = io.TeeReader(in, bar)
			}
			r, err := importer.NewReader(in, m)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			db, err := a.DB(ctx)
			if err != nil {
				return err
			}
			opts := nudge.ImportOptions{SkipInvalid: skipInvalid, Source: "import:" + filepath.Base(args[0])}
			if owner != "" {
				u, err := a.findUser(cmd, owner)
				if err != nil {
					return fmt.Errorf("--owner: %w", err)
				}
				opts.OwnerID = u.ID
			}
			rep, err := db.ImportPeople(ctx, r.All(), opts)
			if err != nil {
				return fmt.Errorf("import %s: %w", args[0], err)
			}
			rep.Format = string(r.Format())
			if asJSON {
				if err := a.writeJSON(rep); err != nil {
					return err
				}
			} else {
				a.printImportReport(args[0], rep)
			}
			if !rep.Committed {
				return exitError(1)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&mapping, "map", "", `column mapping for other CSVs: "email=E-mail address,name=Full name,…"`)
	cmd.Flags().BoolVar(&skipInvalid, "skip-invalid", false, "import the good rows even if some are rejected")
	cmd.Flags().StringVar(&owner, "owner", "", "rep who owns the new people (user id or email)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	return cmd
}

// progressBar returns a byte-counting bar on stderr when stderr is a terminal.
func (a *App) progressBar(f *os.File) *progressbar.ProgressBar {
	out, ok := a.Env.Stderr.(*os.File)
	if !ok || !term.IsTerminal(int(out.Fd())) {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Size() < 1<<20 { // small files finish before a bar helps
		return nil
	}
	return progressbar.NewOptions64(st.Size(),
		progressbar.OptionSetWriter(out),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetDescription("importing"),
		progressbar.OptionClearOnFinish())
}

func (a *App) printImportReport(name string, rep *nudge.ImportReport) {
	w := a.Env.Stdout
	fmt.Fprintf(w, "%s (%s): %d rows read, %d created, %d merged, %d rejected\n", name, rep.Format, rep.Rows, rep.Created, rep.Merged, rep.Rejected)
	for _, r := range rep.Rejections {
		field := ""
		if r.Field != "" {
			field = r.Field + ": "
		}
		fmt.Fprintf(w, "  line %d: %s%s\n", r.Line, field, r.Reason)
	}
	if rep.Rejected > len(rep.Rejections) {
		fmt.Fprintf(w, "  … and %d more\n", rep.Rejected-len(rep.Rejections))
	}
	if !rep.Committed {
		fmt.Fprintln(w, "nothing was imported: fix the rows above, or use --skip-invalid to import the good rows")
	}
}

func (a *App) exportCommand() *cobra.Command {
	var format, person, out string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export everything, or one person (a GDPR access request), as CSV or JSON",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			db, err := a.DB(ctx)
			if err != nil {
				return err
			}
			w := a.Env.Stdout
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			var people []*nudge.Person
			if person != "" {
				p, err := a.findPerson(ctx, db, person)
				if err != nil {
					return err
				}
				people = []*nudge.Person{p}
			} else if people, _, err = db.FindPeople(ctx, nudge.PersonFilter{}); err != nil {
				return err
			}
			companies, _, err := db.FindCompanies(ctx, nudge.CompanyFilter{})
			if err != nil {
				return err
			}
			companyName := map[int64]string{}
			for _, c := range companies {
				companyName[c.ID] = c.Name
			}
			switch strings.ToLower(format) {
			case "csv":
				return importer.WriteCSV(w, people, func(id int64) string { return companyName[id] })
			case "json":
				doc, err := a.exportDocument(cmd, people, companies, person != "")
				if err != nil {
					return err
				}
				enc := jsonEncoder(w)
				return enc.Encode(doc)
			default:
				return nudge.FieldError("format", "unknown export format %q (want csv or json)", format)
			}
		},
	}
	cmd.Flags().StringVar(&format, "format", "csv", "csv (people, re-importable) or json (people with their history)")
	cmd.Flags().StringVar(&person, "person", "", "only this PERSON (id or email): what nudge holds about them")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of standard output")
	return cmd
}

// exportDoc is the JSON export: every person with everything recorded about them.
type exportDoc struct {
	ExportedAt string             `json:"exported_at"`
	Companies  []*nudge.Company   `json:"companies"`
	People     []exportPersonView `json:"people"`
}

type exportPersonView struct {
	*nudge.Person
	Company      string               `json:"company,omitempty"`
	Interactions []*nudge.Interaction `json:"interactions"`
	Commitments  []*nudge.Commitment  `json:"commitments"`
	Deals        []*nudge.Deal        `json:"deals"`
}

func (a *App) exportDocument(cmd *cobra.Command, people []*nudge.Person, companies []*nudge.Company, onePerson bool) (*exportDoc, error) {
	ctx := cmd.Context()
	db, err := a.DB(ctx)
	if err != nil {
		return nil, err
	}
	doc := &exportDoc{ExportedAt: a.Now().Format("2006-01-02T15:04:05Z07:00"), Companies: companies}
	names := map[int64]string{}
	for _, c := range companies {
		names[c.ID] = c.Name
	}
	if onePerson {
		doc.Companies = nil
		for _, c := range companies {
			if len(people) == 1 && c.ID == people[0].CompanyID {
				doc.Companies = []*nudge.Company{c}
			}
		}
	}
	if doc.Companies == nil {
		doc.Companies = []*nudge.Company{}
	}
	// One query per kind of record, grouped in memory, rather than three
	// queries per person.
	byPerson := func(id int64) *int64 {
		if onePerson {
			return &id
		}
		return nil
	}
	var pid int64
	if len(people) == 1 {
		pid = people[0].ID
	}
	interactions, _, err := db.FindInteractions(ctx, nudge.InteractionFilter{PersonID: byPerson(pid)})
	if err != nil {
		return nil, err
	}
	commitments, err := db.FindCommitments(ctx, nudge.CommitmentFilter{PersonID: byPerson(pid)})
	if err != nil {
		return nil, err
	}
	deals, err := db.FindDeals(ctx, nudge.DealFilter{PersonID: byPerson(pid)})
	if err != nil {
		return nil, err
	}
	views := make(map[int64]*exportPersonView, len(people))
	doc.People = make([]exportPersonView, len(people))
	for i, p := range people {
		doc.People[i] = exportPersonView{Person: p, Company: names[p.CompanyID],
			Interactions: []*nudge.Interaction{}, Commitments: []*nudge.Commitment{}, Deals: []*nudge.Deal{}}
		views[p.ID] = &doc.People[i]
	}
	for _, it := range interactions {
		if v := views[it.PersonID]; v != nil {
			v.Interactions = append(v.Interactions, it)
		}
	}
	for _, c := range commitments {
		if v := views[c.PersonID]; v != nil {
			v.Commitments = append(v.Commitments, c)
		}
	}
	for _, d := range deals {
		if v := views[d.PersonID]; v != nil {
			v.Deals = append(v.Deals, d)
		}
	}
	return doc, nil
}

func (a *App) forgetCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "forget PERSON",
		Short: "Erase a person and their history (GDPR); a tombstone keeps them from being re-imported or contacted",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, p, err := a.personArg(cmd, args[0])
			if err != nil {
				return err
			}
			if err := db.ForgetPerson(cmd.Context(), p.ID); err != nil {
				return err
			}
			fmt.Fprintf(a.Env.Stdout, "forgot person %d: their record and history are erased; their email and phone can never be imported again\n", p.ID)
			return nil
		},
	}
}
