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
 * Refreshes every materialized view so that Grafana keeps reading the previous contents
 * until the new ones are ready: a view with rows is refreshed CONCURRENTLY (readers are
 * not blocked), one never populated or still empty (nothing to keep serving) with a plain
 * refresh, which is much cheaper. Each view is vacuumed after, for fresh statistics and a
 * visibility map (dashboards read covering indexes without visiting the table).
 */
export async function refreshMetrics(
  db: Database,
  options: RefreshOptions = {},
): Promise<{ timings: RefreshTiming[]; totalMs: number }> {
  const run = await SyncRun.start(db, 'metrics', 'refresh');
  const started = Date.now();
  const timings: RefreshTiming[] = [];
  try {
    const needs = await materializedViewGraph(db);
    const connections = db.embedded ? 1 : Math.max(1, Math.floor(options.connections ?? 2));
    await refreshAll(db, needs, connections, timings);
    const totalMs = Date.now() - started;
    await run.finish('succeeded', totalsOf(timings));
    return { timings, totalMs };
  } catch (err) {
    await run.finish('failed', totalsOf(timings), String(err));
    throw err;
  }
}

/** A refresh's run record: no API, no rows of its own; the time each view took. */
const totalsOf = (timings: RefreshTiming[]) => ({
  rowsWritten: 0,
  apiRequests: 0,
  apiPoints: 0,
  rateLimitRemaining: null,
  recordsSkipped: 0,
  details: { timings },
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
 * Runs the refreshes on up to `connections` connections. A view starts once every view
 * it reads is done; among the ready ones, the one with the longest chain of views waiting
 * on it goes first.
 */
async function refreshAll(
  db: Database,
  needs: Map<string, Set<string>>,
  connections: number,
  timings: RefreshTiming[],
): Promise<void> {
  const chain = chainLengths(needs);
  const pending = new Set(needs.keys());
  const done = new Set<string>();
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

  const workers = Math.min(connections, Math.max(1, needs.size));
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
