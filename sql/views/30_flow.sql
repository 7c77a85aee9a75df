-- Jira issues with their flow stages, the weekly flow rollup, the daily work in progress and
-- aging work, and the issues that count as incidents. Definitions: docs/metrics.md.

-- Jira issues that are incidents (by type or label). They start when created and end
-- when resolved (or, without a resolution date, when they reached a done stage).
CREATE VIEW metrics.incident_issues AS
WITH rules AS (
  SELECT array_agg(lower(value)) FILTER (WHERE match = 'type') AS types,
         array_agg(lower(value)) FILTER (WHERE match = 'label') AS labels
    FROM metrics.setting_incident_rules
)
SELECT i.id AS issue_id, i.key, i.summary, i.project_key, i.created_at AS started_at,
       coalesce(i.resolved_at,
                (SELECT min(sp.started_at) FROM source.jira_status_periods sp
                   JOIN metrics.status_stages ss ON ss.status_id = sp.status_id
                  WHERE sp.issue_id = i.id AND ss.stage = 'done' AND sp.ended_at IS NULL)) AS resolved_at
  FROM source.jira_issues i, rules r
 WHERE lower(i.issue_type) = ANY (coalesce(r.types, '{}'))
    OR (i.labels <> '{}' AND EXISTS (SELECT 1 FROM unnest(i.labels) l WHERE lower(l) = ANY (coalesce(r.labels, '{}'))));

-- Every status period with its stage, and whether it counts as blocked.
CREATE VIEW metrics.issue_stage_periods AS
SELECT sp.issue_id, sp.seq, sp.status_id, ss.status, ss.stage, sp.started_at, sp.ended_at,
       ss.status ~* (SELECT value FROM metrics.setting_values WHERE key = 'blocked_status_pattern') AS blocked_status
  FROM source.jira_status_periods sp
  JOIN metrics.status_stages ss ON ss.status_id = sp.status_id;

-- Issues -------------------------------------------------------------------------------------
-- A kept table (metrics/refresh.ts), read again issue by issue.
CREATE FUNCTION metrics.issues_rows(scope_issue_id text[])
RETURNS TABLE (issue_id text, key text, project_key text, issue_type text, flow_item text, summary text, labels text[],
               epic_key text, assignee_account_id text, assignee text, created_at timestamptz,
               first_active_at timestamptz, done_at timestamptz, current_status text, current_stage text,
               stage_since timestamptz, points numeric, is_incident boolean, lead_time_s numeric, flow_time_s numeric,
               active_s numeric, waiting_s numeric, blocked_spans tstzmultirange, history_gap boolean)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH stages AS MATERIALIZED (
  -- metrics.issue_stage_periods, with the blocked pattern matched once per status
  SELECT ss.status_id, ss.status, ss.stage,
         ss.status ~* (SELECT value FROM metrics.setting_values WHERE key = 'blocked_status_pattern') AS blocked_status
    FROM metrics.status_stages ss
), p AS (
  SELECT sp.issue_id, sp.seq, s.status, s.stage, sp.started_at, sp.ended_at, s.blocked_status
    FROM source.jira_status_periods sp
    JOIN stages s ON s.status_id = sp.status_id
   WHERE scope_issue_id IS NULL OR sp.issue_id = ANY (scope_issue_id)
), current AS (
  SELECT DISTINCT ON (issue_id COLLATE "C") issue_id, status, stage, started_at AS stage_since
    FROM p ORDER BY issue_id COLLATE "C", seq DESC
), first_active AS (
  SELECT issue_id, min(started_at) AS first_active_at FROM p WHERE stage <> 'todo' GROUP BY issue_id
), span AS (
  -- Flow is measured from first leaving todo up to done; an open item has no end yet.
  SELECT c.issue_id, c.status, c.stage, c.stage_since, fa.first_active_at,
         CASE WHEN c.stage = 'done' THEN c.stage_since END AS done_at
    FROM current c LEFT JOIN first_active fa ON fa.issue_id = c.issue_id
), stage_time AS (
  -- Stage periods that have ended (least() passes over a NULL end: the current period of an
  -- open item adds nothing), up to done.
  SELECT p.issue_id,
         sum(extract(epoch FROM least(p.ended_at, s.done_at) - p.started_at)) FILTER (WHERE p.stage = 'active') AS active_s,
         sum(extract(epoch FROM least(p.ended_at, s.done_at) - p.started_at)) FILTER (WHERE p.stage = 'waiting') AS waiting_s
    FROM p JOIN span s ON s.issue_id = p.issue_id
   WHERE p.stage IN ('active', 'waiting') AND p.ended_at IS NOT NULL
     AND p.started_at >= s.first_active_at AND (s.done_at IS NULL OR p.started_at < s.done_at)
   GROUP BY p.issue_id
), blocked AS (
  -- A span still open has no upper bound.
  SELECT issue_id, range_agg(tstzrange(started_at, ended_at)) AS spans
    FROM (SELECT issue_id, started_at, ended_at FROM p WHERE blocked_status
          UNION ALL
          SELECT issue_id, started_at, ended_at FROM source.jira_flag_periods
           WHERE scope_issue_id IS NULL OR issue_id = ANY (scope_issue_id)) b
   GROUP BY issue_id
), flow_items AS (
  SELECT * FROM metrics.setting_flow_items
), points AS (
  SELECT DISTINCT ON (issue_id COLLATE "C") issue_id, points
    FROM source.jira_point_estimates
   WHERE scope_issue_id IS NULL OR issue_id = ANY (scope_issue_id)
   ORDER BY issue_id COLLATE "C", seq DESC
), history AS (
  -- Whether the status changes Jira kept hold together: each from the status the change before
  -- went to, and the last to the status the issue is in now. One that does not is measured
  -- from a history with a hole in it.
  SELECT issue_id, bool_and(prev_to IS NULL OR from_value IS NOT DISTINCT FROM prev_to) AS chained,
         (array_agg(to_value ORDER BY changed_at DESC, history_id DESC, item_index DESC))[1] AS last_to
    FROM (SELECT c.issue_id, c.from_value, c.to_value, c.changed_at, c.history_id, c.item_index,
                 lag(c.to_value) OVER (PARTITION BY c.issue_id ORDER BY c.changed_at, c.history_id, c.item_index) AS prev_to
            FROM source.jira_changelog c
           WHERE c.kind = 'status' AND (scope_issue_id IS NULL OR c.issue_id = ANY (scope_issue_id))) c
   GROUP BY issue_id
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
       b.spans AS blocked_spans,
       NOT coalesce(h.chained AND h.last_to = i.status_id, false) AS history_gap
  FROM source.jira_issues i
  JOIN span sp ON sp.issue_id = i.id
  LEFT JOIN stage_time st ON st.issue_id = i.id
  LEFT JOIN blocked b ON b.issue_id = i.id
  LEFT JOIN points pt ON pt.issue_id = i.id
  LEFT JOIN history h ON h.issue_id = i.id
  LEFT JOIN flow_items ty ON ty.match = 'type' AND lower(ty.value) = lower(i.issue_type)
  -- (the scope inside: the incident rules are an aggregate the join cannot pass through)
  LEFT JOIN (SELECT x.issue_id FROM metrics.incident_issues x
              WHERE scope_issue_id IS NULL OR x.issue_id = ANY (scope_issue_id)) ii ON ii.issue_id = i.id
  LEFT JOIN source.jira_users u ON u.account_id = i.assignee_account_id
 WHERE i.issue_type <> 'Epic' AND (scope_issue_id IS NULL OR i.id = ANY (scope_issue_id));
END;

-- The issues a sync's writes can have changed: those written, or whose history, status periods,
-- estimates or flags were. NULL (all of them) when the statuses or the people were written.
CREATE FUNCTION metrics.issues_scope(since pg_snapshot, run bigint)
RETURNS text[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  WITH changes AS (
    SELECT table_name, issue_ids FROM metrics.refresh_changes(since, ARRAY[
      'jira_issues', 'jira_changelog', 'jira_status_periods', 'jira_point_estimates', 'jira_flag_periods',
      'jira_statuses', 'jira_users'])
  )
  SELECT CASE WHEN EXISTS (SELECT 1 FROM changes WHERE issue_ids IS NULL) THEN NULL
              ELSE coalesce((SELECT array_agg(DISTINCT k.issue_id) FROM changes c CROSS JOIN LATERAL unnest(c.issue_ids) k (issue_id)), '{}') END;
END;

CREATE TABLE metrics.issues AS SELECT * FROM metrics.issues_rows(NULL);
CREATE UNIQUE INDEX issues_id ON metrics.issues (issue_id);
CREATE UNIQUE INDEX issues_key ON metrics.issues (key);
CREATE INDEX issues_project_done ON metrics.issues (project_key, done_at) INCLUDE (flow_time_s, active_s, flow_item) WHERE done_at IS NOT NULL;
CREATE INDEX issues_done ON metrics.issues (done_at) INCLUDE (flow_time_s, active_s, flow_item) WHERE done_at IS NOT NULL;
CREATE INDEX issues_open ON metrics.issues (project_key) WHERE done_at IS NULL;
-- A team's first issue, and the organisation's (metrics.forecast_history).
CREATE INDEX issues_project_created ON metrics.issues (project_key, created_at);
CREATE INDEX issues_created ON metrics.issues (created_at);

CREATE VIEW metrics.team_issues AS
SELECT tp.team, i.* FROM metrics.issues i JOIN metrics.team_projects tp ON tp.project_key = i.project_key
UNION ALL
SELECT '*', i.* FROM metrics.issues i;

-- A kept table (metrics/refresh.ts), read again week by week.
CREATE FUNCTION metrics.flow_weekly_rows(scope_week timestamptz[])
RETURNS TABLE (team text, week timestamptz, velocity bigint, features bigint, defects bigint, risks bigint, debts bigint,
               flow_time_p50_d double precision, flow_time_p85_d double precision, lead_time_p50_d double precision,
               flow_efficiency_pct numeric)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH done AS (
  SELECT i.project_key, i.done_at, i.flow_item, i.flow_time_s, i.lead_time_s, i.active_s
    FROM metrics.issues i WHERE scope_week IS NULL AND i.done_at IS NOT NULL
  UNION ALL
  SELECT i.project_key, i.done_at, i.flow_item, i.flow_time_s, i.lead_time_s, i.active_s
    FROM unnest(scope_week) w
    JOIN metrics.issues i ON i.done_at >= w AND i.done_at < w + interval '7 days'
), picked AS (
  -- As metrics.team_issues, after the weeks are picked: each week read by its index.
  SELECT tp.team, i.* FROM done i JOIN metrics.team_projects tp ON tp.project_key = i.project_key
  UNION ALL
  SELECT '*', i.* FROM done i
)
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
  FROM picked
 GROUP BY 1, 2;
END;

-- The weeks whose done issues came out different in this refresh, in what is summed.
CREATE FUNCTION metrics.flow_weekly_scope(since pg_snapshot, run bigint)
RETURNS timestamptz[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT metrics.refresh_changed_periods(since,
           metrics.refresh_changed_times(run, 'issues', 'issue_id', 'done_at',
                                         ARRAY['project_key', 'done_at', 'flow_item', 'flow_time_s', 'lead_time_s',
                                               'active_s']), 'week');
END;

CREATE TABLE metrics.flow_weekly AS SELECT * FROM metrics.flow_weekly_rows(NULL);
CREATE UNIQUE INDEX flow_weekly_key ON metrics.flow_weekly (team, week);

-- Work in progress at the end of each day (UTC). A stage period counts on the days
-- [its first day, the day it ended): +1 on the first, -1 on the day it ended, and a period
-- not ended yet counts every day from its first. Each issue's changes by day are a kept table
-- (metrics/refresh.ts), read again issue by issue; metrics.flow_load_changes sums them by team
-- and day, read again day by day, and metrics.flow_load_daily runs the sums.
CREATE FUNCTION metrics.flow_load_issue_days_rows(scope_issue_id text[])
RETURNS TABLE (issue_id text, project_key text, day timestamptz, active bigint, waiting bigint)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH periods AS (
  SELECT p.issue_id, p.stage,
         date_trunc('day', p.started_at, 'UTC') AS first_day,
         date_trunc('day', p.ended_at, 'UTC') AS end_day
    FROM metrics.issue_stage_periods p
   WHERE p.stage IN ('active', 'waiting') AND (scope_issue_id IS NULL OR p.issue_id = ANY (scope_issue_id))
)
SELECT pr.issue_id, i.project_key, e.day,
       sum(CASE WHEN pr.stage = 'active' THEN e.n ELSE 0 END)::bigint AS active,
       sum(CASE WHEN pr.stage = 'waiting' THEN e.n ELSE 0 END)::bigint AS waiting
  FROM periods pr
  -- metrics.issues: no epics
  JOIN metrics.issues i ON i.issue_id = pr.issue_id
  CROSS JOIN LATERAL (VALUES (pr.first_day, 1), (pr.end_day, -1)) e(day, n)
 WHERE (pr.end_day IS NULL OR pr.end_day > pr.first_day) AND e.day IS NOT NULL
 GROUP BY pr.issue_id, i.project_key, e.day;
END;

-- The issues whose status periods were written, or whose row in metrics.issues came out with
-- another project or went or came (an epic) in this refresh. NULL when the statuses were written.
CREATE FUNCTION metrics.flow_load_issue_days_scope(since pg_snapshot, run bigint)
RETURNS text[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  WITH changes AS (
    SELECT issue_ids FROM metrics.refresh_changes(since, ARRAY['jira_status_periods', 'jira_statuses'])
  ), written AS (
    SELECT k.issue_id FROM changes c CROSS JOIN LATERAL unnest(c.issue_ids) k (issue_id)
    UNION
    SELECT x ->> 'issue_id' FROM metrics.refresh_changed_rows(run, 'issues', 'issue_id', ARRAY['project_key']) x
  )
  SELECT CASE WHEN EXISTS (SELECT 1 FROM changes WHERE issue_ids IS NULL) OR metrics.refresh_rewrote_all(run, 'issues')
              THEN NULL
              ELSE coalesce((SELECT array_agg(issue_id) FROM written), '{}') END;
END;

CREATE TABLE metrics.flow_load_issue_days AS SELECT * FROM metrics.flow_load_issue_days_rows(NULL);
CREATE UNIQUE INDEX flow_load_issue_days_key ON metrics.flow_load_issue_days (issue_id, day);
CREATE INDEX flow_load_issue_days_day ON metrics.flow_load_issue_days (day);

-- A kept table, read again day by day.
CREATE FUNCTION metrics.flow_load_changes_rows(scope_day timestamptz[])
RETURNS TABLE (team text, day timestamptz, active bigint, waiting bigint)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH per_project AS (
  SELECT d.project_key, d.day, sum(d.active) AS active, sum(d.waiting) AS waiting
    FROM metrics.flow_load_issue_days d
   WHERE scope_day IS NULL OR d.day = ANY (scope_day)
   GROUP BY 1, 2
)
SELECT ti.team, pp.day, sum(pp.active)::bigint AS active, sum(pp.waiting)::bigint AS waiting
  FROM per_project pp
  JOIN (SELECT team, project_key FROM metrics.team_projects UNION ALL SELECT '*', key FROM source.jira_projects) ti
    ON ti.project_key = pp.project_key
 GROUP BY 1, 2;
END;

-- The days an issue's changes came out different on in this refresh (old and new).
CREATE FUNCTION metrics.flow_load_changes_scope(since pg_snapshot, run bigint)
RETURNS timestamptz[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT metrics.refresh_changed_periods(since,
           metrics.refresh_changed_times(run, 'flow_load_issue_days', 'issue_id', 'day',
                                         ARRAY['project_key', 'day', 'active', 'waiting']), 'day');
END;

CREATE TABLE metrics.flow_load_changes AS SELECT * FROM metrics.flow_load_changes_rows(NULL);
CREATE UNIQUE INDEX flow_load_changes_key ON metrics.flow_load_changes (team, day);

-- Days are stepped as 24 hours from UTC midnights, whatever the session's time zone.
CREATE VIEW metrics.flow_load_daily AS
WITH teams AS (
  SELECT team, min(day) AS first_day FROM metrics.flow_load_changes GROUP BY team
), grid AS (
  SELECT t.team, t.first_day + n * interval '24 hours' AS day
    FROM teams t
    CROSS JOIN LATERAL generate_series(0, floor(date_part('epoch', now() - t.first_day) / 86400)::int) n
), running AS (
  SELECT g.team, g.day,
         sum(coalesce(c.active, 0)) OVER w AS active,
         sum(coalesce(c.waiting, 0)) OVER w AS waiting
    FROM grid g
    LEFT JOIN metrics.flow_load_changes c ON c.team = g.team AND c.day = g.day
  WINDOW w AS (PARTITION BY g.team ORDER BY g.day)
)
SELECT team, day, active::bigint AS active, waiting::bigint AS waiting, (active + waiting)::bigint AS wip
  FROM running
 WHERE active + waiting > 0;

CREATE VIEW metrics.aging_wip AS
SELECT team, key, summary, flow_item, current_status, current_stage, assignee, points,
       extract(epoch FROM now() - stage_since) / 86400 AS days_in_stage,
       extract(epoch FROM now() - coalesce(first_active_at, created_at)) / 86400 AS days_in_progress,
       metrics.seconds_until(blocked_spans, now()) / 3600 AS blocked_h
  FROM metrics.team_issues
 WHERE done_at IS NULL AND current_stage IN ('active', 'waiting');
