-- Version 13 on SQLite adds indexes in the order the whole-book reports
-- group by (../sqlite/0013_report_groups.sql): SQLite has no hash
-- aggregate and would sort every row. PostgreSQL hash-aggregates the same
-- queries in parallel and needs nothing; the version is kept so that both
-- backends stay at the same schema version (backups carry it, and restore
-- moves them between backends).
SELECT 1;
