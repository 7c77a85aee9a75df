import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/processes.js';
import type { Benchmark } from './main.js';

/**
 * `npm run bench -- start [--json]`: how long a fresh clone takes to be useful, on the
 * embedded database in a new data folder:
 *   serve_health_s : `engmetrics serve --migrate` until GET /health answers
 *   demo_tiles_s   : `npm start` (the demo) until GET /metrics/tiles answers with deployments
 *   demo_restart_s : the demo started again on the same folder, until the same
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'start-benchmark-token-0123456789';

async function timeUntil(
  command: string[],
  env: Record<string, string>,
  ready: (base: string) => Promise<boolean>,
  port: number,
): Promise<number> {
  const started = performance.now();
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    detached: true,
  });
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const base = `http://127.0.0.1:${port}`;
  try {
    for (;;) {
      if (exited !== undefined)
        throw new Error(`${command.join(' ')} exited (${exited}) before it was ready`);
      if (await ready(base).catch(() => false)) return (performance.now() - started) / 1000;
      if (performance.now() - started > 600_000)
        throw new Error(`${command.join(' ')} was not ready in 10 minutes`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    // The whole process group: npm, tsx and node.
    if (exited === undefined) {
      process.kill(-child.pid!, 'SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
  }
}

const health = async (base: string) => (await fetch(`${base}/health`)).ok;
const tiles = async (base: string) => {
  const res = await fetch(`${base}/metrics/tiles`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (!res.ok) return false;
  const body = (await res.json()) as { tiles: { metric: string; value: number | null }[] };
  return (body.tiles.find((t) => t.metric === 'deployment_frequency')?.value ?? 0) > 0;
};

export const startBenchmark: Benchmark = {
  name: 'start',
  description: 'time from a fresh data folder to /health (serve) and to DORA tiles (npm start)',
  async run(_args, json) {
    const dir = mkdtempSync(join(tmpdir(), 'engmetrics-start-'));
    try {
      const env = async (folder: string) => ({
        ENGMETRICS_DATA_DIR: join(dir, folder),
        ENGMETRICS_PG_PORT: String(await freePort()),
        PORT: String(await freePort()),
        API_TOKEN: TOKEN,
        LOG_LEVEL: 'warn',
      });
      const serveEnv = await env('serve');
      const serve = await timeUntil(
        [process.execPath, '--import', 'tsx', 'ingester/src/cli/main.ts', 'serve', '--migrate'],
        serveEnv,
        health,
        Number(serveEnv.PORT),
      );
      const demoEnv = await env('demo');
      const demo = await timeUntil(['npm', 'start'], demoEnv, tiles, Number(demoEnv.PORT));
      const restart = await timeUntil(['npm', 'start'], demoEnv, tiles, Number(demoEnv.PORT));
      const line = {
        bench: 'start',
        serve_health_s: Math.round(serve * 10) / 10,
        demo_tiles_s: Math.round(demo * 10) / 10,
        demo_restart_s: Math.round(restart * 10) / 10,
      };
      console.log(
        json
          ? JSON.stringify(line)
          : `serve → /health ${line.serve_health_s} s; npm start → DORA tiles ${line.demo_tiles_s} s (again: ${line.demo_restart_s} s)`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
