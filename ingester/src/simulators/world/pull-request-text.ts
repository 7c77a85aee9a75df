import { nodeId } from './ids.js';
import type { Random } from './random.js';
import type { DraftPr } from './team/index.js';
import type { PullRequestW, RepoWorld, WorldSpec } from './types.js';

/**
 * A pull request as GitHub serves it, once it has its number: the title, branch and body
 * that people (and bots) write, which name the Jira key or the PR reverted.
 */

interface PrText {
  title: string;
  headRef: string;
  body: string;
  /** Jira keys the text names. */
  issueKeys: string[];
}

export function finalizePr(rng: Random, spec: WorldSpec, repo: RepoWorld, d: DraftPr): PullRequestW {
  const number = d.number!;
  const { title, headRef, body, issueKeys } = textOf(rng, spec, repo, d);
  written.set(d, { title, headRef });
  return {
    id: nodeId('PR', spec.org, repo.name, number),
    databaseId: 1_500_000_000 + (repo.databaseId - 600_000_000) * 100_000 + number,
    number,
    repo: repo.name,
    kind: d.kind,
    title,
    body,
    author: d.author,
    headRef,
    baseRef: d.baseRef,
    createdAt: d.createdAt,
    readyAt: d.readyAt,
    closedAt: d.closedAt,
    mergedAt: d.mergedAt,
    mergedBy: d.mergedBy,
    mergeCommitOid: d.mergeCommitOid,
    headOid: d.headOid,
    baseOid: d.baseOid,
    additions: d.additions,
    deletions: d.deletions,
    changedFiles: d.changedFiles,
    labels: d.labels,
    commits: d.commits.map((c, i) => ({
      ...c,
      message: i === 0 ? title : rng.pick(['address review', 'fix tests', 'tidy up', 'handle edge case']),
    })),
    reviews: d.reviews.map((rv, i) => ({ ...rv, id: nodeId('PRR', spec.org, repo.name, number, i) })),
    issueKeys,
    revertsNumber: d.reverts?.number ?? null,
    malformed: null,
  };
}

function textOf(rng: Random, spec: WorldSpec, repo: RepoWorld, d: DraftPr): PrText {
  const s = slug(d.topic);
  const text = (title: string, headRef: string, body = ''): PrText => ({
    title,
    headRef,
    body,
    issueKeys: [],
  });
  switch (d.branchStyle) {
    case 'bot': {
      const v = `${rng.int(1, 9)}.${rng.int(0, 30)}.${rng.int(0, 20)}`;
      return text(
        `Bump ${d.topic} from ${v} to ${v.replace(/\d+$/, (m) => String(Number(m) + 1))}`,
        `${d.author?.startsWith('renovate') ? 'renovate' : 'dependabot/npm_and_yarn'}/${d.topic}-${v}`,
        `Bumps ${d.topic}.`,
      );
    }
    case 'revert': {
      const target = d.reverts!;
      return text(
        `Revert "${titleOf(target)}"`,
        `revert-${target.number}-${branchOf(target)}`,
        `Reverts ${spec.org}/${repo.name}#${target.number}`,
      );
    }
    case 'hotfix':
      return text(`Hotfix: ${d.topic}`, `hotfix/${s}`, 'Urgent fix for production.');
    case 'chore':
      return text(`chore: update ${d.topic}`, `chore/${s}`);
    case 'plain':
      return text(`Support ${d.topic}`, `${d.author ?? 'ghost'}/${s}`);
    default:
      return workText(rng, d, s);
  }
}

/** Linked work names its Jira key in the title, the branch or the body; an incident fix in its title. */
function workText(rng: Random, d: DraftPr, s: string): PrText {
  const key = d.issue?.key ?? null;
  const place =
    d.kind === 'incident-fix'
      ? 'title'
      : rng.weighted([
          ['title', 40],
          ['branch', 30],
          ['body', 30],
        ] as const);
  const prefix = d.branchStyle === 'fix' ? 'fix' : 'feature';
  // A hotfix marked by its label alone: a fix branch, and no issue to name.
  if (d.kind === 'hotfix')
    return {
      title: `Fix ${d.topic}`,
      headRef: `fix/${s}`,
      body: 'Urgent fix for production.',
      issueKeys: [],
    };
  if (!key) return { title: d.topic, headRef: `${prefix}/${s}`, body: '', issueKeys: [] };
  const title =
    place === 'title'
      ? d.kind === 'incident-fix'
        ? `fix(${key}): stop ${d.topic.toLowerCase()}`
        : `${key} ${d.topic}`
      : d.topic;
  return {
    title,
    headRef: place === 'branch' ? `${prefix}/${key}-${s}` : `${prefix}/${s}`,
    body: place === 'body' ? `Closes ${key}.` : '',
    issueKeys: [key],
  };
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40);
}

/** What each PR's text came out as, for the reverts that quote it. */
const written = new WeakMap<DraftPr, { title: string; headRef: string }>();
function titleOf(d: DraftPr): string {
  return written.get(d)?.title ?? d.topic;
}
function branchOf(d: DraftPr): string {
  return written.get(d)?.headRef ?? slug(d.topic);
}
