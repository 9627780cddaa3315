-- Check-ins read a few weeks of everyone's values at once: a covering index serves that read
-- straight from the index, without touching the table.
DROP INDEX IF EXISTS entries_by_metric_day;
CREATE INDEX entries_by_metric_day ON entries(metric, day, member_id, value) WHERE active = 1;
