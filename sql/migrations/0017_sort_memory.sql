-- Grafana's login sorts in memory what a two-year percentile sorts. PostgreSQL's default
-- work_mem (4 MB) holds about 170,000 values; the organisation-wide two-year percentiles of
-- a million pull requests sort about 300,000 each, so they went to temporary files. Each sort
-- of a query may use this much, so it stays modest; the ingester's sessions ask for the same
-- (the connection options in src/db/database.ts).
DO $$
BEGIN
  EXECUTE format('ALTER ROLE grafana_reader IN DATABASE %I SET work_mem = %L', current_database(), '16MB');
END
$$;
