-- The generated organisation `engmetrics demo` loaded into this database, if any. The demo
-- regenerates the same organisation from these numbers on its next start, so a restart
-- syncs incrementally instead of loading everything again; and it refuses to write
-- generated data into a database that already holds data synced from real services.
CREATE TABLE ops.demo_world (
  only_one    boolean     PRIMARY KEY DEFAULT true CHECK (only_one),
  seed        integer     NOT NULL,
  prs         integer     NOT NULL,
  repos       integer     NOT NULL,
  days        integer     NOT NULL,
  ends_at     timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
