import type { Client, Database } from '../db/database.js';
import { SyncRun } from '../store/runs.js';

/**
 * Materialized views in schema `metrics`, each with the ones it reads (found from the
 * catalog, so a new view needs no list to be kept).
 */
export async function materializedViewGraph(db: Database): Promise<Map<string, Set<string>>> {
  const { rows } = await db.query<{ name: string; needs: string[] }>(`
    WITH RECURSIVE
    mv AS (
      SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'metrics' AND c.relkind = 'm'),
    edges AS (
      SELECT DISTINCT r.ev_class AS dependent, d.refobjid AS dependency
        FROM pg_rewrite r
        JOIN pg_depend d ON d.objid = r.oid AND d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
       WHERE d.refobjid <> r.ev_class),
    reach(mv, dep) AS (
      SELECT e.dependent, e.dependency FROM edges e WHERE e.dependent IN (SELECT oid FROM mv)
      UNION
      SELECT r.mv, e.dependency FROM reach r JOIN edges e ON e.dependent = r.dep)
    SELECT mv.relname::text AS name, coalesce(array_agg(DISTINCT d.relname::text) FILTER (WHERE d.oid IS NOT NULL), '{}') AS needs
      FROM mv
      LEFT JOIN reach ON reach.mv = mv.oid
      LEFT JOIN mv d ON d.oid = reach.dep AND d.oid <> mv.oid
     GROUP BY mv.relname`);
  return new Map(rows.map((r) => [r.name, new Set(r.needs)]));
}

export interface RefreshTiming {
  view: string;
  ms: number;
}

export interface RefreshOptions {
  /**
   * How many views are refreshed side by side, each on a connection of its own, as soon
   * as the views they read are done. The embedded database has a single session, so it
   * always refreshes one at a time.
   */
  connections?: number;
  /**
   * Refresh every view, whatever changed (`engmetrics refresh --full`). Otherwise a view is
   * refreshed only when something it reads changed since its last refresh (viewsToRefresh).
   */
  full?: boolean;
}

/** What a view reads, down to the tables: source tables by their writes, settings by contents. */
export interface ViewInputs {
  /** Tables of schema source it reads (through any views). */
  sources: Set<string>;
  /** Tables of schema metrics it reads: the settings, rewritten whole on every apply. */
  settings: Set<string>;
  /**
   * It calls a function whose body the catalog does not follow (not SQL-standard, not
   * immutable), so what it reads is not known: any change at all makes it stale.
   */
  opaque: boolean;
}

/** Each materialized view of `metrics` with the tables it reads, from the catalog. */
export async function materializedViewInputs(db: Database): Promise<Map<string, ViewInputs>> {
  const { rows } = await db.query<{ name: string; sources: string[]; settings: string[]; opaque: boolean }>(`
    WITH RECURSIVE
    mv AS (
      SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'metrics' AND c.relkind = 'm'),
    edges AS (
      -- A view or materialized view reads relations and calls functions (its rewrite rule's
      -- dependencies); a SQL-standard function body reads relations too.
      SELECT 'pg_class'::regclass AS cls, r.ev_class AS obj, d.refclassid AS ref_cls, d.refobjid AS ref
        FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
       WHERE d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass) AND d.refobjid <> r.ev_class
      UNION
      SELECT 'pg_proc'::regclass, d.objid, d.refclassid, d.refobjid
        FROM pg_depend d
       WHERE d.classid = 'pg_proc'::regclass AND d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass)
         AND d.deptype = 'n'),
    reach(mv, cls, obj) AS (
      SELECT oid, 'pg_class'::regclass, oid FROM mv
      UNION
      SELECT r.mv, e.ref_cls, e.ref FROM reach r JOIN edges e ON e.cls = r.cls AND e.obj = r.obj)
    SELECT mv.relname::text AS name,
           coalesce(array_agg(DISTINCT t.relname::text) FILTER (WHERE tn.nspname = 'source'), '{}') AS sources,
           coalesce(array_agg(DISTINCT t.relname::text) FILTER (WHERE tn.nspname = 'metrics'), '{}') AS settings,
           coalesce(bool_or(p.prosqlbody IS NULL AND p.provolatile <> 'i' AND pn.nspname <> 'pg_catalog'), false) AS opaque
      FROM mv
      JOIN reach ON reach.mv = mv.oid
      LEFT JOIN pg_class t ON reach.cls = 'pg_class'::regclass AND t.oid = reach.obj AND t.relkind IN ('r', 'p')
      LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
      LEFT JOIN pg_proc p ON reach.cls = 'pg_proc'::regclass AND p.oid = reach.obj
      LEFT JOIN pg_namespace pn ON pn.oid = p.pronamespace
     GROUP BY mv.relname`);
  return new Map(
    rows.map((r) => [
      r.name,
      { sources: new Set(r.sources), settings: new Set(r.settings), opaque: r.opaque },
    ]),
  );
}

/** Why a view is refreshed, for the run's record: the first reason that holds. */
export type RefreshReason = 'full' | 'first' | 'sources' | 'settings' | 'reads a refreshed view' | 'opaque';

/** The decision for one refresh: the snapshot the changes were read with, and each stale view. */
interface RefreshPlan {
  snapshot: string;
  stale: Map<string, RefreshReason>;
  digests: Map<string, string>;
  /** Source tables written since the oldest view state (for the record). */
  changedTables: string[];
}

/**
 * Which views must be refreshed. A view is stale when it was never refreshed under this
 * scheme, when a source table it reads was written since its last refresh (ops.source_changes,
 * recorded by each writing statement's trigger, read against the snapshot that refresh took),
 * when a settings table it reads holds other contents, or when a view it reads is refreshed.
 * Every other view holds exactly what a refresh would give it, so it is left alone.
 */
async function planRefresh(
  db: Database,
  needs: Map<string, Set<string>>,
  inputs: Map<string, ViewInputs>,
  full: boolean,
): Promise<RefreshPlan> {
  const settingsTables = [...new Set([...inputs.values()].flatMap((i) => [...i.settings]))].sort();
  // One statement: the snapshot and the changes it sees agree.
  const { rows } = await db.query<{
    snapshot: string;
    states: { view: string; digest: string; tables: string[] | null; future: boolean }[] | null;
    tables: Record<string, string> | null;
  }>(
    `WITH now AS (SELECT pg_current_snapshot() AS snap)
     SELECT now.snap::text AS snapshot,
            (SELECT json_agg(json_build_object(
                      'view', s.view, 'digest', s.settings_digest,
                      'future', pg_snapshot_xmax(s.snapshot) > pg_snapshot_xmax(now.snap),
                      'tables', (SELECT array_agg(DISTINCT c.table_name) FROM ops.source_changes c
                                  WHERE NOT pg_visible_in_snapshot(c.tx, s.snapshot))))
               FROM ops.metric_view_state s) AS states,
            (SELECT json_object_agg(t.name, t.digest) FROM (${
              settingsTables.length
                ? settingsTables
                    .map(
                      (t) =>
                        `SELECT '${t}' AS name, coalesce(md5(string_agg(x::text, E'\n' ORDER BY x::text)), '') AS digest FROM metrics.${t} x`,
                    )
                    .join(' UNION ALL ')
                : `SELECT NULL::text AS name, NULL::text AS digest WHERE false`
            }) t) AS tables
       FROM now`,
  );
  const { snapshot, states, tables } = rows[0]!;
  const tableDigests = new Map(Object.entries(tables ?? {}));
  const byView = new Map((states ?? []).map((s) => [s.view, s]));
  const digests = new Map<string, string>();
  for (const [view, input] of inputs)
    digests.set(
      view,
      [...input.settings]
        .sort()
        .map((t) => `${t}:${tableDigests.get(t) ?? ''}`)
        .join(';'),
    );

  const stale = new Map<string, RefreshReason>();
  const order = [...chainLengths(needs).entries()].sort((a, b) => b[1] - a[1]).map(([v]) => v);
  for (const view of order) {
    const state = byView.get(view);
    const input = inputs.get(view)!;
    const written = new Set(state?.tables ?? []);
    const reason: RefreshReason | null = full
      ? 'full'
      : !state || state.future
        ? 'first'
        : [...input.sources].some((t) => written.has(t))
          ? 'sources'
          : state.digest !== digests.get(view)
            ? 'settings'
            : [...needs.get(view)!].some((v) => stale.has(v))
              ? 'reads a refreshed view'
              : input.opaque && written.size > 0
                ? 'opaque'
                : null;
    if (reason) stale.set(view, reason);
  }
  const changedTables = [...new Set((states ?? []).flatMap((s) => s.tables ?? []))].sort();
  return { snapshot, stale, digests, changedTables };
}

/**
 * Session settings of a refreshing connection (server only): the views aggregate and join
 * a million rows at a time, which the default 4 MB of work_mem sends to disk, and a plain
 * refresh rebuilds their indexes (maintenance_work_mem).
 */
const SESSION_SETTINGS: [string, string][] = [
  ['work_mem', '1GB'],
  ['maintenance_work_mem', '512MB'],
  // The views are refreshed side by side already; a parallel plan would rebuild each
  // hash table in every worker.
  ['max_parallel_workers_per_gather', '0'],
];

/**
 * Refreshes the materialized views that something they read has changed since (planRefresh),
 * so that Grafana keeps reading the previous contents until the new ones are ready: a view
 * with rows is refreshed CONCURRENTLY (readers are not blocked), one never populated or still
 * empty (nothing to keep serving) with a plain refresh, which is much cheaper. Each view is
 * vacuumed after, for fresh statistics and a visibility map (dashboards read covering indexes
 * without visiting the table). Each view's state records the snapshot its changes were read
 * with; the changes every view has taken in are then deleted.
 */
export async function refreshMetrics(
  db: Database,
  options: RefreshOptions = {},
): Promise<{
  timings: RefreshTiming[];
  totalMs: number;
  /** The views left alone: nothing they read was written. */
  skipped: string[];
  /** Why each refreshed view was refreshed. */
  reasons: Map<string, RefreshReason>;
}> {
  const run = await SyncRun.start(db, 'metrics', 'refresh');
  const started = Date.now();
  const timings: RefreshTiming[] = [];
  let plan: RefreshPlan | null = null;
  try {
    const needs = await materializedViewGraph(db);
    const inputs = await materializedViewInputs(db);
    plan = await planRefresh(db, needs, inputs, options.full === true);
    const connections = db.embedded ? 1 : Math.max(1, Math.floor(options.connections ?? 2));
    const { stale, snapshot, digests } = plan;
    const stateOf = (
      view: string,
      on: { query: (sql: string, params: unknown[]) => Promise<unknown> } = db,
    ) =>
      on.query(
        `INSERT INTO ops.metric_view_state (view, snapshot, settings_digest, refreshed_at)
         VALUES ($1, $2::pg_snapshot, $3, clock_timestamp())
         ON CONFLICT (view) DO UPDATE SET snapshot = excluded.snapshot, settings_digest = excluded.settings_digest,
                                          refreshed_at = CASE WHEN $4 THEN excluded.refreshed_at ELSE ops.metric_view_state.refreshed_at END`,
        [view, snapshot, digests.get(view) ?? '', stale.has(view)],
      );
    // A view left alone holds what a refresh would give it now: its state moves on at once.
    for (const view of needs.keys()) if (!stale.has(view)) await stateOf(view);
    await refreshAll(db, needs, stale, connections, timings, stateOf);
    await db.query(
      `DELETE FROM ops.source_changes c
        WHERE NOT EXISTS (SELECT 1 FROM ops.metric_view_state s WHERE NOT pg_visible_in_snapshot(c.tx, s.snapshot))`,
    );
    const totalMs = Date.now() - started;
    await run.finish('succeeded', totalsOf(timings, plan));
    return {
      timings,
      totalMs,
      skipped: [...needs.keys()].filter((v) => !stale.has(v)).sort(),
      reasons: stale,
    };
  } catch (err) {
    await run.finish('failed', totalsOf(timings, plan), String(err));
    throw err;
  }
}

/** A refresh's run record: no API, no rows of its own; the views it refreshed, why, and how long each took. */
const totalsOf = (timings: RefreshTiming[], plan: RefreshPlan | null) => ({
  rowsWritten: 0,
  apiRequests: 0,
  apiPoints: 0,
  rateLimitRemaining: null,
  recordsSkipped: 0,
  details: {
    timings,
    reasons: plan ? Object.fromEntries(plan.stale) : {},
    changedTables: plan?.changedTables ?? [],
  },
});

/** How long a chain of views waits on each view (itself included): the longest goes first. */
function chainLengths(needs: Map<string, Set<string>>): Map<string, number> {
  const chain = new Map<string, number>();
  const chainOf = (view: string, seen: Set<string>): number => {
    const known = chain.get(view);
    if (known !== undefined) return known;
    if (seen.has(view))
      throw new Error(`materialized views depend on each other in a cycle: ${[...seen].join(', ')}`);
    seen.add(view);
    let longest = 0;
    for (const [other, otherNeeds] of needs)
      if (otherNeeds.has(view)) longest = Math.max(longest, chainOf(other, seen));
    seen.delete(view);
    chain.set(view, longest + 1);
    return longest + 1;
  };
  for (const view of needs.keys()) chainOf(view, new Set());
  return chain;
}

/**
 * Runs the refreshes of the stale views on up to `connections` connections. A view starts
 * once every view it reads is done; among the ready ones, the one with the longest chain of views waiting
 * on it goes first.
 */
async function refreshAll(
  db: Database,
  needs: Map<string, Set<string>>,
  stale: Map<string, RefreshReason>,
  connections: number,
  timings: RefreshTiming[],
  recordState: (view: string, on: Client) => Promise<unknown>,
): Promise<void> {
  const chain = chainLengths(needs);
  const pending = new Set(stale.keys());
  // Views left alone count as done: the stale ones reading them may start at once.
  const done = new Set([...needs.keys()].filter((v) => !stale.has(v)));
  let failure: unknown = null;
  let wake: () => void = () => {};

  const next = (): string | undefined => {
    const ready = [...pending]
      .filter((v) => [...needs.get(v)!].every((d) => done.has(d)))
      .sort((a, b) => chain.get(b)! - chain.get(a)! || (a < b ? -1 : 1));
    return ready[0];
  };

  const worker = async (): Promise<void> => {
    const client = await db.pool.connect();
    let broken = false;
    try {
      if (!db.embedded)
        for (const [name, value] of SESSION_SETTINGS) await client.query(`SET ${name} = '${value}'`);
      for (;;) {
        if (failure !== null) return;
        const view = next();
        if (view === undefined) {
          if (pending.size === 0) return;
          // Wait for a running view to finish (it may make others ready).
          await new Promise<void>((resolve) => {
            const previous = wake;
            wake = () => {
              previous();
              resolve();
            };
          });
          continue;
        }
        pending.delete(view);
        const t0 = Date.now();
        try {
          await refreshOne(client, view);
          await recordState(view, client);
          timings.push({ view, ms: Date.now() - t0 });
          done.add(view);
        } catch (err) {
          failure ??= err;
          broken = true;
        } finally {
          const w = wake;
          wake = () => {};
          w();
        }
      }
    } finally {
      if (!db.embedded && !broken)
        await client.query(SESSION_SETTINGS.map(([name]) => `RESET ${name}`).join('; ')).catch(() => {
          broken = true;
        });
      client.release(broken || undefined);
    }
  };

  const workers = Math.min(connections, Math.max(1, pending.size));
  await Promise.all(Array.from({ length: workers }, () => worker()));
  if (failure !== null) throw failure;
  if (pending.size > 0) throw new Error(`materialized views not refreshed: ${[...pending].join(', ')}`);
}

async function refreshOne(client: Client, view: string): Promise<void> {
  const name = `metrics.${view}`;
  const { rows } = await client.query<{ populated: boolean }>(
    `SELECT relispopulated AS populated FROM pg_class WHERE oid = $1::regclass`,
    [name],
  );
  let concurrently = rows[0]?.populated === true;
  if (concurrently) {
    const { rows: some } = await client.query<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${name}) AS any`,
    );
    concurrently = some[0]?.any === true;
  }
  await client.query(`REFRESH MATERIALIZED VIEW ${concurrently ? 'CONCURRENTLY ' : ''}${name}`);
  await client.query(`VACUUM (ANALYZE) ${name}`);
}
