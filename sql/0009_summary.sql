-- The DORA tiles of a team over a period, in one place: the API, `engmetrics report` and
-- the Grafana stat panels all read this function, so the numbers agree everywhere.
--   p_team '*' is the whole organisation (each deployment counted once).
-- NULL means "no data" (no deployment, nothing shipped, nothing failed), never 0.

CREATE FUNCTION metrics.dora_summary(p_team text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (
  deployments bigint,
  deploy_days bigint,
  weeks numeric,
  deployments_per_week numeric,
  median_deployments_per_week numeric,
  deploy_days_per_week numeric,
  deployment_frequency_band text,
  prs_shipped bigint,
  lead_time_p50_h double precision,
  lead_time_p75_h double precision,
  lead_time_p90_h double precision,
  lead_time_band text,
  failed_deployments bigint,
  change_fail_rate_pct numeric,
  change_fail_rate_band text,
  recovery_p50_h double precision,
  recovery_p90_h double precision,
  recovery_band text,
  rework_deployments bigint,
  rework_rate_pct numeric,
  fallback_deployments bigint,
  band_year integer
)
LANGUAGE sql STABLE AS $$
  -- One SELECT with each aggregate in a FROM item of its own: a caller is planned with the
  -- function inlined, so the aggregates it does not read are left out (a deployment
  -- frequency tile never sorts lead times), and each one it reads is computed once.
  SELECT dep.deployments, dep.deploy_days, wk.weeks,
         round(dep.deployments / nullif(wk.weeks, 0), 2),
         med.median_per_week,
         round(dep.deploy_days / nullif(wk.weeks, 0), 2),
         CASE WHEN dep.deployments > 0 THEN metrics.dora_band('deployment_frequency', dep.deployments / nullif(wk.weeks, 0)) END,
         lead.prs_shipped, lead.lt[1] / 3600, lead.lt[2] / 3600, lead.lt[3] / 3600,
         metrics.dora_band('change_lead_time', (lead.lt[1] / 3600)::numeric),
         dep.failed,
         round(100.0 * dep.failed / nullif(dep.deployments, 0), 1),
         metrics.dora_band('change_fail_rate', round(100.0 * dep.failed / nullif(dep.deployments, 0), 1)),
         dep.rec[1] / 3600, dep.rec[2] / 3600,
         metrics.dora_band('recovery_time', (dep.rec[1] / 3600)::numeric),
         dep.rework,
         round(100.0 * dep.rework / nullif(dep.deployments, 0), 1),
         dep.fallback,
         (SELECT max(year) FROM metrics.dora_bands)
    FROM (SELECT round((extract(epoch FROM p_to - p_from) / 604800)::numeric, 2) AS weeks) wk
    LEFT JOIN LATERAL (
      SELECT count(*) AS deployments,
             count(DISTINCT date_trunc('day', d.finished_at, 'UTC')) AS deploy_days,
             count(*) FILTER (WHERE d.failed) AS failed,
             percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY d.recovery_s) FILTER (WHERE d.failed) AS rec,
             count(*) FILTER (WHERE d.rework) AS rework,
             count(*) FILTER (WHERE d.is_fallback) AS fallback
        FROM metrics.team_deployments d
       WHERE d.team = p_team AND d.finished_at >= p_from AND d.finished_at < p_to) dep ON true
    LEFT JOIN LATERAL (
      -- The median over every week of the period, weeks without a deployment counting zero.
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(pw.n, 0))::numeric AS median_per_week
        FROM generate_series(date_trunc('week', p_from, 'UTC'), date_trunc('week', p_to - interval '1 microsecond', 'UTC'), interval '1 week') g
        LEFT JOIN (SELECT date_trunc('week', d.finished_at, 'UTC') AS week, count(*) AS n
                     FROM metrics.team_deployments d
                    WHERE d.team = p_team AND d.finished_at >= p_from AND d.finished_at < p_to
                    GROUP BY 1) pw ON pw.week = g) med ON true
    LEFT JOIN LATERAL (
      -- One sort gives the three lead-time percentiles.
      SELECT count(*) AS prs_shipped,
             percentile_cont(ARRAY[0.5, 0.75, 0.9]) WITHIN GROUP (ORDER BY p.lead_time_s) AS lt
        FROM metrics.team_pull_requests p
       WHERE p.team = p_team AND p.deployed_at >= p_from AND p.deployed_at < p_to) lead ON true
$$;

-- The flow summary of a team over a period, the same way, in two halves that dashboard
-- panels read apart: the pull requests merged, and the Jira items done.
CREATE FUNCTION metrics.pr_flow_summary(p_team text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (
  prs_merged bigint,
  coding_p50_h double precision,
  pickup_p50_h double precision,
  review_p50_h double precision,
  deploy_p50_h double precision,
  pr_size_p50 double precision,
  merged_without_review bigint
)
LANGUAGE sql STABLE AS $$
  -- One pass over the rows, reading only the columns it needs.
  SELECT count(*),
         percentile_cont(0.5) WITHIN GROUP (ORDER BY coding_s) / 3600,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY pickup_s) / 3600,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY review_s) / 3600,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY deploy_s) / 3600,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY size),
         count(*) FILTER (WHERE merged_without_review)
    FROM metrics.team_pull_requests
   WHERE team = p_team AND merged_at >= p_from AND merged_at < p_to AND NOT is_bot
$$;

CREATE FUNCTION metrics.issue_flow_summary(p_team text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (
  items_done bigint,
  flow_time_p50_d double precision,
  flow_efficiency_pct numeric,
  wip_now bigint,
  features_pct numeric,
  defects_pct numeric,
  risks_pct numeric,
  debts_pct numeric
)
LANGUAGE sql STABLE AS $$
  WITH i AS MATERIALIZED (
    SELECT count(*) AS items_done,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY flow_time_s) AS flow_time_s,
           100 * sum(active_s) / nullif(sum(flow_time_s), 0) AS efficiency,
           100.0 * count(*) FILTER (WHERE flow_item = 'feature') / nullif(count(*), 0) AS features,
           100.0 * count(*) FILTER (WHERE flow_item = 'defect') / nullif(count(*), 0) AS defects,
           100.0 * count(*) FILTER (WHERE flow_item = 'risk') / nullif(count(*), 0) AS risks,
           100.0 * count(*) FILTER (WHERE flow_item = 'debt') / nullif(count(*), 0) AS debts
      FROM metrics.team_issues WHERE team = p_team AND done_at >= p_from AND done_at < p_to
  )
  SELECT i.items_done,
         i.flow_time_s / 86400,
         round(i.efficiency::numeric, 1),
         (SELECT count(*) FROM metrics.team_issues WHERE team = p_team AND done_at IS NULL AND current_stage IN ('active', 'waiting')),
         round(i.features, 1), round(i.defects, 1), round(i.risks, 1), round(i.debts, 1)
    FROM i
$$;

CREATE FUNCTION metrics.flow_summary(p_team text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (
  prs_merged bigint,
  coding_p50_h double precision,
  pickup_p50_h double precision,
  review_p50_h double precision,
  deploy_p50_h double precision,
  pr_size_p50 double precision,
  merged_without_review bigint,
  items_done bigint,
  flow_time_p50_d double precision,
  flow_efficiency_pct numeric,
  wip_now bigint,
  features_pct numeric,
  defects_pct numeric,
  risks_pct numeric,
  debts_pct numeric
)
LANGUAGE sql STABLE AS $$
  SELECT p.*, i.*
    FROM metrics.pr_flow_summary(p_team, p_from, p_to) p,
         metrics.issue_flow_summary(p_team, p_from, p_to) i
$$;
