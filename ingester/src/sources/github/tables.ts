import type { TableSpec } from '../../store/upsert.js';
import type { PrCommitRow, PrReviewRow, PullRequestRow } from './map.js';

/** The source.github_* tables as the upsert helper sees them. */

export interface RepoRow {
  id: string;
  database_id: number;
  owner: string;
  name: string;
  default_branch: string | null;
  is_archived: boolean;
  is_fork: boolean;
  created_at: string | null;
  pushed_at: string | null;
  raw: unknown;
}

export const repos: TableSpec<RepoRow> = {
  table: 'source.github_repos',
  key: ['id'],
  columns: {
    id: 'text',
    database_id: 'bigint',
    owner: 'text',
    name: 'text',
    default_branch: 'text',
    is_archived: 'boolean',
    is_fork: 'boolean',
    created_at: 'timestamptz',
    pushed_at: 'timestamptz',
    raw: 'jsonb',
  },
};

export const pullRequests: TableSpec<PullRequestRow> = {
  table: 'source.github_pull_requests',
  key: ['id'],
  columns: {
    id: 'text',
    repo_id: 'text',
    number: 'integer',
    title: 'text',
    body: 'text',
    author_login: 'text',
    head_ref: 'text',
    base_ref: 'text',
    state: 'text',
    is_draft: 'boolean',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
    ready_at: 'timestamptz',
    closed_at: 'timestamptz',
    merged_at: 'timestamptz',
    merged_by_login: 'text',
    merge_commit_oid: 'text',
    head_oid: 'text',
    additions: 'integer',
    deletions: 'integer',
    changed_files: 'integer',
    commits_total: 'integer',
    reviews_total: 'integer',
    labels: 'text[]',
    reverts_number: 'integer',
    raw: 'jsonb',
  },
};

export const prCommits: TableSpec<PrCommitRow> = {
  table: 'source.github_pr_commits',
  key: ['pr_id', 'oid'],
  columns: {
    pr_id: 'text',
    oid: 'text',
    authored_at: 'timestamptz',
    committed_at: 'timestamptz',
    author_login: 'text',
  },
};

export const prReviews: TableSpec<PrReviewRow> = {
  table: 'source.github_pr_reviews',
  key: ['id'],
  columns: {
    id: 'text',
    pr_id: 'text',
    author_login: 'text',
    state: 'text',
    submitted_at: 'timestamptz',
    comments: 'integer',
  },
};

export const prIssueRefs: TableSpec<{ pr_id: string; issue_key: string; found_in: string }> = {
  table: 'source.github_pr_issue_refs',
  key: ['pr_id', 'issue_key'],
  columns: { pr_id: 'text', issue_key: 'text', found_in: 'text' },
};

export const commits: TableSpec<{
  repo_id: string;
  oid: string;
  position: number;
  committed_at: string;
  authored_at: string | null;
  parents: string[];
}> = {
  table: 'source.github_commits',
  key: ['repo_id', 'oid'],
  columns: {
    repo_id: 'text',
    oid: 'text',
    position: 'bigint',
    committed_at: 'timestamptz',
    authored_at: 'timestamptz',
    parents: 'text[]',
  },
};

export const deployments: TableSpec<{
  id: string;
  database_id: number | null;
  repo_id: string;
  environment: string;
  sha: string;
  ref: string | null;
  task: string | null;
  created_at: string;
  updated_at: string | null;
  creator_login: string | null;
  raw: unknown;
}> = {
  table: 'source.github_deployments',
  key: ['id'],
  columns: {
    id: 'text',
    database_id: 'bigint',
    repo_id: 'text',
    environment: 'text',
    sha: 'text',
    ref: 'text',
    task: 'text',
    created_at: 'timestamptz',
    updated_at: 'timestamptz',
    creator_login: 'text',
    raw: 'jsonb',
  },
};

export const deploymentStatuses: TableSpec<{
  id: string;
  deployment_id: string;
  state: string;
  created_at: string;
}> = {
  table: 'source.github_deployment_statuses',
  key: ['id'],
  columns: { id: 'text', deployment_id: 'text', state: 'text', created_at: 'timestamptz' },
};

export const releases: TableSpec<{
  id: string;
  database_id: number | null;
  repo_id: string;
  tag_name: string;
  name: string | null;
  sha: string | null;
  is_draft: boolean;
  is_prerelease: boolean;
  created_at: string;
  published_at: string | null;
  author_login: string | null;
  raw: unknown;
}> = {
  table: 'source.github_releases',
  key: ['id'],
  columns: {
    id: 'text',
    database_id: 'bigint',
    repo_id: 'text',
    tag_name: 'text',
    name: 'text',
    sha: 'text',
    is_draft: 'boolean',
    is_prerelease: 'boolean',
    created_at: 'timestamptz',
    published_at: 'timestamptz',
    author_login: 'text',
    raw: 'jsonb',
  },
};

export const workflowRuns: TableSpec<{
  id: number;
  repo_id: string;
  workflow_id: number;
  workflow_name: string;
  path: string | null;
  head_branch: string | null;
  head_sha: string;
  event: string | null;
  status: string | null;
  conclusion: string | null;
  created_at: string;
  run_started_at: string | null;
  updated_at: string | null;
  raw: unknown;
}> = {
  table: 'source.github_workflow_runs',
  key: ['id'],
  columns: {
    id: 'bigint',
    repo_id: 'text',
    workflow_id: 'bigint',
    workflow_name: 'text',
    path: 'text',
    head_branch: 'text',
    head_sha: 'text',
    event: 'text',
    status: 'text',
    conclusion: 'text',
    created_at: 'timestamptz',
    run_started_at: 'timestamptz',
    updated_at: 'timestamptz',
    raw: 'jsonb',
  },
};

export const compares: TableSpec<{
  repo_id: string;
  head_oid: string;
  base_ref: string;
  status: string;
  merge_base_oid: string | null;
  ahead_by: number;
  ahead_oids: string[];
}> = {
  table: 'source.github_compares',
  key: ['repo_id', 'head_oid'],
  columns: {
    repo_id: 'text',
    head_oid: 'text',
    base_ref: 'text',
    status: 'text',
    merge_base_oid: 'text',
    ahead_by: 'integer',
    ahead_oids: 'text[]',
  },
};
