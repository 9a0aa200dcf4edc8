package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/nudgecrm/nudge"
)

func (a *App) logCommand() *cobra.Command {
	var (
		channel, outcome, direction, at, subject string
		win                                      nudge.WIN
		repHomework, repDue                      string
		commitment, commitmentDue                string
		asJSON                                   bool
	)
	cmd := &cobra.Command{
		Use:   "log PERSON",
		Short: "Record a touch with its W.I.N. note (A1), homework both ways (A2) and the prospect's commitment (A3)",
		Example: `  nudge log anna@acme.com --channel call --outcome connected \
    --what "pricing for 40 seats" --insights "budget frees up in Q1" --next "send case study" \
    --rep-homework "send the Müller case study" --rep-due 2026-12-01 \
    --commitment "Anna books a 20-minute call with her CFO" --commitment-due 2026-12-04`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := a.DB(ctx)
			if err != nil {
				return err
			}
			p, err := a.findPerson(ctx, db, args[0])
			if err != nil {
				return err
			}
			loc := p.Zone(a.Now().Location())
			when := a.Now()
			if at != "" {
				if when, err = parseWhen(at, loc); err != nil {
					return fmt.Errorf("--at: %w", err)
				}
			}
			i := &nudge.Interaction{
				PersonID:  p.ID,
				Channel:   nudge.Channel(channel),
				Direction: nudge.Direction(direction),
				Outcome:   nudge.Outcome(outcome),
				At:        when,
				Subject:   subject,
				Note:      win,
			}
			var cs []*nudge.Commitment
			add := func(party nudge.Party, what, due, flag string) error {
				if strings.TrimSpace(what) == "" {
					if due != "" {
						return nudge.FieldError(flag, "a due date was given but no homework")
					}
					return nil
				}
				if due == "" {
					return nudge.FieldError(flag+"-due", "homework %q needs a due date (A2)", what)
				}
				d, err := parseWhen(due, loc)
				if err != nil {
					return fmt.Errorf("--%s-due: %w", flag, err)
				}
				cs = append(cs, &nudge.Commitment{PersonID: p.ID, Party: party, What: what, Due: d})
				return nil
			}
			if err := add(nudge.PartyRep, repHomework, repDue, "rep-homework"); err != nil {
				return err
			}
			if err := add(nudge.PartyProspect, commitment, commitmentDue, "commitment"); err != nil {
				return err
			}
			svc, err := a.Followup(cmd)
			if err != nil {
				return err
			}
			// Through the engine: a reply restarts the clock (B1), a
			// commitment is the prospect's step forward (A3), a stop ends
			// everything (G1).
			if err := svc.Log(ctx, i, cs); err != nil {
				return err
			}
			if asJSON {
				return a.writeJSON(struct {
					*nudge.Interaction
					Commitments []*nudge.Commitment `json:"commitments"`
					Warnings    []string            `json:"warnings"`
				}{i, cs, logWarnings(i, cs)})
			}
			fmt.Fprintf(a.Env.Stdout, "logged %s %s with %s (interaction %d)\n", i.Channel, i.Outcome, displayName(p), i.ID)
			for _, c := range cs {
				fmt.Fprintf(a.Env.Stdout, "  %s homework #%d due %s: %s\n", c.Party, c.ID, c.Due.In(loc).Format("Mon 2006-01-02 15:04 MST"), c.What)
			}
			if i.Outcome.HardStop() {
				fmt.Fprintf(a.Env.Stdout, "G1: %s said no or asked to stop; nothing more will be proposed or sent\n", displayName(p))
			}
			for _, w := range logWarnings(i, cs) {
				fmt.Fprintln(a.Env.Stderr, "warning:", w)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&channel, "channel", "call", "call, voicemail, email, text, letter, visit, meeting, social")
	f.StringVar(&outcome, "outcome", "connected", "connected, voicemail, no-answer, sent, replied, bounced, no-show, meeting-held, declined, asked-to-stop")
	f.StringVar(&direction, "direction", "outbound", "outbound (you reached out) or inbound (they did)")
	f.StringVar(&at, "at", "", "when it happened (default: now); local times are read in the person's zone")
	f.StringVar(&subject, "subject", "", "subject line, for emails")
	f.StringVar(&win.What, "what", "", "W: what was discussed (A1)")
	f.StringVar(&win.Insights, "insights", "", "I: insights gained, yours or theirs (A1)")
	f.StringVar(&win.NextSteps, "next", "", "N: next steps (A1)")
	f.StringVar(&repHomework, "rep-homework", "", "what you owe them (A2)")
	f.StringVar(&repDue, "rep-due", "", "when your homework is due")
	f.StringVar(&commitment, "commitment", "", "what the prospect committed to (A3): a short call, a date to answer, their next step")
	f.StringVar(&commitmentDue, "commitment-due", "", "when the prospect's commitment is due")
	f.BoolVar(&asJSON, "json", false, "print the stored interaction as JSON")
	return cmd
}

// logWarnings flags what the method says a logged touch should have had.
func logWarnings(i *nudge.Interaction, cs []*nudge.Commitment) []string {
	var ws []string
	hasProspect := false
	for _, c := range cs {
		hasProspect = hasProspect || c.Party == nudge.PartyProspect
	}
	meeting := i.Outcome == nudge.OutcomeMeetingHeld || ((i.Channel == nudge.ChannelMeeting || i.Channel == nudge.ChannelVisit) && i.Outcome == nudge.OutcomeConnected)
	if meeting && !hasProspect {
		ws = append(ws, "A3: this meeting ended without a specific prospect commitment (a 15–30 minute call, a date to answer, or their own next step)")
	}
	if i.Outcome == nudge.OutcomeConnected || meeting {
		if i.Note.Empty() {
			ws = append(ws, "A1: no W.I.N. note (--what, --insights, --next)")
		} else if i.Note.NextSteps == "" {
			ws = append(ws, "A1: the W.I.N. note has no next steps (--next)")
		}
	}
	return ws
}
