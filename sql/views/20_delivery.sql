-- Repositories, deployments from every source, pull requests with their reviews and linked
-- issues, and the weekly PR flow rollup. Definitions: docs/metrics.md.
--
-- Shape, for speed at a million pull requests: one materialized view per kind of item
-- (pull requests, reviews, deployments), indexed by repository and time; plain team_* views
-- on top (a team's rows, or team '*' for the whole organisation counted once), which the
-- planner turns into index scans of the team's repositories; and weekly rollups materialized
-- per team.

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
-- A kept table (metrics/refresh.ts): its rows are read again repository by repository.
CREATE FUNCTION metrics.deployments_rows(scope_repo_id text[])
RETURNS TABLE (source text, id text, repo_id text, environment text, sha text, ref text, finished_at timestamptz,
               "position" bigint, off_history boolean, seq bigint, baseline boolean, reach bigint, prev_reach bigint,
               previous_finished_at timestamptz, previous_position bigint, is_fallback boolean)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH chosen AS (
  -- The successful candidates (as metrics.deployment_candidates) of each repository's source,
  -- one branch per source so that a repository's other sources are never read.
  SELECT 'deployments'::text AS source, d.id, d.repo_id, d.environment, d.sha, d.ref, st.first_success_at AS finished_at
    FROM metrics.repo_deployment_source so
    JOIN source.github_deployments d ON d.repo_id = so.repo_id AND d.environment ~* so.production_pattern
    JOIN (SELECT s.deployment_id, min(s.created_at) AS first_success_at
            FROM source.github_deployment_statuses s
           WHERE s.state = 'success' AND scope_repo_id IS NULL
           GROUP BY s.deployment_id
          UNION ALL
          -- In part: only the statuses of those repositories' deployments.
          SELECT s.deployment_id, min(s.created_at)
            FROM source.github_deployments x
            JOIN source.github_deployment_statuses s ON s.deployment_id = x.id
           WHERE s.state = 'success' AND x.repo_id = ANY (scope_repo_id)
           GROUP BY s.deployment_id) st
      ON st.deployment_id = d.id
   WHERE so.source = 'deployments' AND (scope_repo_id IS NULL OR so.repo_id = ANY (scope_repo_id))
  UNION ALL
  SELECT 'releases', rl.id, rl.repo_id, 'release', rl.sha, rl.tag_name, rl.published_at
    FROM metrics.repo_deployment_source so
    JOIN source.github_releases rl ON rl.repo_id = so.repo_id
   WHERE so.source = 'releases' AND (scope_repo_id IS NULL OR so.repo_id = ANY (scope_repo_id))
     AND NOT rl.is_draft AND NOT rl.is_prerelease AND rl.published_at IS NOT NULL AND rl.sha IS NOT NULL
  UNION ALL
  SELECT 'workflow', w.id::text, w.repo_id, w.workflow_name, w.head_sha, w.head_branch, w.updated_at
    FROM metrics.repo_deployment_source so
    JOIN source.github_workflow_runs w ON w.repo_id = so.repo_id
   WHERE so.source = 'workflow' AND so.workflow IS NOT NULL AND (scope_repo_id IS NULL OR so.repo_id = ANY (scope_repo_id))
     AND (w.workflow_name = so.workflow OR w.path LIKE '%/' || so.workflow)
     AND w.head_branch = so.default_branch AND w.conclusion = 'success'
  UNION ALL
  SELECT 'merges', p.merge_commit_oid, p.repo_id, 'merge', p.merge_commit_oid, p.base_ref, p.merged_at
    FROM metrics.repo_deployment_source so
    JOIN source.github_pull_requests p ON p.repo_id = so.repo_id
   WHERE so.source = 'merges' AND (scope_repo_id IS NULL OR so.repo_id = ANY (scope_repo_id))
     AND p.merged_at IS NOT NULL AND p.merge_commit_oid IS NOT NULL AND p.base_ref = so.default_branch
), placed AS (
  SELECT c.source, c.id, c.repo_id, c.environment, c.sha, c.ref, c.finished_at,
         coalesce(gc.position, mb.position) AS position,
         gc.position IS NULL AND cmp.head_oid IS NOT NULL AND cmp.status IN ('ahead', 'diverged') AS off_history
    FROM chosen c
    -- (OFFSET 0: one hash join with the history, not an index probe per deployment)
    LEFT JOIN (SELECT repo_id, oid, position FROM source.github_commits
                WHERE scope_repo_id IS NULL OR repo_id = ANY (scope_repo_id) OFFSET 0) gc ON gc.repo_id = c.repo_id AND gc.oid = c.sha
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
SELECT source, id, repo_id, environment, sha, ref, finished_at, position, off_history, seq, baseline, reach,
       prev_reach, previous_finished_at, previous_position, is_fallback
  FROM ordered;
END;

-- The repositories whose deployments a sync's writes can have changed: those whose deployments,
-- statuses, releases, workflow runs, compares, history or settings were written, and those
-- deploying by merges whose pull requests were. NULL: all of them.
CREATE FUNCTION metrics.deployments_scope(since pg_snapshot, run bigint)
RETURNS text[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  WITH changes AS (
    SELECT table_name, repo_ids FROM metrics.refresh_changes(since, ARRAY[
      'github_deployments', 'github_deployment_statuses', 'github_releases', 'github_workflow_runs',
      'github_compares', 'github_commits', 'github_repos', 'github_pull_requests'])
  ), repos AS (
    SELECT k.repo_id FROM changes c CROSS JOIN LATERAL unnest(c.repo_ids) k (repo_id)
     WHERE c.table_name <> 'github_pull_requests'
        OR EXISTS (SELECT 1 FROM metrics.repo_deployment_source so WHERE so.repo_id = k.repo_id AND so.source = 'merges')
  )
  SELECT CASE WHEN EXISTS (SELECT 1 FROM changes WHERE repo_ids IS NULL) THEN NULL
              ELSE coalesce((SELECT array_agg(DISTINCT repo_id) FROM repos), '{}') END;
END;

CREATE TABLE metrics.deployments AS SELECT * FROM metrics.deployments_rows(NULL);
CREATE UNIQUE INDEX deployments_id ON metrics.deployments (id);
CREATE INDEX deployments_repo_reach ON metrics.deployments (repo_id, reach, finished_at);
CREATE INDEX deployments_repo_time ON metrics.deployments (repo_id, finished_at);
-- A deployment's previous one: a rollback (metrics.deployment_failure_signals).
CREATE INDEX deployments_repo_seq ON metrics.deployments (repo_id, seq);

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
-- A kept table (metrics/refresh.ts): its rows are read again pull request by pull request.
CREATE FUNCTION metrics.deployment_changes_rows(scope_pr_id text[])
RETURNS TABLE (pr_id text, repo_id text, deployment_id text, deployed_at timestamptz, method text)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH prs AS (
  SELECT p.id AS pr_id, p.repo_id, p.merged_at, c.position AS merge_position
    FROM source.github_pull_requests p
    JOIN metrics.repos r ON r.repo_id = p.repo_id
    LEFT JOIN source.github_commits c ON c.repo_id = p.repo_id AND c.oid = p.merge_commit_oid
   WHERE p.merged_at IS NOT NULL AND p.base_ref = r.default_branch
     AND (scope_pr_id IS NULL OR p.id = ANY (scope_pr_id))
), reaches AS (
  -- The deployments that moved a repository's reach forward: reach grows strictly along
  -- them, so the first deployment containing a position is the advance that reached it.
  SELECT d.repo_id, array_agg(d.reach ORDER BY d.reach) AS reaches
    FROM metrics.deployments d
   WHERE d.reach IS NOT NULL AND (d.prev_reach IS NULL OR d.reach > d.prev_reach)
     AND (scope_pr_id IS NULL OR d.repo_id IN (SELECT prs.repo_id FROM prs))
   GROUP BY d.repo_id
), covering AS MATERIALIZED (
  -- The reach of the advance that reached each merge commit: width_bucket counts (by binary
  -- search) the advances short of it. Past the last advance, none: not shipped yet. (The
  -- deployment is joined by its reach, not read off an array of the advances' ids beside
  -- the reaches: an element of an array of text is found by walking those before it.)
  SELECT prs.pr_id, prs.repo_id, rs.reaches[width_bucket(prs.merge_position - 1, rs.reaches) + 1] AS reach
    FROM prs
    JOIN reaches rs ON rs.repo_id = prs.repo_id
   WHERE prs.merge_position IS NOT NULL
), by_history AS (
  SELECT c.pr_id, c.repo_id, d.id AS deployment_id, d.finished_at, d.baseline
    FROM covering c
    JOIN metrics.deployments d ON d.repo_id = c.repo_id AND d.reach = c.reach
   WHERE d.prev_reach IS NULL OR d.reach > d.prev_reach
), by_branch AS (
  SELECT DISTINCT ON (pc.pr_id) pc.pr_id, prs.repo_id, d.id AS deployment_id, d.finished_at, d.baseline
    FROM metrics.deployments d
    JOIN source.github_compares cmp ON cmp.repo_id = d.repo_id AND cmp.head_oid = d.sha
    JOIN source.github_pr_commits pc ON pc.oid = ANY (cmp.ahead_oids)
    JOIN prs ON prs.pr_id = pc.pr_id AND prs.repo_id = d.repo_id
   WHERE d.off_history
   ORDER BY pc.pr_id, d.finished_at
), by_time AS (
  SELECT prs.pr_id, prs.repo_id, d.id AS deployment_id, d.finished_at, d.baseline
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
  SELECT pr_id, repo_id, deployment_id, finished_at, baseline, 'history'::text AS method FROM by_history
  UNION ALL SELECT pr_id, repo_id, deployment_id, finished_at, baseline, 'approximate' FROM by_time
), first_one AS (
  -- The earliest candidate; only PRs shipped from a branch have two.
  SELECT * FROM by_position bp WHERE NOT EXISTS (SELECT 1 FROM by_branch bb WHERE bb.pr_id = bp.pr_id)
  UNION ALL
  (SELECT DISTINCT ON (pr_id) pr_id, repo_id, deployment_id, finished_at, baseline, method
     FROM (SELECT * FROM by_position bp WHERE EXISTS (SELECT 1 FROM by_branch bb WHERE bb.pr_id = bp.pr_id)
           UNION ALL SELECT pr_id, repo_id, deployment_id, finished_at, baseline, 'compare' FROM by_branch) c
    ORDER BY pr_id, finished_at, method)
)
SELECT f.pr_id, f.repo_id, f.deployment_id, f.finished_at AS deployed_at, f.method
  FROM first_one f
 WHERE NOT f.baseline;
END;

CREATE TABLE metrics.deployment_changes AS SELECT * FROM metrics.deployment_changes_rows(NULL);
CREATE UNIQUE INDEX deployment_changes_pr ON metrics.deployment_changes (pr_id);
CREATE INDEX deployment_changes_deployment ON metrics.deployment_changes (deployment_id);
CREATE INDEX deployment_changes_repo_time ON metrics.deployment_changes (repo_id, deployed_at);

-- A PR names a Jira issue when its title, branch or body holds a key of a known project.
-- The keys alone (metrics.pr_issue_keys) do not read the issues: a pull request's row does not
-- depend on them, so an issue's change leaves the pull requests unrefreshed (metrics/refresh.ts).
CREATE VIEW metrics.pr_issue_keys AS
SELECT r.pr_id, r.issue_key, r.found_in
  FROM source.github_pr_issue_refs r
  JOIN source.jira_projects p ON p.key = split_part(r.issue_key, '-', 1);

CREATE VIEW metrics.pr_issue_links AS
SELECT k.pr_id, k.issue_key, k.found_in, i.id AS issue_id
  FROM metrics.pr_issue_keys k
  LEFT JOIN source.jira_issues i ON i.key = k.issue_key;

-- Reviews by people other than the author, bots excluded: the review load. A kept table (see
-- metrics/refresh.ts): metrics.reviews_rows is its one definition, read for every pull request
-- (NULL) or for those a change reached; metrics.reviews_scope says which those are.
CREATE FUNCTION metrics.reviews_rows(scope_pr_id text[])
RETURNS TABLE (review_id text, repo_id text, pr_id text, reviewer text, submitted_at timestamptz, state text)
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT rv.id, p.repo_id, rv.pr_id, rv.author_login, rv.submitted_at, rv.state
    FROM source.github_pr_reviews rv
    JOIN source.github_pull_requests p ON p.id = rv.pr_id
    CROSS JOIN metrics.bot_rules b
   WHERE (scope_pr_id IS NULL OR rv.pr_id = ANY (scope_pr_id))
     AND rv.submitted_at IS NOT NULL
     AND rv.author_login IS DISTINCT FROM p.author_login
     AND NOT (rv.author_login IS NOT NULL AND (rv.author_login ~* b.pattern OR lower(rv.author_login) = ANY (b.logins)));
END;

-- The pull requests whose reviews a sync's writes can have changed: those whose reviews were
-- written, or which were (their author). NULL: all of them.
CREATE FUNCTION metrics.reviews_scope(since pg_snapshot, run bigint)
RETURNS text[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT CASE WHEN bool_or(c.pr_ids IS NULL) THEN NULL ELSE coalesce(array_agg(DISTINCT k.pr_id), '{}') END
    FROM metrics.refresh_changes(since, ARRAY['github_pr_reviews', 'github_pull_requests']) c
    LEFT JOIN LATERAL unnest(c.pr_ids) k (pr_id) ON true;
END;

CREATE TABLE metrics.reviews AS SELECT * FROM metrics.reviews_rows(NULL);
-- Read by pull request (its refresh, a pull request's row, the insight's facts) and by week
-- (metrics.review_load_weekly): nothing reads a review by its id or a repository's by time,
-- and each index is built again whole on a first refresh (at a million pull requests, 2 s each).
CREATE INDEX reviews_pr ON metrics.reviews (pr_id);
CREATE INDEX reviews_time ON metrics.reviews (submitted_at);

CREATE VIEW metrics.team_reviews AS
SELECT tr.team, r.* FROM metrics.reviews r JOIN metrics.team_repos tr ON tr.repo_id = r.repo_id
UNION ALL
SELECT '*', r.* FROM metrics.reviews r;

-- Reviews per reviewer in a week, summarised per team (no leaderboards). A kept table
-- (metrics/refresh.ts), read again week by week.
CREATE FUNCTION metrics.review_load_weekly_rows(scope_week timestamptz[])
RETURNS TABLE (team text, week timestamptz, reviewers bigint, reviews numeric, reviews_per_reviewer_p50 double precision,
               reviews_per_reviewer_max bigint, busiest_reviewer_share_pct numeric)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH picked AS (
  SELECT r.repo_id, r.submitted_at, r.reviewer FROM metrics.reviews r WHERE scope_week IS NULL
  UNION ALL
  SELECT r.repo_id, r.submitted_at, r.reviewer
    FROM unnest(scope_week) w
    JOIN metrics.reviews r ON r.submitted_at >= w AND r.submitted_at < w + interval '7 days'
), by_repo AS (
  SELECT repo_id, date_trunc('week', submitted_at, 'UTC') AS week, reviewer, count(*) AS reviews
    FROM picked GROUP BY 1, 2, 3
), per AS (
  -- As metrics.team_reviews counted per reviewer: a team's count is the sum over its repositories.
  SELECT t.team, b.week, b.reviewer, sum(b.reviews)::bigint AS reviews
    FROM by_repo b JOIN metrics.repo_teams t ON t.repo_id = b.repo_id
   GROUP BY 1, 2, 3
)
SELECT team, week,
       count(*) AS reviewers,
       sum(reviews) AS reviews,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY reviews) AS reviews_per_reviewer_p50,
       max(reviews) AS reviews_per_reviewer_max,
       round(100.0 * max(reviews) / nullif(sum(reviews), 0), 1) AS busiest_reviewer_share_pct
  FROM per GROUP BY 1, 2;
END;

-- The weeks whose reviews came out different in this refresh.
CREATE FUNCTION metrics.review_load_weekly_scope(since pg_snapshot, run bigint)
RETURNS timestamptz[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT metrics.refresh_changed_periods(since,
           metrics.refresh_changed_times(run, 'reviews', 'review_id', 'submitted_at',
                                         ARRAY['repo_id', 'reviewer', 'submitted_at']), 'week');
END;

CREATE TABLE metrics.review_load_weekly AS SELECT * FROM metrics.review_load_weekly_rows(NULL);
CREATE UNIQUE INDEX review_load_weekly_key ON metrics.review_load_weekly (team, week);

-- Pull requests ------------------------------------------------------------------------------
-- One row per pull request with its stages:
--   coding : first commit authored → ready for review (opened, or leaving draft)
--   pickup : ready → first review by someone other than the author (bots excluded)
--   review : first review → merged
--   deploy : merged → shipped in a production deployment
-- and its change lead time (first commit → shipped).
-- A kept table (metrics/refresh.ts): its rows are read again pull request by pull request.
CREATE FUNCTION metrics.pull_requests_rows(scope_pr_id text[])
RETURNS TABLE (pr_id text, repo_id text, repo text, number integer, pr_key text, url text, title text, author text,
               is_bot boolean, state text, is_draft boolean, created_at timestamptz, ready_at timestamptz,
               first_commit_at timestamptz, first_review_at timestamptz, merged_at timestamptz, closed_at timestamptz,
               deployed_at timestamptz, deployment_id text, ship_method text, coding_s double precision,
               pickup_s double precision, review_s double precision, deploy_s double precision,
               lead_time_s double precision, size integer, changed_files integer, commits bigint, reviews bigint,
               review_rounds bigint, merged_without_review boolean, is_revert boolean, reverts_number integer,
               is_hotfix boolean, issue_keys text[])
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH bots AS (
  SELECT * FROM metrics.bot_rules
), reviews AS (
  -- metrics.reviews holds the reviews that count: by someone other than the author, bots excluded.
  SELECT pr_id,
         count(*) AS reviews,
         count(*) FILTER (WHERE state = 'CHANGES_REQUESTED') AS review_rounds,
         min(submitted_at) AS first_at
    FROM metrics.reviews WHERE scope_pr_id IS NULL OR pr_id = ANY (scope_pr_id) GROUP BY pr_id
), commits AS (
  SELECT pr_id, min(authored_at) AS first_commit_at, count(*) AS commits
    FROM source.github_pr_commits WHERE scope_pr_id IS NULL OR pr_id = ANY (scope_pr_id) GROUP BY pr_id
), links AS (
  SELECT pr_id, array_agg(issue_key ORDER BY issue_key) AS issue_keys
    FROM metrics.pr_issue_keys WHERE scope_pr_id IS NULL OR pr_id = ANY (scope_pr_id) GROUP BY pr_id
), hotfix AS (
  SELECT (SELECT value FROM metrics.setting_values WHERE key = 'hotfix_label') AS label,
         (SELECT value FROM metrics.setting_values WHERE key = 'hotfix_branch_pattern') AS branch
), pr AS (
  SELECT p.*, coalesce(p.ready_at, p.created_at) AS ready,
         least(cm.first_commit_at, coalesce(p.ready_at, p.created_at)) AS first_commit,
         cm.commits
    FROM source.github_pull_requests p
    LEFT JOIN commits cm ON cm.pr_id = p.id
   WHERE scope_pr_id IS NULL OR p.id = ANY (scope_pr_id)
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
;
END;

-- The pull requests a sync's writes can have changed: those written, or whose commits, reviews
-- or Jira keys were, those of a repository written, and those whose reviews or shipping came
-- out different in this refresh. NULL: all of them.
CREATE FUNCTION metrics.pull_requests_scope(since pg_snapshot, run bigint)
RETURNS text[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  WITH changes AS (
    SELECT table_name, repo_ids, pr_ids FROM metrics.refresh_changes(since, ARRAY[
      'github_pull_requests', 'github_pr_commits', 'github_pr_reviews', 'github_pr_issue_refs',
      'github_repos', 'jira_projects'])
  ), diffs AS (
    SELECT d.row FROM ops.refresh_diffs d
     WHERE d.run = pull_requests_scope.run AND d.table_name IN ('reviews', 'deployment_changes')
  ), prs AS (
    SELECT k.pr_id FROM changes c CROSS JOIN LATERAL unnest(c.pr_ids) k (pr_id)
    UNION ALL
    SELECT p.id FROM source.github_pull_requests p
     WHERE p.repo_id IN (SELECT k.repo_id FROM changes c CROSS JOIN LATERAL unnest(c.repo_ids) k (repo_id)
                          WHERE c.table_name = 'github_repos')
    UNION ALL
    SELECT d.row ->> 'pr_id' FROM diffs d WHERE d.row IS NOT NULL
  )
  SELECT CASE WHEN EXISTS (SELECT 1 FROM changes
                            WHERE table_name = 'jira_projects'
                               OR (table_name = 'github_repos' AND repo_ids IS NULL)
                               OR (table_name NOT IN ('github_repos', 'jira_projects') AND pr_ids IS NULL))
                OR EXISTS (SELECT 1 FROM diffs WHERE row IS NULL)
              THEN NULL
              ELSE coalesce((SELECT array_agg(DISTINCT pr_id) FROM prs), '{}') END;
END;

CREATE TABLE metrics.pull_requests AS SELECT * FROM metrics.pull_requests_rows(NULL);
CREATE UNIQUE INDEX pull_requests_id ON metrics.pull_requests (pr_id);
CREATE INDEX pull_requests_repo_number ON metrics.pull_requests (repo_id, number);
-- Covering indexes: a period's percentiles, what its merged changes became (deployed, how
-- they were linked: metrics.dora_evidence) and the rows an explanation reads
-- (metrics.explain_rows, repository by repository) are read from the index alone.
CREATE INDEX pull_requests_repo_deployed ON metrics.pull_requests (repo_id, deployed_at)
  INCLUDE (lead_time_s, number, coding_s, pickup_s, review_s, deploy_s, size, merged_at, ready_at)
  WHERE deployed_at IS NOT NULL;
CREATE INDEX pull_requests_deployed ON metrics.pull_requests (deployed_at) INCLUDE (lead_time_s) WHERE deployed_at IS NOT NULL;
CREATE INDEX pull_requests_repo_merged ON metrics.pull_requests (repo_id, merged_at)
  INCLUDE (is_bot, coding_s, pickup_s, review_s, deploy_s, size, merged_without_review, deployed_at, ship_method,
           number, first_commit_at, ready_at)
  WHERE merged_at IS NOT NULL;
-- The lead times of one bin of a period (metrics.dora_summary): a team's, repository by
-- repository, and all teams'.
CREATE INDEX pull_requests_lead_bin_repo ON metrics.pull_requests (metrics.duration_bin(lead_time_s), repo_id, deployed_at)
  INCLUDE (lead_time_s) WHERE deployed_at IS NOT NULL;
CREATE INDEX pull_requests_lead_bin ON metrics.pull_requests (metrics.duration_bin(lead_time_s), deployed_at)
  INCLUDE (lead_time_s) WHERE deployed_at IS NOT NULL;
CREATE INDEX pull_requests_merged ON metrics.pull_requests (merged_at)
  INCLUDE (is_bot, coding_s, pickup_s, review_s, deploy_s, size, merged_without_review, deployed_at, ship_method)
  WHERE merged_at IS NOT NULL;
CREATE INDEX pull_requests_open ON metrics.pull_requests (repo_id) WHERE state = 'OPEN';
CREATE INDEX pull_requests_deployment ON metrics.pull_requests (deployment_id) WHERE deployment_id IS NOT NULL;
-- Pull requests merged and not shipped: read by metrics.deployment_changes_scope.
CREATE INDEX pull_requests_unshipped ON metrics.pull_requests (repo_id) WHERE merged_at IS NOT NULL AND deployed_at IS NULL;
-- A repository's reverts and hotfixes: its failure signals, read again repository by repository.
CREATE INDEX pull_requests_reverts ON metrics.pull_requests (repo_id) WHERE is_revert;
CREATE INDEX pull_requests_hotfixes ON metrics.pull_requests (repo_id) WHERE is_hotfix;

-- The pull requests whose shipping a sync's writes can have changed:
--   those written, or whose commits were;
--   in a repository whose deployments changed from time T on (the earliest change, either
--     way: every deployment before it is as it was, so is every shipping it decided), those
--     shipped at T or later, or not shipped;
--   in a repository with new history, those not shipped or placed by time only (their merge
--     commit may now be known); in one whose history was rewritten, or whose compares or
--     settings were written, all of them.
-- NULL: all of them.
CREATE FUNCTION metrics.deployment_changes_scope(since pg_snapshot, run bigint)
RETURNS text[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  WITH changes AS (
    SELECT table_name, operation, repo_ids, pr_ids FROM metrics.refresh_changes(since, ARRAY[
      'github_pull_requests', 'github_pr_commits', 'github_commits', 'github_compares', 'github_repos'])
  ), moved AS (
    SELECT k AS repo_id, since_at FROM metrics.refresh_changed_since(run, 'deployments', 'repo_id', 'finished_at')
  ), whole_repos AS (
    SELECT k.repo_id FROM changes c CROSS JOIN LATERAL unnest(c.repo_ids) k (repo_id)
     WHERE c.table_name IN ('github_compares', 'github_repos') OR (c.table_name = 'github_commits' AND c.operation <> 'insert')
  ), new_history AS (
    SELECT k.repo_id FROM changes c CROSS JOIN LATERAL unnest(c.repo_ids) k (repo_id)
     WHERE c.table_name = 'github_commits' AND c.operation = 'insert'
  ), prs AS (
    SELECT k.pr_id FROM changes c CROSS JOIN LATERAL unnest(c.pr_ids) k (pr_id)
     WHERE c.table_name IN ('github_pull_requests', 'github_pr_commits')
    UNION ALL
    SELECT p.id FROM source.github_pull_requests p
     WHERE p.repo_id IN (SELECT repo_id FROM whole_repos) AND p.merged_at IS NOT NULL
    UNION ALL
    SELECT dc.pr_id FROM moved m JOIN metrics.deployment_changes dc ON dc.repo_id = m.repo_id
     WHERE m.since_at IS NULL OR dc.deployed_at >= m.since_at
    UNION ALL
    SELECT dc.pr_id FROM metrics.deployment_changes dc
     WHERE dc.method = 'approximate' AND dc.repo_id IN (SELECT repo_id FROM new_history)
    UNION ALL
    -- Merged and not shipped: no row of their own.
    SELECT pr.pr_id FROM metrics.pull_requests pr
     WHERE pr.merged_at IS NOT NULL AND pr.deployed_at IS NULL
       AND (pr.repo_id IN (SELECT repo_id FROM moved) OR pr.repo_id IN (SELECT repo_id FROM new_history))
  )
  SELECT CASE WHEN EXISTS (SELECT 1 FROM changes WHERE (table_name IN ('github_pull_requests', 'github_pr_commits') AND pr_ids IS NULL)
                                                    OR (table_name NOT IN ('github_pull_requests', 'github_pr_commits') AND repo_ids IS NULL))
                OR EXISTS (SELECT 1 FROM ops.refresh_diffs d
                            WHERE d.run = deployment_changes_scope.run AND d.table_name = 'deployments' AND d.row IS NULL)
              THEN NULL
              ELSE coalesce((SELECT array_agg(DISTINCT pr_id) FROM prs), '{}') END;
END;


CREATE VIEW metrics.team_pull_requests AS
SELECT tr.team, p.* FROM metrics.pull_requests p JOIN metrics.team_repos tr ON tr.repo_id = p.repo_id
UNION ALL
SELECT '*', p.* FROM metrics.pull_requests p;

-- A kept table (metrics/refresh.ts), read again week by week.
CREATE FUNCTION metrics.pr_flow_weekly_rows(scope_week timestamptz[])
RETURNS TABLE (team text, week timestamptz, merged bigint, merged_without_review bigint, coding_p50_h double precision,
               pickup_p50_h double precision, review_p50_h double precision, deploy_p50_h double precision,
               size_p50 double precision, files_p50 double precision, reviews_avg numeric, review_rounds_avg numeric,
               coding_n bigint, pickup_n bigint, review_n bigint, deploy_n bigint)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH picked AS (
  SELECT p.repo_id, p.merged_at, p.merged_without_review, p.coding_s, p.pickup_s, p.review_s, p.deploy_s, p.size,
         p.changed_files, p.reviews, p.review_rounds
    FROM metrics.pull_requests p WHERE scope_week IS NULL AND p.merged_at IS NOT NULL AND NOT p.is_bot
  UNION ALL
  SELECT p.repo_id, p.merged_at, p.merged_without_review, p.coding_s, p.pickup_s, p.review_s, p.deploy_s, p.size,
         p.changed_files, p.reviews, p.review_rounds
    FROM unnest(scope_week) w
    JOIN metrics.pull_requests p ON p.merged_at >= w AND p.merged_at < w + interval '7 days'
   WHERE NOT p.is_bot
), teamed AS (
  -- As metrics.team_pull_requests, after the weeks are picked: each week read by its index.
  SELECT t.team, p.* FROM picked p JOIN metrics.repo_teams t ON t.repo_id = p.repo_id
)
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
       avg(review_rounds) AS review_rounds_avg,
       -- How many had each stage, under its percentile.
       count(coding_s) AS coding_n,
       count(pickup_s) AS pickup_n,
       count(review_s) AS review_n,
       count(deploy_s) AS deploy_n
  FROM teamed
 GROUP BY 1, 2;
END;

-- The weeks whose merged pull requests came out different in this refresh, in what is summed.
CREATE FUNCTION metrics.pr_flow_weekly_scope(since pg_snapshot, run bigint)
RETURNS timestamptz[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT metrics.refresh_changed_periods(since,
           metrics.refresh_changed_times(run, 'pull_requests', 'pr_id', 'merged_at',
                                         ARRAY['repo_id', 'is_bot', 'merged_at', 'merged_without_review', 'coding_s',
                                               'pickup_s', 'review_s', 'deploy_s', 'size', 'changed_files', 'reviews',
                                               'review_rounds']), 'week');
END;

CREATE TABLE metrics.pr_flow_weekly AS SELECT * FROM metrics.pr_flow_weekly_rows(NULL);
CREATE UNIQUE INDEX pr_flow_weekly_key ON metrics.pr_flow_weekly (team, week);

CREATE VIEW metrics.open_pull_requests AS
SELECT team, pr_key, url, title, repo, is_draft, created_at, ready_at, first_review_at, issue_keys,
       extract(epoch FROM now() - created_at) / 86400 AS age_days,
       CASE WHEN NOT is_draft THEN extract(epoch FROM now() - coalesce(first_review_at, ready_at)) / 3600 END AS waiting_h,
       CASE WHEN is_draft THEN 'draft' WHEN first_review_at IS NULL THEN 'waiting for review' ELSE 'in review' END AS stage
  FROM metrics.team_pull_requests
 WHERE state = 'OPEN';
