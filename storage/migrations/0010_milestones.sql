-- Milestones (issue 28): members opt in per metric (`milestones on|off [metric]`, off by default).
-- `metric` '' is every metric; a metric's own row wins over it.
CREATE TABLE milestone_settings (
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (member_id, metric)
);

-- What was found, and the private offer to share it: open until answered or a day has passed.
-- `slug` is what makes it the same milestone again (best:<day>, streak7:<first day>, goal:<day>).
-- `entry_id` is the log that made it (no foreign key: `undo` deletes that row, and withdraws the offer).
CREATE TABLE milestones (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    metric TEXT NOT NULL,
    kind TEXT NOT NULL,              -- best | streak | goal
    slug TEXT NOT NULL,
    day TEXT NOT NULL,
    value REAL NOT NULL,             -- best: the day's value; streak: its days; goal: the week's figure
    entry_id INTEGER,
    channel_id INTEGER REFERENCES channels(id) ON DELETE SET NULL,   -- where it was logged: where it may be posted
    status TEXT NOT NULL,            -- open | shared | declined | lapsed
    post_id INTEGER REFERENCES posts(id) ON DELETE SET NULL,   -- shared: its post (an undone log takes it back)
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    UNIQUE (member_id, metric, slug)
);
CREATE INDEX milestones_by_entry ON milestones(entry_id);

-- What a member's goal says progress is (up | down; NULL: it says nothing), set by `goal`: without it,
-- no milestone is ever about a metric whose direction is the member's choice (weight, sleep).
ALTER TABLE goals ADD COLUMN direction TEXT;
