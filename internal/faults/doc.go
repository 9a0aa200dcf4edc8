// Package faults holds the tests that break nudge on purpose and check what
// is left (issue 7): several `nudge serve` processes on one PostgreSQL
// database sharing the due steps while one of them is killed, SIGKILL during
// an import, the scheduler and the sender on both backends, a PostgreSQL
// restart under load, and a full disk under SQLite.
//
// The tests run the real program: the nudge binary is built once per test
// run and started as separate processes against real databases and an SMTP
// server in the test process. What they check afterwards is the promise of
// issues 3 and 4 — nothing lost, nothing done or sent twice, messages a
// crash caught mid-send held as uncertain — and that the database passes an
// integrity check: SQLite's integrity_check and foreign_key_check, and on
// PostgreSQL an orphan check over every foreign key plus the unique
// invariants the engine relies on.
//
// The package has no code of its own; everything is in its tests.
package faults
