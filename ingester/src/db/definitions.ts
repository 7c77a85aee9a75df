import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from './database.js';
import { MigrationError } from '../errors.js';

/**
 * The repeatable half of the schema: every view, materialized view, function and kept table
 * (metrics/refresh.ts) of `metrics`, defined once each in its final form in `sql/views/NN_family.sql`. Files are applied in name
 * order, and a file reads only what it or an earlier file defines.
 *
 * A file is applied again when its text changed, and with it every file holding an object that
 * depends on one of its objects (read from the catalog). Its objects are dropped first, by name,
 * dependents before what they read, never with CASCADE: an object someone else built on one of
 * ours stops `migrate` with the database's own words naming it, instead of vanishing.
 */

const FILE = /^(\d{2})_([a-z0-9_]+)\.sql$/;
// A definition starts a line; function bodies are indented, so nothing inside one matches.
const OBJECT =
  /^CREATE\s+(?:OR\s+REPLACE\s+)?(MATERIALIZED\s+VIEW|VIEW|FUNCTION|TABLE)\s+metrics\.([a-z_][a-z0-9_]*)/gim;

/** A table here is one the refresh keeps from its `_rows` function (metrics/refresh.ts). */
export type ObjectKind = 'view' | 'materialized view' | 'function' | 'table';

export interface Definitions {
  /** The file's name without .sql, e.g. 40_dora. */
  name: string;
  sql: string;
  checksum: string;
  /** The objects it creates, as metrics.name. */
  objects: string[];
}

function objectsCreatedIn(sql: string): { name: string; kind: ObjectKind }[] {
  return [...sql.matchAll(OBJECT)].map((m) => ({
    name: `metrics.${m[2]!}`,
    kind: m[1]!.toLowerCase().replace(/\s+/, ' ') as ObjectKind,
  }));
}

export function listDefinitions(dir: string): Definitions[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const owner = new Map<string, string>();
  return files.map((f) => {
    if (!FILE.test(f)) throw new MigrationError(`${join(dir, f)}: definition files are named NN_family.sql`);
    const sql = readFileSync(join(dir, f), 'utf8');
    const name = f.replace(/\.sql$/, '');
    const objects = objectsCreatedIn(sql).map((o) => o.name);
    for (const o of objects) {
      const other = owner.get(o);
      if (other) throw new MigrationError(`${o} is created in both ${other} and ${name}; define it once`);
      owner.set(o, name);
    }
    return { name, sql, checksum: createHash('sha256').update(sql).digest('hex'), objects };
  });
}

export async function ensureDefinitionHistory(client: Client): Promise<void> {
  await client.query(`
    CREATE TABLE IF NOT EXISTS ops.schema_definitions (
      name       text PRIMARY KEY,
      checksum   text NOT NULL,
      objects    text[] NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
}

interface Recorded {
  name: string;
  checksum: string;
  objects: string[];
}

/** Which files differ from what the database recorded, and what files no longer there owned. */
async function definitionChanges(
  client: Client,
  files: Definitions[],
): Promise<{ changed: Definitions[]; removed: Recorded[]; recorded: Map<string, Recorded> }> {
  const { rows } = await client.query<Recorded>('SELECT name, checksum, objects FROM ops.schema_definitions');
  const recorded = new Map(rows.map((r) => [r.name, r]));
  const present = new Set(files.map((f) => f.name));
  return {
    changed: files.filter((f) => recorded.get(f.name)?.checksum !== f.checksum),
    removed: rows.filter((r) => !present.has(r.name)),
    recorded,
  };
}

interface CatalogObject {
  name: string;
  kind: ObjectKind;
  /** What DROP needs: the relation's name, or the function's signature. */
  identity: string;
}

/** Our objects as they are in the database now, by name (a function by its name alone). */
async function existingObjects(client: Client, names: string[]): Promise<Map<string, CatalogObject[]>> {
  const { rows } = await client.query<CatalogObject>(
    `SELECT 'metrics.' || c.relname AS name,
            CASE c.relkind WHEN 'm' THEN 'materialized view' WHEN 'r' THEN 'table' ELSE 'view' END AS kind,
            c.oid::regclass::text AS identity
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'metrics' AND c.relkind IN ('v', 'm', 'r') AND 'metrics.' || c.relname = ANY($1)
     UNION ALL
     SELECT 'metrics.' || p.proname, 'function', p.oid::regprocedure::text
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'metrics' AND 'metrics.' || p.proname = ANY($1)`,
    [names],
  );
  const byName = new Map<string, CatalogObject[]>();
  for (const r of rows) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
  return byName;
}

/**
 * Edges "dependent reads dependency" between objects of schema metrics, from the catalog: a
 * view's rewrite rule on what it selects from, a function on a view's row type.
 */
async function dependencyEdges(client: Client): Promise<[string, string][]> {
  const { rows } = await client.query<{ dependent: string; dependency: string }>(`
    WITH ours AS (
      SELECT 'pg_class'::regclass AS cls, c.oid, c.reltype, 'metrics.' || c.relname AS name
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'metrics' AND c.relkind IN ('v', 'm', 'r')
      UNION ALL
      SELECT 'pg_proc'::regclass, p.oid, 0, 'metrics.' || p.proname
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'metrics'),
    deps AS (
      SELECT CASE d.classid WHEN 'pg_rewrite'::regclass THEN r.ev_class ELSE d.objid END AS dep_oid,
             CASE d.classid WHEN 'pg_rewrite'::regclass THEN 'pg_class'::regclass ELSE d.classid END AS dep_cls,
             d.refclassid, d.refobjid
        FROM pg_depend d LEFT JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
       WHERE d.deptype = 'n')
    SELECT DISTINCT a.name AS dependent, b.name AS dependency
      FROM deps
      JOIN ours b ON (deps.refclassid = b.cls AND deps.refobjid = b.oid)
                  OR (deps.refclassid = 'pg_type'::regclass AND deps.refobjid = b.reltype AND b.reltype <> 0)
      JOIN ours a ON a.cls = deps.dep_cls AND a.oid = deps.dep_oid
     WHERE a.name <> b.name`);
  return rows.map((r) => [r.dependent, r.dependency]);
}

/** The files to apply again: the changed ones, and each one reading (transitively) from them. */
function filesToApply(
  files: Definitions[],
  changed: Definitions[],
  edges: [string, string][],
): Definitions[] {
  const fileOf = new Map(files.flatMap((f) => f.objects.map((o) => [o, f.name] as const)));
  const chosen = new Set(changed.map((f) => f.name));
  for (let grew = true; grew;) {
    grew = false;
    for (const [dependent, dependency] of edges) {
      const from = fileOf.get(dependency);
      const to = fileOf.get(dependent);
      if (from && to && chosen.has(from) && !chosen.has(to)) {
        chosen.add(to);
        grew = true;
      }
    }
  }
  return files.filter((f) => chosen.has(f.name));
}

/** Drop order: an object only after everything of ours that reads it. */
function dropOrder(names: string[], edges: [string, string][]): string[] {
  const pending = new Set(names);
  const order: string[] = [];
  while (pending.size) {
    const next = [...pending].filter(
      (n) => !edges.some(([dependent, dependency]) => dependency === n && pending.has(dependent)),
    );
    // A cycle cannot happen between views; take the rest as they come if it ever did.
    for (const n of next.length ? next : [...pending]) {
      pending.delete(n);
      order.push(n);
    }
  }
  return order;
}

async function dropObject(client: Client, object: CatalogObject): Promise<void> {
  const kind = object.kind.toUpperCase();
  try {
    await client.query(`DROP ${kind} ${object.identity}`);
  } catch (err) {
    const e = err as Error & { code?: string; detail?: string };
    if (e.code === '2BP01')
      throw new MigrationError(
        `cannot replace ${object.kind} ${object.name}: ${e.detail ?? e.message}. Drop or move that object, then migrate again`,
      );
    throw err;
  }
}

/**
 * Brings the definitions up to date inside the caller's transaction: drops what changed (and
 * what reads it), applies those files in order, records them. Returns the files applied.
 */
export async function applyDefinitions(client: Client, files: Definitions[]): Promise<string[]> {
  await ensureDefinitionHistory(client);
  const { changed, removed, recorded } = await definitionChanges(client, files);
  if (!changed.length && !removed.length) return [];
  const edges = await dependencyEdges(client);
  const apply = filesToApply(files, changed, edges);
  // What the files define now, what they defined when last applied (an object since renamed or
  // removed goes too), and what files no longer there defined.
  const names = [
    ...new Set([
      ...apply.flatMap((f) => [...f.objects, ...(recorded.get(f.name)?.objects ?? [])]),
      ...removed.flatMap((r) => r.objects),
    ]),
  ];
  const existing = await existingObjects(client, names);
  for (const name of dropOrder(names, edges))
    for (const o of existing.get(name) ?? []) await dropObject(client, o);
  for (const f of apply) {
    try {
      await client.query(f.sql);
    } catch (err) {
      const e = err as Error & { position?: string };
      throw new MigrationError(
        `sql/views/${f.name}.sql failed: ${e.message}${e.position ? ` (at character ${e.position})` : ''}`,
      );
    }
    await client.query(
      `INSERT INTO ops.schema_definitions (name, checksum, objects) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET checksum = excluded.checksum, objects = excluded.objects, applied_at = now()`,
      [f.name, f.checksum, f.objects],
    );
  }
  if (removed.length)
    await client.query('DELETE FROM ops.schema_definitions WHERE name = ANY($1)', [
      removed.map((r) => r.name),
    ]);
  return apply.map((f) => f.name);
}
