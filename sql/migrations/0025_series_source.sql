-- Where each series' rows come from, so its evidence can say how fresh they are.
ALTER TABLE metrics.series_catalogue ADD COLUMN source text NOT NULL DEFAULT 'github' CHECK (source IN ('github', 'jira'));
UPDATE metrics.series_catalogue SET source = 'jira' WHERE metric IN ('velocity', 'flow_time_p50', 'flow_efficiency', 'wip');
