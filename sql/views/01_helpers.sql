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

-- Exact percentiles of a long period without sorting all of it.
--
-- A percentile of two years of a large organisation sorts every value of the period (some
-- 300,000 lead times or stage durations at a million pull requests, ~35 ms a sort). The
-- weekly rollups already hold each week's percentile, and the period's lies among the
-- weeks': one pass counts the values below the 10th percentile of the weeks' and keeps, in
-- order, those up to their 90th (a few in a hundred of an organisation's values), and the
-- percentile is read from them. The answer is exactly percentile_cont's (same ranks, same
-- interpolation). When the ranks it needs fall outside what was kept (weeks far apart, a
-- rollup older than the rows, a period without a whole week), the period is sorted as
-- before: the range only decides how fast, never what.
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

-- Seconds of a set of spans that lie before an instant; an unbounded span runs up to it.
CREATE FUNCTION metrics.seconds_until(p_spans tstzmultirange, p_as_of timestamptz)
RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(sum(extract(epoch FROM upper(r) - lower(r))), 0)
    FROM unnest(p_spans * tstzmultirange(tstzrange(NULL, p_as_of))) r
$$;
