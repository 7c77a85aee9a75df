-- Materialized views store what happened and never read the clock.
--
-- An open span (an issue still blocked, an item still in progress, an active sprint) was
-- measured up to now() when the view was refreshed, so two refreshes of the same data an
-- hour apart held different rows, and what a dashboard showed depended on when the last
-- refresh ran. Now the materialized views keep open spans open (an unbounded upper end,
-- or a start with no end), and the plain views read by Grafana and the API measure them
-- up to now() when they are queried; the insight's facts measure them up to their as-of
-- instant. The plain views keep the names and columns readers know:
--
--   metrics.sprints          plain view: metrics.sprint_totals + blocked hours so far
--   metrics.sprint_burndown  plain view: metrics.sprint_burndown_days, the days begun so far
--   metrics.flow_load_daily  plain view: running sums of metrics.flow_load_changes up to today
--   metrics.aging_wip        blocked hours so far from metrics.issues.blocked_spans
--
-- Changes of the definitions (docs/metrics.md "Jira flow" and "Sprints"):
--   * metrics.issues: blocked_s is gone; blocked_spans keeps an open span unbounded. An open
--     item's active_s and waiting_s count the stage periods it has left (its current
--     stage's time is aging WIP's days in stage).
--   * metrics.sprint_issues: an active sprint is measured at the state the data holds now
--     (its close is its end plus 30 days, as before for a sprint never completed); a future
--     sprint with dates is included, its members counted as committed (its planned scope);
--     blocked_s is replaced by blocked_spans (the blocked time within the sprint).
--
-- Rebuilt with every view that reads them, by name (no CASCADE: a view of an
-- installation's own on top of these stops the migration instead of silently vanishing).

DROP VIEW metrics.aging_wip;
DROP MATERIALIZED VIEW metrics.flow_load_daily, metrics.flow_weekly;
DROP VIEW metrics.team_issues, metrics.team_sprints;
DROP MATERIALIZED VIEW metrics.sprint_burndown, metrics.sprints, metrics.sprint_issues, metrics.issues;

-- Seconds of a set of spans that lie before an instant; an unbounded span runs up to it.
CREATE FUNCTION metrics.seconds_until(p_spans tstzmultirange, p_as_of timestamptz)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(sum(extract(epoch FROM upper(r) - lower(r))), 0)
    FROM unnest(p_spans * tstzmultirange(tstzrange(NULL, p_as_of))) r
$$;

-- Issues -------------------------------------------------------------------------------------
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

-- Work in progress at the end of each day (UTC). A stage period counts on the days
-- [its first day, the day it ended): +1 on the first, -1 on the day it ended, and a period
-- not ended yet counts every day from its first. metrics.flow_load_daily sums the changes.
CREATE MATERIALIZED VIEW metrics.flow_load_changes AS
WITH periods AS (
  SELECT p.issue_id, p.stage,
         date_trunc('day', p.started_at, 'UTC') AS first_day,
         date_trunc('day', p.ended_at, 'UTC') AS end_day
    FROM metrics.issue_stage_periods p
   WHERE p.stage IN ('active', 'waiting')
), changes AS (
  SELECT i.project_key, e.day, e.n * CASE WHEN pr.stage = 'active' THEN 1 ELSE 0 END AS active,
         e.n * CASE WHEN pr.stage = 'waiting' THEN 1 ELSE 0 END AS waiting
    FROM periods pr
    -- metrics.issues: no epics
    JOIN metrics.issues i ON i.issue_id = pr.issue_id
    CROSS JOIN LATERAL (VALUES (pr.first_day, 1), (pr.end_day, -1)) e(day, n)
   WHERE (pr.end_day IS NULL OR pr.end_day > pr.first_day) AND e.day IS NOT NULL
), per_project AS (
  SELECT project_key, day, sum(active) AS active, sum(waiting) AS waiting FROM changes GROUP BY 1, 2
)
SELECT ti.team, pp.day, sum(pp.active)::bigint AS active, sum(pp.waiting)::bigint AS waiting
  FROM per_project pp
  JOIN (SELECT team, project_key FROM metrics.team_projects UNION ALL SELECT '*', key FROM source.jira_projects) ti
    ON ti.project_key = pp.project_key
 GROUP BY 1, 2;

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

-- Sprints ------------------------------------------------------------------------------------
-- A sprint is measured up to its completion; an active one at the state the data holds now
-- (its close lies ahead: its end plus 30 days, where a sprint never completed is closed);
-- a future one with dates is its planned scope.
CREATE MATERIALIZED VIEW metrics.sprint_issues AS
WITH s AS (
  SELECT sp.id AS sprint_id, sp.board_id, sp.start_at, sp.complete_at,
         coalesce(sp.complete_at, sp.end_at + interval '30 days', sp.start_at + interval '30 days') AS close_at
    FROM source.jira_sprints sp
   WHERE sp.start_at IS NOT NULL
), per AS (
  -- Each issue's stays in the sprint between its start and its close, folded into one row.
  SELECT s.sprint_id, mb.issue_id, min(s.start_at) AS start_at, min(s.close_at) AS close_at,
         bool_or(mb.added_at <= s.start_at AND (mb.removed_at IS NULL OR mb.removed_at > s.start_at)) AS committed,
         bool_or(mb.added_at <= s.close_at AND (mb.removed_at IS NULL OR mb.removed_at > s.close_at)) AS at_close,
         min(mb.added_at) FILTER (WHERE mb.added_at > s.start_at) AS added_at,
         max(mb.removed_at) FILTER (WHERE mb.removed_at > s.start_at AND mb.removed_at <= s.close_at) AS removed_at
    FROM s JOIN source.jira_sprint_memberships mb ON mb.sprint_id = s.sprint_id
   WHERE mb.added_at <= s.close_at AND (mb.removed_at IS NULL OR mb.removed_at > s.start_at)
   GROUP BY s.sprint_id, mb.issue_id
), stage_at_close AS (
  SELECT per.sprint_id, per.issue_id, ss.stage
    FROM per
    JOIN source.jira_status_periods sp ON sp.issue_id = per.issue_id
     AND sp.started_at <= per.close_at AND (sp.ended_at IS NULL OR sp.ended_at > per.close_at)
    JOIN metrics.status_stages ss ON ss.status_id = sp.status_id
), points AS (
  SELECT per.sprint_id, per.issue_id,
         max(pe.points) FILTER (WHERE pe.started_at <= per.start_at AND (pe.ended_at IS NULL OR pe.ended_at > per.start_at)) AS at_start,
         max(pe.points) FILTER (WHERE pe.started_at <= per.close_at AND (pe.ended_at IS NULL OR pe.ended_at > per.close_at)) AS at_close
    FROM per JOIN source.jira_point_estimates pe ON pe.issue_id = per.issue_id
   GROUP BY per.sprint_id, per.issue_id
), moved_on AS (
  -- Put in a later sprint at (or after) this one's close.
  SELECT DISTINCT per.sprint_id, per.issue_id
    FROM per
    JOIN source.jira_sprint_memberships x ON x.issue_id = per.issue_id AND x.sprint_id <> per.sprint_id
    JOIN source.jira_sprints later ON later.id = x.sprint_id
   WHERE (later.start_at > per.start_at OR later.start_at IS NULL) AND x.added_at >= per.close_at - interval '1 second'
)
SELECT per.sprint_id, s.board_id, i.id AS issue_id, i.key, i.summary, i.issue_type, i.project_key,
       per.committed,
       NOT per.committed AND per.added_at IS NOT NULL AS added,
       per.added_at,
       per.removed_at IS NOT NULL AND NOT per.at_close AS removed,
       per.removed_at,
       per.at_close,
       per.at_close AND sc.stage = 'done' AS completed,
       -- A running sprint's close lies ahead: nothing can have been put in a later sprint after it.
       per.at_close AND sc.stage IS DISTINCT FROM 'done' AND mo.issue_id IS NOT NULL AS carried_over,
       sc.stage AS stage_at_close,
       pt.at_start AS points_at_start,
       pt.at_close AS points_at_close,
       -- Blocked within the sprint; measured with metrics.seconds_until (an open span runs on).
       mi.blocked_spans * tstzmultirange(tstzrange(per.start_at, per.close_at)) AS blocked_spans
  FROM per
  JOIN s ON s.sprint_id = per.sprint_id
  JOIN source.jira_issues i ON i.id = per.issue_id
  LEFT JOIN stage_at_close sc ON sc.sprint_id = per.sprint_id AND sc.issue_id = per.issue_id
  LEFT JOIN points pt ON pt.sprint_id = per.sprint_id AND pt.issue_id = per.issue_id
  LEFT JOIN moved_on mo ON mo.sprint_id = per.sprint_id AND mo.issue_id = per.issue_id
  LEFT JOIN metrics.issues mi ON mi.issue_id = per.issue_id;

CREATE UNIQUE INDEX sprint_issues_key ON metrics.sprint_issues (sprint_id, issue_id);
CREATE INDEX sprint_issues_issue ON metrics.sprint_issues (issue_id);

CREATE MATERIALIZED VIEW metrics.sprint_totals AS
WITH agg AS (
  SELECT sprint_id,
         count(*) FILTER (WHERE committed) AS committed_issues,
         coalesce(sum(points_at_start) FILTER (WHERE committed), 0) AS committed_points,
         count(*) FILTER (WHERE added) AS added_issues,
         coalesce(sum(points_at_close) FILTER (WHERE added), 0) AS added_points,
         count(*) FILTER (WHERE removed) AS removed_issues,
         coalesce(sum(coalesce(points_at_close, points_at_start)) FILTER (WHERE removed), 0) AS removed_points,
         count(*) FILTER (WHERE completed) AS completed_issues,
         coalesce(sum(points_at_close) FILTER (WHERE completed), 0) AS completed_points,
         coalesce(sum(points_at_close) FILTER (WHERE completed AND committed), 0) AS completed_committed_points,
         count(*) FILTER (WHERE carried_over) AS carried_over_issues,
         coalesce(sum(points_at_close - points_at_start) FILTER (WHERE committed AND at_close AND points_at_close IS DISTINCT FROM points_at_start), 0) AS reestimated_points
    FROM metrics.sprint_issues GROUP BY sprint_id
)
SELECT sp.id AS sprint_id, sp.board_id, sp.name, sp.goal, sp.state, sp.start_at, sp.end_at, sp.complete_at,
       coalesce(a.committed_issues, 0) AS committed_issues, coalesce(a.committed_points, 0) AS committed_points,
       coalesce(a.added_issues, 0) AS added_issues, coalesce(a.added_points, 0) AS added_points,
       coalesce(a.removed_issues, 0) AS removed_issues, coalesce(a.removed_points, 0) AS removed_points,
       coalesce(a.completed_issues, 0) AS completed_issues, coalesce(a.completed_points, 0) AS completed_points,
       coalesce(a.carried_over_issues, 0) AS carried_over_issues,
       coalesce(a.reestimated_points, 0) AS reestimated_points,
       -- say/do: committed work completed; capacity accuracy: all completed work, against what was committed
       100.0 * a.completed_committed_points / nullif(a.committed_points, 0) AS say_do_pct,
       100.0 * a.completed_points / nullif(a.committed_points, 0) AS capacity_accuracy_pct,
       100.0 * (a.added_points + a.removed_points) / nullif(a.committed_points, 0) AS scope_change_pct
  FROM source.jira_sprints sp
  LEFT JOIN agg a ON a.sprint_id = sp.id;

CREATE UNIQUE INDEX sprint_totals_id ON metrics.sprint_totals (sprint_id);

-- The sprints with the hours their issues have been blocked so far (a reader that does not
-- ask for blocked_h does not compute it).
CREATE VIEW metrics.sprints AS
SELECT t.*,
       coalesce((SELECT sum(metrics.seconds_until(si.blocked_spans, now()))
                   FROM metrics.sprint_issues si WHERE si.sprint_id = t.sprint_id), 0) / 3600 AS blocked_h
  FROM metrics.sprint_totals t;

CREATE VIEW metrics.team_sprints AS
SELECT tb.team, s.* FROM metrics.sprints s JOIN metrics.team_boards tb ON tb.board_id = s.board_id;

-- Remaining points at the end of each day of a sprint, the ideal line, and the scope.
--   scope     : the points of the issues in the sprint at that instant
--   remaining : the same, of those not in a done stage
-- An active sprint has a row for each of its days, the days to come holding the state the
-- data has now; metrics.sprint_burndown shows the days begun so far. Summed from intervals
-- rather than issue by issue and day by day: each stay of an issue in the sprint, cut by its
-- point estimates (and by its done status periods), adds its points from the first day it
-- holds to the first day it no longer does (width_bucket: a binary search in the sprint's
-- days). The numeric scale of each sum is that of the points it adds up, as a plain sum() of
-- them would give. An issue's status periods and estimates follow each other without
-- overlapping (the sync derives them from its changelog in order), so each instant counts once.
CREATE MATERIALIZED VIEW metrics.sprint_burndown_days AS
WITH s AS (
  SELECT sp.id AS sprint_id, sp.start_at, sp.end_at, coalesce(sp.complete_at, sp.end_at) AS close_at
    FROM source.jira_sprints sp WHERE sp.start_at IS NOT NULL AND sp.state <> 'future'
), days AS (
  SELECT s.sprint_id, s.start_at, s.end_at,
         least(d + interval '1 day' - interval '1 second', s.close_at) AS at
    FROM s CROSS JOIN LATERAL generate_series(date_trunc('day', s.start_at, 'UTC'), date_trunc('day', least(s.end_at, s.close_at), 'UTC'), interval '1 day') d
), numbered AS (
  SELECT d.*, row_number() OVER (PARTITION BY d.sprint_id ORDER BY d.at) - 1 AS k FROM days d
), sprint_days AS (
  SELECT sprint_id, array_agg(at ORDER BY at) AS ats FROM days GROUP BY sprint_id
), committed AS (
  SELECT sprint_id, committed_points FROM metrics.sprint_totals
), pairs AS (
  -- A stay in the sprint while an estimate holds: [lo, hi), hi NULL while it still holds.
  SELECT mb.sprint_id, mb.issue_id, sd.ats, pe.points,
         greatest(mb.added_at, pe.started_at) AS lo, least(mb.removed_at, pe.ended_at) AS hi
    FROM source.jira_sprint_memberships mb
    JOIN sprint_days sd ON sd.sprint_id = mb.sprint_id
    JOIN source.jira_point_estimates pe ON pe.issue_id = mb.issue_id
   WHERE pe.points IS NOT NULL
), pieces AS (
  -- in_scope: counts in scope and remaining; otherwise (in a done stage) it takes its points off remaining.
  SELECT sprint_id, ats, points, true AS in_scope, lo, hi FROM pairs WHERE hi IS NULL OR hi > lo
  UNION ALL
  SELECT p.sprint_id, p.ats, p.points, false, greatest(p.lo, sp.started_at), least(p.hi, sp.ended_at)
    FROM pairs p
    JOIN source.jira_status_periods sp ON sp.issue_id = p.issue_id
    JOIN metrics.status_stages ss ON ss.status_id = sp.status_id AND ss.stage = 'done'
   WHERE (p.hi IS NULL OR p.hi > p.lo)
     AND (least(p.hi, sp.ended_at) IS NULL OR least(p.hi, sp.ended_at) > greatest(p.lo, sp.started_at))
), spans AS (
  -- The days [k_from, k_to) whose end falls in [lo, hi).
  SELECT sprint_id, points, in_scope,
         width_bucket(lo - interval '1 microsecond', ats) AS k_from,
         CASE WHEN hi IS NULL THEN cardinality(ats) ELSE width_bucket(hi - interval '1 microsecond', ats) END AS k_to,
         cardinality(ats) AS n
    FROM pieces
), deltas AS (
  SELECT sprint_id, k_from AS k, scale(points) AS scale,
         CASE WHEN in_scope THEN points ELSE 0 END AS scope_v, CASE WHEN in_scope THEN points ELSE -points END AS remaining_v,
         CASE WHEN in_scope THEN 1 ELSE 0 END AS scope_n, CASE WHEN in_scope THEN 1 ELSE -1 END AS remaining_n
    FROM spans WHERE k_from < k_to
  UNION ALL
  SELECT sprint_id, k_to, scale(points),
         CASE WHEN in_scope THEN -points ELSE 0 END, CASE WHEN in_scope THEN -points ELSE points END,
         CASE WHEN in_scope THEN -1 ELSE 0 END, CASE WHEN in_scope THEN -1 ELSE 1 END
    FROM spans WHERE k_from < k_to AND k_to < n
), per_day AS (
  SELECT sprint_id, k, scale, sum(scope_v) AS scope_v, sum(remaining_v) AS remaining_v,
         sum(scope_n) AS scope_n, sum(remaining_n) AS remaining_n
    FROM deltas GROUP BY 1, 2, 3
), running AS (
  -- Running totals over the days, per scale of the points (to know the scale of each day's sum).
  SELECT g.sprint_id, g.k, g.scale,
         sum(pd.scope_v) OVER w AS scope_v, sum(pd.remaining_v) OVER w AS remaining_v,
         sum(pd.scope_n) OVER w AS scope_n, sum(pd.remaining_n) OVER w AS remaining_n
    FROM (SELECT n.sprint_id, n.k, sc.scale
            FROM numbered n JOIN (SELECT DISTINCT sprint_id, scale FROM per_day) sc ON sc.sprint_id = n.sprint_id) g
    LEFT JOIN per_day pd ON pd.sprint_id = g.sprint_id AND pd.k = g.k AND pd.scale = g.scale
  WINDOW w AS (PARTITION BY g.sprint_id, g.scale ORDER BY g.k)
), by_interval AS (
  SELECT sprint_id, k,
         round(sum(remaining_v), max(scale) FILTER (WHERE remaining_n > 0)) AS remaining_points,
         round(sum(scope_v), max(scale) FILTER (WHERE scope_n > 0)) AS scope_points
    FROM running GROUP BY 1, 2
)
SELECT d.sprint_id, d.at,
       coalesce(bi.remaining_points, 0) AS remaining_points,
       coalesce(bi.scope_points, 0) AS scope_points,
       greatest(0, c.committed_points * (1 - extract(epoch FROM d.at - d.start_at) / nullif(extract(epoch FROM d.end_at - d.start_at), 0))) AS ideal_points
  FROM numbered d
  JOIN committed c ON c.sprint_id = d.sprint_id
  LEFT JOIN by_interval bi ON bi.sprint_id = d.sprint_id AND bi.k = d.k;

CREATE UNIQUE INDEX sprint_burndown_days_key ON metrics.sprint_burndown_days (sprint_id, at);

-- The days begun so far; today's point stands at now, with the ideal line's value then.
CREATE VIEW metrics.sprint_burndown AS
SELECT b.sprint_id, least(b.at, now()) AS at, b.remaining_points, b.scope_points,
       CASE WHEN b.at <= now() THEN b.ideal_points
            ELSE greatest(0, t.committed_points * (1 - extract(epoch FROM now() - t.start_at) / nullif(extract(epoch FROM t.end_at - t.start_at), 0)))
       END AS ideal_points
  FROM metrics.sprint_burndown_days b
  JOIN metrics.sprint_totals t ON t.sprint_id = b.sprint_id
 WHERE date_trunc('day', b.at, 'UTC') <= now();
