package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge/followup"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/web"
)

func (a *App) serveCommand() *cobra.Command {
	var addr string
	var secure, debug bool
	var every time.Duration
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080]",
		Short: "Run the web app, the JSON API and the calendar feed, with the scheduler in the same process",
		Long: `Run nudge's web app on --addr (localhost only unless told otherwise), with the JSON API
under /api/v1 and each user's calendar feed. The scheduler plans due people every --every.
On an empty database the first visit creates the admin account at /setup.
Ctrl-C (or SIGTERM) stops it cleanly: requests in flight finish, the scheduler stops.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			web.TuneGC(a.Env.Getenv) // GOGC=400 unless set: see web.GCPercent
			level := slog.LevelInfo
			if debug {
				level = slog.LevelDebug
			}
			log := slog.New(slog.NewTextHandler(a.Env.Stderr, &slog.HandlerOptions{Level: level}))
			db, err := a.DB(ctx)
			if err != nil {
				return err
			}
			svc := followup.New(db, a.Clock, followup.Options{RepCompany: a.Env.Getenv("NUDGE_COMPANY")})
			cfg := web.Config{SecureCookies: secure, Logger: log}
			// The Settings page seals the passwords of the mailboxes it adds
			// with the same key as nudge mailbox add.
			if cfg.Keys, err = a.keys(); err != nil {
				log.Warn("mailboxes cannot be added in the web app without the secret key", "err", err)
			}
			// Email sends itself when the app has a public https address for
			// its unsubscribe links (RFC 8058); then this process also answers them.
			var out *mail.Outbox
			if a.Env.Getenv("NUDGE_PUBLIC_URL") != "" {
				if out, err = a.outbox(cmd); err != nil {
					return err
				}
				keys, err := a.keys()
				if err != nil {
					return err
				}
				cfg.Unsubscribe = mail.UnsubscribeHandler(keys, out)
				if n, err := out.Recover(ctx, a.Now()); err != nil {
					return err
				} else if n > 0 {
					log.Warn("messages interrupted mid-send are held as uncertain: nudge outbox list --state uncertain", "count", n)
				}
			} else {
				log.Info("email sending is off: set NUDGE_PUBLIC_URL to the app's https address to send cadence emails")
			}
			srv, err := web.New(db, svc, a.Clock, cfg)
			if err != nil {
				return err
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", addr, err)
			}
			fmt.Fprintf(a.Env.Stdout, "nudge is running at http://%s/ (%s database); Ctrl-C stops it\n", ln.Addr(), db.Dialect())
			done := make(chan error, 1)
			go func() {
				done <- svc.Run(ctx, every, func(err error) { log.Error("scheduler", "err", err) })
			}()
			// The reps' inboxes: replies, stops, bounces, out-of-office (IMAP).
			in, err := a.inbox(cmd, mail.InboxOptions{OnError: func(mailbox string, err error) {
				log.Error("inbox", "mailbox", mailbox, "err", err)
			}})
			if err != nil {
				return err
			}
			inDone := make(chan error, 1)
			go func() { inDone <- in.Run(ctx) }()
			outDone := make(chan struct{})
			if out == nil {
				close(outDone)
			} else {
				go func() {
					defer close(outDone)
					t := time.NewTicker(every)
					defer t.Stop()
					for {
						if _, err := out.RunOnce(ctx); err != nil && ctx.Err() == nil {
							log.Error("outbox", "err", err)
						}
						select {
						case <-ctx.Done():
							return
						case <-t.C:
						}
					}
				}()
			}
			serr := srv.Serve(ctx, ln)
			cancel() // the server stopped (signal or failure): stop the scheduler too
			rerr := <-done
			<-outDone // a send in flight finishes and is recorded
			if err := <-inDone; err != nil && !errors.Is(err, context.Canceled) {
				log.Error("inbox", "err", err)
			}
			log.Info("stopped")
			return errors.Join(serr, rerr)
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (host:port; :0 picks a free port)")
	cmd.Flags().BoolVar(&secure, "secure-cookies", false, "mark cookies Secure even on plain HTTP (behind a TLS proxy)")
	cmd.Flags().DurationVar(&every, "every", 30*time.Second, "how often the scheduler plans due people")
	cmd.Flags().BoolVar(&debug, "debug", false, "log every request")
	return cmd
}
