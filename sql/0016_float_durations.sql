-- Durations in seconds as double precision, and deployments with their day and week.
--
-- extract(epoch ...) gives numeric (since PostgreSQL 14), and a percentile turns each
-- numeric into double precision through its text form: over two years of a million pull
-- requests, the conversions were most of a percentile's time. date_part gives double
-- precision directly (to the microsecond for a century). A deployment's UTC day and week are
-- stored with it, so the rollups here and the summary (0018) count deploy days and
-- deployments per week without working out a time zone per row.
--
-- The materialized views are rebuilt with every view that reads them; the definitions are
-- otherwise those of 0006 and 0014. Dropped by name, not CASCADE: a view of an
-- installation's own on top of these stops the migration instead of silently vanishing.

DROP VIEW metrics.validate_deployments, metrics.validate_lead_time, metrics.validate_change_failures,
          metrics.validate_recovery, metrics.validate_rework, metrics.open_pull_requests;
DROP MATERIALIZED VIEW metrics.dora_weekly, metrics.dora_daily, metrics.pr_flow_weekly;
DROP VIEW metrics.team_deployments, metrics.team_pull_requests;
DROP MATERIALIZED VIEW metrics.deployment_outcomes;
DROP VIEW metrics.deployment_rework;
DROP MATERIALIZED VIEW metrics.deployment_failure_evidence, metrics.pull_requests;

-- Pull requests ------------------------------------------------------------------------------
-- One row per pull request with its stages:
--   coding : first commit authored → ready for review (opened, or leaving draft)
--   pickup : ready → first review by someone other than the author (bots excluded)
--   review : first review → merged
--   deploy : merged → shipped in a production deployment
-- and its change lead time (first commit → shipped).
CREATE MATERIALIZED VIEW metrics.pull_requests AS
WITH bots AS (
  SELECT * FROM metrics.bot_rules
), reviews AS (
  -- metrics.reviews holds the reviews that count: by someone other than the author, bots excluded.
  SELECT pr_id,
         count(*) AS reviews,
         count(*) FILTER (WHERE state = 'CHANGES_REQUESTED') AS review_rounds,
         min(submitted_at) AS first_at
    FROM metrics.reviews GROUP BY pr_id
), commits AS (
  SELECT pr_id, min(authored_at) AS first_commit_at, count(*) AS commits
    FROM source.github_pr_commits GROUP BY pr_id
), links AS (
  SELECT pr_id, array_agg(issue_key ORDER BY issue_key) AS issue_keys
    FROM metrics.pr_issue_links GROUP BY pr_id
), hotfix AS (
  SELECT (SELECT value FROM metrics.setting_values WHERE key = 'hotfix_label') AS label,
         (SELECT value FROM metrics.setting_values WHERE key = 'hotfix_branch_pattern') AS branch
), pr AS (
  SELECT p.*, coalesce(p.ready_at, p.created_at) AS ready,
         least(cm.first_commit_at, coalesce(p.ready_at, p.created_at)) AS first_commit,
         cm.commits
    FROM source.github_pull_requests p
    LEFT JOIN commits cm ON cm.pr_id = p.id
)
SELECT p.id AS pr_id,
       p.repo_id,
       r.owner || '/' || r.name AS repo,
       p.number,
       r.owner || '/' || r.name || '#' || p.number AS pr_key,
       coalesce(p.raw ->> 'url', (r.raw ->> 'html_url') || '/pull/' || p.number) AS url,
       p.title,
       p.author_login AS author,
       (p.author_login IS NOT NULL AND (p.author_login ~* b.pattern OR lower(p.author_login) = ANY (b.logins))) AS is_bot,
       p.state,
       p.is_draft,
       p.created_at,
       p.ready AS ready_at,
       p.first_commit AS first_commit_at,
       fr.first_review_at,
       p.merged_at,
       p.closed_at,
       dc.deployed_at,
       dc.deployment_id,
       dc.method AS ship_method,
       date_part('epoch', p.ready - p.first_commit) AS coding_s,
       date_part('epoch', fr.first_review_at - p.ready) AS pickup_s,
       date_part('epoch', p.merged_at - fr.first_review_at) AS review_s,
       date_part('epoch', dc.deployed_at - p.merged_at) AS deploy_s,
       date_part('epoch', dc.deployed_at - p.first_commit) AS lead_time_s,
       p.additions + p.deletions AS size,
       p.changed_files,
       coalesce(p.commits, 0) AS commits,
       coalesce(rv.reviews, 0) AS reviews,
       coalesce(rv.review_rounds, 0) AS review_rounds,
       p.merged_at IS NOT NULL AND coalesce(rv.reviews, 0) = 0 AS merged_without_review,
       p.reverts_number IS NOT NULL AS is_revert,
       p.reverts_number,
       (h.label = ANY (p.labels) OR p.head_ref ~* h.branch) AS is_hotfix,
       coalesce(lk.issue_keys, '{}') AS issue_keys
  FROM pr p
  JOIN source.github_repos r ON r.id = p.repo_id
  CROSS JOIN bots b
  CROSS JOIN hotfix h
  LEFT JOIN reviews rv ON rv.pr_id = p.id
  -- The first review once ready: the first of all, unless some came before (in draft).
  CROSS JOIN LATERAL (
    SELECT CASE
             WHEN rv.first_at >= p.ready THEN rv.first_at
             WHEN rv.first_at IS NOT NULL THEN
               (SELECT min(x.submitted_at) FROM source.github_pr_reviews x
                 WHERE x.pr_id = p.id AND x.submitted_at >= p.ready
                   AND x.author_login IS DISTINCT FROM p.author_login
                   AND NOT (x.author_login IS NOT NULL AND (x.author_login ~* b.pattern OR lower(x.author_login) = ANY (b.logins))))
           END AS first_review_at) fr
  LEFT JOIN links lk ON lk.pr_id = p.id
  LEFT JOIN metrics.deployment_changes dc ON dc.pr_id = p.id
 -- Rows in the order of their bytes, as REFRESH ... CONCURRENTLY sorts them to find duplicates.
 ORDER BY p.id COLLATE "C";

CREATE UNIQUE INDEX pull_requests_id ON metrics.pull_requests (pr_id);
CREATE INDEX pull_requests_repo_number ON metrics.pull_requests (repo_id, number);
-- Covering indexes: a period's percentiles are read from the index alone.
CREATE INDEX pull_requests_repo_deployed ON metrics.pull_requests (repo_id, deployed_at) INCLUDE (lead_time_s) WHERE deployed_at IS NOT NULL;
CREATE INDEX pull_requests_deployed ON metrics.pull_requests (deployed_at) INCLUDE (lead_time_s) WHERE deployed_at IS NOT NULL;
CREATE INDEX pull_requests_repo_merged ON metrics.pull_requests (repo_id, merged_at)
  INCLUDE (is_bot, coding_s, pickup_s, review_s, deploy_s, size, merged_without_review) WHERE merged_at IS NOT NULL;
CREATE INDEX pull_requests_merged ON metrics.pull_requests (merged_at)
  INCLUDE (is_bot, coding_s, pickup_s, review_s, deploy_s, size, merged_without_review) WHERE merged_at IS NOT NULL;
CREATE INDEX pull_requests_open ON metrics.pull_requests (repo_id) WHERE state = 'OPEN';
CREATE INDEX pull_requests_deployment ON metrics.pull_requests (deployment_id) WHERE deployment_id IS NOT NULL;

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

-- One row per production deployment: what it shipped, whether it failed, how long until
-- service was restored, whether it was rework.
CREATE MATERIALIZED VIEW metrics.deployment_outcomes AS
WITH failures AS (
  SELECT deployment_id,
         array_agg(DISTINCT kind ORDER BY kind) AS failure_kinds,
         min(signal_at) AS signal_at,
         min(restored_at) AS restored_at
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

CREATE VIEW metrics.team_pull_requests AS
SELECT tr.team, p.* FROM metrics.pull_requests p JOIN metrics.team_repos tr ON tr.repo_id = p.repo_id
UNION ALL
SELECT '*', p.* FROM metrics.pull_requests p;

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

CREATE MATERIALIZED VIEW metrics.pr_flow_weekly AS
SELECT team, date_trunc('week', merged_at, 'UTC') AS week,
       count(*) AS merged,
       count(*) FILTER (WHERE merged_without_review) AS merged_without_review,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY coding_s) / 3600 AS coding_p50_h,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY pickup_s) / 3600 AS pickup_p50_h,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY review_s) / 3600 AS review_p50_h,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY deploy_s) / 3600 AS deploy_p50_h,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY size) AS size_p50,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY changed_files) AS files_p50,
       avg(reviews) AS reviews_avg,
       avg(review_rounds) AS review_rounds_avg
  FROM metrics.team_pull_requests
 WHERE merged_at IS NOT NULL AND NOT is_bot
 GROUP BY 1, 2;

CREATE UNIQUE INDEX pr_flow_weekly_key ON metrics.pr_flow_weekly (team, week);

CREATE VIEW metrics.open_pull_requests AS
SELECT team, pr_key, url, title, repo, is_draft, created_at, ready_at, first_review_at, issue_keys,
       extract(epoch FROM now() - created_at) / 86400 AS age_days,
       CASE WHEN NOT is_draft THEN extract(epoch FROM now() - coalesce(first_review_at, ready_at)) / 3600 END AS waiting_h,
       CASE WHEN is_draft THEN 'draft' WHEN first_review_at IS NULL THEN 'waiting for review' ELSE 'in review' END AS stage
  FROM metrics.team_pull_requests
 WHERE state = 'OPEN';

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


CREATE VIEW metrics.validate_lead_time AS
SELECT p.team, p.pr_key, p.url, p.title, p.author, p.first_commit_at, p.merged_at, p.deployed_at, p.deployment_id,
       p.ship_method, p.lead_time_s / 3600 AS lead_time_h, p.repo
  FROM metrics.team_pull_requests p
 WHERE p.deployed_at IS NOT NULL;
