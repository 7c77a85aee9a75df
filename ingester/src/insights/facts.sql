-- The fact sheet of one sprint (insights/facts.ts, `sprintFacts`) as one jsonb value.
--
-- Parameters
--   $1  sprint id
--   $2  as of: the instant an active (or future) sprint is described at; a closed sprint
--       is described at its completion whatever is passed
--   $3  team name (owner of the sprint's board)
--   $4  the team's GitHub repository ids (DORA, the team's usual review pickup)
--   $5  Jira base URL for issue links; NULL reads the site from each issue's payload
--   $6  options (jsonb): stages {status name: todo|active|waiting|done} overriding the
--       status category, bots [logins besides *[bot]], incident_types [..],
--       incident_labels [..], projects [the team's Jira project keys]
--
-- First version: reads the source tables (and metrics.deployments / deployment_changes)
-- directly. Each section names the metrics view that should replace it once it exists,
-- so the definitions live in one place (METRICS.md, "Sprints" and "Sprint Health").
-- Timestamps come out in the session's time zone: run it with TimeZone = UTC.

WITH
opts AS (
  SELECT coalesce($6::jsonb -> 'stages', '{}'::jsonb) AS stages,
         ARRAY(SELECT jsonb_array_elements_text(coalesce($6::jsonb -> 'bots', '[]'))) AS bots,
         ARRAY(SELECT jsonb_array_elements_text(coalesce($6::jsonb -> 'incident_types', '["Incident"]'))) AS incident_types,
         ARRAY(SELECT jsonb_array_elements_text(coalesce($6::jsonb -> 'incident_labels', '["incident"]'))) AS incident_labels,
         ARRAY(SELECT jsonb_array_elements_text(coalesce($6::jsonb -> 'projects', '[]'))) AS projects,
         coalesce((SELECT value::numeric FROM metrics.setting_values WHERE key = 'attribution_window_hours'), 72)
           * interval '1 hour' AS attribution_window
),

-- The sprint and the instant it is described at ------------------------------------------
sprint AS (
  SELECT s.id, s.name, nullif(s.goal, '') AS goal, s.board_id, s.state, s.start_at, s.end_at, s.complete_at,
         CASE WHEN s.state = 'closed' AND s.complete_at IS NOT NULL THEN s.complete_at ELSE $2::timestamptz END AS as_of
    FROM source.jira_sprints s
   WHERE s.id = $1 AND s.start_at IS NOT NULL AND s.end_at IS NOT NULL AND s.end_at > s.start_at
),
clock AS (
  SELECT s.*,
         extract(epoch FROM s.end_at - s.start_at) / 86400 AS days_total,
         least(greatest(extract(epoch FROM s.as_of - s.start_at) / 86400, 0),
               extract(epoch FROM s.end_at - s.start_at) / 86400) AS days_elapsed
    FROM sprint s
),

-- Status → stage (later: metrics.status_stages, with the organisation's overrides) --------
statuses AS (
  SELECT st.id, st.name,
         coalesce((SELECT o.stages ->> st.name FROM opts o),
                  CASE st.category_key WHEN 'indeterminate' THEN 'active' WHEN 'done' THEN 'done' ELSE 'todo' END) AS stage,
         st.name ~* '(block|imped|on.?hold)' AS blocking
    FROM source.jira_statuses st
),

-- Sprint membership (later: metrics.sprint_issues) ------------------------------------------
--   at_start: in the sprint at its start (committed); at_now: in it at as_of;
--   added_at: first stay starting after the start; removed_at: last stay ending before as_of
member AS (
  SELECT i.id AS issue_id, i.key, i.summary, i.created_at, i.raw ->> 'self' AS self,
         bool_or(m.added_at <= c.start_at AND (m.removed_at IS NULL OR m.removed_at > c.start_at)) AS at_start,
         bool_or(m.added_at <= c.as_of AND (m.removed_at IS NULL OR m.removed_at > c.as_of)) AS at_now,
         min(m.added_at) FILTER (WHERE m.added_at > c.start_at) AS added_at,
         max(m.removed_at) FILTER (WHERE m.removed_at > c.start_at AND m.removed_at <= c.as_of) AS removed_at
    FROM clock c
    JOIN source.jira_sprint_memberships m ON m.sprint_id = c.id AND m.added_at <= c.as_of
    JOIN source.jira_issues i ON i.id = m.issue_id
   GROUP BY i.id, i.key, i.summary, i.created_at, i.raw ->> 'self'
),
issue AS (
  SELECT m.*,
         m.added_at IS NOT NULL AND NOT m.at_start AS added,
         (m.at_start OR m.added_at IS NOT NULL) AND NOT m.at_now AS removed,
         CASE WHEN $5::text IS NOT NULL THEN $5::text || '/browse/' || m.key
              WHEN m.self ~ '^https?://' THEN regexp_replace(m.self, '/rest/api/.*$', '') || '/browse/' || m.key
         END AS url,
         pt_start.points AS points_start,
         pt_added.points AS points_added,
         pt_removed.points AS points_removed,
         pt_now.points AS points_now,
         now_status.name AS status, coalesce(now_status.stage, 'todo') AS stage,
         coalesce(now_status.blocking, false) AS blocking_status,
         coalesce(now_status.stage = 'done', false) AS done,
         EXISTS (SELECT 1 FROM source.jira_flag_periods f
                  WHERE f.issue_id = m.issue_id AND f.started_at <= c.as_of AND (f.ended_at IS NULL OR f.ended_at > c.as_of)) AS flagged,
         coalesce((SELECT max(p.ended_at)
                     FROM source.jira_status_periods p JOIN statuses x ON x.id = p.status_id
                    WHERE p.issue_id = m.issue_id AND p.ended_at <= c.as_of AND x.stage IS DISTINCT FROM now_status.stage),
                  m.created_at) AS stage_since
    FROM member m
    CROSS JOIN clock c
    LEFT JOIN LATERAL (SELECT e.points FROM source.jira_point_estimates e
                        WHERE e.issue_id = m.issue_id AND e.started_at <= c.start_at
                          AND (e.ended_at IS NULL OR e.ended_at > c.start_at) LIMIT 1) pt_start ON true
    LEFT JOIN LATERAL (SELECT e.points FROM source.jira_point_estimates e
                        WHERE e.issue_id = m.issue_id AND e.started_at <= m.added_at
                          AND (e.ended_at IS NULL OR e.ended_at > m.added_at) LIMIT 1) pt_added ON true
    LEFT JOIN LATERAL (SELECT e.points FROM source.jira_point_estimates e
                        WHERE e.issue_id = m.issue_id AND e.started_at < m.removed_at
                          AND (e.ended_at IS NULL OR e.ended_at >= m.removed_at) LIMIT 1) pt_removed ON true
    LEFT JOIN LATERAL (SELECT e.points FROM source.jira_point_estimates e
                        WHERE e.issue_id = m.issue_id AND e.started_at <= c.as_of
                          AND (e.ended_at IS NULL OR e.ended_at > c.as_of) LIMIT 1) pt_now ON true
    LEFT JOIN LATERAL (SELECT x.name, x.stage, x.blocking
                         FROM source.jira_status_periods p JOIN statuses x ON x.id = p.status_id
                        WHERE p.issue_id = m.issue_id AND p.started_at <= c.as_of
                          AND (p.ended_at IS NULL OR p.ended_at > c.as_of)
                        ORDER BY p.seq DESC LIMIT 1) now_status ON true
   WHERE m.at_start OR m.at_now OR m.added_at IS NOT NULL
),

-- Blocked time inside the sprint: flagged or in a blocking status, overlaps counted once --
blocked_spans AS (
  SELECT b.issue_id,
         range_agg(tstzrange(b.f, coalesce(b.t, 'infinity'::timestamptz)))
           * tstzmultirange(tstzrange(c.start_at, c.as_of)) AS spans
    FROM (SELECT f.issue_id, f.started_at AS f, f.ended_at AS t FROM source.jira_flag_periods f
          UNION ALL
          SELECT p.issue_id, p.started_at, p.ended_at
            FROM source.jira_status_periods p JOIN statuses x ON x.id = p.status_id
           WHERE x.blocking) b
    JOIN issue i ON i.issue_id = b.issue_id AND i.at_now
    CROSS JOIN clock c
   WHERE b.f < c.as_of AND (b.t IS NULL OR b.t > b.f)
   GROUP BY b.issue_id, c.start_at, c.as_of
),
blocked_time AS (
  SELECT s.issue_id,
         (SELECT coalesce(sum(extract(epoch FROM upper(r) - lower(r))), 0) / 3600 FROM unnest(s.spans) AS r) AS hours
    FROM blocked_spans s
),

-- Carry-over (later: metrics.sprint_carry_over): earlier closed sprints each issue was
-- still in, unfinished, when they closed --------------------------------------------------
carried AS (
  SELECT i.issue_id, count(DISTINCT o.id)::int AS times
    FROM issue i
    CROSS JOIN clock c
    JOIN source.jira_sprint_memberships om ON om.issue_id = i.issue_id AND om.sprint_id <> c.id
    JOIN source.jira_sprints o ON o.id = om.sprint_id
   WHERE o.state = 'closed' AND o.start_at < c.start_at AND o.complete_at <= c.as_of
     AND om.added_at <= o.complete_at AND (om.removed_at IS NULL OR om.removed_at > o.complete_at)
     AND NOT coalesce((SELECT x.stage = 'done'
                         FROM source.jira_status_periods p JOIN statuses x ON x.id = p.status_id
                        WHERE p.issue_id = i.issue_id AND p.started_at <= o.complete_at
                          AND (p.ended_at IS NULL OR p.ended_at > o.complete_at)
                        ORDER BY p.seq DESC LIMIT 1), false)
   GROUP BY i.issue_id
),

-- Totals (later: metrics.sprint_report) ---------------------------------------------------
totals AS (
  SELECT count(*) FILTER (WHERE i.at_start)::int AS committed_issues,
         coalesce(sum(i.points_start) FILTER (WHERE i.at_start), 0) AS committed_points,
         count(*) FILTER (WHERE i.added)::int AS added_issues,
         coalesce(sum(i.points_added) FILTER (WHERE i.added), 0) AS added_points,
         count(*) FILTER (WHERE i.removed)::int AS removed_issues,
         coalesce(sum(i.points_removed) FILTER (WHERE i.removed), 0) AS removed_points,
         coalesce(sum(coalesce(i.points_now, 0) - coalesce(CASE WHEN i.at_start THEN i.points_start ELSE i.points_added END, 0))
                    FILTER (WHERE i.at_now), 0) AS reestimated_points,
         count(*) FILTER (WHERE i.at_now AND i.points_now IS NULL)::int AS unestimated_issues,
         count(*) FILTER (WHERE i.at_now)::int AS total_issues,
         coalesce(sum(i.points_now) FILTER (WHERE i.at_now), 0) AS total_points,
         count(*) FILTER (WHERE i.at_now AND i.done)::int AS completed_issues,
         coalesce(sum(i.points_now) FILTER (WHERE i.at_now AND i.done), 0) AS completed_points,
         coalesce(sum(i.points_start) FILTER (WHERE i.at_start AND i.at_now AND i.done), 0) AS completed_committed_points,
         count(*) FILTER (WHERE i.at_now AND NOT i.done AND i.stage IN ('active', 'waiting'))::int AS in_progress_issues,
         count(*) FILTER (WHERE i.at_now AND NOT i.done AND i.stage = 'todo')::int AS not_started_issues,
         count(*) FILTER (WHERE i.at_start AND coalesce(cr.times, 0) >= 1)::int AS carried_in_issues
    FROM issue i
    LEFT JOIN carried cr ON cr.issue_id = i.issue_id
),
burn AS (
  SELECT t.*, c.days_total, c.days_elapsed, greatest(c.days_total - c.days_elapsed, 0) AS days_left,
         t.total_points - t.completed_points AS remaining_points,
         t.total_points * greatest(c.days_total - c.days_elapsed, 0) / c.days_total AS ideal_remaining,
         CASE WHEN c.days_elapsed > 0 THEN t.completed_points / c.days_elapsed::numeric END AS rate
    FROM totals t CROSS JOIN clock c
),

-- Pull requests linked to the sprint's issues (later: metrics.pr_flow + metrics.pr_issue_links)
bots AS (
  SELECT login FROM metrics.setting_bots
  UNION SELECT unnest(o.bots) FROM opts o
),
links AS (
  SELECT r.pr_id, min(i.key) AS issue_key
    FROM source.github_pr_issue_refs r
    JOIN issue i ON i.key = r.issue_key AND i.at_now
   GROUP BY r.pr_id
),
pr_base AS (
  SELECT p.id, p.repo_id, p.author_login, p.title,
         coalesce(p.raw ->> 'url', (rp.raw ->> 'html_url') || '/pull/' || p.number) AS url,
         p.created_at, p.merged_at, p.closed_at,
         rp.owner || '/' || rp.name || '#' || p.number AS key,
         CASE WHEN p.ready_at IS NOT NULL THEN p.ready_at WHEN p.is_draft THEN NULL ELSE p.created_at END AS ready_at
    FROM source.github_pull_requests p
    JOIN source.github_repos rp ON rp.id = p.repo_id
),
reviews AS (  -- reviews by someone other than the author, bots excluded
  SELECT v.pr_id, v.state, v.submitted_at
    FROM source.github_pr_reviews v
    JOIN pr_base p ON p.id = v.pr_id
   WHERE v.submitted_at IS NOT NULL AND v.author_login IS NOT NULL
     AND v.author_login IS DISTINCT FROM p.author_login
     AND v.author_login !~ '\[bot\]$' AND v.author_login NOT IN (SELECT login FROM bots)
),
linked AS (
  SELECT p.*, l.issue_key,
         CASE WHEN p.merged_at <= c.as_of THEN 'merged' WHEN p.closed_at <= c.as_of THEN 'closed' ELSE 'open' END AS state_then,
         p.ready_at IS NOT NULL AND p.ready_at <= c.as_of AS ready_then,
         (SELECT min(v.submitted_at) FROM reviews v WHERE v.pr_id = p.id AND v.submitted_at <= c.as_of) AS first_review_at,
         (SELECT v.submitted_at FROM reviews v
           WHERE v.pr_id = p.id AND v.submitted_at <= c.as_of AND v.state IN ('APPROVED', 'CHANGES_REQUESTED')
           ORDER BY v.submitted_at DESC LIMIT 1) AS verdict_at,
         (SELECT v.state FROM reviews v
           WHERE v.pr_id = p.id AND v.submitted_at <= c.as_of AND v.state IN ('APPROVED', 'CHANGES_REQUESTED')
           ORDER BY v.submitted_at DESC LIMIT 1) AS verdict,
         (SELECT max(pc.committed_at) FROM source.github_pr_commits pc
           WHERE pc.pr_id = p.id AND pc.committed_at <= c.as_of) AS last_commit_at
    FROM links l
    JOIN pr_base p ON p.id = l.pr_id
    CROSS JOIN clock c
   WHERE p.created_at <= c.as_of
),
team_pickup AS (
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM fr.at - p.ready_at) / 3600) AS hours
    FROM pr_base p
    CROSS JOIN clock c
    CROSS JOIN LATERAL (SELECT min(v.submitted_at) AS at FROM reviews v WHERE v.pr_id = p.id) fr
   WHERE p.repo_id = ANY ($4::text[]) AND p.ready_at IS NOT NULL
     AND fr.at > c.as_of - interval '90 days' AND fr.at <= c.as_of AND fr.at >= p.ready_at
),

-- DORA of the team's repositories, last 28 days and the 28 before (later: metrics.dora_*).
-- A deployment failed when, within the attribution window and before the repository's
-- next deployment, it was rolled back, a PR it shipped was reverted, a hotfix was merged,
-- or an incident was opened in the team's projects.
dep AS (
  SELECT d.id, d.repo_id, d.finished_at, d.position, d.baseline,
         lead(d.finished_at) OVER w AS next_at,
         lead(d.position) OVER w AS next_position
    FROM metrics.deployments d
    CROSS JOIN clock c
   WHERE d.repo_id = ANY ($4::text[]) AND d.finished_at <= c.as_of
  WINDOW w AS (PARTITION BY d.repo_id ORDER BY d.finished_at, d.id)
),
dep_window AS (
  SELECT d.*, least(coalesce(d.next_at, 'infinity'::timestamptz), d.finished_at + o.attribution_window, c.as_of) AS watch_until,
         CASE WHEN d.finished_at > c.as_of - interval '28 days' THEN 'now' ELSE 'prev' END AS period
    FROM dep d CROSS JOIN clock c CROSS JOIN opts o
   WHERE d.finished_at > c.as_of - interval '56 days'
),
dep_failed AS (
  SELECT d.*,
         (NOT d.baseline AND (
            coalesce(d.next_at <= d.watch_until AND d.next_position < d.position, false)
            OR EXISTS (SELECT 1
                         FROM metrics.deployment_changes dc
                         JOIN source.github_pull_requests shipped ON shipped.id = dc.pr_id
                         JOIN source.github_pull_requests rv ON rv.repo_id = shipped.repo_id AND rv.reverts_number = shipped.number
                        WHERE dc.deployment_id = d.id AND rv.merged_at > d.finished_at AND rv.merged_at <= d.watch_until)
            OR EXISTS (SELECT 1 FROM source.github_pull_requests hf
                        WHERE hf.repo_id = d.repo_id AND hf.merged_at > d.finished_at AND hf.merged_at <= d.watch_until
                          AND ((SELECT value FROM metrics.setting_values WHERE key = 'hotfix_label') = ANY (hf.labels)
                               OR hf.head_ref ~* (SELECT value FROM metrics.setting_values WHERE key = 'hotfix_branch_pattern')))
            OR EXISTS (SELECT 1 FROM source.jira_issues inc CROSS JOIN opts o
                        WHERE inc.project_key = ANY (o.projects)
                          AND (inc.issue_type = ANY (o.incident_types) OR inc.labels && o.incident_labels)
                          AND inc.created_at > d.finished_at AND inc.created_at <= d.watch_until)
         )) AS failed,
         (SELECT max(inc.resolved_at) FROM source.jira_issues inc CROSS JOIN opts o
           WHERE inc.project_key = ANY (o.projects)
             AND (inc.issue_type = ANY (o.incident_types) OR inc.labels && o.incident_labels)
             AND inc.created_at > d.finished_at AND inc.created_at <= d.watch_until) AS incident_resolved_at
    FROM dep_window d
),
lead_times AS (
  SELECT d.period, extract(epoch FROM dc.deployed_at - fc.first_commit_at) / 3600 AS hours
    FROM dep_window d
    JOIN metrics.deployment_changes dc ON dc.deployment_id = d.id
    CROSS JOIN LATERAL (SELECT min(pc.authored_at) AS first_commit_at FROM source.github_pr_commits pc WHERE pc.pr_id = dc.pr_id) fc
   WHERE fc.first_commit_at IS NOT NULL
),
dora AS (
  SELECT count(*) FILTER (WHERE period = 'now')::int AS deployments_28d,
         count(*) FILTER (WHERE period = 'prev')::int AS deployments_prev_28d,
         100.0 * count(*) FILTER (WHERE period = 'now' AND failed) / nullif(count(*) FILTER (WHERE period = 'now' AND NOT baseline), 0) AS cfr_now,
         100.0 * count(*) FILTER (WHERE period = 'prev' AND failed) / nullif(count(*) FILTER (WHERE period = 'prev' AND NOT baseline), 0) AS cfr_prev,
         (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FROM lead_times WHERE period = 'now') AS lead_now,
         (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FROM lead_times WHERE period = 'prev') AS lead_prev,
         percentile_cont(0.5) WITHIN GROUP (
           ORDER BY extract(epoch FROM greatest(next_at, coalesce(incident_resolved_at, next_at)) - finished_at) / 3600)
           FILTER (WHERE period = 'now' AND failed AND next_at IS NOT NULL) AS recovery_now
    FROM dep_failed
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
    'committed_issues', b.committed_issues, 'committed_points', b.committed_points,
    'added_issues', b.added_issues, 'added_points', b.added_points,
    'removed_issues', b.removed_issues, 'removed_points', b.removed_points,
    'scope_change_pct', round(100 * (b.added_points + b.removed_points) / nullif(b.committed_points, 0), 1),
    'reestimated_points', b.reestimated_points,
    'unestimated_issues', b.unestimated_issues) FROM burn b),
  'progress', (SELECT jsonb_build_object(
    'total_issues', b.total_issues, 'total_points', b.total_points,
    'completed_issues', b.completed_issues, 'completed_points', b.completed_points,
    'remaining_points', b.remaining_points,
    'completed_pct', round(100 * b.completed_points / nullif(b.total_points, 0), 1),
    'say_do_pct', round(100 * b.completed_committed_points / nullif(b.committed_points, 0), 1),
    'in_progress_issues', b.in_progress_issues, 'not_started_issues', b.not_started_issues) FROM burn b),
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
    'carried_twice_or_more', coalesce((
      SELECT jsonb_agg(jsonb_build_object('key', i.key, 'summary', i.summary, 'url', i.url, 'sprints', cr.times + 1)
                       ORDER BY cr.times DESC, i.key)
        FROM issue i JOIN carried cr ON cr.issue_id = i.issue_id
       WHERE i.at_now AND cr.times >= 2), '[]'::jsonb)),
  'blocked', coalesce((
    SELECT jsonb_agg(x.j ORDER BY x.hours DESC, x.key)
      FROM (SELECT i.key, coalesce(bt.hours, 0) AS hours,
                   jsonb_build_object('key', i.key, 'summary', i.summary, 'url', i.url, 'status', coalesce(i.status, ''),
                                      'blocked_hours', round(coalesce(bt.hours, 0)::numeric, 1), 'flagged', i.flagged) AS j
              FROM issue i LEFT JOIN blocked_time bt ON bt.issue_id = i.issue_id
             WHERE i.at_now AND NOT i.done AND (i.flagged OR i.blocking_status)
             ORDER BY hours DESC, i.key LIMIT 20) x), '[]'::jsonb),
  'aging', coalesce((
    SELECT jsonb_agg(x.j ORDER BY x.days DESC, x.key)
      FROM (SELECT i.key, extract(epoch FROM c.as_of - i.stage_since) / 86400 AS days,
                   jsonb_build_object('key', i.key, 'summary', i.summary, 'url', i.url, 'status', coalesce(i.status, ''),
                                      'stage', i.stage,
                                      'days_in_stage', round((extract(epoch FROM c.as_of - i.stage_since) / 86400)::numeric, 1)) AS j
              FROM issue i
             WHERE i.at_now AND NOT i.done AND i.stage IN ('active', 'waiting')
               AND c.as_of - i.stage_since >= interval '1 day'
             ORDER BY days DESC, i.key LIMIT 10) x), '[]'::jsonb),
  'not_started', coalesce((
    SELECT jsonb_agg(x.j ORDER BY x.points DESC NULLS LAST, x.key)
      FROM (SELECT i.key, i.points_now AS points,
                   jsonb_build_object('key', i.key, 'summary', i.summary, 'url', i.url, 'points', i.points_now) AS j
              FROM issue i
             WHERE i.at_now AND NOT i.done AND i.stage = 'todo'
             ORDER BY i.points_now DESC NULLS LAST, i.key LIMIT 20) x), '[]'::jsonb),
  'added_after_start', coalesce((
    SELECT jsonb_agg(x.j ORDER BY x.added_at, x.key)
      FROM (SELECT i.key, i.added_at,
                   jsonb_build_object('key', i.key, 'summary', i.summary, 'url', i.url, 'points', i.points_added,
                                      'added_at', i.added_at) AS j
              FROM issue i
             WHERE i.added
             ORDER BY i.added_at, i.key LIMIT 20) x), '[]'::jsonb),
  'pr_flow', (SELECT jsonb_build_object(
    'linked_prs', count(*)::int,
    'open_prs', count(*) FILTER (WHERE l.state_then = 'open')::int,
    'merged_prs', count(*) FILTER (WHERE l.state_then = 'merged')::int,
    'median_pickup_hours', round((percentile_cont(0.5) WITHIN GROUP (
        ORDER BY extract(epoch FROM l.first_review_at - l.ready_at) / 3600)
        FILTER (WHERE l.first_review_at >= l.ready_at))::numeric, 1),
    'median_review_hours', round((percentile_cont(0.5) WITHIN GROUP (
        ORDER BY extract(epoch FROM l.merged_at - l.first_review_at) / 3600)
        FILTER (WHERE l.state_then = 'merged' AND l.first_review_at IS NOT NULL))::numeric, 1),
    'team_median_pickup_hours', (SELECT round(tp.hours::numeric, 1) FROM team_pickup tp),
    'waiting_for_review', coalesce((
      SELECT jsonb_agg(x.j ORDER BY x.hours DESC, x.key)
        FROM (SELECT w.key, extract(epoch FROM c.as_of - w.ready_at) / 3600 AS hours,
                     jsonb_build_object('key', w.key, 'title', w.title, 'url', w.url, 'issue_key', w.issue_key,
                                        'hours_waiting', round((extract(epoch FROM c.as_of - w.ready_at) / 3600)::numeric, 1)) AS j
                FROM linked w
               WHERE w.state_then = 'open' AND w.ready_then AND w.first_review_at IS NULL
               ORDER BY hours DESC, w.key LIMIT 10) x), '[]'::jsonb),
    'changes_requested', coalesce((
      SELECT jsonb_agg(x.j ORDER BY x.hours DESC, x.key)
        FROM (SELECT w.key, extract(epoch FROM c.as_of - w.verdict_at) / 3600 AS hours,
                     jsonb_build_object('key', w.key, 'title', w.title, 'url', w.url, 'issue_key', w.issue_key,
                                        'hours_waiting', round((extract(epoch FROM c.as_of - w.verdict_at) / 3600)::numeric, 1)) AS j
                FROM linked w
               WHERE w.state_then = 'open' AND w.verdict = 'CHANGES_REQUESTED'
                 AND (w.last_commit_at IS NULL OR w.last_commit_at <= w.verdict_at)
               ORDER BY hours DESC, w.key LIMIT 10) x), '[]'::jsonb))
    FROM linked l),
  'dora', (SELECT jsonb_build_object(
    'deployments_28d', d.deployments_28d,
    'deployments_prev_28d', d.deployments_prev_28d,
    'change_fail_rate_pct_28d', round(d.cfr_now, 1),
    'change_fail_rate_pct_prev_28d', round(d.cfr_prev, 1),
    'lead_time_p50_hours_28d', round(d.lead_now::numeric, 1),
    'lead_time_p50_hours_prev_28d', round(d.lead_prev::numeric, 1),
    'recovery_p50_hours_28d', round(d.recovery_now::numeric, 1)) FROM dora d)
) AS facts
FROM clock c
