// Package report computes the rep's own persistence figures against the
// published ones (METHOD.md section H, issue 6): how many touches before a
// prospect is dropped (H1), on which touch the wins came (H2), by which
// attempt prospects were reached (H3), and which cadence steps, channels and
// templates get answers.
//
// The package holds the definitions, the baselines and the pure arithmetic;
// package store counts (store/report.go), package chart draws, and the CLI
// and the web app print. The same numbers reach the table, the JSON and the
// chart because all three are made from one value of this package.
//
// # Definitions
//
// Touch, attempt. An outbound interaction of the person, on any channel
// (B5 rotates channels: each one is an attempt), numbered 1, 2, 3… in time
// order. A task marked "replied" by hand stores the prospect's answer (an
// inbound interaction), which is a contact, not an attempt.
//
// Contact, reached. An interaction whose outcome reached the person —
// connected, replied, meeting-held, declined, asked-to-stop
// (nudge.Outcome.Reached: a "no" cannot be heard without reaching them) — or
// any inbound interaction. The attempt of the first contact is the number of
// touches made up to its instant, at least 1: a prospect who wrote first is
// reached on the first attempt.
//
// Said no. An interaction with outcome declined or asked-to-stop (G1), or the
// person marked do-not-contact.
//
// Won. A deal reaching stage won, at its closed_at; each won deal is one win.
// The touch of the win is the number of touches made up to that instant (0:
// won before any touch). Becoming a customer is not used: a person's status
// carries no date of change, so it cannot be placed on a touch or in a period.
//
// Dropped, gave up. A person the rep stopped following up without a win and
// without a no: at least one touch, then no touch for Quiet (45 days), no won
// deal, status other than customer, and never said no. Forty-five days keeps
// a person in the monthly drip (F1, a touch every 30 days) in follow-up, and
// is three times the 3-2-4 cadence's two weeks (B1). The person counts as
// dropped at last touch + Quiet, in the period holding that instant, and
// only once it has passed; "touches before giving up" are all their touches.
// Prospects who said no are left out: stopping then is G1, not giving up.
//
// Left on the table (B3). Dropped with fewer than 6 touches. No prospect
// leaves follow-up before six attempts unless they said no — and those who
// said no are not dropped (above), so every one of these broke B3.
//
// Reply to a touch. A done task (state done) counts as answered when its own
// outcome is a contact, or when the person's first inbound interaction at or
// after the task's done_at comes before their next touch (the next outbound
// interaction or done task after it). Each done task counts once, by its
// cadence and step, its channel and its template (the variant of the words).
// (Two tasks of one person done in the same millisecond are the one case
// where the store, which attributes an answer when it is written, credits
// only one of them.)
//
// # Who is counted, and when
//
// H1–H3 are about the people of a set of owners (people.owner_id); reply
// rates about the touches a set of reps made (the task's assignee), so a
// touch stays with the rep who made it when the person changes hands. A rep
// sees their own figures, a manager their team's, an admin everybody's
// (Filter.Owners). Periods are half-open, [From, To): an instant exactly at
// To belongs to the next period. The instant that places a fact in a period
// is, for H1, the day the person counts as dropped; H2, the deal's closing;
// H3, the person's first touch (the cohort; their contacts are counted to
// date); replies, the task's done_at (answers counted to date).
package report
