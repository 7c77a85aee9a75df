import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Database } from '../../src/db/database.js';
import { startEmbedded } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrations.js';
import { createLogger, type Logger } from '../../src/log.js';

export interface TestDatabase {
  db: Database;
  url: string;
  embedded: boolean;
  /** Removes the database (real PostgreSQL) or stops the embedded one. */
  drop(): Promise<void>;
}

export const quietLog: Logger = createLogger({ level: 'silent' });

/**
 * A database of its own for one test file: a new database on the server at
 * DATABASE_URL (CI, real PostgreSQL), or an in-memory embedded one when it is unset.
 */
export async function freshDatabase(
  options: { migrated?: boolean; log?: Logger } = {},
): Promise<TestDatabase> {
  const log = options.log ?? quietLog;
  const server = process.env.DATABASE_URL;
  let result: TestDatabase;
  if (server) {
    const name = `engmetrics_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(server);
    url.pathname = `/${name}`;
    const db = new Database(url.toString(), false, log);
    let dropped = false;
    result = {
      db,
      url: url.toString(),
      embedded: false,
      async drop() {
        if (dropped) return;
        dropped = true;
        await db.close();
        const c = new pg.Client({ connectionString: server });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  } else {
    const embedded = await startEmbedded({ dataDir: null, port: 0 });
    const db = new Database(embedded.url, true, log, () => embedded.stop());
    result = { db, url: embedded.url, embedded: true, drop: () => db.close() };
  }
  if (options.migrated) await migrate(result.db);
  return result;
}

/** Postgres error code of a rejected promise (e.g. 42501 insufficient_privilege). */
export async function pgErrorCode(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code ?? `not a database error: ${String(err)}`;
  }
}
