-- Recovery ends when every piece of evidence of a failure is put right.
--
-- A deployment can fail in more than one way at once: a hotfix and an incident, a rollback
-- and a revert. Its recovery ended at the first of them to be put right (the earliest
-- restored_at), so a hotfix deployed in an hour closed a failure whose incident stayed open
-- for a day. It now ends when the last of them is (the latest restored_at), and a failure
-- with any evidence not put right (an incident unresolved, a revert not deployed) is not
-- recovered. docs/metrics.md ("Recovery").
--
-- metrics.deployment_outcomes is rebuilt with the views that read it; apart from
-- restored_at the definitions are those of 0016. Dropped by name, not CASCADE: a view of an
-- installation's own on top of these stops the migration instead of silently vanishing.

DROP VIEW metrics.validate_deployments, metrics.validate_change_failures, metrics.validate_recovery,
          metrics.validate_rework;
DROP MATERIALIZED VIEW metrics.dora_weekly, metrics.dora_daily;
DROP VIEW metrics.team_deployments;
DROP MATERIALIZED VIEW metrics.deployment_outcomes;

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


-- Rollups -------------------------------------------------------------------------------------
-- Weeks start on Monday (ISO), days are UTC.

CREATE MATERIALIZED VIEW metrics.dora_weekly AS
WITH d AS (
  SELECT team, week,
         count(*) AS deployments,
         count(DISTINCT day) AS deploy_days,
         count(*) FILTER (WHERE failed) AS failed_deployments,
         count(*) FILTER (WHERE rework) AS rework_deployments,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY recovery_s) FILTER (WHERE failed) / 3600 AS recovery_p50_h,
         percentile_cont(0.9) WITHIN GROUP (ORDER BY recovery_s) FILTER (WHERE failed) / 3600 AS recovery_p90_h
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

-- The rows behind each DORA number (drill-down) ------------------------------------------------

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
