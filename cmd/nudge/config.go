package main

import (
	"bufio"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Configuration (issue 7). Every key has one name in three places: the flag
// --KEY, the environment variable NUDGE_KEY (upper case, dashes as
// underscores) and the line KEY = VALUE of the configuration file (--config
// FILE or NUDGE_CONFIG). A flag given on the command line wins over the
// environment, the environment over the file, the file over the default.

// place says which commands have a key's flag.
type place int

const (
	everyCommand place = iota // a flag of every command (--db)
	serveOnly                 // a flag of nudge serve (and nudge config)
	noFlag                    // environment or file only
)

// setting is one configuration key.
type setting struct {
	flag   *pflag.Flag // name, help, default; its Value writes into App.Config
	place  place
	secret bool   // never shown or logged: `nudge config` prints "(set)"
	source string // where the value came from: flag, env, file or default
}

// envName is the environment variable of a key: max-upload → NUDGE_MAX_UPLOAD.
func envName(key string) string {
	return "NUDGE_" + strings.ToUpper(strings.ReplaceAll(key, "-", "_"))
}

// settings lists every key, bound to the fields of c, in the order the
// README documents them.
func (c *Config) settings() []*setting {
	fs := pflag.NewFlagSet("config", pflag.ContinueOnError)
	var out []*setting
	add := func(p place, secret bool, name string) {
		f := fs.Lookup(name)
		f.Usage += " (env " + envName(name) + ")"
		out = append(out, &setting{flag: f, place: p, secret: secret})
	}
	fs.StringVar(&c.DBPath, "db", "", "SQLite database file (default: nudge.db in the per-user data directory)")
	add(everyCommand, false, "db")
	fs.StringVar(&c.DatabaseURL, "database-url", "", "PostgreSQL URL, postgres://…; when set, db is ignored")
	add(everyCommand, true, "database-url")
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; :0 picks a free port)")
	add(serveOnly, false, "addr")
	fs.DurationVar(&c.Every, "every", 30*time.Second, "how often the scheduler plans due people and the outbox sends")
	add(serveOnly, false, "every")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", false, "mark cookies Secure even on plain HTTP (behind a TLS proxy)")
	add(serveOnly, false, "secure-cookies")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json (one object per line)")
	add(serveOnly, false, "log-format")
	fs.StringVar(&c.LogLevel, "log-level", "info", "least severe level logged: debug, info, warn or error (info logs every request)")
	add(serveOnly, false, "log-level")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "serve /metrics, /healthz and /readyz without authentication on this address too (e.g. 127.0.0.1:9090)")
	add(serveOnly, false, "metrics-addr")
	fs.StringVar(&c.MetricsToken, "metrics-token", "", "serve /metrics on the app's address to scrapers sending Authorization: Bearer <token>")
	add(serveOnly, true, "metrics-token")
	c.MaxUpload, c.MaxJSON, c.MaxForm = 64<<20, 1<<20, 1<<20
	fs.Var(&c.MaxUpload, "max-upload", "largest import file accepted (413 beyond)")
	add(serveOnly, false, "max-upload")
	fs.Var(&c.MaxJSON, "max-json", "largest API request body accepted (413 beyond)")
	add(serveOnly, false, "max-json")
	fs.Var(&c.MaxForm, "max-form", "largest form accepted (413 beyond)")
	add(serveOnly, false, "max-form")
	fs.Float64Var(&c.APIRate, "api-rate", 100, "API requests per second allowed to each user on average (0: no limit; 429 beyond)")
	add(serveOnly, false, "api-rate")
	fs.IntVar(&c.APIBurst, "api-burst", 200, "API requests each user may make at once before api-rate applies")
	add(serveOnly, false, "api-burst")
	fs.IntVar(&c.SigninAttempts, "signin-attempts", 5, "failed sign-ins allowed per client address and email within signin-window (429 beyond)")
	add(serveOnly, false, "signin-attempts")
	fs.DurationVar(&c.SigninWindow, "signin-window", 15*time.Minute, "the window of signin-attempts")
	add(serveOnly, false, "signin-window")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "on SIGTERM or Ctrl-C, how long requests, the scheduler and the outbox get to finish their work in flight")
	add(serveOnly, false, "shutdown-timeout")
	fs.StringVar(&c.Company, "company", "", "the company reps call from (D1 openings, email footers)")
	add(noFlag, false, "company")
	fs.StringVar(&c.PublicURL, "public-url", "", "the app's public https address; set, nudge serve sends cadence emails with unsubscribe links under it")
	add(noFlag, false, "public-url")
	fs.StringVar(&c.TZ, "tz", "", "the zone \"today\" is read in when no rep is named (default: the machine's)")
	add(noFlag, false, "tz")
	fs.StringVar(&c.SecretKeyFile, "secret-key-file", "", "file of the key that seals mailbox passwords and signs unsubscribe links (default: nudge/secret.key in the user's config directory)")
	add(noFlag, false, "secret-key-file")
	return out
}

// configFile is a configuration file read: value and line of each key.
type configFile struct {
	path   string
	values map[string]fileValue
}

type fileValue struct {
	value string
	line  int
}

// readConfigFile reads path: one KEY = VALUE per line; blank lines and lines
// starting with # are ignored; a value may be double-quoted (Go syntax) to
// keep spaces at its ends. # after a value is part of it (passwords and URLs
// may hold one). An unknown or repeated key is an error naming its line.
func readConfigFile(path string, known []*setting) (*configFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("configuration file: %w", err)
	}
	defer f.Close()
	cf := &configFile{path: path, values: map[string]fileValue{}}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s line %d: want KEY = VALUE, got %q", path, n, line)
		}
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !slices.ContainsFunc(known, func(s *setting) bool { return s.flag.Name == key }) {
			return nil, fmt.Errorf("%s line %d: unknown key %q%s", path, n, key, suggest(key, known))
		}
		if prev, dup := cf.values[key]; dup {
			return nil, fmt.Errorf("%s line %d: %s is already set on line %d", path, n, key, prev.line)
		}
		if strings.HasPrefix(value, `"`) {
			uq, err := strconv.Unquote(value)
			if err != nil {
				return nil, fmt.Errorf("%s line %d: %s: the value %s is not a well-formed quoted string", path, n, key, value)
			}
			value = uq
		}
		cf.values[key] = fileValue{value, n}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("configuration file %s: %w", path, err)
	}
	return cf, nil
}

// suggest names the key meant by a near miss (max_upload, MAX-UPLOAD), or
// lists the keys.
func suggest(key string, known []*setting) string {
	norm := strings.ToLower(strings.ReplaceAll(key, "_", "-"))
	norm = strings.TrimPrefix(norm, "nudge-")
	var names []string
	for _, s := range known {
		if s.flag.Name == norm {
			return fmt.Sprintf(" (did you mean %s?)", norm)
		}
		names = append(names, s.flag.Name)
	}
	return " (known keys: " + strings.Join(names, ", ") + ")"
}

// configure fills a.Config for cmd: each key from its flag if given, else
// NUDGE_KEY, else the configuration file, else its default. The whole
// configuration is read and checked by every command, so a mistake shows
// at once rather than when the one command that reads it runs. Keys without
// a flag are also answered through a.Env.Getenv, where the code that reads
// them looks.
func (a *App) configure(cmd *cobra.Command) error {
	get := a.Env.Getenv
	path := a.Config.ConfigFile
	if f := cmd.Flags().Lookup("config"); f == nil || !f.Changed {
		path = get("NUDGE_CONFIG")
	}
	a.Config.ConfigFile = path
	var file *configFile
	if path != "" {
		var err error
		if file, err = readConfigFile(path, a.settings); err != nil {
			return err
		}
	}
	for _, s := range a.settings {
		key, env := s.flag.Name, envName(s.flag.Name)
		if f := cmd.Flags().Lookup(key); f == s.flag && f.Changed {
			s.source = "flag"
			continue
		}
		if v := get(env); v != "" {
			if err := s.flag.Value.Set(v); err != nil {
				return fmt.Errorf("%s=%q: %w", env, shown(s, v), err)
			}
			s.source = "env"
			continue
		}
		if fv, ok := file.lookup(key); ok {
			if err := s.flag.Value.Set(fv.value); err != nil {
				return fmt.Errorf("%s line %d: %s = %q: %w", file.path, fv.line, key, shown(s, fv.value), err)
			}
			s.source = "file"
			continue
		}
		s.source = "default"
	}
	byEnv := map[string]*setting{}
	for _, s := range a.settings {
		if s.place == noFlag {
			byEnv[envName(s.flag.Name)] = s
		}
	}
	a.Env.Getenv = func(k string) string {
		if s := byEnv[k]; s != nil {
			return s.flag.Value.String()
		}
		return get(k)
	}
	return nil
}

func (cf *configFile) lookup(key string) (fileValue, bool) {
	if cf == nil {
		return fileValue{}, false
	}
	v, ok := cf.values[key]
	return v, ok
}

// shown is a value as an error message or listing may show it.
func shown(s *setting, v string) string {
	if s.secret {
		if s.flag.Name == "database-url" {
			return redactDSN(v)
		}
		if v != "" {
			return "(set)"
		}
	}
	return v
}

// redactDSN hides the password of a database URL, in its user part or its
// query, for logs and listings.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Scheme == "" {
		if strings.Contains(dsn, "://") {
			return "(unparsable URL)"
		}
		return dsn // a SQLite path
	}
	q := u.Query()
	for _, k := range []string{"password", "sslpassword"} {
		if q.Has(k) {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}

// byteSize is a size in bytes, written 64MiB, 512 KiB or 1048576.
type byteSize int64

var sizeUnits = []struct {
	suffix string
	n      int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}}

func (b *byteSize) Set(s string) error {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range sizeUnits {
		if num, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(num), u.n
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return fmt.Errorf("%q is not a size (write e.g. 64MiB, 512KiB or a number of bytes)", s)
	}
	*b = byteSize(n * mult)
	return nil
}

func (b byteSize) String() string {
	for _, u := range sizeUnits {
		if int64(b) >= u.n && int64(b)%u.n == 0 {
			return strconv.FormatInt(int64(b)/u.n, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(b), 10)
}

func (b *byteSize) Type() string { return "size" }

// configCommand shows the configuration a command would run with.
func (a *App) configCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show every configuration key: its value and where it came from (flag, env, file, default)",
		Long: `Show the configuration nudge runs with. Each key is read from, in order: its flag
(--KEY, given here too, so that nudge config --max-upload 2MiB shows what nudge serve --max-upload 2MiB
would use), the environment variable NUDGE_KEY, the configuration file (--config FILE or NUDGE_CONFIG:
lines KEY = VALUE), its default. Secrets are not shown.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			type row struct {
				Key    string `json:"key"`
				Value  string `json:"value"`
				Source string `json:"source"`
				Env    string `json:"env"`
			}
			var rows []row
			for _, s := range a.settings {
				rows = append(rows, row{s.flag.Name, shown(s, s.flag.Value.String()), s.source, envName(s.flag.Name)})
			}
			if asJSON {
				return a.writeJSON(rows)
			}
			if f := a.Config.ConfigFile; f != "" {
				fmt.Fprintf(a.Env.Stdout, "# configuration file: %s\n", f)
			}
			for _, r := range rows {
				fmt.Fprintf(a.Env.Stdout, "%-17s = %-28s # %s (%s)\n", r.Key, strconv.Quote(r.Value), r.Source, r.Env)
			}
			return nil
		},
	}
	a.addServeFlags(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the keys as JSON")
	return cmd
}

// addServeFlags gives cmd the flags of nudge serve's keys.
func (a *App) addServeFlags(cmd *cobra.Command) {
	for _, s := range a.settings {
		if s.place == serveOnly {
			cmd.Flags().AddFlag(s.flag)
		}
	}
}
