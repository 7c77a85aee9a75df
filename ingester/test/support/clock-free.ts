import type { Queryable } from '../../src/db/database.js';

/** PostgreSQL's ways of reading the clock, as pg_get_viewdef and a function's source spell them. */
export const CLOCK_READERS =
  /\b(now|clock_timestamp|statement_timestamp|transaction_timestamp|timeofday)\s*\(|\b(current_timestamp|current_date|current_time|localtimestamp|localtime)\b/i;

/**
 * The kept tables of `metrics` that read the clock, directly or through a view or a `metrics`
 * function they read (each named with the object where the clock is read). A kept table stores
 * what happened; only queries measure "so far".
 */
export async function viewsReadingTheClock(db: Queryable): Promise<string[]> {
  const { rows: views } = await db.query<{ name: string; def: string; kind: string; reads: string[] }>(`
    SELECT c.relname::text AS name, c.relkind::text AS kind, pg_get_viewdef(c.oid) AS def,
           coalesce(array_agg(DISTINCT dc.relname::text) FILTER (WHERE dc.relname IS NOT NULL), '{}') AS reads
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'metrics'
      LEFT JOIN pg_rewrite r ON r.ev_class = c.oid
      LEFT JOIN pg_depend d ON d.objid = r.oid AND d.classid = 'pg_rewrite'::regclass
                           AND d.refclassid = 'pg_class'::regclass AND d.refobjid <> c.oid
      LEFT JOIN pg_class dc ON dc.oid = d.refobjid AND dc.relkind IN ('v', 'm')
                           AND dc.relnamespace = n.oid
     WHERE c.relkind IN ('v', 'm')
     GROUP BY c.oid, c.relname, c.relkind
    UNION ALL
    -- A kept table stores what its rows function reads (metrics/refresh.ts).
    SELECT c.relname::text, 'm', format('SELECT * FROM metrics.%s_rows(NULL)', c.relname), '{}'
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'metrics'
     WHERE c.relkind = 'r'
       AND EXISTS (SELECT 1 FROM pg_proc f WHERE f.pronamespace = n.oid AND f.proname = c.relname || '_rows')`);
  const { rows: functions } = await db.query<{ name: string; src: string }>(
    // A SQL-standard body is not in prosrc: the definition as the server prints it is.
    `SELECT p.proname::text AS name, CASE WHEN p.prokind = 'f' THEN pg_get_functiondef(p.oid) ELSE p.prosrc END AS src FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'metrics'`,
  );
  const fnSource = new Map<string, string>();
  for (const f of functions) fnSource.set(f.name, `${fnSource.get(f.name) ?? ''}\n${f.src}`);
  const byName = new Map(views.map((v) => [v.name, v]));

  /** Where the clock is read in this text, following the metrics functions it calls. */
  const clockIn = (text: string, seen: Set<string>): string | undefined => {
    if (CLOCK_READERS.test(text)) return 'itself';
    for (const m of text.matchAll(/metrics\.([a-z_0-9]+)\s*\(/g)) {
      const fn = m[1]!;
      if (seen.has(`f:${fn}`) || !fnSource.has(fn)) continue;
      seen.add(`f:${fn}`);
      const inner = clockIn(fnSource.get(fn)!, seen);
      if (inner) return `metrics.${fn}()`;
    }
    return undefined;
  };
  const clockOf = (name: string, seen: Set<string>): string | undefined => {
    const v = byName.get(name);
    if (!v || seen.has(name)) return undefined;
    seen.add(name);
    const here = clockIn(v.def, seen);
    if (here) return here === 'itself' ? `metrics.${name}` : here;
    for (const read of v.reads) {
      const found = clockOf(read, seen);
      if (found) return found;
    }
    return undefined;
  };
  return views
    .filter((v) => v.kind === 'm')
    .flatMap((v) => {
      const where = clockOf(v.name, new Set());
      return where ? [`metrics.${v.name} (reads the clock in ${where})`] : [];
    })
    .sort();
}
