import type { Database } from '../db/database.js';
import { SyncRun } from '../store/runs.js';

/**
 * Materialized views in schema `metrics`, each after the ones it reads (found from the
 * catalog, so a new view needs no list to be kept).
 */
export async function materializedViewsInOrder(db: Database): Promise<string[]> {
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
  const needs = new Map(rows.map((r) => [r.name, new Set(r.needs)]));
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < needs.size) {
    const ready = [...needs.keys()]
      .filter((n) => !placed.has(n) && [...needs.get(n)!].every((d) => placed.has(d)))
      .sort();
    if (ready.length === 0)
      throw new Error(
        `materialized views depend on each other in a cycle: ${[...needs.keys()].filter((n) => !placed.has(n)).join(', ')}`,
      );
    for (const n of ready) {
      order.push(n);
      placed.add(n);
    }
  }
  return order;
}

export interface RefreshTiming {
  view: string;
  ms: number;
}

/**
 * Refreshes every materialized view, concurrently where it has data already, so
 * Grafana keeps reading the previous contents until the new ones are ready.
 */
export async function refreshMetrics(db: Database): Promise<{ timings: RefreshTiming[]; totalMs: number }> {
  const run = await SyncRun.start(db, 'metrics', 'refresh');
  const started = Date.now();
  const timings: RefreshTiming[] = [];
  try {
    for (const view of await materializedViewsInOrder(db)) {
      const t0 = Date.now();
      const { rows } = await db.query<{ populated: boolean }>(
        `SELECT relispopulated AS populated FROM pg_class WHERE oid = $1::regclass`,
        [`metrics.${view}`],
      );
      await db.query(`REFRESH MATERIALIZED VIEW ${rows[0]?.populated ? 'CONCURRENTLY ' : ''}metrics.${view}`);
      // Fresh statistics for the next view's plan, and a visibility map so that
      // dashboards read covering indexes without visiting the table.
      await db.query(`VACUUM (ANALYZE) metrics.${view}`);
      timings.push({ view, ms: Date.now() - t0 });
    }
    const totalMs = Date.now() - started;
    await run.finish('succeeded', {
      rowsWritten: 0,
      apiRequests: 0,
      apiPoints: 0,
      rateLimitRemaining: null,
      recordsSkipped: 0,
      details: { timings },
    });
    return { timings, totalMs };
  } catch (err) {
    await run.finish(
      'failed',
      {
        rowsWritten: 0,
        apiRequests: 0,
        apiPoints: 0,
        rateLimitRemaining: null,
        recordsSkipped: 0,
        details: { timings },
      },
      String(err),
    );
    throw err;
  }
}
