-- The setting of Jira flow that says which statuses are blocked (docs/metrics.md, "Jira flow";
-- the views: sql/views/30_flow.sql).

INSERT INTO metrics.setting_values (key, value, description) VALUES
  ('blocked_status_pattern', '^blocked', 'Statuses that mean blocked (case-insensitive regular expression); time in them, or flagged, is blocked time');
