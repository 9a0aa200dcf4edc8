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
			srv, err := web.New(db, svc, a.Clock, web.Config{SecureCookies: secure, Logger: log})
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
			serr := srv.Serve(ctx, ln)
			cancel() // the server stopped (signal or failure): stop the scheduler too
			rerr := <-done
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
