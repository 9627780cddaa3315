-- Imports (issue 27): one row per import a member confirmed. The values themselves are ordinary
-- entries sharing the import's `log_group`, so `undo` takes back the whole import and a later log
-- replaces an imported day like any other. The file is never kept; `source` is the format's name.
CREATE TABLE imports (
    id INTEGER PRIMARY KEY,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    source TEXT NOT NULL,               -- "Apple Health", "Fitbit", "CSV", ...
    log_group INTEGER NOT NULL,         -- the entries' log_group (the first stored row's id)
    added INTEGER NOT NULL,             -- values stored on days that had none
    replaced INTEGER NOT NULL,          -- values stored over a different value of that day
    first_day TEXT NOT NULL,
    last_day TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX imports_by_member_group ON imports(member_id, log_group);
