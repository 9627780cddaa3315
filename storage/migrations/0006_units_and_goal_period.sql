-- Each member's own units (metric or imperial; no row: the community default), other units a moderator
-- gave a custom metric (`mmol/L=18.016`), and goals that say
-- their period. `weekly_value` stays the weekly equivalent (a day's goal x 7 for summed metrics, the
-- same figure for averaged ones) so that readers of weekly figures keep working unchanged.
CREATE TABLE member_units (
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    metric TEXT NOT NULL DEFAULT '',  -- '' for every metric; a metric's key for that metric only
    system TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (member_id, metric)
);

ALTER TABLE goals ADD COLUMN goal_value REAL;
ALTER TABLE goals ADD COLUMN goal_period TEXT NOT NULL DEFAULT 'week';
UPDATE goals SET goal_value = weekly_value WHERE goal_value IS NULL;

ALTER TABLE custom_metrics ADD COLUMN alternatives TEXT NOT NULL DEFAULT '';
