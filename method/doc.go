// Package method is nudge's cadence engine: pure functions from what is
// recorded (the person, their history, the cadence, the enrollment, the
// appointments, the policy and an injected `now`) to the next task and the
// METHOD.md rule that produced it. It reads no clock, opens no database and
// does no I/O; time zones and holidays come from package calendar.
//
// # Driving the engine
//
// A caller (the scheduler, `nudge today/done`, the web UI) does, per person:
//
//  1. Load the person, their interactions, appointments, open tasks from
//     other cadences, and their enrollments.
//  2. If no enrollment is open, call Enrol: it applies the auto-enrolment
//     rules (new prospect → 3-2-4, booked or missed appointment → the
//     appointment cadence, engaged then silent → silent, finished → breakup →
//     drip, never before six attempts: B3) and returns a Suggestion; store
//     Suggestion.Enrollment.
//  3. Call Plan with the open enrollment and its cadence (Library, from
//     Builtin or the user's files). Store Decision.Enrollment every time (Plan
//     may skip a step or mark the enrollment exited), then act on Kind:
//     KindTask → store Decision.Task (due at Task.Due, UTC); KindDone →
//     go to 2 (Enrollment.Next names the chained cadence, which Enrol
//     honours); KindStop → G1, nothing more for this person; KindIdle → show
//     Decision.Reason (paused, or no minute in every window).
//  4. When the rep records the task's outcome (or an email arrives), call
//     Advance(cadence, enrollment, outcome, at) and store the result; then
//     Plan again. Something the prospect did outside the current step — a
//     reply, a meeting booked, a commitment, a win, a disqualification, an
//     opt-out — goes through Signal; "call me in two weeks" through Snooze.
//     A hard stop (declined, asked-to-stop, do-not-contact) ends every
//     enrollment: Plan returns KindStop for each.
//
// Plan is deterministic: the same Input gives the same Decision, so a task
// can be re-planned at any time (after an outcome, after an edit of the
// cadence, after the person's zone changes) and the stored one replaced.
//
// # Guardrails
//
// Every proposed instant passes through one function (settle) that applies
// G1–G3 for every cadence: G3 calling hours 8:00–21:00 in the prospect's
// zone on the prospect's business days for calls and texts, the prospect's
// business days for everything else, both intersected with the assignee's
// working hours; G2 one counted touch per prospect-local day and WeeklyCap in
// any 7 days. Steps marked exact (C2, C3 same-day retries) keep their minute
// and only G3 moves them; same-day retries and appointment calls are not
// counted by G2. B6 picks a different time of day for each repeat call.
// The task's Guard field says which rule moved it, in words.
//
// Simulate runs thousands of synthetic prospects through the same loop
// (`nudge simulate`); its test checks the log with an independent checker.
package method
