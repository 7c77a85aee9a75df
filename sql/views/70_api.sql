-- What the API's /metrics routes serve, computed here like everything else.

-- The five DORA tiles of a team for a period, each with the previous period of the same
-- length, the change between them, and the band. `better` says which way is good. A tile's
-- metric is the series that charts it (series_catalogue); its label is DORA's name. The
-- detail's keys are the API's (camelCase, the unit in the name where it is not a count).
-- Each tile also has its DORA 2025 Quick Check score and where that sits against the 2025
-- benchmark (metrics.quick_check_of).
CREATE FUNCTION metrics.dora_tiles(p_team text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (
  metric text, label text, value double precision, unit text, band text, band_year integer,
  previous double precision, change_pct double precision, better text, trend text, detail jsonb,
  quick_check_score double precision, quick_check_benchmark_edition integer, quick_check_benchmark_mean double precision,
  quick_check_benchmark_sd double precision, quick_check_z double precision, quick_check_standing text
)
LANGUAGE sql STABLE AS $$
  WITH cur AS (SELECT * FROM metrics.dora_summary(p_team, p_from, p_to)),
       prev AS (SELECT * FROM metrics.dora_summary(p_team, p_from - (p_to - p_from), p_from)),
       t AS (
    SELECT 1 AS ord, 'deployments' AS metric, 'Deployment frequency' AS label,
           c.deployments_per_week::float8 AS value, 'deployments per week' AS unit, c.deployment_frequency_band AS band,
           CASE WHEN p.deployments > 0 THEN p.deployments_per_week::float8 END AS previous, 'higher' AS better,
           jsonb_build_object('deployments', c.deployments, 'medianPerWeek', c.median_deployments_per_week,
                              'deployDaysPerWeek', c.deploy_days_per_week, 'fallbackDeployments', c.fallback_deployments) AS detail,
           c.band_year
      FROM cur c, prev p
    UNION ALL
    SELECT 2, 'lead_time_p50', 'Change lead time', c.lead_time_p50_h, 'hours', c.lead_time_band, p.lead_time_p50_h, 'lower',
           jsonb_build_object('p75Hours', c.lead_time_p75_h, 'p90Hours', c.lead_time_p90_h, 'changes', c.prs_shipped), c.band_year
      FROM cur c, prev p
    UNION ALL
    SELECT 3, 'change_fail_rate', 'Change fail rate', c.change_fail_rate_pct::float8, 'percent', c.change_fail_rate_band,
           p.change_fail_rate_pct::float8, 'lower',
           jsonb_build_object('failedDeployments', c.failed_deployments, 'deployments', c.deployments), c.band_year
      FROM cur c, prev p
    UNION ALL
    SELECT 4, 'recovery_p50', 'Failed deployment recovery time', c.recovery_p50_h, 'hours', c.recovery_band, p.recovery_p50_h, 'lower',
           jsonb_build_object('p90Hours', c.recovery_p90_h, 'failedDeployments', c.failed_deployments), c.band_year
      FROM cur c, prev p
    UNION ALL
    SELECT 5, 'rework_rate', 'Deployment rework rate', c.rework_rate_pct::float8, 'percent', NULL, p.rework_rate_pct::float8, 'lower',
           jsonb_build_object('reworkDeployments', c.rework_deployments, 'deployments', c.deployments), c.band_year
      FROM cur c, prev p
  )
  , changed AS (
    SELECT t.*, CASE WHEN previous IS NOT NULL AND previous <> 0 AND value IS NOT NULL
                     THEN round((100 * (value - previous) / abs(previous))::numeric, 1)::float8 END AS change_pct
      FROM t
  )
  -- Within 5 % either way is flat; otherwise better or worse by the metric's direction.
  , quick AS (
    SELECT q.* FROM cur c
     CROSS JOIN LATERAL metrics.quick_check_of(c.lead_time_p50_h::numeric, c.deployments_per_week,
                                               c.recovery_p50_h::numeric, c.change_fail_rate_pct, c.rework_rate_pct) q
  )
  SELECT t.metric, t.label, t.value, t.unit, t.band, t.band_year, t.previous, t.change_pct, t.better,
         CASE WHEN t.change_pct IS NULL THEN NULL
              WHEN abs(t.change_pct) < 5 THEN 'flat'
              WHEN (t.change_pct > 0) = (t.better = 'higher') THEN 'better'
              ELSE 'worse' END,
         t.detail, q.score::float8, q.benchmark_edition, q.benchmark_mean::float8, q.benchmark_sd::float8, q.z::float8, q.standing
    FROM changed t
    JOIN quick q ON q.metric = CASE t.metric WHEN 'deployments' THEN 'deployment_frequency'
                                             WHEN 'lead_time_p50' THEN 'lead_time'
                                             WHEN 'recovery_p50' THEN 'recovery_time'
                                             ELSE t.metric END
   ORDER BY t.ord
$$;

-- A series of a team (optionally one repository) from the rows, each bucket counting only
-- the rows in [p_from, p_to). The definitions are those of the rollups (dora_weekly,
-- dora_daily, pr_flow_weekly, flow_weekly). `rows` counts what a bucket's value is computed
-- from: its deployments, failed deployments with a recovery time, pull requests (with the
-- stage, for a stage's percentile) or issues.
CREATE FUNCTION metrics.series_from_rows(p_metric text, p_team text, p_repo text, p_from timestamptz, p_to timestamptz, p_interval text)
RETURNS TABLE ("time" timestamptz, value double precision, "rows" bigint)
LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF p_metric IN ('deployments', 'failed_deployments', 'change_fail_rate', 'rework_rate', 'deploy_days', 'recovery_p50') THEN
    RETURN QUERY
      SELECT date_trunc(p_interval, d.finished_at, 'UTC'),
             (CASE p_metric
                WHEN 'deployments' THEN count(*)
                WHEN 'failed_deployments' THEN count(*) FILTER (WHERE d.failed)
                WHEN 'change_fail_rate' THEN 100.0 * count(*) FILTER (WHERE d.failed) / count(*)
                WHEN 'rework_rate' THEN 100.0 * count(*) FILTER (WHERE d.rework) / count(*)
                WHEN 'deploy_days' THEN count(DISTINCT d.day)
                ELSE percentile_cont(0.5) WITHIN GROUP (ORDER BY d.recovery_s) FILTER (WHERE d.failed) / 3600
              END)::float8,
             CASE WHEN p_metric = 'recovery_p50' THEN count(d.recovery_s) FILTER (WHERE d.failed) ELSE count(*) END
        FROM metrics.team_deployments d
       WHERE d.team = p_team AND (p_repo IS NULL OR d.repo = p_repo) AND d.finished_at >= p_from AND d.finished_at < p_to
       GROUP BY 1 ORDER BY 1;
  ELSIF p_metric IN ('lead_time_p50', 'lead_time_p90') THEN
    RETURN QUERY
      SELECT date_trunc(p_interval, p.deployed_at, 'UTC'),
             (percentile_cont(CASE p_metric WHEN 'lead_time_p50' THEN 0.5 ELSE 0.9 END) WITHIN GROUP (ORDER BY p.lead_time_s) / 3600)::float8,
             count(*)
        FROM metrics.team_pull_requests p
       WHERE p.team = p_team AND (p_repo IS NULL OR p.repo = p_repo) AND p.deployed_at >= p_from AND p.deployed_at < p_to
       GROUP BY 1 ORDER BY 1;
  ELSIF p_metric IN ('prs_merged', 'pickup_p50', 'review_p50', 'coding_p50', 'deploy_p50') THEN
    RETURN QUERY
      SELECT date_trunc(p_interval, p.merged_at, 'UTC'),
             (CASE p_metric
                WHEN 'prs_merged' THEN count(*)
                WHEN 'pickup_p50' THEN percentile_cont(0.5) WITHIN GROUP (ORDER BY p.pickup_s) / 3600
                WHEN 'review_p50' THEN percentile_cont(0.5) WITHIN GROUP (ORDER BY p.review_s) / 3600
                WHEN 'coding_p50' THEN percentile_cont(0.5) WITHIN GROUP (ORDER BY p.coding_s) / 3600
                ELSE percentile_cont(0.5) WITHIN GROUP (ORDER BY p.deploy_s) / 3600
              END)::float8,
             CASE p_metric WHEN 'pickup_p50' THEN count(p.pickup_s) WHEN 'review_p50' THEN count(p.review_s)
                           WHEN 'coding_p50' THEN count(p.coding_s) WHEN 'deploy_p50' THEN count(p.deploy_s) ELSE count(*) END
        FROM metrics.team_pull_requests p
       WHERE p.team = p_team AND (p_repo IS NULL OR p.repo = p_repo) AND p.merged_at >= p_from AND p.merged_at < p_to AND NOT p.is_bot
       GROUP BY 1 ORDER BY 1;
  ELSIF p_repo IS NOT NULL THEN
    RAISE EXCEPTION 'series % is a Jira series: it has no repository', p_metric USING ERRCODE = '22023';
  ELSIF p_metric IN ('velocity', 'flow_time_p50', 'flow_efficiency') THEN
    RETURN QUERY
      SELECT date_trunc(p_interval, i.done_at, 'UTC'),
             (CASE p_metric
                WHEN 'velocity' THEN count(*)
                WHEN 'flow_time_p50' THEN percentile_cont(0.5) WITHIN GROUP (ORDER BY i.flow_time_s) / 86400
                ELSE 100 * sum(i.active_s) / nullif(sum(i.flow_time_s), 0)
              END)::float8,
             count(*)
        FROM metrics.team_issues i
       WHERE i.team = p_team AND i.done_at >= p_from AND i.done_at < p_to
       GROUP BY 1 ORDER BY 1;
  ELSE
    RAISE EXCEPTION 'no series % from rows', p_metric USING ERRCODE = '22023';
  END IF;
END
$$;

-- A series of a team (optionally one repository) between two instants, by day or week (UTC;
-- weeks start on Monday). `partial` marks a bucket the period cuts short: it holds only the
-- part inside the period. `rows` is what the bucket's value is computed from (as
-- series_from_rows counts it; for wip, the items in progress).
CREATE FUNCTION metrics.series(p_metric text, p_team text, p_repo text, p_from timestamptz, p_to timestamptz, p_interval text)
RETURNS TABLE ("time" timestamptz, value double precision, partial boolean, "rows" bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  -- Stepped in hours, so that no session's time zone moves a bucket.
  v_step interval := CASE p_interval WHEN 'day' THEN interval '24 hours' ELSE interval '168 hours' END;
  v_whole_from timestamptz;  -- the start of the first bucket wholly in the period
  v_whole_to timestamptz;    -- the end of the last one
BEGIN
  IF NOT EXISTS (SELECT 1 FROM metrics.series_catalogue c WHERE c.metric = p_metric AND p_interval = ANY (c.intervals)) THEN
    RAISE EXCEPTION 'no series % by %', p_metric, p_interval USING ERRCODE = '22023';
  END IF;
  IF p_metric = 'wip' THEN
    IF p_repo IS NOT NULL THEN
      RAISE EXCEPTION 'series % is a Jira series: it has no repository', p_metric USING ERRCODE = '22023';
    END IF;
    RETURN QUERY SELECT f.day, f.wip::float8, false, f.wip::bigint FROM metrics.flow_load_daily f
                  WHERE f.team = p_team AND f.day >= p_from AND f.day < p_to ORDER BY f.day;
    RETURN;
  END IF;
  IF p_repo IS NOT NULL THEN
    RETURN QUERY SELECT r."time", r.value, r."time" < p_from OR r."time" + v_step > p_to, r."rows"
                   FROM metrics.series_from_rows(p_metric, p_team, p_repo, p_from, p_to, p_interval) r;
    RETURN;
  END IF;

  v_whole_from := date_trunc(p_interval, p_from, 'UTC');
  IF v_whole_from < p_from THEN
    v_whole_from := v_whole_from + v_step;
  END IF;
  v_whole_to := greatest(date_trunc(p_interval, p_to, 'UTC'), v_whole_from);

  -- Before the first whole bucket (or all of a period within one bucket): from the rows.
  IF p_from < least(v_whole_from, p_to) THEN
    RETURN QUERY SELECT r."time", r.value, true, r."rows"
                   FROM metrics.series_from_rows(p_metric, p_team, NULL, p_from, least(v_whole_from, p_to), p_interval) r;
  END IF;
  -- The whole buckets: from the rollups.
  IF v_whole_from < v_whole_to THEN
    IF p_interval = 'day' THEN
      RETURN QUERY EXECUTE format(
        'SELECT day, %I::float8, false, deployments FROM metrics.dora_daily WHERE team = $1 AND day >= $2 AND day < $3 ORDER BY day',
        p_metric) USING p_team, v_whole_from, v_whole_to;
    ELSE
      RETURN QUERY EXECUTE format(
        'SELECT week, %s::float8, false, %s::bigint FROM metrics.%I WHERE team = $1 AND week >= $2 AND week < $3 ORDER BY week',
        CASE p_metric
          WHEN 'change_fail_rate' THEN 'change_fail_rate_pct' WHEN 'rework_rate' THEN 'rework_rate_pct'
          WHEN 'lead_time_p50' THEN 'lead_time_p50_h' WHEN 'lead_time_p90' THEN 'lead_time_p90_h' WHEN 'recovery_p50' THEN 'recovery_p50_h'
          WHEN 'prs_merged' THEN 'merged' WHEN 'pickup_p50' THEN 'pickup_p50_h' WHEN 'review_p50' THEN 'review_p50_h'
          WHEN 'coding_p50' THEN 'coding_p50_h' WHEN 'deploy_p50' THEN 'deploy_p50_h'
          WHEN 'flow_time_p50' THEN 'flow_time_p50_d' WHEN 'flow_efficiency' THEN 'flow_efficiency_pct'
          ELSE p_metric END,
        -- What each week's value is computed from, counted as series_from_rows counts it.
        CASE WHEN p_metric IN ('lead_time_p50', 'lead_time_p90') THEN 'prs_shipped'
             WHEN p_metric = 'recovery_p50' THEN 'recovered_deployments'
             WHEN p_metric = 'prs_merged' THEN 'merged'
             WHEN p_metric IN ('pickup_p50', 'review_p50', 'coding_p50', 'deploy_p50') THEN replace(p_metric, '_p50', '_n')
             WHEN p_metric IN ('velocity', 'flow_time_p50', 'flow_efficiency') THEN 'velocity'
             ELSE 'deployments' END,
        CASE WHEN p_metric IN ('prs_merged', 'pickup_p50', 'review_p50', 'coding_p50', 'deploy_p50') THEN 'pr_flow_weekly'
             WHEN p_metric IN ('velocity', 'flow_time_p50', 'flow_efficiency') THEN 'flow_weekly'
             ELSE 'dora_weekly' END) USING p_team, v_whole_from, v_whole_to;
    END IF;
  END IF;
  -- After the last whole bucket: from the rows.
  IF greatest(v_whole_to, p_from) < p_to THEN
    RETURN QUERY SELECT r."time", r.value, true, r."rows"
                   FROM metrics.series_from_rows(p_metric, p_team, NULL, greatest(v_whole_to, p_from), p_to, p_interval) r;
  END IF;
END
$$;

