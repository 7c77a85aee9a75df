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
CREATE MATERIALIZED VIEW metrics.deployment_failure_evidence AS
WITH win AS (
  SELECT (value::numeric * interval '1 hour') AS win FROM metrics.setting_values WHERE key = 'attribution_window_hours'
), rollbacks AS (
  SELECT prev.id AS deployment_id, 'rollback'::text AS kind, cur.id AS evidence,
         cur.finished_at AS signal_at, cur.id AS restored_by, cur.finished_at AS restored_at
    FROM metrics.deployments cur
    JOIN metrics.deployments prev ON prev.repo_id = cur.repo_id AND prev.seq = cur.seq - 1
   WHERE cur.position < cur.previous_position
), reverts AS (
  SELECT x.deployment_id, 'revert', rv.pr_key, rv.merged_at, rv.deployment_id, rv.deployed_at
    FROM metrics.pull_requests rv
    JOIN metrics.pull_requests x ON x.repo_id = rv.repo_id AND x.number = rv.reverts_number
   WHERE rv.is_revert AND x.deployment_id IS NOT NULL AND rv.merged_at > x.deployed_at
), hotfixes AS (
  SELECT bad.id, 'hotfix', h.pr_key, h.created_at, h.deployment_id, h.deployed_at
    FROM metrics.pull_requests h
    CROSS JOIN LATERAL (
      SELECT d.id FROM metrics.deployments d
       WHERE d.repo_id = h.repo_id AND d.finished_at < h.created_at
       ORDER BY d.finished_at DESC LIMIT 1) bad
   WHERE h.is_hotfix AND h.deployment_id IS NOT NULL
), incident_repos AS (
  SELECT DISTINCT i.issue_id, tr.repo_id
    FROM metrics.incident_issues i
    JOIN metrics.team_projects tp ON tp.project_key = i.project_key
    JOIN metrics.team_repos tr ON tr.team = tp.team
), incident_bad AS (
  -- The latest deployment of the incident's teams' repositories before it started.
  SELECT DISTINCT ON (i.issue_id) i.issue_id, i.key, i.started_at, i.resolved_at, d.id AS deployment_id
    FROM metrics.incident_issues i
    JOIN incident_repos ir ON ir.issue_id = i.issue_id
    CROSS JOIN LATERAL (
      SELECT d.id, d.finished_at FROM metrics.deployments d
       WHERE d.repo_id = ir.repo_id AND d.finished_at <= i.started_at
       ORDER BY d.finished_at DESC LIMIT 1) d
   ORDER BY i.issue_id, d.finished_at DESC
), incident_fix AS (
  -- The first deployment of a pull request naming the incident.
  SELECT DISTINCT ON (i.issue_id) i.issue_id, p.deployment_id, p.deployed_at
    FROM metrics.incident_issues i
    JOIN metrics.pr_issue_links l ON l.issue_key = i.key
    JOIN metrics.pull_requests p ON p.pr_id = l.pr_id
   WHERE p.deployed_at >= i.started_at
   ORDER BY i.issue_id, p.deployed_at
), incidents AS (
  SELECT b.deployment_id, 'incident', b.key, b.started_at, f.deployment_id,
         CASE WHEN b.resolved_at IS NOT NULL THEN greatest(f.deployed_at, b.resolved_at) END
    FROM incident_bad b
    LEFT JOIN incident_fix f ON f.issue_id = b.issue_id
), evidence AS (
  SELECT * FROM rollbacks
  UNION ALL SELECT * FROM reverts
  UNION ALL SELECT * FROM hotfixes
  UNION ALL SELECT * FROM incidents
)
SELECT e.deployment_id, d.repo_id, d.finished_at, e.kind, e.evidence, e.signal_at, e.restored_by, e.restored_at,
       e.signal_at - d.finished_at <= (SELECT win FROM win) AS within_window
  FROM evidence e
  JOIN metrics.deployments d ON d.id = e.deployment_id;
CREATE UNIQUE INDEX deployment_failure_evidence_key ON metrics.deployment_failure_evidence (deployment_id, kind, evidence);

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
CREATE MATERIALIZED VIEW metrics.deployment_outcomes AS
WITH failures AS (
  SELECT deployment_id,
         array_agg(DISTINCT kind ORDER BY kind) AS failure_kinds,
         min(signal_at) AS signal_at,
         -- Restored when the last piece of evidence is put right; not while any is not.
         CASE WHEN bool_and(restored_at IS NOT NULL) THEN max(restored_at) END AS restored_at
    FROM metrics.deployment_failure_evidence
   WHERE within_window
   GROUP BY deployment_id
), rework AS (
  SELECT deployment_id, array_agg(DISTINCT kind ORDER BY kind) AS rework_kinds
    FROM metrics.deployment_rework GROUP BY deployment_id
), shipped AS (
  SELECT deployment_id, count(*) AS prs_shipped FROM metrics.deployment_changes GROUP BY deployment_id
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
 ORDER BY d.id COLLATE "C";
CREATE UNIQUE INDEX deployment_outcomes_id ON metrics.deployment_outcomes (deployment_id);
CREATE INDEX deployment_outcomes_repo_time ON metrics.deployment_outcomes (repo_id, finished_at) INCLUDE (day, week, failed, rework, recovery_s, is_fallback);
CREATE INDEX deployment_outcomes_time ON metrics.deployment_outcomes (finished_at) INCLUDE (day, week, failed, rework, recovery_s, is_fallback);

-- Per team: a team's rows, and '*' for everything once --------------------------------------
CREATE VIEW metrics.team_deployments AS
SELECT tr.team, o.* FROM metrics.deployment_outcomes o JOIN metrics.team_repos tr ON tr.repo_id = o.repo_id
UNION ALL
SELECT '*', o.* FROM metrics.deployment_outcomes o;

CREATE MATERIALIZED VIEW metrics.dora_weekly AS
WITH d AS (
  SELECT team, week,
         count(*) AS deployments,
         count(DISTINCT day) AS deploy_days,
         count(*) FILTER (WHERE failed) AS failed_deployments,
         count(*) FILTER (WHERE rework) AS rework_deployments,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY recovery_s) FILTER (WHERE failed) / 3600 AS recovery_p50_h,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY recovery_s) FILTER (WHERE failed) / 3600 AS recovery_p90_h,
         count(recovery_s) FILTER (WHERE failed) AS recovered_deployments
    FROM metrics.team_deployments
   GROUP BY 1, 2
), l AS (
  SELECT team, date_trunc('week', deployed_at, 'UTC') AS week,
         count(*) AS prs_shipped,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY lead_time_s) / 3600 AS lead_time_p50_h,
         percentile_cont(0.75) WITHIN GROUP (ORDER BY lead_time_s) / 3600 AS lead_time_p75_h,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY lead_time_s) / 3600 AS lead_time_p90_h
    FROM metrics.team_pull_requests
   WHERE deployed_at IS NOT NULL
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
       l.lead_time_p50_h, l.lead_time_p75_h, l.lead_time_p90_h
  FROM d FULL JOIN l ON l.team = d.team AND l.week = d.week;
CREATE UNIQUE INDEX dora_weekly_key ON metrics.dora_weekly (team, week);

CREATE MATERIALIZED VIEW metrics.dora_daily AS
SELECT team, day,
       count(*) AS deployments,
       count(*) FILTER (WHERE failed) AS failed_deployments,
       count(*) FILTER (WHERE rework) AS rework_deployments
  FROM metrics.team_deployments
 GROUP BY 1, 2;
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
