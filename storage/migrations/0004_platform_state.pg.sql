-- 0004_platform_state for PostgreSQL: the same schema as 0004_platform_state.sql in PostgreSQL's types
-- (identity ids, BIGINT for SQLite's 64-bit INTEGER, DOUBLE PRECISION for REAL). Keep the two in step.

CREATE TABLE platform_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE handled_events (
    event_id TEXT PRIMARY KEY,
    handled_at TEXT NOT NULL
);
