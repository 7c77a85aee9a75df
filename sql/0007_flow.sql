-- Jira flow (Flow Framework) per team. Definitions: docs/metrics.md ("Jira flow").
--   flow velocity     : items reaching done per week
--   flow time         : first leaving todo → done
--   lead time         : created → done
--   flow efficiency   : time in active ÷ flow time
--   flow load (WIP)   : items in active or waiting at the end of each day
--   flow distribution : share of done items by flow item (feature, defect, risk, debt)
--   aging WIP         : open items by how long they have been in their current stage
-- "Done" is the final arrival in a done stage: a re-opened issue is done when it is done again.

INSERT INTO metrics.setting_values (key, value, description) VALUES
  ('blocked_status_pattern', '^blocked', 'Statuses that mean blocked (case-insensitive regular expression); time in them, or flagged, is blocked time');

-- Every status period with its stage, and whether it counts as blocked.
CREATE VIEW metrics.issue_stage_periods AS
SELECT sp.issue_id, sp.seq, sp.status_id, ss.status, ss.stage, sp.started_at, sp.ended_at,
       ss.status ~* (SELECT value FROM metrics.setting_values WHERE key = 'blocked_status_pattern') AS blocked_status
  FROM source.jira_status_periods sp
  JOIN metrics.status_stages ss ON ss.status_id = sp.status_id;

CREATE MATERIALIZED VIEW metrics.issues AS
WITH stages AS MATERIALIZED (
  -- metrics.issue_stage_periods, with the blocked pattern matched once per status
  SELECT ss.status_id, ss.status, ss.stage,
         ss.status ~* (SELECT value FROM metrics.setting_values WHERE key = 'blocked_status_pattern') AS blocked_status
    FROM metrics.status_stages ss
), p AS (
  SELECT sp.issue_id, sp.seq, s.status, s.stage, sp.started_at, sp.ended_at, s.blocked_status
    FROM source.jira_status_periods sp
    JOIN stages s ON s.status_id = sp.status_id
), current AS (
  SELECT DISTINCT ON (issue_id COLLATE "C") issue_id, status, stage, started_at AS stage_since
    FROM p ORDER BY issue_id COLLATE "C", seq DESC
), first_active AS (
  SELECT issue_id, min(started_at) AS first_active_at FROM p WHERE stage <> 'todo' GROUP BY issue_id
), span AS (
  -- Flow is measured from first leaving todo up to done (or now for open items).
  SELECT c.issue_id, c.status, c.stage, c.stage_since, fa.first_active_at,
         CASE WHEN c.stage = 'done' THEN c.stage_since END AS done_at,
         CASE WHEN c.stage = 'done' THEN c.stage_since ELSE now() END AS until
    FROM current c LEFT JOIN first_active fa ON fa.issue_id = c.issue_id
), stage_time AS (
  SELECT p.issue_id,
         sum(extract(epoch FROM least(coalesce(p.ended_at, now()), s.until) - p.started_at)) FILTER (WHERE p.stage = 'active') AS active_s,
         sum(extract(epoch FROM least(coalesce(p.ended_at, now()), s.until) - p.started_at)) FILTER (WHERE p.stage = 'waiting') AS waiting_s
    FROM p JOIN span s ON s.issue_id = p.issue_id
   WHERE p.stage IN ('active', 'waiting') AND p.started_at >= s.first_active_at AND p.started_at < s.until
   GROUP BY p.issue_id
), blocked AS (
  SELECT issue_id, range_agg(tstzrange(started_at, coalesce(ended_at, now()))) AS spans
    FROM (SELECT issue_id, started_at, ended_at FROM p WHERE blocked_status
          UNION ALL
          SELECT issue_id, started_at, ended_at FROM source.jira_flag_periods) b
   GROUP BY issue_id
), flow_items AS (
  SELECT * FROM metrics.setting_flow_items
), points AS (
  SELECT DISTINCT ON (issue_id COLLATE "C") issue_id, points
    FROM source.jira_point_estimates ORDER BY issue_id COLLATE "C", seq DESC
)
SELECT i.id AS issue_id, i.key, i.project_key, i.issue_type,
       coalesce(CASE WHEN i.labels <> '{}' THEN
                  (SELECT f.item FROM flow_items f
                    WHERE f.match = 'label' AND lower(f.value) = ANY (SELECT lower(l) FROM unnest(i.labels) l)
                    ORDER BY f.value LIMIT 1) END,
                ty.item, 'feature') AS flow_item,
       i.summary, i.labels, i.epic_key,
       i.assignee_account_id, u.display_name AS assignee,
       i.created_at, sp.first_active_at, sp.done_at,
       sp.status AS current_status, sp.stage AS current_stage, sp.stage_since,
       pt.points,
       ii.issue_id IS NOT NULL AS is_incident,
       extract(epoch FROM sp.done_at - i.created_at) AS lead_time_s,
       extract(epoch FROM sp.done_at - sp.first_active_at) AS flow_time_s,
       coalesce(st.active_s, 0) AS active_s,
       coalesce(st.waiting_s, 0) AS waiting_s,
       CASE WHEN b.spans IS NULL THEN 0
            ELSE coalesce((SELECT sum(extract(epoch FROM upper(r) - lower(r))) FROM unnest(b.spans) r), 0) END AS blocked_s,
       b.spans AS blocked_spans
  FROM source.jira_issues i
  JOIN span sp ON sp.issue_id = i.id
  LEFT JOIN stage_time st ON st.issue_id = i.id
  LEFT JOIN blocked b ON b.issue_id = i.id
  LEFT JOIN points pt ON pt.issue_id = i.id
  LEFT JOIN flow_items ty ON ty.match = 'type' AND lower(ty.value) = lower(i.issue_type)
  LEFT JOIN metrics.incident_issues ii ON ii.issue_id = i.id
  LEFT JOIN source.jira_users u ON u.account_id = i.assignee_account_id
 WHERE i.issue_type <> 'Epic'
 ORDER BY i.id COLLATE "C";

CREATE UNIQUE INDEX issues_id ON metrics.issues (issue_id);
CREATE UNIQUE INDEX issues_key ON metrics.issues (key);
CREATE INDEX issues_project_done ON metrics.issues (project_key, done_at) INCLUDE (flow_time_s, active_s, flow_item) WHERE done_at IS NOT NULL;
CREATE INDEX issues_done ON metrics.issues (done_at) INCLUDE (flow_time_s, active_s, flow_item) WHERE done_at IS NOT NULL;
CREATE INDEX issues_open ON metrics.issues (project_key) WHERE done_at IS NULL;

CREATE VIEW metrics.team_issues AS
SELECT tp.team, i.* FROM metrics.issues i JOIN metrics.team_projects tp ON tp.project_key = i.project_key
UNION ALL
SELECT '*', i.* FROM metrics.issues i;

CREATE MATERIALIZED VIEW metrics.flow_weekly AS
SELECT team, date_trunc('week', done_at, 'UTC') AS week,
       count(*) AS velocity,
       count(*) FILTER (WHERE flow_item = 'feature') AS features,
       count(*) FILTER (WHERE flow_item = 'defect') AS defects,
       count(*) FILTER (WHERE flow_item = 'risk') AS risks,
       count(*) FILTER (WHERE flow_item = 'debt') AS debts,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY flow_time_s) / 86400 AS flow_time_p50_d,
       percentile_cont(0.85) WITHIN GROUP (ORDER BY flow_time_s) / 86400 AS flow_time_p85_d,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY lead_time_s) / 86400 AS lead_time_p50_d,
       100 * sum(active_s) / nullif(sum(flow_time_s), 0) AS flow_efficiency_pct
  FROM metrics.team_issues
 WHERE done_at IS NOT NULL
 GROUP BY 1, 2;

CREATE UNIQUE INDEX flow_weekly_key ON metrics.flow_weekly (team, week);

-- Work in progress at the end of each day (UTC).
CREATE MATERIALIZED VIEW metrics.flow_load_daily AS
WITH days AS (
  SELECT p.issue_id, p.stage, d AS day
    FROM metrics.issue_stage_periods p
    CROSS JOIN LATERAL generate_series(date_trunc('day', p.started_at, 'UTC'), date_trunc('day', coalesce(p.ended_at, now()), 'UTC'), interval '1 day') d
   WHERE p.stage IN ('active', 'waiting')
     AND p.started_at < d + interval '1 day'
     AND coalesce(p.ended_at, 'infinity') >= d + interval '1 day'
), per_project AS (
  -- Counted per project first (metrics.issues: no epics), then summed per team.
  SELECT i.project_key, d.day,
         count(*) FILTER (WHERE d.stage = 'active') AS active,
         count(*) FILTER (WHERE d.stage = 'waiting') AS waiting,
         count(*) AS wip
    FROM days d
    JOIN metrics.issues i ON i.issue_id = d.issue_id
   GROUP BY 1, 2
)
SELECT ti.team, pp.day,
       sum(pp.active)::bigint AS active,
       sum(pp.waiting)::bigint AS waiting,
       sum(pp.wip)::bigint AS wip
  FROM per_project pp
  JOIN (SELECT team, project_key FROM metrics.team_projects UNION ALL SELECT '*', key FROM source.jira_projects) ti
    ON ti.project_key = pp.project_key
 GROUP BY 1, 2;

CREATE UNIQUE INDEX flow_load_daily_key ON metrics.flow_load_daily (team, day);

CREATE VIEW metrics.aging_wip AS
SELECT team, key, summary, flow_item, current_status, current_stage, assignee, points,
       extract(epoch FROM now() - stage_since) / 86400 AS days_in_stage,
       extract(epoch FROM now() - coalesce(first_active_at, created_at)) / 86400 AS days_in_progress,
       blocked_s / 3600 AS blocked_h
  FROM metrics.team_issues
 WHERE done_at IS NULL AND current_stage IN ('active', 'waiting');
