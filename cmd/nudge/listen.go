package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge/mail"
)

// inbox wires the listener: store, engine, keys, clock.
func (a *App) inbox(cmd *cobra.Command, opts mail.InboxOptions) (*mail.Inbox, error) {
	svc, err := a.Followup(cmd)
	if err != nil {
		return nil, err
	}
	db, _ := a.DB(cmd.Context())
	keys, err := a.keys()
	if err != nil {
		return nil, err
	}
	return mail.NewInbox(db, svc, keys, a.Clock, opts), nil
}

func (a *App) listenCommand() *cobra.Command {
	var once bool
	var opts mail.InboxOptions
	cmd := &cobra.Command{
		Use:   "listen",
		Short: "Read the reps' inboxes over IMAP: replies, stops, bounces, out-of-office (--once for cron)",
		Long: `Read the INBOX of every mailbox with an IMAP URL (nudge mailbox add --imap) and act on
what is new. A reply, matched to its person by In-Reply-To/References or else by the sender,
is logged as their inbound touch: the cadence restarts or ends (B1) and "reply received" goes
on the rep's agenda. "Stop", "unsubscribe" or "not interested" ends every touch (G1). A
delivery report (RFC 3464) marks the address bad and the cadence moves to the phone (B5).
An out-of-office reply is not a reply: the next step waits until they are back.
Messages are only read (never marked seen or moved), each acted on once. Without --once
it stays connected, waiting in IMAP IDLE where the server offers it (polling otherwise);
the web server runs the same listener.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.OnError = func(mailbox string, err error) {
				fmt.Fprintf(a.Env.Stderr, "nudge: listen: mailbox %s: %v\n", mailbox, err)
			}
			in, err := a.inbox(cmd, opts)
			if err != nil {
				return err
			}
			if once {
				st, err := in.RunOnce(cmd.Context())
				fmt.Fprintf(a.Env.Stdout, "read %d: replies %d, stops %d, declined %d, bounces %d, auto-replies %d, ignored %d, already seen %d\n",
					st.Read, st.Replies, st.Stops, st.Declined, st.Bounces, st.AutoReplies, st.Ignored, st.Repeated)
				return err
			}
			return in.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.BoolVar(&once, "once", false, "read what is new once and exit")
	f.DurationVar(&opts.IdleWait, "idle-wait", 0, "longest wait in IDLE before reading again (default 10m)")
	f.DurationVar(&opts.PollEvery, "poll", 0, "pause between reads on servers without IDLE (default 2m)")
	return cmd
}
