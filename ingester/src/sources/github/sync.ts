import { DEFAULT_PRODUCTION_PATTERN, type Organisation } from '../../config/organisation.js';
import type { Database } from '../../db/database.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { readSyncState, writeSyncState } from '../../store/runs.js';
import { upsert } from '../../store/upsert.js';
import { firstFew } from '../names.js';
import { RecordQuality } from '../quality.js';
import { runUnit, runUnits } from '../run.js';
import { newStats, requestScope, type GitHubClient } from './client.js';
import { compareOffHistory } from './compares.js';
import { placeFirstParents } from './history.js';
import { readRepositoryPages, type HistoryRead, type RepoPagesContext } from './repo-pages.js';
import {
  nothingSeen,
  planRepoSync,
  stateAfter,
  type RepoCursor,
  type RepoPlan,
  type RepoReadOptions,
} from './repo-state.js';
import { listRepositories, selectRepositories, unmatchedEntries, type RepoRef } from './repos.js';
import * as t from './tables.js';
import { syncWorkflowRuns } from './workflow-runs.js';

/**
 * The GitHub sync: the organisation's repositories that the settings select, each a unit of
 * the shared runner (sources/run.ts), read with one GraphQL query per page (repo-pages.ts),
 * then the deploy workflow's runs and the compares of shas off the default branch.
 */

export interface GitHubSyncOptions extends RepoReadOptions {
  org: string;
  /** GITHUB_REPOS patterns. */
  patterns: string[];
  /** --repo: only these. */
  only?: string[];
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

export interface SyncContext {
  db: Database;
  client: GitHubClient;
  organisation: Organisation;
  log: Logger;
}

export async function syncGitHub(ctx: SyncContext, options: GitHubSyncOptions): Promise<RepoSyncResult[]> {
  const chosen = await chooseRepositories(ctx, options);
  const results = await runUnits(
    ctx.db,
    chosen,
    options.concurrency ?? 4,
    (repo, p) =>
      syncOneRepository(ctx, repo, options, (prs) =>
        options.onProgress?.({ repo: repo.name, prs, done: false, repos: p.units, reposDone: p.done }),
      ),
    (result, p) =>
      options.onProgress?.({
        repo: p.unit.name,
        prs: result.prs,
        done: true,
        repos: p.units,
        reposDone: p.done,
      }),
  );
  return results.sort((a, b) => a.repo.localeCompare(b.repo));
}

/** The repositories GITHUB_REPOS and --repo select; a selection of none is a setting to fix. */
async function chooseRepositories(ctx: SyncContext, options: GitHubSyncOptions): Promise<RepoRef[]> {
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
  return chosen;
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
  const counters = { rows: 0, prs: 0 };
  const quality = new RecordQuality(log);
  const totals = () => ({
    rowsWritten: counters.rows,
    apiRequests: stats.requests,
    apiPoints: stats.points,
    rateLimitRemaining: stats.rateLimitRemaining,
    recordsSkipped: quality.skipped,
    fieldsDegraded: quality.degraded,
    details: { prs: counters.prs, ...quality.details() },
  });
  const outcome = await runUnit(ctx.db, { source: 'github', scope, noun: 'repository', log }, totals, () =>
    requestScope.run(stats, () =>
      syncRepository(
        { db: ctx.db, client: ctx.client, repo, scope, log, quality, counters, progress },
        ctx,
        options,
      ),
    ),
  );
  const skipped = outcome.status === 'skipped';
  return {
    repo: scope,
    status: outcome.status,
    prs: skipped ? 0 : counters.prs,
    rowsWritten: skipped ? 0 : counters.rows,
    requests: stats.requests,
    points: stats.points,
    skipped: skipped ? 0 : quality.skipped,
    degraded: skipped ? 0 : quality.degraded,
    error: outcome.error,
  };
}

function productionPattern(org: Organisation, repo: string): RegExp {
  return new RegExp(
    org.deployments.repos[repo]?.productionPattern ??
      org.deployments.productionPattern ??
      DEFAULT_PRODUCTION_PATTERN,
    'i',
  );
}

async function syncRepository(
  rc: Omit<RepoPagesContext, 'plan' | 'seen'>,
  ctx: SyncContext,
  options: GitHubSyncOptions,
): Promise<void> {
  const state = await readSyncState<RepoCursor>(rc.db, 'github', rc.scope);
  const plan = planRepoSync(state, options);
  const seen = nothingSeen(plan);
  const history = await readRepositoryPages({ ...rc, plan, seen });
  if (history.head) rc.counters.rows += await placeHistory(rc.db, rc.repo, plan, history, rc.log);
  const workflow = ctx.organisation.deployments.repos[rc.repo.name]?.workflow;
  if (workflow)
    rc.counters.rows += await syncWorkflowRuns(rc.db, rc.client, rc.repo, workflow, plan.cursor, plan.since);
  rc.counters.rows += await compareOffHistory(
    rc.db,
    rc.client,
    rc.repo,
    productionPattern(ctx.organisation, rc.repo.name),
  );
  // Only now, with every page written, does the watermark move (repo-state.ts).
  await writeSyncState<RepoCursor>(rc.db, 'github', rc.scope, stateAfter(plan, seen));
}

/** Places the new first-parent commits after the ones already known; returns the rows written. */
async function placeHistory(
  db: Database,
  repo: RepoRef,
  plan: RepoPlan,
  history: HistoryRead,
  log: Logger,
): Promise<number> {
  const known = plan.cursor.historyHead;
  const placed = placeFirstParents(history.head!, history.fetched, known);
  const rewrite = known !== null && !placed.reachedKnown && history.head !== known.oid;
  if (rewrite) log.warn('the default branch was rewritten since the last sync; its history is placed again');
  if (!placed.commits.length && !rewrite && !plan.full) return 0;
  const written = await db.tx(async (c) => {
    if (plan.full || rewrite)
      await c.query('DELETE FROM source.github_commits WHERE repo_id = $1', [repo.id]);
    return upsert(
      c,
      t.commits,
      placed.commits.map((x) => ({
        repo_id: repo.id,
        oid: x.oid,
        position: x.position,
        committed_at: x.committedDate,
        authored_at: x.authoredDate,
        parents: x.parents,
      })),
    );
  });
  const last = placed.commits[placed.commits.length - 1];
  if (last) plan.cursor.historyHead = { oid: last.oid, position: last.position };
  return written;
}
