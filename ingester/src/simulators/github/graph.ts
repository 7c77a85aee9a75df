import { GraphQLError } from 'graphql';
import { BoundedMap } from '../../bounded-map.js';
import type { CommitW, DeploymentW, PullRequestW, RepoWorld, ReviewW, World } from '../world/types.js';
import { isoSeconds } from './rest.js';
import { connection, type PageArgs } from './schema.js';

/**
 * The organisation as GitHub's GraphQL API shows it at one instant: plain objects
 * whose connection fields are functions of their arguments, which graphql-js calls
 * with the arguments of the query. Interfaces resolve through `__typename`.
 */

const iso = (t: number | null | undefined) => (t === null || t === undefined ? null : isoSeconds(t));

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
      pullRequests: (
        args: PageArgs & { orderBy?: { field: string; direction: string }; states?: string[] },
      ) => {
        let list = this.prsOf(repo, args.orderBy?.field ?? 'CREATED_AT', args.orderBy?.direction ?? 'ASC');
        if (args.states?.length) list = list.filter((p) => args.states!.includes(this.state(p)));
        return this.list('pullRequests', repo.id, () =>
          connection('pullRequests', list, args, (p) => this.pullRequest(repo, p)),
        );
      },
      pullRequest: (args: { number: number }) => {
        const pr = repo.pullRequests.find((p) => p.number === args.number && p.createdAt <= now);
        if (!pr)
          throw new GraphQLError(`Could not resolve to a PullRequest with the number of ${args.number}.`, {
            extensions: { type: 'NOT_FOUND' },
          });
        return this.pullRequest(repo, pr);
      },
      environments: (args: PageArgs) => {
        const names = [
          ...new Set(repo.deployments.filter((d) => d.createdAt <= now).map((d) => d.environment)),
        ].sort();
        return connection(
          'environments',
          names.map((name, i) => ({
            __typename: 'Environment',
            id: `EN_${repo.databaseId}_${i}`,
            databaseId: repo.databaseId * 10 + i,
            name,
          })),
          args,
        );
      },
      deployments: (
        args: PageArgs & { environments?: string[]; orderBy?: { field: string; direction: string } },
      ) => {
        let list = repo.deployments.filter((d) => d.createdAt <= now);
        if (args.environments?.length) list = list.filter((d) => args.environments!.includes(d.environment));
        list = [...list].sort((a, b) => a.createdAt - b.createdAt || a.databaseId - b.databaseId);
        if (args.orderBy?.direction === 'DESC') list.reverse();
        return this.list('deployments', repo.id, () =>
          connection('deployments', list, args, (d) => this.deployment(repo, d)),
        );
      },
      releases: (args: PageArgs & { orderBy?: { field: string; direction: string } }) => {
        let list = repo.releases.filter((r) => r.createdAt <= now);
        const field = args.orderBy?.field ?? 'CREATED_AT';
        list = [...list].sort((a, b) =>
          field === 'NAME'
            ? a.name.localeCompare(b.name)
            : a.createdAt - b.createdAt || a.databaseId - b.databaseId,
        );
        if ((args.orderBy?.direction ?? 'DESC') === 'DESC') list.reverse();
        return connection('releases', list, args, (r) => {
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
            tagCommit: this.commitByOid(repo, r.sha),
            url: `https://github.com/${org}/${repo.name}/releases/tag/${r.tagName}`,
          };
        });
      },
    };
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
    const org = this.world.org.login;
    const state = this.state(p);
    const merged = state === 'MERGED';
    const commits = p.commits.filter((c) => c.committedAt <= now);
    const reviews = p.reviews.filter((r) => r.submittedAt <= now);
    let title = p.title;
    let createdAt: string | null = iso(p.createdAt);
    let number: number | null = p.number;
    if (p.malformed === 'odd-unicode') title = `${p.title} \u0000\uD800 \u202Eﬁx 🚀`;
    if (p.malformed === 'bad-date') createdAt = 'not-a-date';
    if (p.malformed === 'missing-number') number = null;
    return {
      __typename: 'PullRequest',
      id: p.id,
      databaseId: p.databaseId,
      number,
      title,
      body: p.body,
      url: `https://github.com/${org}/${repo.name}/pull/${p.number}`,
      author: actor(p.author),
      headRefName: p.headRef,
      baseRefName: p.baseRef,
      headRefOid: commits[commits.length - 1]?.oid ?? p.headOid,
      isDraft: p.readyAt !== null && p.readyAt > now && state === 'OPEN',
      state,
      merged,
      closed: state !== 'OPEN',
      createdAt,
      updatedAt: iso(this.updatedAt(p, now)),
      closedAt: state === 'OPEN' ? null : iso(merged ? p.mergedAt : p.closedAt),
      mergedAt: merged ? iso(p.mergedAt) : null,
      mergedBy: merged ? actor(p.mergedBy) : null,
      mergeCommit: merged && p.mergeCommitOid ? this.commitByOid(repo, p.mergeCommitOid) : null,
      additions: p.additions,
      deletions: p.deletions,
      changedFiles: p.changedFiles,
      labels: (args: PageArgs) =>
        this.list('labels', p.id, () =>
          connection(
            'labels',
            p.labels.map((name) => ({ __typename: 'Label', id: `LA_${hash(name)}`, name, color: 'ededed' })),
            args,
          ),
        ),
      timelineItems: (args: PageArgs & { itemTypes?: string[] }) =>
        this.list('timelineItems', p.id, () => {
          const items: unknown[] = [];
          if (
            p.readyAt !== null &&
            p.readyAt <= now &&
            (!args.itemTypes || args.itemTypes.includes('READY_FOR_REVIEW_EVENT'))
          )
            items.push({
              __typename: 'ReadyForReviewEvent',
              id: `RFRE_${p.databaseId}`,
              createdAt: iso(p.readyAt),
              actor: actor(p.author),
            });
          return {
            ...connection('timelineItems', items, args),
            filteredCount: items.length,
            updatedAt: iso(this.updatedAt(p, now)),
          };
        }),
      commits: (args: PageArgs) =>
        this.list('commits', p.id, () =>
          connection(
            'commits',
            commits.map((c) => ({
              __typename: 'PullRequestCommit',
              id: `PURC_${c.oid.slice(0, 12)}`,
              commit: {
                __typename: 'Commit',
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
                committer: { name: 'GitHub', date: iso(c.committedAt), user: null },
              },
            })),
            args,
          ),
        ),
      reviews: (args: PageArgs) =>
        this.list('reviews', p.id, () =>
          connection(
            'reviews',
            reviews.map((r) => this.review(r)),
            args,
          ),
        ),
    };
  }

  review(r: ReviewW) {
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
    const parentsOf = (x: CommitW) =>
      x.parents.map((oid) => ({ __typename: 'Commit', oid, abbreviatedOid: oid.slice(0, 7) }));
    const isMainline = this.commitsOf(repo).get(c.oid)?.mainline === true;
    return {
      __typename: 'Commit',
      id: `C_${c.oid.slice(0, 16)}`,
      oid: c.oid,
      abbreviatedOid: c.oid.slice(0, 7),
      authoredDate: iso(c.authoredAt),
      committedDate: iso(c.committedAt),
      message: c.message,
      messageHeadline: c.message.split('\n')[0],
      author: { name: c.author ?? 'ghost', date: iso(c.authoredAt), user: c.author ? actor(c.author) : null },
      parents: (args: PageArgs) => connection('parents', parentsOf(c), args),
      history: (args: PageArgs & { since?: string; until?: string }) => {
        if (!isMainline) return connection('history', [], args);
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
        return connection('history', list, args, (x) => ({
          __typename: 'Commit',
          id: `C_${x.oid.slice(0, 16)}`,
          oid: x.oid,
          abbreviatedOid: x.oid.slice(0, 7),
          authoredDate: iso(x.authoredAt),
          committedDate: iso(x.committedAt),
          message: x.message,
          messageHeadline: x.message.split('\n')[0],
          author: {
            name: x.author ?? 'ghost',
            date: iso(x.authoredAt),
            user: x.author ? actor(x.author) : null,
          },
          parents: (a: PageArgs) => connection('parents', parentsOf(x), a),
        }));
      },
    };
  }

  deployment(repo: RepoWorld, d: DeploymentW) {
    const now = this.now();
    const statuses = d.statuses.filter((s) => s.createdAt <= now);
    const latest = statuses[statuses.length - 1];
    const state = !latest
      ? 'PENDING'
      : latest.state === 'success'
        ? 'ACTIVE'
        : latest.state === 'inactive'
          ? 'INACTIVE'
          : latest.state.toUpperCase();
    const status = (s: (typeof statuses)[number]) => ({
      __typename: 'DeploymentStatus',
      id: s.id,
      state: s.state.toUpperCase(),
      createdAt: iso(s.createdAt),
      updatedAt: iso(s.createdAt),
      description: '',
      environmentUrl: null,
      logUrl: null,
      creator: actor(d.creator),
    });
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
      latestStatus: latest ? status(latest) : null,
      statuses: (args: PageArgs) =>
        this.list('statuses', d.id, () => connection('statuses', [...statuses].reverse().map(status), args)),
    };
  }
}
