import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { writeSyncState } from '../../store/runs.js';
import { pruneRows, upsert } from '../../store/upsert.js';
import { parseEach } from '../quality.js';
import { BATCH, bulkChangelogs, parseHistories } from './changelogs.js';
import {
  derivePeriods,
  issueSchema,
  kindResolver,
  mapChangelog,
  mapIssue,
  type ChangeRow,
  type JiraHistory,
  type MappedIssue,
  type Periods,
  type UserRow,
} from './map.js';
import { MINUTE, type Counters, type JiraSyncContext, type ProjectCursor } from './project-state.js';
import type { Site } from './site.js';
import * as t from './tables.js';

/** Issues written per transaction. */
const WRITE = 250;
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

interface Pending {
  id: string;
  key: string;
  mapped: MappedIssue;
  /** Data Center embeds the whole changelog in the search answer. */
  histories?: JiraHistory[];
}

/** A batch ready to write: which of its issues changed, and their histories. */
interface Prepared {
  batch: Pending[];
  stored: Map<string, number>;
  histories: Map<string, JiraHistory[]>;
  isChanged: Set<string>;
}

export interface IssueRange {
  /** Read issues updated since this instant (ms); null reads them all. */
  since: number | null;
  full: boolean;
  watermark: Date | null;
}

/**
 * Issues updated since the watermark (minus the overlap), oldest change first, in
 * batches of up to 1,000 (one bulk changelog request). Each transaction writes a part
 * of a batch in order — the issues, the full histories of those that changed, and the
 * watermark they vouch for — so a crash loses at most what was in flight, which the
 * next run reads again.
 */
export async function syncIssues(
  ctx: JiraSyncContext,
  site: Site,
  key: string,
  cursor: ProjectCursor,
  range: IssueRange,
  counters: Counters,
  progress: (issues: number) => void,
  log: Logger,
): Promise<void> {
  const knownStatuses = new Set(
    (await ctx.db.query<{ id: string }>('SELECT id FROM source.jira_statuses')).rows.map((r) => r.id),
  );
  const sync = new IssueBatches(ctx, site, key, cursor, range, counters, progress, knownStatuses);
  try {
    let page = await firstSearchPage(ctx, sync.jql, sync.fields);
    for (;;) {
      sync.accept(page.raw);
      // The next page is read while this batch is written.
      const next = page.next?.() ?? null;
      next?.catch(() => {});
      await sync.flush(false);
      if (!next) break;
      page = await next;
    }
    await sync.flush(true);
  } finally {
    // A failed read does not leave a write running past the end of the sync (and its lock).
    await sync.settled();
  }
  if (counters.issues === 0) log.debug('no issue changed since the last sync');
}

/**
 * The issues of one project's sync on their way from the search answer to the database.
 * Batches are written in order, one at a time; the next batch's changelogs are fetched while
 * the one before is written, when the sync has room for another batch (Site.batchRoom).
 */
class IssueBatches {
  readonly fields: string[];
  readonly jql: string;
  private readonly tracked: string[];
  private readonly resolve: ReturnType<typeof kindResolver>;
  private mark: number;
  private pending: Pending[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly ctx: JiraSyncContext,
    private readonly site: Site,
    private readonly key: string,
    private readonly cursor: ProjectCursor,
    private readonly range: IssueRange,
    private readonly counters: Counters,
    private readonly progress: (issues: number) => void,
    private readonly knownStatuses: Set<string>,
  ) {
    const f = cursor.fields;
    this.fields = [...BASE_FIELDS, f.sprint, f.points, f.flagged, f.epicLink].filter((x): x is string => !!x);
    this.tracked = [...new Set(['status', f.sprint, f.points, f.flagged].filter((x): x is string => !!x))];
    const from = range.since === null ? null : Math.floor(range.since / MINUTE) * MINUTE;
    // An epoch-milliseconds number is read as UTC whatever the API user's time zone is.
    this.jql = `project = "${key}"${from === null ? '' : ` AND updated >= ${from}`} ORDER BY updated ASC, key ASC`;
    this.resolve = kindResolver(f, new Map(Object.entries(cursor.fieldNames)));
    this.mark = range.watermark?.getTime() ?? 0;
  }

  /** Each record is reduced to its rows as it arrives, so a page's JSON is let go at once. */
  accept(raw: unknown[]): void {
    const quality = this.counters.quality;
    for (const item of raw) {
      const { ok, bad } = parseEach(issueSchema, [item], 'issue');
      quality.skipAll(bad);
      const issue = ok[0];
      if (!issue) continue;
      try {
        const mapped = mapIssue(issue, this.cursor.fields, (field, why) =>
          quality.degrade(issue.key, field, why),
        );
        let histories: JiraHistory[] | undefined;
        if (this.ctx.api.dataCenter) {
          const embedded = (item as { changelog?: { histories?: unknown[] } }).changelog?.histories ?? [];
          histories = parseHistories(embedded, issue.key, quality);
        }
        this.pending.push({ id: issue.id, key: issue.key, mapped, histories });
      } catch (err) {
        quality.skipAll([{ id: issue.key, cause: `issue: ${errorMessage(err)}` }]);
      }
    }
  }

  /** Writes every whole batch held (and, with `all`, the rest), each after the one before. */
  async flush(all: boolean): Promise<void> {
    while (this.pending.length >= BATCH || (all && this.pending.length > 0)) {
      const batch = this.pending.slice(0, BATCH);
      this.pending = this.pending.slice(batch.length);
      const release = await this.site.batchRoom.take();
      let prepared: Prepared;
      try {
        prepared = await this.prepare(batch);
        await this.writing;
      } catch (err) {
        release();
        throw err;
      }
      this.writing = this.write(prepared).finally(release);
      // Settled here so that a failure waits for the next await instead of going unheard.
      this.writing.catch(() => {});
    }
    if (all) await this.writing;
  }

  settled(): Promise<void> {
    return this.writing.catch(() => {});
  }

  /** What a batch needs before it is written: which issues changed, and their histories. */
  private async prepare(batch: Pending[]): Promise<Prepared> {
    for (const p of batch)
      if (!this.knownStatuses.has(p.mapped.issue.status_id) && !this.site.refreshed())
        for (const id of await this.site.statuses()) this.knownStatuses.add(id);
    const { rows } = await this.ctx.db.query<{ id: string; updated_at: Date }>(
      'SELECT id, updated_at FROM source.jira_issues WHERE id = ANY($1::text[])',
      [batch.map((p) => p.id)],
    );
    const stored = new Map(rows.map((r) => [r.id, r.updated_at.getTime()]));
    // An issue whose `updated` has not moved has the history already stored.
    const changed = batch.filter(
      (p) => this.range.full || stored.get(p.id) !== Date.parse(p.mapped.issue.updated_at),
    );
    const histories = this.ctx.api.dataCenter
      ? new Map(changed.map((p) => [p.id, p.histories ?? []]))
      : await bulkChangelogs(this.ctx, changed, this.tracked, this.counters.quality);
    return { batch, stored, histories, isChanged: new Set(changed.map((p) => p.id)) };
  }

  /**
   * Written a quarter at a time: each piece's rows are built just before they go, so the
   * memory in use stays a fraction of what the batch's histories would take.
   */
  private async write(prepared: Prepared): Promise<void> {
    for (let i = 0; i < prepared.batch.length; i += WRITE) {
      const part = prepared.batch.slice(i, i + WRITE);
      const rows = this.rowsOf(part, prepared);
      for (const p of part) this.mark = Math.max(this.mark, Date.parse(p.mapped.issue.updated_at));
      const watermark = new Date(this.mark);
      this.counters.rows += await this.ctx.db.tx(async (c) => {
        let n = await upsert(c, t.users, rows.users);
        n += await upsert(
          c,
          t.issues,
          part.map((p) => p.mapped.issue),
        );
        n += await pruneRows(c, t.changelog, 'issue_id', rows.replaced, rows.changes);
        n += await pruneRows(c, t.statusPeriods, 'issue_id', rows.replaced, rows.periods.status);
        n += await pruneRows(c, t.memberships, 'issue_id', rows.replaced, rows.periods.memberships);
        n += await pruneRows(c, t.pointEstimates, 'issue_id', rows.replaced, rows.periods.points);
        n += await pruneRows(c, t.flagPeriods, 'issue_id', rows.replaced, rows.periods.flags);
        n += await upsert(c, t.changelog, rows.changes, 5000);
        n += await upsert(c, t.statusPeriods, rows.periods.status, 5000);
        n += await upsert(c, t.memberships, rows.periods.memberships, 5000);
        n += await upsert(c, t.pointEstimates, rows.periods.points, 5000);
        n += await upsert(c, t.flagPeriods, rows.periods.flags, 5000);
        // The watermark moves with the rows it vouches for, never ahead of them.
        await writeSyncState(c, 'jira', this.key, { watermark, cursor: this.cursor });
        return n;
      });
      this.counters.issues += part.length;
      this.progress(this.counters.issues);
    }
  }

  /** The rows of a part of a batch: users, and for the issues that changed, histories and periods. */
  private rowsOf(part: Pending[], { stored, histories, isChanged }: Prepared) {
    const users: UserRow[] = part.flatMap((p) => p.mapped.users);
    const changes: ChangeRow[] = [];
    const periods: Periods = { status: [], memberships: [], points: [], flags: [] };
    for (const p of part) {
      if (!isChanged.has(p.id)) continue;
      const mapped = mapChangelog(p.id, histories.get(p.id) ?? [], this.resolve);
      histories.delete(p.id);
      this.counters.changes += new Set(mapped.changes.map((c) => c.history_id)).size;
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
    return { users, changes, periods, replaced };
  }
}

export interface SearchPage {
  raw: unknown[];
  next: (() => Promise<SearchPage>) | null;
}

/**
 * The search's first page; each page knows how to ask for the next (by offset or by token).
 * Data Center's search returns histories inline when asked (`withChangelog`).
 */
export function firstSearchPage(
  ctx: JiraSyncContext,
  jql: string,
  fields: string[],
  withChangelog = true,
): Promise<SearchPage> {
  const { api } = ctx;
  const dataCenterPage = async (startAt: number): Promise<SearchPage> => {
    const page = await api.call('search', (c) =>
      c.v2.issueSearch.searchForIssuesUsingJqlPost({
        jql,
        startAt,
        maxResults: 1000,
        fields,
        ...(withChangelog ? { expand: ['changelog'] } : {}),
      }),
    );
    const raw = (page.issues ?? []) as unknown[];
    const after = startAt + raw.length;
    return { raw, next: raw.length === 0 || after >= (page.total ?? 0) ? null : () => dataCenterPage(after) };
  };
  const cloudPage = async (token?: string): Promise<SearchPage> => {
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
  return api.dataCenter ? dataCenterPage(0) : cloudPage();
}
