-- What a sync could not take as it came, where a user can see it: per run, how many fields
-- were dropped from records that were kept (records skipped were counted already), and per
-- run and cause, both counts (from the run's details, written by the ingester's
-- RecordQuality: causes name the kind of record, the field and what was wrong, not records).

ALTER TABLE ops.sync_runs ADD COLUMN fields_degraded integer NOT NULL DEFAULT 0;
