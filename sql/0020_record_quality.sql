-- What a sync could not take as it came, where a user can see it: per run, how many fields
-- were dropped from records that were kept (records skipped were counted already), and per
-- run and cause, both counts (from the run's details, written by the ingester's
-- RecordQuality: causes name the kind of record, the field and what was wrong, not records).

ALTER TABLE ops.sync_runs ADD COLUMN fields_degraded integer NOT NULL DEFAULT 0;

CREATE OR REPLACE VIEW metrics.sync_runs AS
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
