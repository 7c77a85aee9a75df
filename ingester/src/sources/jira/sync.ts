import type { Database } from '../../db/database.js';
import { ConfigError, errorMessage } from '../../errors.js';
import { parseEach, RecordQuality, type BadRecord } from '../quality.js';
import { firstFew } from '../names.js';
import type { Logger } from '../../log.js';
import { readSyncState, SyncRun, writeSyncState } from '../../store/runs.js';
import { pruneRows, upsert } from '../../store/upsert.js';
import { jiraRequestScope, newJiraStats, type JiraApi } from './client.js';
import {
  boardConfigSchema,
  boardSchema,
  derivePeriods,
  discoverFields,
  fieldSchema,
  historySchema,
  issueSchema,
  jiraPayload,
  kindResolver,
  mapChangelog,
  mapIssue,
  mapSprint,
  mapStatus,
  projectSchema,
  sprintSchema,
  statusSchema,
  type ChangeRow,
  type FieldIds,
  type JiraField,
  type JiraHistory,
  type MappedIssue,
  type Periods,
  type ProjectFields,
  type UserRow,
} from './map.js';
import * as t from './tables.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Issues whose changelogs are fetched together: bulkfetch takes at most 1,000 ids. */
const BATCH = 1000;
/** Issues written per transaction. */
const WRITE = 250;
/**
 * Batches whose histories are held at once, for the whole sync: one being written and
 * one fetched ahead. More projects side by side overlap their searches (the latency)
 * but not their histories (the memory).
 */
const BATCHES_IN_MEMORY = 2;
/** The system fields the rows are made of (search/jql returns only ids unless told). */
const BASE_FIELDS = [
  'summary',
  'issuetype',
  'status',
  'created',
  'updated',
  'resolutiondate',
  'resolution',
  'reporter',
  'assignee',
  'labels',
  'parent',
  'project',
];

export interface JiraSyncOptions {
  /** JIRA_PROJECTS; empty reads every project the user can browse. */
  projects: string[];
  /** --project: only these. */
  only?: string[];
  /** Ignore the saved watermark and discovery: read everything again. */
  full?: boolean;
  /** Re-read this much before the watermark: JQL dates are minute-precise and search is eventually consistent. */
  overlapMs?: number;
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

export interface JiraSyncContext {
  db: Database;
  api: JiraApi;
  log: Logger;
}

interface BoardCursor {
  id: number;
  type: string;
  /** Closed sprints Jira lists first, and the last of them: the next read starts there. */
  closed: number;
  lastClosedId: number | null;
}

/** Where one project's sync stands (ops.sync_state.cursor). */
interface ProjectCursor {
  mode: 'cloud' | 'datacenter';
  discoveredAt: string;
  projectId: string;
  fields: ProjectFields;
  /** Lower-cased field name → id, for Data Center changelog items (they carry no fieldId). */
  fieldNames: Record<string, string>;
  boards: BoardCursor[];
  /** Sprints issues name that Jira would not show (deleted, or on a board we cannot see). */
  missingSprints: number[];
}

interface Counters {
  rows: number;
  issues: number;
  changes: number;
  quality: RecordQuality;
}

/** What one run learns about the whole site once, for all its projects. */
class Site {
  private fieldList?: Promise<{ list: JiraField[]; ids: FieldIds }>;
  private statusRefresh?: Promise<Set<string>>;
  private projectList?: Promise<Map<string, unknown>>;
  /** Room for one more batch of histories, shared by the projects in flight. */
  readonly batchRoom = new Slots(BATCHES_IN_MEMORY);

  constructor(
    private readonly ctx: JiraSyncContext,
    private readonly keys: string[],
  ) {}

  fields(): Promise<{ list: JiraField[]; ids: FieldIds }> {
    this.fieldList ??= this.ctx.api
      .call('fields', (c) =>
        this.ctx.api.dataCenter ? c.v2.issueFields.getFields() : c.v3.issueFields.getFields(),
      )
      .then((raw) => {
        const { ok } = parseEach(fieldSchema, raw as unknown[], 'field');
        return { list: ok, ids: discoverFields(ok) };
      });
    return this.fieldList;
  }

  /** Reads every status (with its category) once per run; later calls reuse the answer. */
  statuses(): Promise<Set<string>> {
    this.statusRefresh ??= (async () => {
      const raw = await this.ctx.api.call('statuses', (c) =>
        this.ctx.api.dataCenter ? c.v2.workflowStatuses.getStatuses() : c.v3.workflowStatuses.getStatuses(),
      );
      const { ok, bad } = parseEach(statusSchema, raw as unknown[], 'status');
      for (const b of bad)
        this.ctx.log.warn({ source: 'jira', record: b.id, cause: b.cause }, 'malformed record skipped');
      await upsert(this.ctx.db, t.statuses, ok.map(mapStatus));
      return new Set(ok.map((s) => s.id));
    })();
    return this.statusRefresh;
  }

  refreshed(): boolean {
    return this.statusRefresh !== undefined;
  }

  /** The run's projects, looked up together (Cloud takes 50 keys a request; Data Center lists them all). */
  async project(key: string): Promise<unknown> {
    this.projectList ??= (async () => {
      const found = new Map<string, unknown>();
      const { api } = this.ctx;
      if (api.dataCenter) {
        for (const p of await dataCenterProjects(this.ctx))
          found.set(String((p as { key?: unknown }).key), p);
        return found;
      }
      for (let i = 0; i < this.keys.length; i += 50) {
        const keys = this.keys.slice(i, i + 50);
        const page = await api.call('projects', (c) =>
          c.v3.projects.searchProjects({ keys, maxResults: 50 }),
        );
        for (const p of page.values ?? []) found.set(String(p.key), p);
      }
      return found;
    })();
    return (await this.projectList).get(key);
  }
}

/** A counting semaphore, first come first served. */
class Slots {
  private readonly waiting: (() => void)[] = [];

  constructor(private free: number) {}

  async take(): Promise<() => void> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    // Called once: a slot passes straight to the next in line, or becomes free.
    return () => {
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    };
  }
}

/** jira.js 5 dropped the v2 project list (Cloud deprecated it); Data Center still serves it. */
function dataCenterProjects(ctx: JiraSyncContext): Promise<unknown[]> {
  return ctx.api.call('projects', (c) =>
    c.base.sendRequest<unknown[]>({ url: '/rest/api/2/project', method: 'GET' }, undefined as never),
  );
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
  const results: ProjectSyncResult[] = [];
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < keys.length) {
      const key = keys[next++]!;
      const result = await syncOneProject(ctx, site, key, options, (issues) =>
        options.onProgress?.({
          project: key,
          issues,
          done: false,
          projects: keys.length,
          projectsDone: done,
        }),
      );
      done += 1;
      results.push(result);
      options.onProgress?.({
        project: key,
        issues: result.issues,
        done: true,
        projects: keys.length,
        projectsDone: done,
      });
    }
  };
  await Promise.all(
    Array.from({ length: ctx.db.jobsSideBySide(Math.min(options.concurrency ?? 2, keys.length)) }, worker),
  );
  return results.sort((a, b) => a.project.localeCompare(b.project));
}

async function listProjects(ctx: JiraSyncContext): Promise<string[]> {
  if (ctx.api.dataCenter) return ((await dataCenterProjects(ctx)) as { key: string }[]).map((p) => p.key);
  const keys: string[] = [];
  for (let startAt = 0; ;) {
    const page = await ctx.api.call('projects', (c) =>
      c.v3.projects.searchProjects({ startAt, maxResults: 50 }),
    );
    const values = (page.values ?? []) as { key: string }[];
    keys.push(...values.map((p) => p.key));
    startAt += values.length;
    if (page.isLast !== false || values.length === 0) return keys;
  }
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
  const locked = await ctx.db.withLock(`sync:jira:${key}`, async () => {
    const run = await SyncRun.start(ctx.db, 'jira', key);
    try {
      await jiraRequestScope.run(stats, () => syncProject(ctx, site, key, options, log, counters, progress));
      await run.finish('succeeded', totals());
      log.info(
        {
          issues: counters.issues,
          changelogEntries: counters.changes,
          rows: counters.rows,
          requests: stats.requests,
          skipped: counters.quality.skipped,
          degraded: counters.quality.degraded,
        },
        'project synced',
      );
      return { status: 'succeeded' as const };
    } catch (err) {
      const message = errorMessage(err);
      log.error({ err: message }, 'project sync failed');
      await run.finish('failed', totals(), message);
      return { status: 'failed' as const, error: message };
    }
  });
  const base = {
    project: key,
    issues: counters.issues,
    changelogEntries: counters.changes,
    rowsWritten: counters.rows,
    requests: stats.requests,
    skipped: counters.quality.skipped,
    degraded: counters.quality.degraded,
    rateLimitRemaining: stats.rateLimitRemaining,
  };
  if (!locked.acquired) {
    log.info('another sync holds this project; skipped');
    const run = await SyncRun.start(ctx.db, 'jira', key);
    await run.finish('skipped', totals(), 'locked by another sync');
    return { ...base, status: 'skipped' };
  }
  return { ...base, ...locked.result };
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
  const skip = (bad: BadRecord[]) => {
    for (const b of bad) counters.quality.skip(b.id, b.cause);
  };

  counters.rows += await syncSprints(ctx, cursor, full, skip, log);
  await writeSyncState(db, 'jira', key, { watermark: state.watermark, cursor });

  const since =
    !full && state.watermark ? state.watermark.getTime() - (options.overlapMs ?? 10 * MINUTE) : null;
  await syncIssues(ctx, site, key, cursor, since, full, state.watermark, skip, counters, progress, log);
  counters.rows += await fetchUnknownSprints(ctx, key, cursor, full, skip, log);
  const latest = await readSyncState<ProjectCursor>(db, 'jira', key);
  await writeSyncState(db, 'jira', key, { watermark: latest.watermark ?? new Date(0), cursor });
}

/** Fields, statuses, the project and its boards (with each board's estimation field). */
async function discover(
  ctx: JiraSyncContext,
  site: Site,
  key: string,
  previous: ProjectCursor | null,
  log: Logger,
  counters: Counters,
): Promise<ProjectCursor> {
  const { api, db } = ctx;
  const fields = await site.fields();
  await site.statuses();
  const project = projectSchema.safeParse(await site.project(key));
  if (!project.success) throw new Error(`Jira project ${key} does not exist or this user cannot browse it`);
  counters.rows += await upsert(db, t.projects, [
    {
      id: project.data.id,
      key: project.data.key,
      name: project.data.name,
      raw: jiraPayload(project.data),
    },
  ]);

  const boards: {
    board: ReturnType<typeof boardSchema.parse>;
    estimation: string | null;
    config: unknown;
  }[] = [];
  for (let startAt = 0; ;) {
    const page = await api.call('boards', (c) =>
      c.agile.board.getAllBoards({ projectKeyOrId: key, startAt, maxResults: 50 }),
    );
    const values = (page.values ?? []) as unknown[];
    const { ok, bad } = parseEach(boardSchema, values, 'board');
    for (const b of bad) counters.quality.skip(b.id, b.cause);
    for (const board of ok) {
      let estimation: string | null = null;
      let config: unknown = null;
      if (board.type === 'scrum' || board.type === 'kanban') {
        config = await api.call('board configuration', (c) =>
          c.agile.board.getConfiguration({ boardId: board.id }),
        );
        const parsed = boardConfigSchema.safeParse(config);
        if (parsed.success && parsed.data.estimation?.type === 'field')
          estimation = parsed.data.estimation.field?.fieldId ?? null;
      }
      boards.push({ board, estimation, config });
    }
    startAt += values.length;
    if (page.isLast !== false || values.length === 0) break;
  }
  counters.rows += await upsert(
    db,
    t.boards,
    boards.map(({ board, estimation, config }) => ({
      id: board.id,
      name: board.name,
      type: board.type,
      project_key: board.location?.projectKey ?? key,
      project_id:
        board.location?.projectId !== undefined ? String(board.location.projectId) : project.data.id,
      estimation_field_id: estimation,
      raw: jiraPayload({ board, configuration: config }),
    })),
  );

  // The board's estimation field is what the team estimates in; the site's fields are the fallback.
  const known = new Set(fields.list.map((f) => f.id));
  const estimation = boards.map((b) => b.estimation).find((e) => e !== null && known.has(e)) ?? null;
  const chosen: ProjectFields = {
    sprint: fields.ids.sprint,
    points: estimation ?? fields.ids.points[0] ?? null,
    flagged: fields.ids.flagged,
    epicLink: fields.ids.epicLink,
  };
  const fieldNames: Record<string, string> = {};
  for (const f of fields.list)
    if (Object.values(chosen).includes(f.id)) fieldNames[f.name.toLowerCase()] = f.id;
  if (!chosen.sprint) log.warn('no Sprint field (gh-sprint) on this site: sprint history will be empty');
  if (!chosen.points) log.warn('no story-point field found: points will be empty');
  const before = new Map((previous?.boards ?? []).map((b) => [b.id, b]));
  return {
    mode: api.dataCenter ? 'datacenter' : 'cloud',
    discoveredAt: new Date().toISOString(),
    projectId: project.data.id,
    fields: chosen,
    fieldNames,
    boards: boards.map(({ board }) => ({
      id: board.id,
      type: board.type,
      closed: before.get(board.id)?.closed ?? 0,
      lastClosedId: before.get(board.id)?.lastClosedId ?? null,
    })),
    missingSprints: previous?.missingSprints ?? [],
  };
}

/**
 * Each scrum board's sprints. Jira lists closed sprints first (in the order they closed),
 * then active, then future ones; a re-sync starts at the last closed sprint it knew, so one
 * request sees what closed since, what is running and what is planned. If that sprint is
 * not where it was (one deleted, reordered), the list is read whole.
 */
async function syncSprints(
  ctx: JiraSyncContext,
  cursor: ProjectCursor,
  full: boolean,
  skip: (bad: BadRecord[]) => void,
  log: Logger,
): Promise<number> {
  let written = 0;
  for (const b of cursor.boards.filter((x) => x.type === 'scrum')) {
    const resume = !full && b.lastClosedId !== null && b.closed > 0;
    let startAt = resume ? b.closed - 1 : 0;
    let check = resume;
    let closed = startAt;
    let lastClosed: number | null = null;
    const rows: ReturnType<typeof mapSprint>[] = [];
    for (;;) {
      const page = await ctx.api.call('sprints', (c) =>
        c.agile.board.getAllSprints({ boardId: b.id, startAt, maxResults: 50 }),
      );
      const values = (page.values ?? []) as unknown as { id?: unknown; state?: unknown }[];
      if (check) {
        check = false;
        if (values[0]?.id !== b.lastClosedId || values[0]?.state !== 'closed') {
          log.info({ board: b.id }, 'the board’s sprint list changed order; reading it whole');
          startAt = 0;
          closed = 0;
          continue;
        }
      }
      for (const v of values)
        if (v.state === 'closed' && typeof v.id === 'number') {
          closed += 1;
          lastClosed = v.id;
        }
      const { ok, bad } = parseEach(sprintSchema, values, 'sprint');
      skip(bad);
      rows.push(...ok.map(mapSprint));
      startAt += values.length;
      if (page.isLast !== false || values.length === 0) break;
    }
    written += await upsert(ctx.db, t.sprints, rows);
    b.closed = closed;
    if (lastClosed !== null) b.lastClosedId = lastClosed;
    else if (closed === 0) b.lastClosedId = null;
  }
  return written;
}

interface Pending {
  id: string;
  key: string;
  mapped: MappedIssue;
  /** Data Center embeds the whole changelog in the search answer. */
  histories?: JiraHistory[];
}

/**
 * Issues updated since the watermark (minus the overlap), oldest change first, in
 * batches of up to 1,000 (one bulk changelog request). Each transaction writes a part
 * of a batch in order — the issues, the full histories of those that changed, and the
 * watermark they vouch for — so a crash loses at most what was in flight, which the
 * next run reads again.
 */
async function syncIssues(
  ctx: JiraSyncContext,
  site: Site,
  key: string,
  cursor: ProjectCursor,
  since: number | null,
  full: boolean,
  watermark: Date | null,
  skip: (bad: BadRecord[]) => void,
  counters: Counters,
  progress: (issues: number) => void,
  log: Logger,
): Promise<void> {
  const { api, db } = ctx;
  const f = cursor.fields;
  const fields = [...BASE_FIELDS, f.sprint, f.points, f.flagged, f.epicLink].filter((x): x is string => !!x);
  const tracked = [...new Set(['status', f.sprint, f.points, f.flagged].filter((x): x is string => !!x))];
  const from = since === null ? null : Math.floor(since / MINUTE) * MINUTE;
  // An epoch-milliseconds number is read as UTC whatever the API user's time zone is.
  const jql = `project = "${key}"${from === null ? '' : ` AND updated >= ${from}`} ORDER BY updated ASC, key ASC`;
  const resolve = kindResolver(f, new Map(Object.entries(cursor.fieldNames)));
  const knownStatuses = new Set(
    (await db.query<{ id: string }>('SELECT id FROM source.jira_statuses')).rows.map((r) => r.id),
  );
  let mark = watermark?.getTime() ?? 0;
  let pending: Pending[] = [];

  // Each record is reduced to its rows as it arrives, so a page's JSON is let go at once.
  const accept = (raw: unknown[]) => {
    for (const item of raw) {
      const { ok, bad } = parseEach(issueSchema, [item], 'issue');
      skip(bad);
      const issue = ok[0];
      if (!issue) continue;
      try {
        const mapped = mapIssue(issue, f, (field, why) => counters.quality.degrade(issue.key, field, why));
        let histories: JiraHistory[] | undefined;
        if (api.dataCenter) {
          const embedded = (item as { changelog?: { histories?: unknown[] } }).changelog?.histories ?? [];
          histories = parseHistories(embedded, issue.key, skip, counters.quality);
        }
        pending.push({ id: issue.id, key: issue.key, mapped, histories });
      } catch (err) {
        skip([{ id: issue.key, cause: `issue: ${errorMessage(err)}` }]);
      }
    }
  };

  // What a batch needs before it is written: which issues changed, and their histories.
  const prepare = async (batch: Pending[]) => {
    for (const p of batch)
      if (!knownStatuses.has(p.mapped.issue.status_id) && !site.refreshed())
        for (const id of await site.statuses()) knownStatuses.add(id);
    const stored = new Map(
      (
        await db.query<{ id: string; updated_at: Date }>(
          'SELECT id, updated_at FROM source.jira_issues WHERE id = ANY($1::text[])',
          [batch.map((p) => p.id)],
        )
      ).rows.map((r) => [r.id, r.updated_at.getTime()]),
    );
    // An issue whose `updated` has not moved has the history already stored.
    const changed = batch.filter((p) => full || stored.get(p.id) !== Date.parse(p.mapped.issue.updated_at));
    const histories = api.dataCenter
      ? new Map(changed.map((p) => [p.id, p.histories ?? []]))
      : await bulkChangelogs(ctx, changed, tracked, skip, counters.quality);
    return { batch, stored, histories, isChanged: new Set(changed.map((p) => p.id)) };
  };

  const write = async ({ batch, stored, histories, isChanged }: Awaited<ReturnType<typeof prepare>>) => {
    // Written a quarter at a time: each piece's rows are built just before they go, so
    // the memory in use stays a fraction of what the batch's histories would take.
    for (let i = 0; i < batch.length; i += WRITE) {
      const part = batch.slice(i, i + WRITE);
      const users: UserRow[] = part.flatMap((p) => p.mapped.users);
      const changes: ChangeRow[] = [];
      const periods: Periods = { status: [], memberships: [], points: [], flags: [] };
      for (const p of part) {
        if (!isChanged.has(p.id)) continue;
        const mapped = mapChangelog(p.id, histories.get(p.id) ?? [], resolve);
        histories.delete(p.id);
        counters.changes += new Set(mapped.changes.map((c) => c.history_id)).size;
        changes.push(...mapped.changes);
        users.push(...mapped.users);
        const d = derivePeriods(
          { id: p.id, createdAt: p.mapped.issue.created_at },
          p.mapped.current,
          mapped.changes,
        );
        periods.status.push(...d.status);
        periods.memberships.push(...d.memberships);
        periods.points.push(...d.points);
        periods.flags.push(...d.flags);
      }
      const replaced = part.map((p) => p.id).filter((id) => isChanged.has(id) && stored.has(id));
      for (const p of part) mark = Math.max(mark, Date.parse(p.mapped.issue.updated_at));
      counters.rows += await db.tx(async (c) => {
        let n = await upsert(c, t.users, users);
        n += await upsert(
          c,
          t.issues,
          part.map((p) => p.mapped.issue),
        );
        n += await pruneRows(c, t.changelog, 'issue_id', replaced, changes);
        n += await pruneRows(c, t.statusPeriods, 'issue_id', replaced, periods.status);
        n += await pruneRows(c, t.memberships, 'issue_id', replaced, periods.memberships);
        n += await pruneRows(c, t.pointEstimates, 'issue_id', replaced, periods.points);
        n += await pruneRows(c, t.flagPeriods, 'issue_id', replaced, periods.flags);
        n += await upsert(c, t.changelog, changes, 5000);
        n += await upsert(c, t.statusPeriods, periods.status, 5000);
        n += await upsert(c, t.memberships, periods.memberships, 5000);
        n += await upsert(c, t.pointEstimates, periods.points, 5000);
        n += await upsert(c, t.flagPeriods, periods.flags, 5000);
        // The watermark moves with the rows it vouches for, never ahead of them.
        await writeSyncState(c, 'jira', key, { watermark: new Date(mark), cursor });
        return n;
      });
      counters.issues += part.length;
      progress(counters.issues);
    }
  };

  // Batches are written in order, one at a time; the next batch's changelogs are fetched
  // while the one before is written, when the sync has room for another batch.
  let writing: Promise<void> = Promise.resolve();
  const flush = async (all: boolean) => {
    while (pending.length >= BATCH || (all && pending.length > 0)) {
      const batch = pending.slice(0, BATCH);
      pending = pending.slice(batch.length);
      const release = await site.batchRoom.take();
      let prepared: Awaited<ReturnType<typeof prepare>>;
      try {
        prepared = await prepare(batch);
        await writing;
      } catch (err) {
        release();
        throw err;
      }
      writing = write(prepared).finally(release);
      // Settled here so that a failure waits for the next await instead of going unheard.
      writing.catch(() => {});
    }
    if (all) await writing;
  };

  type Page = { raw: unknown[]; next: (() => Promise<Page>) | null };
  const dataCenterPage = async (startAt: number): Promise<Page> => {
    const page = await api.call('search', (c) =>
      c.v2.issueSearch.searchForIssuesUsingJqlPost({
        jql,
        startAt,
        maxResults: 1000,
        fields,
        expand: ['changelog'],
      }),
    );
    const raw = (page.issues ?? []) as unknown[];
    const after = startAt + raw.length;
    return { raw, next: raw.length === 0 || after >= (page.total ?? 0) ? null : () => dataCenterPage(after) };
  };
  const cloudPage = async (token?: string): Promise<Page> => {
    const page = await api.call('search', (c) =>
      c.v3.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({
        jql,
        fields,
        maxResults: 1000,
        ...(token ? { nextPageToken: token } : {}),
      }),
    );
    const next = page.nextPageToken ?? undefined;
    const last = !next || (page as { isLast?: boolean }).isLast === true;
    return { raw: (page.issues ?? []) as unknown[], next: last ? null : () => cloudPage(next) };
  };

  try {
    let page = await (api.dataCenter ? dataCenterPage(0) : cloudPage());
    for (;;) {
      accept(page.raw);
      // The next page is read while this batch is written.
      const next = page.next?.() ?? null;
      next?.catch(() => {});
      await flush(false);
      if (!next) break;
      page = await next;
    }
    await flush(true);
  } finally {
    // A failed read does not leave a write running past the end of the sync (and its lock).
    await writing.catch(() => {});
  }
  if (counters.issues === 0) log.debug('no issue changed since the last sync');
}

/**
 * An issue's change histories: one that cannot be read is skipped, and one whose author is
 * missing or unusable (Jira automation, a deleted user) keeps its changes, author unknown.
 */
function parseHistories(
  raw: unknown[],
  issueKey: string,
  skip: (bad: BadRecord[]) => void,
  quality: RecordQuality,
): JiraHistory[] {
  const { ok, bad } = parseEach(historySchema, raw, 'changelog entry');
  skip(bad.map((b) => ({ id: `${issueKey} ${b.id}`, cause: b.cause })));
  for (const h of ok)
    if (h.authorDropped)
      quality.degrade(`${issueKey} changelog ${h.id}`, 'changelog author', h.authorDropped);
  return ok;
}

/** The full tracked history of each issue, in as few bulkfetch requests as Jira allows. */
async function bulkChangelogs(
  ctx: JiraSyncContext,
  issues: Pending[],
  fieldIds: string[],
  skip: (bad: BadRecord[]) => void,
  quality: RecordQuality,
): Promise<Map<string, JiraHistory[]>> {
  const out = new Map<string, JiraHistory[]>();
  const keys = new Map(issues.map((p) => [p.id, p.key]));
  for (let i = 0; i < issues.length; i += BATCH) {
    const chunk = issues.slice(i, i + BATCH).map((p) => p.id);
    let token: string | undefined;
    do {
      const r = await ctx.api.call('changelogs', (c) =>
        c.v3.issues.getBulkChangelogs({
          issueIdsOrKeys: chunk,
          fieldIds,
          maxResults: 10_000,
          ...(token ? { nextPageToken: token } : {}),
        }),
      );
      for (const log of r.issueChangeLogs ?? []) {
        if (!log.issueId) continue;
        const ok = parseHistories(
          (log.changeHistories ?? []) as unknown[],
          keys.get(log.issueId) ?? log.issueId,
          skip,
          quality,
        );
        let list = out.get(log.issueId);
        if (!list) out.set(log.issueId, (list = []));
        list.push(...ok);
      }
      token = r.nextPageToken ?? undefined;
    } while (token);
  }
  return out;
}

/**
 * Sprints the project's issues have been in that no board listed: sprints of other
 * projects' boards, or sprints a malformed list entry hid. Each is read once.
 */
async function fetchUnknownSprints(
  ctx: JiraSyncContext,
  key: string,
  cursor: ProjectCursor,
  full: boolean,
  skip: (bad: BadRecord[]) => void,
  log: Logger,
): Promise<number> {
  const missing = new Set(full ? [] : cursor.missingSprints);
  const { rows } = await ctx.db.query<{ sprint_id: string }>(
    `SELECT DISTINCT m.sprint_id FROM source.jira_sprint_memberships m
       JOIN source.jira_issues i ON i.id = m.issue_id
      WHERE i.project_key = $1
        AND NOT EXISTS (SELECT 1 FROM source.jira_sprints s WHERE s.id = m.sprint_id)`,
    [key],
  );
  let written = 0;
  for (const { sprint_id } of rows) {
    const id = Number(sprint_id);
    if (missing.has(id)) continue;
    try {
      const raw = await ctx.api.call('sprint', (c) => c.agile.sprint.getSprint({ sprintId: id }));
      const { ok, bad } = parseEach(sprintSchema, [raw], 'sprint');
      skip(bad);
      written += await upsert(ctx.db, t.sprints, ok.map(mapSprint));
      if (ok.length === 0) missing.add(id);
    } catch (err) {
      if (!/ 404 /.test(errorMessage(err))) throw err;
      log.warn({ sprint: id }, 'an issue names a sprint Jira does not show; its dates stay unknown');
      missing.add(id);
    }
  }
  cursor.missingSprints = [...missing];
  return written;
}
