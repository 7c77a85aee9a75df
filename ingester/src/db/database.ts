import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Logger } from '../log.js';

export type Client = pg.PoolClient;
/** Anything that runs a parameterised query: the Database, a pool client inside a transaction. */
export interface Queryable {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/**
 * The pool and the three things done with it: a query, a transaction, a lock.
 * The embedded database is reached through the same `pg` driver over its socket,
 * so there is one database code path.
 *
 * Embedded rule (PGlite): every socket connection shares one backend session and an
 * open transaction holds the others back, so inside `tx` use only the given client.
 */
export class Database {
  readonly pool: pg.Pool;

  constructor(
    readonly url: string,
    readonly embedded: boolean,
    private readonly log: Logger,
    private readonly onClose: () => Promise<void> = async () => {},
    readonly poolSize = embedded ? 6 : 10,
  ) {
    this.pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      application_name: 'engmetrics',
      // Days and weeks in the metrics are UTC whatever the server's default zone. Without
      // JIT: see sql/migrations/0015. Sort memory: see sql/migrations/0017 (the server's default is 4 MB).
      options: '-c TimeZone=UTC -c jit=off -c work_mem=16MB',
    });
    // An idle connection dying (server restart, network) must not kill the process.
    this.pool.on('error', (err) => this.log.warn({ err: err.message }, 'database connection lost'));
  }

  query<R extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]) {
    return this.pool.query<R>(sql, params);
  }

  async tx<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  }

  /**
   * Runs `fn` while holding a cluster-wide advisory lock named `name`, so two
   * replicas never do the same job at once. Returns `{ acquired: false }` at once
   * when someone else holds it.
   */
  async withLock<T>(
    name: string,
    fn: () => Promise<T>,
  ): Promise<{ acquired: true; result: T } | { acquired: false }> {
    const key = lockKey(name);
    // Embedded connections share one session, where advisory locks are re-entrant:
    // the process itself must keep two holders apart.
    const local = this.embedded ? `${this.url}#${key}` : undefined;
    if (local !== undefined) {
      if (heldInProcess.has(local)) return { acquired: false };
      heldInProcess.add(local);
    }
    const client = await this.pool.connect().catch((err) => {
      if (local !== undefined) heldInProcess.delete(local);
      throw err;
    });
    try {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS ok', [
        key,
      ]);
      if (!rows[0]?.ok) return { acquired: false };
      try {
        return { acquired: true, result: await fn() };
      } finally {
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [key]).catch(() => {});
      }
    } finally {
      client.release();
      if (local !== undefined) heldInProcess.delete(local);
    }
  }

  /**
   * How many jobs that each hold a lock (`withLock`, one connection) and write (one
   * more) this pool can run side by side, at most `wanted`, leaving a connection free.
   */
  jobsSideBySide(wanted: number): number {
    return Math.max(1, Math.min(wanted, Math.floor((this.poolSize - 1) / 2)));
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => {});
    await this.onClose();
  }
}

const heldInProcess = new Set<string>();

/** A stable signed 64-bit key for a lock name. */
export function lockKey(name: string): string {
  return createHash('sha256').update(`engmetrics:${name}`).digest().readBigInt64BE(0).toString();
}

/** The URL with its password hidden, for messages. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable database URL)';
  }
}
