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
-- by and, for the durations made of stages, the stages (hours), which sum to the value: coding,
-- pickup, review and, for lead time, deploy. Four columns rather than an array: built and taken
-- apart again for each row, an array cost 5–10 % of the CPU of the whole organisation's explanation.
--   lead_time       pull requests shipped in the period (as the lead time tile): first commit → production
--   pr_cycle_time   people's pull requests merged in the period: first commit → merged
--   flow_time       issues done in the period: first leaving to-do → done
--   deployments     production deployments in the period
-- A pull request merged without a review waits in pickup until its merge. What a row is called
-- and where it links to is metrics.explain_row_details: the figures read only numbers.
CREATE FUNCTION metrics.explain_rows(p_metric text, p_team text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (row_key text, value double precision, repo text, team text, size_bucket text, item_type text,
               coding_h double precision, pickup_h double precision, review_h double precision, deploy_h double precision)
LANGUAGE sql STABLE AS $$
  WITH owners AS MATERIALIZED (
    -- Each repository's team, once (metrics.team_repos matches the teams' patterns), and
    -- whether the team asked for owns it.
    SELECT tr.repo_id, min(tr.team) AS team, bool_or(tr.team = p_team) AS asked
      FROM metrics.team_repos tr GROUP BY tr.repo_id
  ), repos AS (
    -- The repositories read: every one for all teams, the team's own otherwise.
    SELECT r.repo_id AS id, r.repo, o.team
      FROM metrics.repos r
      LEFT JOIN owners o ON o.repo_id = r.repo_id
     WHERE p_team = '*' OR o.asked
  ), pr AS (
    -- Repository by repository, from the (repo_id, time) index alone (it holds every column
    -- read here; OFFSET 0 keeps the read so). Read by time and then from the table, the whole
    -- organisation's rows of 90 days at large took 49 ms a period against 27, and a team's
    -- read the period's rows of every team.
    SELECT r.repo, r.team, p.*
      FROM repos r
      CROSS JOIN LATERAL (
        SELECT p.number, p.size, p.lead_time_s AS value, p.coding_s, p.pickup_s, p.review_s, p.deploy_s,
               p.merged_at, p.ready_at
          FROM metrics.pull_requests p
         WHERE p_metric = 'lead_time' AND p.repo_id = r.id AND p.deployed_at >= p_from AND p.deployed_at < p_to
           AND p.lead_time_s IS NOT NULL
        UNION ALL
        SELECT p.number, p.size, extract(epoch FROM p.merged_at - p.first_commit_at), p.coding_s, p.pickup_s,
               p.review_s, NULL, p.merged_at, p.ready_at
          FROM metrics.pull_requests p
         WHERE p_metric = 'pr_cycle_time' AND p.repo_id = r.id AND NOT p.is_bot AND p.merged_at >= p_from
           AND p.merged_at < p_to AND p.first_commit_at IS NOT NULL
        OFFSET 0) p
     WHERE p_metric IN ('lead_time', 'pr_cycle_time')
  ), staged AS (
    SELECT pr.*,
           coalesce(pr.pickup_s, extract(epoch FROM pr.merged_at - pr.ready_at)) AS pickup,
           CASE WHEN pr.pickup_s IS NULL THEN 0 ELSE pr.review_s END AS review
      FROM pr
  )
  SELECT s.repo || '#' || s.number, s.value / 3600, s.repo, coalesce(s.team, 'no team'), metrics.size_bucket(s.size),
         'pull request',
         s.coding_s / 3600, s.pickup / 3600, s.review / 3600, s.deploy_s / 3600
    FROM staged s
  UNION ALL
  SELECT i.key, i.flow_time_s / 86400, i.project_key, coalesce(po.team, 'no team'), NULL, i.issue_type, NULL, NULL, NULL, NULL
    FROM metrics.team_issues i
    LEFT JOIN (SELECT tp.project_key, min(tp.team) AS team FROM metrics.team_projects tp GROUP BY tp.project_key) po
           ON po.project_key = i.project_key
   WHERE p_metric = 'flow_time' AND i.team = p_team AND i.done_at >= p_from AND i.done_at < p_to
     AND i.flow_time_s IS NOT NULL
  UNION ALL
  SELECT d.deployment_id::text, 1, d.repo, coalesce(o.team, 'no team'), NULL, d.source, NULL, NULL, NULL, NULL
    FROM metrics.team_deployments d
    LEFT JOIN owners o ON o.repo_id = d.repo_id
   WHERE p_metric = 'deployments' AND d.team = p_team AND d.finished_at >= p_from AND d.finished_at < p_to
$$;

-- What rows of metrics.explain_rows are called, where they link to and their repository (a
-- project, for issues), looked up by their keys: for the few rows an explanation names.
CREATE FUNCTION metrics.explain_row_details(p_metric text, p_row_keys text[])
RETURNS TABLE (row_key text, title text, url text, repo text)
LANGUAGE sql STABLE AS $$
  SELECT p.pr_key, p.title, p.url, p.repo
    FROM unnest(p_row_keys) k(row_key)
    JOIN metrics.repos g ON g.repo = split_part(k.row_key, '#', 1)
    JOIN metrics.pull_requests p ON p.repo_id = g.repo_id AND p.number = split_part(k.row_key, '#', 2)::integer
   WHERE p_metric IN ('lead_time', 'pr_cycle_time')
  UNION ALL
  SELECT i.key, i.summary, NULL, i.project_key
    FROM metrics.issues i
   WHERE p_metric = 'flow_time' AND i.key = ANY (p_row_keys)
  UNION ALL
  SELECT d.deployment_id, d.repo || ' ' || coalesce(d.environment, ''), NULL, d.repo
    FROM metrics.deployment_outcomes d
   WHERE p_metric = 'deployments' AND d.deployment_id = ANY (p_row_keys)
$$;

-- The segment a row falls in, by dimension.
CREATE FUNCTION metrics.explain_segment(p_dimension text, p_repo text, p_team text, p_size_bucket text, p_item_type text)
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(CASE p_dimension WHEN 'repo' THEN p_repo WHEN 'team' THEN p_team
                                   WHEN 'size_bucket' THEN p_size_bucket WHEN 'item_type' THEN p_item_type END, 'unknown')
$$;

-- Every part of an explanation from one read of the rows of both periods: p_parts names the
-- parts wanted (totals, stages, segments, median, influence) and only those are computed. An
-- item is one row of a part as JSON, ord its place in the part. The functions after this one
-- are each one part, for a dashboard's panel; the API asks for all of them at once.
--   totals     each period's rows, mean, median and count a week: the mean and the median of
--              the rows, and for deployments the count a week
--   stages     each stage's mean before and after; the stages sum to the value, so their
--              changes sum to the change of the mean
--   segments   the change of the mean split by segment into rate (the segment got slower or
--              faster) and mix (more or less of the work came from it), weighted by the
--              midpoints of the two periods' shares and means, so that over all segments rate
--              + mix is the change of the mean; a segment present in one period only is all
--              mix; for deployments the figure is the count a week, and each segment's part is
--              its own count a week's change
--   median     the change of the median split among segments: the median recomputed with every
--              set of segments put as they were after and the rest as they were before, and
--              each segment's Shapley value (its marginal part averaged over every order of
--              putting them back), which sum to the change; the five segments with the largest
--              part in the change of the mean stand apart and the rest are "other", so at most
--              64 medians are computed
--   influence  the p_limit rows of the later period that move its figure most when left out:
--              how much the median and the mean would drop without each (negative: they would
--              rise), most first
--
-- A function of PL/pgSQL with a generic plan, made once a connection: as a function of SQL it
-- was planned at every call, which at large cost a team's explanation 30 ms against 23 and
-- the whole organisation's 292 against 260. One plan does for every metric, team, period and
-- part: what is not asked for is skipped as it runs.
CREATE FUNCTION metrics.explanation(p_metric text, p_team text, p_before_from timestamptz, p_before_to timestamptz,
                                    p_after_from timestamptz, p_after_to timestamptz, p_dimension text,
                                    p_parts text[], p_limit integer DEFAULT 10)
RETURNS TABLE (part text, ord bigint, item jsonb)
LANGUAGE plpgsql STABLE SET plan_cache_mode = force_generic_plan AS $$
BEGIN
  RETURN QUERY
  WITH r AS MATERIALIZED (
    -- The rows of both periods, read once. What influence shows of a row (its title, link and
    -- repository) is looked up for the rows it shows: carried with every row, the rows of two
    -- periods of 90 days of a large organisation no longer fitted in work_mem (16 MB).
    SELECT false AS after, e.row_key, e.value, e.coding_h AS s1, e.pickup_h AS s2, e.review_h AS s3, e.deploy_h AS s4,
           metrics.explain_segment(p_dimension, e.repo, e.team, e.size_bucket, e.item_type) AS segment
      FROM metrics.explain_rows(p_metric, p_team, p_before_from, p_before_to) e
    UNION ALL
    SELECT true, e.row_key, e.value, e.coding_h, e.pickup_h, e.review_h, e.deploy_h,
           metrics.explain_segment(p_dimension, e.repo, e.team, e.size_bucket, e.item_type)
      FROM metrics.explain_rows(p_metric, p_team, p_after_from, p_after_to) e
  ), grouped AS MATERIALIZED (
    -- One pass over the rows: each segment's count and sum in each period, and its stages'
    -- sums; the periods' figures, the segments' means and the stages' means are sums of these.
    SELECT r.segment, r.after, count(*) AS n, sum(r.value) AS total,
           sum(coalesce(r.s1, 0)) AS t1, sum(coalesce(r.s2, 0)) AS t2, sum(coalesce(r.s3, 0)) AS t3, sum(coalesce(r.s4, 0)) AS t4
      FROM r GROUP BY r.segment, r.after
  ), periods AS (
    SELECT x.after, x.f, x.t, coalesce(sum(g.n), 0)::integer AS n, sum(g.total) / nullif(sum(g.n), 0) AS mean
      FROM (VALUES (false, p_before_from, p_before_to), (true, p_after_from, p_after_to)) x(after, f, t)
      LEFT JOIN grouped g ON g.after = x.after
     GROUP BY x.after, x.f, x.t
  ), stage_periods AS (
    -- Each period's stage means, over the metric's k stages (lead time four, pull request cycle
    -- time three; the others none): every row of a metric has its stages.
    SELECT g.after, s.k,
           ARRAY[sum(g.t1) / nullif(sum(g.n), 0), sum(g.t2) / nullif(sum(g.n), 0),
                 sum(g.t3) / nullif(sum(g.n), 0), sum(g.t4) / nullif(sum(g.n), 0)] AS means
      FROM grouped g, (SELECT CASE p_metric WHEN 'lead_time' THEN 4 WHEN 'pr_cycle_time' THEN 3 END AS k) s
     WHERE s.k IS NOT NULL GROUP BY g.after, s.k HAVING sum(g.n) > 0
  ), stages AS (
    SELECT n.stage, n.i,
           max(p.means[n.i]) FILTER (WHERE NOT p.after) AS before, max(p.means[n.i]) FILTER (WHERE p.after) AS after
      FROM unnest(ARRAY['coding', 'pickup', 'review', 'deploy']) WITH ORDINALITY n(stage, i)
      JOIN stage_periods p ON n.i <= p.k
     GROUP BY n.stage, n.i
  ), stats AS MATERIALIZED (
    SELECT g.segment,
           coalesce(sum(g.n) FILTER (WHERE NOT g.after), 0)::bigint AS n1, coalesce(sum(g.n) FILTER (WHERE g.after), 0)::bigint AS n2,
           sum(g.total) FILTER (WHERE NOT g.after) / sum(g.n) FILTER (WHERE NOT g.after) AS m1,
           sum(g.total) FILTER (WHERE g.after) / sum(g.n) FILTER (WHERE g.after) AS m2
      FROM grouped g GROUP BY g.segment
  ), parts AS (
    -- Rate and mix for any metric: the median's segments are ranked by them, though a count's
    -- are not shown.
    SELECT x.*,
           (x.b - x.a) * (coalesce(x.s1, 0) + coalesce(x.s2, 0)) / 2 AS rate,
           (coalesce(x.s2, 0) - coalesce(x.s1, 0)) * (x.a + x.b) / 2 AS mix
      FROM (SELECT s.*, s.n1 / nullif(t.n1, 0)::double precision AS s1, s.n2 / nullif(t.n2, 0)::double precision AS s2,
                   coalesce(s.m1, s.m2) AS a, coalesce(s.m2, s.m1) AS b, t.w1, t.w2
              FROM stats s,
                   (SELECT sum(n1) AS n1, sum(n2) AS n2,
                           extract(epoch FROM p_before_to - p_before_from) / 604800 AS w1,
                           extract(epoch FROM p_after_to - p_after_from) / 604800 AS w2
                      FROM stats) t) x
  ), segments AS (
    SELECT p.segment, p.n1, p.n2, p.s1, p.s2, p.m1, p.m2,
           CASE WHEN p_metric <> 'deployments' THEN p.rate END AS rate, CASE WHEN p_metric <> 'deployments' THEN p.mix END AS mix,
           metrics.settled(CASE WHEN p_metric = 'deployments' THEN p.n2 / p.w2 - p.n1 / p.w1 ELSE p.rate + p.mix END) AS contribution
      FROM parts p
  ), seg AS (
    -- The median's segments: the five that moved the mean most stand apart.
    SELECT s.segment, CASE WHEN s.rk <= 5 THEN s.segment ELSE 'other' END AS grouped,
           min(s.rk) OVER (PARTITION BY CASE WHEN s.rk <= 5 THEN s.segment ELSE 'other' END) AS rk
      FROM (SELECT x.segment, row_number() OVER (ORDER BY abs(metrics.settled(x.rate + x.mix)) DESC NULLS LAST, x.segment) AS rk
              FROM parts x) s
  ), idx AS (
    SELECT g.grouped AS segment, (row_number() OVER (ORDER BY g.rk) - 1)::integer AS i, count(*) OVER ()::integer AS k
      FROM (SELECT DISTINCT grouped, rk FROM seg) g
  ), masks AS (
    SELECT m FROM generate_series(0, (1 << (SELECT max(k) FROM idx)) - 1) m
  ), later AS (
    -- The mask of every segment as it was after: the later period whole.
    SELECT (1 << max(k)) - 1 AS m FROM idx
  ), bounds AS (
    -- Every figure below that rests on an order (the medians of the periods and of each mask,
    -- the values the median of the later period less one row can be) is the value at a rank,
    -- found without sorting the rows: they fall in bins of like counts by value, bounded by
    -- evenly spaced values of a sample of about a thousand rows (chosen by their keys' hashes,
    -- so the same each time); the counts per bin locate the bin holding a rank, and only that
    -- bin's rows are ranked. Counting costs the 64 masks a row per bin, ranking a row per row
    -- of a bin located, so the bins are about as many as the square root of the rows (at
    -- least 8, at most 256). The bins make it fast, not right: any bounds give the same values.
    SELECT coalesce(array_agg(x.value ORDER BY x.value) FILTER (WHERE x.rn % greatest(x.c / a.bins, 1) = 0), '{}') AS t
      FROM (SELECT r.value, row_number() OVER (ORDER BY r.value) AS rn, count(*) OVER () AS c
              FROM r, (SELECT greatest(ceil(log(2, greatest(sum(n), 1) / 1024.0)), 0)::integer AS bits FROM periods) a
             WHERE hashtext(r.row_key) & ((1 << a.bits) - 1) = 0) x,
           (SELECT least(greatest(ceil(sqrt(sum(n))), 8), 256)::integer AS bins FROM periods) a
  ), seg_index AS (
    SELECT g.segment, x.i FROM seg g JOIN idx x ON x.segment = g.grouped
  ), counts AS MATERIALIZED (
    -- The bounds asked once (a sub-select), not joined: joined, every row carried a copy of
    -- them into the joins after it (at 256 bins, 2 kB a row).
    SELECT width_bucket(r.value, (SELECT b.t FROM bounds b)) AS bin, s.i, r.after, count(*) AS n,
           min(r.value) AS lo, max(r.value) AS hi
      FROM r JOIN seg_index s ON s.segment = r.segment
     GROUP BY 1, 2, 3
  ), per_bin AS (
    -- Each bin's rows before, and for each of the (at most six) segments its rows after less
    -- its rows before: a mask's rows in a bin, and up to it, are then the rows before plus the
    -- differences of the segments it puts as they were after, worked out for the 64 masks by
    -- arithmetic where a join of the masks to the counts, summed and ranked by mask, took a
    -- third of the whole organisation's explanation.
    SELECT c.bin, coalesce(sum(c.n) FILTER (WHERE NOT c.after), 0)::bigint AS nb,
           coalesce(sum(CASE WHEN c.after THEN c.n ELSE -c.n END) FILTER (WHERE c.i = 0), 0)::bigint AS e0,
           coalesce(sum(CASE WHEN c.after THEN c.n ELSE -c.n END) FILTER (WHERE c.i = 1), 0)::bigint AS e1,
           coalesce(sum(CASE WHEN c.after THEN c.n ELSE -c.n END) FILTER (WHERE c.i = 2), 0)::bigint AS e2,
           coalesce(sum(CASE WHEN c.after THEN c.n ELSE -c.n END) FILTER (WHERE c.i = 3), 0)::bigint AS e3,
           coalesce(sum(CASE WHEN c.after THEN c.n ELSE -c.n END) FILTER (WHERE c.i = 4), 0)::bigint AS e4,
           coalesce(sum(CASE WHEN c.after THEN c.n ELSE -c.n END) FILTER (WHERE c.i = 5), 0)::bigint AS e5,
           min(c.lo) AS lo, max(c.hi) AS hi
      FROM counts c GROUP BY c.bin
  ), bin_upto AS MATERIALIZED (
    SELECT b.*, (sum(b.nb) OVER w)::bigint AS cb, (sum(b.e0) OVER w)::bigint AS d0, (sum(b.e1) OVER w)::bigint AS d1,
           (sum(b.e2) OVER w)::bigint AS d2, (sum(b.e3) OVER w)::bigint AS d3, (sum(b.e4) OVER w)::bigint AS d4,
           (sum(b.e5) OVER w)::bigint AS d5
      FROM per_bin b WINDOW w AS (ORDER BY b.bin)
  ), cum AS MATERIALIZED (
    -- Each mask's rows in each bin and up to it.
    SELECT m.m, b.bin,
           b.nb + CASE WHEN m.m & 1 <> 0 THEN b.e0 ELSE 0 END + CASE WHEN m.m & 2 <> 0 THEN b.e1 ELSE 0 END
                + CASE WHEN m.m & 4 <> 0 THEN b.e2 ELSE 0 END + CASE WHEN m.m & 8 <> 0 THEN b.e3 ELSE 0 END
                + CASE WHEN m.m & 16 <> 0 THEN b.e4 ELSE 0 END + CASE WHEN m.m & 32 <> 0 THEN b.e5 ELSE 0 END AS n,
           b.cb + CASE WHEN m.m & 1 <> 0 THEN b.d0 ELSE 0 END + CASE WHEN m.m & 2 <> 0 THEN b.d1 ELSE 0 END
                + CASE WHEN m.m & 4 <> 0 THEN b.d2 ELSE 0 END + CASE WHEN m.m & 8 <> 0 THEN b.d3 ELSE 0 END
                + CASE WHEN m.m & 16 <> 0 THEN b.d4 ELSE 0 END + CASE WHEN m.m & 32 <> 0 THEN b.d5 ELSE 0 END AS upto
      FROM masks m, bin_upto b
  ), totals AS (
    SELECT c.m, c.upto::bigint AS total FROM cum c WHERE c.bin = (SELECT max(bin) FROM bin_upto) AND c.upto > 0
  ), wanted AS (
    -- Each mask's middle rank, or two middle ranks of an even count; and for the later period
    -- the four places the median of its rows less one can be at (see mid).
    SELECT t.m, k.k FROM totals t, LATERAL unnest(ARRAY[(t.total + 1) / 2, t.total / 2 + 1]) k(k)
    UNION
    SELECT l.m, k.k
      FROM later l, periods p,
           LATERAL unnest(ARRAY[floor((p.n - 2) / 2.0) + 1, floor((p.n - 2) / 2.0) + 2,
                                ceil((p.n - 2) / 2.0) + 1, ceil((p.n - 2) / 2.0) + 2]::bigint[]) k(k)
     WHERE p.after AND p.n >= 2
  ), located AS (
    -- A bin whose rows all have one value (every deployment counts 1) has that value at every
    -- rank: its rows are not ranked. Ranked, a count's rows of 90 days of the whole organisation,
    -- all in one bin, took a second.
    SELECT w.m, w.k, c.bin, w.k - (c.upto - c.n) AS off, b.lo = b.hi AS flat, b.lo
      FROM wanted w
      JOIN cum c ON c.m = w.m AND c.upto - c.n < w.k AND w.k <= c.upto
      JOIN bin_upto b ON b.bin = c.bin
  ), in_bins AS (
    -- The rows of the bins located, read between the least and the greatest of their bounds.
    SELECT r.after, s.i, r.value, width_bucket(r.value, (SELECT b.t FROM bounds b)) AS bin
      FROM r JOIN seg_index s ON s.segment = r.segment,
           (SELECT min(coalesce(b.t[l.bin], '-infinity'::double precision)) AS lo,
                   max(coalesce(b.t[l.bin + 1], 'infinity'::double precision)) AS hi
              FROM located l, bounds b WHERE NOT l.flat) span
     WHERE r.value >= span.lo AND r.value < span.hi
  ), at_rank AS MATERIALIZED (
    SELECT l.m, l.k, l.lo AS value FROM located l WHERE l.flat
    UNION ALL
    SELECT x.m, x.k, x.value
      FROM (SELECT l.m, l.k, l.off, b.value, row_number() OVER (PARTITION BY l.m, l.k ORDER BY b.value) AS rn
              FROM located l JOIN in_bins b ON b.bin = l.bin AND b.after = ((l.m >> b.i) & 1 = 1)
             WHERE NOT l.flat) x
     WHERE x.rn = x.off
  ), v AS (
    -- The median as percentile_cont(0.5) takes it: the middle value, or between the two middle ones.
    SELECT t.m, a.value + (b.value - a.value) * 0.5 AS median
      FROM totals t
      JOIN at_rank a ON a.m = t.m AND a.k = (t.total + 1) / 2
      JOIN at_rank b ON b.m = t.m AND b.k = t.total / 2 + 1
  ), figures AS (
    SELECT p.*, v.median AS p50
      FROM periods p LEFT JOIN v ON v.m = CASE WHEN p.after THEN (SELECT m FROM later) ELSE 0 END
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
  ), median AS (
    SELECT x.segment, sum(c.n) FILTER (WHERE NOT c.after) AS n1, sum(c.n) FILTER (WHERE c.after) AS n2,
           metrics.settled(sh.value) AS contribution
      FROM idx x
      LEFT JOIN counts c ON c.i = x.i
      LEFT JOIN shapley sh ON sh.i = x.i
     GROUP BY x.segment, sh.value
  ), mid AS MATERIALIZED (
    -- The median of the other n − 1 lies at 0-based places lo and hi of what is left, where
    -- what is left at index j is the j-th of the sorted rows, or the next one from the row on:
    -- so it is one of four values, and how much it moves one of four numbers. A row is before
    -- place lo + 1 (1-based) when its value is at most that place's; among equal values any
    -- of them left out leaves the same rows.
    SELECT k.n, k.mean, lo1.value AS lo1, hi1.value AS hi1,
           metrics.settled(k.p50 - (lo2.value + hi2.value) / 2) AS moves22, metrics.settled(k.p50 - (lo2.value + hi1.value) / 2) AS moves21,
           metrics.settled(k.p50 - (lo1.value + hi2.value) / 2) AS moves12, metrics.settled(k.p50 - (lo1.value + hi1.value) / 2) AS moves11
      FROM (SELECT f.*, floor((f.n - 2) / 2.0)::integer AS lo, ceil((f.n - 2) / 2.0)::integer AS hi
              FROM figures f WHERE f.after AND f.n >= 2) k
      CROSS JOIN later l
      JOIN at_rank lo1 ON lo1.m = l.m AND lo1.k = k.lo + 1
      JOIN at_rank lo2 ON lo2.m = l.m AND lo2.k = k.lo + 2
      JOIN at_rank hi1 ON hi1.m = l.m AND hi1.k = k.hi + 1
      JOIN at_rank hi2 ON hi2.m = l.m AND hi2.k = k.hi + 2
  ), moved AS (
    SELECT r.row_key, r.value,
           CASE WHEN r.value <= m.lo1 THEN CASE WHEN r.value <= m.hi1 THEN m.moves22 ELSE m.moves21 END
                ELSE CASE WHEN r.value <= m.hi1 THEN m.moves12 ELSE m.moves11 END END AS median_moves_by,
           (r.value - m.mean) / (m.n - 1) AS mean_moves
      FROM r, mid m WHERE r.after
  ), nth AS (
    -- The last row taken, by the unsettled mean: a row whose mean part is further than 10⁻⁸
    -- below it cannot come before it once both are settled, so only the others are settled.
    SELECT abs(m.median_moves_by) AS by_median, abs(m.mean_moves) AS by_mean
      FROM moved m
     ORDER BY abs(m.median_moves_by) DESC, abs(m.mean_moves) DESC
     LIMIT 1 OFFSET greatest(p_limit, 1) - 1
  ), influence AS (
    SELECT c.*, row_number() OVER (ORDER BY abs(c.median_moves_by) DESC, abs(c.mean_moves_by) DESC, c.row_key) AS ord
      FROM (SELECT m.row_key, m.value, m.median_moves_by, metrics.settled(m.mean_moves) AS mean_moves_by
              FROM moved m
             WHERE p_limit IS NULL OR NOT EXISTS (SELECT FROM nth)
                OR abs(m.median_moves_by) > (SELECT by_median FROM nth)
                OR (abs(m.median_moves_by) = (SELECT by_median FROM nth)
                    AND abs(m.mean_moves) >= (SELECT by_mean FROM nth) - 1e-8::double precision)
             ORDER BY abs(m.median_moves_by) DESC, abs(metrics.settled(m.mean_moves)) DESC, m.row_key
             LIMIT p_limit) c
  )
  SELECT 'totals', CASE WHEN f.after THEN 2 ELSE 1 END,
         jsonb_build_object('period', CASE WHEN f.after THEN 'after' ELSE 'before' END, 'rows', f.n,
                            'mean', metrics.settled(f.mean), 'p50', f.p50,
                            'per_week', metrics.settled(f.n / (extract(epoch FROM f.t - f.f) / 604800)))
    FROM figures f WHERE 'totals' = ANY(p_parts)
  UNION ALL
  SELECT 'stages', s.i,
         jsonb_build_object('stage', s.stage, 'before', metrics.settled(s.before), 'after', metrics.settled(s.after),
                            'change', metrics.settled(s.after - s.before))
    FROM stages s WHERE 'stages' = ANY(p_parts)
  UNION ALL
  SELECT 'segments', row_number() OVER (ORDER BY abs(s.contribution) DESC NULLS LAST, s.segment),
         jsonb_build_object('segment', s.segment, 'rows_before', s.n1, 'rows_after', s.n2,
                            'share_before', metrics.settled(s.s1), 'share_after', metrics.settled(s.s2),
                            'mean_before', metrics.settled(s.m1), 'mean_after', metrics.settled(s.m2),
                            'rate', metrics.settled(s.rate), 'mix', metrics.settled(s.mix), 'contribution', s.contribution)
    FROM segments s WHERE 'segments' = ANY(p_parts)
  UNION ALL
  SELECT 'median', row_number() OVER (ORDER BY abs(m.contribution) DESC NULLS LAST, m.segment),
         jsonb_build_object('segment', m.segment, 'rows_before', coalesce(m.n1, 0), 'rows_after', coalesce(m.n2, 0),
                            'contribution', m.contribution)
    FROM median m WHERE 'median' = ANY(p_parts)
  UNION ALL
  SELECT 'influence', i.ord,
         jsonb_build_object('row_key', i.row_key, 'title', e.title, 'url', e.url, 'value', i.value, 'segment_repo', e.repo,
                            'median_moves_by', i.median_moves_by, 'mean_moves_by', i.mean_moves_by)
    FROM influence i
    LEFT JOIN metrics.explain_row_details(p_metric, (SELECT array_agg(row_key) FROM influence)) e ON e.row_key = i.row_key
   WHERE 'influence' = ANY(p_parts);
END
$$;

-- Each part alone, as metrics.explanation computes it.
CREATE FUNCTION metrics.explain_totals(p_metric text, p_team text, p_before_from timestamptz, p_before_to timestamptz,
                                       p_after_from timestamptz, p_after_to timestamptz)
RETURNS TABLE (period text, rows bigint, mean double precision, p50 double precision, per_week double precision)
LANGUAGE sql STABLE AS $$
  SELECT x.*
    FROM metrics.explanation(p_metric, p_team, p_before_from, p_before_to, p_after_from, p_after_to, NULL, ARRAY['totals']) e,
         jsonb_to_record(e.item) AS x(period text, rows bigint, mean double precision, p50 double precision, per_week double precision)
   ORDER BY e.ord
$$;

CREATE FUNCTION metrics.explain_stages(p_metric text, p_team text, p_before_from timestamptz, p_before_to timestamptz,
                                       p_after_from timestamptz, p_after_to timestamptz)
RETURNS TABLE (stage text, before double precision, after double precision, change double precision)
LANGUAGE sql STABLE AS $$
  SELECT x.*
    FROM metrics.explanation(p_metric, p_team, p_before_from, p_before_to, p_after_from, p_after_to, NULL, ARRAY['stages']) e,
         jsonb_to_record(e.item) AS x(stage text, before double precision, after double precision, change double precision)
   ORDER BY e.ord
$$;

CREATE FUNCTION metrics.explain_segments(p_metric text, p_team text, p_before_from timestamptz, p_before_to timestamptz,
                                         p_after_from timestamptz, p_after_to timestamptz, p_dimension text)
RETURNS TABLE (segment text, rows_before bigint, rows_after bigint, share_before double precision,
               share_after double precision, mean_before double precision, mean_after double precision,
               rate double precision, mix double precision, contribution double precision)
LANGUAGE sql STABLE AS $$
  SELECT x.*
    FROM metrics.explanation(p_metric, p_team, p_before_from, p_before_to, p_after_from, p_after_to, p_dimension, ARRAY['segments']) e,
         jsonb_to_record(e.item) AS x(segment text, rows_before bigint, rows_after bigint, share_before double precision,
                                      share_after double precision, mean_before double precision, mean_after double precision,
                                      rate double precision, mix double precision, contribution double precision)
   ORDER BY e.ord
$$;

CREATE FUNCTION metrics.explain_median(p_metric text, p_team text, p_before_from timestamptz, p_before_to timestamptz,
                                       p_after_from timestamptz, p_after_to timestamptz, p_dimension text)
RETURNS TABLE (segment text, rows_before bigint, rows_after bigint, contribution double precision)
LANGUAGE sql STABLE AS $$
  SELECT x.*
    FROM metrics.explanation(p_metric, p_team, p_before_from, p_before_to, p_after_from, p_after_to, p_dimension, ARRAY['median']) e,
         jsonb_to_record(e.item) AS x(segment text, rows_before bigint, rows_after bigint, contribution double precision)
   ORDER BY e.ord
$$;

-- The later period alone: the one before it is empty.
CREATE FUNCTION metrics.explain_influence(p_metric text, p_team text, p_from timestamptz, p_to timestamptz, p_limit integer)
RETURNS TABLE (row_key text, title text, url text, value double precision, segment_repo text,
               median_moves_by double precision, mean_moves_by double precision)
LANGUAGE sql STABLE AS $$
  SELECT x.*
    FROM metrics.explanation(p_metric, p_team, p_from, p_from, p_from, p_to, NULL, ARRAY['influence'], p_limit) e,
         jsonb_to_record(e.item) AS x(row_key text, title text, url text, value double precision, segment_repo text,
                                      median_moves_by double precision, mean_moves_by double precision)
   ORDER BY e.ord
$$;
