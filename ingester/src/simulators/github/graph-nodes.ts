import type {
  CommitW,
  DeploymentStatusW,
  PullRequestW,
  ReleaseW,
  RepoWorld,
  ReviewW,
} from '../world/types.js';
import { isoSeconds } from './rest.js';
import { connection, type PageArgs } from './schema.js';

/**
 * The GraphQL objects that are shaped from one record of the world alone: who did
 * something, a label, a review, a commit on a branch or in a history, a release, a
 * deployment status. Which records are visible at an instant is the graph's business.
 */

export const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : isoSeconds(t));

export function actor(login: string | null) {
  if (login === null) return null; // a deleted account: GitHub shows "ghost" as null
  const bot = login.endsWith('[bot]');
  const name = bot ? login.slice(0, -5) : login;
  return {
    __typename: bot ? 'Bot' : 'User',
    login: name,
    url: `https://github.com/${bot ? `apps/${name}` : name}`,
    avatarUrl: `https://avatars.githubusercontent.com/u/${hash(login)}?v=4`,
    resourcePath: `/${name}`,
  };
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h % 100_000_000;
}

export function label(name: string) {
  return { __typename: 'Label', id: `LA_${hash(name)}`, name, color: 'ededed' };
}

export function readyForReviewEvent(p: PullRequestW, readyAt: number) {
  return {
    __typename: 'ReadyForReviewEvent',
    id: `RFRE_${p.databaseId}`,
    createdAt: iso(readyAt),
    actor: actor(p.author),
  };
}

type BranchCommit = PullRequestW['commits'][number];

/** Made in one place so that a commit reads the same whichever list or field it is reached through. */
function commitFields(c: BranchCommit) {
  return {
    oid: c.oid,
    abbreviatedOid: c.oid.slice(0, 7),
    authoredDate: iso(c.authoredAt),
    committedDate: iso(c.committedAt),
    message: c.message,
    messageHeadline: c.message.split('\n')[0],
    author: {
      name: c.author ?? 'ghost',
      date: iso(c.authoredAt),
      user: c.author ? actor(c.author) : null,
    },
  };
}

/** A commit as a pull request lists it, with no history. */
export function pullRequestCommit(c: BranchCommit) {
  return {
    __typename: 'PullRequestCommit',
    id: `PURC_${c.oid.slice(0, 12)}`,
    commit: {
      __typename: 'Commit',
      ...commitFields(c),
      committer: { name: 'GitHub', date: iso(c.committedAt), user: null },
    },
  };
}

export function review(r: ReviewW) {
  return {
    __typename: 'PullRequestReview',
    id: r.id,
    databaseId: r.databaseId,
    state: r.state,
    body: r.body,
    submittedAt: iso(r.submittedAt),
    createdAt: iso(r.submittedAt),
    author: actor(r.author),
    comments: (args: PageArgs) =>
      connection(
        'comments',
        Array.from({ length: r.comments }, (_, i) => ({
          __typename: 'PullRequestReviewComment',
          id: `${r.id}_${i}`,
        })),
        args,
      ),
  };
}

function commitParents(c: CommitW) {
  return c.parents.map((oid) => ({ __typename: 'Commit', oid, abbreviatedOid: oid.slice(0, 7) }));
}

/** A commit in a history list: its parents, but no history of its own (`GitHubGraph.commit` adds one). */
export function historyCommit(c: CommitW) {
  return {
    __typename: 'Commit',
    id: `C_${c.oid.slice(0, 16)}`,
    ...commitFields(c),
    parents: (a: PageArgs) => connection('parents', commitParents(c), a),
  };
}

export function environment(repo: RepoWorld, name: string, i: number) {
  return {
    __typename: 'Environment',
    id: `EN_${repo.databaseId}_${i}`,
    databaseId: repo.databaseId * 10 + i,
    name,
  };
}

/** A release at `now`: a draft until it is published. */
export function release(org: string, repo: RepoWorld, r: ReleaseW, now: number, tagCommit: unknown) {
  const published = r.publishedAt !== null && r.publishedAt <= now ? r.publishedAt : null;
  return {
    __typename: 'Release',
    id: r.id,
    databaseId: r.databaseId,
    name: r.name,
    tagName: r.tagName,
    isDraft: r.isDraft || published === null,
    isPrerelease: r.isPrerelease,
    isLatest: false,
    createdAt: iso(r.createdAt),
    publishedAt: iso(published),
    author: actor(r.author),
    tagCommit,
    url: `https://github.com/${org}/${repo.name}/releases/tag/${r.tagName}`,
  };
}

export function deploymentStatus(s: DeploymentStatusW, creator: string) {
  return {
    __typename: 'DeploymentStatus',
    id: s.id,
    state: s.state.toUpperCase(),
    createdAt: iso(s.createdAt),
    updatedAt: iso(s.createdAt),
    description: '',
    environmentUrl: null,
    logUrl: null,
    creator: actor(creator),
  };
}
