package nudge

import "time"

// TaskState is where a task stands.
type TaskState string

const (
	TaskOpen    TaskState = "open"
	TaskDone    TaskState = "done"
	TaskSkipped TaskState = "skipped"
	TaskSnoozed TaskState = "snoozed"
)

// TaskStates lists every state.
var TaskStates = []TaskState{TaskOpen, TaskDone, TaskSkipped, TaskSnoozed}

// Valid reports whether s is a known state.
func (s TaskState) Valid() bool {
	for _, k := range TaskStates {
		if s == k {
			return true
		}
	}
	return false
}

// Task is one touch the engine proposes: who does what, when, and why. Every
// task names the rule that produced it and, in Guard, the guardrail that moved
// it ("G3: moved to 08:00 Mon 9 Mar, calling hours").
type Task struct {
	ID           int64   `json:"id"`
	PersonID     int64   `json:"person_id"`
	EnrollmentID int64   `json:"enrollment_id,omitempty"`
	Cadence      string  `json:"cadence,omitempty"`
	StepID       string  `json:"step_id,omitempty"`
	AssigneeID   int64   `json:"assignee_id,omitempty"` // the rep, or the manager for E4
	Channel      Channel `json:"channel"`
	// Due is a UTC instant; View renders it in the person's zone.
	Due      time.Time `json:"due"`
	Rule     string    `json:"rule"`
	Reason   string    `json:"reason"`
	Guard    string    `json:"guard,omitempty"`
	Script   string    `json:"script,omitempty"`
	Template string    `json:"template,omitempty"`
	// Voicemail says whether to leave one if the call is not answered (B6:
	// unannounced repeat calls leave none).
	Voicemail bool `json:"voicemail,omitempty"`
	// SameDay and Exact carry the step's flags: such touches (C2, C3) are not
	// counted by the G2 caps.
	SameDay bool `json:"same_day,omitempty"`
	Exact   bool `json:"exact,omitempty"`
	// Attempt is the touch's number among all touches to the person (H2, H3).
	Attempt   int        `json:"attempt,omitempty"`
	State     TaskState  `json:"state"`
	Outcome   Outcome    `json:"outcome,omitempty"`
	DoneAt    *time.Time `json:"done_at,omitempty"`
	CreatedAt time.Time  `json:"created_at,omitzero"`
}

// CapExempt reports whether the task is left out of the G2 caps: an
// appointment call at its minute (C2) and its same-day retries (C3).
func (t *Task) CapExempt() bool { return t.SameDay || t.Exact }

// TaskView is a task as `nudge today --json` prints it: due in the person's
// own zone, with the person's name.
type TaskView struct {
	ID           int64     `json:"id"`
	PersonID     int64     `json:"person_id"`
	Person       string    `json:"person"`
	EnrollmentID int64     `json:"enrollment_id,omitempty"`
	Cadence      string    `json:"cadence,omitempty"`
	StepID       string    `json:"step_id,omitempty"`
	AssigneeID   int64     `json:"assignee_id,omitempty"`
	Channel      Channel   `json:"channel"`
	Due          string    `json:"due"` // RFC 3339 with the offset of the person's zone
	Rule         string    `json:"rule"`
	Reason       string    `json:"reason"`
	Guard        string    `json:"guard,omitempty"`
	Script       string    `json:"script"`
	Template     string    `json:"template,omitempty"`
	Voicemail    bool      `json:"voicemail,omitempty"`
	Attempt      int       `json:"attempt,omitempty"`
	State        TaskState `json:"state"`
	Outcome      Outcome   `json:"outcome,omitempty"`
}

// View renders the task for a person; loc is the person's zone (see
// Person.Zone), UTC when nil.
func (t *Task) View(person string, loc *time.Location) TaskView {
	if loc == nil {
		loc = time.UTC
	}
	return TaskView{
		ID: t.ID, PersonID: t.PersonID, Person: person, EnrollmentID: t.EnrollmentID,
		Cadence: t.Cadence, StepID: t.StepID, AssigneeID: t.AssigneeID, Channel: t.Channel,
		Due: t.Due.In(loc).Format(time.RFC3339), Rule: t.Rule, Reason: t.Reason, Guard: t.Guard,
		Script: t.Script, Template: t.Template, Voicemail: t.Voicemail, Attempt: t.Attempt,
		State: t.State, Outcome: t.Outcome,
	}
}
