package nudge_test

import (
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
)

// carrStart is day 0 of the histories below: Monday 30 November 2026.
var carrStart = time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)

// out is an outbound touch on day d; in an inbound one.
func out(d int, ch nudge.Channel, o nudge.Outcome) nudge.Interaction {
	return nudge.Interaction{Channel: ch, Direction: nudge.Outbound, Outcome: o, At: carrStart.AddDate(0, 0, d)}
}

func in(d int, ch nudge.Channel, o nudge.Outcome) nudge.Interaction {
	return nudge.Interaction{Channel: ch, Direction: nudge.Inbound, Outcome: o, At: carrStart.AddDate(0, 0, d)}
}

// silence is n unanswered touches on the given days, alternating email and call.
func silence(days ...int) []nudge.Interaction {
	var hs []nudge.Interaction
	for k, d := range days {
		if k%2 == 0 {
			hs = append(hs, out(d, nudge.ChannelEmail, nudge.OutcomeSent))
		} else {
			hs = append(hs, out(d, nudge.ChannelCall, nudge.OutcomeNoAnswer))
		}
	}
	return hs
}

func join(parts ...[]nudge.Interaction) []nudge.Interaction {
	var all []nudge.Interaction
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

func one(h nudge.Interaction) []nudge.Interaction { return []nudge.Interaction{h} }

// Every transition of G4, with the thresholds at their edges.
func TestCARROf(t *testing.T) {
	emailOnly := []nudge.Interaction{out(0, nudge.ChannelEmail, nudge.OutcomeSent), out(3, nudge.ChannelEmail, nudge.OutcomeSent), out(6, nudge.ChannelEmail, nudge.OutcomeSent)}
	tests := []struct {
		name       string
		history    []nudge.Interaction
		phase      nudge.CARRPhase
		unanswered int
		since      int // day the phase began; -1 = zero
		why        string
	}{
		{"nothing yet: curiosity", nil, nudge.CARRCuriosity, 0, -1,
			"no touches yet: they do not know you so far"},
		{"two unanswered touches: still curiosity", silence(0, 3), nudge.CARRCuriosity, 2, 0,
			"2 unanswered touches since Mon 30 Nov 2026, fewer than 3 within 14 days"},
		{"three within 14 days: annoyance", silence(0, 3, 6), nudge.CARRAnnoyance, 3, 6,
			"3 unanswered touches within 14 days (Mon 30 Nov 2026 to Sun 6 Dec 2026)"},
		{"three spanning exactly 14 days: annoyance", silence(0, 7, 14), nudge.CARRAnnoyance, 3, 14,
			"3 unanswered touches within 14 days (Mon 30 Nov 2026 to Mon 14 Dec 2026)"},
		{"three spread over 15 days: curiosity", silence(0, 8, 15), nudge.CARRCuriosity, 3, 0,
			"3 unanswered touches since Mon 30 Nov 2026, fewer than 3 within 14 days"},
		{"a monthly drip never annoys", silence(0, 30, 60, 90, 120, 150, 180), nudge.CARRCuriosity, 7, 0,
			"7 unanswered touches since Mon 30 Nov 2026, fewer than 3 within 14 days"},
		{"five unanswered: still annoyance", silence(0, 3, 6, 9, 12), nudge.CARRAnnoyance, 5, 6,
			"5 unanswered touches in a row since Mon 30 Nov 2026 (annoyance since Sun 6 Dec 2026)"},
		{"six unanswered, the pace of 3-2-4: resentment", silence(0, 3, 6, 9, 12, 15), nudge.CARRResentment, 6, 15,
			"6 unanswered touches in a row since Mon 30 Nov 2026: the follow-up went on past annoyance"},
		{"resentment goes on", silence(0, 3, 6, 9, 12, 15, 19), nudge.CARRResentment, 7, 15,
			"7 unanswered touches in a row since Mon 30 Nov 2026 (resentment since Tue 15 Dec 2026)"},
		{"an answer while curious: curiosity", join(silence(0), one(in(2, nudge.ChannelEmail, nudge.OutcomeReplied))), nudge.CARRCuriosity, 0, 0,
			"they engaged on Wed 2 Dec 2026"},
		{"a first answer with no touch before: curiosity", one(in(1, nudge.ChannelCall, nudge.OutcomeConnected)), nudge.CARRCuriosity, 0, 1,
			"they engaged on Tue 1 Dec 2026"},
		{"picking up counts as an answer", join(silence(0, 3), one(out(5, nudge.ChannelCall, nudge.OutcomeConnected))), nudge.CARRCuriosity, 0, 0,
			"they engaged on Sat 5 Dec 2026"},
		{"answer after annoyance on two channels: respect", join(silence(0, 3, 6), one(in(8, nudge.ChannelEmail, nudge.OutcomeReplied))), nudge.CARRRespect, 0, 8,
			"they answered on Tue 8 Dec 2026 after 3 unanswered touches on 2 channels: persistence that stayed different earned respect"},
		{"answer after annoyance on one channel: curiosity", join(emailOnly, one(in(8, nudge.ChannelEmail, nudge.OutcomeReplied))), nudge.CARRCuriosity, 0, 8,
			"they answered on Tue 8 Dec 2026 after 3 unanswered touches, all by email: they engage again, but vary the channel (B5, B7) to earn respect"},
		{"call and voicemail are one channel", join([]nudge.Interaction{out(0, nudge.ChannelCall, nudge.OutcomeNoAnswer), out(3, nudge.ChannelVoicemail, nudge.OutcomeVoicemail), out(6, nudge.ChannelCall, nudge.OutcomeVoicemail)}, one(out(8, nudge.ChannelCall, nudge.OutcomeConnected))), nudge.CARRCuriosity, 0, 8,
			"they answered on Tue 8 Dec 2026 after 3 unanswered touches, all by call: they engage again, but vary the channel (B5, B7) to earn respect"},
		{"meeting after resentment: respect", join(silence(0, 3, 6, 9, 12, 15), one(out(20, nudge.ChannelMeeting, nudge.OutcomeMeetingHeld))), nudge.CARRRespect, 0, 20,
			"they answered on Sun 20 Dec 2026 after 6 unanswered touches on 2 channels: persistence that stayed different earned respect"},
		{"respect holds through an answer", join(silence(0, 3, 6), one(in(8, nudge.ChannelEmail, nudge.OutcomeReplied)), one(in(10, nudge.ChannelCall, nudge.OutcomeConnected))), nudge.CARRRespect, 0, 8,
			"respect since Tue 8 Dec 2026; they answered again on Thu 10 Dec 2026"},
		{"respect, then two unanswered: respect", join(silence(0, 3, 6), one(in(8, nudge.ChannelEmail, nudge.OutcomeReplied)), silence(20, 23)), nudge.CARRRespect, 2, 8,
			"respect since Tue 8 Dec 2026; 2 unanswered since"},
		{"respect, then three within 14 days: annoyance again", join(silence(0, 3, 6), one(in(8, nudge.ChannelEmail, nudge.OutcomeReplied)), silence(20, 23, 26)), nudge.CARRAnnoyance, 3, 26,
			"3 unanswered touches within 14 days (Sun 20 Dec 2026 to Sat 26 Dec 2026)"},
		{"a no: resentment", join(silence(0), one(out(3, nudge.ChannelCall, nudge.OutcomeDeclined))), nudge.CARRResentment, 0, 3,
			"they said no on Thu 3 Dec 2026"},
		{"a stop: resentment", one(in(1, nudge.ChannelEmail, nudge.OutcomeAskedToStop)), nudge.CARRResentment, 0, 1,
			"they asked to stop on Tue 1 Dec 2026"},
		{"touches after a stop stay resentment", join(one(in(1, nudge.ChannelEmail, nudge.OutcomeAskedToStop)), silence(5)), nudge.CARRResentment, 1, 1,
			"they asked to stop on Tue 1 Dec 2026; 1 touch since, which G1 forbids"},
		{"coming back after a no: respect", join(one(out(1, nudge.ChannelCall, nudge.OutcomeDeclined)), one(in(9, nudge.ChannelEmail, nudge.OutcomeReplied))), nudge.CARRRespect, 0, 9,
			"they came back on Wed 9 Dec 2026 after saying no"},
		{"a bounce counts neither way", join(silence(0, 3), one(out(5, nudge.ChannelEmail, nudge.OutcomeBounced))), nudge.CARRCuriosity, 2, 0,
			"2 unanswered touches since Mon 30 Nov 2026, fewer than 3 within 14 days"},
		{"a no-show is unanswered", []nudge.Interaction{out(0, nudge.ChannelEmail, nudge.OutcomeSent), out(2, nudge.ChannelVisit, nudge.OutcomeNoShow), out(4, nudge.ChannelCall, nudge.OutcomeVoicemail)}, nudge.CARRAnnoyance, 3, 4,
			"3 unanswered touches within 14 days (Mon 30 Nov 2026 to Fri 4 Dec 2026)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := nudge.CARROf(tt.history)
			since := time.Time{}
			if tt.since >= 0 {
				since = carrStart.AddDate(0, 0, tt.since)
			}
			if got.Phase != tt.phase || got.Unanswered != tt.unanswered || !got.Since.Equal(since) || got.Why != tt.why {
				t.Errorf("CARROf = %s, %d unanswered, since %s, %q\nwant       %s, %d unanswered, since %s, %q",
					got.Phase, got.Unanswered, got.Since.Format(time.DateOnly), got.Why, tt.phase, tt.unanswered, since.Format(time.DateOnly), tt.why)
			}
		})
	}
}

// The history may come in any order (the store lists newest first).
func TestCARROfOrder(t *testing.T) {
	h := join(silence(0, 3, 6), one(in(8, nudge.ChannelEmail, nudge.OutcomeReplied)))
	rev := make([]nudge.Interaction, len(h))
	for i := range h {
		rev[len(h)-1-i] = h[i]
	}
	if a, b := nudge.CARROf(h), nudge.CARROf(rev); a != b || a.Phase != nudge.CARRRespect {
		t.Errorf("in order %+v, reversed %+v; want the same respect", a, b)
	}
}

func TestParseCARRPhase(t *testing.T) {
	for _, s := range []string{"curiosity", "Annoyance", " RESENTMENT ", "respect"} {
		if _, err := nudge.ParseCARRPhase(s); err != nil {
			t.Errorf("ParseCARRPhase(%q): %v", s, err)
		}
	}
	_, err := nudge.ParseCARRPhase("anger")
	if e, ok := err.(*nudge.Error); !ok || e.Field != "carr" || e.Code != nudge.EINVALID {
		t.Errorf("ParseCARRPhase(anger) = %v, want EINVALID on carr", err)
	}
	for _, p := range nudge.CARRPhases {
		if p.Advice() == "" || p.Title() == "" {
			t.Errorf("%s has no advice or title", p)
		}
	}
}
