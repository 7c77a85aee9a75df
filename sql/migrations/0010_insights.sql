-- Sprint Health insights, Slack summaries and the scheduler's bookkeeping (all in ops:
-- Grafana never reads them; the API serves them).

-- Insights by the fact sheet they were written from. A fact sheet only changes when the
-- data (or the hour) does, so the same sprint, hash and writer is served from here.
--   writer   : 'rules', or 'llm:<model>' for the LLM writer (whatever it ended up serving)
--   fallback : the LLM writer was asked but the rule-based insight was served; such rows
--              are only reused for a short while, so a passing LLM outage heals itself
CREATE TABLE ops.insights (
  sprint_id   bigint      NOT NULL,
  facts_hash  text        NOT NULL,
  writer      text        NOT NULL,
  insight     jsonb       NOT NULL,
  facts       jsonb       NOT NULL,   -- what the insight was written from, to check it later
  fallback    boolean     NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (sprint_id, facts_hash, writer)
);
CREATE INDEX insights_created ON ops.insights (created_at);

-- Every Slack summary posted (or being posted). `day` is the team's calendar day in the
-- scheduler's time zone; one unforced post per team and day is a unique index, so two
-- replicas (or a digest and a click) cannot both post. A failed post frees the day.
CREATE TABLE ops.slack_posts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team        text        NOT NULL,
  day         date        NOT NULL,
  sprint_id   bigint      NOT NULL,
  channel     text        NOT NULL,
  forced      boolean     NOT NULL DEFAULT false,
  status      text        NOT NULL DEFAULT 'posting' CHECK (status IN ('posting', 'posted', 'failed')),
  message_ts  text,                  -- Slack's id of the message
  facts_hash  text,
  source      text,                  -- the insight's writer: llm or rules
  error       text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  posted_at   timestamptz
);
CREATE UNIQUE INDEX slack_posts_one_a_day ON ops.slack_posts (team, day) WHERE NOT forced AND status <> 'failed';
CREATE INDEX slack_posts_team_created ON ops.slack_posts (team, created_at DESC);

-- One row per scheduled firing of a job that some replica took on: every replica's
-- timer fires, the first to claim (job, slot) runs it, so a job never runs twice for one
-- firing even when it finishes before another replica's timer goes off.
CREATE TABLE ops.job_slots (
  job          text        NOT NULL,
  slot         timestamptz NOT NULL,
  claimed_by   text        NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
  finished_at  timestamptz,
  status       text        NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed', 'skipped')),
  detail       text,
  PRIMARY KEY (job, slot)
);
