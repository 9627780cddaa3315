-- Small per-platform state that must survive restarts: the Matrix sync token, direct rooms with
-- members, and the events already answered (so a replayed sync never answers a command twice).

CREATE TABLE platform_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE handled_events (
    event_id TEXT PRIMARY KEY,
    handled_at TEXT NOT NULL
);
