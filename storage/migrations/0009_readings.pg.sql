-- 0009_readings for PostgreSQL: the same schema as 0009_readings.sql in PostgreSQL's types. Keep the two in step.
ALTER TABLE entries ADD COLUMN log_group BIGINT;
