-- A moderator's paired metric (issue 26): its two parts as `left/right`, or `upper>lower` when the first is
-- never below the second ('' for a metric of one number). Its values are kept per part, as blood
-- pressure's (entries.metric `grip.left`, `grip.right`, one log_group).
ALTER TABLE custom_metrics ADD COLUMN parts TEXT NOT NULL DEFAULT '';
