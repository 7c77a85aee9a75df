import { GraphqlResponseError } from '@octokit/graphql';
import { DEFAULT_PRODUCTION_PATTERN, type Organisation } from '../../config/organisation.js';
import type { Database } from '../../db/database.js';
import { ConfigError, errorMessage } from '../../errors.js';
import { firstFew } from '../names.js';
import { parseEach, RecordQuality, type BadRecord } from '../quality.js';
import type { Logger } from '../../log.js';
import { readSyncState, SyncRun, writeSyncState } from '../../store/runs.js';
import { pruneChildren, upsert } from '../../store/upsert.js';
import { newStats, requestScope, type GitHubClient, type RequestStats } from './client.js';
import { placeFirstParents, type FetchedCommit } from './history.js';
import {
  deploymentNode,
  historyNode,
  mapCommit,
  mapDeployment,
  mapPullRequest,
  mapRelease,
  mapReview,
  prCommit,
  prNode,
  releaseNode,
  reviewNode,
  stripForStorage,
  type PrNode,
  type PrRows,
} from './map.js';
import { DEPLOYMENT_STATUSES_PAGE, PR_COMMITS_PAGE, PR_REVIEWS_PAGE, REPO_SYNC } from './queries.js';
import { listRepositories, selectRepositories, unmatchedEntries, type RepoRef } from './repos.js';
import * as t from './tables.js';

const DAY = 86_400_000;

export interface GitHubSyncOptions {
  org: string;
  /** GITHUB_REPOS patterns. */
  patterns: string[];
  /** --repo: only these. */
  only?: string[];
  /** Ignore the saved state and read everything since `since`. */
  full?: boolean;
  since?: Date;
  /** How far back a first sync reads (default 365 days). */
  lookbackDays?: number;
  /** Re-read this much before the watermark (clock skew, eventual consistency). */
  overlapMs?: number;
  /** Repositories synced side by side. */
  concurrency?: number;
  onProgress?: (p: { repo: string; prs: number; done: boolean; repos: number; reposDone: number }) => void;
}

export interface RepoSyncResult {
  repo: string;
  status: 'succeeded' | 'failed' | 'skipped';
  prs: number;
  rowsWritten: number;
  requests: number;
  points: number;
  /** Records left out, and fields dropped from records that were kept (see RecordQuality). */
  skipped: number;
  degraded: number;
  error?: string;
}

/** Where one repository's sync stands (ops.sync_state.cursor). */
interface RepoCursor {
  historySince: string;
  historyHead: { oid: string; position: number } | null;
  deploymentsUntil: string | null;
  releasesUntil: string | null;
  workflowId?: number | null;
  runsUntil?: string | null;
}

export interface SyncContext {
  db: Database;
  client: GitHubClient;
  organisation: Organisation;
  log: Logger;
}

export async function syncGitHub(ctx: SyncContext, options: GitHubSyncOptions): Promise<RepoSyncResult[]> {
  const all = await listRepositories(ctx.db, ctx.client, options.org, ctx.log);
  const chosen = selectRepositories(all, options.patterns, options.only);
  const names = all.map((r) => r.name).sort();
  if (options.only?.length && chosen.length === 0)
    throw new ConfigError(
      '--repo',
      `${options.only.join(', ')} selects none of the ${all.length} repositories of ${options.org} ` +
        `that GITHUB_REPOS leaves (${firstFew(selectRepositories(all, options.patterns).map((r) => r.name))})`,
    );
  if (chosen.length === 0)
    throw new ConfigError(
      options.patterns.length ? 'GITHUB_REPOS' : 'GITHUB_ORG',
      options.patterns.length
        ? `${options.patterns.join(', ')} selects none of the ${all.length} repositories of ${options.org} ` +
            `(${firstFew(names)}); give names, owner/name or patterns such as payments-*`
        : `the organisation ${options.org} has no repository this token can read`,
    );
  const unmatched = unmatchedEntries(all, options.patterns);
  if (unmatched.length)
    ctx.log.warn(
      { setting: 'GITHUB_REPOS', unmatched, repositories: firstFew(names) },
      `GITHUB_REPOS entries that name no repository of ${options.org}: ${unmatched.join(', ')}`,
    );
  const results: RepoSyncResult[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < chosen.length) {
      const repo = chosen[next++]!;
      const result = await syncOneRepository(ctx, repo, options, (prs) =>
        options.onProgress?.({ repo: repo.name, prs, done: false, repos: chosen.length, reposDone: done }),
      );
      done += 1;
      results.push(result);
      options.onProgress?.({
        repo: repo.name,
        prs: result.prs,
        done: true,
        repos: chosen.length,
        reposDone: done,
      });
    }
  };
  await Promise.all(
    Array.from({ length: ctx.db.jobsSideBySide(Math.min(options.concurrency ?? 4, chosen.length)) }, worker),
  );
  return results.sort((a, b) => a.repo.localeCompare(b.repo));
}

async function syncOneRepository(
  ctx: SyncContext,
  repo: RepoRef,
  options: GitHubSyncOptions,
  progress: (prs: number) => void,
): Promise<RepoSyncResult> {
  const scope = `${repo.owner}/${repo.name}`;
  const stats = newStats();
  const log = ctx.log.child({ source: 'github', repo: scope });
  const locked = await ctx.db.withLock(`sync:github:${scope}`, async () => {
    const run = await SyncRun.start(ctx.db, 'github', scope);
    const counters: RepoCounters = { rows: 0, prs: 0, quality: new RecordQuality(log) };
    try {
      await requestScope.run(stats, () => syncRepository(ctx, repo, options, log, stats, counters, progress));
      await run.finish('succeeded', {
        rowsWritten: counters.rows,
        apiRequests: stats.requests,
        apiPoints: stats.points,
        rateLimitRemaining: stats.rateLimitRemaining,
        recordsSkipped: counters.quality.skipped,
        fieldsDegraded: counters.quality.degraded,
        details: { prs: counters.prs, ...counters.quality.details() },
      });
      log.info(
        {
          prs: counters.prs,
          rows: counters.rows,
          requests: stats.requests,
          points: stats.points,
          skipped: counters.quality.skipped,
          degraded: counters.quality.degraded,
        },
        'repository synced',
      );
      return { status: 'succeeded' as const, ...totalsOf(counters) };
    } catch (err) {
      const message = errorMessage(err);
      log.error({ err: message }, 'repository sync failed');
      await run.finish(
        'failed',
        {
          rowsWritten: counters.rows,
          apiRequests: stats.requests,
          apiPoints: stats.points,
          rateLimitRemaining: stats.rateLimitRemaining,
          recordsSkipped: counters.quality.skipped,
          fieldsDegraded: counters.quality.degraded,
          details: { prs: counters.prs, ...counters.quality.details() },
        },
        message,
      );
      return { status: 'failed' as const, ...totalsOf(counters), error: message };
    }
  });
  if (!locked.acquired) {
    log.info('another sync holds this repository; skipped');
    const run = await SyncRun.start(ctx.db, 'github', scope);
    await run.finish(
      'skipped',
      { rowsWritten: 0, apiRequests: 0, apiPoints: 0, rateLimitRemaining: null, recordsSkipped: 0 },
      'locked by another sync',
    );
    return {
      repo: scope,
      status: 'skipped',
      prs: 0,
      rowsWritten: 0,
      requests: 0,
      points: 0,
      skipped: 0,
      degraded: 0,
    };
  }
  const r = locked.result;
  return {
    repo: scope,
    status: r.status,
    prs: r.prs,
    rowsWritten: r.rows,
    requests: stats.requests,
    points: stats.points,
    skipped: r.skipped,
    degraded: r.degraded,
    error: 'error' in r ? r.error : undefined,
  };
}

interface RepoCounters {
  rows: number;
  prs: number;
  quality: RecordQuality;
}

const totalsOf = (c: RepoCounters) => ({
  rows: c.rows,
  prs: c.prs,
  skipped: c.quality.skipped,
  degraded: c.quality.degraded,
});

/** Runs a query; a response with both data and errors (one broken record) keeps its data. */
async function query<T>(
  client: GitHubClient,
  _stats: RequestStats,
  document: string,
  variables: Record<string, unknown>,
): Promise<{ data: T; errors: string[] }> {
  let data: T & { rateLimit?: { cost: number } };
  let errors: string[] = [];
  try {
    data = await client.graphql<T & { rateLimit?: { cost: number } }>(document, variables);
  } catch (err) {
    if (
      err instanceof GraphqlResponseError &&
      err.data &&
      !err.errors?.some((e) => (e as { type?: string }).type === 'RATE_LIMITED')
    ) {
      data = err.data as T & { rateLimit?: { cost: number } };
      errors = (err.errors ?? []).map((e) => `${(e.path ?? []).join('.')}: ${e.message}`);
    } else throw err;
  }
  return { data, errors };
}

interface Connection<N> {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  nodes: (N | null)[];
}

interface RepoSyncData {
  repository: {
    id: string;
    defaultBranchRef: { name: string; target: { oid: string; history?: Connection<unknown> } | null } | null;
    pullRequests?: Connection<unknown>;
    deployments?: Connection<unknown>;
    releases?: Connection<unknown>;
  } | null;
}

function productionPattern(org: Organisation, repo: string): RegExp {
  return new RegExp(
    org.deployments.repos[repo]?.productionPattern ??
      org.deployments.productionPattern ??
      DEFAULT_PRODUCTION_PATTERN,
    'i',
  );
}

const dayFloor = (t: number) => new Date(Math.floor(t / DAY) * DAY);

async function syncRepository(
  ctx: SyncContext,
  repo: RepoRef,
  options: GitHubSyncOptions,
  log: Logger,
  stats: RequestStats,
  counters: RepoCounters,
  progress: (prs: number) => void,
): Promise<void> {
  const { db, client } = ctx;
  const scope = `${repo.owner}/${repo.name}`;
  const state = await readSyncState<RepoCursor>(db, 'github', scope);
  const full = options.full === true || state.watermark === null || state.cursor === null;
  const lookback = (options.lookbackDays ?? 365) * DAY;
  // Day-aligned, so a re-run after a crash reads exactly the same range.
  const since = options.since ?? (full ? dayFloor(Date.now() - lookback) : null);
  const overlap = options.overlapMs ?? 10 * 60_000;
  const prStop = since ?? new Date(state.watermark!.getTime() - overlap);
  const cursor: RepoCursor = full
    ? {
        historySince: new Date(since!.getTime() - 30 * DAY).toISOString(),
        historyHead: null,
        deploymentsUntil: null,
        releasesUntil: null,
      }
    : { ...state.cursor! };
  const deploymentStop =
    since ?? new Date(Date.parse(cursor.deploymentsUntil ?? cursor.historySince) - 3 * DAY);
  const releaseStop = since ?? new Date(Date.parse(cursor.releasesUntil ?? cursor.historySince) - 30 * DAY);
  const quality = counters.quality;
  const skip = (bad: BadRecord[]) => {
    for (const b of bad) quality.skip(`${scope} ${b.id}`, b.cause);
  };
  // Data GitHub did not serve is read again next time: the watermarks stay before it.
  let prsHeldAt = Infinity;
  let deploymentsHeldAt = Infinity;
  let releasesHeld = false;

  const part = () => ({ cursor: null as string | null, done: false });
  const prs = part();
  const history = part();
  const deps = part();
  const rels = part();
  const fetched = new Map<string, FetchedCommit>();
  let head: string | null = null;
  let historyFailed = false;
  let maxUpdated = state.watermark?.getTime() ?? 0;
  let maxDeployment = Date.parse(cursor.deploymentsUntil ?? '1970-01-01T00:00:00Z');
  let maxRelease = Date.parse(cursor.releasesUntil ?? '1970-01-01T00:00:00Z');

  const allDone = () => prs.done && history.done && deps.done && rels.done;
  const fetchPage = () =>
    query<RepoSyncData>(client, stats, REPO_SYNC, {
      owner: repo.owner,
      name: repo.name,
      withPrs: !prs.done,
      prCursor: prs.cursor,
      withHistory: !history.done,
      historyCursor: history.cursor,
      since: cursor.historySince,
      withDeployments: !deps.done,
      deploymentCursor: deps.cursor,
      withReleases: !rels.done,
      releaseCursor: rels.cursor,
    });
  // The next page is asked for as soon as this one's cursors are known, and this one is
  // written while it comes: GitHub's answer time and the database's write time overlap.
  let nextPage: ReturnType<typeof fetchPage> | null = fetchPage();
  while (nextPage) {
    const { data, errors } = await nextPage;
    nextPage = null;
    const writes: (() => Promise<number>)[] = [];
    log.debug(
      { prs: prs.done, history: history.done, deployments: deps.done, releases: rels.done },
      'repository page',
    );
    const r = data.repository;
    if (!r) throw new Error(`GitHub did not return ${scope}: ${errors.join('; ') || 'not found'}`);
    // GitHub nulls out a record it cannot serve and says why; the null is counted below.
    for (const e of errors) log.warn({ error: e }, 'GitHub could not serve part of a response');

    // Default-branch history: collected now, placed once the walk is complete.
    const target = r.defaultBranchRef?.target ?? null;
    if (!history.done) {
      if (target && !target.history?.nodes) {
        // A branch always has a history: this page was not served; nothing is placed this time.
        quality.degrade(scope, 'default-branch history', 'GitHub did not serve it');
        history.done = true;
        head = null;
        historyFailed = true;
      } else if (!target?.history) history.done = true;
      else {
        if (!historyFailed) head ??= target.oid;
        const { ok, bad } = parseEach(historyNode, target.history.nodes, 'commit');
        skip(bad);
        for (const c of ok)
          fetched.set(c.oid, {
            oid: c.oid,
            committedDate: c.committedDate,
            authoredDate: c.authoredDate,
            parents: c.parents.nodes.map((p) => p.oid),
          });
        const reachedKnown = cursor.historyHead !== null && fetched.has(cursor.historyHead.oid);
        history.cursor = target.history.pageInfo.endCursor;
        history.done =
          reachedKnown || !target.history.pageInfo.hasNextPage || head === cursor.historyHead?.oid;
      }
    }

    if (!prs.done && !r.pullRequests?.nodes) {
      quality.degrade(scope, 'pull requests page', 'GitHub did not serve it');
      prs.done = true;
      prsHeldAt = -Infinity;
    }
    if (!prs.done && r.pullRequests?.nodes) {
      const page = r.pullRequests as Connection<unknown>;
      const { ok, bad } = parseEach(prNode, page.nodes, 'pull request');
      skip(bad);
      const mapped = ok.map((n) => mapPullRequest(r.id, scope, n));
      for (const m of mapped)
        if (m.missing.length) {
          for (const list of m.missing)
            quality.degrade(`${scope}#${m.pr.number}`, `pull request ${list}`, 'GitHub did not serve it');
          prsHeldAt = Math.min(prsHeldAt, Date.parse(m.pr.updated_at));
        }
      for (const m of mapped)
        await completeNested(
          client,
          stats,
          repo,
          m,
          ok.find((n) => n.id === m.pr.id)!,
          skip,
        );
      writes.push(async () => {
        const n = await writePullRequests(db, mapped);
        counters.prs += mapped.length;
        progress(counters.prs);
        return n;
      });
      for (const m of mapped) maxUpdated = Math.max(maxUpdated, Date.parse(m.pr.updated_at));
      const reachedStop = ok.some((n) => Date.parse(n.updatedAt) < prStop.getTime());
      prs.cursor = page.pageInfo.endCursor;
      prs.done = reachedStop || !page.pageInfo.hasNextPage;
    }

    if (!deps.done && !r.deployments?.nodes) {
      quality.degrade(scope, 'deployments page', 'GitHub did not serve it');
      deps.done = true;
      deploymentsHeldAt = -Infinity;
    }
    if (!deps.done && r.deployments?.nodes) {
      const page = r.deployments as Connection<unknown>;
      const { ok, bad } = parseEach(deploymentNode, page.nodes, 'deployment');
      skip(bad);
      for (const d of ok) {
        if (!d.statuses?.nodes) {
          quality.degrade(
            `${scope} deployment ${d.databaseId ?? d.id}`,
            'deployment statuses',
            'GitHub did not serve them',
          );
          deploymentsHeldAt = Math.min(deploymentsHeldAt, Date.parse(d.createdAt));
          continue;
        }
        if (d.statuses.totalCount > d.statuses.nodes.length) {
          const more = await query<{ node: { statuses: { nodes: unknown[] } } | null }>(
            client,
            stats,
            DEPLOYMENT_STATUSES_PAGE,
            { id: d.id },
          );
          if (more.data.node) d.statuses.nodes = more.data.node.statuses.nodes as typeof d.statuses.nodes;
        }
      }
      const mapped = ok.map((d) => mapDeployment(r.id, d));
      writes.push(() =>
        db.tx(async (c) => {
          let n = await upsert(
            c,
            t.deployments,
            mapped.map((m) => m.deployment),
          );
          n += await upsert(
            c,
            t.deploymentStatuses,
            mapped.flatMap((m) => m.statuses),
          );
          return n;
        }),
      );
      for (const d of ok) maxDeployment = Math.max(maxDeployment, Date.parse(d.createdAt));
      deps.cursor = page.pageInfo.endCursor;
      deps.done =
        !page.pageInfo.hasNextPage || ok.some((d) => Date.parse(d.createdAt) < deploymentStop.getTime());
    }

    if (!rels.done && !r.releases?.nodes) {
      quality.degrade(scope, 'releases page', 'GitHub did not serve it');
      rels.done = true;
      releasesHeld = true;
    }
    if (!rels.done && r.releases?.nodes) {
      const page = r.releases as Connection<unknown>;
      const { ok, bad } = parseEach(releaseNode, page.nodes, 'release');
      skip(bad);
      const rows = ok.map((x) => mapRelease(r.id, x));
      writes.push(() => upsert(db, t.releases, rows));
      for (const x of ok) maxRelease = Math.max(maxRelease, Date.parse(x.createdAt));
      rels.cursor = page.pageInfo.endCursor;
      rels.done =
        !page.pageInfo.hasNextPage || ok.some((x) => Date.parse(x.createdAt) < releaseStop.getTime());
    }

    if (!allDone()) {
      nextPage = fetchPage();
      // Settled here so that a failed write does not leave it rejected and unheard.
      nextPage.catch(() => {});
    }
    for (const write of writes) counters.rows += await write();
  }

  // Place the new first-parent commits after the ones already known.
  if (head) {
    const placed = placeFirstParents(head, fetched, cursor.historyHead);
    const rewrite = cursor.historyHead !== null && !placed.reachedKnown && head !== cursor.historyHead.oid;
    if (rewrite)
      log.warn('the default branch was rewritten since the last sync; its history is placed again');
    if (placed.commits.length || rewrite || full) {
      counters.rows += await db.tx(async (c) => {
        if (full || rewrite)
          await c.query('DELETE FROM source.github_commits WHERE repo_id = $1', [repoIdOf(repo)]);
        return upsert(
          c,
          t.commits,
          placed.commits.map((x) => ({
            repo_id: repoIdOf(repo),
            oid: x.oid,
            position: x.position,
            committed_at: x.committedDate,
            authored_at: x.authoredDate,
            parents: x.parents,
          })),
        );
      });
      const last = placed.commits[placed.commits.length - 1];
      if (last) cursor.historyHead = { oid: last.oid, position: last.position };
    }
  }

  const workflow = ctx.organisation.deployments.repos[repo.name]?.workflow;
  if (workflow) counters.rows += await syncWorkflowRuns(ctx, repo, workflow, cursor, since, stats);
  counters.rows += await compareOffHistory(ctx, repo, productionPattern(ctx.organisation, repo.name));

  const previousDeployments = cursor.deploymentsUntil;
  cursor.deploymentsUntil =
    deploymentsHeldAt === -Infinity
      ? previousDeployments
      : maxDeployment > 0
        ? new Date(Math.min(maxDeployment, deploymentsHeldAt)).toISOString()
        : previousDeployments;
  if (!releasesHeld)
    cursor.releasesUntil = maxRelease > 0 ? new Date(maxRelease).toISOString() : cursor.releasesUntil;
  // Only now, with every page written, does the watermark move; not past a pull request
  // GitHub did not serve whole, nor at all when a page of them was not served.
  const watermark =
    prsHeldAt === -Infinity
      ? state.watermark
      : maxUpdated > 0
        ? new Date(Math.min(maxUpdated, prsHeldAt))
        : (state.watermark ?? new Date(0));
  await writeSyncState<RepoCursor>(db, 'github', scope, { watermark, cursor });
}

const repoIds = new WeakMap<RepoRef, string>();
function repoIdOf(repo: RepoRef): string {
  return repoIds.get(repo) ?? repo.id;
}

/** Fetches the rest of a PR's commits and reviews when the nested first page was not all. */
async function completeNested(
  client: GitHubClient,
  stats: RequestStats,
  repo: RepoRef,
  rows: PrRows,
  node: PrNode,
  skip: (bad: BadRecord[]) => void,
): Promise<void> {
  let cursor = node.commits?.pageInfo.endCursor ?? null;
  let more = node.commits?.nodes ? node.commits.pageInfo.hasNextPage : false;
  while (more) {
    const { data } = await query<{
      repository: { pullRequest: { commits: Connection<{ commit: unknown }> } };
    }>(client, stats, PR_COMMITS_PAGE, {
      owner: repo.owner,
      name: repo.name,
      number: node.number,
      cursor,
    });
    const page = data.repository.pullRequest.commits;
    const { ok, bad } = parseEach(
      prCommit,
      page.nodes.map((n) => n?.commit ?? null),
      'commit',
    );
    skip(bad);
    rows.commits.push(...ok.map((c) => mapCommit(node.id, c)));
    cursor = page.pageInfo.endCursor;
    more = page.pageInfo.hasNextPage;
  }
  cursor = node.reviews?.pageInfo.endCursor ?? null;
  more = node.reviews?.nodes ? node.reviews.pageInfo.hasNextPage : false;
  while (more) {
    const { data } = await query<{ repository: { pullRequest: { reviews: Connection<unknown> } } }>(
      client,
      stats,
      PR_REVIEWS_PAGE,
      {
        owner: repo.owner,
        name: repo.name,
        number: node.number,
        cursor,
      },
    );
    const page = data.repository.pullRequest.reviews;
    const { ok, bad } = parseEach(reviewNode, page.nodes, 'review');
    skip(bad);
    rows.reviews.push(...ok.map((r) => mapReview(node.id, r)));
    cursor = page.pageInfo.endCursor;
    more = page.pageInfo.hasNextPage;
  }
}

/** One page of pull requests and their children, in one transaction. */
async function writePullRequests(db: Database, mapped: PrRows[]): Promise<number> {
  if (mapped.length === 0) return 0;
  return db.tx(async (c) => {
    const ids = mapped.map((m) => m.pr.id);
    // A list GitHub did not serve is not known to be empty: what is stored of it stays.
    const servedWith = (list: 'commits' | 'reviews') =>
      mapped.filter((m) => !m.missing.includes(list)).map((m) => m.pr.id);
    let n = await upsert(
      c,
      t.pullRequests,
      mapped.map((m) => m.pr),
    );
    const commits = mapped.flatMap((m) => m.commits);
    const reviews = mapped.flatMap((m) => m.reviews);
    const refs = mapped.flatMap((m) => m.refs);
    n += await pruneChildren(
      c,
      'source.github_pr_commits',
      'pr_id',
      'oid',
      commits.map((x) => ({ parent: x.pr_id, child: x.oid })),
      servedWith('commits'),
    );
    n += await pruneChildren(
      c,
      'source.github_pr_reviews',
      'pr_id',
      'id',
      reviews.map((x) => ({ parent: x.pr_id, child: x.id })),
      servedWith('reviews'),
    );
    n += await pruneChildren(
      c,
      'source.github_pr_issue_refs',
      'pr_id',
      'issue_key',
      refs.map((x) => ({ parent: x.pr_id, child: x.issue_key })),
      ids,
    );
    n += await upsert(c, t.prCommits, commits);
    n += await upsert(c, t.prReviews, reviews);
    n += await upsert(c, t.prIssueRefs, refs);
    return n;
  });
}

/** Successful runs of the repository's deploy workflow, for repositories that deploy with Actions. */
async function syncWorkflowRuns(
  ctx: SyncContext,
  repo: RepoRef,
  workflow: string,
  cursor: RepoCursor,
  since: Date | null,
  _stats: RequestStats,
): Promise<number> {
  const { client, db } = ctx;
  if (!cursor.workflowId) {
    const { data } = await client.request('GET /repos/{owner}/{repo}/actions/workflows', {
      owner: repo.owner,
      repo: repo.name,
      per_page: 100,
    });
    const found = data.workflows.find((w) => w.name === workflow || w.path.endsWith(`/${workflow}`));
    if (!found)
      throw new Error(
        `${repo.owner}/${repo.name} has no workflow named "${workflow}" (deployments.repos.${repo.name}.workflow)`,
      );
    cursor.workflowId = found.id;
  }
  const from = since ?? new Date(Date.parse(cursor.runsUntil ?? cursor.historySince) - 3 * DAY);
  let written = 0;
  let newest = Date.parse(cursor.runsUntil ?? '1970-01-01T00:00:00Z');
  for (let page = 1; ; page++) {
    const { data, headers } = await client.request(
      'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs',
      {
        owner: repo.owner,
        repo: repo.name,
        workflow_id: cursor.workflowId,
        branch: repo.defaultBranch,
        status: 'completed',
        created: `>=${from.toISOString().slice(0, 10)}`,
        per_page: 100,
        page,
      },
    );
    const rows = data.workflow_runs.map((w) => ({
      id: Number(w.id),
      repo_id: repo.id,
      workflow_id: w.workflow_id,
      workflow_name: w.name ?? workflow,
      path: w.path,
      head_branch: w.head_branch,
      head_sha: w.head_sha,
      event: w.event,
      status: w.status,
      conclusion: w.conclusion,
      created_at: w.created_at,
      run_started_at: w.run_started_at ?? null,
      updated_at: w.updated_at,
      // The embedded repository objects change with every push; the repository is kept on its own.
      raw: stripForStorage({ ...w, repository: undefined, head_repository: undefined }),
    }));
    written += await upsert(db, t.workflowRuns, rows);
    for (const w of rows) newest = Math.max(newest, Date.parse(w.created_at));
    if (!/rel="next"/.test(headers.link ?? '')) break;
  }
  if (newest > 0) cursor.runsUntil = new Date(newest).toISOString();
  return written;
}

/**
 * A production sha that is not on the default branch's first-parent history (a
 * hotfix deployed from its branch) is placed with one compare: its merge base on the
 * default branch, and the commits it adds. Each sha is compared once.
 */
async function compareOffHistory(ctx: SyncContext, repo: RepoRef, production: RegExp): Promise<number> {
  const { db, client } = ctx;
  const { rows } = await db.query<{ sha: string }>(
    `WITH shipped AS (
       SELECT d.sha FROM source.github_deployments d
        WHERE d.repo_id = $1 AND d.environment ~* $2
          AND EXISTS (SELECT 1 FROM source.github_deployment_statuses s WHERE s.deployment_id = d.id AND s.state = 'success')
       UNION SELECT r.sha FROM source.github_releases r WHERE r.repo_id = $1 AND r.sha IS NOT NULL AND NOT r.is_draft
       UNION SELECT w.head_sha FROM source.github_workflow_runs w WHERE w.repo_id = $1 AND w.conclusion = 'success')
     SELECT s.sha FROM shipped s
      WHERE NOT EXISTS (SELECT 1 FROM source.github_commits c WHERE c.repo_id = $1 AND c.oid = s.sha)
        AND NOT EXISTS (SELECT 1 FROM source.github_compares x WHERE x.repo_id = $1 AND x.head_oid = s.sha)`,
    [repo.id, production.source],
  );
  let written = 0;
  for (const { sha } of rows) {
    try {
      const { data } = await client.rest.repos.compareCommitsWithBasehead({
        owner: repo.owner,
        repo: repo.name,
        basehead: `${repo.defaultBranch}...${sha}`,
        per_page: 100,
      });
      written += await upsert(db, t.compares, [
        {
          repo_id: repo.id,
          head_oid: sha,
          base_ref: repo.defaultBranch,
          status: data.status,
          merge_base_oid: data.merge_base_commit?.sha ?? null,
          ahead_by: data.ahead_by,
          ahead_oids: data.commits.map((c) => c.sha),
        },
      ]);
    } catch (err) {
      // A sha GitHub no longer has (force-pushed away): its deployment is placed by time instead.
      if ((err as { status?: number }).status !== 404) throw err;
      written += await upsert(db, t.compares, [
        {
          repo_id: repo.id,
          head_oid: sha,
          base_ref: repo.defaultBranch,
          status: 'missing',
          merge_base_oid: null,
          ahead_by: 0,
          ahead_oids: [],
        },
      ]);
    }
  }
  return written;
}
