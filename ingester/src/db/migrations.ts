import { createHash, pbkdf2Sync, randomBytes, createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeLiteral } from 'pg';
import { MigrationError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Client, Database } from './database.js';
import {
  applyDefinitions,
  ensureDefinitionHistory,
  listDefinitions,
  type Definitions,
} from './definitions.js';

/**
 * The schema, in two halves (the README's Database section):
 *   sql/migrations/NNNN_name.sql  versioned: schemas, tables, indexes, roles, grants, data moves;
 *                                 applied once each, in name order, each in its own transaction,
 *                                 recorded in ops.schema_migrations with a checksum;
 *   sql/views/NN_family.sql       repeatable: every view, kept table and function of
 *                                 metrics, applied again when changed (definitions.ts), all in
 *                                 one transaction after the versioned files.
 * Every step takes a transaction-scoped advisory lock first, so concurrent runs queue up and
 * the later ones find nothing to do.
 */

export const SQL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../sql');
const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const MIGRATION_LOCK = '7316519874402117'; // any fixed bigint; the same in every process
/**
 * Checksums of the files of sql/ as they were when each one held tables and views together
 * (0001–0023). A database they built is upgraded in place: its history is rewritten to the
 * versioned files' checksums, and every definition is applied anew.
 */
const BEFORE_VIEWS = 'migrations/checksums-before-views.json';

export interface Migration {
  id: string;
  sql: string;
  checksum: string;
}

export function listMigrations(dir = SQL_DIR): Migration[] {
  const folder = join(dir, 'migrations');
  return readdirSync(folder)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => {
      if (!FILE.test(f))
        throw new MigrationError(`${join(folder, f)}: migration files are named NNNN_name.sql`);
      const sql = readFileSync(join(folder, f), 'utf8');
      return { id: f.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

export const listViewDefinitions = (dir = SQL_DIR): Definitions[] => listDefinitions(join(dir, 'views'));

async function ensureHistory(client: Client): Promise<void> {
  await client.query(`
    CREATE SCHEMA IF NOT EXISTS ops;
    CREATE TABLE IF NOT EXISTS ops.schema_migrations (
      id         text PRIMARY KEY,
      checksum   text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`);
}

async function appliedIn(client: Client): Promise<Map<string, string>> {
  const { rows } = await client.query<{ id: string; checksum: string }>(
    'SELECT id, checksum FROM ops.schema_migrations',
  );
  return new Map(rows.map((r) => [r.id, r.checksum]));
}

function check(migrations: Migration[], applied: Map<string, string>): Migration | undefined {
  const known = new Set(migrations.map((m) => m.id));
  for (const id of applied.keys())
    if (!known.has(id))
      throw new MigrationError(
        `the database has migration ${id}, which this version does not know; upgrade the ingester`,
      );
  for (const m of migrations) {
    const sum = applied.get(m.id);
    if (sum !== undefined && sum !== m.checksum)
      throw new MigrationError(
        `migration ${m.id} was changed after it was applied; add a new migration instead`,
      );
  }
  return migrations.find((m) => !applied.has(m.id));
}

/**
 * A database migrated before views had files of their own has a history and no
 * ops.schema_definitions. Its recorded files must be ones this version knows as they were;
 * ids whose tables live on are given their versioned file's checksum, the others (views only)
 * leave the history. Its views stay until the definitions step replaces them.
 */
async function upgradeHistory(client: Client, dir: string, migrations: Migration[]): Promise<string[]> {
  const { rows } = await client.query<{ missing: boolean; history: boolean }>(
    `SELECT to_regclass('ops.schema_definitions') IS NULL AS missing,
            EXISTS (SELECT FROM ops.schema_migrations) AS history`,
  );
  if (!rows[0]?.missing) return [];
  const applied = await appliedIn(client);
  if (rows[0].history) {
    const before = JSON.parse(readFileSync(join(dir, BEFORE_VIEWS), 'utf8')) as Record<string, string>;
    for (const [id, sum] of applied)
      if (before[id] !== sum)
        throw new MigrationError(
          `the database has migration ${id} with a checksum this version does not know; upgrade the ingester`,
        );
    const current = new Map(migrations.map((m) => [m.id, m.checksum]));
    for (const id of applied.keys()) {
      const sum = current.get(id);
      if (sum) await client.query('UPDATE ops.schema_migrations SET checksum = $2 WHERE id = $1', [id, sum]);
      else await client.query('DELETE FROM ops.schema_migrations WHERE id = $1', [id]);
    }
  }
  // From here on the database is of this layout, even before its first versioned file runs.
  await ensureDefinitionHistory(client);
  return [...applied.keys()];
}

export async function migrate(
  db: Database,
  options: { log?: Logger; dir?: string; readerPassword?: string } = {},
): Promise<{ applied: string[]; definitions: string[] }> {
  const dir = options.dir ?? SQL_DIR;
  const migrations = listMigrations(dir);
  const definitions = listViewDefinitions(dir);
  const upgraded = await db.tx(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
    await ensureHistory(client);
    return upgradeHistory(client, dir, migrations);
  });
  if (upgraded.length)
    options.log?.info({ migrations: upgraded.length }, 'history of the combined layout upgraded');
  const done: string[] = [];
  for (;;) {
    const next = await db.tx(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
      const pending = check(migrations, await appliedIn(client));
      if (!pending) return undefined;
      const started = Date.now();
      try {
        await client.query(pending.sql);
      } catch (err) {
        const e = err as Error & { position?: string };
        throw new MigrationError(
          `migration ${pending.id} failed: ${e.message}${e.position ? ` (at character ${e.position})` : ''}`,
        );
      }
      await client.query('INSERT INTO ops.schema_migrations (id, checksum) VALUES ($1, $2)', [
        pending.id,
        pending.checksum,
      ]);
      options.log?.info({ migration: pending.id, ms: Date.now() - started }, 'migration applied');
      return pending.id;
    });
    if (next === undefined) break;
    done.push(next);
  }
  const started = Date.now();
  const applied = await db.tx(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
    return applyDefinitions(client, definitions);
  });
  if (applied.length)
    options.log?.info({ definitions: applied, ms: Date.now() - started }, 'definitions applied');
  if (options.readerPassword !== undefined) await setReaderPassword(db, options.readerPassword);
  return { applied: done, definitions: applied };
}

export async function migrationStatus(
  db: Database,
  dir = SQL_DIR,
): Promise<{ current: boolean; pending: string[] }> {
  const migrations = listMigrations(dir);
  const definitions = listViewDefinitions(dir);
  const { rows } = await db.query<{ migrations: boolean; definitions: boolean }>(
    `SELECT to_regclass('ops.schema_migrations') IS NOT NULL AS migrations,
            to_regclass('ops.schema_definitions') IS NOT NULL AS definitions`,
  );
  if (!rows[0]?.migrations || !rows[0].definitions)
    return {
      current: false,
      pending: [...migrations.map((m) => m.id), ...definitions.map((d) => `views/${d.name}`)],
    };
  const { rows: applied } = await db.query<{ id: string }>('SELECT id FROM ops.schema_migrations');
  const have = new Set(applied.map((r) => r.id));
  const { rows: defined } = await db.query<{ name: string; checksum: string }>(
    'SELECT name, checksum FROM ops.schema_definitions',
  );
  const sums = new Map(defined.map((r) => [r.name, r.checksum]));
  const pending = [
    ...migrations.filter((m) => !have.has(m.id)).map((m) => m.id),
    ...definitions.filter((d) => sums.get(d.name) !== d.checksum).map((d) => `views/${d.name}`),
  ];
  return { current: pending.length === 0, pending };
}

/**
 * Sets grafana_reader's password as a SCRAM verifier computed here, so the
 * plain password never reaches the server (or its statement log).
 */
async function setReaderPassword(db: Database, password: string): Promise<void> {
  await db.query(`ALTER ROLE grafana_reader PASSWORD ${escapeLiteral(scramVerifier(password))}`);
}

export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password.normalize('NFKC'), salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
