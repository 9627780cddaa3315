-- Accountability partners (issue 21): a member grants one other member of the same community a view
-- of one metric (`all`: one row per metric) at `trend` or `public`. Nothing is shared until the partner
-- accepts. `partner_blocks` holds who may no longer invite whom (declined or blocked).
CREATE TABLE partnerships (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,    -- whose data is shared
    partner_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,   -- who sees it
    metric TEXT NOT NULL,            -- a metric key (`all` is stored as one row per metric)
    level INTEGER NOT NULL,
    status TEXT NOT NULL,            -- pending | active
    created_at TEXT NOT NULL,
    accepted_at TEXT,
    asked_level INTEGER,             -- an open invite: the level asked for (pending, or wider than an active grant)
    asked_at TEXT,                   -- when it was asked; it lapses after 14 days
    declined_at TEXT,                -- the partner said no: the inviter still sees it unanswered until it lapses
    UNIQUE (member_id, partner_id, metric)
);
CREATE INDEX partnerships_by_partner ON partnerships(partner_id);

CREATE TABLE partner_blocks (
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,    -- who refused
    other_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,     -- who may not invite them again
    kind TEXT NOT NULL,              -- declined | blocked
    created_at TEXT NOT NULL,
    PRIMARY KEY (member_id, other_id)
);
CREATE INDEX partner_blocks_by_other ON partner_blocks(other_id);

-- Private posts join the ledger: a summary sent to a partner is a post like any other, addressed to
-- `viewer_id` (channel_id NULL). SQLite can't drop NOT NULL in place, so the table is rebuilt; its
-- disclosures are set aside first (dropping `posts` would cascade into them).
CREATE TABLE posts_new (
    id INTEGER PRIMARY KEY,
    channel_id INTEGER REFERENCES channels(id) ON DELETE CASCADE,
    platform_message_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    viewer_id INTEGER REFERENCES members(id) ON DELETE CASCADE,
    CHECK ((channel_id IS NULL) <> (viewer_id IS NULL))
);
INSERT INTO posts_new(id, channel_id, platform_message_id, kind, content, created_at, deleted, viewer_id)
    SELECT id, channel_id, platform_message_id, kind, content, created_at, deleted, NULL FROM posts;
CREATE TABLE post_disclosures_kept AS SELECT post_id, member_id, metric, level FROM post_disclosures;
DROP TABLE post_disclosures;
DROP TABLE posts;
ALTER TABLE posts_new RENAME TO posts;
CREATE TABLE post_disclosures (
    post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    level INTEGER NOT NULL,
    PRIMARY KEY (post_id, member_id, metric)
);
INSERT INTO post_disclosures(post_id, member_id, metric, level)
    SELECT post_id, member_id, metric, level FROM post_disclosures_kept;
DROP TABLE post_disclosures_kept;
CREATE INDEX post_disclosures_by_member ON post_disclosures(member_id);
CREATE INDEX posts_by_viewer ON posts(viewer_id) WHERE viewer_id IS NOT NULL;
