import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { ConfigError } from '../errors.js';
import { WireServer } from './wire.js';

export interface EmbeddedServer {
  /** A postgres:// URL for the `pg` driver, psql or Grafana. */
  url: string;
  host: string;
  port: number;
  dataDir: string | null;
  stop(): Promise<void>;
}

/**
 * PGlite (PostgreSQL compiled to WebAssembly) behind a loopback socket (wire.ts).
 * `dataDir: null` keeps everything in memory (tests). Listens on 127.0.0.1 only:
 * every login there is the superuser, whatever user it names.
 */
export async function startEmbedded(options: {
  dataDir: string | null;
  port: number;
}): Promise<EmbeddedServer> {
  let lockFile: string | undefined;
  let dataDir: string | null = null;
  if (options.dataDir !== null) {
    dataDir = resolve(options.dataDir, 'pg');
    mkdirSync(dataDir, { recursive: true });
    lockFile = join(resolve(options.dataDir), 'pg.lock');
    claimLock(lockFile, dataDir);
  }
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(dataDir ?? undefined);
    const host = '127.0.0.1';
    const server = new WireServer(db);
    let port: number;
    try {
      port = await server.listen(options.port, host);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new ConfigError(
          'ENGMETRICS_PG_PORT',
          `port ${options.port} is already in use on ${host}; choose another`,
        );
      throw err;
    }
    const opened = db;
    const url = `postgres://postgres@${host}:${port}/postgres?sslmode=disable`;
    // Another command started meanwhile (report, doctor) learns where to reach this database.
    if (lockFile) writeFileSync(lockFile, JSON.stringify({ pid: process.pid, url }));
    return {
      url,
      host,
      port,
      dataDir,
      async stop() {
        await server.close().catch(() => {});
        await opened.close().catch(() => {});
        if (lockFile) rmSync(lockFile, { force: true });
      },
    };
  } catch (err) {
    await db?.close().catch(() => {});
    if (lockFile) rmSync(lockFile, { force: true });
    throw err;
  }
}

/**
 * PGlite has no postmaster lock of its own; two processes on one folder would corrupt it. The
 * lock holds the owner's pid and, once it serves, its address: another command is told to use
 * that running database instead.
 */
function claimLock(lockFile: string, dataDir: string): void {
  let holder: { pid?: number; url?: string } = {};
  try {
    const text = readFileSync(lockFile, 'utf8').trim();
    holder = text.startsWith('{') ? (JSON.parse(text) as typeof holder) : { pid: Number(text) };
  } catch {
    // No lock, or one a crash left half-written: the folder is free.
  }
  if (holder.pid && holder.pid !== process.pid && isAlive(holder.pid))
    throw new ConfigError(
      'ENGMETRICS_DATA_DIR',
      `the embedded database in ${dataDir} is in use by process ${holder.pid}` +
        (holder.url
          ? ` (a running npm start or engmetrics serve); use it: DATABASE_URL=${holder.url.replace(/\?sslmode=disable$/, '')}`
          : '; stop it, or set DATABASE_URL'),
    );
  writeFileSync(lockFile, JSON.stringify({ pid: process.pid }));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
