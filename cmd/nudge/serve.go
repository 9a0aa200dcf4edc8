package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/web"
)

func (a *App) serveCommand() *cobra.Command {
	var debug bool
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080]",
		Short: "Run the web app, the JSON API and the calendar feed, with the scheduler in the same process",
		Long: `Run nudge's web app on --addr (localhost only unless told otherwise), with the JSON API
under /api/v1 and each user's calendar feed. The scheduler plans due people every --every.
On an empty database the first visit creates the admin account at /setup.

/healthz answers while the process runs; /readyz while the database answers too (503
otherwise). /metrics (Prometheus) is served on --metrics-addr without authentication, and on
--addr to scrapers that send --metrics-token.

SIGTERM or Ctrl-C stops it gracefully: it stops accepting connections, lets the requests in
flight finish, the scheduler commit the batch it is settling and the outbox record the email
it is sending, then exits 0 — within --shutdown-timeout, else it exits 1 saying what was
still running. Every flag can also come from NUDGE_<FLAG> or the --config file (see nudge config).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c := a.Config
			if debug {
				c.LogLevel = "debug"
			}
			return a.serve(cmd, c)
		},
	}
	a.addServeFlags(cmd)
	cmd.Flags().BoolVar(&debug, "debug", false, "same as --log-level debug")
	cmd.Flags().MarkHidden("debug")
	return cmd
}

// newLogger makes the server's logger: text or JSON lines on w.
func newLogger(w io.Writer, format, level string) *slog.Logger {
	var l slog.Level
	l.UnmarshalText([]byte(level)) // checked by Config.Validate
	opts := &slog.HandlerOptions{Level: l}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func (a *App) serve(cmd *cobra.Command, c Config) error {
	// stop ends with the signal (or a failure below); the work in flight
	// then gets until stopped+ShutdownTimeout.
	stop, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	stopped := make(chan time.Time, 1)
	context.AfterFunc(stop, func() { stopped <- time.Now() })
	web.TuneGC(a.Env.Getenv) // GOGC=400 unless set: see web.GCPercent
	log := newLogger(a.Env.Stderr, c.LogFormat, c.LogLevel)
	dsn := c.DBPath
	if c.DatabaseURL != "" {
		dsn = redactDSN(c.DatabaseURL)
	}
	log.Info("starting", "database", dsn, "config", c.ConfigFile, "log_level", c.LogLevel)
	db, err := a.DB(stop)
	if err != nil {
		return err
	}
	metrics := web.NewMetrics()
	svc := followup.New(db, a.Clock, followup.Options{RepCompany: c.Company, OnSettled: metrics.Settled})
	cfg := web.Config{SecureCookies: c.SecureCookies, Logger: log, Metrics: metrics, MetricsToken: c.MetricsToken,
		Limits:  web.Limits{Upload: int64(c.MaxUpload), JSON: int64(c.MaxJSON), Form: int64(c.MaxForm)},
		APIRate: web.Rate{PerSecond: c.APIRate, Burst: c.APIBurst}, SigninAttempts: c.SigninAttempts,
		SigninWindow: c.SigninWindow, ShutdownTimeout: c.ShutdownTimeout}
	// The Settings page seals the passwords of the mailboxes it adds
	// with the same key as nudge mailbox add.
	if cfg.Keys, err = a.keys(); err != nil {
		log.Warn("mailboxes cannot be added in the web app without the secret key", "err", err)
	}
	// Email sends itself when the app has a public https address for its
	// unsubscribe links (RFC 8058); then this process also answers them.
	var out *mail.Outbox
	if c.PublicURL != "" {
		keys, err := a.keys()
		if err != nil {
			return err
		}
		out, err = mail.NewOutbox(db, svc, keys, a.Clock, mail.OutboxOptions{BaseURL: c.PublicURL, RepCompany: c.Company,
			Observe: metrics.Emails})
		if err != nil {
			return err
		}
		cfg.Unsubscribe = mail.UnsubscribeHandler(keys, out)
		if n, err := out.Recover(stop, a.Now()); err != nil {
			return err
		} else if n > 0 {
			log.Warn("messages interrupted mid-send are held as uncertain: nudge outbox list --state uncertain", "count", n)
		}
	} else {
		log.Info("email sending is off: set public-url (NUDGE_PUBLIC_URL) to the app's https address to send cadence emails")
	}
	srv, err := web.New(db, svc, a.Clock, cfg)
	if err != nil {
		return err
	}
	// The reps' inboxes: replies, stops, bounces, out-of-office (IMAP).
	in, err := a.inbox(cmd, mail.InboxOptions{OnError: func(mailbox string, err error) {
		log.Error("inbox", "mailbox", mailbox, "err", err)
	}})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	var opsLn net.Listener
	if c.MetricsAddr != "" {
		if opsLn, err = net.Listen("tcp", c.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on metrics-addr %s: %w", c.MetricsAddr, err)
		}
		log.Info("metrics", "url", "http://"+opsLn.Addr().String()+"/metrics")
	}
	fmt.Fprintf(a.Env.Stdout, "nudge is running at http://%s/ (%s database); Ctrl-C stops it\n", ln.Addr(), db.Dialect())
	log.Info("listening", "addr", ln.Addr().String())

	// Everything beside the web server, each reporting when it has stopped.
	var parts []part
	start := func(name string, run func() error) {
		p := part{name, make(chan error, 1)}
		go func() { p.done <- run() }()
		parts = append(parts, p)
	}
	start("scheduler", func() error {
		return svc.Run(stop, c.Every, func(err error) { log.Error("scheduler", "err", err) })
	})
	start("inbox", func() error {
		if err := in.Run(stop); err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	})
	if out != nil {
		start("outbox", func() error {
			t := time.NewTicker(c.Every)
			defer t.Stop()
			for {
				// A send in flight when stop ends finishes and is recorded
				// (mail.Outbox.Send); no new one starts.
				if _, err := out.RunOnce(stop); err != nil && stop.Err() == nil {
					log.Error("outbox", "err", err)
				}
				select {
				case <-stop.Done():
					return nil
				case <-t.C:
				}
			}
		})
	}
	if opsLn != nil {
		start("metrics listener", func() error { return srv.ServeOps(stop, opsLn) })
	}

	serr := srv.Serve(stop, ln) // returns once stop ends and the requests in flight are done
	if serr != nil && stop.Err() == nil {
		log.Error("server", "err", serr)
	}
	cancel()
	log.Info("stopping: finishing the work in flight", "timeout", c.ShutdownTimeout)
	deadline := time.NewTimer(time.Until((<-stopped).Add(c.ShutdownTimeout)))
	defer deadline.Stop()
	errs := []error{serr}
	for _, p := range parts {
		select {
		case err := <-p.done:
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", p.name, err))
			}
		case <-deadline.C:
			err := fmt.Errorf("shutdown: the %s was still running %s after the stop signal (shutdown-timeout)", p.name, c.ShutdownTimeout)
			log.Error("stopped", "err", err)
			return err
		}
	}
	if err := errors.Join(errs...); err != nil {
		log.Error("stopped", "err", err)
		return err
	}
	log.Info("stopped")
	return nil
}

// part is something nudge serve runs beside the web server.
type part struct {
	name string
	done chan error
}
