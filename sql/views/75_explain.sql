-- Why a figure moved between two periods, from the rows behind it (docs/metrics.md, "Why it
-- moved"): the change of a mean split by stage and, across segments, into rate and mix; the
-- change of a median split among segments by Shapley values over the segments put back as
-- they were; and the rows that move the figure most when left out.

-- To nine decimals: a sum's last bits depend on the order its rows are read in, which two
-- copies of the same data need not share; an explanation is the same on both.
CREATE FUNCTION metrics.settled(p double precision)
RETURNS double precision
LANGUAGE sql IMMUTABLE AS $$
  SELECT round(p::numeric, 9)::double precision
$$;

-- A pull request's size, in the buckets explanations split by (additions + deletions).
CREATE FUNCTION metrics.size_bucket(p_size bigint)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN p_size IS NULL THEN 'unknown' WHEN p_size < 50 THEN '<50' WHEN p_size < 200 THEN '50-199'
              WHEN p_size < 500 THEN '200-499' WHEN p_size < 1000 THEN '500-999' ELSE '1000+' END
$$;

-- The rows behind a figure of a team for a period, one value each (hours for lead time and
-- pull request cycle time, days for flow time, 1 a deployment), with the segments they split
-- by and, for the durations made of stages, the stages, which sum to the value.
--   lead_time       pull requests shipped in the period (as the lead time tile): first commit → production
--   pr_cycle_time   people's pull requests merged in the period: first commit → merged
--   flow_time       issues done in the period: first leaving to-do → done
--   deployments     production deployments in the period
-- A pull request merged without a review waits in pickup until its merge.
CREATE FUNCTION metrics.explain_rows(p_metric text, p_team text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (row_key text, title text, url text, value double precision, repo text, team text,
               size_bucket text, item_type text, stages double precision[])
LANGUAGE sql STABLE AS $$
  WITH owners AS MATERIALIZED (
    -- Each repository's team, once (metrics.team_repos matches the teams' patterns).
    SELECT tr.repo_id, min(tr.team) AS team FROM metrics.team_repos tr GROUP BY tr.repo_id
  ), pr AS (
    SELECT p.*,
           coalesce(p.pickup_s, extract(epoch FROM p.merged_at - p.ready_at)) AS pickup,
           CASE WHEN p.pickup_s IS NULL THEN 0 ELSE p.review_s END AS review,
           o.team AS owner
      FROM metrics.team_pull_requests p
      LEFT JOIN owners o ON o.repo_id = p.repo_id
     WHERE p.team = p_team AND p_metric IN ('lead_time', 'pr_cycle_time')
       AND ((p_metric = 'lead_time' AND p.deployed_at >= p_from AND p.deployed_at < p_to AND p.lead_time_s IS NOT NULL)
         OR (p_metric = 'pr_cycle_time' AND NOT p.is_bot AND p.merged_at >= p_from AND p.merged_at < p_to
             AND p.first_commit_at IS NOT NULL))
  )
  SELECT pr.pr_key, pr.title, pr.url,
         CASE p_metric WHEN 'lead_time' THEN pr.lead_time_s ELSE extract(epoch FROM pr.merged_at - pr.first_commit_at) END / 3600,
         pr.repo, coalesce(pr.owner, 'no team'), metrics.size_bucket(pr.size), 'pull request',
         CASE p_metric
           WHEN 'lead_time' THEN ARRAY[pr.coding_s / 3600, pr.pickup / 3600, pr.review / 3600, pr.deploy_s / 3600]
           ELSE ARRAY[pr.coding_s / 3600, pr.pickup / 3600, pr.review / 3600] END
    FROM pr
  UNION ALL
  SELECT i.key, i.summary, NULL, i.flow_time_s / 86400, i.project_key,
         coalesce(po.team, 'no team'), NULL, i.issue_type, NULL
    FROM metrics.team_issues i
    LEFT JOIN (SELECT tp.project_key, min(tp.team) AS team FROM metrics.team_projects tp GROUP BY tp.project_key) po
           ON po.project_key = i.project_key
   WHERE p_metric = 'flow_time' AND i.team = p_team AND i.done_at >= p_from AND i.done_at < p_to
     AND i.flow_time_s IS NOT NULL
  UNION ALL
  SELECT d.deployment_id::text, d.repo || ' ' || coalesce(d.environment, ''), NULL, 1, d.repo,
         coalesce(o.team, 'no team'), NULL, d.source, NULL
    FROM metrics.team_deployments d
    LEFT JOIN owners o ON o.repo_id = d.repo_id
   WHERE p_metric = 'deployments' AND d.team = p_team AND d.finished_at >= p_from AND d.finished_at < p_to
$$;

-- The segment a row falls in, by dimension.
CREATE FUNCTION metrics.explain_segment(p_dimension text, p_repo text, p_team text, p_size_bucket text, p_item_type text)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(CASE p_dimension WHEN 'repo' THEN p_repo WHEN 'team' THEN p_team
                                   WHEN 'size_bucket' THEN p_size_bucket WHEN 'item_type' THEN p_item_type END, 'unknown')
$$;

-- The rows of both periods, each with its period and its segment of the dimension.
CREATE FUNCTION metrics.explain_periods(p_metric text, p_team text, p_before_from timestamptz, p_before_to timestamptz,
                                        p_after_from timestamptz, p_after_to timestamptz, p_dimension text)
RETURNS TABLE (period text, segment text, value double precision)
LANGUAGE sql STABLE AS $$
  SELECT 'before', metrics.explain_segment(p_dimension, r.repo, r.team, r.size_bucket, r.item_type), r.value
    FROM metrics.explain_rows(p_metric, p_team, p_before_from, p_before_to) r
  UNION ALL
  SELECT 'after', metrics.explain_segment(p_dimension, r.repo, r.team, r.size_bucket, r.item_type), r.value
    FROM metrics.explain_rows(p_metric, p_team, p_after_from, p_after_to) r
$$;

-- The figure of each period and its change: the mean and the median (for deployments, the
-- count and the count a week), and the rows they rest on.
CREATE FUNCTION metrics.explain_totals(p_metric text, p_team text, p_before_from timestamptz, p_before_to timestamptz,
                                       p_after_from timestamptz, p_after_to timestamptz)
RETURNS TABLE (period text, rows bigint, mean double precision, p50 double precision, per_week double precision)
LANGUAGE sql STABLE AS $$
  SELECT x.period, count(r.value), metrics.settled(avg(r.value)), percentile_cont(0.5) WITHIN GROUP (ORDER BY r.value),
         metrics.settled(count(r.value) / (extract(epoch FROM x.t - x.f) / 604800))
    FROM (VALUES ('before', p_before_from, p_before_to), ('after', p_after_from, p_after_to)) x(period, f, t)
    LEFT JOIN LATERAL metrics.explain_rows(p_metric, p_team, x.f, x.t) r ON true
   GROUP BY x.period, x.f, x.t
   ORDER BY x.period DESC
$$;

-- The change of the mean split by stage: each stage's mean before and after. The stages sum
-- to the value, so their changes sum to the change of the mean.
CREATE FUNCTION metrics.explain_stages(p_metric text, p_team text, p_before_from timestamptz, p_before_to timestamptz,
                                       p_after_from timestamptz, p_after_to timestamptz)
RETURNS TABLE (stage text, before double precision, after double precision, change double precision)
LANGUAGE sql STABLE AS $$
  WITH names AS (
    SELECT * FROM unnest(ARRAY['coding', 'pickup', 'review', 'deploy']) WITH ORDINALITY n(stage, i)
  ), r AS (
    SELECT 'before' AS period, r.stages FROM metrics.explain_rows(p_metric, p_team, p_before_from, p_before_to) r
    UNION ALL
    SELECT 'after', r.stages FROM metrics.explain_rows(p_metric, p_team, p_after_from, p_after_to) r
  ), m AS (
    SELECT n.stage, n.i,
           avg(coalesce(r.stages[n.i], 0)) FILTER (WHERE r.period = 'before') AS before,
           avg(coalesce(r.stages[n.i], 0)) FILTER (WHERE r.period = 'after') AS after
      FROM names n JOIN r ON r.stages IS NOT NULL AND n.i <= array_length(r.stages, 1)
     GROUP BY n.stage, n.i
  )
  SELECT m.stage, metrics.settled(m.before), metrics.settled(m.after), metrics.settled(m.after - m.before)
    FROM m ORDER BY m.i
$$;

-- The change of the mean split by segment into rate (the segment got slower or faster) and
-- mix (more or less of the work came from it), weighted by the midpoints of the two periods'
-- shares and means, so that over all segments rate + mix is the change of the mean. A segment
-- present in one period only is all mix. For deployments the figure is the count a week, and
-- each segment's part is its own count a week's change.
CREATE FUNCTION metrics.explain_segments(p_metric text, p_team text, p_before_from timestamptz, p_before_to timestamptz,
                                         p_after_from timestamptz, p_after_to timestamptz, p_dimension text)
RETURNS TABLE (segment text, rows_before bigint, rows_after bigint, share_before double precision,
               share_after double precision, mean_before double precision, mean_after double precision,
               rate double precision, mix double precision, contribution double precision)
LANGUAGE sql STABLE AS $$
  WITH r AS (
    SELECT * FROM metrics.explain_periods(p_metric, p_team, p_before_from, p_before_to, p_after_from, p_after_to, p_dimension)
  ), s AS (
    SELECT r.segment,
           count(*) FILTER (WHERE r.period = 'before') AS n1, count(*) FILTER (WHERE r.period = 'after') AS n2,
           avg(r.value) FILTER (WHERE r.period = 'before') AS m1, avg(r.value) FILTER (WHERE r.period = 'after') AS m2
      FROM r GROUP BY r.segment
  ), t AS (
    SELECT sum(n1) AS n1, sum(n2) AS n2,
           extract(epoch FROM p_before_to - p_before_from) / 604800 AS w1,
           extract(epoch FROM p_after_to - p_after_from) / 604800 AS w2
      FROM s
  ), shares AS (
    SELECT s.*, s.n1 / nullif(t.n1, 0)::double precision AS s1, s.n2 / nullif(t.n2, 0)::double precision AS s2,
           coalesce(s.m1, s.m2) AS a, coalesce(s.m2, s.m1) AS b, t.w1, t.w2
      FROM s, t
  ), parts AS (
    SELECT x.*,
           CASE WHEN p_metric <> 'deployments' THEN (x.b - x.a) * (coalesce(x.s1, 0) + coalesce(x.s2, 0)) / 2 END AS rate,
           CASE WHEN p_metric <> 'deployments' THEN (coalesce(x.s2, 0) - coalesce(x.s1, 0)) * (x.a + x.b) / 2 END AS mix
      FROM shares x
  )
  SELECT p.segment, p.n1, p.n2, metrics.settled(p.s1), metrics.settled(p.s2), metrics.settled(p.m1),
         metrics.settled(p.m2), metrics.settled(p.rate), metrics.settled(p.mix),
         metrics.settled(CASE WHEN p_metric = 'deployments' THEN p.n2 / p.w2 - p.n1 / p.w1 ELSE p.rate + p.mix END) AS contribution
    FROM parts p
   ORDER BY abs(metrics.settled(CASE WHEN p_metric = 'deployments' THEN p.n2 / p.w2 - p.n1 / p.w1 ELSE p.rate + p.mix END)) DESC NULLS LAST,
            p.segment
$$;

-- The change of the median split among segments: the median recomputed with every set of
-- segments put as they were after and the rest as they were before, and each segment's
-- Shapley value (its marginal part averaged over every order of putting them back), which sum
-- to the change. The five segments with the largest part in the change of the mean are kept
-- apart and the rest are "other", so at most 64 medians are computed.
CREATE FUNCTION metrics.explain_median(p_metric text, p_team text, p_before_from timestamptz, p_before_to timestamptz,
                                       p_after_from timestamptz, p_after_to timestamptz, p_dimension text)
RETURNS TABLE (segment text, rows_before bigint, rows_after bigint, contribution double precision)
LANGUAGE sql STABLE AS $$
  WITH raw AS (
    SELECT * FROM metrics.explain_periods(p_metric, p_team, p_before_from, p_before_to, p_after_from, p_after_to, p_dimension)
  ), stats AS (
    SELECT segment,
           count(*) FILTER (WHERE period = 'before')::double precision AS n1,
           count(*) FILTER (WHERE period = 'after')::double precision AS n2,
           avg(value) FILTER (WHERE period = 'before') AS m1, avg(value) FILTER (WHERE period = 'after') AS m2
      FROM raw GROUP BY segment
  ), ranked AS (
    -- The segments that moved the mean most stand apart (metrics.explain_segments' rate + mix).
    SELECT x.segment,
           row_number() OVER (
             ORDER BY abs(metrics.settled(
                        (coalesce(x.m2, x.m1) - coalesce(x.m1, x.m2)) * (x.n1 / nullif(t.n1, 0) + x.n2 / nullif(t.n2, 0)) / 2
                        + (x.n2 / nullif(t.n2, 0) - x.n1 / nullif(t.n1, 0)) * (coalesce(x.m1, x.m2) + coalesce(x.m2, x.m1)) / 2))
                      DESC NULLS LAST, x.segment) AS rk
      FROM stats x, (SELECT sum(n1) AS n1, sum(n2) AS n2 FROM stats) t
  ), seg AS (
    SELECT CASE WHEN rk <= 5 THEN segment ELSE 'other' END AS segment, min(rk) AS rk
      FROM ranked GROUP BY 1
  ), idx AS (
    SELECT segment, (row_number() OVER (ORDER BY rk) - 1)::integer AS i, count(*) OVER ()::integer AS k FROM seg
  ), rows AS (
    SELECT r.period, x.i, r.value
      FROM raw r JOIN ranked rk ON rk.segment = r.segment
      JOIN idx x ON x.segment = CASE WHEN rk.rk <= 5 THEN r.segment ELSE 'other' END
  ), masks AS (
    SELECT m FROM generate_series(0, (1 << (SELECT max(k) FROM idx)) - 1) m
  ), binned AS MATERIALIZED (
    -- Each mask's median is found without sorting its rows: the rows fall in 256 bins of equal
    -- counts by value; a mask's count per bin locates the bin holding each middle rank, and
    -- only that bin's rows are ranked. The same value as percentile_cont(0.5).
    SELECT r.period = 'after' AS after, r.i, r.value, ntile(256) OVER (ORDER BY r.value) AS bin FROM rows r
  ), counts AS (
    SELECT bin, i, after, count(*) AS n FROM binned GROUP BY bin, i, after
  ), per_mask AS (
    SELECT m.m, c.bin, sum(c.n) AS n
      FROM masks m JOIN counts c ON c.after = ((m.m >> c.i) & 1 = 1)
     GROUP BY m.m, c.bin
  ), cum AS (
    SELECT m, bin, n, sum(n) OVER (PARTITION BY m ORDER BY bin) AS upto, sum(n) OVER (PARTITION BY m) AS total
      FROM per_mask
  ), middle AS (
    -- The middle rank, or the two middle ranks of an even count.
    SELECT DISTINCT c.m, k.k
      FROM cum c, LATERAL unnest(ARRAY[(c.total::bigint + 1) / 2, c.total::bigint / 2 + 1]) k(k)
  ), located AS (
    SELECT md.m, md.k, c.bin, md.k - (c.upto - c.n) AS off
      FROM middle md JOIN cum c ON c.m = md.m AND c.upto - c.n < md.k AND md.k <= c.upto
  ), ranked_in_bin AS (
    SELECT l.m, l.k, l.off, b.value, row_number() OVER (PARTITION BY l.m, l.k ORDER BY b.value) AS rn
      FROM located l JOIN binned b ON b.bin = l.bin AND b.after = ((l.m >> b.i) & 1 = 1)
  ), v AS (
    SELECT m, avg(value) AS median FROM ranked_in_bin WHERE rn = off GROUP BY m
  ), fact AS (
    SELECT * FROM (VALUES (0, 1.0), (1, 1.0), (2, 2.0), (3, 6.0), (4, 24.0), (5, 120.0), (6, 720.0)) f(n, f)
  ), shapley AS (
    SELECT x.i,
           sum((fs.f * fr.f / fk.f) * (vw.median - vo.median)) AS value
      FROM idx x
      JOIN masks m ON (m.m >> x.i) & 1 = 0
      JOIN v vo ON vo.m = m.m
      JOIN v vw ON vw.m = m.m | (1 << x.i)
      JOIN fact fs ON fs.n = length(replace(m.m::bit(6)::text, '0', ''))
      JOIN fact fr ON fr.n = x.k - fs.n - 1
      JOIN fact fk ON fk.n = x.k
     GROUP BY x.i
  )
  SELECT x.segment, count(*) FILTER (WHERE r.period = 'before'), count(*) FILTER (WHERE r.period = 'after'),
         metrics.settled(sh.value)
    FROM idx x
    LEFT JOIN rows r ON r.i = x.i
    LEFT JOIN shapley sh ON sh.i = x.i
   GROUP BY x.segment, sh.value
   ORDER BY abs(metrics.settled(sh.value)) DESC NULLS LAST, x.segment
$$;

-- The rows of the later period that move its figure most when left out: how much the median
-- and the mean would drop without each (negative: they would rise), most first.
CREATE FUNCTION metrics.explain_influence(p_metric text, p_team text, p_from timestamptz, p_to timestamptz, p_limit integer)
RETURNS TABLE (row_key text, title text, url text, value double precision, segment_repo text,
               median_moves_by double precision, mean_moves_by double precision)
LANGUAGE sql STABLE AS $$
  WITH r AS MATERIALIZED (
    SELECT r.*, (row_number() OVER (ORDER BY r.value, r.row_key))::integer AS pos
      FROM metrics.explain_rows(p_metric, p_team, p_from, p_to) r
  ), a AS (
    SELECT count(*)::integer AS n, avg(value) AS mean, percentile_cont(0.5) WITHIN GROUP (ORDER BY value) AS median
      FROM r
  ), k AS (
    -- The median of the other n − 1 lies at 0-based positions lo and hi of what is left, where
    -- what is left at index j is the j-th of the sorted rows, or the next one from the row on:
    -- so only four rows around the middle can be it, read once.
    SELECT a.*, floor((a.n - 2) / 2.0)::integer AS lo, ceil((a.n - 2) / 2.0)::integer AS hi FROM a WHERE a.n >= 2
  ), mid AS MATERIALIZED (
    SELECT k.*,
           (SELECT value FROM r WHERE pos = k.lo + 1) AS lo1, (SELECT value FROM r WHERE pos = k.lo + 2) AS lo2,
           (SELECT value FROM r WHERE pos = k.hi + 1) AS hi1, (SELECT value FROM r WHERE pos = k.hi + 2) AS hi2
      FROM k
  ), moved AS (
    SELECT r.row_key, r.title, r.url, r.value, r.repo,
           metrics.settled(m.median - ((CASE WHEN m.lo + 1 >= r.pos THEN m.lo2 ELSE m.lo1 END)
                                       + (CASE WHEN m.hi + 1 >= r.pos THEN m.hi2 ELSE m.hi1 END)) / 2) AS median_moves_by,
           metrics.settled((r.value - m.mean) / (m.n - 1)) AS mean_moves_by
      FROM r, mid m
  )
  SELECT m.row_key, m.title, m.url, m.value, m.repo, m.median_moves_by, m.mean_moves_by
    FROM moved m
   ORDER BY abs(m.median_moves_by) DESC, abs(m.mean_moves_by) DESC, m.row_key
   LIMIT p_limit
$$;
