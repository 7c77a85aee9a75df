-- DORA's five metrics and the PR flow, per team. Definitions: docs/metrics.md.
-- Every team-keyed view also has rows for team '*', the whole organisation counted once.

-- People and links -------------------------------------------------------------------------

CREATE FUNCTION metrics.is_bot(p_login text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT p_login IS NOT NULL AND (
    p_login ~* (SELECT value FROM metrics.setting_values WHERE key = 'bot_login_pattern')
    OR EXISTS (SELECT 1 FROM metrics.setting_bots b WHERE lower(b.login) = lower(p_login)))
$$;

-- A PR names a Jira issue when its title, branch or body holds a key of a known project.
CREATE VIEW metrics.pr_issue_links AS
SELECT r.pr_id, r.issue_key, r.found_in, i.id AS issue_id
  FROM source.github_pr_issue_refs r
  JOIN source.jira_projects p ON p.key = split_part(r.issue_key, '-', 1)
  LEFT JOIN source.jira_issues i ON i.key = r.issue_key;

-- Jira issues that are incidents (by type or label), with their teams.
CREATE VIEW metrics.incident_issues AS
SELECT i.id AS issue_id, i.key, i.summary, i.project_key, i.created_at AS started_at,
       coalesce(i.resolved_at,
                (SELECT min(sp.started_at) FROM source.jira_status_periods sp
                   JOIN metrics.status_stages ss ON ss.status_id = sp.status_id
                  WHERE sp.issue_id = i.id AND ss.stage = 'done' AND sp.ended_at IS NULL)) AS resolved_at
  FROM source.jira_issues i
 WHERE EXISTS (SELECT 1 FROM metrics.setting_incident_rules r
                WHERE (r.match = 'type' AND lower(r.value) = lower(i.issue_type))
                   OR (r.match = 'label' AND lower(r.value) = ANY (SELECT lower(l) FROM unnest(i.labels) l)));

-- Pull requests ------------------------------------------------------------------------------
-- One row per pull request with its stages:
--   coding : first commit authored → ready for review (opened, or leaving draft)
--   pickup : ready → first review by someone other than the author (bots excluded)
--   review : first review → merged
--   deploy : merged → shipped in a production deployment
-- and its change lead time (first commit → shipped).
CREATE MATERIALIZED VIEW metrics.pull_requests AS
WITH reviews AS (
  SELECT rv.pr_id,
         count(*) AS reviews,
         count(*) FILTER (WHERE rv.state = 'CHANGES_REQUESTED') AS review_rounds,
         min(rv.submitted_at) FILTER (WHERE rv.submitted_at >= coalesce(p.ready_at, p.created_at)) AS first_review_at
    FROM source.github_pr_reviews rv
    JOIN source.github_pull_requests p ON p.id = rv.pr_id
   WHERE rv.submitted_at IS NOT NULL
     AND rv.author_login IS DISTINCT FROM p.author_login
     AND NOT metrics.is_bot(rv.author_login)
   GROUP BY rv.pr_id
), commits AS (
  SELECT c.pr_id, min(c.authored_at) AS first_commit_at, count(*) AS commits
    FROM source.github_pr_commits c
   GROUP BY c.pr_id
), links AS (
  SELECT l.pr_id, array_agg(l.issue_key ORDER BY l.issue_key) AS issue_keys
    FROM metrics.pr_issue_links l
   GROUP BY l.pr_id
), hotfix AS (
  SELECT (SELECT value FROM metrics.setting_values WHERE key = 'hotfix_label') AS label,
         (SELECT value FROM metrics.setting_values WHERE key = 'hotfix_branch_pattern') AS branch
)
SELECT p.id AS pr_id,
       p.repo_id,
       r.owner || '/' || r.name AS repo,
       p.number,
       r.owner || '/' || r.name || '#' || p.number AS pr_key,
       p.raw ->> 'url' AS url,
       p.title,
       p.author_login AS author,
       metrics.is_bot(p.author_login) AS is_bot,
       p.state,
       p.is_draft,
       p.created_at,
       coalesce(p.ready_at, p.created_at) AS ready_at,
       least(cm.first_commit_at, coalesce(p.ready_at, p.created_at)) AS first_commit_at,
       rv.first_review_at,
       p.merged_at,
       p.closed_at,
       dc.deployed_at,
       dc.deployment_id,
       dc.method AS ship_method,
       extract(epoch FROM coalesce(p.ready_at, p.created_at) - least(cm.first_commit_at, coalesce(p.ready_at, p.created_at))) AS coding_s,
       extract(epoch FROM rv.first_review_at - coalesce(p.ready_at, p.created_at)) AS pickup_s,
       extract(epoch FROM p.merged_at - rv.first_review_at) AS review_s,
       extract(epoch FROM dc.deployed_at - p.merged_at) AS deploy_s,
       extract(epoch FROM dc.deployed_at - least(cm.first_commit_at, coalesce(p.ready_at, p.created_at))) AS lead_time_s,
       p.additions + p.deletions AS size,
       p.changed_files,
       coalesce(cm.commits, 0) AS commits,
       coalesce(rv.reviews, 0) AS reviews,
       coalesce(rv.review_rounds, 0) AS review_rounds,
       p.merged_at IS NOT NULL AND coalesce(rv.reviews, 0) = 0 AS merged_without_review,
       p.reverts_number IS NOT NULL AS is_revert,
       p.reverts_number,
       ((SELECT label FROM hotfix) = ANY (p.labels) OR p.head_ref ~* (SELECT branch FROM hotfix)) AS is_hotfix,
       coalesce(lk.issue_keys, '{}') AS issue_keys
  FROM source.github_pull_requests p
  JOIN source.github_repos r ON r.id = p.repo_id
  LEFT JOIN reviews rv ON rv.pr_id = p.id
  LEFT JOIN commits cm ON cm.pr_id = p.id
  LEFT JOIN links lk ON lk.pr_id = p.id
  LEFT JOIN metrics.deployment_changes dc ON dc.pr_id = p.id;

CREATE UNIQUE INDEX pull_requests_id ON metrics.pull_requests (pr_id);
CREATE INDEX pull_requests_repo_number ON metrics.pull_requests (repo_id, number);

-- Deployments that failed, and how each was put right ---------------------------------------
-- A deployment failed if, within the attribution window after it finished:
--   rollback : the next deployment of the repository deployed an older sha
--   revert   : a merged PR reverted one of the PRs it shipped
--   hotfix   : a hotfix PR (label or branch) was opened while it was the latest deployment, and deployed
--   incident : an incident of its teams' projects started while it was their latest deployment
-- Service is restored by the deployment carrying the rollback, revert or fix, or at the
-- incident's resolution when that is later.
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
  SELECT bad.id, 'revert', rv.pr_key, rv.merged_at, rv.deployment_id, rd.finished_at
    FROM metrics.pull_requests rv
    JOIN metrics.pull_requests x ON x.repo_id = rv.repo_id AND x.number = rv.reverts_number
    JOIN metrics.deployments bad ON bad.id = x.deployment_id
    LEFT JOIN metrics.deployments rd ON rd.id = rv.deployment_id
   WHERE rv.is_revert AND rv.merged_at > bad.finished_at
), hotfixes AS (
  SELECT bad.id, 'hotfix', h.pr_key, h.created_at, h.deployment_id, h.deployed_at
    FROM metrics.pull_requests h
    CROSS JOIN LATERAL (
      SELECT d.id, d.finished_at FROM metrics.deployments d
       WHERE d.repo_id = h.repo_id AND d.finished_at < h.created_at
       ORDER BY d.finished_at DESC LIMIT 1) bad
   WHERE h.is_hotfix AND h.deployment_id IS NOT NULL
), incidents AS (
  -- An unresolved incident has not been recovered from, whatever was deployed since.
  SELECT bad.id, 'incident', i.key, i.started_at, fix.id,
         CASE WHEN i.resolved_at IS NOT NULL THEN greatest(fix.finished_at, i.resolved_at) END
    FROM metrics.incident_issues i
    CROSS JOIN LATERAL (
      SELECT d.id, d.finished_at FROM metrics.deployments d
       WHERE d.finished_at <= i.started_at
         AND d.repo_id IN (SELECT tr.repo_id FROM metrics.team_repos tr
                            JOIN metrics.team_projects tp ON tp.team = tr.team
                           WHERE tp.project_key = i.project_key)
       ORDER BY d.finished_at DESC LIMIT 1) bad
    LEFT JOIN LATERAL (
      SELECT d.id, d.finished_at FROM metrics.pull_requests p
        JOIN metrics.deployments d ON d.id = p.deployment_id
       WHERE i.key = ANY (p.issue_keys) AND d.finished_at >= i.started_at
       ORDER BY d.finished_at LIMIT 1) fix ON true
), evidence AS (
  SELECT * FROM rollbacks
  UNION ALL SELECT * FROM reverts
  UNION ALL SELECT * FROM hotfixes
  UNION ALL SELECT * FROM incidents
)
SELECT e.deployment_id, d.repo_id, d.finished_at, e.kind, e.evidence, e.signal_at, e.restored_by,
       e.restored_at,
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
SELECT p.deployment_id, CASE WHEN p.is_revert THEN 'revert' WHEN p.is_hotfix THEN 'hotfix' ELSE 'incident' END
  FROM metrics.pull_requests p
 WHERE p.deployment_id IS NOT NULL
   AND (p.is_revert OR p.is_hotfix
        OR EXISTS (SELECT 1 FROM metrics.incident_issues i WHERE i.key = ANY (p.issue_keys)));

-- Per team ----------------------------------------------------------------------------------

CREATE MATERIALIZED VIEW metrics.team_deployments AS
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
), base AS (
  SELECT d.id AS deployment_id, d.repo_id, r.repo, d.source, d.is_fallback, d.environment, d.sha,
         d.finished_at, d.baseline,
         f.deployment_id IS NOT NULL AS failed,
         coalesce(f.failure_kinds, '{}') AS failure_kinds,
         f.signal_at, f.restored_at,
         extract(epoch FROM f.restored_at - d.finished_at) AS recovery_s,
         rw.deployment_id IS NOT NULL AS rework,
         coalesce(rw.rework_kinds, '{}') AS rework_kinds,
         coalesce(s.prs_shipped, 0) AS prs_shipped
    FROM metrics.deployments d
    JOIN metrics.repos r ON r.repo_id = d.repo_id
    LEFT JOIN failures f ON f.deployment_id = d.id
    LEFT JOIN rework rw ON rw.deployment_id = d.id
    LEFT JOIN shipped s ON s.deployment_id = d.id
)
SELECT tr.team, b.* FROM base b JOIN metrics.team_repos tr ON tr.repo_id = b.repo_id
UNION ALL
SELECT '*', b.* FROM base b;

CREATE UNIQUE INDEX team_deployments_key ON metrics.team_deployments (team, deployment_id);
CREATE INDEX team_deployments_time ON metrics.team_deployments (team, finished_at);

CREATE MATERIALIZED VIEW metrics.team_pull_requests AS
SELECT tr.team, p.* FROM metrics.pull_requests p JOIN metrics.team_repos tr ON tr.repo_id = p.repo_id
UNION ALL
SELECT '*', p.* FROM metrics.pull_requests p;

CREATE UNIQUE INDEX team_pull_requests_key ON metrics.team_pull_requests (team, pr_id);
CREATE INDEX team_pull_requests_deployed ON metrics.team_pull_requests (team, deployed_at) WHERE deployed_at IS NOT NULL;
CREATE INDEX team_pull_requests_merged ON metrics.team_pull_requests (team, merged_at) WHERE merged_at IS NOT NULL;
CREATE INDEX team_pull_requests_open ON metrics.team_pull_requests (team) WHERE state = 'OPEN';

-- Reviews by people other than the author, bots excluded: the review load.
CREATE MATERIALIZED VIEW metrics.team_reviews AS
WITH r AS (
  SELECT rv.id AS review_id, p.repo_id, rv.author_login AS reviewer, rv.submitted_at, rv.state
    FROM source.github_pr_reviews rv
    JOIN source.github_pull_requests p ON p.id = rv.pr_id
   WHERE rv.submitted_at IS NOT NULL
     AND rv.author_login IS DISTINCT FROM p.author_login
     AND NOT metrics.is_bot(rv.author_login)
)
SELECT tr.team, r.* FROM r JOIN metrics.team_repos tr ON tr.repo_id = r.repo_id
UNION ALL
SELECT '*', r.* FROM r;

CREATE UNIQUE INDEX team_reviews_key ON metrics.team_reviews (team, review_id);
CREATE INDEX team_reviews_time ON metrics.team_reviews (team, submitted_at);

-- Rollups -------------------------------------------------------------------------------------
-- Weeks start on Monday (ISO), days are UTC.

CREATE MATERIALIZED VIEW metrics.dora_weekly AS
WITH d AS (
  SELECT team, date_trunc('week', finished_at, 'UTC') AS week,
         count(*) AS deployments,
         count(DISTINCT date_trunc('day', finished_at, 'UTC')) AS deploy_days,
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
SELECT team, date_trunc('day', finished_at, 'UTC') AS day,
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

-- Reviews per reviewer in a week, summarised per team (no leaderboards).
CREATE MATERIALIZED VIEW metrics.review_load_weekly AS
WITH per AS (
  SELECT team, date_trunc('week', submitted_at, 'UTC') AS week, reviewer, count(*) AS reviews
    FROM metrics.team_reviews GROUP BY 1, 2, 3
)
SELECT team, week,
       count(*) AS reviewers,
       sum(reviews) AS reviews,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY reviews) AS reviews_per_reviewer_p50,
       max(reviews) AS reviews_per_reviewer_max,
       round(100.0 * max(reviews) / nullif(sum(reviews), 0), 1) AS busiest_reviewer_share_pct
  FROM per GROUP BY 1, 2;

CREATE UNIQUE INDEX review_load_weekly_key ON metrics.review_load_weekly (team, week);

CREATE VIEW metrics.open_pull_requests AS
SELECT team, pr_key, url, title, repo, is_draft, created_at, ready_at, first_review_at, issue_keys,
       extract(epoch FROM now() - created_at) / 86400 AS age_days,
       extract(epoch FROM now() - coalesce(first_review_at, ready_at)) / 3600 AS waiting_h,
       CASE WHEN is_draft THEN 'draft' WHEN first_review_at IS NULL THEN 'waiting for review' ELSE 'in review' END AS stage
  FROM metrics.team_pull_requests
 WHERE state = 'OPEN';

-- The rows behind each DORA number (drill-down) ------------------------------------------------

CREATE VIEW metrics.validate_deployments AS
SELECT team, deployment_id, repo, source, is_fallback, environment, sha, finished_at, baseline, prs_shipped, failed, rework
  FROM metrics.team_deployments;

CREATE VIEW metrics.validate_lead_time AS
SELECT p.team, p.pr_key, p.url, p.title, p.author, p.first_commit_at, p.merged_at, p.deployed_at, p.deployment_id,
       p.ship_method, p.lead_time_s / 3600 AS lead_time_h
  FROM metrics.team_pull_requests p
 WHERE p.deployed_at IS NOT NULL;

CREATE VIEW metrics.validate_change_failures AS
SELECT td.team, td.deployment_id, td.repo, td.finished_at, e.kind, e.evidence, e.signal_at, e.within_window,
       extract(epoch FROM e.signal_at - td.finished_at) / 3600 AS hours_after_deployment
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
