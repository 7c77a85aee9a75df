-- Grafana's login runs without JIT compilation in this database. PostgreSQL compiles a
-- query once its estimated cost passes jit_above_cost, and the dashboards' queries (a few
-- tens of milliseconds each, over estimates of millions) would spend hundreds of
-- milliseconds compiling before they run. The ingester's own sessions turn it off the
-- same way (the connection options in src/db/database.ts).
DO $$
BEGIN
  EXECUTE format('ALTER ROLE grafana_reader IN DATABASE %I SET jit = off', current_database());
END
$$;
