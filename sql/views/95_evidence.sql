-- The evidence behind the figures: how many rows each rests on, how far to trust it, and
-- why a figure is empty or thin, naming the setting to look at. Definitions: docs/metrics.md.

-- Every GitHub deployment's environment, production or not: what a team deployed to, for the
-- evidence to name when none of it matched the production pattern.
CREATE VIEW metrics.deployment_environments AS
SELECT d.repo_id, d.environment, d.created_at FROM source.github_deployments d;

-- The environments a repository deployed to in a period. A repository has a few environments
-- and thousands of deployments: each environment is found from the one before it through the
-- (repo_id, environment, created_at) index and then asked whether it was deployed to in the
-- period, so the read grows with the environments, not the deployments (the whole
-- organisation over two years at large: its 394 environments in 10 ms, where reading the
-- period's 250,000 deployments took 71).
CREATE FUNCTION metrics.repo_environments(p_repo_id text, p_from timestamptz, p_to timestamptz)
RETURNS SETOF text
LANGUAGE sql STABLE AS $$
  WITH RECURSIVE envs (environment) AS (
    (SELECT e.environment FROM metrics.deployment_environments e
      WHERE e.repo_id = p_repo_id ORDER BY e.environment LIMIT 1)
    UNION ALL
    SELECT (SELECT e.environment FROM metrics.deployment_environments e
             WHERE e.repo_id = p_repo_id AND e.environment > x.environment ORDER BY e.environment LIMIT 1)
      FROM envs x WHERE x.environment IS NOT NULL
  )
  SELECT x.environment FROM envs x
   WHERE x.environment IS NOT NULL
     AND EXISTS (SELECT 1 FROM metrics.deployment_environments e
                  WHERE e.repo_id = p_repo_id AND e.environment = x.environment
                    AND e.created_at >= p_from AND e.created_at < p_to)
$$;

-- A kept table (metrics/refresh.ts), read again week by week: the pull requests merged in a
-- week, by bots among them, and what became of them, for what the lead-time tile and the
-- flow figures rest on (metrics.dora_evidence, metrics.flow_evidence).
CREATE FUNCTION metrics.pr_shipping_weekly_rows(scope_week timestamptz[])
RETURNS TABLE (team text, week timestamptz, merged bigint, shipped bigint, approximate bigint, by_bots bigint)
LANGUAGE sql STABLE
BEGIN ATOMIC
WITH prs AS (
  SELECT p.repo_id, p.merged_at, p.deployed_at, p.ship_method, p.is_bot
    FROM metrics.pull_requests p WHERE scope_week IS NULL AND p.merged_at IS NOT NULL
  UNION ALL
  SELECT p.repo_id, p.merged_at, p.deployed_at, p.ship_method, p.is_bot
    FROM unnest(scope_week) w
    JOIN metrics.pull_requests p ON p.merged_at >= w AND p.merged_at < w + interval '7 days'
)
SELECT t.team, date_trunc('week', p.merged_at, 'UTC') AS week, count(*) AS merged,
       count(*) FILTER (WHERE p.deployed_at IS NOT NULL) AS shipped,
       count(*) FILTER (WHERE p.ship_method = 'approximate') AS approximate,
       count(*) FILTER (WHERE p.is_bot) AS by_bots
  FROM prs p JOIN metrics.repo_teams t ON t.repo_id = p.repo_id
 GROUP BY 1, 2;
END;

-- The weeks whose merged pull requests came out different in repository, time, shipping or author.
CREATE FUNCTION metrics.pr_shipping_weekly_scope(since pg_snapshot, run bigint)
RETURNS timestamptz[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT metrics.refresh_changed_periods(since,
           metrics.refresh_changed_times(run, 'pull_requests', 'pr_id', 'merged_at',
                                         ARRAY['repo_id', 'merged_at', 'deployed_at', 'ship_method', 'is_bot']),
           'week');
END;

CREATE TABLE metrics.pr_shipping_weekly AS SELECT * FROM metrics.pr_shipping_weekly_rows(NULL);
CREATE UNIQUE INDEX pr_shipping_weekly_key ON metrics.pr_shipping_weekly (team, week) INCLUDE (merged, shipped, approximate, by_bots);

-- What each DORA tile of a team's period rests on: how many rows, how far to trust them, and
-- when the tile is empty or thin, why and which setting to look at. `confidence` is `none` (no
-- figure), `low` (a figure on too little: fewer than 5 changes or deployments, fewer than 3
-- failed deployments, fewer than half the merged changes shipped, or deployments read only
-- from merges) or `ok`. `detail` holds the counts (camelCase, as the API's).
CREATE FUNCTION metrics.dora_evidence(p_team text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (metric text, rows bigint, confidence text, reason text, setting text, detail jsonb)
LANGUAGE sql STABLE AS $$
  WITH repos AS (
    SELECT r.repo_id, r.production_pattern FROM metrics.repos r
     WHERE p_team = '*' OR r.repo_id IN (SELECT tr.repo_id FROM metrics.team_repos tr WHERE tr.team = p_team)
  ), synced AS (
    SELECT max(last_success_at) AS github_at FROM metrics.sync_freshness WHERE source = 'github'
  ), sources AS MATERIALIZED (
    -- The period's deployments by where they were read from: the weeks whole within the
    -- period from metrics.deployment_sources_weekly, the weeks its ends cut from the rows.
    SELECT x.source, sum(x.n) AS n
      FROM (SELECT w.source, w.deployments AS n
              FROM metrics.deployment_sources_weekly w
             WHERE w.team = p_team AND w.week >= metrics.week_from(p_from) AND w.week < date_trunc('week', p_to, 'UTC')
            UNION ALL
            SELECT o.source, 1
              FROM metrics.deployment_outcomes o
             WHERE p_team = '*' AND o.finished_at >= p_from AND o.finished_at < least(metrics.week_from(p_from), p_to)
            UNION ALL
            SELECT o.source, 1
              FROM metrics.deployment_outcomes o
             WHERE p_team = '*' AND o.finished_at < p_to
               AND o.finished_at >= greatest(metrics.week_from(p_from), date_trunc('week', p_to, 'UTC'))
            UNION ALL
            SELECT o.source, 1
              FROM repos r JOIN metrics.deployment_outcomes o ON o.repo_id = r.repo_id
             WHERE p_team <> '*' AND o.finished_at >= p_from AND o.finished_at < least(metrics.week_from(p_from), p_to)
            UNION ALL
            SELECT o.source, 1
              FROM repos r JOIN metrics.deployment_outcomes o ON o.repo_id = r.repo_id
             WHERE p_team <> '*' AND o.finished_at < p_to
               AND o.finished_at >= greatest(metrics.week_from(p_from), date_trunc('week', p_to, 'UTC'))) x
     GROUP BY 1
  ), dep AS (
    -- A deployment not recovered has no recovery time.
    SELECT c.deployments, c.fallback,
           coalesce((SELECT sum(s.n) FROM sources s WHERE s.source = 'merges'), 0)::bigint AS from_merges,
           c.failed, c.failed - c.recovered AS unrecovered, c.rework,
           (SELECT coalesce(jsonb_object_agg(s.source, s.n), '{}') FROM sources s) AS sources
      FROM metrics.deployment_counts(p_team, p_from, p_to) c
  ), kinds AS (
    -- Only failed (rework) deployments have kinds of failure (rework): read through the
    -- partial index of those.
    SELECT coalesce(jsonb_object_agg(kind, n) FILTER (WHERE what = 'failed'), '{}') AS failed_by,
           coalesce(jsonb_object_agg(kind, n) FILTER (WHERE what = 'rework'), '{}') AS rework_by
      FROM (SELECT 'failed' AS what, k AS kind, count(*) AS n
              FROM metrics.team_deployments d, unnest(d.failure_kinds) k
             WHERE d.team = p_team AND d.finished_at >= p_from AND d.finished_at < p_to AND d.failed GROUP BY 2
            UNION ALL
            SELECT 'rework', k, count(*)
              FROM metrics.team_deployments d, unnest(d.rework_kinds) k
             WHERE d.team = p_team AND d.finished_at >= p_from AND d.finished_at < p_to AND d.rework GROUP BY 2) x
  ), envs AS (
    -- Every environment the team's repositories deployed to in the period, and those the
    -- production pattern matches.
    SELECT coalesce(array_agg(DISTINCT e.environment ORDER BY e.environment), '{}') AS seen,
           coalesce(array_agg(DISTINCT e.environment ORDER BY e.environment) FILTER (WHERE e.environment ~* r.production_pattern), '{}') AS matched
      FROM repos r CROSS JOIN LATERAL metrics.repo_environments(r.repo_id, p_from, p_to) e(environment)
  ), prs AS (
    -- The weeks whole within the period from metrics.pr_shipping_weekly, the weeks its ends
    -- cut from the rows (as metrics.lead_time_counts): a team's through its repositories.
    SELECT coalesce(sum(x.merged), 0)::bigint AS merged, coalesce(sum(x.shipped), 0)::bigint AS shipped,
           coalesce(sum(x.approximate), 0)::bigint AS approximate,
           coalesce(sum(x.merged) - sum(x.shipped), 0)::bigint AS never_deployed
      FROM (SELECT w.merged, w.shipped, w.approximate
              FROM metrics.pr_shipping_weekly w
             WHERE w.team = p_team AND w.week >= metrics.week_from(p_from) AND w.week < date_trunc('week', p_to, 'UTC')
            UNION ALL
            SELECT 1, (p.deployed_at IS NOT NULL)::int, (p.ship_method = 'approximate')::int
              FROM metrics.pull_requests p
             WHERE p_team = '*' AND p.merged_at >= p_from AND p.merged_at < least(metrics.week_from(p_from), p_to)
            UNION ALL
            SELECT 1, (p.deployed_at IS NOT NULL)::int, (p.ship_method = 'approximate')::int
              FROM metrics.pull_requests p
             WHERE p_team = '*' AND p.merged_at < p_to
               AND p.merged_at >= greatest(metrics.week_from(p_from), date_trunc('week', p_to, 'UTC'))
            UNION ALL
            SELECT 1, (p.deployed_at IS NOT NULL)::int, (p.ship_method = 'approximate')::int
              FROM repos r JOIN metrics.pull_requests p ON p.repo_id = r.repo_id
             WHERE p_team <> '*' AND p.merged_at >= p_from AND p.merged_at < least(metrics.week_from(p_from), p_to)
            UNION ALL
            SELECT 1, (p.deployed_at IS NOT NULL)::int, (p.ship_method = 'approximate')::int
              FROM repos r JOIN metrics.pull_requests p ON p.repo_id = r.repo_id
             WHERE p_team <> '*' AND p.merged_at < p_to
               AND p.merged_at >= greatest(metrics.week_from(p_from), date_trunc('week', p_to, 'UTC'))) x
  ), lead AS (
    SELECT coalesce(sum(c.n), 0)::bigint AS shipped_in_period FROM metrics.lead_time_counts(p_team, p_from, p_to) c
  ), inc AS (
    SELECT (SELECT count(*) FROM metrics.setting_incident_rules) AS rules,
           count(*) AS incidents,
           -- An incident attributed to a deployment is a row of metrics.deployment_failure_incidents.
           count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM metrics.deployment_failure_incidents e
                                               WHERE e.issue_id = i.issue_id)) AS unattributed
      FROM metrics.incident_issues i
     WHERE i.started_at >= p_from AND i.started_at < p_to
       AND (p_team = '*' OR i.project_key IN (SELECT tp.project_key FROM metrics.team_projects tp WHERE tp.team = p_team))
  ), common AS (
    -- The causes that empty every deployment tile, first found first said.
    SELECT CASE
             WHEN s.github_at IS NULL THEN 'GitHub has never been synced'
             WHEN (SELECT count(*) FROM repos) = 0 THEN
               CASE WHEN p_team = '*' THEN 'no repository has been synced' ELSE 'no repository belongs to team ' || p_team END
             WHEN d.deployments = 0 AND cardinality(e.seen) > 0 AND cardinality(e.matched) = 0 THEN
               'no deployment to a production environment; deployed to: ' || array_to_string(e.seen, ', ')
             WHEN d.deployments = 0 THEN 'no deployment in the period'
           END AS empty,
           CASE
             WHEN s.github_at IS NULL THEN 'GITHUB_TOKEN and GITHUB_ORG, then engmetrics sync github'
             WHEN (SELECT count(*) FROM repos) = 0 THEN
               CASE WHEN p_team = '*' THEN 'GITHUB_REPOS' ELSE 'the organisation file: teams[' || p_team || '].github.repos' END
             WHEN d.deployments = 0 AND cardinality(e.seen) > 0 AND cardinality(e.matched) = 0 THEN
               'the organisation file: deployments.productionPattern (setting production_pattern)'
           END AS setting,
           d.*, e.seen, e.matched, s.github_at
      FROM dep d, envs e, synced s
  )
  SELECT x.metric, x.rows,
         CASE WHEN x.empty IS NOT NULL THEN 'none' WHEN x.low IS NOT NULL THEN 'low' ELSE 'ok' END,
         coalesce(x.empty, x.low),
         CASE WHEN x.empty IS NOT NULL OR x.low IS NOT NULL THEN x.setting END,
         x.detail || jsonb_build_object('dataAsOf', c.github_at)
    FROM common c CROSS JOIN LATERAL (
      SELECT 1 AS ord, 'deployments' AS metric, c.deployments AS rows, c.empty,
             CASE WHEN c.deployments > 0 AND c.from_merges = c.deployments THEN
               CASE WHEN cardinality(c.seen) > 0 AND cardinality(c.matched) = 0
                    THEN 'no deployment to a production environment (deployed to: ' || array_to_string(c.seen, ', ') || '), so deployments are read from merges to the default branch'
                    ELSE 'every deployment is read from merges to the default branch: no deployment, release or deploy workflow was found' END
             END AS low,
             coalesce(c.setting,
                      CASE WHEN cardinality(c.seen) > 0 AND cardinality(c.matched) = 0
                           THEN 'the organisation file: deployments.productionPattern (setting production_pattern)'
                           ELSE 'the organisation file: deployments.repos (source, workflow)' END) AS setting,
             jsonb_build_object('bySource', c.sources, 'fallback', c.fallback,
                                'environmentsSeen', to_jsonb(c.seen), 'environmentsMatched', to_jsonb(c.matched)) AS detail
      UNION ALL
      SELECT 2, 'lead_time_p50', l.shipped_in_period,
             coalesce(c.empty, CASE WHEN l.shipped_in_period = 0 THEN
               CASE WHEN p.merged = 0 THEN 'no pull request merged in the period'
                    ELSE p.merged || ' pull requests merged, none shipped by a production deployment in the period' END END),
             CASE WHEN l.shipped_in_period < 5 THEN 'fewer than 5 changes shipped'
                  WHEN p.merged > 0 AND p.shipped < 0.5 * p.merged THEN round(100.0 * p.shipped / p.merged) || ' % of the merged pull requests shipped'
                  WHEN c.from_merges = c.deployments THEN 'deployments are read from merges, so lead time ends at the merge' END,
             coalesce(c.setting, 'the organisation file: deployments (productionPattern, repos)'),
             jsonb_build_object('changesShipped', l.shipped_in_period, 'merged', p.merged, 'mergedAndShipped', p.shipped,
                                'mergedNeverDeployed', p.never_deployed, 'shippedApproximately', p.approximate,
                                'shippedRatio', round(p.shipped::numeric / nullif(p.merged, 0), 2))
        FROM prs p, lead l
      UNION ALL
      SELECT 3, 'change_fail_rate', c.deployments, c.empty,
             CASE WHEN c.deployments < 5 THEN 'fewer than 5 deployments'
                  WHEN i.rules = 0 THEN 'no incident rule: incidents are not read' END,
             CASE WHEN i.rules = 0 THEN 'the organisation file: incidents (issueTypes, labels)' ELSE c.setting END,
             jsonb_build_object('failedDeployments', c.failed, 'failuresByKind', k.failed_by,
                                'incidents', i.incidents, 'incidentsNotAttributed', i.unattributed, 'incidentRules', i.rules)
        FROM inc i, kinds k
      UNION ALL
      SELECT 4, 'recovery_p50', c.failed,
             coalesce(c.empty, CASE WHEN c.failed = 0 THEN 'no failed deployment to recover from' END),
             CASE WHEN c.failed < 3 THEN 'fewer than 3 failed deployments'
                  WHEN c.unrecovered > 0 THEN c.unrecovered || CASE WHEN c.unrecovered = 1
                    THEN ' failed deployment not yet recovered is not in the median'
                    ELSE ' failed deployments not yet recovered are not in the median' END END,
             c.setting,
             jsonb_build_object('failedDeployments', c.failed, 'unrecovered', c.unrecovered)
      UNION ALL
      SELECT 5, 'rework_rate', c.deployments, c.empty,
             CASE WHEN c.deployments < 5 THEN 'fewer than 5 deployments' END,
             c.setting,
             jsonb_build_object('reworkDeployments', c.rework, 'reworkByKind', k.rework_by)
        FROM kinds k
    ) x
   ORDER BY x.ord
$$;

-- What the flow and sprint figures of a team's period rest on, as dora_evidence says it of the
-- DORA tiles: `pr_flow` (pull requests merged by people, not bots), `jira_flow` (issues done)
-- and `sprints` (sprints started on the team's boards, and their issues' estimates).
CREATE FUNCTION metrics.flow_evidence(p_team text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (metric text, rows bigint, confidence text, reason text, setting text, detail jsonb)
LANGUAGE sql STABLE AS $$
  WITH synced AS (
    SELECT max(last_success_at) FILTER (WHERE source = 'github') AS github_at,
           max(last_success_at) FILTER (WHERE source = 'jira') AS jira_at
      FROM metrics.sync_freshness
  ), repo_ids AS MATERIALIZED (
    SELECT r.repo_id FROM metrics.repos r
     WHERE p_team = '*' OR r.repo_id IN (SELECT tr.repo_id FROM metrics.team_repos tr WHERE tr.team = p_team)
  ), repos AS (
    SELECT count(*) AS n FROM repo_ids
  ), prs AS (
    -- The weeks whole within the period from the weekly rollups (people's merges in
    -- metrics.pr_flow_weekly, bots' in metrics.pr_shipping_weekly), the weeks its ends cut
    -- from the rows.
    SELECT coalesce(sum(x.merged), 0)::bigint AS merged, coalesce(sum(x.by_bots), 0)::bigint AS by_bots,
           coalesce(sum(x.without_review), 0)::bigint AS without_review
      FROM (SELECT f.merged, 0 AS by_bots, f.merged_without_review AS without_review
              FROM metrics.pr_flow_weekly f
             WHERE f.team = p_team AND f.week >= metrics.week_from(p_from) AND f.week < date_trunc('week', p_to, 'UTC')
            UNION ALL
            SELECT 0, w.by_bots, 0
              FROM metrics.pr_shipping_weekly w
             WHERE w.team = p_team AND w.week >= metrics.week_from(p_from) AND w.week < date_trunc('week', p_to, 'UTC')
            UNION ALL
            SELECT (NOT p.is_bot)::int, p.is_bot::int, (NOT p.is_bot AND p.merged_without_review)::int
              FROM metrics.pull_requests p
             WHERE p_team = '*' AND p.merged_at >= p_from AND p.merged_at < least(metrics.week_from(p_from), p_to)
            UNION ALL
            SELECT (NOT p.is_bot)::int, p.is_bot::int, (NOT p.is_bot AND p.merged_without_review)::int
              FROM metrics.pull_requests p
             WHERE p_team = '*' AND p.merged_at < p_to
               AND p.merged_at >= greatest(metrics.week_from(p_from), date_trunc('week', p_to, 'UTC'))
            UNION ALL
            SELECT (NOT p.is_bot)::int, p.is_bot::int, (NOT p.is_bot AND p.merged_without_review)::int
              FROM repo_ids r JOIN metrics.pull_requests p ON p.repo_id = r.repo_id
             WHERE p_team <> '*' AND p.merged_at >= p_from AND p.merged_at < least(metrics.week_from(p_from), p_to)
            UNION ALL
            SELECT (NOT p.is_bot)::int, p.is_bot::int, (NOT p.is_bot AND p.merged_without_review)::int
              FROM repo_ids r JOIN metrics.pull_requests p ON p.repo_id = r.repo_id
             WHERE p_team <> '*' AND p.merged_at < p_to
               AND p.merged_at >= greatest(metrics.week_from(p_from), date_trunc('week', p_to, 'UTC'))) x
  ), projects AS (
    SELECT coalesce(array_agg(tp.project_key ORDER BY tp.project_key), '{}') AS keys
      FROM (SELECT DISTINCT project_key FROM metrics.team_projects WHERE team = p_team OR p_team = '*') tp
  ), boardless AS (
    -- The team's projects without a board of the team.
    SELECT coalesce(array_agg(pk ORDER BY pk), '{}') AS keys
      FROM unnest((SELECT keys FROM projects)) pk
     WHERE NOT EXISTS (SELECT 1 FROM metrics.boards b JOIN metrics.team_boards tb ON tb.board_id = b.board_id
                        WHERE b.project_key = pk AND (tb.team = p_team OR p_team = '*'))
  ), done AS (
    -- Issues done, and those whose status history has a hole in it (metrics.issues.history_gap).
    SELECT count(*) AS done, count(*) FILTER (WHERE i.history_gap) AS gaps FROM metrics.team_issues i
     WHERE i.team = p_team AND i.done_at >= p_from AND i.done_at < p_to
  ), unmapped AS (
    -- Statuses whose stage comes from no mapping and no known category: read as active.
    SELECT coalesce(array_agg(s.status ORDER BY s.status), '{}') AS statuses
      FROM metrics.status_stages s
     WHERE s.category_key NOT IN ('new', 'indeterminate', 'done')
       AND NOT EXISTS (SELECT 1 FROM metrics.setting_status_stages o WHERE lower(o.status_name) = lower(s.status))
  ), sprints AS (
    SELECT count(DISTINCT t.sprint_id) AS sprints,
           count(si.issue_id) FILTER (WHERE si.at_close) AS issues,
           count(si.issue_id) FILTER (WHERE si.at_close AND si.points_at_close IS NULL) AS unestimated
      FROM metrics.sprint_totals t
      JOIN metrics.team_boards tb ON tb.board_id = t.board_id AND (tb.team = p_team OR p_team = '*')
      LEFT JOIN metrics.sprint_issues si ON si.sprint_id = t.sprint_id
     WHERE t.start_at >= p_from AND t.start_at < p_to
  )
  SELECT x.metric, x.rows,
         CASE WHEN x.empty IS NOT NULL THEN 'none' WHEN x.low IS NOT NULL THEN 'low' ELSE 'ok' END,
         coalesce(x.empty, x.low),
         CASE WHEN x.empty IS NOT NULL OR x.low IS NOT NULL THEN x.setting END,
         x.detail
    FROM synced sy, repos r, prs p, projects pj, boardless bl, done d, unmapped u, sprints sp,
    LATERAL (
      SELECT 1 AS ord, 'pr_flow' AS metric, p.merged AS rows,
             CASE WHEN sy.github_at IS NULL THEN 'GitHub has never been synced'
                  WHEN r.n = 0 THEN CASE WHEN p_team = '*' THEN 'no repository has been synced' ELSE 'no repository belongs to team ' || p_team END
                  WHEN p.merged = 0 AND p.by_bots > 0 THEN 'every pull request merged in the period is a bot''s (' || p.by_bots || ')'
                  WHEN p.merged = 0 THEN 'no pull request merged in the period' END AS empty,
             CASE WHEN p.merged < 5 THEN 'fewer than 5 pull requests merged' END AS low,
             CASE WHEN sy.github_at IS NULL THEN 'GITHUB_TOKEN and GITHUB_ORG, then engmetrics sync github'
                  WHEN r.n = 0 THEN CASE WHEN p_team = '*' THEN 'GITHUB_REPOS' ELSE 'the organisation file: teams[' || p_team || '].github.repos' END
                  WHEN p.merged = 0 AND p.by_bots > 0 THEN 'the organisation file: bots (setting bot_login_pattern)' END AS setting,
             jsonb_build_object('merged', p.merged, 'mergedByBots', p.by_bots, 'mergedWithoutReview', p.without_review,
                                'dataAsOf', sy.github_at) AS detail
      UNION ALL
      SELECT 2, 'jira_flow', d.done,
             CASE WHEN sy.jira_at IS NULL THEN 'Jira has never been synced'
                  WHEN cardinality(pj.keys) = 0 THEN CASE WHEN p_team = '*' THEN 'no Jira project has been synced' ELSE 'no Jira project belongs to team ' || p_team END
                  WHEN d.done = 0 THEN 'no issue done in the period' END,
             CASE WHEN cardinality(u.statuses) > 0 THEN 'statuses with no stage mapping and no known category, read as active: ' || array_to_string(u.statuses, ', ')
                  WHEN d.gaps * 10 > d.done THEN d.gaps || ' of ' || d.done || ' issues done have gaps in their status history'
                  WHEN d.done < 5 THEN 'fewer than 5 issues done' END,
             CASE WHEN sy.jira_at IS NULL THEN 'JIRA_BASE_URL and its credentials, then engmetrics sync jira'
                  WHEN cardinality(pj.keys) = 0 THEN CASE WHEN p_team = '*' THEN 'JIRA_PROJECTS' ELSE 'the organisation file: teams[' || p_team || '].jira.projects' END
                  WHEN cardinality(u.statuses) > 0 THEN 'the organisation file: statusStages'
                  WHEN d.gaps * 10 > d.done THEN 'engmetrics sync jira --full (reads every issue''s changelog again)' END,
             jsonb_build_object('done', d.done, 'projects', to_jsonb(pj.keys), 'statusesUnmapped', to_jsonb(u.statuses),
                                'issuesWithHistoryGaps', d.gaps,
                                'dataAsOf', sy.jira_at)
      UNION ALL
      SELECT 3, 'sprints', sp.sprints,
             CASE WHEN sy.jira_at IS NULL THEN 'Jira has never been synced'
                  WHEN cardinality(pj.keys) = 0 THEN CASE WHEN p_team = '*' THEN 'no Jira project has been synced' ELSE 'no Jira project belongs to team ' || p_team END
                  WHEN cardinality(bl.keys) = cardinality(pj.keys) THEN 'no board of the team''s Jira projects: ' || array_to_string(bl.keys, ', ')
                  WHEN sp.sprints = 0 THEN 'no sprint started in the period' END,
             CASE WHEN sp.issues > 0 AND sp.unestimated > 0 THEN sp.unestimated || ' of ' || sp.issues || ' issues in the sprints have no estimate' END,
             CASE WHEN sy.jira_at IS NULL THEN 'JIRA_BASE_URL and its credentials, then engmetrics sync jira'
                  WHEN cardinality(pj.keys) = 0 THEN CASE WHEN p_team = '*' THEN 'JIRA_PROJECTS' ELSE 'the organisation file: teams[' || p_team || '].jira.projects' END
                  WHEN cardinality(bl.keys) = cardinality(pj.keys) THEN 'the organisation file: teams[' || p_team || '].jira.boards'
                  WHEN sp.unestimated > 0 THEN 'story points on the issues (the board''s estimation field)' END,
             jsonb_build_object('sprints', sp.sprints, 'issues', sp.issues, 'issuesWithoutEstimate', sp.unestimated,
                                'projectsWithoutBoard', to_jsonb(bl.keys), 'dataAsOf', sy.jira_at)
    ) x
   ORDER BY x.ord
$$;
