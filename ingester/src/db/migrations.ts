import { createHash, pbkdf2Sync, randomBytes, createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeLiteral } from 'pg';
import { AppError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Client, Database } from './database.js';

/**
 * A small ordered-SQL migration runner: files `sql/NNNN_name.sql`, applied in name
 * order, each in its own transaction, recorded in `ops.schema_migrations` with a
 * checksum. Every step takes a transaction-scoped advisory lock first, so concurrent
 * runs queue up and the later ones find nothing to do.
 */

export const SQL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../../sql');
const FILE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
const MIGRATION_LOCK = '7316519874402117'; // any fixed bigint; the same in every process

export interface Migration {
  id: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends AppError {
  constructor(message: string) {
    super(message, 500, 'migration_failed');
  }
}

export function listMigrations(dir = SQL_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => {
      if (!FILE.test(f)) throw new MigrationError(`${join(dir, f)}: migration files are named NNNN_name.sql`);
      const sql = readFileSync(join(dir, f), 'utf8');
      return { id: f.replace(/\.sql$/, ''), sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

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

export async function migrate(
  db: Database,
  options: { log?: Logger; dir?: string; readerPassword?: string } = {},
): Promise<{ applied: string[] }> {
  const migrations = listMigrations(options.dir);
  const done: string[] = [];
  for (;;) {
    const next = await db.tx(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK]);
      await ensureHistory(client);
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
  if (options.readerPassword !== undefined) await setReaderPassword(db, options.readerPassword);
  return { applied: done };
}

export async function migrationStatus(
  db: Database,
  dir?: string,
): Promise<{ current: boolean; pending: string[] }> {
  const migrations = listMigrations(dir);
  const { rows } = await db.query<{ present: boolean }>(
    `SELECT to_regclass('ops.schema_migrations') IS NOT NULL AS present`,
  );
  if (!rows[0]?.present) return { current: false, pending: migrations.map((m) => m.id) };
  const { rows: applied } = await db.query<{ id: string }>('SELECT id FROM ops.schema_migrations');
  const have = new Set(applied.map((r) => r.id));
  const pending = migrations.filter((m) => !have.has(m.id)).map((m) => m.id);
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
