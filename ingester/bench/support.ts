import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrations.js';
import { createLogger } from '../src/log.js';

/** Shared pieces of the benchmarks: a fresh database, a simulator in a process of its own. */

export function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} expects a positive number`);
  return n;
}

export function textOption(args: string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : (args[i + 1] ?? fallback);
}

/**
 * A new, migrated database: on the server at DATABASE_URL (the figures worth comparing),
 * or embedded in this process when it is unset (its memory then counts too).
 */
export async function benchDatabase(): Promise<{
  db: Database;
  url: string;
  embedded: boolean;
  drop: () => Promise<void>;
}> {
  const log = createLogger({ level: 'silent' });
  const server = process.env.DATABASE_URL;
  let result: { db: Database; url: string; embedded: boolean; drop: () => Promise<void> };
  if (!server) {
    const { startEmbedded } = await import('../src/db/embedded.js');
    const embedded = await startEmbedded({ dataDir: null, port: 0 });
    const db = new Database(embedded.url, true, log, () => embedded.stop());
    result = { db, url: embedded.url, embedded: true, drop: () => db.close() };
  } else {
    const name = `engmetrics_bench_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(server);
    url.pathname = `/${name}`;
    const db = new Database(url.toString(), false, log);
    result = {
      db,
      url: url.toString(),
      embedded: false,
      drop: async () => {
        await db.close();
        // To look into a result: the loaded database stays, for psql and EXPLAIN.
        if (process.env.BENCH_KEEP_DATABASE) {
          process.stderr.write(`database kept: ${url.toString()}\n`);
          return;
        }
        const c = new pg.Client({ connectionString: server });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      },
    };
  }
  await migrate(result.db);
  return result;
}

/**
 * Runs a simulator script (which prints one JSON line with its `url`) in a child
 * process, so the benchmark's peak RSS is the ingester's own.
 */
export async function spawnSimulator<Info extends { url: string }>(script: string, args: string[]) {
  const file = fileURLToPath(new URL(script, import.meta.url));
  // graphql-js skips its development-time checks in production mode.
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code}) before it started`)));
  });
  const info = JSON.parse(line) as Info;
  const control = async (path: string, method = 'GET') =>
    (await fetch(`${info.url}/__simulator/${path}`, { method })).json();
  return {
    info,
    stats: () => control('stats') as Promise<{ requests: number; graphqlPoints?: number }>,
    reset: () => control('reset', 'POST'),
    stop: () => void child.kill('SIGTERM'),
  };
}

export const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
