-- Schemas, run bookkeeping and the read-only role Grafana connects as.
--   source  : typed rows from GitHub and Jira, keyed by upstream ids, with the raw payload
--   metrics : every view and materialized view Grafana and the API read (the only schema Grafana may see)
--   ops     : sync watermarks, run history, insight cache, Slack post log

CREATE SCHEMA IF NOT EXISTS source;
CREATE SCHEMA IF NOT EXISTS metrics;
CREATE SCHEMA IF NOT EXISTS ops;

-- Where each source's incremental sync stands, per scope (a repo, a Jira project).
CREATE TABLE ops.sync_state (
  source      text        NOT NULL CHECK (source IN ('github', 'jira')),
  scope       text        NOT NULL,
  watermark   timestamptz,
  cursor      jsonb,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (source, scope)
);

-- One row per sync of one scope (and per refresh of the metrics).
CREATE TABLE ops.sync_runs (
  id                    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source                text        NOT NULL,
  scope                 text        NOT NULL,
  started_at            timestamptz NOT NULL DEFAULT now(),
  finished_at           timestamptz,
  status                text        NOT NULL DEFAULT 'running'
                                    CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
  rows_written          bigint      NOT NULL DEFAULT 0,
  api_requests          integer     NOT NULL DEFAULT 0,
  api_points            integer     NOT NULL DEFAULT 0,
  rate_limit_remaining  integer,
  records_skipped       integer     NOT NULL DEFAULT 0,
  error                 text,
  details               jsonb       NOT NULL DEFAULT '{}'::jsonb,
  CHECK (finished_at IS NULL OR finished_at >= started_at)
);
CREATE INDEX sync_runs_source_scope_started ON ops.sync_runs (source, scope, started_at DESC);

-- Grafana's login. The password is set by `engmetrics migrate` from GRAFANA_READER_PASSWORD,
-- never written in a migration. Roles are cluster-wide, so several databases on one server
-- (or two migrations racing) may create it at once.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'grafana_reader') THEN
    CREATE ROLE grafana_reader LOGIN;
  END IF;
EXCEPTION
  WHEN duplicate_object OR unique_violation THEN NULL;
END
$$;

GRANT USAGE ON SCHEMA metrics TO grafana_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA metrics TO grafana_reader;
-- Views and materialized views created later by the owner are readable too.
ALTER DEFAULT PRIVILEGES IN SCHEMA metrics GRANT SELECT ON TABLES TO grafana_reader;
REVOKE ALL ON SCHEMA source, ops FROM PUBLIC;
