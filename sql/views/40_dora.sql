-- DORA's five metrics: each deployment's outcome and the evidence of its failure, daily and
-- weekly rollups per team (weeks start on Monday, ISO; days are UTC), and the rows behind
-- each number (validate_*, the drill-downs). Definitions: docs/metrics.md.

-- Deployments that failed, and how each was put right ---------------------------------------
-- A deployment failed if, within the attribution window after it finished:
--   rollback : the next deployment of the repository deployed an older sha
--   revert   : a merged PR reverted one of the PRs it shipped
--   hotfix   : a hotfix PR (label or branch) was opened while it was the latest deployment, and deployed
--   incident : an incident of its teams' projects started while it was their latest deployment
-- Service is restored by the deployment carrying the rollback, revert or fix, or at the
-- incident's resolution when that is later (an unresolved incident is not recovered).
-- Two kept tables (metrics/refresh.ts): the signals a repository holds of its own (rollbacks,
-- reverts, hotfixes), read again repository by repository, and the incidents, read again incident
-- by incident (an incident's deployment is chosen among all its teams' repositories).
CREATE FUNCTION metrics.deployment_failure_signals_rows(scope_repo_id text[])
RETURNS TABLE (deployment_id text, repo_id text, finished_at timestamptz, kind text, evidence text,
               signal_at timestamptz, restored_by text, restored_at timestamptz, within_window boolean)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH win AS (
  SELECT (value::numeric * interval '1 hour') AS win FROM metrics.setting_values WHERE key = 'attribution_window_hours'
), rollbacks AS (
  SELECT prev.id AS deployment_id, 'rollback'::text AS kind, cur.id AS evidence,
         cur.finished_at AS signal_at, cur.id AS restored_by, cur.finished_at AS restored_at
    FROM metrics.deployments cur
    JOIN metrics.deployments prev ON prev.repo_id = cur.repo_id AND prev.seq = cur.seq - 1
   WHERE cur.position < cur.previous_position AND (scope_repo_id IS NULL OR cur.repo_id = ANY (scope_repo_id))
), reverts AS (
  SELECT x.deployment_id, 'revert', rv.pr_key, rv.merged_at, rv.deployment_id, rv.deployed_at
    FROM metrics.pull_requests rv
    JOIN metrics.pull_requests x ON x.repo_id = rv.repo_id AND x.number = rv.reverts_number
   WHERE rv.is_revert AND x.deployment_id IS NOT NULL AND rv.merged_at > x.deployed_at
     AND (scope_repo_id IS NULL OR rv.repo_id = ANY (scope_repo_id))
), hotfixes AS (
  SELECT bad.id, 'hotfix', h.pr_key, h.created_at, h.deployment_id, h.deployed_at
    FROM metrics.pull_requests h
    CROSS JOIN LATERAL (
      SELECT d.id FROM metrics.deployments d
       WHERE d.repo_id = h.repo_id AND d.finished_at < h.created_at
       ORDER BY d.finished_at DESC LIMIT 1) bad
   WHERE h.is_hotfix AND h.deployment_id IS NOT NULL AND (scope_repo_id IS NULL OR h.repo_id = ANY (scope_repo_id))
), evidence AS (
  SELECT * FROM rollbacks
  UNION ALL SELECT * FROM reverts
  UNION ALL SELECT * FROM hotfixes
)
SELECT e.deployment_id, d.repo_id, d.finished_at, e.kind, e.evidence, e.signal_at, e.restored_by, e.restored_at,
       e.signal_at - d.finished_at <= (SELECT win FROM win) AS within_window
  FROM evidence e
  -- Each signal's deployment is of the repository it was read in.
  JOIN metrics.deployments d ON d.id = e.deployment_id AND (scope_repo_id IS NULL OR d.repo_id = ANY (scope_repo_id));
END;

-- The repositories whose deployments, or whose pull requests in what a signal reads, came out
-- different in this refresh.
CREATE FUNCTION metrics.deployment_failure_signals_scope(since pg_snapshot, run bigint)
RETURNS text[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT CASE WHEN metrics.refresh_rewrote_all(run, 'deployments') OR metrics.refresh_rewrote_all(run, 'pull_requests')
              THEN NULL
              ELSE coalesce((SELECT array_agg(DISTINCT x ->> 'repo_id') FROM (
                SELECT d.row AS x FROM ops.refresh_diffs d WHERE d.run = deployment_failure_signals_scope.run AND d.table_name = 'deployments'
                UNION ALL
                SELECT * FROM metrics.refresh_changed_rows(run, 'pull_requests', 'pr_id',
                  ARRAY['repo_id', 'number', 'pr_key', 'is_revert', 'reverts_number', 'is_hotfix', 'created_at', 'merged_at',
                        'deployment_id', 'deployed_at'])) c), '{}') END;
END;

CREATE TABLE metrics.deployment_failure_signals AS SELECT * FROM metrics.deployment_failure_signals_rows(NULL);
CREATE UNIQUE INDEX deployment_failure_signals_key ON metrics.deployment_failure_signals (deployment_id, kind, evidence);
CREATE INDEX deployment_failure_signals_repo ON metrics.deployment_failure_signals (repo_id);

CREATE FUNCTION metrics.deployment_failure_incidents_rows(scope_issue_id text[])
RETURNS TABLE (issue_id text, deployment_id text, repo_id text, finished_at timestamptz, kind text, evidence text,
               signal_at timestamptz, restored_by text, restored_at timestamptz, within_window boolean)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH win AS (
  SELECT (value::numeric * interval '1 hour') AS win FROM metrics.setting_values WHERE key = 'attribution_window_hours'
), incidents AS (
  SELECT i.* FROM metrics.incident_issues i WHERE scope_issue_id IS NULL OR i.issue_id = ANY (scope_issue_id)
), incident_repos AS (
  SELECT DISTINCT i.issue_id, tr.repo_id
    FROM incidents i
    JOIN metrics.team_projects tp ON tp.project_key = i.project_key
    JOIN metrics.team_repos tr ON tr.team = tp.team
), incident_bad AS (
  -- The latest deployment of the incident's teams' repositories before it started.
  SELECT DISTINCT ON (i.issue_id) i.issue_id, i.key, i.started_at, i.resolved_at, d.id AS deployment_id
    FROM incidents i
    JOIN incident_repos ir ON ir.issue_id = i.issue_id
    CROSS JOIN LATERAL (
      SELECT d.id, d.finished_at FROM metrics.deployments d
       WHERE d.repo_id = ir.repo_id AND d.finished_at <= i.started_at
       ORDER BY d.finished_at DESC LIMIT 1) d
   ORDER BY i.issue_id, d.finished_at DESC
), incident_fix AS (
  -- The first deployment of a pull request naming the incident.
  SELECT DISTINCT ON (i.issue_id) i.issue_id, p.deployment_id, p.deployed_at
    FROM incidents i
    JOIN metrics.pr_issue_links l ON l.issue_key = i.key
    JOIN metrics.pull_requests p ON p.pr_id = l.pr_id
   WHERE p.deployed_at >= i.started_at
   ORDER BY i.issue_id, p.deployed_at
)
SELECT b.issue_id, b.deployment_id, d.repo_id, d.finished_at, 'incident'::text, b.key, b.started_at, f.deployment_id,
       CASE WHEN b.resolved_at IS NOT NULL THEN greatest(f.deployed_at, b.resolved_at) END,
       b.started_at - d.finished_at <= (SELECT win FROM win)
  FROM incident_bad b
  LEFT JOIN incident_fix f ON f.issue_id = b.issue_id
  JOIN metrics.deployments d ON d.id = b.deployment_id;
END;

-- The incidents a change can reach: the issues written (or whose status periods were); those of
-- a team whose repository's deployments changed from time T on that started at T or later (the
-- deployment before each is as it was otherwise); those named by a pull request whose shipping
-- or keys came out different. NULL: all of them.
CREATE FUNCTION metrics.deployment_failure_incidents_scope(since pg_snapshot, run bigint)
RETURNS text[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  WITH changes AS (
    SELECT table_name, issue_ids FROM metrics.refresh_changes(since, ARRAY['jira_issues', 'jira_status_periods'])
  ), moved AS (
    SELECT k AS repo_id, since_at FROM metrics.refresh_changed_since(run, 'deployments', 'repo_id', 'finished_at')
  ), keys AS (
    SELECT jsonb_array_elements_text(x -> 'issue_keys') AS key
      FROM metrics.refresh_changed_rows(run, 'pull_requests', 'pr_id', ARRAY['issue_keys', 'deployment_id', 'deployed_at']) x
  ), incidents AS MATERIALIZED (
    -- Read once: joined to the changed rows (which the planner cannot count), the incidents, a
    -- view over every issue, were read again for each of them (2 s at 300,000 issues).
    SELECT i.issue_id, i.key, i.project_key, i.started_at FROM metrics.incident_issues i
  ), ids AS (
    SELECT k.issue_id FROM changes c CROSS JOIN LATERAL unnest(c.issue_ids) k (issue_id)
    UNION
    SELECT i.issue_id FROM incidents i
      JOIN metrics.team_projects tp ON tp.project_key = i.project_key
      JOIN metrics.team_repos tr ON tr.team = tp.team
      JOIN moved m ON m.repo_id = tr.repo_id
     WHERE m.since_at IS NULL OR i.started_at >= m.since_at
    UNION
    SELECT i.issue_id FROM incidents i WHERE i.key IN (SELECT key FROM keys)
  )
  SELECT CASE WHEN EXISTS (SELECT 1 FROM changes WHERE issue_ids IS NULL)
                OR metrics.refresh_rewrote_all(run, 'deployments') OR metrics.refresh_rewrote_all(run, 'pull_requests')
                OR EXISTS (SELECT 1 FROM metrics.refresh_changes(since, ARRAY['github_repos', 'jira_projects']))
              THEN NULL
              ELSE coalesce((SELECT array_agg(DISTINCT issue_id) FROM ids), '{}') END;
END;

CREATE TABLE metrics.deployment_failure_incidents AS SELECT * FROM metrics.deployment_failure_incidents_rows(NULL);
CREATE UNIQUE INDEX deployment_failure_incidents_issue ON metrics.deployment_failure_incidents (issue_id);
CREATE INDEX deployment_failure_incidents_deployment ON metrics.deployment_failure_incidents (deployment_id);

CREATE VIEW metrics.deployment_failure_evidence AS
SELECT deployment_id, repo_id, finished_at, kind, evidence, signal_at, restored_by, restored_at, within_window
  FROM metrics.deployment_failure_signals
UNION ALL
SELECT deployment_id, repo_id, finished_at, kind, evidence, signal_at, restored_by, restored_at, within_window
  FROM metrics.deployment_failure_incidents;

-- Deployments that are unplanned fixes: rollbacks, and those shipping a revert, a hotfix or
-- an incident's fix.
CREATE VIEW metrics.deployment_rework AS
SELECT d.id AS deployment_id, 'rollback'::text AS kind
  FROM metrics.deployments d WHERE d.position < d.previous_position
UNION
SELECT p.deployment_id, CASE WHEN p.is_revert THEN 'revert' ELSE 'hotfix' END
  FROM metrics.pull_requests p
 WHERE p.deployment_id IS NOT NULL AND (p.is_revert OR p.is_hotfix)
UNION
SELECT p.deployment_id, 'incident'
  FROM metrics.incident_issues i
  JOIN metrics.pr_issue_links l ON l.issue_key = i.key
  JOIN metrics.pull_requests p ON p.pr_id = l.pr_id
 WHERE p.deployment_id IS NOT NULL;

CREATE VIEW metrics.validate_lead_time AS
SELECT p.team, p.pr_key, p.url, p.title, p.author, p.first_commit_at, p.merged_at, p.deployed_at, p.deployment_id,
       p.ship_method, p.lead_time_s / 3600 AS lead_time_h, p.repo
  FROM metrics.team_pull_requests p
 WHERE p.deployed_at IS NOT NULL;

-- One row per production deployment: what it shipped, whether it failed, how long until
-- service was restored, whether it was rework.
-- A kept table (metrics/refresh.ts), read again deployment by deployment.
CREATE FUNCTION metrics.deployment_outcomes_rows(scope_deployment_id text[])
RETURNS TABLE (deployment_id text, repo_id text, repo text, source text, is_fallback boolean, environment text, sha text,
               finished_at timestamptz, day timestamptz, week timestamptz, baseline boolean, failed boolean,
               failure_kinds text[], signal_at timestamptz, restored_at timestamptz, recovery_s double precision,
               rework boolean, rework_kinds text[], prs_shipped bigint)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH failures AS (
  SELECT deployment_id,
         array_agg(DISTINCT kind ORDER BY kind) AS failure_kinds,
         min(signal_at) AS signal_at,
         -- Restored when the last piece of evidence is put right; not while any is not.
         CASE WHEN bool_and(restored_at IS NOT NULL) THEN max(restored_at) END AS restored_at
    FROM metrics.deployment_failure_evidence
   WHERE within_window AND (scope_deployment_id IS NULL OR deployment_id = ANY (scope_deployment_id))
   GROUP BY deployment_id
), rework AS (
  SELECT deployment_id, array_agg(DISTINCT kind ORDER BY kind) AS rework_kinds
    FROM metrics.deployment_rework
   WHERE scope_deployment_id IS NULL OR deployment_id = ANY (scope_deployment_id)
   GROUP BY deployment_id
), shipped AS (
  SELECT deployment_id, count(*) AS prs_shipped FROM metrics.deployment_changes
   WHERE scope_deployment_id IS NULL OR deployment_id = ANY (scope_deployment_id)
   GROUP BY deployment_id
)
SELECT d.id AS deployment_id, d.repo_id, r.repo, d.source, d.is_fallback, d.environment, d.sha,
       d.finished_at, date_trunc('day', d.finished_at, 'UTC') AS day, date_trunc('week', d.finished_at, 'UTC') AS week,
       d.baseline,
       f.deployment_id IS NOT NULL AS failed,
       coalesce(f.failure_kinds, '{}') AS failure_kinds,
       f.signal_at, f.restored_at,
       date_part('epoch', f.restored_at - d.finished_at) AS recovery_s,
       rw.deployment_id IS NOT NULL AS rework,
       coalesce(rw.rework_kinds, '{}') AS rework_kinds,
       coalesce(s.prs_shipped, 0) AS prs_shipped
  FROM metrics.deployments d
  JOIN metrics.repos r ON r.repo_id = d.repo_id
  LEFT JOIN failures f ON f.deployment_id = d.id
  LEFT JOIN rework rw ON rw.deployment_id = d.id
  LEFT JOIN shipped s ON s.deployment_id = d.id
 WHERE scope_deployment_id IS NULL OR d.id = ANY (scope_deployment_id);
END;

-- The deployments a change can reach: those that came out different, whose evidence or whose
-- shipped pull requests did (either way), and those shipping a pull request that names an issue
-- written (it may have become an incident, or stopped being one). NULL: all of them.
CREATE FUNCTION metrics.deployment_outcomes_scope(since pg_snapshot, run bigint)
RETURNS text[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  WITH issues AS (
    SELECT k.issue_id FROM metrics.refresh_changes(since, ARRAY['jira_issues', 'jira_status_periods']) c
     CROSS JOIN LATERAL unnest(c.issue_ids) k (issue_id)
  ), ids AS (
    SELECT d.row ->> 'id' AS id FROM ops.refresh_diffs d
     WHERE d.run = deployment_outcomes_scope.run AND d.table_name = 'deployments'
    UNION
    SELECT d.row ->> 'deployment_id' FROM ops.refresh_diffs d
     WHERE d.run = deployment_outcomes_scope.run
       AND d.table_name IN ('deployment_failure_signals', 'deployment_failure_incidents', 'deployment_changes')
    UNION
    SELECT x ->> 'deployment_id'
      FROM metrics.refresh_changed_rows(run, 'pull_requests', 'pr_id',
                                        ARRAY['deployment_id', 'is_revert', 'is_hotfix', 'issue_keys']) x
    UNION
    SELECT p.deployment_id FROM metrics.pull_requests p
      JOIN metrics.pr_issue_keys k ON k.pr_id = p.pr_id
      JOIN source.jira_issues i ON i.key = k.issue_key
     WHERE i.id IN (SELECT issue_id FROM issues)
  )
  SELECT CASE WHEN EXISTS (SELECT 1 FROM ops.refresh_diffs d
                            WHERE d.run = deployment_outcomes_scope.run AND d.row IS NULL
                              AND d.table_name IN ('deployments', 'deployment_failure_signals', 'deployment_failure_incidents',
                                                   'deployment_changes', 'pull_requests'))
                OR EXISTS (SELECT 1 FROM metrics.refresh_changes(since, ARRAY['jira_issues', 'jira_status_periods'])
                            WHERE issue_ids IS NULL)
                OR EXISTS (SELECT 1 FROM metrics.refresh_changes(since, ARRAY['github_repos']))
              THEN NULL
              ELSE coalesce((SELECT array_agg(DISTINCT id) FROM ids WHERE id IS NOT NULL), '{}') END;
END;

CREATE TABLE metrics.deployment_outcomes AS SELECT * FROM metrics.deployment_outcomes_rows(NULL);
CREATE UNIQUE INDEX deployment_outcomes_id ON metrics.deployment_outcomes (deployment_id);
CREATE INDEX deployment_outcomes_repo_time ON metrics.deployment_outcomes (repo_id, finished_at)
  INCLUDE (day, week, failed, rework, recovery_s, is_fallback, source);
CREATE INDEX deployment_outcomes_time ON metrics.deployment_outcomes (finished_at)
  INCLUDE (day, week, failed, rework, recovery_s, is_fallback, source);
-- The kinds of failure and rework of a period (metrics.dora_evidence) and the failed
-- deployments' recovery times (metrics.dora_summary): a few deployments of many.
CREATE INDEX deployment_outcomes_failed_time ON metrics.deployment_outcomes (finished_at)
  INCLUDE (repo_id, failed, failure_kinds, rework, rework_kinds, recovery_s) WHERE failed OR rework;

-- Per team: a team's rows, and '*' for everything once --------------------------------------
CREATE VIEW metrics.team_deployments AS
SELECT tr.team, o.* FROM metrics.deployment_outcomes o JOIN metrics.team_repos tr ON tr.repo_id = o.repo_id
UNION ALL
SELECT '*', o.* FROM metrics.deployment_outcomes o;

-- A kept table (metrics/refresh.ts), read again week by week.
CREATE FUNCTION metrics.dora_weekly_rows(scope_week timestamptz[])
RETURNS TABLE (team text, week timestamptz, deployments bigint, deploy_days bigint, failed_deployments bigint,
               rework_deployments bigint, change_fail_rate_pct numeric, rework_rate_pct numeric,
               recovery_p50_h double precision, recovery_p90_h double precision, recovered_deployments bigint,
               prs_shipped bigint, lead_time_p50_h double precision, lead_time_p75_h double precision,
               lead_time_p90_h double precision, fallback_deployments bigint)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH deployments AS (
  SELECT o.repo_id, o.week, o.day, o.failed, o.rework, o.recovery_s, o.is_fallback
    FROM metrics.deployment_outcomes o WHERE scope_week IS NULL
  UNION ALL
  SELECT o.repo_id, o.week, o.day, o.failed, o.rework, o.recovery_s, o.is_fallback
    FROM unnest(scope_week) w
    JOIN metrics.deployment_outcomes o ON o.finished_at >= w AND o.finished_at < w + interval '7 days'
), prs AS (
  SELECT p.repo_id, p.deployed_at, p.lead_time_s
    FROM metrics.pull_requests p WHERE scope_week IS NULL AND p.deployed_at IS NOT NULL
  UNION ALL
  SELECT p.repo_id, p.deployed_at, p.lead_time_s
    FROM unnest(scope_week) w
    JOIN metrics.pull_requests p ON p.deployed_at >= w AND p.deployed_at < w + interval '7 days'
), picked_deployments AS (
  -- As metrics.team_deployments and metrics.team_pull_requests, after the weeks are picked:
  -- each week read by its index.
  SELECT t.team, o.* FROM deployments o JOIN metrics.repo_teams t ON t.repo_id = o.repo_id
), picked_prs AS (
  SELECT t.team, p.* FROM prs p JOIN metrics.repo_teams t ON t.repo_id = p.repo_id
), d AS (
  SELECT team, week,
         count(*) AS deployments,
         count(DISTINCT day) AS deploy_days,
         count(*) FILTER (WHERE failed) AS failed_deployments,
         count(*) FILTER (WHERE rework) AS rework_deployments,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY recovery_s) FILTER (WHERE failed) / 3600 AS recovery_p50_h,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY recovery_s) FILTER (WHERE failed) / 3600 AS recovery_p90_h,
         count(recovery_s) FILTER (WHERE failed) AS recovered_deployments,
         count(*) FILTER (WHERE is_fallback) AS fallback_deployments
    FROM picked_deployments
   GROUP BY 1, 2
), l AS (
  SELECT team, date_trunc('week', deployed_at, 'UTC') AS week,
         count(*) AS prs_shipped,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY lead_time_s) / 3600 AS lead_time_p50_h,
         percentile_cont(0.75) WITHIN GROUP (ORDER BY lead_time_s) / 3600 AS lead_time_p75_h,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY lead_time_s) / 3600 AS lead_time_p90_h
    FROM picked_prs
   GROUP BY 1, 2
)
SELECT coalesce(d.team, l.team) AS team,
       coalesce(d.week, l.week) AS week,
       coalesce(d.deployments, 0) AS deployments,
       coalesce(d.deploy_days, 0) AS deploy_days,
       coalesce(d.failed_deployments, 0) AS failed_deployments,
       coalesce(d.rework_deployments, 0) AS rework_deployments,
       100.0 * d.failed_deployments / nullif(d.deployments, 0) AS change_fail_rate_pct,
       100.0 * d.rework_deployments / nullif(d.deployments, 0) AS rework_rate_pct,
       d.recovery_p50_h, d.recovery_p90_h,
       coalesce(d.recovered_deployments, 0) AS recovered_deployments,
       coalesce(l.prs_shipped, 0) AS prs_shipped,
       l.lead_time_p50_h, l.lead_time_p75_h, l.lead_time_p90_h,
       coalesce(d.fallback_deployments, 0) AS fallback_deployments
  FROM d FULL JOIN l ON l.team = d.team AND l.week = d.week;
END;

-- The weeks whose deployments or shipped pull requests came out different in what is summed.
CREATE FUNCTION metrics.dora_weekly_scope(since pg_snapshot, run bigint)
RETURNS timestamptz[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT metrics.refresh_changed_periods(since,
           CASE WHEN metrics.refresh_rewrote_all(run, 'deployment_outcomes') OR metrics.refresh_rewrote_all(run, 'pull_requests')
                THEN NULL
                ELSE metrics.refresh_changed_times(run, 'deployment_outcomes', 'deployment_id', 'finished_at',
                                                   ARRAY['repo_id', 'finished_at', 'failed', 'rework', 'recovery_s', 'is_fallback'])
                     || metrics.refresh_changed_times(run, 'pull_requests', 'pr_id', 'deployed_at',
                                                      ARRAY['repo_id', 'deployed_at', 'lead_time_s']) END,
           'week');
END;

CREATE TABLE metrics.dora_weekly AS SELECT * FROM metrics.dora_weekly_rows(NULL);
CREATE UNIQUE INDEX dora_weekly_key ON metrics.dora_weekly (team, week);

-- A kept table (metrics/refresh.ts), read again week by week: a week's deployments by where
-- they were read from (metrics.dora_evidence).
CREATE FUNCTION metrics.deployment_sources_weekly_rows(scope_week timestamptz[])
RETURNS TABLE (team text, week timestamptz, source text, deployments bigint)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH deployments AS (
  SELECT o.repo_id, o.week, o.source FROM metrics.deployment_outcomes o WHERE scope_week IS NULL
  UNION ALL
  SELECT o.repo_id, o.week, o.source
    FROM unnest(scope_week) w
    JOIN metrics.deployment_outcomes o ON o.finished_at >= w AND o.finished_at < w + interval '7 days'
)
SELECT t.team, o.week, o.source, count(*) AS deployments
  FROM deployments o JOIN metrics.repo_teams t ON t.repo_id = o.repo_id
 GROUP BY 1, 2, 3;
END;

CREATE FUNCTION metrics.deployment_sources_weekly_scope(since pg_snapshot, run bigint)
RETURNS timestamptz[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT metrics.refresh_changed_periods(since,
           metrics.refresh_changed_times(run, 'deployment_outcomes', 'deployment_id', 'finished_at',
                                         ARRAY['repo_id', 'finished_at', 'source']),
           'week');
END;

CREATE TABLE metrics.deployment_sources_weekly AS SELECT * FROM metrics.deployment_sources_weekly_rows(NULL);
CREATE UNIQUE INDEX deployment_sources_weekly_key ON metrics.deployment_sources_weekly (team, week, source) INCLUDE (deployments);

-- A team's deployments of a period, counted: the weeks whole within the period from
-- metrics.dora_weekly, the weeks its ends cut from the rows; and the failed deployments'
-- recovery times, read from those alone. A team's rows are read repository by repository
-- (its repositories read once), all teams' ('*') by time alone; the bounds are written out,
-- so that each read is an index range. A day lies in one week, so the days with a
-- deployment add up. The cut weeks with a deployment and how many each holds within the
-- period, in order, are given too: with the whole weeks' counts they make the weekly counts
-- of the period (metrics.dora_summary's median).
CREATE FUNCTION metrics.deployment_counts(p_team text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (deployments bigint, deploy_days bigint, failed bigint, recovered bigint, rework bigint, fallback bigint,
               recovery_s double precision[], cut_weeks timestamptz[], cut_deployments bigint[])
LANGUAGE sql STABLE AS $$
  WITH repos AS MATERIALIZED (
    SELECT tr.repo_id FROM metrics.team_repos tr WHERE tr.team = p_team AND p_team <> '*'
  ), edges AS (
    SELECT o.week, o.day, o.failed, o.recovery_s, o.rework, o.is_fallback FROM metrics.deployment_outcomes o
     WHERE p_team = '*' AND o.finished_at >= p_from AND o.finished_at < least(metrics.week_from(p_from), p_to)
    UNION ALL
    SELECT o.week, o.day, o.failed, o.recovery_s, o.rework, o.is_fallback FROM metrics.deployment_outcomes o
     WHERE p_team = '*' AND o.finished_at < p_to
       AND o.finished_at >= greatest(metrics.week_from(p_from), date_trunc('week', p_to, 'UTC'))
    UNION ALL
    SELECT o.week, o.day, o.failed, o.recovery_s, o.rework, o.is_fallback FROM repos r JOIN metrics.deployment_outcomes o ON o.repo_id = r.repo_id
     WHERE o.finished_at >= p_from AND o.finished_at < least(metrics.week_from(p_from), p_to)
    UNION ALL
    SELECT o.week, o.day, o.failed, o.recovery_s, o.rework, o.is_fallback FROM repos r JOIN metrics.deployment_outcomes o ON o.repo_id = r.repo_id
     WHERE o.finished_at < p_to
       AND o.finished_at >= greatest(metrics.week_from(p_from), date_trunc('week', p_to, 'UTC'))
  ), cut AS (
    SELECT e.week, count(*) AS n FROM edges e GROUP BY e.week
  )
  SELECT coalesce(sum(x.deployments), 0)::bigint, coalesce(sum(x.deploy_days), 0)::bigint,
         coalesce(sum(x.failed), 0)::bigint, coalesce(sum(x.recovered), 0)::bigint,
         coalesce(sum(x.rework), 0)::bigint, coalesce(sum(x.fallback), 0)::bigint,
         (SELECT percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY f.recovery_s)
            FROM (SELECT o.recovery_s FROM metrics.deployment_outcomes o
                   WHERE p_team = '*' AND o.failed AND o.finished_at >= p_from AND o.finished_at < p_to
                  UNION ALL
                  SELECT o.recovery_s FROM repos r JOIN metrics.deployment_outcomes o ON o.repo_id = r.repo_id
                   WHERE o.failed AND o.finished_at >= p_from AND o.finished_at < p_to) f),
         (SELECT array_agg(c.week ORDER BY c.week) FROM cut c), (SELECT array_agg(c.n ORDER BY c.week) FROM cut c)
    FROM (SELECT w.deployments, w.deploy_days, w.failed_deployments AS failed, w.recovered_deployments AS recovered,
                 w.rework_deployments AS rework, w.fallback_deployments AS fallback
            FROM metrics.dora_weekly w
           WHERE w.team = p_team AND w.week >= metrics.week_from(p_from) AND w.week < date_trunc('week', p_to, 'UTC')
          UNION ALL
          SELECT count(*), count(DISTINCT e.day), count(*) FILTER (WHERE e.failed),
                 count(e.recovery_s) FILTER (WHERE e.failed), count(*) FILTER (WHERE e.rework),
                 count(*) FILTER (WHERE e.is_fallback)
            FROM edges e) x
$$;

-- A kept table (metrics/refresh.ts), read again week by week: how many pull requests shipped
-- in a week had a lead time in each bin of metrics.duration_bin (-1: none known). From it
-- metrics.dora_summary finds in which bin each lead-time percentile of a period lies, and
-- reads only those bins' rows.
CREATE FUNCTION metrics.lead_time_bins_rows(scope_week timestamptz[])
RETURNS TABLE (team text, week timestamptz, bin integer, prs bigint)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH prs AS (
  SELECT p.repo_id, p.deployed_at, p.lead_time_s
    FROM metrics.pull_requests p WHERE scope_week IS NULL AND p.deployed_at IS NOT NULL
  UNION ALL
  SELECT p.repo_id, p.deployed_at, p.lead_time_s
    FROM unnest(scope_week) w
    JOIN metrics.pull_requests p ON p.deployed_at >= w AND p.deployed_at < w + interval '7 days'
)
SELECT t.team, date_trunc('week', p.deployed_at, 'UTC') AS week, metrics.duration_bin(p.lead_time_s) AS bin,
       count(*) AS prs
  FROM prs p JOIN metrics.repo_teams t ON t.repo_id = p.repo_id
 GROUP BY 1, 2, 3;
END;

-- The weeks whose shipped pull requests came out different in repository, time or lead time.
CREATE FUNCTION metrics.lead_time_bins_scope(since pg_snapshot, run bigint)
RETURNS timestamptz[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT metrics.refresh_changed_periods(since,
           metrics.refresh_changed_times(run, 'pull_requests', 'pr_id', 'deployed_at',
                                         ARRAY['repo_id', 'deployed_at', 'lead_time_s']),
           'week');
END;

CREATE TABLE metrics.lead_time_bins AS SELECT * FROM metrics.lead_time_bins_rows(NULL);
CREATE UNIQUE INDEX lead_time_bins_key ON metrics.lead_time_bins (team, week, bin) INCLUDE (prs);

-- How many pull requests a team shipped in a period, by bin of lead time (-1: none known):
-- the weeks whole within the period from metrics.lead_time_bins, the weeks its ends cut from
-- the rows. A team's rows are read repository by repository, all teams' ('*') by time alone;
-- the bounds are written out, not taken from a row, so that each read is an index range.
CREATE FUNCTION metrics.lead_time_counts(p_team text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (bin integer, n numeric)
LANGUAGE sql STABLE AS $$
  WITH repos AS MATERIALIZED (
    SELECT tr.repo_id FROM metrics.team_repos tr WHERE tr.team = p_team AND p_team <> '*'
  ), edges AS (
    SELECT p.lead_time_s FROM metrics.pull_requests p
     WHERE p_team = '*' AND p.deployed_at >= p_from AND p.deployed_at < least(metrics.week_from(p_from), p_to)
    UNION ALL
    SELECT p.lead_time_s FROM metrics.pull_requests p
     WHERE p_team = '*' AND p.deployed_at < p_to
       AND p.deployed_at >= greatest(metrics.week_from(p_from), date_trunc('week', p_to, 'UTC'))
    UNION ALL
    SELECT p.lead_time_s FROM repos r JOIN metrics.pull_requests p ON p.repo_id = r.repo_id
     WHERE p.deployed_at >= p_from AND p.deployed_at < least(metrics.week_from(p_from), p_to)
    UNION ALL
    SELECT p.lead_time_s FROM repos r JOIN metrics.pull_requests p ON p.repo_id = r.repo_id
     WHERE p.deployed_at < p_to
       AND p.deployed_at >= greatest(metrics.week_from(p_from), date_trunc('week', p_to, 'UTC'))
  )
  SELECT x.bin, sum(x.n)
    FROM (SELECT lb.bin, lb.prs AS n
            FROM metrics.lead_time_bins lb
           WHERE lb.team = p_team AND lb.week >= metrics.week_from(p_from) AND lb.week < date_trunc('week', p_to, 'UTC')
          UNION ALL
          SELECT metrics.duration_bin(e.lead_time_s), 1 FROM edges e) x
   GROUP BY x.bin
$$;

-- A kept table (metrics/refresh.ts), read again day by day.
CREATE FUNCTION metrics.dora_daily_rows(scope_day timestamptz[])
RETURNS TABLE (team text, day timestamptz, deployments bigint, failed_deployments bigint, rework_deployments bigint)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH deployments AS (
  SELECT o.repo_id, o.day, o.failed, o.rework FROM metrics.deployment_outcomes o WHERE scope_day IS NULL
  UNION ALL
  SELECT o.repo_id, o.day, o.failed, o.rework
    FROM unnest(scope_day) w
    JOIN metrics.deployment_outcomes o ON o.finished_at >= w AND o.finished_at < w + interval '1 day'
), picked AS (
  -- As metrics.team_deployments, after the days are picked: each day read by its index.
  SELECT t.team, o.* FROM deployments o JOIN metrics.repo_teams t ON t.repo_id = o.repo_id
)
SELECT team, day,
       count(*) AS deployments,
       count(*) FILTER (WHERE failed) AS failed_deployments,
       count(*) FILTER (WHERE rework) AS rework_deployments
  FROM picked
 GROUP BY 1, 2;
END;

-- The days whose deployments came out different in what is counted.
CREATE FUNCTION metrics.dora_daily_scope(since pg_snapshot, run bigint)
RETURNS timestamptz[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT metrics.refresh_changed_periods(since,
           metrics.refresh_changed_times(run, 'deployment_outcomes', 'deployment_id', 'finished_at',
                                         ARRAY['repo_id', 'finished_at', 'failed', 'rework']),
           'day');
END;

CREATE TABLE metrics.dora_daily AS SELECT * FROM metrics.dora_daily_rows(NULL);
CREATE UNIQUE INDEX dora_daily_key ON metrics.dora_daily (team, day);

CREATE VIEW metrics.validate_deployments AS
SELECT team, deployment_id, repo, source, is_fallback, environment, sha, finished_at, baseline, prs_shipped, failed, rework
  FROM metrics.team_deployments;

CREATE VIEW metrics.validate_change_failures AS
SELECT td.team, td.deployment_id, td.repo, td.finished_at, e.kind, e.evidence, e.signal_at, e.within_window,
       date_part('epoch', e.signal_at - td.finished_at) / 3600 AS hours_after_deployment
  FROM metrics.team_deployments td
  JOIN metrics.deployment_failure_evidence e ON e.deployment_id = td.deployment_id;

CREATE VIEW metrics.validate_recovery AS
SELECT td.team, td.deployment_id, td.repo, td.finished_at, td.failure_kinds, td.restored_at, td.recovery_s / 3600 AS recovery_h
  FROM metrics.team_deployments td
 WHERE td.failed;

CREATE VIEW metrics.validate_rework AS
SELECT td.team, td.deployment_id, td.repo, td.finished_at, td.rework_kinds
  FROM metrics.team_deployments td
 WHERE td.rework;
