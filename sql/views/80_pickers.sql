-- Names for pickers, and what drill-down tables show.

-- Jira boards by name, for the dashboards' board picker (Grafana reads schema metrics only).
CREATE VIEW metrics.boards AS
SELECT b.id AS board_id, b.name, b.type, b.project_key
  FROM source.jira_boards b;
