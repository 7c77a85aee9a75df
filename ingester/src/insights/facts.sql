-- The fact sheet of one sprint (insights/facts.ts, `sprintFacts`) as one jsonb value,
-- read from the metrics views, so every number an insight states is the number the
-- dashboards show (definitions: docs/metrics.md).
--
-- Parameters
--   $1  sprint id
--   $2  as of: the instant an active sprint is described at (a closed sprint is described
--       at its completion whatever is passed); time elapsed and ages are measured to it
--   $3  team name (the owner of the sprint's board; DORA and the team's usual pickup)
--   $4  Jira base URL for issue links; NULL reads the site from each issue's payload
--
-- Membership, completion and points come from metrics.sprint_issues as of the last
-- refresh, which follows every sync.

WITH
sprint AS (
  SELECT s.sprint_id AS id, s.name, nullif(s.goal, '') AS goal, s.board_id, s.state, s.start_at, s.end_at, s.complete_at,
         s.committed_issues, s.committed_points, s.added_issues, s.added_points, s.removed_issues, s.removed_points,
         s.completed_issues, s.completed_points, s.reestimated_points, s.say_do_pct, s.scope_change_pct,
         CASE WHEN s.complete_at IS NOT NULL THEN s.complete_at ELSE $2::timestamptz END AS as_of
    FROM metrics.sprints s
   WHERE s.sprint_id = $1 AND s.start_at IS NOT NULL AND s.end_at IS NOT NULL AND s.end_at > s.start_at
),
clock AS (
  SELECT s.*,
         extract(epoch FROM s.end_at - s.start_at) / 86400 AS days_total,
         least(greatest(extract(epoch FROM s.as_of - s.start_at) / 86400, 0),
               extract(epoch FROM s.end_at - s.start_at) / 86400) AS days_elapsed
    FROM sprint s
),
blocked_pattern AS (
  SELECT value AS pattern FROM metrics.setting_values WHERE key = 'blocked_status_pattern'
),

-- The sprint's issues, with where each stands now -------------------------------------------
issue AS (
  SELECT si.*, metrics.seconds_until(si.blocked_spans, c.as_of) AS blocked_s,
         mi.current_status AS status, mi.current_stage AS stage_now, mi.stage_since, mi.summary AS title,
         coalesce(src.flagged, false)
           OR EXISTS (SELECT 1 FROM source.jira_flag_periods f WHERE f.issue_id = si.issue_id AND f.ended_at IS NULL) AS flagged,
         coalesce(mi.current_status ~* bp.pattern, false) AS blocking_status,
         CASE WHEN $4::text IS NOT NULL THEN $4::text || '/browse/' || si.key
              WHEN src.raw ->> 'self' ~ '^https?://' THEN regexp_replace(src.raw ->> 'self', '/rest/api/.*$', '') || '/browse/' || si.key
         END AS url
    FROM metrics.sprint_issues si
    JOIN clock c ON c.id = si.sprint_id
    CROSS JOIN blocked_pattern bp
    LEFT JOIN metrics.issues mi ON mi.issue_id = si.issue_id
    LEFT JOIN source.jira_issues src ON src.id = si.issue_id
),
-- Sprints an issue was carried out of, before this one.
carried AS (
  SELECT i.issue_id, count(*)::int AS times
    FROM issue i
    JOIN metrics.sprint_issues earlier ON earlier.issue_id = i.issue_id AND earlier.carried_over
    JOIN metrics.sprints es ON es.sprint_id = earlier.sprint_id
    CROSS JOIN clock c
   WHERE es.start_at < c.start_at
   GROUP BY i.issue_id
),
totals AS (
  SELECT count(*) FILTER (WHERE at_close)::int AS total_issues,
         coalesce(sum(points_at_close) FILTER (WHERE at_close), 0) AS total_points,
         count(*) FILTER (WHERE at_close AND points_at_close IS NULL)::int AS unestimated_issues,
         count(*) FILTER (WHERE at_close AND NOT completed AND stage_at_close IN ('active', 'waiting'))::int AS in_progress_issues,
         count(*) FILTER (WHERE at_close AND NOT completed AND coalesce(stage_at_close, 'todo') = 'todo')::int AS not_started_issues,
         count(*) FILTER (WHERE at_close AND NOT completed AND (flagged OR blocking_status))::int AS blocked_issues,
         count(*) FILTER (WHERE committed AND issue_id IN (SELECT issue_id FROM carried))::int AS carried_in_issues
    FROM issue
),
burn AS (
  SELECT t.*, c.committed_points, c.completed_points, c.days_total, c.days_elapsed,
         greatest(c.days_total - c.days_elapsed, 0) AS days_left,
         t.total_points - c.completed_points AS remaining_points,
         -- The ideal line runs from the committed points to zero, as in metrics.sprint_burndown.
         c.committed_points * greatest(c.days_total - c.days_elapsed, 0) / c.days_total AS ideal_remaining,
         CASE WHEN c.days_elapsed > 0 THEN c.completed_points / c.days_elapsed::numeric END AS rate
    FROM totals t CROSS JOIN clock c
),

-- Pull requests naming the sprint's issues ----------------------------------------------------
-- Each as it stood at as_of (for a closed sprint, its completion): open if opened by then and
-- not merged or closed by then, and only the reviews and commits made by then count.
linked AS (
  SELECT DISTINCT ON (p.pr_id) p.*, l.issue_key,
         coalesce(p.merged_at, p.closed_at, 'infinity') > c.as_of AS open_then,
         p.merged_at IS NOT NULL AND p.merged_at <= c.as_of AS merged_then,
         p.first_review_at IS NOT NULL AND p.first_review_at <= c.as_of AS reviewed_then
    FROM issue i
    CROSS JOIN clock c
    JOIN metrics.pr_issue_links l ON l.issue_key = i.key
    JOIN metrics.pull_requests p ON p.pr_id = l.pr_id
   WHERE i.at_close AND p.created_at <= c.as_of
   ORDER BY p.pr_id, l.issue_key
),
-- The latest verdict by as_of on each linked PR open then, and whether commits came after it.
verdicts AS (
  SELECT DISTINCT ON (r.pr_id) r.pr_id, r.state, r.submitted_at
    FROM metrics.reviews r JOIN linked l ON l.pr_id = r.pr_id CROSS JOIN clock c
   WHERE l.open_then AND r.state IN ('APPROVED', 'CHANGES_REQUESTED') AND r.submitted_at <= c.as_of
   ORDER BY r.pr_id, r.submitted_at DESC
),
-- Open linked PRs waiting: for a first review since they were ready, or for a new commit since
-- changes were requested. The facts list the longest waits and count them all.
waits AS (
  SELECT 'review' AS kind, w.pr_key, w.title, w.url, w.issue_key, w.ready_at AS since
    FROM linked w CROSS JOIN clock c
   WHERE w.open_then AND NOT w.is_draft AND NOT w.reviewed_then AND w.ready_at <= c.as_of
  UNION ALL
  SELECT 'changes', w.pr_key, w.title, w.url, w.issue_key, v.submitted_at
    FROM linked w
    JOIN verdicts v ON v.pr_id = w.pr_id AND v.state = 'CHANGES_REQUESTED'
    CROSS JOIN clock c
   WHERE NOT EXISTS (SELECT 1 FROM source.github_pr_commits pc
                      WHERE pc.pr_id = w.pr_id AND pc.committed_at > v.submitted_at AND pc.committed_at <= c.as_of)
),
wait_lists AS (
  SELECT x.kind, count(*)::int AS n,
         jsonb_agg(x.j ORDER BY x.hours DESC, x.key) FILTER (WHERE x.rank <= 10) AS longest
    FROM (SELECT w.kind, w.pr_key AS key, h.hours,
                 row_number() OVER (PARTITION BY w.kind ORDER BY h.hours DESC, w.pr_key) AS rank,
                 jsonb_build_object('key', w.pr_key, 'title', w.title, 'url', w.url, 'issue_key', w.issue_key,
                                    'hours_waiting', round(h.hours::numeric, 1)) AS j
            FROM waits w CROSS JOIN clock c
            CROSS JOIN LATERAL (SELECT extract(epoch FROM c.as_of - w.since) / 3600 AS hours) h) x
   GROUP BY x.kind
),
team_pickup AS (
  -- The team's usual pickup: the Delivery flow dashboard's, over the PRs merged in the last 90 days.
  SELECT s.pickup_p50_h AS hours
    FROM clock c CROSS JOIN LATERAL metrics.pr_flow_summary($3, c.as_of - interval '90 days', c.as_of) s
),

-- Where the median lead time's change came from: the repository that accounts for most of it
-- (the median's part of metrics.explanation) and the stage whose mean moved most (its stages),
-- both from one read of the two periods' pull requests.
lead_parts AS MATERIALIZED (
  SELECT e.part, e.item
    FROM clock c
    CROSS JOIN LATERAL metrics.explanation('lead_time', $3, c.as_of - interval '56 days', c.as_of - interval '28 days',
                                           c.as_of - interval '28 days', c.as_of, 'repo', ARRAY['median', 'stages']) e
),
lead_top AS (
  SELECT m.segment AS repo, m.contribution AS hours
    FROM lead_parts p CROSS JOIN LATERAL jsonb_to_record(p.item) AS m(segment text, contribution double precision)
   WHERE p.part = 'median' AND m.contribution IS NOT NULL AND m.segment <> 'other'
   ORDER BY abs(m.contribution) DESC, m.segment
   LIMIT 1
),
lead_stage AS (
  SELECT s.stage
    FROM lead_parts p CROSS JOIN LATERAL jsonb_to_record(p.item) AS s(stage text, change double precision)
   WHERE p.part = 'stages' AND s.change IS NOT NULL
   ORDER BY abs(s.change) DESC, s.stage
   LIMIT 1
),

-- The repository whose production deployments fell most, over the same 28 days.
deploy_fall AS (
  SELECT m.segment AS repo, m.rows_before - m.rows_after AS fewer
    FROM clock c
    CROSS JOIN LATERAL metrics.explain_segments('deployments', $3, c.as_of - interval '56 days', c.as_of - interval '28 days',
                                                c.as_of - interval '28 days', c.as_of, 'repo') m
   WHERE m.rows_before > m.rows_after
   ORDER BY m.rows_before - m.rows_after DESC, m.segment
   LIMIT 1
),

-- DORA of the team, the last 28 days and the 28 before ----------------------------------------
dora AS (
  SELECT now.deployments AS deployments_28d, prev.deployments AS deployments_prev_28d,
         now.change_fail_rate_pct AS cfr_now, prev.change_fail_rate_pct AS cfr_prev,
         now.lead_time_p50_h AS lead_now, prev.lead_time_p50_h AS lead_prev,
         now.recovery_p50_h AS recovery_now
    FROM clock c
    CROSS JOIN LATERAL metrics.dora_summary($3, c.as_of - interval '28 days', c.as_of) now
    CROSS JOIN LATERAL metrics.dora_summary($3, c.as_of - interval '56 days', c.as_of - interval '28 days') prev
)

SELECT jsonb_build_object(
  'sprint', jsonb_build_object(
    'id', c.id, 'name', c.name, 'goal', c.goal, 'team', $3::text, 'board_id', c.board_id, 'state', c.state,
    'start_at', c.start_at, 'end_at', c.end_at, 'complete_at', c.complete_at),
  'as_of', c.as_of,
  'time', jsonb_build_object(
    'days_total', round(c.days_total::numeric, 1),
    'days_elapsed', round(c.days_elapsed::numeric, 1),
    'days_left', round(greatest(c.days_total - c.days_elapsed, 0)::numeric, 1),
    'elapsed_pct', round((100 * c.days_elapsed / c.days_total)::numeric, 1)),
  'scope', (SELECT jsonb_build_object(
    'committed_issues', c.committed_issues, 'committed_points', c.committed_points,
    'added_issues', c.added_issues, 'added_points', c.added_points,
    'removed_issues', c.removed_issues, 'removed_points', c.removed_points,
    'scope_change_pct', round(c.scope_change_pct, 1),
    'reestimated_points', c.reestimated_points,
    'unestimated_issues', b.unestimated_issues) FROM burn b),
  'progress', (SELECT jsonb_build_object(
    'total_issues', b.total_issues, 'total_points', b.total_points,
    'completed_issues', c.completed_issues, 'completed_points', c.completed_points,
    'remaining_points', b.remaining_points,
    'completed_pct', round(100 * c.completed_points / nullif(b.total_points, 0), 1),
    'say_do_pct', round(c.say_do_pct, 1),
    'in_progress_issues', b.in_progress_issues, 'not_started_issues', b.not_started_issues,
    'blocked_issues', b.blocked_issues) FROM burn b),
  'burndown', (SELECT jsonb_build_object(
    'ideal_remaining_points', round(b.ideal_remaining::numeric, 1),
    'behind_ideal_points', round((b.remaining_points - b.ideal_remaining)::numeric, 1),
    'completion_rate_points_per_day', round(b.rate, 2),
    'projected_completion_at', CASE WHEN b.remaining_points <= 0 THEN c.as_of
                                    WHEN b.rate > 0 THEN c.as_of + (b.remaining_points / b.rate)::float8 * interval '1 day' END,
    'projected_remaining_at_end', CASE WHEN b.rate IS NOT NULL
                                       THEN round(greatest(b.remaining_points - b.rate * b.days_left::numeric, 0), 1) END) FROM burn b),
  'carry_over', jsonb_build_object(
    'carried_in_issues', (SELECT b.carried_in_issues FROM burn b),
    'carried_twice_or_more_issues', (SELECT count(*)::int FROM issue i JOIN carried cr ON cr.issue_id = i.issue_id
                                      WHERE i.at_close AND cr.times >= 2),
    'carried_twice_or_more', coalesce((
      SELECT jsonb_agg(jsonb_build_object('key', i.key, 'summary', i.title, 'url', i.url, 'sprints', cr.times + 1)
                       ORDER BY cr.times DESC, i.key)
        FROM issue i JOIN carried cr ON cr.issue_id = i.issue_id
       WHERE i.at_close AND cr.times >= 2), '[]'::jsonb)),
  'blocked', coalesce((
    SELECT jsonb_agg(x.j ORDER BY x.hours DESC, x.key)
      FROM (SELECT i.key, i.blocked_s / 3600 AS hours,
                   jsonb_build_object('key', i.key, 'summary', i.title, 'url', i.url, 'status', coalesce(i.status, ''),
                                      'blocked_hours', round((i.blocked_s / 3600)::numeric, 1), 'flagged', i.flagged) AS j
              FROM issue i
             WHERE i.at_close AND NOT i.completed AND (i.flagged OR i.blocking_status)
             ORDER BY hours DESC, i.key LIMIT 20) x), '[]'::jsonb),
  'aging', coalesce((
    SELECT jsonb_agg(x.j ORDER BY x.days DESC, x.key)
      FROM (SELECT i.key, extract(epoch FROM c.as_of - i.stage_since) / 86400 AS days,
                   jsonb_build_object('key', i.key, 'summary', i.title, 'url', i.url, 'status', coalesce(i.status, ''),
                                      'stage', i.stage_now,
                                      'days_in_stage', round((extract(epoch FROM c.as_of - i.stage_since) / 86400)::numeric, 1)) AS j
              FROM issue i
             WHERE i.at_close AND NOT i.completed AND i.stage_now IN ('active', 'waiting')
               AND c.as_of - i.stage_since >= interval '1 day'
             ORDER BY days DESC, i.key LIMIT 10) x), '[]'::jsonb),
  'not_started', coalesce((
    SELECT jsonb_agg(x.j ORDER BY x.points DESC NULLS LAST, x.key)
      FROM (SELECT i.key, i.points_at_close AS points,
                   jsonb_build_object('key', i.key, 'summary', i.title, 'url', i.url, 'points', i.points_at_close) AS j
              FROM issue i
             WHERE i.at_close AND NOT i.completed AND coalesce(i.stage_at_close, 'todo') = 'todo'
             ORDER BY i.points_at_close DESC NULLS LAST, i.key LIMIT 20) x), '[]'::jsonb),
  'added_after_start', coalesce((
    SELECT jsonb_agg(x.j ORDER BY x.added_at, x.key)
      FROM (SELECT i.key, i.added_at,
                   jsonb_build_object('key', i.key, 'summary', i.title, 'url', i.url, 'points', i.points_at_close,
                                      'added_at', i.added_at) AS j
              FROM issue i
             WHERE i.added
             ORDER BY i.added_at, i.key LIMIT 20) x), '[]'::jsonb),
  'pr_flow', (SELECT jsonb_build_object(
    'linked_prs', count(*)::int,
    'open_prs', count(*) FILTER (WHERE l.open_then)::int,
    'merged_prs', count(*) FILTER (WHERE l.merged_then)::int,
    'median_pickup_hours', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY l.pickup_s) FILTER (WHERE l.reviewed_then) / 3600)::numeric, 1),
    'median_review_hours', round((percentile_cont(0.5) WITHIN GROUP (ORDER BY l.review_s) FILTER (WHERE l.merged_then) / 3600)::numeric, 1),
    'team_median_pickup_hours', (SELECT round(tp.hours::numeric, 1) FROM team_pickup tp),
    -- The lists below hold the longest waits only; these count them all.
    'waiting_for_review_prs', coalesce((SELECT n FROM wait_lists WHERE kind = 'review'), 0),
    'changes_requested_prs', coalesce((SELECT n FROM wait_lists WHERE kind = 'changes'), 0),
    'waiting_for_review', coalesce((SELECT longest FROM wait_lists WHERE kind = 'review'), '[]'::jsonb),
    'changes_requested', coalesce((SELECT longest FROM wait_lists WHERE kind = 'changes'), '[]'::jsonb))
    FROM linked l),
  'dora', (SELECT jsonb_build_object(
    'window_days', 28,
    'deployments_28d', d.deployments_28d,
    'deployments_prev_28d', d.deployments_prev_28d,
    'change_fail_rate_pct_28d', d.cfr_now,
    'change_fail_rate_pct_prev_28d', d.cfr_prev,
    'lead_time_p50_hours_28d', round(d.lead_now::numeric, 1),
    'lead_time_p50_hours_prev_28d', round(d.lead_prev::numeric, 1),
    'recovery_p50_hours_28d', round(d.recovery_now::numeric, 1),
    'lead_time_change_top_repo', (SELECT repo FROM lead_top),
    'lead_time_change_top_repo_hours', (SELECT round(hours::numeric, 1) FROM lead_top),
    'lead_time_change_top_stage', (SELECT stage FROM lead_stage),
    'deployments_fall_top_repo', (SELECT repo FROM deploy_fall),
    'deployments_fall_top_repo_fewer', (SELECT fewer::int FROM deploy_fall)) FROM dora d)
) AS facts
FROM clock c
