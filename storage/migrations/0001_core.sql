-- The core: communities, their channels and members, metrics, entries, sharing and channel rules,
-- and the post ledger (what was shown where). Times are UTC ISO-8601; `day` is the member's local date.

CREATE TABLE communities (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    UNIQUE (platform, external_id)
);

CREATE TABLE channels (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    UNIQUE (community_id, external_id)
);

CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    timezone TEXT NOT NULL DEFAULT 'UTC',
    created_at TEXT NOT NULL,
    UNIQUE (community_id, external_id)
);

CREATE TABLE custom_metrics (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    unit TEXT NOT NULL,
    minimum REAL NOT NULL,
    maximum REAL NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (community_id, key)
);

-- Each log is a row; a later log for the same day replaces (deactivates) the earlier one, and `undo`
-- removes the newest row and reactivates what it replaced.
CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    day TEXT NOT NULL,
    value REAL NOT NULL,
    note TEXT,
    logged_at TEXT NOT NULL,
    replaces INTEGER REFERENCES entries(id) ON DELETE SET NULL,
    active INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX entries_one_active ON entries(member_id, metric, day) WHERE active = 1;
CREATE INDEX entries_by_member_metric_day ON entries(member_id, metric, day);
CREATE INDEX entries_by_metric_day ON entries(metric, day) WHERE active = 1;

-- A member's level for a metric; channel_id NULL is their default, a row with a channel overrides it there.
CREATE TABLE sharing (
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    channel_id INTEGER REFERENCES channels(id) ON DELETE CASCADE,
    level INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX sharing_key ON sharing(member_id, metric, COALESCE(channel_id, 0));

-- A moderator's cap for a metric in a channel; metric '*' is the cap for every metric there.
CREATE TABLE channel_rules (
    channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    cap INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (channel_id, metric)
);

-- The post ledger: every channel message the bot sent, the reply it was rendered from, and whose data it holds.
CREATE TABLE posts (
    id INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    platform_message_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE post_disclosures (
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    level INTEGER NOT NULL,
    PRIMARY KEY (post_id, member_id, metric)
);
CREATE INDEX post_disclosures_by_member ON post_disclosures(member_id);
