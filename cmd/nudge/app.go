package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/store"
)

// Env is everything the program takes from its surroundings, so tests can run
// it in-process with their own clock, files and output.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Config is the program's configuration: each key from its flag, else
// NUDGE_KEY, else the configuration file, else its default (config.go
// lists the keys; the README documents them).
type Config struct {
	ConfigFile  string // --config or NUDGE_CONFIG: the file of KEY = VALUE lines
	DBPath      string // SQLite file (default: the per-user data directory)
	DatabaseURL string // PostgreSQL URL; when set, DBPath is ignored
	Now         string // NUDGE_NOW: RFC 3339 instant used as "now" (environment only)

	// nudge serve
	Addr            string
	Every           time.Duration
	SecureCookies   bool
	LogFormat       string // text or json
	LogLevel        string // debug, info, warn or error
	MetricsAddr     string
	MetricsToken    string
	MaxUpload       byteSize
	MaxJSON         byteSize
	MaxForm         byteSize
	APIRate         float64 // per user and second; 0 does not limit
	APIBurst        int
	SigninAttempts  int
	SigninWindow    time.Duration
	ShutdownTimeout time.Duration

	// Read by several commands; environment or file only.
	Company       string
	PublicURL     string
	TZ            string
	SecretKeyFile string
}

// Validate checks the configuration and fills in defaults.
func (c *Config) Validate() error {
	if c.Now != "" {
		if _, err := time.Parse(time.RFC3339, c.Now); err != nil {
			return fmt.Errorf("NUDGE_NOW %q is not an RFC 3339 time (e.g. 2026-11-30T09:00:00-05:00)", c.Now)
		}
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return errors.New("--database-url must start with postgres:// or postgresql://")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("log-format %q: want text or json", c.LogFormat)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return fmt.Errorf("log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"every", c.Every}, {"signin-window", c.SigninWindow}, {"shutdown-timeout", c.ShutdownTimeout}} {
		if d.v <= 0 {
			return fmt.Errorf("%s %s: want a positive duration (e.g. 30s, 15m)", d.key, d.v)
		}
	}
	if c.APIRate < 0 || c.APIBurst < 1 || c.SigninAttempts < 1 {
		return fmt.Errorf("api-rate %g, api-burst %d, signin-attempts %d: want a rate ≥ 0 (0: no limit) and counts ≥ 1", c.APIRate, c.APIBurst, c.SigninAttempts)
	}
	if c.DatabaseURL == "" && c.DBPath == "" {
		dir, err := dataDir()
		if err != nil {
			return fmt.Errorf("cannot find a data directory (set --db or NUDGE_DB): %w", err)
		}
		c.DBPath = filepath.Join(dir, "nudge.db")
	}
	return nil
}

// dataDir is the per-user directory where the embedded database lives:
// $XDG_DATA_HOME/nudge, ~/.local/share/nudge, ~/Library/Application Support/nudge
// on macOS, %LocalAppData%\nudge on Windows.
func dataDir() (string, error) {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "nudge"), nil
	}
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return filepath.Join(d, "nudge"), nil
		}
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Application Support", "nudge"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "share", "nudge"), nil
}

// App is one run of the program: its configuration, clock, output and,
// once a command needs it, the open store.
type App struct {
	Config   Config
	Env      Env
	Clock    nudge.Clock
	db       *store.DB
	settings []*setting // the keys of Config, with their flags and sources
}

// DB opens the store on first use and applies pending migrations.
func (a *App) DB(ctx context.Context) (*store.DB, error) {
	if a.db != nil {
		return a.db, nil
	}
	dsn := a.Config.DBPath
	if a.Config.DatabaseURL != "" {
		dsn = a.Config.DatabaseURL
	}
	db, err := store.Open(ctx, dsn, a.Clock)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	a.db = db
	return db, nil
}

// Close releases the store, if one was opened.
func (a *App) Close() error {
	if a.db == nil {
		return nil
	}
	return a.db.Close()
}

// Now is the current instant: NUDGE_NOW when set, else the clock.
func (a *App) Now() time.Time { return a.Clock.Now() }

// Run runs the program with args and returns its exit status.
func Run(ctx context.Context, args []string, env Env) int {
	app := &App{Env: env}
	app.settings = app.Config.settings()
	root := app.rootCommand()
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if cerr := app.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		if store.IsDiskFull(err) {
			// Say what happened and what to do; the chain stays for a bug report.
			err = fmt.Errorf("disk full: the database has no space left on its disk; the change in progress was rolled back "+
				"and everything stored before is intact. Free some space and run the command again (%w)", err)
		}
		// The message keeps the context of wrapping ("import line 42: email: …").
		fmt.Fprintln(env.Stderr, "nudge:", err)
		var ee exitError
		if errors.As(err, &ee) {
			return int(ee)
		}
		return 1
	}
	return 0
}

// exitError ends the program with a status without printing more.
type exitError int

func (e exitError) Error() string { return "exit status " + strconv.Itoa(int(e)) }

func (a *App) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "nudge",
		Short:         "nudge: the follow-up engine that keeps salespeople persistent, never a pest",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := a.configure(cmd); err != nil {
				return err
			}
			a.Config.Now = a.Env.Getenv("NUDGE_NOW")
			if err := a.Config.Validate(); err != nil {
				return err
			}
			a.Clock = nudge.SystemClock{}
			if a.Config.Now != "" {
				t, _ := time.Parse(time.RFC3339, a.Config.Now)
				a.Clock = nudge.NewFixedClock(t)
			}
			return nil
		},
	}
	f := root.PersistentFlags()
	f.StringVar(&a.Config.ConfigFile, "config", "", "configuration file of KEY = VALUE lines (env NUDGE_CONFIG); flags win over NUDGE_* variables, which win over the file")
	for _, s := range a.settings {
		if s.place == everyCommand {
			f.AddFlag(s.flag)
		}
	}
	root.AddCommand(
		a.contactCommand(),
		a.companyCommand(),
		a.logCommand(),
		a.commitmentsCommand(),
		a.importCommand(),
		a.exportCommand(),
		a.forgetCommand(),
		a.userCommand(),
		a.todayCommand(),
		a.doneCommand(),
		a.snoozeCommand(),
		a.skipCommand(),
		a.enrollCommand(),
		a.appointmentCommand(),
		a.runCommand(),
		a.cadenceCommand(),
		a.simulateCommand(),
		a.serveCommand(),
		a.configCommand(),
		a.devCommand(),
	)
	root.AddCommand(a.pauseCommands()...)
	root.AddCommand(a.mailCommands()...)
	root.AddCommand(a.listenCommand())
	root.AddCommand(a.templateCommand())
	root.AddCommand(a.reportCommand())      // report.go (issue 6: H1–H3)
	root.AddCommand(a.insightCommands()...) // insight.go (G4, E6, E7)
	root.AddCommand(a.valueCommands()...)   // value.go (F2, F3)
	root.AddCommand(a.opsCommands()...)     // backup.go (issue 7: backup, restore)
	return root
}

// writeJSON prints v as indented JSON.
func (a *App) writeJSON(v any) error { return jsonEncoder(a.Env.Stdout).Encode(v) }

func jsonEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc
}

// personArg opens the store and resolves a PERSON argument.
func (a *App) personArg(cmd *cobra.Command, ref string) (*store.DB, *nudge.Person, error) {
	db, err := a.DB(cmd.Context())
	if err != nil {
		return nil, nil, err
	}
	p, err := a.findPerson(cmd.Context(), db, ref)
	return db, p, err
}

// findPerson resolves a PERSON argument: an id or an email address.
func (a *App) findPerson(ctx context.Context, db *store.DB, ref string) (*nudge.Person, error) {
	ref = strings.TrimSpace(ref)
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return db.FindPersonByID(ctx, id)
	}
	if strings.Contains(ref, "@") {
		return db.FindPersonByEmail(ctx, ref)
	}
	return nil, nudge.Errorf(nudge.EINVALID, "%q is neither a person id nor an email address", ref)
}

// parseWhen reads a time the way people type one: RFC 3339, or a local
// "2006-01-02 15:04" / "2006-01-02T15:04" read in loc, or a date "2006-01-02"
// (taken as 17:00 in loc: the end of that business day).
func parseWhen(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return time.Date(t.Year(), t.Month(), t.Day(), 17, 0, 0, 0, loc).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time (use RFC 3339, \"2006-01-02 15:04\" or \"2006-01-02\")", s)
}
