package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge/store"
)

// opsCommands are the commands that look after the database itself (issue 7).
func (a *App) opsCommands() []*cobra.Command {
	return []*cobra.Command{a.backupCommand(), a.restoreCommand()}
}

func (a *App) backupCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent backup of the whole database to FILE (- for standard output) while nudge runs",
		Long: `Write every row of every table to FILE as one consistent snapshot, while the server and the
scheduler go on working: a gzip'd stream of JSON lines, the same for SQLite and PostgreSQL, so a
backup of either restores into either (nudge restore). FILE appears only once the backup is whole;
"-" writes to standard output. The file holds personal data: it is created readable by you only.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			var rep *store.BackupReport
			summary := a.Env.Stdout
			if args[0] == "-" {
				summary = a.Env.Stderr // stdout carries the backup
				rep, err = db.Backup(cmd.Context(), a.Env.Stdout)
			} else {
				rep, err = backupToFile(cmd, db, args[0])
			}
			if err != nil {
				return err
			}
			if asJSON {
				return jsonEncoder(summary).Encode(rep)
			}
			fmt.Fprintf(summary, "backed up %d rows of %d tables to %s (schema %d, %s, %s)\n",
				rep.Rows, len(rep.Tables), args[0], rep.Schema, rep.Dialect, rep.TakenAt.Format("2006-01-02T15:04:05Z07:00"))
			printTableCounts(summary, rep)
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the table counts as JSON")
	return cmd
}

// backupToFile writes the backup beside path and renames it into place once
// it is whole, so a failed backup never leaves a short file that looks good.
func backupToFile(cmd *cobra.Command, db *store.DB, path string) (*store.BackupReport, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	defer os.Remove(f.Name()) // fails harmlessly once renamed
	rep, err := db.Backup(cmd.Context(), f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return nil, err
	}
	return rep, nil
}

func (a *App) restoreCommand() *cobra.Command {
	var asJSON, force bool
	cmd := &cobra.Command{
		Use:   "restore FILE",
		Short: "Load a backup (nudge backup) into an empty database, all or nothing",
		Long: `Load a backup made by nudge backup, from SQLite or PostgreSQL, into the database named by
--db or --database-url: a new SQLite file or an empty PostgreSQL database (or schema). The schema
is created at the backup's version, the rows go in, and the newer migrations run over them; all
in one transaction, so a cut or damaged file changes nothing and the error names its line.

A database that already has rows is refused; --force replaces all of them. A backup made by a
newer nudge is refused. "-" reads the backup from standard input.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var in io.Reader = a.Env.Stdin
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			dsn := a.Config.DBPath
			if a.Config.DatabaseURL != "" {
				dsn = a.Config.DatabaseURL
			}
			rep, err := store.Restore(cmd.Context(), dsn, a.Clock, in, store.RestoreOptions{Force: force})
			if err != nil {
				return fmt.Errorf("restore %s: %w", args[0], err)
			}
			if asJSON {
				return a.writeJSON(rep)
			}
			w := a.Env.Stdout
			fmt.Fprintf(w, "restored %d rows of %d tables from %s (a %s backup of %s at schema %d; the database is now at schema %d)\n",
				rep.Rows, len(rep.Tables), args[0], rep.Dialect, rep.TakenAt.Format("2006-01-02T15:04:05Z07:00"), rep.Schema, rep.MigratedTo)
			printTableCounts(w, rep)
			return nil
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace every row of a database that is not empty")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the table counts as JSON")
	return cmd
}

// printTableCounts lists each table's rows: names on the left, counts
// aligned on the right.
func printTableCounts(w io.Writer, rep *store.BackupReport) {
	width, digits := 0, 1
	for _, t := range rep.Tables {
		width = max(width, len(t.Table))
		digits = max(digits, len(strconv.FormatInt(t.Rows, 10)))
	}
	for _, t := range rep.Tables {
		fmt.Fprintf(w, "  %-*s %*d\n", width, t.Table, digits, t.Rows)
	}
}
