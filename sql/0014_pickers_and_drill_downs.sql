-- Names for pickers, and what drill-down tables show.

-- Jira boards by name, for the dashboards' board picker (Grafana reads schema metrics only).
CREATE VIEW metrics.boards AS
SELECT b.id AS board_id, b.name, b.type, b.project_key
  FROM source.jira_boards b;

-- The lead-time drill-down names each PR's repository, as the other validation views do,
-- so the dashboard's repository filter reads a column.
CREATE OR REPLACE VIEW metrics.validate_lead_time AS
SELECT p.team, p.pr_key, p.url, p.title, p.author, p.first_commit_at, p.merged_at, p.deployed_at, p.deployment_id,
       p.ship_method, p.lead_time_s / 3600 AS lead_time_h, p.repo
  FROM metrics.team_pull_requests p
 WHERE p.deployed_at IS NOT NULL;

-- A draft is not waiting for anyone: its waiting time is empty, not counted from creation.
CREATE OR REPLACE VIEW metrics.open_pull_requests AS
SELECT team, pr_key, url, title, repo, is_draft, created_at, ready_at, first_review_at, issue_keys,
       extract(epoch FROM now() - created_at) / 86400 AS age_days,
       CASE WHEN NOT is_draft THEN extract(epoch FROM now() - coalesce(first_review_at, ready_at)) / 3600 END AS waiting_h,
       CASE WHEN is_draft THEN 'draft' WHEN first_review_at IS NULL THEN 'waiting for review' ELSE 'in review' END AS stage
  FROM metrics.team_pull_requests
 WHERE state = 'OPEN';
