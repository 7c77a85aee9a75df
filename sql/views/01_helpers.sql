-- Functions the views and the API share: DORA bands, exact percentiles of a period, and
-- seconds of a set of spans up to an instant.

-- The band of a value for a metric (the latest year's table).
CREATE FUNCTION metrics.dora_band(p_metric text, p_value numeric) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT b.band FROM metrics.dora_bands b
   WHERE b.metric = p_metric AND p_value IS NOT NULL
     AND b.year = (SELECT max(year) FROM metrics.dora_bands WHERE metric = p_metric)
     AND (b.lower IS NULL OR p_value >= b.lower) AND (b.upper IS NULL OR p_value < b.upper)
   LIMIT 1
$$;
GRANT EXECUTE ON FUNCTION metrics.dora_band(text, numeric) TO grafana_reader;

-- DORA's 2025 Quick Check score of one metric, 0 (worst) to 10 (best). A duration or frequency
-- falls in one of the survey's six answers, 1 (worst) to 6, scored (answer − 1) × 2; a rate in
-- percent scores 10 − rate / 10. The answers are read with a day of 24 hours, a week of 7 days,
-- a month of 30 days and six months of 180 days; "on demand (multiple deploys per day)" as two
-- or more a day on average, "between once per hour and once per day" as at least one a day.
-- Durations in hours, frequency in deployments per week; NULL when there is nothing to score.
CREATE FUNCTION metrics.quick_check_score(p_metric text, p_value numeric) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN p_value IS NULL THEN NULL
    WHEN p_metric IN ('lead_time', 'recovery_time') THEN
      2 * (CASE WHEN p_value < 1 THEN 6 WHEN p_value < 24 THEN 5 WHEN p_value < 168 THEN 4
                WHEN p_value < 720 THEN 3 WHEN p_value < 4320 THEN 2 ELSE 1 END - 1)
    WHEN p_metric = 'deployment_frequency' THEN
      2 * (CASE WHEN p_value >= 14 THEN 6 WHEN p_value >= 7 THEN 5 WHEN p_value >= 1 THEN 4
                WHEN p_value >= 7 / 30.0 THEN 3 WHEN p_value >= 7 / 180.0 THEN 2 ELSE 1 END - 1)
    WHEN p_metric IN ('change_fail_rate', 'rework_rate') THEN 10 - least(greatest(p_value, 0), 100) / 10
  END::numeric
$$;
GRANT EXECUTE ON FUNCTION metrics.quick_check_score(text, numeric) TO grafana_reader;

-- The Quick Check of five figures: each metric's score, the throughput score (the mean of lead
-- time, deployment frequency and recovery time), the stability score (the mean of change fail
-- and rework rate), and the overall score (the mean of the five), each from the scores there
-- are (`inputs` counts them) and set against DORA's 2025 benchmark where one is published: how
-- many standard deviations from the mean (`z`) and a word for it. No deployment in the period
-- scores no frequency; no failed deployment, no recovery time.
CREATE FUNCTION metrics.quick_check_of(
  p_lead_time_h numeric, p_deployments_per_week numeric, p_recovery_h numeric,
  p_change_fail_rate_pct numeric, p_rework_rate_pct numeric, p_population text DEFAULT 'all')
RETURNS TABLE (metric text, value numeric, score numeric, inputs integer, benchmark_edition integer,
               benchmark_mean numeric, benchmark_sd numeric, z numeric, standing text)
LANGUAGE sql STABLE AS $$
  WITH five AS (
    SELECT *, metrics.quick_check_score(f.metric, f.value) AS score
      FROM (VALUES (1, 'lead_time', p_lead_time_h),
                   (2, 'deployment_frequency', nullif(p_deployments_per_week, 0)),
                   (3, 'recovery_time', p_recovery_h),
                   (4, 'change_fail_rate', p_change_fail_rate_pct),
                   (5, 'rework_rate', p_rework_rate_pct)) f(ord, metric, value)
  ), scored AS (
    SELECT ord, metric, value, score, (score IS NOT NULL)::int AS inputs FROM five
    UNION ALL
    SELECT 6, 'throughput', NULL, avg(score) FILTER (WHERE ord <= 3), (count(score) FILTER (WHERE ord <= 3))::int FROM five
    UNION ALL
    SELECT 7, 'stability', NULL, avg(score) FILTER (WHERE ord >= 4), (count(score) FILTER (WHERE ord >= 4))::int FROM five
    UNION ALL
    SELECT 8, 'overall', NULL, avg(score), count(score)::int FROM five
  ), placed AS (
    SELECT s.*, b.edition, b.mean, b.sd, round((s.score - b.mean) / b.sd, 2) AS z
      FROM scored s
      LEFT JOIN metrics.quick_check_benchmarks b
        ON b.metric = s.metric AND b.population = p_population
       AND b.edition = (SELECT max(edition) FROM metrics.quick_check_benchmarks)
  )
  SELECT metric, value, round(score, 2), inputs, edition, mean, sd, z,
         CASE WHEN z IS NULL THEN NULL
              WHEN z >= 1 THEN 'far_above' WHEN z >= 0.25 THEN 'above'
              WHEN z > -0.25 THEN 'near' WHEN z > -1 THEN 'below' ELSE 'far_below' END AS standing
    FROM placed ORDER BY ord
$$;
GRANT EXECUTE ON FUNCTION metrics.quick_check_of(numeric, numeric, numeric, numeric, numeric, text) TO grafana_reader;

-- Exact percentiles of a long period without sorting all of it.
--
-- A percentile of two years of a large organisation sorts every value of the period (some
-- 300,000 stage durations at a million pull requests, ~35 ms a sort). The
-- weekly rollups already hold each week's percentile, and the period's lies among the
-- weeks': one pass counts the values below the 10th percentile of the weeks' and keeps, in
-- order, those up to their 90th (a few in a hundred of an organisation's values), and the
-- percentile is read from them. The answer is exactly percentile_cont's (same ranks, same
-- interpolation). When the ranks it needs fall outside what was kept (weeks far apart, a
-- rollup older than the rows, a period without a whole week), the period is sorted as
-- before: the range only decides how fast, never what. The lead times find their range from
-- counts per bin of values instead (metrics.lead_time_bins), and read only its rows.
-- The p-th percentile, as percentile_cont computes it, of n values of which `below` lie
-- under a range and `kept` (sorted) are those in it; NULL when n is 0 or the ranks fall
-- outside the range.
CREATE FUNCTION metrics.percentile_in_range(p double precision, n bigint, below bigint, kept double precision[])
RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
           WHEN n = 0 OR floor(p * (n - 1)) < below OR ceil(p * (n - 1)) >= below + coalesce(cardinality(kept), 0) THEN NULL
           WHEN floor(p * (n - 1)) = ceil(p * (n - 1)) THEN kept[(floor(p * (n - 1)) - below)::int + 1]
           ELSE kept[(floor(p * (n - 1)) - below)::int + 1]
                + (p * (n - 1) - floor(p * (n - 1)))
                  * (kept[(ceil(p * (n - 1)) - below)::int + 1] - kept[(floor(p * (n - 1)) - below)::int + 1])
         END
$$;

-- The first week (Monday, UTC) that starts at or after an instant: a period [from, to) holds
-- whole the weeks from week_from(from) up to the week of `to`.
CREATE FUNCTION metrics.week_from(t timestamptz)
RETURNS timestamptz
LANGUAGE sql STABLE PARALLEL SAFE
RETURN CASE WHEN date_trunc('week', t, 'UTC') = t THEN t ELSE date_trunc('week', t, 'UTC') + interval '7 days' END;

-- A duration's bin on a fixed scale of whole seconds, four bins to each doubling from a
-- minute (60, 71, 85, 101, 120 …) up to fifty years; 0 below a minute and -1 for no value.
-- Counts kept per bin say in which bin a percentile's ranks lie and how many values lie
-- below it, so only that bin's values are read and sorted (metrics.lead_time_bins). The
-- bounds are whole numbers compared, not logarithms taken, so a value's bin is the same
-- wherever it is computed.
CREATE FUNCTION metrics.duration_bin_edges()
RETURNS double precision[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN ARRAY(SELECT round(60 * 2 ^ (k / 4.0))::double precision FROM generate_series(0, 99) k);

CREATE FUNCTION metrics.duration_bin(s double precision)
RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN coalesce(width_bucket(s, metrics.duration_bin_edges()), -1);

-- Seconds of a set of spans that lie before an instant; an unbounded span runs up to it.
CREATE FUNCTION metrics.seconds_until(p_spans tstzmultirange, p_as_of timestamptz)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(sum(extract(epoch FROM upper(r) - lower(r))), 0)
    FROM unnest(p_spans * tstzmultirange(tstzrange(NULL, p_as_of))) r
$$;

-- For the kept tables' scope functions (metrics/refresh.ts): the writes to the given source
-- tables since the snapshot a kept table's last refresh took (ops.source_changes).
CREATE FUNCTION metrics.refresh_changes(since pg_snapshot, p_tables text[])
RETURNS TABLE (table_name text, operation text, repo_ids text[], pr_ids text[], issue_ids text[], sprint_ids bigint[])
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT c.table_name, c.operation, c.repo_ids, c.pr_ids, c.issue_ids, c.sprint_ids
    FROM ops.source_changes c
   WHERE c.table_name = ANY (p_tables) AND NOT pg_visible_in_snapshot(c.tx, since);
END;

-- For the kept tables' scope functions: the rows of p_table that came out different in refresh
-- p_run in one of the columns p_cols (old and new; a row only one side has counts), by its key
-- p_key. An edited title, say, moves no sum.
CREATE FUNCTION metrics.refresh_changed_rows(p_run bigint, p_table text, p_key text, p_cols text[])
RETURNS SETOF jsonb
LANGUAGE sql STABLE
BEGIN ATOMIC
  WITH d AS (
    SELECT r.row, r.row ->> p_key AS k, (SELECT jsonb_object_agg(c, r.row -> c) FROM unnest(p_cols) c) AS proj
      FROM ops.refresh_diffs r
     WHERE r.run = p_run AND r.table_name = p_table AND r.row IS NOT NULL
  ), moved AS (
    SELECT k FROM d GROUP BY k HAVING count(DISTINCT proj) > 1 OR count(*) = 1
  )
  SELECT d.row FROM d JOIN moved USING (k);
END;

-- The earliest instant (old or new) in column p_time of the rows of p_table that came out
-- different in refresh p_run, for each value of p_group: from when on a repository's
-- deployments changed, say (everything before it is as it was).
CREATE FUNCTION metrics.refresh_changed_since(p_run bigint, p_table text, p_group text, p_time text)
RETURNS TABLE (k text, since_at timestamptz)
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT r.row ->> p_group, min((r.row ->> p_time)::timestamptz)
    FROM ops.refresh_diffs r
   WHERE r.run = p_run AND r.table_name = p_table AND r.row IS NOT NULL
   GROUP BY 1;
END;

-- Whether every row of p_table was rewritten in refresh p_run (its diff is a row with no row).
CREATE FUNCTION metrics.refresh_rewrote_all(p_run bigint, p_table text)
RETURNS boolean
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT EXISTS (SELECT 1 FROM ops.refresh_diffs r WHERE r.run = p_run AND r.table_name = p_table AND r.row IS NULL);
END;

-- The instants (old and new) in column p_time of those rows; NULL when every row was rewritten.
CREATE FUNCTION metrics.refresh_changed_times(p_run bigint, p_table text, p_key text, p_time text, p_cols text[])
RETURNS timestamptz[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT CASE WHEN metrics.refresh_rewrote_all(p_run, p_table) THEN NULL
              ELSE coalesce((SELECT array_agg(DISTINCT (x ->> p_time)::timestamptz)
                               FROM metrics.refresh_changed_rows(p_run, p_table, p_key, p_cols) x
                              WHERE x ->> p_time IS NOT NULL), '{}') END;
END;

-- The periods ('day', 'week': from 00:00 UTC, weeks on Monday) of those instants, for a kept
-- table summed by period; NULL stays NULL, and so does any write to the tables that say which
-- repositories and projects each team has.
CREATE FUNCTION metrics.refresh_changed_periods(since pg_snapshot, p_times timestamptz[], p_unit text)
RETURNS timestamptz[]
LANGUAGE sql STABLE
BEGIN ATOMIC
  SELECT CASE WHEN p_times IS NULL
                OR EXISTS (SELECT 1 FROM metrics.refresh_changes(since, ARRAY['github_repos', 'jira_projects']))
              THEN NULL
              ELSE coalesce((SELECT array_agg(DISTINCT date_trunc(p_unit, t, 'UTC')) FROM unnest(p_times) t), '{}') END;
END;
