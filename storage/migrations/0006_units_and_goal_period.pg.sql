-- 0006_units_and_goal_period for PostgreSQL: the same schema as 0006_units_and_goal_period.sql in PostgreSQL's types
-- (identity ids, BIGINT for SQLite's 64-bit INTEGER, DOUBLE PRECISION for REAL). Keep the two in step.

CREATE TABLE member_units (
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    metric TEXT NOT NULL DEFAULT '',  -- '' for every metric; a metric's key for that metric only
    system TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (member_id, metric)
);

ALTER TABLE goals ADD COLUMN goal_value DOUBLE PRECISION;

ALTER TABLE goals ADD COLUMN goal_period TEXT NOT NULL DEFAULT 'week';

UPDATE goals SET goal_value = weekly_value WHERE goal_value IS NULL;

ALTER TABLE custom_metrics ADD COLUMN alternatives TEXT NOT NULL DEFAULT '';
