package nudge_test

import (
	"strings"
	"testing"
	"time"

	"github.com/nudgecrm/nudge"
)

// Each E6 reason has its technique, drawn on the rules the issue names.
func TestTechniques(t *testing.T) {
	want := map[nudge.QuietReason]string{
		nudge.ReasonFear:            "fear of saying no → make it safe to say no, and ask whether to back off (E2, A5)",
		nudge.ReasonTooBusy:         "too busy → ask for 15 minutes and offer two times (A3)",
		nudge.ReasonNoUrgency:       "no urgency → show the cost of waiting, in their own words (A6)",
		nudge.ReasonNoValue:         "no value seen → bring something new for them (D4)",
		nudge.ReasonUsingYou:        "using you (fishing for information) → ask for a commitment before sending more information (A3)",
		nudge.ReasonNoCommitment:    "no commitment → propose a specific next step with a date (A3)",
		nudge.ReasonGenericTooEarly: "generic information sent too early → ask about their problems, opportunities, wants and needs (POWNs) before sending anything (A4)",
		nudge.ReasonNoAgenda:        "no shared agenda → propose an agenda for the next conversation (A4, D1)",
	}
	if len(nudge.QuietReasons) != len(want) || len(nudge.Techniques()) != len(want) {
		t.Fatalf("%d reasons, want %d", len(nudge.QuietReasons), len(want))
	}
	for _, tq := range nudge.Techniques() {
		if got := tq.String(); got != want[tq.Reason] {
			t.Errorf("%s: %q, want %q", tq.Reason, got, want[tq.Reason])
		}
		if tq.Cadence != "e6-"+string(tq.Reason) || tq.Why == "" {
			t.Errorf("%s: cadence %q, why %q", tq.Reason, tq.Cadence, tq.Why)
		}
	}
	if _, ok := nudge.QuietReason("bored").Technique(); ok {
		t.Error("an unknown reason has a technique")
	}
}

func TestParseQuietReason(t *testing.T) {
	for in, want := range map[string]nudge.QuietReason{
		"fear": nudge.ReasonFear, "Too busy": nudge.ReasonTooBusy, "too_busy": nudge.ReasonTooBusy,
		" USING-YOU ": nudge.ReasonUsingYou, "generic too early": nudge.ReasonGenericTooEarly,
	} {
		if got, err := nudge.ParseQuietReason(in); err != nil || got != want {
			t.Errorf("ParseQuietReason(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := nudge.ParseQuietReason("bored")
	e, ok := err.(*nudge.Error)
	if !ok || e.Field != "reason" || !strings.Contains(e.Message, `unknown reason "bored" (want one of fear, too-busy,`) {
		t.Errorf("ParseQuietReason(bored) = %v", err)
	}
}

func TestQuietNoteValidate(t *testing.T) {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.FixedZone("EST", -5*3600))
	q := nudge.QuietNote{PersonID: 7, Reason: nudge.ReasonTooBusy, Note: "  travelling all month ", At: at}
	if err := q.Validate(); err != nil || q.Note != "travelling all month" || q.At.Location() != time.UTC {
		t.Errorf("Validate: %v, %+v", err, q)
	}
	for _, bad := range []struct {
		q     nudge.QuietNote
		field string
	}{
		{nudge.QuietNote{Reason: nudge.ReasonFear, At: at}, "person"},
		{nudge.QuietNote{PersonID: 7, Reason: "bored", At: at}, "reason"},
		{nudge.QuietNote{PersonID: 7, Reason: nudge.ReasonFear}, "at"},
		{nudge.QuietNote{PersonID: 7, Reason: nudge.ReasonFear, At: at, Note: strings.Repeat("x", 2001)}, "note"},
	} {
		err := bad.q.Validate()
		if e, ok := err.(*nudge.Error); !ok || e.Field != bad.field {
			t.Errorf("Validate(%+v) = %v, want an error on %q", bad.q, err, bad.field)
		}
	}
}
