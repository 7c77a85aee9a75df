import { GraphQLError } from 'graphql';
import { BoundedMap } from '../../bounded-map.js';
import type { CommitW, DeploymentW, PullRequestW, ReleaseW, RepoWorld, World } from '../world/types.js';
import {
  actor,
  deploymentStatus,
  environment,
  historyCommit,
  iso,
  label,
  pullRequestCommit,
  readyForReviewEvent,
  release,
  review,
} from './graph-nodes.js';
import { connection, type PageArgs } from './schema.js';

/**
 * The organisation as GitHub's GraphQL API shows it at one instant: plain objects
 * whose connection fields are functions of their arguments, which graphql-js calls
 * with the arguments of the query. Interfaces resolve through `__typename`.
 */

/** Lists of a node that GitHub may fail to serve on their own, the rest of the answer intact. */
export type PartialField =
  'labels' | 'timelineItems' | 'commits' | 'reviews' | 'statuses' | 'pullRequests' | 'deployments';

/**
 * How a list fails: `error`, as GitHub answers a field it cannot serve (the field null, an
 * entry in `errors` with its path, the rest of `data` intact), or `null-nodes`, a connection
 * whose `nodes` is null (the schema allows it) with no error at all.
 */
export type PartialFailure = 'error' | 'null-nodes';

export class GitHubGraph {
  /** `${field}|${node id}` → how that list fails; empty unless a test asks for failures. */
  readonly failing = new Map<string, PartialFailure>();
  private sortedPrs = new Map<string, { now: number; prs: PullRequestW[] }>();
  private commitIndex = new Map<string, Map<string, { commit: CommitW; mainline: boolean }>>();
  /** History lists by tip and range: a sync reads one page after another of the same list. */
  private histories = new BoundedMap<string, CommitW[]>(64);

  constructor(
    readonly world: World,
    private readonly now: () => number,
  ) {}

  /** Serves a list of a node, or fails it as asked (`failing`). */
  private list<T extends object>(field: PartialField, id: string, serve: () => T): T | null {
    const how = this.failing.get(`${field}|${id}`);
    if (how === 'error')
      throw new GraphQLError('Resource not accessible by integration', { extensions: { type: 'FORBIDDEN' } });
    const value = serve();
    return how === 'null-nodes' ? { ...value, nodes: null } : value;
  }

  repoByName(owner: string, name: string): RepoWorld | undefined {
    if (owner.toLowerCase() !== this.world.org.login.toLowerCase()) return undefined;
    return this.world.repos.find(
      (r) => r.name.toLowerCase() === name.toLowerCase() && r.createdAt <= this.now(),
    );
  }

  /** The root value for graphql-js. */
  root() {
    return {
      repository: (args: { owner: string; name: string }) => {
        const repo = this.repoByName(args.owner, args.name);
        if (!repo) {
          throw new GraphQLError(
            `Could not resolve to a Repository with the name '${args.owner}/${args.name}'.`,
            {
              extensions: { type: 'NOT_FOUND' },
              path: ['repository'],
            },
          );
        }
        return this.repository(repo);
      },
      node: (args: { id: string }) => {
        for (const repo of this.world.repos) {
          const d = repo.deployments.find((x) => x.id === args.id && x.createdAt <= this.now());
          if (d) return this.deployment(repo, d);
          const p = repo.pullRequests.find((x) => x.id === args.id && x.createdAt <= this.now());
          if (p) return this.pullRequest(repo, p);
        }
        throw new GraphQLError(`Could not resolve to a node with the global id of '${args.id}'`, {
          extensions: { type: 'NOT_FOUND' },
        });
      },
      organization: (args: { login: string }) => {
        if (args.login.toLowerCase() !== this.world.org.login.toLowerCase())
          throw new GraphQLError(`Could not resolve to an Organization with the login of '${args.login}'.`, {
            extensions: { type: 'NOT_FOUND' },
          });
        return this.organization();
      },
    };
  }

  organization() {
    const o = this.world.org;
    return {
      __typename: 'Organization',
      id: o.id,
      databaseId: o.databaseId,
      login: o.login,
      name: o.name,
      repositories: (args: PageArgs) =>
        connection(
          'repositories',
          this.world.repos.filter((r) => r.createdAt <= this.now()).map((r) => this.repository(r)),
          args,
        ),
    };
  }

  repository(repo: RepoWorld) {
    const now = this.now();
    const org = this.world.org.login;
    let head = repo.mainline[0]!;
    for (let i = repo.mainline.length - 1; i >= 0; i--)
      if (repo.mainline[i]!.committedAt <= now) {
        head = repo.mainline[i]!;
        break;
      }
    return {
      __typename: 'Repository',
      id: repo.id,
      databaseId: repo.databaseId,
      name: repo.name,
      nameWithOwner: `${org}/${repo.name}`,
      owner: { __typename: 'Organization', login: org },
      isArchived: false,
      isFork: false,
      isPrivate: true,
      createdAt: iso(repo.createdAt),
      pushedAt: iso(head.committedAt),
      url: `https://github.com/${org}/${repo.name}`,
      defaultBranchRef: {
        __typename: 'Ref',
        name: repo.defaultBranch,
        prefix: 'refs/heads/',
        target: this.commit(repo, head),
      },
      pullRequests: (args: PullRequestsArgs) => this.repositoryPullRequests(repo, args),
      pullRequest: (args: { number: number }) => this.repositoryPullRequest(repo, args.number),
      environments: (args: PageArgs) => this.environments(repo, args),
      deployments: (args: DeploymentsArgs) => this.repositoryDeployments(repo, args),
      releases: (args: ReleasesArgs) => this.releases(repo, args),
    };
  }

  private repositoryPullRequests(repo: RepoWorld, args: PullRequestsArgs) {
    let list = this.prsOf(repo, args.orderBy?.field ?? 'CREATED_AT', args.orderBy?.direction ?? 'ASC');
    if (args.states?.length) list = list.filter((p) => args.states!.includes(this.state(p)));
    return this.list('pullRequests', repo.id, () =>
      connection('pullRequests', list, args, (p) => this.pullRequest(repo, p)),
    );
  }

  private repositoryPullRequest(repo: RepoWorld, number: number) {
    const pr = repo.pullRequests.find((p) => p.number === number && p.createdAt <= this.now());
    if (!pr)
      throw new GraphQLError(`Could not resolve to a PullRequest with the number of ${number}.`, {
        extensions: { type: 'NOT_FOUND' },
      });
    return this.pullRequest(repo, pr);
  }

  /** The environments deployed to by `now`, by name. */
  private environments(repo: RepoWorld, args: PageArgs) {
    const names = [
      ...new Set(repo.deployments.filter((d) => d.createdAt <= this.now()).map((d) => d.environment)),
    ].sort();
    return connection(
      'environments',
      names.map((name, i) => environment(repo, name, i)),
      args,
    );
  }

  private repositoryDeployments(repo: RepoWorld, args: DeploymentsArgs) {
    let list = repo.deployments.filter((d) => d.createdAt <= this.now());
    if (args.environments?.length) list = list.filter((d) => args.environments!.includes(d.environment));
    list = [...list].sort((a, b) => a.createdAt - b.createdAt || a.databaseId - b.databaseId);
    if (args.orderBy?.direction === 'DESC') list.reverse();
    return this.list('deployments', repo.id, () =>
      connection('deployments', list, args, (d) => this.deployment(repo, d)),
    );
  }

  private releases(repo: RepoWorld, args: ReleasesArgs) {
    const now = this.now();
    let list = repo.releases.filter((r) => r.createdAt <= now);
    const field = args.orderBy?.field ?? 'CREATED_AT';
    list = [...list].sort((a, b) =>
      field === 'NAME'
        ? a.name.localeCompare(b.name)
        : a.createdAt - b.createdAt || a.databaseId - b.databaseId,
    );
    // GitHub lists releases newest first unless asked otherwise.
    if ((args.orderBy?.direction ?? 'DESC') === 'DESC') list.reverse();
    return connection('releases', list, args, (r: ReleaseW) =>
      release(this.world.org.login, repo, r, now, this.commitByOid(repo, r.sha)),
    );
  }

  state(p: PullRequestW): 'OPEN' | 'CLOSED' | 'MERGED' {
    const now = this.now();
    if (p.mergedAt !== null && p.mergedAt <= now) return 'MERGED';
    if (p.closedAt !== null && p.closedAt <= now) return 'CLOSED';
    return 'OPEN';
  }

  updatedAt(p: PullRequestW, now: number): number {
    let t = p.createdAt;
    const seen = (x: number | null) => {
      if (x !== null && x <= now && x > t) t = x;
    };
    seen(p.readyAt);
    seen(p.mergedAt);
    seen(p.closedAt);
    for (const c of p.commits) seen(c.committedAt);
    for (const r of p.reviews) seen(r.submittedAt);
    return t;
  }

  private prsOf(repo: RepoWorld, field: string, direction: string): PullRequestW[] {
    const now = this.now();
    const key = `${repo.name}:${field}`;
    let cached = this.sortedPrs.get(key);
    if (!cached || cached.now !== now) {
      const visible = repo.pullRequests.filter((p) => p.createdAt <= now);
      const sortKey =
        field === 'UPDATED_AT'
          ? (p: PullRequestW) => this.updatedAt(p, now)
          : (p: PullRequestW) => p.createdAt;
      const keyed = visible
        .map((p) => [sortKey(p), p] as const)
        .sort((a, b) => a[0] - b[0] || a[1].number - b[1].number);
      cached = { now, prs: keyed.map(([, p]) => p) };
      this.sortedPrs.set(key, cached);
    }
    return direction === 'DESC' ? [...cached.prs].reverse() : cached.prs;
  }

  pullRequest(repo: RepoWorld, p: PullRequestW) {
    const now = this.now();
    const commits = p.commits.filter((c) => c.committedAt <= now);
    const reviews = p.reviews.filter((r) => r.submittedAt <= now);
    return {
      ...this.pullRequestFields(repo, p, commits),
      labels: (args: PageArgs) =>
        this.list('labels', p.id, () => connection('labels', p.labels.map(label), args)),
      timelineItems: (args: TimelineArgs) =>
        this.list('timelineItems', p.id, () => this.timelineItems(p, args)),
      commits: (args: PageArgs) =>
        this.list('commits', p.id, () => connection('commits', commits.map(pullRequestCommit), args)),
      reviews: (args: PageArgs) =>
        this.list('reviews', p.id, () => connection('reviews', reviews.map(review), args)),
    };
  }

  /** A pull request's own fields at `now`: everything but its lists. */
  private pullRequestFields(repo: RepoWorld, p: PullRequestW, commits: PullRequestW['commits']) {
    const now = this.now();
    const state = this.state(p);
    const merged = state === 'MERGED';
    const sent = asSent(p);
    return {
      __typename: 'PullRequest',
      id: p.id,
      databaseId: p.databaseId,
      number: sent.number,
      title: sent.title,
      body: p.body,
      url: `https://github.com/${this.world.org.login}/${repo.name}/pull/${p.number}`,
      author: actor(p.author),
      headRefName: p.headRef,
      baseRefName: p.baseRef,
      headRefOid: commits[commits.length - 1]?.oid ?? p.headOid,
      isDraft: p.readyAt !== null && p.readyAt > now && state === 'OPEN',
      state,
      merged,
      closed: state !== 'OPEN',
      createdAt: sent.createdAt,
      updatedAt: iso(this.updatedAt(p, now)),
      closedAt: state === 'OPEN' ? null : iso(merged ? p.mergedAt : p.closedAt),
      mergedAt: merged ? iso(p.mergedAt) : null,
      mergedBy: merged ? actor(p.mergedBy) : null,
      mergeCommit: merged && p.mergeCommitOid ? this.commitByOid(repo, p.mergeCommitOid) : null,
      additions: p.additions,
      deletions: p.deletions,
      changedFiles: p.changedFiles,
    };
  }

  /** The one timeline event the world records: marked ready for review. */
  private timelineItems(p: PullRequestW, args: TimelineArgs) {
    const now = this.now();
    const items: unknown[] = [];
    if (
      p.readyAt !== null &&
      p.readyAt <= now &&
      (!args.itemTypes || args.itemTypes.includes('READY_FOR_REVIEW_EVENT'))
    )
      items.push(readyForReviewEvent(p, p.readyAt));
    return {
      ...connection('timelineItems', items, args),
      filteredCount: items.length,
      updatedAt: iso(this.updatedAt(p, now)),
    };
  }

  /** Everything reachable from a mainline commit, newest first (what `git log` lists). */
  private reachable(repo: RepoWorld, tip: CommitW): CommitW[] {
    const pos = repo.mainline.indexOf(tip);
    const line = repo.mainline.slice(0, pos + 1);
    if (repo.mergeStyle === 'squash') return line.reverse();
    const side = repo.sideCommits.filter((c) => (c.mergedAt ?? 0) <= tip.committedAt);
    return [...line, ...side].sort((a, b) => b.committedAt - a.committedAt || (a.oid < b.oid ? -1 : 1));
  }

  private commitsOf(repo: RepoWorld): Map<string, { commit: CommitW; mainline: boolean }> {
    let idx = this.commitIndex.get(repo.name);
    if (!idx || idx.size !== repo.mainline.length + repo.sideCommits.length) {
      idx = new Map();
      for (const c of repo.sideCommits) idx.set(c.oid, { commit: c, mainline: false });
      for (const c of repo.mainline) idx.set(c.oid, { commit: c, mainline: true });
      this.commitIndex.set(repo.name, idx);
    }
    return idx;
  }

  /** A commit the repository has at this instant, on the default branch or on a branch. */
  commitByOid(repo: RepoWorld, oid: string) {
    const known = this.commitsOf(repo).get(oid);
    if (known) return known.commit.committedAt <= this.now() ? this.commit(repo, known.commit) : null;
    // A branch commit (a pull request's head): no history on the default branch.
    for (const p of repo.pullRequests) {
      const pc = p.commits.find((x) => x.oid === oid);
      if (pc) return this.commit(repo, { ...pc, parents: [], prNumber: null });
    }
    return null;
  }

  commit(repo: RepoWorld, c: CommitW) {
    const isMainline = this.commitsOf(repo).get(c.oid)?.mainline === true;
    return {
      ...historyCommit(c),
      history: (args: HistoryArgs) =>
        isMainline
          ? connection('history', this.history(repo, c, args), args, historyCommit)
          : connection('history', [], args),
    };
  }

  /** `git log` from a mainline commit, between `since` and `until`. */
  private history(repo: RepoWorld, c: CommitW, args: HistoryArgs): CommitW[] {
    // The lengths: a test may add commits to the world between two reads.
    const key = `${repo.name} ${c.oid} ${repo.mainline.length} ${repo.sideCommits.length} ${args.since ?? ''} ${args.until ?? ''}`;
    let list = this.histories.get(key);
    if (!list) {
      list = this.reachable(repo, c);
      if (args.since) {
        const since = Date.parse(args.since);
        list = list.filter((x) => x.committedAt >= since);
      }
      if (args.until) {
        const until = Date.parse(args.until);
        list = list.filter((x) => x.committedAt <= until);
      }
      this.histories.set(key, list);
    }
    return list;
  }

  deployment(repo: RepoWorld, d: DeploymentW) {
    const statuses = d.statuses.filter((s) => s.createdAt <= this.now());
    const latest = statuses[statuses.length - 1];
    const state = !latest
      ? 'PENDING'
      : latest.state === 'success'
        ? 'ACTIVE'
        : latest.state === 'inactive'
          ? 'INACTIVE'
          : latest.state.toUpperCase();
    return {
      __typename: 'Deployment',
      id: d.id,
      databaseId: d.databaseId,
      environment: d.environment,
      originalEnvironment: d.environment,
      latestEnvironment: d.environment,
      commitOid: d.sha,
      commit: this.commitByOid(repo, d.sha),
      ref: { __typename: 'Ref', name: d.ref, prefix: 'refs/heads/' },
      task: d.task,
      description: '',
      payload: '{}',
      createdAt: iso(d.createdAt),
      updatedAt: iso(latest?.createdAt ?? d.createdAt),
      creator: actor(d.creator),
      state,
      latestStatus: latest ? deploymentStatus(latest, d.creator) : null,
      statuses: (args: PageArgs) =>
        this.list('statuses', d.id, () =>
          connection(
            'statuses',
            [...statuses].reverse().map((s) => deploymentStatus(s, d.creator)),
            args,
          ),
        ),
    };
  }
}

type Ordered = { orderBy?: { field: string; direction: string } };
type PullRequestsArgs = PageArgs & Ordered & { states?: string[] };
type DeploymentsArgs = PageArgs & Ordered & { environments?: string[] };
type ReleasesArgs = PageArgs & Ordered;
type TimelineArgs = PageArgs & { itemTypes?: string[] };
type HistoryArgs = PageArgs & { since?: string; until?: string };

/** Title, creation date and number as sent: broken, when the world marks the pull request `malformed`. */
function asSent(p: PullRequestW): { title: string; createdAt: string | null; number: number | null } {
  if (p.malformed === 'odd-unicode')
    return { title: `${p.title} \u0000\uD800 \u202Eﬁx 🚀`, createdAt: iso(p.createdAt), number: p.number };
  if (p.malformed === 'bad-date') return { title: p.title, createdAt: 'not-a-date', number: p.number };
  if (p.malformed === 'missing-number') return { title: p.title, createdAt: iso(p.createdAt), number: null };
  return { title: p.title, createdAt: iso(p.createdAt), number: p.number };
}
