-- What a scheduled run has sent, one row per destination, written *before* the platform is asked
-- (issue 25): after a crash mid-run, the run is retaken and each destination is sent at most once.
-- `sending`: asked, outcome unknown (on retake the platform is searched for it by `fingerprint`);
-- `sent`: the platform took it; `refused`: the platform refused it (the member was told).
-- A channel post's ledger row (posts.platform_message_id '' while it is on its way) is written in the
-- same transaction, so the ledger knows of a post before the channel shows it. Rows live only while
-- their run does: marking the run done deletes them.
CREATE TABLE run_sends (
    id INTEGER PRIMARY KEY,
    job TEXT NOT NULL,
    period TEXT NOT NULL,
    destination TEXT NOT NULL,       -- e.g. channel:12#0, member:34@12#0 (the n-th send there in this run)
    state TEXT NOT NULL,             -- sending | sent | refused
    fingerprint TEXT NOT NULL DEFAULT '',   -- how the platform finds the messages again (no member data)
    disclosures TEXT NOT NULL DEFAULT '[]', -- [[member, metric, level], ...] as sent, for the reconciliation
    post_id INTEGER REFERENCES posts(id) ON DELETE SET NULL,
    member_id INTEGER REFERENCES members(id) ON DELETE CASCADE,   -- the viewer of a private send
    started_at TEXT NOT NULL,        -- wall clock (UTC ISO) just before the platform was asked
    UNIQUE (job, period, destination)
);
