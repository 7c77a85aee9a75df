import type { Queryable } from '../db/database.js';

/**
 * The one way rows reach the database: batched, idempotent `INSERT … ON CONFLICT`,
 * one statement per batch, rows passed as one JSON parameter and unpacked with
 * jsonb_to_recordset (COPY is not available on the embedded database). A row that
 * is already there unchanged is not rewritten, so re-running a sync writes nothing.
 */

export type ColumnType =
  | 'text'
  | 'text[]'
  | 'bigint[]'
  | 'integer'
  | 'bigint'
  | 'boolean'
  | 'timestamptz'
  | 'jsonb'
  | 'numeric'
  | 'double precision';

export interface TableSpec<Row> {
  table: string;
  columns: { [K in keyof Row]: ColumnType };
  key: (keyof Row & string)[];
}

const statements = new WeakMap<object, string>();

function upsertSql<Row>(spec: TableSpec<Row>): string {
  let sql = statements.get(spec);
  if (sql) return sql;
  const cols = Object.keys(spec.columns) as (keyof Row & string)[];
  const defs = cols.map((c) => `${c} ${spec.columns[c]}`).join(', ');
  const updatable = cols.filter((c) => !spec.key.includes(c));
  const conflict =
    updatable.length === 0
      ? 'DO NOTHING'
      : `DO UPDATE SET ${updatable.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
         WHERE (${updatable.map((c) => `t.${c}`).join(', ')}) IS DISTINCT FROM (${updatable.map((c) => `EXCLUDED.${c}`).join(', ')})`;
  sql = `INSERT INTO ${spec.table} AS t (${cols.join(', ')})
         SELECT ${cols.join(', ')} FROM jsonb_to_recordset($1::jsonb) AS x(${defs})
         ON CONFLICT (${spec.key.join(', ')}) ${conflict}`;
  statements.set(spec, sql);
  return sql;
}

/** Inserts or updates rows; returns how many were inserted or changed. */
export async function upsert<Row extends object>(
  db: Queryable,
  spec: TableSpec<Row>,
  rows: readonly Row[],
  batch = 2000,
): Promise<number> {
  if (rows.length === 0) return 0;
  // The same key twice in one statement is an error in PostgreSQL: the last one wins.
  const byKey = new Map<string, Row>();
  for (const r of rows)
    byKey.set(spec.key.map((k) => String((r as Record<string, unknown>)[k])).join('\u0000'), r);
  const unique = [...byKey.values()];
  let written = 0;
  for (let i = 0; i < unique.length; i += batch) {
    const result = await db.query(upsertSql(spec), [JSON.stringify(unique.slice(i, i + batch))]);
    written += result.rowCount ?? 0;
  }
  return written;
}

/**
 * Removes the children of the given parents that are no longer there upstream (a
 * force-pushed commit, a deleted review), so a child list always matches its source.
 */
export async function pruneChildren(
  db: Queryable,
  table: string,
  parentColumn: string,
  childColumn: string,
  keep: { parent: string; child: string }[],
  parents: string[],
): Promise<number> {
  if (parents.length === 0) return 0;
  const result = await db.query(
    `DELETE FROM ${table} t
      WHERE t.${parentColumn} = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS k(parent text, child text)
                         WHERE k.parent = t.${parentColumn} AND k.child = t.${childColumn})`,
    [parents, JSON.stringify(keep)],
  );
  return result.rowCount ?? 0;
}

/**
 * The same for children keyed by several columns (the spec's key): rows of the given
 * parents that are not among `keep` are deleted, so a re-fetched history replaces the
 * stored one without rewriting the rows that did not change.
 */
export async function pruneRows<Row extends object>(
  db: Queryable,
  spec: TableSpec<Row>,
  parentColumn: keyof Row & string,
  parents: string[],
  keep: readonly Row[],
): Promise<number> {
  if (parents.length === 0) return 0;
  const defs = spec.key.map((c) => `${c} ${spec.columns[c]}`).join(', ');
  const same = spec.key.map((c) => `k.${c} = t.${c}`).join(' AND ');
  const keys = keep.map((r) =>
    Object.fromEntries(spec.key.map((c) => [c, (r as Record<string, unknown>)[c]])),
  );
  const result = await db.query(
    `DELETE FROM ${spec.table} t
      WHERE t.${parentColumn} = ANY($1::text[])
        AND NOT EXISTS (SELECT 1 FROM jsonb_to_recordset($2::jsonb) AS k(${defs}) WHERE ${same})`,
    [parents, JSON.stringify(keys)],
  );
  return result.rowCount ?? 0;
}
