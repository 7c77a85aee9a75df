-- Each team's sprint forecast as the ingester computed it after a refresh (forecast/snapshots.ts),
-- one per team, sprint and day (the day's last stands), so the chance of finishing and the
-- team's predictability (days from the 50 % to the 95 % date) can be charted over time.
CREATE TABLE metrics.forecast_snapshots (
  team                   text        NOT NULL,
  sprint_id              bigint      NOT NULL,
  day                    date        NOT NULL,
  as_of                  timestamptz NOT NULL,
  state                  text        NOT NULL CHECK (state IN ('ok', 'low_history', 'refused')),
  reason                 text,
  history_days           integer     NOT NULL,
  remaining_issues       integer,
  working_days_left      integer     NOT NULL,
  finish_probability_pct numeric,
  done_by_50             date,
  done_by_70             date,
  done_by_85             date,
  done_by_95             date,
  spread_working_days    integer,
  PRIMARY KEY (team, sprint_id, day)
);
CREATE INDEX forecast_snapshots_sprint ON metrics.forecast_snapshots (sprint_id, as_of);
