-- Sprints: the issues of each, their totals and carry-over, and the daily burndown.
-- Kept tables hold what the data says; the plain views measure "so far" when read.

-- Sprints ------------------------------------------------------------------------------------
-- A sprint is measured up to its completion; an active one at the state the data holds now
-- (its close lies ahead: its end plus 30 days, where a sprint never completed is closed);
-- a future one with dates is its planned scope.
-- A kept table (metrics/refresh.ts), read again sprint by sprint.
CREATE FUNCTION metrics.sprint_issues_rows(scope_sprint_id bigint[])
RETURNS TABLE (sprint_id bigint, board_id bigint, issue_id text, key text, summary text, issue_type text,
               project_key text, committed boolean, added boolean, added_at timestamptz, removed boolean,
               removed_at timestamptz, at_close boolean, completed boolean, carried_over boolean, stage_at_close text,
               points_at_start numeric, points_at_close numeric, blocked_spans tstzmultirange)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH s AS (
  SELECT sp.id AS sprint_id, sp.board_id, sp.start_at, sp.complete_at,
         coalesce(sp.complete_at, sp.end_at + interval '30 days', sp.start_at + interval '30 days') AS close_at
    FROM source.jira_sprints sp
   WHERE sp.start_at IS NOT NULL AND (scope_sprint_id IS NULL OR sp.id = ANY (scope_sprint_id))
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
END;

-- The sprints a sync's writes can have changed: those written, or whose memberships were, and
-- every sprint of an issue whose fields, status periods, estimates or memberships were written,
-- or whose row in metrics.issues came out different. NULL (all of them) for a write to the
-- statuses.
CREATE FUNCTION metrics.sprint_issues_scope(since pg_snapshot, run bigint)
RETURNS bigint[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  WITH changes AS (
    SELECT table_name, issue_ids, sprint_ids FROM metrics.refresh_changes(since, ARRAY[
      'jira_sprints', 'jira_sprint_memberships', 'jira_issues', 'jira_status_periods',
      'jira_point_estimates', 'jira_statuses'])
  ), issues AS (
    SELECT k.issue_id FROM changes c CROSS JOIN LATERAL unnest(c.issue_ids) k (issue_id)
    UNION
    SELECT d.row ->> 'issue_id' FROM ops.refresh_diffs d
     WHERE d.run = sprint_issues_scope.run AND d.table_name = 'issues' AND d.row IS NOT NULL
  ), sprints AS (
    SELECT k.sprint_id FROM changes c CROSS JOIN LATERAL unnest(c.sprint_ids) k (sprint_id)
    UNION
    SELECT mb.sprint_id FROM source.jira_sprint_memberships mb WHERE mb.issue_id IN (SELECT issue_id FROM issues)
  )
  SELECT CASE WHEN EXISTS (SELECT 1 FROM changes
                            WHERE table_name = 'jira_statuses'
                               OR (table_name = 'jira_sprints' AND sprint_ids IS NULL)
                               OR (table_name NOT IN ('jira_sprints', 'jira_statuses') AND issue_ids IS NULL))
                OR EXISTS (SELECT 1 FROM ops.refresh_diffs d
                            WHERE d.run = sprint_issues_scope.run AND d.table_name = 'issues' AND d.row IS NULL)
              THEN NULL
              ELSE coalesce((SELECT array_agg(DISTINCT sprint_id) FROM sprints), '{}') END;
END;

CREATE TABLE metrics.sprint_issues AS SELECT * FROM metrics.sprint_issues_rows(NULL);
CREATE UNIQUE INDEX sprint_issues_key ON metrics.sprint_issues (sprint_id, issue_id);
CREATE INDEX sprint_issues_issue ON metrics.sprint_issues (issue_id);
-- What was added to and taken out of a team's sprints, sprint by sprint from the index alone
-- (metrics.forecast_history): without them every sprint's issues were read, twice (a team's
-- forecast history at large 95 ms against 9).
CREATE INDEX sprint_issues_added ON metrics.sprint_issues (sprint_id) INCLUDE (added_at) WHERE added;
CREATE INDEX sprint_issues_removed ON metrics.sprint_issues (sprint_id) INCLUDE (removed_at) WHERE removed;

-- A kept table (metrics/refresh.ts), read again sprint by sprint.
CREATE FUNCTION metrics.sprint_totals_rows(scope_sprint_id bigint[])
RETURNS TABLE (sprint_id bigint, board_id bigint, name text, goal text, state text, start_at timestamptz,
               end_at timestamptz, complete_at timestamptz, committed_issues bigint, committed_points numeric,
               added_issues bigint, added_points numeric, removed_issues bigint, removed_points numeric,
               completed_issues bigint, completed_points numeric, carried_over_issues bigint,
               reestimated_points numeric, say_do_pct numeric, capacity_accuracy_pct numeric, scope_change_pct numeric)
LANGUAGE sql STABLE
BEGIN ATOMIC
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
    FROM metrics.sprint_issues
   WHERE scope_sprint_id IS NULL OR sprint_id = ANY (scope_sprint_id)
   GROUP BY sprint_id
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
  LEFT JOIN agg a ON a.sprint_id = sp.id
 WHERE scope_sprint_id IS NULL OR sp.id = ANY (scope_sprint_id);
END;

-- The sprints written, and those whose issues came out different in this refresh.
CREATE FUNCTION metrics.sprint_totals_scope(since pg_snapshot, run bigint)
RETURNS bigint[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  WITH changes AS (
    SELECT sprint_ids FROM metrics.refresh_changes(since, ARRAY['jira_sprints'])
  ), diffs AS (
    SELECT d.row FROM ops.refresh_diffs d WHERE d.run = sprint_totals_scope.run AND d.table_name = 'sprint_issues'
  )
  SELECT CASE WHEN EXISTS (SELECT 1 FROM changes WHERE sprint_ids IS NULL) OR EXISTS (SELECT 1 FROM diffs WHERE row IS NULL)
              THEN NULL
              ELSE coalesce((SELECT array_agg(DISTINCT x) FROM (
                               SELECT k.sprint_id AS x FROM changes c CROSS JOIN LATERAL unnest(c.sprint_ids) k (sprint_id)
                               UNION ALL
                               SELECT (row ->> 'sprint_id')::bigint FROM diffs) ids), '{}') END;
END;

CREATE TABLE metrics.sprint_totals AS SELECT * FROM metrics.sprint_totals_rows(NULL);
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

-- Remaining points at the end of each day of a sprint, and the scope.
--   scope     : the points of the issues in the sprint at that instant
--   remaining : the same, of those not in a done stage
-- The ideal line is drawn when read (metrics.sprint_burndown), from the sprint's totals: kept
-- here, this table would wait for every sprint's issues and totals before it could start.
-- An active sprint has a row for each of its days, the days to come holding the state the
-- data has now; metrics.sprint_burndown shows the days begun so far. Summed from intervals
-- rather than issue by issue and day by day: each stay of an issue in the sprint, cut by its
-- point estimates (and by its done status periods), adds its points from the first day it
-- holds to the first day it no longer does (width_bucket: a binary search in the sprint's
-- days). The numeric scale of each sum is that of the points it adds up, as a plain sum() of
-- them would give. An issue's status periods and estimates follow each other without
-- overlapping (the sync derives them from its changelog in order), so each instant counts once.
-- A kept table (metrics/refresh.ts), read again sprint by sprint.
CREATE FUNCTION metrics.sprint_burndown_days_rows(scope_sprint_id bigint[])
RETURNS TABLE (sprint_id bigint, at timestamptz, remaining_points numeric, scope_points numeric)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH s AS (
  SELECT sp.id AS sprint_id, sp.start_at, sp.end_at, coalesce(sp.complete_at, sp.end_at) AS close_at
    FROM source.jira_sprints sp
   WHERE sp.start_at IS NOT NULL AND sp.state <> 'future'
     AND (scope_sprint_id IS NULL OR sp.id = ANY (scope_sprint_id))
), days AS (
  SELECT s.sprint_id, least(d + interval '1 day' - interval '1 second', s.close_at) AS at
    FROM s CROSS JOIN LATERAL generate_series(date_trunc('day', s.start_at, 'UTC'), date_trunc('day', least(s.end_at, s.close_at), 'UTC'), interval '1 day') d
), numbered AS (
  SELECT d.*, row_number() OVER (PARTITION BY d.sprint_id ORDER BY d.at) - 1 AS k FROM days d
), sprint_days AS (
  SELECT sprint_id, array_agg(at ORDER BY at) AS ats FROM days GROUP BY sprint_id
), pairs AS (
  -- A stay in the sprint while an estimate holds: [lo, hi), hi NULL while it still holds.
  SELECT mb.sprint_id, mb.issue_id, pe.points,
         greatest(mb.added_at, pe.started_at) AS lo, least(mb.removed_at, pe.ended_at) AS hi
    FROM source.jira_sprint_memberships mb
    JOIN source.jira_point_estimates pe ON pe.issue_id = mb.issue_id
   WHERE pe.points IS NOT NULL AND mb.sprint_id IN (SELECT sprint_id FROM s)
), pieces AS (
  -- in_scope: counts in scope and remaining; otherwise (in a done stage) it takes its points off remaining.
  SELECT sprint_id, points, true AS in_scope, lo, hi FROM pairs WHERE hi IS NULL OR hi > lo
  UNION ALL
  SELECT p.sprint_id, p.points, false, greatest(p.lo, sp.started_at), least(p.hi, sp.ended_at)
    FROM pairs p
    JOIN source.jira_status_periods sp ON sp.issue_id = p.issue_id
    JOIN metrics.status_stages ss ON ss.status_id = sp.status_id AND ss.stage = 'done'
   WHERE (p.hi IS NULL OR p.hi > p.lo)
     AND (least(p.hi, sp.ended_at) IS NULL OR least(p.hi, sp.ended_at) > greatest(p.lo, sp.started_at))
), spans AS (
  -- The days [k_from, k_to) whose end falls in [lo, hi). The sprint's days are joined here,
  -- not carried through the pieces (an array a row through hundreds of thousands of rows).
  SELECT p.sprint_id, p.points, p.in_scope,
         width_bucket(p.lo - interval '1 microsecond', sd.ats) AS k_from,
         CASE WHEN p.hi IS NULL THEN cardinality(sd.ats) ELSE width_bucket(p.hi - interval '1 microsecond', sd.ats) END AS k_to,
         cardinality(sd.ats) AS n
    FROM pieces p JOIN sprint_days sd ON sd.sprint_id = p.sprint_id
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
       coalesce(bi.scope_points, 0) AS scope_points
  FROM numbered d
  LEFT JOIN by_interval bi ON bi.sprint_id = d.sprint_id AND bi.k = d.k;
END;

-- The sprints written or whose memberships were, and every sprint of an issue whose estimates
-- or status periods were.
CREATE FUNCTION metrics.sprint_burndown_days_scope(since pg_snapshot, run bigint)
RETURNS bigint[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  WITH changes AS (
    SELECT table_name, issue_ids, sprint_ids FROM metrics.refresh_changes(since, ARRAY[
      'jira_sprints', 'jira_sprint_memberships', 'jira_status_periods', 'jira_point_estimates',
      'jira_statuses'])
  ), sprints AS (
    SELECT k.sprint_id FROM changes c CROSS JOIN LATERAL unnest(c.sprint_ids) k (sprint_id)
    UNION
    SELECT mb.sprint_id FROM source.jira_sprint_memberships mb
     WHERE mb.issue_id IN (SELECT k.issue_id FROM changes c CROSS JOIN LATERAL unnest(c.issue_ids) k (issue_id))
  )
  SELECT CASE WHEN EXISTS (SELECT 1 FROM changes
                            WHERE table_name = 'jira_statuses'
                               OR (table_name = 'jira_sprints' AND sprint_ids IS NULL)
                               OR (table_name NOT IN ('jira_sprints', 'jira_statuses') AND issue_ids IS NULL))
              THEN NULL
              ELSE coalesce((SELECT array_agg(DISTINCT sprint_id) FROM sprints), '{}') END;
END;

CREATE TABLE metrics.sprint_burndown_days AS SELECT * FROM metrics.sprint_burndown_days_rows(NULL);
CREATE UNIQUE INDEX sprint_burndown_days_key ON metrics.sprint_burndown_days (sprint_id, at);

-- The days begun so far; today's point stands at now, with the ideal line's value then. The
-- ideal line falls evenly from the committed points at the start to zero at the end.
CREATE VIEW metrics.sprint_burndown AS
SELECT b.sprint_id, least(b.at, now()) AS at, b.remaining_points, b.scope_points,
       greatest(0, t.committed_points * (1 - extract(epoch FROM least(b.at, now()) - t.start_at)
                                             / nullif(extract(epoch FROM t.end_at - t.start_at), 0))) AS ideal_points
  FROM metrics.sprint_burndown_days b
  JOIN metrics.sprint_totals t ON t.sprint_id = b.sprint_id
 WHERE date_trunc('day', b.at, 'UTC') <= now();
