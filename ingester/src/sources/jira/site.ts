import { parseEach } from '../quality.js';
import { upsert } from '../../store/upsert.js';
import {
  discoverFields,
  fieldSchema,
  mapStatus,
  statusSchema,
  type FieldIds,
  type JiraField,
} from './map.js';
import type { JiraSyncContext } from './project-state.js';
import * as t from './tables.js';

/**
 * Batches whose histories are held at once, for the whole sync: one being written and
 * one fetched ahead. More projects side by side overlap their searches (the latency)
 * but not their histories (the memory).
 */
const BATCHES_IN_MEMORY = 2;

/** What one run learns about the whole site once, for all its projects. */
export class Site {
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

export async function listProjects(ctx: JiraSyncContext): Promise<string[]> {
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
