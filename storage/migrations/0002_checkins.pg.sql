-- 0002_checkins for PostgreSQL: the same schema as 0002_checkins.sql in PostgreSQL's types
-- (identity ids, BIGINT for SQLite's 64-bit INTEGER, DOUBLE PRECISION for REAL). Keep the two in step.

CREATE TABLE job_runs (
    job TEXT NOT NULL,
    period TEXT NOT NULL,            -- the scheduled fire time (UTC ISO) this run is for
    status TEXT NOT NULL,            -- running | done | skipped
    claimed_at TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (job, period)
);

CREATE TABLE checkin_schedules (
    channel_id BIGINT PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    weekday TEXT NOT NULL,
    time TEXT NOT NULL,
    timezone TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE checkin_members (
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    channel_id BIGINT NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    joined_at TEXT NOT NULL,
    paused_until TEXT,               -- UTC ISO; NULL when active
    PRIMARY KEY (member_id, channel_id)
);

CREATE INDEX checkin_members_by_channel ON checkin_members(channel_id);

CREATE TABLE goals (
    member_id BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    weekly_value DOUBLE PRECISION NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (member_id, metric)
);

CREATE TABLE reminders (
    member_id BIGINT PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    time TEXT NOT NULL,
    created_at TEXT NOT NULL
);
