-- A period's figures for the report and the API, from the weekly rollups and the rows.

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
  WITH weeks AS (
    SELECT percentile_cont(0.1) WITHIN GROUP (ORDER BY coding_p50_h) * 3600 AS coding_lo,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY coding_p50_h) * 3600 AS coding_hi,
           percentile_cont(0.1) WITHIN GROUP (ORDER BY pickup_p50_h) * 3600 AS pickup_lo,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY pickup_p50_h) * 3600 AS pickup_hi,
           percentile_cont(0.1) WITHIN GROUP (ORDER BY review_p50_h) * 3600 AS review_lo,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY review_p50_h) * 3600 AS review_hi,
           percentile_cont(0.1) WITHIN GROUP (ORDER BY deploy_p50_h) * 3600 AS deploy_lo,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY deploy_p50_h) * 3600 AS deploy_hi,
           percentile_cont(0.1) WITHIN GROUP (ORDER BY size_p50) AS size_lo,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY size_p50) AS size_hi
      FROM metrics.pr_flow_weekly
     WHERE team = p_team AND week >= date_trunc('week', p_from, 'UTC') AND week < p_to
  ), pass AS (
    -- One pass over the rows, reading only the columns it needs.
    SELECT count(*) AS merged,
           count(*) FILTER (WHERE p.merged_without_review) AS merged_without_review,
           count(p.coding_s) AS coding_n, count(*) FILTER (WHERE p.coding_s < w.coding_lo) AS coding_below,
           array_agg(p.coding_s ORDER BY p.coding_s) FILTER (WHERE p.coding_s BETWEEN w.coding_lo AND w.coding_hi) AS coding_kept,
           count(p.pickup_s) AS pickup_n, count(*) FILTER (WHERE p.pickup_s < w.pickup_lo) AS pickup_below,
           array_agg(p.pickup_s ORDER BY p.pickup_s) FILTER (WHERE p.pickup_s BETWEEN w.pickup_lo AND w.pickup_hi) AS pickup_kept,
           count(p.review_s) AS review_n, count(*) FILTER (WHERE p.review_s < w.review_lo) AS review_below,
           array_agg(p.review_s ORDER BY p.review_s) FILTER (WHERE p.review_s BETWEEN w.review_lo AND w.review_hi) AS review_kept,
           count(p.deploy_s) AS deploy_n, count(*) FILTER (WHERE p.deploy_s < w.deploy_lo) AS deploy_below,
           array_agg(p.deploy_s ORDER BY p.deploy_s) FILTER (WHERE p.deploy_s BETWEEN w.deploy_lo AND w.deploy_hi) AS deploy_kept,
           count(p.size) AS size_n, count(*) FILTER (WHERE p.size < w.size_lo) AS size_below,
           array_agg(p.size::float8 ORDER BY p.size) FILTER (WHERE p.size BETWEEN w.size_lo AND w.size_hi) AS size_kept
      FROM metrics.team_pull_requests p, weeks w
     WHERE p.team = p_team AND p.merged_at >= p_from AND p.merged_at < p_to AND NOT p.is_bot
  ), fast AS (
    SELECT s.merged, s.merged_without_review, v.*,
           (s.coding_n > 0 AND v.coding IS NULL) OR (s.pickup_n > 0 AND v.pickup IS NULL)
             OR (s.review_n > 0 AND v.review IS NULL) OR (s.deploy_n > 0 AND v.deploy IS NULL)
             OR (s.size_n > 0 AND v.size IS NULL) AS missed
      FROM pass s,
           LATERAL (SELECT metrics.percentile_in_range(0.5, s.coding_n, s.coding_below, s.coding_kept) AS coding,
                           metrics.percentile_in_range(0.5, s.pickup_n, s.pickup_below, s.pickup_kept) AS pickup,
                           metrics.percentile_in_range(0.5, s.review_n, s.review_below, s.review_kept) AS review,
                           metrics.percentile_in_range(0.5, s.deploy_n, s.deploy_below, s.deploy_kept) AS deploy,
                           metrics.percentile_in_range(0.5, s.size_n, s.size_below, s.size_kept) AS size) v
  )
  SELECT f.merged,
         coalesce(f.coding, x.coding) / 3600,
         coalesce(f.pickup, x.pickup) / 3600,
         coalesce(f.review, x.review) / 3600,
         coalesce(f.deploy, x.deploy) / 3600,
         coalesce(f.size, x.size),
         f.merged_without_review
    FROM fast f
    -- Sorting the whole period, only when a percentile was not in range.
    LEFT JOIN LATERAL (
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY coding_s) AS coding,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY pickup_s) AS pickup,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY review_s) AS review,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY deploy_s) AS deploy,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY size) AS size
        FROM metrics.team_pull_requests
       WHERE f.missed AND team = p_team AND merged_at >= p_from AND merged_at < p_to AND NOT is_bot) x ON true
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

-- DORA's figures of a period: the lead-time percentiles as pr_flow_summary takes its stage
-- percentiles, and the frequency figures from the stored day and week.
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
      SELECT c.deployments, c.deploy_days, c.failed, c.rework, c.fallback, c.recovery_s AS rec, c.cut_weeks,
             c.cut_deployments
        FROM metrics.deployment_counts(p_team, p_from, p_to) c) dep ON true
    LEFT JOIN LATERAL (
      -- The median over every week of the period, weeks without a deployment counting zero.
      -- The weeks whole within the period are counted in metrics.dora_weekly, read as one
      -- range (a week at a time, each week cost a subplan); the weeks its ends cut come from
      -- metrics.deployment_counts, which reads their rows already. Read whole, the rows of two
      -- years of the whole organisation took 40 ms of a tile.
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(dw.deployments, c.n, 0))::numeric AS median_per_week
        FROM generate_series(date_trunc('week', p_from, 'UTC'),
                             date_trunc('week', p_to - interval '1 microsecond', 'UTC'), interval '1 week') g
        LEFT JOIN metrics.dora_weekly dw
               ON dw.team = p_team AND dw.week = g
              AND dw.week >= metrics.week_from(p_from) AND dw.week < date_trunc('week', p_to, 'UTC')
        LEFT JOIN unnest(dep.cut_weeks, dep.cut_deployments) c(week, n) ON c.week = g) med ON true
    LEFT JOIN LATERAL (
      -- The three lead-time percentiles, exact: the counts per bin (metrics.lead_time_counts)
      -- say in which bin each percentile's two ranks lie and how many values lie below; only
      -- those bins' rows of the period are read (by index) and sorted, a team's repository by
      -- repository, all teams' by time alone. Read while a refresh has rewritten the rows and
      -- not yet the bins, the two can disagree: when a bin's rows are not as many as its count,
      -- a rank falls outside them or the bins hold no lead time, the period's rows are sorted
      -- instead (none, mostly).
      WITH repos AS MATERIALIZED (
        SELECT tr.repo_id FROM metrics.team_repos tr WHERE tr.team = p_team AND p_team <> '*'
      ), counts AS (
        SELECT c.bin, c.n FROM metrics.lead_time_counts(p_team, p_from, p_to) c
      ), bins AS (
        SELECT c.bin, c.n, sum(c.n) OVER (ORDER BY c.bin) - c.n AS below, sum(c.n) OVER () AS valued
          FROM counts c WHERE c.bin >= 0
      ), ranks AS (
        SELECT q.i, q.p, (SELECT max(valued) FROM bins) AS n,
               (SELECT b.bin FROM bins b WHERE floor(q.p * (b.valued - 1)) < b.below + b.n ORDER BY b.bin LIMIT 1) AS lo,
               (SELECT b.bin FROM bins b WHERE ceil(q.p * (b.valued - 1)) < b.below + b.n ORDER BY b.bin LIMIT 1) AS hi
          FROM unnest(ARRAY[0.5, 0.75, 0.9]::double precision[]) WITH ORDINALITY q(p, i)
      ), fast AS (
        SELECT CASE WHEN max(r.n) > 0 THEN array_agg(metrics.percentile_in_range(r.p, r.n::bigint, k.below, k.kept) ORDER BY r.i) END AS lt,
               coalesce(bool_or(coalesce(cardinality(k.kept), 0) <> k.binned), true) AS stale
          FROM ranks r
          CROSS JOIN LATERAL (
            SELECT (SELECT b.below FROM bins b WHERE b.bin = r.lo)::bigint AS below,
                   (SELECT sum(b.n) FROM bins b WHERE b.bin IN (r.lo, r.hi)) AS binned,
                   array_agg(p.lead_time_s ORDER BY p.lead_time_s) AS kept
              FROM (SELECT p.lead_time_s FROM metrics.pull_requests p
                     WHERE p_team = '*' AND metrics.duration_bin(p.lead_time_s) = ANY (ARRAY[r.lo, r.hi])
                       AND p.deployed_at >= p_from AND p.deployed_at < p_to
                    UNION ALL
                    SELECT p.lead_time_s FROM repos rp JOIN metrics.pull_requests p ON p.repo_id = rp.repo_id
                     WHERE metrics.duration_bin(p.lead_time_s) = ANY (ARRAY[r.lo, r.hi])
                       AND p.deployed_at >= p_from AND p.deployed_at < p_to) p
             WHERE r.n > 0) k
      )
      SELECT coalesce((SELECT sum(n) FROM counts), 0)::bigint AS prs_shipped,
             CASE WHEN f.stale OR array_position(f.lt, NULL) IS NOT NULL THEN x.lt ELSE f.lt END AS lt
        FROM fast f
        LEFT JOIN LATERAL (
          SELECT percentile_cont(ARRAY[0.5, 0.75, 0.9]) WITHIN GROUP (ORDER BY p.lead_time_s) AS lt
            FROM (SELECT p.lead_time_s FROM metrics.pull_requests p
                   WHERE p_team = '*' AND p.deployed_at >= p_from AND p.deployed_at < p_to
                  UNION ALL
                  SELECT p.lead_time_s FROM repos rp JOIN metrics.pull_requests p ON p.repo_id = rp.repo_id
                   WHERE p.deployed_at >= p_from AND p.deployed_at < p_to) p
           WHERE f.stale OR array_position(f.lt, NULL) IS NOT NULL) x ON true) lead ON true
$$;

-- DORA's 2025 Quick Check of a team's period: metrics.quick_check_of over dora_summary's
-- median lead time, deployments per week, median recovery time, change fail and rework rate.
CREATE FUNCTION metrics.quick_check(p_team text, p_from timestamptz, p_to timestamptz, p_population text DEFAULT 'all')
RETURNS TABLE (metric text, value numeric, score numeric, inputs integer, benchmark_edition integer,
               benchmark_mean numeric, benchmark_sd numeric, z numeric, standing text)
LANGUAGE sql STABLE AS $$
  SELECT q.*
    FROM metrics.dora_summary(p_team, p_from, p_to) s
   CROSS JOIN LATERAL metrics.quick_check_of(s.lead_time_p50_h::numeric, s.deployments_per_week,
                                             s.recovery_p50_h::numeric, s.change_fail_rate_pct,
                                             s.rework_rate_pct, p_population) q
$$;
