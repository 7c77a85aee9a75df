import type { Client, Database, Queryable } from '../db/database.js';
import { SyncRun } from '../store/runs.js';

export interface RefreshTiming {
  view: string;
  ms: number;
  /** A kept table read again in part: how many values of its scope column (absent: every row). */
  scope?: number;
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

/**
 * What the refresh keeps, each found from the catalog (so a new one needs no list kept here):
 * a kept table, a table of `metrics` with a function `<name>_rows(scope_<column> <type>[])`
 * that is its one definition (its rows for the given values of the column, every row for NULL)
 * and a function `<name>_scope(since pg_snapshot, run bigint)` that says, from the changes
 * since that snapshot and the rows other kept tables changed in this run (ops.refresh_diffs),
 * which values of the column a refresh must read again (NULL: all).
 */
export interface Derived {
  /** The kept tables it reads, through any views and functions. */
  needs: Set<string>;
  /** Tables of schema source it reads (through any views and functions). */
  sources: Set<string>;
  /** Tables of schema metrics it reads that the refresh does not keep: the settings. */
  settings: Set<string>;
  /**
   * It calls a function whose body the catalog does not follow (not SQL-standard, not
   * immutable), so what it reads is not known: any change at all makes it stale.
   */
  opaque: boolean;
  /** A kept table's column the scope is given in, and the scope's type (an array of the column's). */
  scopeColumn: string;
  scopeType: string;
}

export async function refreshGraph(db: Database): Promise<Map<string, Derived>> {
  const { rows } = await db.query<{
    name: string;
    scope_column: string;
    scope_type: string;
    needs: string[];
    sources: string[];
    settings: string[];
    opaque: boolean;
  }>(`
    WITH RECURSIVE
    kept AS (
      SELECT c.oid, c.relname, f.oid AS rows_fn, substr(f.proargnames[1], 7) AS scope_column,
             format_type(f.proargtypes[0], NULL) AS scope_type
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'metrics'
        JOIN pg_proc f ON f.pronamespace = n.oid AND f.proname = c.relname || '_rows'
       WHERE c.relkind = 'r'),
    node AS (SELECT k.oid, k.relname, k.scope_column, k.scope_type FROM kept k),
    edges AS (
      -- A view reads what its rewrite rule depends on; a function what a SQL-standard body
      -- depends on; a kept table what its rows function reads.
      SELECT 'pg_class'::regclass AS cls, r.ev_class AS obj, d.refclassid AS ref_cls, d.refobjid AS ref
        FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
       WHERE d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass) AND d.refobjid <> r.ev_class
      UNION
      SELECT 'pg_proc'::regclass, d.objid, d.refclassid, d.refobjid
        FROM pg_depend d
       WHERE d.classid = 'pg_proc'::regclass AND d.refclassid IN ('pg_class'::regclass, 'pg_proc'::regclass)
         AND d.deptype = 'n'
      UNION
      SELECT 'pg_class'::regclass, k.oid, 'pg_proc'::regclass, k.rows_fn FROM kept k),
    reach(node, cls, obj) AS (
      SELECT oid, 'pg_class'::regclass, oid FROM node
      UNION
      SELECT r.node, e.ref_cls, e.ref FROM reach r JOIN edges e ON e.cls = r.cls AND e.obj = r.obj)
    SELECT node.relname::text AS name, node.scope_column, node.scope_type,
           coalesce(array_agg(DISTINCT other.relname::text) FILTER (WHERE other.oid <> node.oid), '{}') AS needs,
           coalesce(array_agg(DISTINCT t.relname::text) FILTER (WHERE tn.nspname = 'source'), '{}') AS sources,
           coalesce(array_agg(DISTINCT t.relname::text)
                      FILTER (WHERE tn.nspname = 'metrics' AND t.oid NOT IN (SELECT oid FROM kept)), '{}') AS settings,
           coalesce(bool_or(p.prosqlbody IS NULL AND p.provolatile <> 'i' AND pn.nspname <> 'pg_catalog'), false) AS opaque
      FROM node
      JOIN reach ON reach.node = node.oid
      LEFT JOIN node other ON reach.cls = 'pg_class'::regclass AND other.oid = reach.obj
      LEFT JOIN pg_class t ON reach.cls = 'pg_class'::regclass AND t.oid = reach.obj AND t.relkind IN ('r', 'p')
      LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
      LEFT JOIN pg_proc p ON reach.cls = 'pg_proc'::regclass AND p.oid = reach.obj
      LEFT JOIN pg_namespace pn ON pn.oid = p.pronamespace
     GROUP BY node.oid, node.relname, node.scope_column, node.scope_type`);
  return new Map(
    rows.map((r) => [
      r.name,
      {
        needs: new Set(r.needs),
        sources: new Set(r.sources),
        settings: new Set(r.settings),
        opaque: r.opaque,
        scopeColumn: r.scope_column,
        scopeType: r.scope_type,
      },
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
  /** The snapshot each one's last refresh read the changes with (a kept table's scope starts there). */
  since: Map<string, string>;
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
async function planRefresh(db: Database, graph: Map<string, Derived>, full: boolean): Promise<RefreshPlan> {
  const settingsTables = [...new Set([...graph.values()].flatMap((i) => [...i.settings]))].sort();
  // One statement: the snapshot and the changes it sees agree.
  const { rows } = await db.query<{
    snapshot: string;
    states:
      { view: string; digest: string; snapshot: string; tables: string[] | null; future: boolean }[] | null;
    tables: Record<string, string> | null;
  }>(
    `WITH now AS (SELECT pg_current_snapshot() AS snap)
     SELECT now.snap::text AS snapshot,
            (SELECT json_agg(json_build_object(
                      'view', s.view, 'digest', s.settings_digest, 'snapshot', s.snapshot::text,
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
  for (const [view, input] of graph)
    digests.set(
      view,
      [...input.settings]
        .sort()
        .map((t) => `${t}:${tableDigests.get(t) ?? ''}`)
        .join(';'),
    );

  const stale = new Map<string, RefreshReason>();
  const order = [...chainLengths(graph).entries()].sort((a, b) => b[1] - a[1]).map(([v]) => v);
  for (const view of order) {
    const state = byView.get(view);
    const input = graph.get(view)!;
    const written = new Set(state?.tables ?? []);
    const reason: RefreshReason | null = full
      ? 'full'
      : !state || state.future
        ? 'first'
        : state.digest !== digests.get(view)
          ? 'settings'
          : input.opaque && written.size > 0
            ? 'opaque'
            : [...input.sources].some((t) => written.has(t))
              ? 'sources'
              : [...input.needs].some((v) => stale.has(v))
                ? 'reads a refreshed view'
                : null;
    if (reason) stale.set(view, reason);
  }
  const changedTables = [...new Set((states ?? []).flatMap((s) => s.tables ?? []))].sort();
  const since = new Map((states ?? []).map((s) => [s.view, s.snapshot]));
  return { snapshot, stale, digests, since, changedTables };
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
  // Nor an index in parallel: its workers sort apart and the leader merges their runs, more
  // work on cores the other connection is using (a first refresh of a million pull requests,
  // in turns: 57–58 s without, 62–71 s with).
  ['max_parallel_maintenance_workers', '0'],
];

/**
 * Refreshes the kept tables something they read has changed since (planRefresh), so that
 * Grafana keeps reading the previous contents until the new ones are ready: each reads again
 * only the rows its scope names and rewrites those that differ, in one transaction (keepTable).
 * Each one's state records the snapshot its changes were read with; the changes every one has
 * taken in are then deleted.
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
  const started = performance.now();
  const timings: RefreshTiming[] = [];
  let plan: RefreshPlan | null = null;
  try {
    const graph = await refreshGraph(db);
    plan = await planRefresh(db, graph, options.full === true);
    const connections = db.embedded ? 1 : Math.max(1, Math.floor(options.connections ?? 2));
    const { stale, snapshot, digests } = plan;
    const stateOf = (view: string, refreshed: boolean, on: Queryable = db) =>
      on.query(
        `INSERT INTO ops.metric_view_state (view, snapshot, settings_digest, refreshed_at)
         VALUES ($1, $2::pg_snapshot, $3, clock_timestamp())
         ON CONFLICT (view) DO UPDATE SET snapshot = excluded.snapshot, settings_digest = excluded.settings_digest,
                                          refreshed_at = CASE WHEN $4 THEN excluded.refreshed_at ELSE ops.metric_view_state.refreshed_at END`,
        [view, snapshot, digests.get(view) ?? '', refreshed],
      );
    // A view left alone holds what a refresh would give it now: its state moves on at once.
    for (const view of graph.keys()) if (!stale.has(view)) await stateOf(view, false);
    const left = await refreshAll(db, graph, plan, run.id, connections, timings, stateOf);
    await db.query(
      `DELETE FROM ops.source_changes c
        WHERE NOT EXISTS (SELECT 1 FROM ops.metric_view_state s WHERE NOT pg_visible_in_snapshot(c.tx, s.snapshot))`,
    );
    await db.query('DELETE FROM ops.refresh_diffs WHERE run <= $1', [run.id]);
    const totalMs = Math.round(performance.now() - started);
    for (const view of left) stale.delete(view);
    await run.finish('succeeded', totalsOf(timings, plan));
    return {
      timings,
      totalMs,
      skipped: [...graph.keys()].filter((v) => !stale.has(v)).sort(),
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
function chainLengths(graph: Map<string, Derived>): Map<string, number> {
  const chain = new Map<string, number>();
  const chainOf = (view: string, seen: Set<string>): number => {
    const known = chain.get(view);
    if (known !== undefined) return known;
    if (seen.has(view))
      throw new Error(`kept tables depend on each other in a cycle: ${[...seen].join(', ')}`);
    seen.add(view);
    let longest = 0;
    for (const [other, node] of graph)
      if (node.needs.has(view)) longest = Math.max(longest, chainOf(other, seen));
    seen.delete(view);
    chain.set(view, longest + 1);
    return longest + 1;
  };
  for (const view of graph.keys()) chainOf(view, new Set());
  return chain;
}

/**
 * Runs the refreshes of the stale views on up to `connections` connections. A view starts
 * once every view it reads is done; among the ready ones, the one with the longest chain of
 * views waiting on it goes first. One stale only because what it reads was refreshed is left
 * alone when none of that changed after all (a kept table whose rows read again came out the
 * same). Returns the views so left alone.
 */
async function refreshAll(
  db: Database,
  graph: Map<string, Derived>,
  plan: RefreshPlan,
  run: number,
  connections: number,
  timings: RefreshTiming[],
  recordState: (view: string, refreshed: boolean, on: Client) => Promise<unknown>,
): Promise<string[]> {
  const { stale } = plan;
  const chain = chainLengths(graph);
  const pending = new Set(stale.keys());
  // Views left alone count as done: the stale ones reading them may start at once.
  const done = new Set([...graph.keys()].filter((v) => !stale.has(v)));
  const changed = new Set<string>();
  const vacuum: string[] = [];
  const left: string[] = [];
  let failure: unknown = null;
  let wake: () => void = () => {};

  const next = (): string | undefined => {
    const ready = [...pending]
      .filter((v) => [...graph.get(v)!.needs].every((d) => done.has(d)))
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
        const t0 = performance.now();
        try {
          const node = graph.get(view)!;
          const reason = stale.get(view)!;
          const upstream = [...node.needs].filter((v) => stale.has(v));
          if (reason === 'reads a refreshed view' && !upstream.some((v) => changed.has(v))) {
            await recordState(view, false, client);
            left.push(view);
          } else {
            // Read again in part from the writes and what the tables it reads changed; in whole
            // when it was never refreshed, a setting it reads changed, or it was asked to.
            const scoped = reason === 'sources' || reason === 'reads a refreshed view';
            const kept = await keepTable(
              client,
              view,
              node,
              run,
              scoped ? plan.since.get(view)! : null,
              db.embedded,
            );
            await recordState(view, true, client);
            timings.push({
              view,
              ms: Math.round(performance.now() - t0),
              ...(kept.scope === null ? {} : { scope: kept.scope }),
            });
            if (kept.changed) changed.add(view);
            if (kept.vacuum) vacuum.push(view);
          }
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
  if (pending.size > 0) throw new Error(`kept tables not refreshed: ${[...pending].join(', ')}`);
  // A page is marked all-visible only when no open transaction may not see its rows. Vacuumed
  // beside another worker's open transaction, a table written just before kept none marked,
  // and its covering indexes were left for sequential scans until autovacuum came (a whole
  // organisation's DORA tiles over two years: 1.5 s against 0.24 s). One after another: run
  // side by side on the refresh's connections, a table vacuumed beside another's vacuum was
  // once left with no page marked.
  for (const view of vacuum) await db.query(`VACUUM metrics.${view}`);
  return left;
}

/** Past this many changed rows, a kept table tells those reading it that everything changed. */
const DIFF_ROWS_KEPT = 50_000;

/**
 * Brings a kept table up to date in one transaction, so readers see the old rows until it
 * commits. Its `_scope` function names, from `since` (its last refresh's snapshot), the values
 * of its scope column to read again (NULL, or no `since`: every row). Those rows are read from
 * its `_rows` function and compared with the rows it holds for the same values; only the rows
 * that differ are deleted and written. Those rows go to ops.refresh_diffs for the kept tables
 * that read this one (past DIFF_ROWS_KEPT, one row with no row: everything). An empty table is
 * filled with nothing to compare. Returns whether anything changed, and the scope's size (null:
 * every row).
 */
async function keepTable(
  client: Client,
  table: string,
  { scopeColumn: column, scopeType: type }: Derived,
  run: number,
  since: string | null,
  embedded: boolean,
): Promise<{ changed: boolean; scope: number | null; vacuum: boolean }> {
  const name = `metrics.${table}`;
  await client.query('BEGIN');
  try {
    // Two refreshes at once (a replica's and `engmetrics refresh`) take turns on each table:
    // the later one compares with what the earlier one wrote, never beside it.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
    let scope: unknown[] | null = null;
    if (since !== null) {
      const { rows } = await client.query<{ scope: unknown[] | null }>(
        `SELECT metrics.${table}_scope($1::pg_snapshot, $2) AS scope`,
        [since, run],
      );
      scope = rows[0]!.scope;
    }
    if (scope !== null && scope.length === 0) {
      await client.query('COMMIT');
      return { changed: false, scope: 0, vacuum: false };
    }
    const { rows: heldRows } = await client.query<{ held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM ${name}) AS held`,
    );
    const held = heldRows[0]!.held;
    const changedRows = held
      ? await rewriteWhatDiffers(client, name, `metrics.${table}_rows($1::${type})`, column, type, scope)
      : await fill(client, name, `metrics.${table}_rows($1::${type})`, column, scope);
    if (changedRows > 0) {
      if (changedRows > DIFF_ROWS_KEPT)
        await client.query(`INSERT INTO ops.refresh_diffs (run, table_name, row) VALUES ($1, $2, NULL)`, [
          run,
          table,
        ]);
      else
        await client.query(
          `INSERT INTO ops.refresh_diffs (run, table_name, row)
           SELECT $1, $2, to_jsonb(d) - 'place' FROM kept_diff d`,
          [run, table],
        );
    }
    await client.query('COMMIT');
    // Most rows written anew (a setting every row reads): indexes grown row by row are half
    // empty, and the planner would rather scan the table than read one; built again in one
    // pass, concurrently, as readers keep reading.
    if (scope === null && held && changedRows > 0 && changedRows > (await rowCount(client, name)) / 2)
      await client.query(`REINDEX TABLE ${embedded ? '' : 'CONCURRENTLY '}${name}`);
    // Many rows rewritten leave the statistics and the visibility map behind (the dashboards'
    // covering indexes need both); a few are left to autovacuum. The statistics now, for the
    // tables read next; the visibility map once no other table's transaction is open (see
    // refreshAll).
    const vacuum = changedRows > DIFF_ROWS_KEPT || (scope === null && changedRows > 0);
    if (vacuum) await client.query(`ANALYZE ${name}`);
    return { changed: changedRows > 0, scope: scope === null ? null : scope.length, vacuum };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}

async function rowCount(client: Client, name: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${name}`);
  return Number(rows[0]!.n);
}

/**
 * An empty table's rows, written in the scope column's order (a repository's, an issue's rows
 * lie together) unless that column is unique, when there is nothing to keep together and the
 * rows are written as they come (sorting a million pull requests took 2–3 s of their 16–21); kept_diff
 * holds them all as new rows. Returns how many.
 */
async function fill(client: Client, name: string, rows: string, column: string, scope: unknown[] | null) {
  // Every row to write: the indexes are built once after them instead of grown row by row
  // (at a million pull requests, 3 s to write and 7 s to index against 17 s to write indexed).
  // Dropping them locks the table until the fill commits; it had no rows to read meanwhile.
  // (An index a constraint owns stays: it cannot be dropped alone.)
  const { rows: indexes } =
    scope === null
      ? await client.query<{ name: string; definition: string }>(
          `SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS definition
             FROM pg_index i
            WHERE indrelid = $1::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            ORDER BY indexrelid`,
          [name],
        )
      : { rows: [] };
  const { rows: keyed } = await client.query<{ unique: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_index i
                     WHERE i.indrelid = $1::regclass AND i.indisunique AND i.indnkeyatts = 1
                       AND i.indpred IS NULL AND i.indkey[0] = (SELECT attnum FROM pg_attribute
                                                                  WHERE attrelid = $1::regclass AND attname = $2)) AS unique`,
    [name, column],
  );
  for (const index of indexes) await client.query(`DROP INDEX ${index.name}`);
  const { rowCount: written } = await client.query(
    `INSERT INTO ${name} SELECT * FROM ${rows}${keyed[0]!.unique ? '' : ` ORDER BY ${column}`}`,
    [scope],
  );
  for (const index of indexes) await client.query(index.definition);
  if ((written ?? 0) <= DIFF_ROWS_KEPT)
    await client.query(
      `CREATE TEMP TABLE kept_diff ON COMMIT DROP AS SELECT false AS gone, t.* FROM ${name} t`,
    );
  return written ?? 0;
}

/**
 * Reads the scope's rows again and compares them with those the table holds, as multisets, in
 * one grouping of both: a row held more often than read again is gone (kept_diff.gone, with the
 * place it is held at), one read again more often than held is new. Only those rows are deleted
 * and written, so a repository's other deployments, say, stay where they are. Returns how many
 * rows differ.
 */
async function rewriteWhatDiffers(
  client: Client,
  name: string,
  rows: string,
  column: string,
  type: string,
  scope: unknown[] | null,
): Promise<number> {
  const { rows: attrs } = await client.query<{ cols: string }>(
    `SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS cols
       FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped`,
    [name],
  );
  const cols = attrs[0]!.cols;
  const { rowCount: differ } = await client.query(
    `CREATE TEMP TABLE kept_diff ON COMMIT DROP AS
       SELECT g.held > g.read AS gone, CASE WHEN g.held > g.read THEN g.places[n] END AS place, ${cols}
         FROM (SELECT ${cols}, count(*) FILTER (WHERE held) AS held, count(*) FILTER (WHERE NOT held) AS read,
                      array_agg(place) FILTER (WHERE held) AS places
                 FROM (SELECT true AS held, ctid AS place, ${cols} FROM ${name} WHERE $1::${type} IS NULL OR ${column} = ANY ($1)
                       UNION ALL
                       SELECT false, NULL::tid, ${cols} FROM ${rows}) both_sides
                GROUP BY ${cols}
               HAVING count(*) FILTER (WHERE held) <> count(*) FILTER (WHERE NOT held)) g
        CROSS JOIN LATERAL generate_series(1, abs(g.held - g.read)) n`,
    [scope],
  );
  if (!differ) return 0;
  await client.query(`DELETE FROM ${name} WHERE ctid = ANY (ARRAY(SELECT place FROM kept_diff WHERE gone))`);
  // In the scope column's order: a pull request's (repository's, issue's) new rows lie together.
  await client.query(
    `INSERT INTO ${name} (${cols}) SELECT ${cols} FROM kept_diff WHERE NOT gone ORDER BY ${column}`,
  );
  return differ;
}
