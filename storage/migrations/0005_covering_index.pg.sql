-- 0005_covering_index for PostgreSQL: the same schema as 0005_covering_index.sql in PostgreSQL's types
-- (identity ids, BIGINT for SQLite's 64-bit INTEGER, DOUBLE PRECISION for REAL). Keep the two in step.

DROP INDEX IF EXISTS entries_by_metric_day;

CREATE INDEX entries_by_metric_day ON entries(metric, day, member_id, value) WHERE active = 1;
