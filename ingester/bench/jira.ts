import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { Database } from '../src/db/database.js';
import { migrate } from '../src/db/migrations.js';
import { createLogger } from '../src/log.js';
import { connectJira } from '../src/sources/jira/client.js';
import { syncJira } from '../src/sources/jira/sync.js';
import type { Benchmark } from './main.js';

/**
 * `npm run bench -- jira [--issues N] [--seed S] [--json]`: a first sync of a simulated
 * Jira site of about N issues (default 5,000) into a fresh database, then a re-sync
 * with nothing changed. The simulator runs in a child process so the peak RSS is the
 * ingester's own. Use real PostgreSQL (DATABASE_URL) for figures worth comparing: the
 * embedded database runs inside this process and its memory would count too.
 */

/** The generator gives about 0.75 issues per pull request. */
const ISSUES_PER_PR = 0.75;

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(args[i + 1]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} expects a positive number`);
  return n;
}

async function startSimulator(prs: number, seed: number) {
  const script = fileURLToPath(new URL('./jira-simulator.ts', import.meta.url));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', script, '--prs', String(prs), '--seed', String(seed)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the simulator exited (${code}) before it started`)));
  });
  const info = JSON.parse(line) as { url: string; issues: number; projects: string[] };
  return {
    ...info,
    stats: async () => (await (await fetch(`${info.url}/__simulator/stats`)).json()) as { requests: number },
    stop: () => {
      child.kill('SIGTERM');
    },
  };
}

async function database(): Promise<{ db: Database; drop: () => Promise<void>; embedded: boolean }> {
  const log = createLogger({ level: 'silent', secrets: [] });
  const server = process.env.DATABASE_URL;
  if (!server) {
    const { startEmbedded } = await import('../src/db/embedded.js');
    const embedded = await startEmbedded({ dataDir: null, port: 0 });
    const db = new Database(embedded.url, true, log, () => embedded.stop());
    return { db, drop: () => db.close(), embedded: true };
  }
  const name = `engmetrics_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  const db = new Database(url.toString(), false, log);
  return {
    db,
    embedded: false,
    drop: async () => {
      await db.close();
      const c = new pg.Client({ connectionString: server });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export const jiraBenchmark: Benchmark = {
  name: 'jira',
  description:
    'Jira sync of N issues (--issues, default 5000): requests, issues/s, peak RSS; then a no-change re-sync',
  async run(args, json) {
    const wanted = option(args, 'issues', 5000);
    const seed = option(args, 'seed', 42);
    const sim = await startSimulator(Math.round(wanted / ISSUES_PER_PR), seed);
    const { db, drop, embedded } = await database();
    try {
      await migrate(db);
      const log = createLogger({ level: 'warn', secrets: [] });
      const api = connectJira(
        {
          baseUrl: sim.url,
          auth: { kind: 'basic', email: 'bench@example.com', apiToken: 'bench-token' },
          projects: [],
        },
        log,
      );
      const started = process.hrtime.bigint();
      const first = await syncJira({ db, api, log }, { projects: sim.projects });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const failed = first.filter((r) => r.status !== 'succeeded');
      if (failed.length)
        throw new Error(`sync failed: ${failed.map((r) => `${r.project}: ${r.error}`).join('; ')}`);
      const issues = first.reduce((n, r) => n + r.issues, 0);
      const requests = first.reduce((n, r) => n + r.requests, 0);
      const served = (await sim.stats()).requests;
      if (served !== requests)
        throw new Error(`the ingester counted ${requests} requests, the simulator served ${served}`);
      const result = {
        bench: 'jira',
        issues,
        changelog_entries: first.reduce((n, r) => n + r.changelogEntries, 0),
        requests,
        requests_per_1000_issues: Math.round((requests / issues) * 1000 * 100) / 100,
        issues_per_s: Math.round(issues / seconds),
        peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      };
      const again = await syncJira({ db, api, log }, { projects: sim.projects });
      const resync = {
        bench: 'jira-resync',
        projects: again.length,
        requests: again.reduce((n, r) => n + r.requests, 0),
      };
      if (json) {
        console.log(JSON.stringify(result));
        console.log(JSON.stringify(resync));
      } else {
        console.log(
          `jira: ${issues} issues (${sim.issues} on the site), ${result.changelog_entries} changelog entries in ${seconds.toFixed(1)} s` +
            ` — ${requests} requests (${result.requests_per_1000_issues} per 1,000 issues), ${result.issues_per_s} issues/s,` +
            ` peak RSS ${result.peak_rss_mb} MB${embedded ? ' (embedded database in this process: set DATABASE_URL)' : ''}`,
        );
        console.log(
          `jira re-sync, nothing changed: ${resync.requests} requests for ${resync.projects} projects`,
        );
      }
    } finally {
      sim.stop();
      await drop();
    }
  },
};
