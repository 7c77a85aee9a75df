-- GitHub rows, keyed by GitHub's global node ids, each with the payload it came from
-- (email addresses stripped) so a mapping change can be replayed without re-fetching.
-- People are logins; bot logins keep GitHub's "[bot]" suffix.

CREATE TABLE source.github_repos (
  id              text PRIMARY KEY,
  database_id     bigint,
  owner           text        NOT NULL,
  name            text        NOT NULL,
  default_branch  text,
  is_archived     boolean     NOT NULL DEFAULT false,
  is_fork         boolean     NOT NULL DEFAULT false,
  created_at      timestamptz,
  pushed_at       timestamptz,
  raw             jsonb       NOT NULL,
  UNIQUE (owner, name)
);

CREATE TABLE source.github_pull_requests (
  id               text PRIMARY KEY,
  repo_id          text        NOT NULL REFERENCES source.github_repos (id),
  number           integer     NOT NULL,
  title            text        NOT NULL,
  body             text,
  author_login     text,
  head_ref         text,
  base_ref         text,
  state            text        NOT NULL CHECK (state IN ('OPEN', 'CLOSED', 'MERGED')),
  is_draft         boolean     NOT NULL,
  created_at       timestamptz NOT NULL,
  updated_at       timestamptz NOT NULL,
  ready_at         timestamptz,            -- first time it left draft; NULL if never a draft
  closed_at        timestamptz,
  merged_at        timestamptz,
  merged_by_login  text,
  merge_commit_oid text,
  head_oid         text,
  additions        integer,
  deletions        integer,
  changed_files    integer,
  commits_total    integer     NOT NULL DEFAULT 0,
  reviews_total    integer     NOT NULL DEFAULT 0,
  labels           text[]      NOT NULL DEFAULT '{}',
  reverts_number   integer,               -- "Reverts owner/repo#N" or a revert-N-… branch
  raw              jsonb       NOT NULL,
  UNIQUE (repo_id, number)
);
CREATE INDEX github_pull_requests_repo_merged ON source.github_pull_requests (repo_id, merged_at);
CREATE INDEX github_pull_requests_merge_commit ON source.github_pull_requests (repo_id, merge_commit_oid);
CREATE INDEX github_pull_requests_updated ON source.github_pull_requests (updated_at);

CREATE TABLE source.github_pr_commits (
  pr_id         text        NOT NULL REFERENCES source.github_pull_requests (id) ON DELETE CASCADE,
  oid           text        NOT NULL,
  authored_at   timestamptz,
  committed_at  timestamptz,
  author_login  text,
  PRIMARY KEY (pr_id, oid)
);
CREATE INDEX github_pr_commits_oid ON source.github_pr_commits (oid);

CREATE TABLE source.github_pr_reviews (
  id            text PRIMARY KEY,
  pr_id         text        NOT NULL REFERENCES source.github_pull_requests (id) ON DELETE CASCADE,
  author_login  text,
  state         text        NOT NULL,
  submitted_at  timestamptz,
  comments      integer     NOT NULL DEFAULT 0
);
CREATE INDEX github_pr_reviews_pr ON source.github_pr_reviews (pr_id, submitted_at);

-- Candidate Jira keys named by a PR (title, branch or body). Only keys of known Jira
-- projects become links; that join lives with the metrics.
CREATE TABLE source.github_pr_issue_refs (
  pr_id      text NOT NULL REFERENCES source.github_pull_requests (id) ON DELETE CASCADE,
  issue_key  text NOT NULL,
  found_in   text NOT NULL CHECK (found_in IN ('title', 'branch', 'body')),
  PRIMARY KEY (pr_id, issue_key)
);
CREATE INDEX github_pr_issue_refs_key ON source.github_pr_issue_refs (issue_key);

-- The default branch's first-parent history: `position` counts up from the oldest
-- commit fetched, so "contains" is a comparison of positions.
CREATE TABLE source.github_commits (
  repo_id       text        NOT NULL REFERENCES source.github_repos (id),
  oid           text        NOT NULL,
  position      bigint      NOT NULL,
  committed_at  timestamptz NOT NULL,
  authored_at   timestamptz,
  parents       text[]      NOT NULL DEFAULT '{}',
  PRIMARY KEY (repo_id, oid)
);
CREATE UNIQUE INDEX github_commits_position ON source.github_commits (repo_id, position);

CREATE TABLE source.github_deployments (
  id             text PRIMARY KEY,
  database_id    bigint,
  repo_id        text        NOT NULL REFERENCES source.github_repos (id),
  environment    text        NOT NULL,
  sha            text        NOT NULL,
  ref            text,
  task           text,
  created_at     timestamptz NOT NULL,
  updated_at     timestamptz,
  creator_login  text,
  raw            jsonb       NOT NULL
);
CREATE INDEX github_deployments_repo_env ON source.github_deployments (repo_id, environment, created_at);
CREATE INDEX github_deployments_sha ON source.github_deployments (repo_id, sha);

CREATE TABLE source.github_deployment_statuses (
  id             text PRIMARY KEY,
  deployment_id  text        NOT NULL REFERENCES source.github_deployments (id) ON DELETE CASCADE,
  state          text        NOT NULL,
  created_at     timestamptz NOT NULL
);
CREATE INDEX github_deployment_statuses_deployment ON source.github_deployment_statuses (deployment_id, created_at);

CREATE TABLE source.github_releases (
  id             text PRIMARY KEY,
  database_id    bigint,
  repo_id        text        NOT NULL REFERENCES source.github_repos (id),
  tag_name       text        NOT NULL,
  name           text,
  sha            text,
  is_draft       boolean     NOT NULL,
  is_prerelease  boolean     NOT NULL,
  created_at     timestamptz NOT NULL,
  published_at   timestamptz,
  author_login   text,
  raw            jsonb       NOT NULL
);
CREATE INDEX github_releases_repo ON source.github_releases (repo_id, published_at);

CREATE TABLE source.github_workflow_runs (
  id              bigint PRIMARY KEY,
  repo_id         text        NOT NULL REFERENCES source.github_repos (id),
  workflow_id     bigint      NOT NULL,
  workflow_name   text        NOT NULL,
  path            text,
  head_branch     text,
  head_sha        text        NOT NULL,
  event           text,
  status          text,
  conclusion      text,
  created_at      timestamptz NOT NULL,
  run_started_at  timestamptz,
  updated_at      timestamptz,
  raw             jsonb       NOT NULL
);
CREATE INDEX github_workflow_runs_repo ON source.github_workflow_runs (repo_id, workflow_name, created_at);

-- For a deployed sha that is not on the default branch's first-parent history: where it
-- leaves that history (merge base) and the commits it has beyond it.
CREATE TABLE source.github_compares (
  repo_id         text        NOT NULL REFERENCES source.github_repos (id),
  head_oid        text        NOT NULL,
  base_ref        text        NOT NULL,
  status          text        NOT NULL,
  merge_base_oid  text,
  ahead_by        integer     NOT NULL,   -- (how far behind it is keeps growing: not kept)
  ahead_oids      text[]      NOT NULL DEFAULT '{}',
  fetched_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (repo_id, head_oid)
);
