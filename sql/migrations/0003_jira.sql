-- Jira rows, keyed by Jira's ids, each typed row beside the payload it came from (email
-- addresses stripped) so a mapping change can be replayed without re-fetching.
-- People are account ids (Cloud) or user keys (Data Center), with display names in
-- source.jira_users.
--
-- Histories are kept twice: as Jira sent them (source.jira_changelog, one row per changed
-- field of the tracked fields: status, sprint, story points, flagged) and as intervals
-- derived from them and the issue's current values, so SQL can ask "what held at instant t"
-- with a range test:
--   status at t      : jira_status_periods   started_at <= t AND (ended_at IS NULL OR ended_at > t)
--   in sprint at t   : jira_sprint_memberships added_at <= t AND (removed_at IS NULL OR removed_at > t)
--   points at t      : jira_point_estimates  (same test; points NULL = not estimated)
--   flagged at t     : jira_flag_periods     (same test)
-- An open interval (ended_at / removed_at NULL) still holds now.

CREATE TABLE source.jira_projects (
  id    text PRIMARY KEY,
  key   text NOT NULL UNIQUE,
  name  text NOT NULL,
  raw   jsonb NOT NULL
);

CREATE TABLE source.jira_users (
  account_id    text PRIMARY KEY,
  display_name  text,
  account_type  text,
  active        boolean
);

-- Every status the site has, with its category (new → todo, indeterminate → active,
-- done → done by default; metrics map names to stages on top of this).
CREATE TABLE source.jira_statuses (
  id             text PRIMARY KEY,
  name           text NOT NULL,
  category_key   text NOT NULL,
  category_id    integer,
  category_name  text,
  raw            jsonb NOT NULL
);

CREATE TABLE source.jira_boards (
  id                   bigint PRIMARY KEY,
  name                 text NOT NULL,
  type                 text NOT NULL,
  project_key          text,
  project_id           text,
  estimation_field_id  text,            -- the board's story-point field (board configuration)
  raw                  jsonb NOT NULL   -- {board, configuration}
);

CREATE TABLE source.jira_sprints (
  id           bigint PRIMARY KEY,
  board_id     bigint,                  -- the board the sprint was created on (originBoardId)
  name         text NOT NULL,
  goal         text,
  state        text NOT NULL CHECK (state IN ('future', 'active', 'closed')),
  created_at   timestamptz,
  start_at     timestamptz,             -- NULL for a future sprint nobody has planned dates for
  end_at       timestamptz,
  complete_at  timestamptz,             -- set once closed
  raw          jsonb NOT NULL
);
CREATE INDEX jira_sprints_board ON source.jira_sprints (board_id, start_at);

CREATE TABLE source.jira_issues (
  id                    text PRIMARY KEY,
  key                   text NOT NULL UNIQUE,
  project_id            text NOT NULL,
  project_key           text NOT NULL,
  issue_type            text NOT NULL,
  issue_type_id         text NOT NULL,
  hierarchy_level       integer,         -- 1 for epics, 0 for standard issues, -1 for sub-tasks
  summary               text NOT NULL,
  status_id             text NOT NULL,
  resolution            text,
  created_at            timestamptz NOT NULL,
  updated_at            timestamptz NOT NULL,
  resolved_at           timestamptz,
  reporter_account_id   text,
  assignee_account_id   text,
  labels                text[] NOT NULL DEFAULT '{}',
  parent_key            text,
  epic_key              text,            -- the parent when it is an epic, or the classic Epic Link
  story_points          numeric,         -- now, from the project's estimation field
  points_field_id       text,
  sprint_ids            bigint[] NOT NULL DEFAULT '{}',  -- now, closed sprints included (as Jira keeps them)
  flagged               boolean NOT NULL DEFAULT false,
  raw                   jsonb NOT NULL
);
CREATE INDEX jira_issues_project_updated ON source.jira_issues (project_key, updated_at);
CREATE INDEX jira_issues_type ON source.jira_issues (issue_type);
CREATE INDEX jira_issues_epic ON source.jira_issues (epic_key) WHERE epic_key IS NOT NULL;

-- The tracked fields' changes as Jira reports them. Status items carry status ids in
-- from_value/to_value (names in the *_string columns); sprint items carry comma-separated
-- sprint ids; story-point items carry the numbers in the *_string columns.
CREATE TABLE source.jira_changelog (
  issue_id            text        NOT NULL REFERENCES source.jira_issues (id) ON DELETE CASCADE,
  history_id          text        NOT NULL,
  item_index          integer     NOT NULL,
  changed_at          timestamptz NOT NULL,
  author_account_id   text,
  kind                text        NOT NULL CHECK (kind IN ('status', 'sprint', 'points', 'flagged')),
  field               text        NOT NULL,
  field_id            text,
  from_value          text,
  from_string         text,
  to_value            text,
  to_string           text,
  PRIMARY KEY (issue_id, history_id, item_index)
);
CREATE INDEX jira_changelog_kind_time ON source.jira_changelog (kind, changed_at);

-- Time in each status: consecutive, from creation; the last one open.
CREATE TABLE source.jira_status_periods (
  issue_id             text        NOT NULL REFERENCES source.jira_issues (id) ON DELETE CASCADE,
  seq                  integer     NOT NULL,
  status_id            text        NOT NULL,
  started_at           timestamptz NOT NULL,
  ended_at             timestamptz,
  entered_by_account_id text,
  PRIMARY KEY (issue_id, seq)
);
CREATE INDEX jira_status_periods_status ON source.jira_status_periods (status_id, started_at);

-- Sprint membership history: one row per stay of an issue in a sprint. Committed =
-- in the sprint at its start; added = a stay starting after the start; removed = a stay
-- ending before completion; carried over = in the sprint at completion, not done, and a
-- stay in a later sprint starting then.
CREATE TABLE source.jira_sprint_memberships (
  issue_id    text        NOT NULL REFERENCES source.jira_issues (id) ON DELETE CASCADE,
  sprint_id   bigint      NOT NULL,
  added_at    timestamptz NOT NULL,
  removed_at  timestamptz,
  PRIMARY KEY (issue_id, sprint_id, added_at)
);
CREATE INDEX jira_sprint_memberships_sprint ON source.jira_sprint_memberships (sprint_id, added_at);

-- Story points in force over time; the first row is the estimate at creation, each later
-- row a re-estimate. points NULL = not estimated.
CREATE TABLE source.jira_point_estimates (
  issue_id    text        NOT NULL REFERENCES source.jira_issues (id) ON DELETE CASCADE,
  seq         integer     NOT NULL,
  points      numeric,
  started_at  timestamptz NOT NULL,
  ended_at    timestamptz,
  PRIMARY KEY (issue_id, seq)
);

-- Flagged (impediment) intervals.
CREATE TABLE source.jira_flag_periods (
  issue_id    text        NOT NULL REFERENCES source.jira_issues (id) ON DELETE CASCADE,
  started_at  timestamptz NOT NULL,
  ended_at    timestamptz,
  PRIMARY KEY (issue_id, started_at)
);
