-- Weekly group challenges in a channel, and who explicitly joined each (consent to appear on its board).
-- A challenge keeps the time zone it was created in, so its days never shift if the channel's changes.

CREATE TABLE challenges (
    id INTEGER PRIMARY KEY,
    community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    channel_id INTEGER NOT NULL REFERENCES channels(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    metric TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('total', 'average', 'days', 'streak', 'improvement')),
    mode TEXT NOT NULL CHECK (mode IN ('ranked', 'group')),
    target REAL,                     -- canonical unit; per member (ranked), shared (group), daily (days)
    timezone TEXT NOT NULL,
    starts_at TEXT NOT NULL,         -- UTC ISO, a local day start
    ends_at TEXT NOT NULL,           -- UTC ISO, exclusive; moved to the moment a moderator ends it early
    midboard INTEGER NOT NULL DEFAULT 0,
    created_by INTEGER REFERENCES members(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    ended INTEGER NOT NULL DEFAULT 0,
    CHECK (ends_at > starts_at)
);
CREATE UNIQUE INDEX challenges_open_name ON challenges(channel_id, lower(name)) WHERE ended = 0;
CREATE INDEX challenges_open ON challenges(ended);

CREATE TABLE challenge_members (
    challenge_id INTEGER NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    joined_at TEXT NOT NULL,
    PRIMARY KEY (challenge_id, member_id)
);
CREATE INDEX challenge_members_by_member ON challenge_members(member_id);
