// Command bench is nudge's whole-system benchmark (issue 7). For each
// backend it seeds a generated book and measures, in one run, what nudge
// does beside the bare operation that bounds it on the same database:
//
//	import        `nudge import` of the book's people     bare bulk insert of the same rows, no indexes
//	seed          `nudge dev seed` of the whole book        bare bulk insert of the same rows, no indexes
//	today         p50/p99 of each rep's agenda               bare indexed query of the same tasks
//	engine        the scheduler settling due people         bare job queue, same transactions
//	API           GET /api/v1/tasks/today under load        the same server's /healthz
//	reports       H1–H3 and replies over the whole book     bare count of the interactions
//	peak RSS      of this process during nudge's work       during the bare operations
//
// and prints one table: text, Markdown (for the README) and, on request,
// JSON. See bench/README.md.
//
//	go run ./bench -people 100000 -backends sqlite,postgres
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/nudgecrm/nudge/internal/testdb"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	fs.IntVar(&cfg.People, "people", 100_000, "people in the book")
	fs.IntVar(&cfg.Interactions, "interactions", 0, "touches in the book (default 10 per person)")
	fs.IntVar(&cfg.Reps, "reps", 0, "reps owning the book (default one per 1,000 people: about 35 tasks due on their day)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "the book's random seed")
	fs.IntVar(&cfg.Steps, "steps", 0, "people left due for the engine (default 10,000 or the whole book)")
	fs.IntVar(&cfg.Queries, "queries", 1_000, "`today` calls timed, the reps in turn")
	fs.DurationVar(&cfg.APIDuration, "api-duration", 10*time.Second, "how long each API handler is loaded")
	fs.IntVar(&cfg.Connections, "connections", 50, "connections of the API load")
	wrk := wrkPath()
	load := "go"
	if wrk != "" {
		load = "wrk"
	}
	fs.StringVar(&cfg.Load, "load", load, "API load generator: wrk or go (in this process)")
	fs.StringVar(&cfg.Wrk, "wrk", wrk, "path of wrk")
	backends := fs.String("backends", "sqlite,postgres", "backends to measure, in order")
	pgURL := fs.String("postgres", envOr(testdb.PostgresEnv, testdb.DefaultPostgres), "PostgreSQL server (a schema of its own is made and dropped)")
	dir := fs.String("dir", "", "directory of the SQLite files (default a temporary one, removed)")
	mdFile := fs.String("md", "", "also write the table as Markdown to this file")
	jsonFile := fs.String("json", "", "also write the table as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	cfg.Progress = stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var bes []backend
	for name := range strings.SplitSeq(*backends, ",") {
		switch strings.TrimSpace(name) {
		case "sqlite":
			be, cleanup, err := sqliteBackend(*dir)
			if err != nil {
				return err
			}
			defer cleanup()
			bes = append(bes, be)
		case "postgres":
			bes = append(bes, postgresBackend(*pgURL))
		default:
			return fmt.Errorf("backend %q: want sqlite or postgres", name)
		}
	}
	t, err := Run(ctx, cfg, bes)
	if t != nil && len(t.Columns) > 0 {
		if werr := output(t, stdout, *mdFile, *jsonFile); werr != nil {
			err = errors.Join(err, werr)
		}
	}
	return err
}

// output prints the table as text and Markdown, and writes the files asked
// for.
func output(t *Table, w io.Writer, mdFile, jsonFile string) error {
	if err := t.Text(w); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if err := t.Markdown(w); err != nil {
		return err
	}
	write := func(name string, f func(io.Writer) error) error {
		if name == "" {
			return nil
		}
		out, err := os.Create(name)
		if err != nil {
			return err
		}
		if err := f(out); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	}
	return errors.Join(write(mdFile, t.Markdown), write(jsonFile, t.JSON))
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// sqliteBackend makes its databases as files in dir, or in a temporary
// directory removed by cleanup.
func sqliteBackend(dir string) (backend, func(), error) {
	cleanup := func() {}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "nudge-bench-")
		if err != nil {
			return backend{}, nil, err
		}
		dir, cleanup = tmp, func() { os.RemoveAll(tmp) }
	}
	n := 0
	return backend{name: "sqlite", fresh: func() (string, func() error, error) {
		n++
		path := filepath.Join(dir, fmt.Sprintf("bench-%d-%d.db", os.Getpid(), n))
		return path, func() error {
			var errs []error
			for _, suffix := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
					errs = append(errs, err)
				}
			}
			return errors.Join(errs...)
		}, nil
	}}, cleanup, nil
}

// postgresBackend makes its databases as schemas of their own on the
// server at base (as internal/testdb does for tests), dropped afterwards.
func postgresBackend(base string) backend {
	n := 0
	return backend{name: "postgres", fresh: func() (string, func() error, error) {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return "", nil, err
		}
		n++
		schema := fmt.Sprintf("bench_%d_%d", os.Getpid(), n)
		if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
			admin.Close()
			return "", nil, fmt.Errorf("PostgreSQL at %s: %w", redact(base), err)
		}
		u, err := url.Parse(base)
		if err != nil {
			admin.Close()
			return "", nil, err
		}
		q := u.Query()
		q.Set("search_path", schema) // pgx sends it to the server as a setting
		u.RawQuery = q.Encode()
		return u.String(), func() error {
			defer admin.Close()
			_, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
			return err
		}, nil
	}}
}

// redact hides a password in a URL for messages.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
