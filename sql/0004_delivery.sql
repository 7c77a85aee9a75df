-- Deployments and what each one shipped: the base of every DORA metric.
-- Definitions: docs/metrics.md ("Deployments"). Settings live in rows, so changing one is
-- an UPDATE and `engmetrics refresh`.

-- Settings -----------------------------------------------------------------------------

CREATE TABLE metrics.setting_values (
  key          text PRIMARY KEY,
  value        text NOT NULL,
  description  text NOT NULL
);
INSERT INTO metrics.setting_values (key, value, description) VALUES
  ('production_pattern', '^(prod|production)$', 'GitHub environments that are production (case-insensitive regular expression); a repository row may override it'),
  ('attribution_window_hours', '72', 'How long after a deployment a rollback, revert, hotfix or incident still marks it failed'),
  ('hotfix_label', 'hotfix', 'A merged PR with this label is a hotfix'),
  ('hotfix_branch_pattern', '^hotfix[/_-]', 'A merged PR whose branch matches this (case-insensitive) is a hotfix'),
  ('bot_login_pattern', '\[bot\]$', 'Logins that are bots (besides setting_bots)');

-- Per repository (owner/name): where its deployments come from.
--   auto        : GitHub deployments, else published releases, else the named workflow's successful runs, else merges
--   deployments | releases | workflow | merges : that source only
CREATE TABLE metrics.setting_repos (
  repo                text PRIMARY KEY,
  source              text NOT NULL DEFAULT 'auto' CHECK (source IN ('auto', 'deployments', 'releases', 'workflow', 'merges')),
  production_pattern  text,
  workflow            text
);

CREATE TABLE metrics.setting_bots (
  login  text PRIMARY KEY
);

CREATE VIEW metrics.repos AS
SELECT r.id AS repo_id,
       r.owner || '/' || r.name AS repo,
       r.name,
       r.default_branch,
       coalesce(s.source, 'auto') AS configured_source,
       coalesce(s.production_pattern, (SELECT value FROM metrics.setting_values WHERE key = 'production_pattern')) AS production_pattern,
       s.workflow
  FROM source.github_repos r
  LEFT JOIN metrics.setting_repos s ON s.repo = r.owner || '/' || r.name;

-- Every candidate deployment from every source, successful or not -------------------------

CREATE VIEW metrics.deployment_candidates AS
WITH statuses AS (
  SELECT s.deployment_id,
         min(s.created_at) FILTER (WHERE s.state = 'success') AS first_success_at,
         (array_agg(s.state ORDER BY s.created_at DESC, s.id DESC))[1] AS last_state,
         max(s.created_at) AS last_status_at
    FROM source.github_deployment_statuses s
   GROUP BY s.deployment_id
)
SELECT 'deployments'::text AS source, d.id, d.repo_id, d.environment, d.sha, d.ref,
       st.first_success_at AS finished_at,
       st.first_success_at IS NOT NULL AS succeeded,
       st.first_success_at IS NULL AND st.last_state IN ('failure', 'error') AS failed_attempt,
       coalesce(st.last_status_at, d.created_at) AS attempted_at
  FROM source.github_deployments d
  JOIN metrics.repos r ON r.repo_id = d.repo_id
  LEFT JOIN statuses st ON st.deployment_id = d.id
 WHERE d.environment ~* r.production_pattern
UNION ALL
SELECT 'releases', rl.id, rl.repo_id, 'release', rl.sha, rl.tag_name, rl.published_at, true, false, rl.published_at
  FROM source.github_releases rl
 WHERE NOT rl.is_draft AND NOT rl.is_prerelease AND rl.published_at IS NOT NULL AND rl.sha IS NOT NULL
UNION ALL
SELECT 'workflow', w.id::text, w.repo_id, w.workflow_name, w.head_sha, w.head_branch,
       CASE WHEN w.conclusion = 'success' THEN w.updated_at END,
       w.conclusion = 'success', w.conclusion IN ('failure', 'timed_out'), w.updated_at
  FROM source.github_workflow_runs w
  JOIN metrics.repos r ON r.repo_id = w.repo_id
 WHERE r.workflow IS NOT NULL AND (w.workflow_name = r.workflow OR w.path LIKE '%/' || r.workflow)
   AND w.head_branch = r.default_branch
UNION ALL
SELECT 'merges', p.merge_commit_oid, p.repo_id, 'merge', p.merge_commit_oid, p.base_ref, p.merged_at, true, false, p.merged_at
  FROM source.github_pull_requests p
  JOIN metrics.repos r ON r.repo_id = p.repo_id
 WHERE p.merged_at IS NOT NULL AND p.merge_commit_oid IS NOT NULL AND p.base_ref = r.default_branch;

-- The source each repository's deployments come from: the configured one, else the first
-- of these with a success (the successful candidates of metrics.deployment_candidates).
-- Asked with EXISTS on the source tables: one success is enough, found through the indexes.
CREATE VIEW metrics.repo_deployment_source AS
SELECT r.repo_id, r.repo, r.default_branch, r.production_pattern, r.workflow,
       CASE
         WHEN r.configured_source <> 'auto' THEN r.configured_source
         WHEN EXISTS (SELECT 1 FROM source.github_deployments d
                        JOIN source.github_deployment_statuses s ON s.deployment_id = d.id AND s.state = 'success'
                       WHERE d.repo_id = r.repo_id AND d.environment ~* r.production_pattern) THEN 'deployments'
         WHEN EXISTS (SELECT 1 FROM source.github_releases rl
                       WHERE rl.repo_id = r.repo_id AND NOT rl.is_draft AND NOT rl.is_prerelease
                         AND rl.published_at IS NOT NULL AND rl.sha IS NOT NULL) THEN 'releases'
         WHEN EXISTS (SELECT 1 FROM source.github_workflow_runs w
                       WHERE w.repo_id = r.repo_id AND r.workflow IS NOT NULL
                         AND (w.workflow_name = r.workflow OR w.path LIKE '%/' || r.workflow)
                         AND w.head_branch = r.default_branch AND w.conclusion = 'success') THEN 'workflow'
         ELSE 'merges'
       END AS source
  FROM metrics.repos r;

-- Production deployments ------------------------------------------------------------------
-- One row per successful production deployment of the repository's chosen source, placed
-- on the default branch's first-parent history:
--   position     : of its sha, or of the merge base for a sha off that history (a compare)
--   reach        : the furthest position production has held up to and including this one
--   prev_reach   : the same before it (NULL for the first, the baseline)
-- A deployment ships the changes between prev_reach and reach; a rollback (position below
-- prev_reach) ships nothing. The first deployment is a baseline and ships nothing.
CREATE MATERIALIZED VIEW metrics.deployments AS
WITH chosen AS (
  -- The successful candidates (as metrics.deployment_candidates) of each repository's source,
  -- one branch per source so that a repository's other sources are never read.
  SELECT 'deployments'::text AS source, d.id, d.repo_id, d.environment, d.sha, d.ref, st.first_success_at AS finished_at
    FROM metrics.repo_deployment_source so
    JOIN source.github_deployments d ON d.repo_id = so.repo_id AND d.environment ~* so.production_pattern
    JOIN (SELECT deployment_id, min(created_at) AS first_success_at
            FROM source.github_deployment_statuses WHERE state = 'success' GROUP BY deployment_id) st
      ON st.deployment_id = d.id
   WHERE so.source = 'deployments'
  UNION ALL
  SELECT 'releases', rl.id, rl.repo_id, 'release', rl.sha, rl.tag_name, rl.published_at
    FROM metrics.repo_deployment_source so
    JOIN source.github_releases rl ON rl.repo_id = so.repo_id
   WHERE so.source = 'releases'
     AND NOT rl.is_draft AND NOT rl.is_prerelease AND rl.published_at IS NOT NULL AND rl.sha IS NOT NULL
  UNION ALL
  SELECT 'workflow', w.id::text, w.repo_id, w.workflow_name, w.head_sha, w.head_branch, w.updated_at
    FROM metrics.repo_deployment_source so
    JOIN source.github_workflow_runs w ON w.repo_id = so.repo_id
   WHERE so.source = 'workflow' AND so.workflow IS NOT NULL
     AND (w.workflow_name = so.workflow OR w.path LIKE '%/' || so.workflow)
     AND w.head_branch = so.default_branch AND w.conclusion = 'success'
  UNION ALL
  SELECT 'merges', p.merge_commit_oid, p.repo_id, 'merge', p.merge_commit_oid, p.base_ref, p.merged_at
    FROM metrics.repo_deployment_source so
    JOIN source.github_pull_requests p ON p.repo_id = so.repo_id
   WHERE so.source = 'merges'
     AND p.merged_at IS NOT NULL AND p.merge_commit_oid IS NOT NULL AND p.base_ref = so.default_branch
), placed AS (
  SELECT c.source, c.id, c.repo_id, c.environment, c.sha, c.ref, c.finished_at,
         coalesce(gc.position, mb.position) AS position,
         gc.position IS NULL AND cmp.head_oid IS NOT NULL AND cmp.status IN ('ahead', 'diverged') AS off_history
    FROM chosen c
    -- (OFFSET 0: one hash join with the history, not an index probe per deployment)
    LEFT JOIN (SELECT repo_id, oid, position FROM source.github_commits OFFSET 0) gc ON gc.repo_id = c.repo_id AND gc.oid = c.sha
    LEFT JOIN source.github_compares cmp ON gc.oid IS NULL AND cmp.repo_id = c.repo_id AND cmp.head_oid = c.sha
    LEFT JOIN source.github_commits mb ON mb.repo_id = c.repo_id AND mb.oid = cmp.merge_base_oid
), ordered AS (
  SELECT p.*,
         row_number() OVER w_time AS seq,
         row_number() OVER w_time = 1 AS baseline,
         max(p.position) OVER (w_time ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS reach,
         max(p.position) OVER (w_time ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_reach,
         lag(p.finished_at) OVER w_time AS previous_finished_at,
         lag(p.position) OVER w_time AS previous_position,
         p.source <> 'deployments' AS is_fallback
    FROM placed p
  WINDOW w_time AS (PARTITION BY p.repo_id ORDER BY p.finished_at, p.id)
)
SELECT * FROM ordered
-- Rows in the order of their bytes, as REFRESH ... CONCURRENTLY sorts them to find duplicates.
ORDER BY source COLLATE "C", id COLLATE "C";

CREATE UNIQUE INDEX deployments_id ON metrics.deployments (id);
CREATE INDEX deployments_repo_reach ON metrics.deployments (repo_id, reach, finished_at);
CREATE INDEX deployments_repo_time ON metrics.deployments (repo_id, finished_at);

-- Deployment attempts that never succeeded (statuses ending in failure or error).
CREATE VIEW metrics.deployment_failed_attempts AS
SELECT c.source, c.id, c.repo_id, c.environment, c.sha, c.attempted_at
  FROM metrics.deployment_candidates c
  JOIN metrics.repo_deployment_source s ON s.repo_id = c.repo_id AND s.source = c.source
 WHERE c.failed_attempt;

-- What each deployment shipped --------------------------------------------------------------
-- A merged PR ships with the first production deployment that contains its merge commit
-- (history) or, for a deployment from a branch, one of its commits (compare). When its
-- merge commit is not on the known history, the first deployment at or after the merge
-- (approximate). PRs already in production at the baseline never ship.
CREATE MATERIALIZED VIEW metrics.deployment_changes AS
WITH prs AS (
  SELECT p.id AS pr_id, p.repo_id, p.merged_at, c.position AS merge_position
    FROM source.github_pull_requests p
    JOIN metrics.repos r ON r.repo_id = p.repo_id
    LEFT JOIN source.github_commits c ON c.repo_id = p.repo_id AND c.oid = p.merge_commit_oid
   WHERE p.merged_at IS NOT NULL AND p.base_ref = r.default_branch
), reaches AS (
  -- The deployments that moved a repository's reach forward: reach grows strictly along
  -- them, so the first deployment containing a position is the advance that reached it.
  SELECT repo_id, array_agg(reach ORDER BY reach) AS reaches
    FROM metrics.deployments
   WHERE reach IS NOT NULL AND (prev_reach IS NULL OR reach > prev_reach)
   GROUP BY repo_id
), covering AS MATERIALIZED (
  -- The reach of the advance that reached each merge commit: width_bucket counts (by binary
  -- search) the advances short of it.
  SELECT prs.pr_id, prs.repo_id, rs.reaches[width_bucket(prs.merge_position - 1, rs.reaches) + 1] AS reach
    FROM prs
    JOIN reaches rs ON rs.repo_id = prs.repo_id
   WHERE prs.merge_position IS NOT NULL
), by_history AS (
  SELECT c.pr_id, d.id AS deployment_id, d.finished_at, d.baseline
    FROM covering c
    JOIN metrics.deployments d ON d.repo_id = c.repo_id AND d.reach = c.reach
   WHERE d.prev_reach IS NULL OR d.reach > d.prev_reach
), by_branch AS (
  SELECT DISTINCT ON (pc.pr_id) pc.pr_id, d.id AS deployment_id, d.finished_at, d.baseline
    FROM metrics.deployments d
    JOIN source.github_compares cmp ON cmp.repo_id = d.repo_id AND cmp.head_oid = d.sha
    JOIN source.github_pr_commits pc ON pc.oid = ANY (cmp.ahead_oids)
    JOIN prs ON prs.pr_id = pc.pr_id AND prs.repo_id = d.repo_id
   WHERE d.off_history
   ORDER BY pc.pr_id, d.finished_at
), by_time AS (
  SELECT prs.pr_id, d.id AS deployment_id, d.finished_at, d.baseline
    FROM prs
    CROSS JOIN LATERAL (
      SELECT d.id, d.finished_at, d.baseline
        FROM metrics.deployments d
       WHERE d.repo_id = prs.repo_id AND d.finished_at >= prs.merged_at
       ORDER BY d.finished_at
       LIMIT 1) d
   WHERE prs.merge_position IS NULL
), by_position AS (
  -- At most one of these per PR (its merge commit is on the history or it is not).
  SELECT pr_id, deployment_id, finished_at, baseline, 'history'::text AS method FROM by_history
  UNION ALL SELECT pr_id, deployment_id, finished_at, baseline, 'approximate' FROM by_time
), first_one AS (
  -- The earliest candidate; only PRs shipped from a branch have two.
  SELECT * FROM by_position bp WHERE NOT EXISTS (SELECT 1 FROM by_branch bb WHERE bb.pr_id = bp.pr_id)
  UNION ALL
  (SELECT DISTINCT ON (pr_id) pr_id, deployment_id, finished_at, baseline, method
     FROM (SELECT * FROM by_position bp WHERE EXISTS (SELECT 1 FROM by_branch bb WHERE bb.pr_id = bp.pr_id)
           UNION ALL SELECT pr_id, deployment_id, finished_at, baseline, 'compare' FROM by_branch) c
    ORDER BY pr_id, finished_at, method)
)
SELECT pr_id, deployment_id, finished_at AS deployed_at, method
  FROM first_one
 WHERE NOT baseline
 ORDER BY pr_id COLLATE "C";

CREATE UNIQUE INDEX deployment_changes_pr ON metrics.deployment_changes (pr_id);
CREATE INDEX deployment_changes_deployment ON metrics.deployment_changes (deployment_id);
