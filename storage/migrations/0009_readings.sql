-- Readings (issue 26): one log may write several rows (a blood pressure's parts, a pulse given with it).
-- They share log_group (the id of the log's first row), so `undo` takes them back together. NULL: a row alone.
ALTER TABLE entries ADD COLUMN log_group INTEGER;
