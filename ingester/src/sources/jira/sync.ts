import { ConfigError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { readSyncState, writeSyncState } from '../../store/runs.js';
import { firstFew } from '../names.js';
import { RecordQuality } from '../quality.js';
import { runUnit, runUnits } from '../run.js';
import { jiraRequestScope, newJiraStats } from './client.js';
import { discover } from './discover.js';
import { syncIssueSet } from './issue-sets.js';
import { syncIssues } from './issues.js';
import { HOUR, MINUTE, type Counters, type JiraSyncContext, type ProjectCursor } from './project-state.js';
import { listProjects, Site } from './site.js';
import { fetchUnknownSprints, syncSprints } from './sprints.js';

export type { JiraSyncContext } from './project-state.js';

/**
 * The Jira sync: the projects the settings select, each a unit of the shared runner
 * (sources/run.ts): discovery of fields and boards (discover.ts), the boards' sprints
 * (sprints.ts), then the issues changed since the watermark with their histories (issues.ts).
 */

export interface JiraSyncOptions {
  /** JIRA_PROJECTS; empty reads every project the user can browse. */
  projects: string[];
  /** --project: only these. */
  only?: string[];
  /** Ignore the saved watermark and discovery: read everything again. */
  full?: boolean;
  /** Re-read this much before the watermark: JQL dates are minute-precise and search is eventually consistent. */
  overlapMs?: number;
  /** The organisation file's issue sets, each a JQL query whose issues are read after the projects. */
  issueSets?: Record<string, { jql: string }>;
  /** Field, status and board discovery is reused for this long (default 24 hours). */
  discoveryMaxAgeMs?: number;
  /**
   * Projects synced side by side (default 2: one project's searches run while another's
   * last batches are written; the histories in memory are bounded for the whole sync).
   */
  concurrency?: number;
  onProgress?: (p: {
    project: string;
    issues: number;
    done: boolean;
    projects: number;
    projectsDone: number;
  }) => void;
}

export interface ProjectSyncResult {
  project: string;
  status: 'succeeded' | 'failed' | 'skipped';
  issues: number;
  changelogEntries: number;
  rowsWritten: number;
  requests: number;
  /** Records left out, and fields dropped from records that were kept (see RecordQuality). */
  skipped: number;
  degraded: number;
  rateLimitRemaining: number | null;
  error?: string;
}

export async function syncJira(ctx: JiraSyncContext, options: JiraSyncOptions): Promise<ProjectSyncResult[]> {
  const keys = options.only?.length
    ? options.only.map((k) => k.toUpperCase())
    : options.projects.length
      ? options.projects.map((k) => k.toUpperCase())
      : await listProjects(ctx);
  const site = new Site(ctx, keys);
  if (keys.length === 0)
    throw new ConfigError(
      'JIRA_BASE_URL',
      'the Jira user can browse no project on this site; check its permissions',
    );
  if (options.only?.length || options.projects.length) {
    // A setting that names no project of the site is a mistake to report, not a quiet success.
    const setting = options.only?.length ? '--project' : 'JIRA_PROJECTS';
    const found = await Promise.all(keys.map((k) => site.project(k)));
    const missing = keys.filter((_, i) => found[i] === undefined);
    if (missing.length === keys.length) {
      const existing = (await listProjects(ctx)).sort();
      throw new ConfigError(
        setting,
        `${keys.join(', ')} names none of the ${existing.length} projects this Jira user can browse (${firstFew(existing)})`,
      );
    }
    if (missing.length)
      ctx.log.warn(
        { setting, missing },
        `${setting} names projects this Jira user cannot browse or that do not exist: ${missing.join(', ')}`,
      );
  }
  const results = await runUnits(
    ctx.db,
    keys,
    options.concurrency ?? 2,
    (key, p) =>
      syncOneProject(ctx, site, key, options, (issues) =>
        options.onProgress?.({ project: key, issues, done: false, projects: p.units, projectsDone: p.done }),
      ),
    (result, p) =>
      options.onProgress?.({
        project: p.unit,
        issues: result.issues,
        done: true,
        projects: p.units,
        projectsDone: p.done,
      }),
  );
  // A run narrowed to some projects (--project) leaves the sets to a whole sync.
  const sets = options.only?.length ? [] : Object.entries(options.issueSets ?? {});
  const setResults = await runUnits(ctx.db, sets, 1, ([name, set]) => syncIssueSet(ctx, name, set.jql));
  return [...results.sort((a, b) => a.project.localeCompare(b.project)), ...setResults];
}

async function syncOneProject(
  ctx: JiraSyncContext,
  site: Site,
  key: string,
  options: JiraSyncOptions,
  progress: (issues: number) => void,
): Promise<ProjectSyncResult> {
  const stats = newJiraStats();
  const log = ctx.log.child({ source: 'jira', project: key });
  const counters: Counters = { rows: 0, issues: 0, changes: 0, quality: new RecordQuality(log) };
  const totals = () => ({
    rowsWritten: counters.rows,
    apiRequests: stats.requests,
    apiPoints: 0,
    rateLimitRemaining: stats.rateLimitRemaining,
    recordsSkipped: counters.quality.skipped,
    fieldsDegraded: counters.quality.degraded,
    details: {
      issues: counters.issues,
      changelogEntries: counters.changes,
      retries: stats.retries,
      ...counters.quality.details(),
    },
  });
  const outcome = await runUnit(ctx.db, { source: 'jira', scope: key, noun: 'project', log }, totals, () =>
    jiraRequestScope.run(stats, () => syncProject(ctx, site, key, options, log, counters, progress)),
  );
  return {
    project: key,
    issues: counters.issues,
    changelogEntries: counters.changes,
    rowsWritten: counters.rows,
    requests: stats.requests,
    skipped: counters.quality.skipped,
    degraded: counters.quality.degraded,
    rateLimitRemaining: stats.rateLimitRemaining,
    ...outcome,
  };
}

async function syncProject(
  ctx: JiraSyncContext,
  site: Site,
  key: string,
  options: JiraSyncOptions,
  log: Logger,
  counters: Counters,
  progress: (issues: number) => void,
): Promise<void> {
  const { db } = ctx;
  const state = await readSyncState<ProjectCursor>(db, 'jira', key);
  const mode = ctx.api.dataCenter ? 'datacenter' : 'cloud';
  const full = options.full === true || state.cursor === null || state.cursor.mode !== mode;
  const maxAge = options.discoveryMaxAgeMs ?? 24 * HOUR;
  let cursor = state.cursor;
  if (full || cursor === null || Date.now() - Date.parse(cursor.discoveredAt) > maxAge)
    cursor = await discover(ctx, site, key, cursor, log, counters);
  counters.rows += await syncSprints(ctx, cursor, full, counters.quality, log);
  await writeSyncState(db, 'jira', key, { watermark: state.watermark, cursor });

  const since =
    !full && state.watermark ? state.watermark.getTime() - (options.overlapMs ?? 10 * MINUTE) : null;
  await syncIssues(
    ctx,
    site,
    key,
    cursor,
    { since, full, watermark: state.watermark },
    counters,
    progress,
    log,
  );
  counters.rows += await fetchUnknownSprints(ctx, key, cursor, full, counters.quality, log);
  const latest = await readSyncState<ProjectCursor>(db, 'jira', key);
  await writeSyncState(db, 'jira', key, { watermark: latest.watermark ?? new Date(0), cursor });
}
