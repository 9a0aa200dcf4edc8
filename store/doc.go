// Package store keeps nudge's data in SQLite (embedded, the default) or
// PostgreSQL (a team, several instances), behind the service interfaces of the
// root package. Both backends share one code path: queries are written once
// with $n placeholders, which PostgreSQL and the modernc SQLite driver both
// bind by position, and the few differences live in dialect.go.
//
// Storage conventions, the same in both backends:
//
//   - Every instant is a BIGINT of Unix milliseconds, UTC (NULL where the
//     domain has a nil *time.Time). One representation sorts and compares the
//     same everywhere and needs no driver time handling; times coming back
//     from the store are UTC and truncated to the millisecond.
//   - An unset reference (OwnerID, CompanyID… = 0) is NULL in the database,
//     so foreign keys hold; reads turn NULL back into 0.
//   - Emails are stored normalised (lower-case) and are unique among people
//     who have one; lookups are case-insensitive.
//   - Forgetting a person (GDPR) leaves only a tombstone: SHA-256 of the
//     normalised email and of the E.164 phone, never the values.
//
// Schema changes are numbered files in migrations/<dialect>/NNNN_name.sql,
// embedded and applied in order by Open, each in its own transaction.
package store
