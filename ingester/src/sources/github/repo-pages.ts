import type { Database } from '../../db/database.js';
import type { Logger } from '../../log.js';
import { upsert } from '../../store/upsert.js';
import { parseEach, type RecordQuality } from '../quality.js';
import type { GitHubClient } from './client.js';
import { queryKeepingData, type Connection } from './graphql.js';
import type { FetchedCommit } from './history.js';
import {
  deploymentNode,
  historyNode,
  mapDeployment,
  mapPullRequest,
  mapRelease,
  prNode,
  releaseNode,
} from './map.js';
import { completeNested, writePullRequests } from './pull-requests.js';
import { DEPLOYMENT_STATUSES_PAGE, REPO_SYNC } from './queries.js';
import type { RepoRef } from './repos.js';
import type { RepoPlan, Seen } from './repo-state.js';
import * as t from './tables.js';

/**
 * One repository's pages: pull requests, default-branch history, deployments and releases,
 * each a paginated list of one GraphQL query, asked for together until each is done.
 */

interface RepoPage {
  repository: {
    id: string;
    defaultBranchRef: { name: string; target: { oid: string; history?: Connection<unknown> } | null } | null;
    pullRequests?: Connection<unknown>;
    deployments?: Connection<unknown>;
    releases?: Connection<unknown>;
  } | null;
}
type Repository = NonNullable<RepoPage['repository']>;

export interface RepoPagesContext {
  db: Database;
  client: GitHubClient;
  repo: RepoRef;
  scope: string;
  log: Logger;
  plan: RepoPlan;
  seen: Seen;
  quality: RecordQuality;
  counters: { rows: number; prs: number };
  progress: (prs: number) => void;
}

/** The default branch's first-parent walk as far as it was read, to be placed once complete. */
export interface HistoryRead {
  fetched: Map<string, FetchedCommit>;
  head: string | null;
}

class Part {
  cursor: string | null = null;
  done = false;

  /** Moves on after a page: done at its end or once `stop` says it reached known ground. */
  next(page: Connection<unknown>, stop: boolean): void {
    this.cursor = page.pageInfo.endCursor;
    this.done = stop || !page.pageInfo.hasNextPage;
  }
}

type Write = () => Promise<number>;

export async function readRepositoryPages(rc: RepoPagesContext): Promise<HistoryRead> {
  const prs = new Part();
  const history = new Part();
  const deployments = new Part();
  const releases = new Part();
  const read: HistoryRead & { failed: boolean } = { fetched: new Map(), head: null, failed: false };
  const fetchPage = () =>
    queryKeepingData<RepoPage>(rc.client, REPO_SYNC, {
      owner: rc.repo.owner,
      name: rc.repo.name,
      withPrs: !prs.done,
      prCursor: prs.cursor,
      withHistory: !history.done,
      historyCursor: history.cursor,
      since: rc.plan.cursor.historySince,
      withDeployments: !deployments.done,
      deploymentCursor: deployments.cursor,
      withReleases: !releases.done,
      releaseCursor: releases.cursor,
    });
  // The next page is asked for as soon as this one's cursors are known, and this one is
  // written while it comes: GitHub's answer time and the database's write time overlap.
  let nextPage: ReturnType<typeof fetchPage> | null = fetchPage();
  while (nextPage) {
    const { data, errors } = await nextPage;
    nextPage = null;
    const r = data.repository;
    if (!r) throw new Error(`GitHub did not return ${rc.scope}: ${errors.join('; ') || 'not found'}`);
    // GitHub nulls out a record it cannot serve and says why; the null is counted where it is met.
    for (const e of errors) rc.log.warn({ error: e }, 'GitHub could not serve part of a response');
    if (!history.done) takeHistory(rc, r, history, read);
    const writes = [
      prs.done ? undefined : await takePullRequests(rc, r, prs),
      deployments.done ? undefined : await takeDeployments(rc, r, deployments),
      releases.done ? undefined : takeReleases(rc, r, releases),
    ];
    if (!(prs.done && history.done && deployments.done && releases.done)) {
      nextPage = fetchPage();
      // Settled here so that a failed write does not leave it rejected and unheard.
      nextPage.catch(() => {});
    }
    for (const write of writes) if (write) rc.counters.rows += await write();
  }
  return read;
}

function takeHistory(
  rc: RepoPagesContext,
  r: Repository,
  part: Part,
  read: HistoryRead & { failed: boolean },
) {
  const target = r.defaultBranchRef?.target ?? null;
  if (target && !target.history?.nodes) {
    // A branch always has a history: this page was not served; nothing is placed this time.
    rc.quality.degrade(rc.scope, 'default-branch history', 'GitHub did not serve it');
    part.done = true;
    read.head = null;
    read.failed = true;
    return;
  }
  if (!target?.history) {
    part.done = true;
    return;
  }
  if (!read.failed) read.head ??= target.oid;
  const { ok, bad } = parseEach(historyNode, target.history.nodes, 'commit');
  rc.quality.skipAll(bad, rc.scope);
  for (const c of ok)
    read.fetched.set(c.oid, {
      oid: c.oid,
      committedDate: c.committedDate,
      authoredDate: c.authoredDate,
      parents: c.parents.nodes.map((p) => p.oid),
    });
  const known = rc.plan.cursor.historyHead;
  const reachedKnown = known !== null && read.fetched.has(known.oid);
  part.next(target.history, reachedKnown || read.head === known?.oid);
}

/** A page of a list GitHub did not serve: counted, the list stops, and its watermark holds. */
function notServed(rc: RepoPagesContext, part: Part, list: string, hold: (seen: Seen) => void): undefined {
  rc.quality.degrade(rc.scope, `${list} page`, 'GitHub did not serve it');
  part.done = true;
  hold(rc.seen);
  return undefined;
}

async function takePullRequests(rc: RepoPagesContext, r: Repository, part: Part): Promise<Write | undefined> {
  if (!r.pullRequests?.nodes)
    return notServed(rc, part, 'pull requests', (seen) => (seen.prsHeldAt = -Infinity));
  const page = r.pullRequests;
  const { ok, bad } = parseEach(prNode, page.nodes, 'pull request');
  rc.quality.skipAll(bad, rc.scope);
  const mapped = ok.map((n) => mapPullRequest(r.id, rc.scope, n));
  for (const m of mapped)
    if (m.missing.length) {
      for (const list of m.missing)
        rc.quality.degrade(`${rc.scope}#${m.pr.number}`, `pull request ${list}`, 'GitHub did not serve it');
      rc.seen.prsHeldAt = Math.min(rc.seen.prsHeldAt, Date.parse(m.pr.updated_at));
    }
  for (const m of mapped)
    await completeNested(
      rc.client,
      rc.repo,
      m,
      ok.find((n) => n.id === m.pr.id)!,
      rc.quality,
    );
  for (const m of mapped) rc.seen.maxUpdated = Math.max(rc.seen.maxUpdated, Date.parse(m.pr.updated_at));
  part.next(
    page,
    ok.some((n) => Date.parse(n.updatedAt) < rc.plan.prStop.getTime()),
  );
  return async () => {
    const n = await writePullRequests(rc.db, mapped);
    rc.counters.prs += mapped.length;
    rc.progress(rc.counters.prs);
    return n;
  };
}

async function takeDeployments(rc: RepoPagesContext, r: Repository, part: Part): Promise<Write | undefined> {
  if (!r.deployments?.nodes)
    return notServed(rc, part, 'deployments', (seen) => (seen.deploymentsHeldAt = -Infinity));
  const page = r.deployments;
  const { ok, bad } = parseEach(deploymentNode, page.nodes, 'deployment');
  rc.quality.skipAll(bad, rc.scope);
  for (const d of ok) {
    if (!d.statuses?.nodes) {
      rc.quality.degrade(
        `${rc.scope} deployment ${d.databaseId ?? d.id}`,
        'deployment statuses',
        'GitHub did not serve them',
      );
      rc.seen.deploymentsHeldAt = Math.min(rc.seen.deploymentsHeldAt, Date.parse(d.createdAt));
      continue;
    }
    if (d.statuses.totalCount > d.statuses.nodes.length) {
      const more = await queryKeepingData<{ node: { statuses: { nodes: unknown[] } } | null }>(
        rc.client,
        DEPLOYMENT_STATUSES_PAGE,
        { id: d.id },
      );
      if (more.data.node) d.statuses.nodes = more.data.node.statuses.nodes as typeof d.statuses.nodes;
    }
  }
  const mapped = ok.map((d) => mapDeployment(r.id, d));
  for (const d of ok) rc.seen.maxDeployment = Math.max(rc.seen.maxDeployment, Date.parse(d.createdAt));
  part.next(
    page,
    ok.some((d) => Date.parse(d.createdAt) < rc.plan.deploymentStop.getTime()),
  );
  return () =>
    rc.db.tx(
      async (c) =>
        (await upsert(
          c,
          t.deployments,
          mapped.map((m) => m.deployment),
        )) +
        (await upsert(
          c,
          t.deploymentStatuses,
          mapped.flatMap((m) => m.statuses),
        )),
    );
}

function takeReleases(rc: RepoPagesContext, r: Repository, part: Part): Write | undefined {
  if (!r.releases?.nodes) return notServed(rc, part, 'releases', (seen) => (seen.releasesHeld = true));
  const page = r.releases;
  const { ok, bad } = parseEach(releaseNode, page.nodes, 'release');
  rc.quality.skipAll(bad, rc.scope);
  const rows = ok.map((x) => mapRelease(r.id, x));
  for (const x of ok) rc.seen.maxRelease = Math.max(rc.seen.maxRelease, Date.parse(x.createdAt));
  part.next(
    page,
    ok.some((x) => Date.parse(x.createdAt) < rc.plan.releaseStop.getTime()),
  );
  return () => upsert(rc.db, t.releases, rows);
}
