package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge"
	"github.com/nudgecrm/nudge/mail"
	"github.com/nudgecrm/nudge/store"
)

// keys loads the secret that seals mailbox passwords and signs unsubscribe
// links: NUDGE_SECRET_KEY, else the key file (NUDGE_SECRET_KEY_FILE, else
// nudge/secret.key in the user's config directory, created 0600).
func (a *App) keys() (*mail.Keys, error) {
	file := a.Env.Getenv("NUDGE_SECRET_KEY_FILE")
	if file == "" {
		f, err := mail.DefaultKeyFile()
		if err != nil {
			return nil, fmt.Errorf("cannot find a config directory for the secret key (set NUDGE_SECRET_KEY or NUDGE_SECRET_KEY_FILE): %w", err)
		}
		file = f
	}
	return mail.LoadKeys(a.Env.Getenv, file)
}

// outbox wires the sender: store, engine, keys, clock.
func (a *App) outbox(cmd *cobra.Command) (*mail.Outbox, error) {
	svc, err := a.Followup(cmd)
	if err != nil {
		return nil, err
	}
	db, _ := a.DB(cmd.Context())
	keys, err := a.keys()
	if err != nil {
		return nil, err
	}
	return mail.NewOutbox(db, svc, keys, a.Clock, mail.OutboxOptions{BaseURL: a.Env.Getenv("NUDGE_PUBLIC_URL"),
		RepCompany: a.Env.Getenv("NUDGE_COMPANY")})
}

func (a *App) mailboxCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "mailbox", Aliases: []string{"mailboxes"}, Short: "Reps' mailboxes: email that sends itself and listens"}
	var m store.Mailbox
	var user, smtpURL, imapURL string
	add := &cobra.Command{
		Use:   "add --user REP --from ADDRESS --smtp URL [--imap URL] --postal-address TEXT",
		Short: "Give a rep a mailbox; passwords are stored encrypted, never shown",
		Long: `Give a rep a mailbox. URLs: smtp://user:pass@host:587?tls=starttls (default),
smtps://user:pass@host:465 (TLS), imaps://user:pass@host:993. Passwords are sealed with
AES-GCM under a key outside the database (NUDGE_SECRET_KEY, or a key file in your config
directory created on first use). Every email carries the postal address (CAN-SPAM).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			u, err := a.findUser(cmd, user)
			if err != nil {
				return fmt.Errorf("--user: %w", err)
			}
			keys, err := a.keys()
			if err != nil {
				return err
			}
			m.UserID = u.ID
			if m.SMTPURL, m.SMTPSecret, err = mail.SealServer(keys, smtpURL, m.Address); err != nil {
				return fmt.Errorf("--smtp: %w", err)
			}
			if imapURL != "" {
				if m.IMAPURL, m.IMAPSecret, err = mail.SealServer(keys, imapURL, m.Address); err != nil {
					return fmt.Errorf("--imap: %w", err)
				}
			}
			if err := db.SaveMailbox(cmd.Context(), &m); err != nil {
				return err
			}
			fmt.Fprintf(a.Env.Stdout, "mailbox %d: %s for %s via %s\n", m.ID, m.Address, u.Email, m.SMTPURL)
			return nil
		},
	}
	f := add.Flags()
	f.StringVar(&user, "user", "", "the rep (user id or email)")
	f.StringVar(&m.Address, "from", "", "the From address")
	f.StringVar(&m.Name, "name", "", "the From name (default: the rep's name)")
	f.StringVar(&smtpURL, "smtp", "", "SMTP server URL with credentials")
	f.StringVar(&imapURL, "imap", "", "IMAP server URL with credentials (to read replies)")
	f.StringVar(&m.PostalAddress, "postal-address", "", "the sender's postal address, in every footer (CAN-SPAM; required to send)")
	f.IntVar(&m.DailyCap, "daily-cap", store.DefaultDailyCap, "emails per day at most (0: no cap)")
	f.DurationVar(&m.MinGap, "gap", time.Minute, "minimum time between two sends")
	f.DurationVar(&m.Jitter, "jitter", time.Minute, "random extra time added to the gap")
	for _, r := range []string{"user", "from", "smtp"} {
		add.MarkFlagRequired(r)
	}

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List mailboxes (passwords redacted)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			ms, err := db.FindMailboxes(cmd.Context(), store.MailboxFilter{})
			if err != nil {
				return err
			}
			if asJSON {
				if ms == nil {
					ms = []store.Mailbox{}
				}
				return a.writeJSON(ms)
			}
			for _, m := range ms {
				fmt.Fprintf(a.Env.Stdout, "%d  %s  user %d  %s", m.ID, m.Address, m.UserID, m.SMTPURL)
				if m.IMAPURL != "" {
					fmt.Fprintf(a.Env.Stdout, "  %s", m.IMAPURL)
				}
				fmt.Fprintf(a.Env.Stdout, "  cap %d/day, gap %s+%s\n", m.DailyCap, m.MinGap, m.Jitter)
			}
			return nil
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	remove := &cobra.Command{
		Use:   "remove ID",
		Short: "Remove a mailbox (its messages keep their record)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return nudge.FieldError("mailbox", "%q is not a mailbox id", args[0])
			}
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			return db.DeleteMailbox(cmd.Context(), id)
		},
	}
	cmd.AddCommand(add, list, remove)
	return cmd
}

func (a *App) outboxCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "outbox", Short: "Outgoing email: list, and decide on uncertain or failed messages"}
	var asJSON bool
	var states []string
	list := &cobra.Command{
		Use:   "list [--state uncertain]",
		Short: "List outgoing messages (held, queued, sending, sent, failed, uncertain, cancelled)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := a.DB(cmd.Context())
			if err != nil {
				return err
			}
			f := store.MessageFilter{}
			for _, s := range states {
				f.States = append(f.States, store.MessageState(s))
			}
			ms, err := db.FindMessages(cmd.Context(), f)
			if err != nil {
				return err
			}
			if asJSON {
				if ms == nil {
					ms = []store.Message{}
				}
				return a.writeJSON(ms)
			}
			for _, m := range ms {
				fmt.Fprintf(a.Env.Stdout, "#%d  %-9s  %s → %s  %q", m.ID, m.State, m.From, m.To, m.Subject)
				if m.TaskID != 0 {
					fmt.Fprintf(a.Env.Stdout, "  task %d", m.TaskID)
				}
				fmt.Fprintln(a.Env.Stdout)
				if m.Error != "" {
					fmt.Fprintf(a.Env.Stdout, "     %s\n", m.Error)
				}
			}
			return nil
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	list.Flags().StringSliceVar(&states, "state", nil, "only messages in these states")
	decide := func(use, short string, f func(db *store.DB, cmd *cobra.Command, id int64) error) *cobra.Command {
		return &cobra.Command{
			Use: use + " ID", Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				id, err := strconv.ParseInt(args[0], 10, 64)
				if err != nil {
					return nudge.FieldError("message", "%q is not a message id (see `nudge outbox list`)", args[0])
				}
				db, err := a.DB(cmd.Context())
				if err != nil {
					return err
				}
				return f(db, cmd, id)
			},
		}
	}
	retry := decide("retry", "Send an uncertain, failed or held message (again): you checked it did not arrive",
		func(db *store.DB, cmd *cobra.Command, id int64) error { return db.RetryMessage(cmd.Context(), id) })
	cancel := decide("cancel", "Drop a message that has not been sent",
		func(db *store.DB, cmd *cobra.Command, id int64) error {
			return db.CancelMessage(cmd.Context(), id, "cancelled by hand")
		})
	cmd.AddCommand(list, retry, cancel)
	return cmd
}

func (a *App) sendCommand() *cobra.Command {
	var once bool
	var every time.Duration
	cmd := &cobra.Command{
		Use:   "send",
		Short: "Send due email tasks through the reps' mailboxes (--once for cron)",
		Long: `Plan due people, turn due email tasks of reps with a mailbox into messages, and send
them in the prospect's business hours, within each mailbox's daily cap and gap. Needs
NUDGE_PUBLIC_URL (https address of the web app, for unsubscribe links). A message a
crash caught mid-send is marked uncertain at start-up and never re-sent on its own:
see nudge outbox list --state uncertain.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			started := a.Now()
			svc, err := a.Followup(cmd)
			if err != nil {
				return err
			}
			out, err := a.outbox(cmd)
			if err != nil {
				return err
			}
			if n, err := out.Recover(cmd.Context(), started); err != nil {
				return err
			} else if n > 0 {
				fmt.Fprintf(a.Env.Stderr, "nudge: %d message(s) were interrupted mid-send and are uncertain: nudge outbox list --state uncertain\n", n)
			}
			pass := func() error {
				if _, err := svc.RunOnce(cmd.Context()); err != nil {
					return err
				}
				st, err := out.RunOnce(cmd.Context())
				fmt.Fprintf(a.Env.Stdout, "queued %d, held %d, sent %d, retrying %d, failed %d, bounced %d, uncertain %d\n",
					st.Queued, st.Held, st.Sent, st.Retried, st.Failed, st.Bounced, st.Uncertain)
				return err
			}
			if once {
				return pass()
			}
			t := time.NewTicker(every)
			defer t.Stop()
			for {
				if err := pass(); err != nil {
					fmt.Fprintln(a.Env.Stderr, "nudge: send:", err)
				}
				select {
				case <-cmd.Context().Done():
					return nil
				case <-t.C:
				}
			}
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "do everything due now and exit")
	cmd.Flags().DurationVar(&every, "every", 30*time.Second, "how often to look for due email")
	return cmd
}

// mailCommands are the commands of email that sends itself (issue 4).
func (a *App) mailCommands() []*cobra.Command {
	return []*cobra.Command{a.mailboxCommand(), a.outboxCommand(), a.sendCommand()}
}
