-- Sync runs, freshness of each source, and the records a sync skipped or degraded.

CREATE VIEW metrics.sync_runs AS
SELECT r.id AS run_id,
       r.source,
       r.scope,
       r.started_at,
       r.finished_at,
       r.status,
       extract(epoch FROM r.finished_at - r.started_at)::double precision AS duration_seconds,
       r.rows_written,
       r.api_requests,
       r.api_points,
       r.rate_limit_remaining,
       r.records_skipped,
       -- An error message can quote a URL or a header; whatever looks like a credential in it is masked.
       nullif(left(regexp_replace(regexp_replace(split_part(r.error, E'\n', 1),
                                                 '(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+', '\1 ***', 'gi'),
                                  '((token|password|secret|key|authorization)[=:]\s*)[^\s&,;]+', '\1***', 'gi'),
                   500), '') AS error,
       r.fields_degraded
  FROM ops.sync_runs r;

-- Per source and scope: the last successful sync and the last attempt.
CREATE VIEW metrics.sync_freshness AS
WITH last_success AS (
  SELECT source, scope, max(finished_at) AS last_success_at
    FROM ops.sync_runs
   WHERE status = 'succeeded'
   GROUP BY source, scope
),
last_run AS (
  SELECT DISTINCT ON (source, scope) source, scope, run_id, started_at, finished_at, status, error
    FROM metrics.sync_runs
   ORDER BY source, scope, started_at DESC, run_id DESC
)
SELECT l.source,
       l.scope,
       s.last_success_at,
       extract(epoch FROM now() - s.last_success_at)::double precision AS seconds_since_success,
       l.started_at AS last_run_started_at,
       l.status AS last_run_status,
       l.error AS last_run_error
  FROM last_run l
  LEFT JOIN last_success s USING (source, scope);

-- Per source (github, jira, and `metrics` for the refresh of the materialized views): when its
-- data was last brought up to date. A source is as fresh as its last successful run; the
-- oldest scope shows a repository or project that has fallen behind the others.
CREATE VIEW metrics.source_freshness AS
SELECT source,
       max(last_success_at) AS last_success_at,
       extract(epoch FROM now() - max(last_success_at))::double precision AS seconds_since_success,
       min(last_success_at) AS oldest_scope_success_at,
       count(*)::integer AS scopes,
       (count(*) FILTER (WHERE last_run_status = 'failed'))::integer AS scopes_failing
  FROM metrics.sync_freshness
 GROUP BY source;
GRANT SELECT ON metrics.sync_runs, metrics.sync_freshness, metrics.source_freshness TO grafana_reader;

-- One row per run and cause: `skipped` (a record left out) or `degraded` (a field dropped
-- from a record that was kept), with how many.
CREATE VIEW metrics.sync_record_problems AS
SELECT r.id AS run_id, r.source, r.scope, r.started_at, p.kind, left(p.cause, 300) AS cause, p.records
  FROM ops.sync_runs r
 CROSS JOIN LATERAL (
   SELECT 'skipped' AS kind, e.key AS cause, e.value::int AS records
     FROM jsonb_each_text(CASE WHEN jsonb_typeof(r.details -> 'skipped') = 'object' THEN r.details -> 'skipped' END) e
   UNION ALL
   SELECT 'degraded', e.key, e.value::int
     FROM jsonb_each_text(CASE WHEN jsonb_typeof(r.details -> 'degraded') = 'object' THEN r.details -> 'degraded' END) e
 ) p
 WHERE r.records_skipped > 0 OR r.fields_degraded > 0;
