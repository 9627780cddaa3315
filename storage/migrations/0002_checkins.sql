-- Weekly check-ins, goals, reminders, and the run ledger that makes scheduled work happen once.

CREATE TABLE job_runs (
    job TEXT NOT NULL,
    period TEXT NOT NULL,            -- the scheduled fire time (UTC ISO) this run is for
    status TEXT NOT NULL,            -- running | done | skipped
    claimed_at TEXT NOT NULL,
    owner TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (job, period)
);

CREATE TABLE checkin_schedules (
    channel_id INTEGER PRIMARY KEY REFERENCES channels(id) ON DELETE CASCADE,
    weekday TEXT NOT NULL,
    time TEXT NOT NULL,
    timezone TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE checkin_members (
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    joined_at TEXT NOT NULL,
    paused_until TEXT,               -- UTC ISO; NULL when active
    PRIMARY KEY (member_id, channel_id)
);
CREATE INDEX checkin_members_by_channel ON checkin_members(channel_id);

CREATE TABLE goals (
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    weekly_value REAL NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (member_id, metric)
);

CREATE TABLE reminders (
    member_id INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    time TEXT NOT NULL,
    created_at TEXT NOT NULL
);
