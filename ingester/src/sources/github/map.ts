import { z } from 'zod';
import { optional } from '../lenient.js';
import { clean, stripForStorage } from '../../store/payload.js';

// Shared with the Jira source (store/payload.ts); the GitHub modules import them from here.
export { clean, stripForStorage };

/**
 * Pure mapping from GitHub's GraphQL payloads to rows. Each record is checked with zod
 * first; one that does not fit is reported (and skipped by the caller), never guessed at.
 */

const time = z.iso.datetime({ offset: true });
const actor = z.object({ __typename: z.string(), login: z.string() }).nullable();

export const prNode = z.object({
  id: z.string().min(1),
  databaseId: z.number().int().nullable().optional(),
  number: z.number().int().positive(),
  title: z.string(),
  body: z.string().nullable().optional(),
  author: actor,
  headRefName: z.string(),
  baseRefName: z.string(),
  headRefOid: z.string().nullable().optional(),
  isDraft: z.boolean(),
  state: z.enum(['OPEN', 'CLOSED', 'MERGED']),
  createdAt: time,
  updatedAt: time,
  closedAt: time.nullable(),
  mergedAt: time.nullable(),
  mergedBy: optional(actor),
  mergeCommit: z.object({ oid: z.string() }).nullable().optional(),
  additions: z.number().int(),
  deletions: z.number().int(),
  changedFiles: z.number().int(),
  // GitHub's schema lets each list (and its nodes) be null: it answers null, with an error
  // beside the data, when it cannot serve one. The pull request is kept without it.
  labels: optional(z.object({ nodes: z.array(z.object({ name: z.string() }).nullable()).nullable() })),
  timelineItems: optional(
    z.object({ nodes: z.array(z.object({ createdAt: optional(time) }).nullable()).nullable() }),
  ),
  commits: optional(
    z.object({
      totalCount: z.number().int(),
      pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
      nodes: z.array(z.object({ commit: z.lazy(() => prCommit) }).nullable()).nullable(),
    }),
  ),
  reviews: optional(
    z.object({
      totalCount: z.number().int(),
      pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
      nodes: z.array(z.lazy(() => reviewNode).nullable()).nullable(),
    }),
  ),
});
export type PrNode = z.infer<typeof prNode>;

export const prCommit = z.object({
  oid: z.string().min(7),
  authoredDate: time.nullable(),
  committedDate: time.nullable(),
  author: z.object({ user: z.object({ login: z.string() }).nullable() }).nullable(),
});

export const reviewNode = z.object({
  id: z.string(),
  state: z.string(),
  submittedAt: time.nullable(),
  author: actor,
  comments: z.object({ totalCount: z.number().int() }),
});

export const historyNode = z.object({
  oid: z.string().min(7),
  committedDate: time,
  authoredDate: time.nullable(),
  parents: z.object({ nodes: z.array(z.object({ oid: z.string() })) }),
});
export type HistoryNode = z.infer<typeof historyNode>;

export const deploymentNode = z.object({
  id: z.string(),
  databaseId: z.number().int().nullable(),
  environment: z.string().nullable(),
  commitOid: z.string().min(7),
  task: z.string().nullable(),
  createdAt: time,
  updatedAt: time.nullable(),
  ref: z.object({ name: z.string() }).nullable(),
  creator: actor,
  statuses: optional(
    z.object({
      totalCount: z.number().int(),
      nodes: z.array(z.object({ id: z.string(), state: z.string(), createdAt: time }).nullable()).nullable(),
    }),
  ),
});
export type DeploymentNode = z.infer<typeof deploymentNode>;

export const releaseNode = z.object({
  id: z.string(),
  databaseId: z.number().int().nullable(),
  tagName: z.string(),
  name: z.string().nullable(),
  isDraft: z.boolean(),
  isPrerelease: z.boolean(),
  createdAt: time,
  publishedAt: time.nullable(),
  author: actor,
  tagCommit: z.object({ oid: z.string() }).nullable(),
});

/** GraphQL names a bot "dependabot"; REST (and we) say "dependabot[bot]". */
export function login(a: { __typename: string; login: string } | null | undefined): string | null {
  if (!a) return null;
  return a.__typename === 'Bot' && !a.login.endsWith('[bot]') ? `${a.login}[bot]` : a.login;
}

const KEY = /(?<![A-Za-z0-9])([A-Z][A-Z0-9]+-[1-9][0-9]*)(?![0-9])/g;
const KEY_ANY_CASE = /(?<![A-Za-z0-9])([A-Za-z][A-Za-z0-9]+-[1-9][0-9]*)(?![0-9])/g;

/**
 * Jira keys a PR names, first place first. Titles and bodies must spell keys in capitals;
 * branch names are often lower-cased, so any case counts there.
 */
export function issueRefs(
  title: string,
  branch: string,
  body: string | null,
): { key: string; foundIn: 'title' | 'branch' | 'body' }[] {
  const found = new Map<string, 'title' | 'branch' | 'body'>();
  const scan = (text: string, re: RegExp, where: 'title' | 'branch' | 'body') => {
    for (const m of text.matchAll(re)) {
      const key = m[1]!.toUpperCase();
      if (!found.has(key)) found.set(key, where);
    }
  };
  scan(title, KEY, 'title');
  scan(branch, KEY_ANY_CASE, 'branch');
  if (body) scan(body, KEY, 'body');
  return [...found].map(([key, foundIn]) => ({ key, foundIn }));
}

/** The PR number a revert PR reverts: GitHub's "Reverts owner/repo#N" body or its revert-N-… branch. */
export function revertedNumber(
  repoFullName: string,
  title: string,
  branch: string,
  body: string | null,
): number | null {
  const m = /\bReverts\s+(?:([\w.-]+\/[\w.-]+))?#(\d+)/i.exec(body ?? '');
  if (m && (!m[1] || m[1].toLowerCase() === repoFullName.toLowerCase())) return Number(m[2]);
  const b = /^revert-(\d+)-/.exec(branch);
  if (b && /^Revert\b/i.test(title)) return Number(b[1]);
  return null;
}

/** A pull request's lists GitHub may not serve. */
export type PrList = 'labels' | 'timelineItems' | 'commits' | 'reviews';

export interface PrRows {
  pr: PullRequestRow;
  commits: PrCommitRow[];
  reviews: PrReviewRow[];
  refs: { pr_id: string; issue_key: string; found_in: string }[];
  /** Lists GitHub did not serve: their rows are not known (and what is stored of them stays). */
  missing: PrList[];
}

export interface PullRequestRow {
  id: string;
  repo_id: string;
  number: number;
  title: string;
  body: string | null;
  author_login: string | null;
  head_ref: string;
  base_ref: string;
  state: string;
  is_draft: boolean;
  created_at: string;
  updated_at: string;
  ready_at: string | null;
  closed_at: string | null;
  merged_at: string | null;
  merged_by_login: string | null;
  merge_commit_oid: string | null;
  head_oid: string | null;
  additions: number;
  deletions: number;
  changed_files: number;
  commits_total: number;
  reviews_total: number;
  labels: string[];
  reverts_number: number | null;
  raw: unknown;
}
export interface PrCommitRow {
  pr_id: string;
  oid: string;
  authored_at: string | null;
  committed_at: string | null;
  author_login: string | null;
}
export interface PrReviewRow {
  id: string;
  pr_id: string;
  author_login: string | null;
  state: string;
  submitted_at: string | null;
  comments: number;
}

export function mapCommit(prId: string, c: z.infer<typeof prCommit>): PrCommitRow {
  return {
    pr_id: prId,
    oid: c.oid,
    authored_at: c.authoredDate,
    committed_at: c.committedDate,
    author_login: c.author?.user?.login ?? null,
  };
}

export function mapReview(prId: string, r: z.infer<typeof reviewNode>): PrReviewRow {
  return {
    id: r.id,
    pr_id: prId,
    author_login: login(r.author),
    state: r.state,
    submitted_at: r.submittedAt,
    comments: r.comments.totalCount,
  };
}

export function mapPullRequest(repoId: string, repoFullName: string, n: PrNode): PrRows {
  const title = clean(n.title);
  const body = clean(n.body ?? null);
  const missing = (['labels', 'timelineItems', 'commits', 'reviews'] as const).filter((l) => !n[l]?.nodes);
  const readyTimes = (n.timelineItems?.nodes ?? [])
    .map((t) => t?.createdAt)
    .filter((t): t is string => !!t)
    .sort();
  const commits = (n.commits?.nodes ?? []).filter((c) => c !== null).map((c) => mapCommit(n.id, c!.commit));
  const reviews = (n.reviews?.nodes ?? []).filter((r) => r !== null).map((r) => mapReview(n.id, r!));
  const { commits: _c, reviews: _r, ...rest } = n;
  return {
    pr: {
      id: n.id,
      repo_id: repoId,
      number: n.number,
      title,
      body,
      author_login: login(n.author),
      head_ref: clean(n.headRefName),
      base_ref: clean(n.baseRefName),
      state: n.state,
      is_draft: n.isDraft,
      created_at: n.createdAt,
      updated_at: n.updatedAt,
      ready_at: readyTimes[0] ?? null,
      closed_at: n.closedAt,
      merged_at: n.mergedAt,
      merged_by_login: login(n.mergedBy),
      merge_commit_oid: n.mergeCommit?.oid ?? null,
      head_oid: n.headRefOid ?? null,
      additions: n.additions,
      deletions: n.deletions,
      changed_files: n.changedFiles,
      commits_total: n.commits?.totalCount ?? commits.length,
      reviews_total: n.reviews?.totalCount ?? reviews.length,
      labels: (n.labels?.nodes ?? []).filter((l) => l !== null).map((l) => clean(l!.name)),
      reverts_number: revertedNumber(repoFullName, title, n.headRefName, body),
      raw: stripForStorage(rest),
    },
    commits,
    reviews,
    refs: issueRefs(title, n.headRefName, body).map((r) => ({
      pr_id: n.id,
      issue_key: r.key,
      found_in: r.foundIn,
    })),
    missing,
  };
}

export function mapDeployment(repoId: string, d: DeploymentNode) {
  const { statuses, ...rest } = d;
  return {
    deployment: {
      id: d.id,
      database_id: d.databaseId,
      repo_id: repoId,
      environment: clean(d.environment ?? ''),
      sha: d.commitOid,
      ref: d.ref?.name ?? null,
      task: d.task,
      created_at: d.createdAt,
      updated_at: d.updatedAt,
      creator_login: login(d.creator),
      raw: stripForStorage(rest),
    },
    statuses: (statuses?.nodes ?? [])
      .filter((s) => s !== null)
      .map((s) => ({
        id: s!.id,
        deployment_id: d.id,
        state: s!.state.toLowerCase(),
        created_at: s!.createdAt,
      })),
  };
}

export function mapRelease(repoId: string, r: z.infer<typeof releaseNode>) {
  return {
    id: r.id,
    database_id: r.databaseId,
    repo_id: repoId,
    tag_name: clean(r.tagName),
    name: clean(r.name),
    sha: r.tagCommit?.oid ?? null,
    is_draft: r.isDraft,
    is_prerelease: r.isPrerelease,
    created_at: r.createdAt,
    published_at: r.publishedAt,
    author_login: login(r.author),
    raw: stripForStorage(r),
  };
}
