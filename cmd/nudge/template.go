package main

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/mail"
)

// templateCommand manages the users' own wording of the mail templates
// (issue 4): what is saved here is what task scripts show and the outbox
// sends, after the same lint the outbox applies (D2, D4, B7, VAR).
func (a *App) templateCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "template", Aliases: []string{"templates"}, Short: "The words of scripts and emails: list, show, edit, preview, reset"}

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the templates with their rule, built-in or overridden",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			over, err := db.FindTemplates(cmd.Context())
			if err != nil {
				return err
			}
			type row struct {
				Name        string `json:"name"`
				Rule        string `json:"rule"`
				Source      string `json:"source"` // built-in, overridden, own
				Description string `json:"description"`
			}
			builtin := mail.Builtin()
			names := slices.Sorted(maps.Keys(builtin))
			for n := range over {
				if builtin[n] == nil {
					names = append(names, n)
				}
			}
			rows := make([]row, 0, len(names))
			for _, n := range names {
				r := row{Name: n, Source: "built-in"}
				if _, ok := over[n]; ok {
					r.Source = "overridden"
					if builtin[n] == nil {
						r.Source = "own"
					}
				}
				if t, err := mail.Lookup(n, over); err == nil {
					r.Rule, r.Description = t.Rule, t.Description
				}
				rows = append(rows, r)
			}
			if asJSON {
				return a.writeJSON(rows)
			}
			for _, r := range rows {
				fmt.Fprintf(a.Env.Stdout, "%-22s %-4s %-10s %s\n", r.Name, r.Rule, r.Source, r.Description)
			}
			return nil
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print as JSON")

	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Print the source in force: the override, else the built-in",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src, _, err := a.templateSource(cmd, args[0])
			if err != nil {
				return err
			}
			fmt.Fprint(a.Env.Stdout, src)
			if !strings.HasSuffix(src, "\n") {
				fmt.Fprintln(a.Env.Stdout)
			}
			return nil
		},
	}

	var file string
	edit := &cobra.Command{
		Use:   "edit NAME [--file F]",
		Short: "Save your own version of a template, after lint (errors refuse it)",
		Long: `Save your own version of a template. The source comes from --file (- for standard
input), else from $EDITOR opened on the source in force. It is parsed and linted with the
sample scene: an error (a D2 routine opener, a field that is empty, text that does not
render) refuses the save; warnings are printed and the template is saved.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name := args[0]
			current, _, err := a.templateSource(cmd, name)
			if err != nil && nudge.ErrorCode(err) != nudge.ENOTFOUND {
				return err
			}
			var src string
			switch {
			case file == "-":
				b, err := io.ReadAll(a.Env.Stdin)
				if err != nil {
					return fmt.Errorf("read the template from standard input: %w", err)
				}
				src = string(b)
			case file != "":
				b, err := os.ReadFile(file)
				if err != nil {
					return nudge.FieldError("file", "%v", err)
				}
				src = string(b)
			default:
				if src, err = a.editTemplate(cmd, name, current); err != nil {
					return err
				}
				if src == current {
					fmt.Fprintf(a.Env.Stdout, "%s: unchanged, nothing saved\n", name)
					return nil
				}
			}
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			findings, err := mail.SaveTemplate(cmd.Context(), db, name, src)
			a.printFindings(findings)
			if err != nil {
				if mail.HasErrors(findings) {
					return nudge.Errorf(nudge.EINVALID, "template %s not saved: fix the lint errors above", name)
				}
				return err
			}
			fmt.Fprintf(a.Env.Stdout, "saved template %s: tasks and emails use it from now on\n", name)
			return nil
		},
	}
	edit.Flags().StringVar(&file, "file", "", "read the source from this file (- for standard input) instead of $EDITOR")

	var variant int
	preview := &cobra.Command{
		Use:   "preview NAME PERSON",
		Short: "Render a template with a person's real data and lint the result",
		Long: `Render a template for PERSON (an id or an email): their name, company, pain or gain,
the last W.I.N. note, the next appointment and their rep. Without --variant, the first
variant not yet sent to them is shown (B7). The lint findings of the rendered message
follow, checked against the emails already sent to them (D4, B7).`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, p, err := a.personArg(cmd, args[1])
			if err != nil {
				return err
			}
			over, err := db.FindTemplates(ctx)
			if err != nil {
				return err
			}
			t, err := mail.Lookup(args[0], over)
			if err != nil {
				return err
			}
			var rep *nudge.User
			if p.OwnerID != 0 {
				if rep, err = db.FindUserByID(ctx, p.OwnerID); err != nil {
					return err
				}
			}
			sc, err := mail.SceneOf(ctx, db, p, rep, a.Now(), a.Env.Getenv("NUDGE_COMPANY"))
			if err != nil {
				return err
			}
			v := variant - 1
			if variant == 0 {
				hashes := make([]string, len(sc.Sent))
				for i := range sc.Sent {
					hashes[i] = sc.Sent[i].BodyHash
				}
				if v, err = mail.PickVariant(t, sc.Data, hashes); errors.Is(err, mail.ErrAllVariantsSent) {
					fmt.Fprintln(a.Env.Stderr, "warning: B7:", mail.ErrAllVariantsSent)
					v, err = 0, nil
				}
			} else if v < 0 || v >= len(t.Variants) {
				return nudge.FieldError("variant", "template %s has %d variant(s), not %d", t.Name, len(t.Variants), variant)
			}
			if err != nil {
				return fmt.Errorf("template %s for %s: %w", t.Name, p.Name, err)
			}
			m, err := t.Render(sc.Data, v)
			if err != nil {
				return fmt.Errorf("template %s for %s: %w", t.Name, p.Name, err)
			}
			fmt.Fprintf(a.Env.Stdout, "# %s, variant %d of %d, for %s\n", t.Name, v+1, len(t.Variants), p.Name)
			if m.Subject != "" {
				fmt.Fprintf(a.Env.Stdout, "Subject: %s\n\n", m.Subject)
			}
			fmt.Fprintln(a.Env.Stdout, m.Body)
			findings := mail.LintMessage(m, sc.Data, sc.History())
			if len(findings) == 0 {
				fmt.Fprintln(a.Env.Stdout, "\nlint: no findings")
			}
			a.printFindings(findings)
			return nil
		},
	}
	preview.Flags().IntVar(&variant, "variant", 0, "the variant to render, from 1 (default: the first not yet sent)")

	reset := &cobra.Command{
		Use:   "reset NAME",
		Short: "Delete your version of a template: the built-in is used again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			if err := db.DeleteTemplate(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.Env.Stdout, "template %s: back to the built-in\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(list, show, edit, preview, reset)
	return cmd
}

// templateSource returns the source of the template in force and whether
// it is the user's override. ENOTFOUND when there is neither.
func (a *App) templateSource(cmd *cobra.Command, name string) (string, bool, error) {
	db, err := a.DB(cmd.Context())
	if err != nil {
		return "", false, err
	}
	over, err := db.FindTemplates(cmd.Context())
	if err != nil {
		return "", false, err
	}
	if src, ok := over[name]; ok {
		return src, true, nil
	}
	if src, ok := mail.BuiltinSource(name); ok {
		return src, false, nil
	}
	return "", false, nudge.Errorf(nudge.ENOTFOUND, "no template %q (nudge template list)", name)
}

// editTemplate opens $EDITOR (else vi) on the current source in a private
// temporary file and returns what the user saved.
func (a *App) editTemplate(cmd *cobra.Command, name, current string) (string, error) {
	editor := strings.TrimSpace(a.Env.Getenv("EDITOR"))
	if editor == "" {
		editor = "vi"
	}
	dir, err := os.MkdirTemp("", "nudge-template-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, name+".tmpl")
	if err := os.WriteFile(path, []byte(current), 0o600); err != nil {
		return "", err
	}
	// Through the shell, so EDITOR may carry arguments ("code --wait").
	ed := exec.CommandContext(cmd.Context(), "sh", "-c", editor+` "$1"`, "sh", path)
	ed.Stdin, ed.Stdout, ed.Stderr = a.Env.Stdin, a.Env.Stdout, a.Env.Stderr
	if err := ed.Run(); err != nil {
		return "", fmt.Errorf("editor %q: %w (nothing saved)", editor, err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// printFindings prints lint findings to standard error, one a line, with
// their rule and, when known, the template line.
func (a *App) printFindings(fs []mail.Finding) {
	for _, f := range fs {
		where := ""
		if f.Line > 0 {
			where = fmt.Sprintf("line %d: ", f.Line)
		}
		fmt.Fprintf(a.Env.Stderr, "%s%s\n", where, f)
	}
}
