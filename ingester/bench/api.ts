import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DAY } from '../src/simulators/world/calendar.js';
import { freePort } from '../test/support/processes.js';
import { loadDataset, percentiles, stderrLog } from './dataset.js';
import type { Benchmark } from './main.js';
import { benchDatabase, option, textOption } from './support.js';

/**
 * `npm run bench -- api [--clients 20] [--seconds 10] [--scale small] [--json]`: loads a
 * dataset, starts `engmetrics serve` on it in a process of its own, and drives each
 * endpoint with concurrent keep-alive clients for a while; one line per endpoint.
 */

const INGESTER = fileURLToPath(new URL('..', import.meta.url));

async function drive(
  url: string,
  token: string,
  clients: number,
  seconds: number,
): Promise<{ samples: number[]; errors: number; statuses: Record<number, number> }> {
  const samples: number[] = [];
  const statuses: Record<number, number> = {};
  let errors = 0;
  const until = performance.now() + seconds * 1000;
  const client = async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      try {
        const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.ok) samples.push(performance.now() - t0);
        else errors += 1;
      } catch {
        errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return { samples, errors, statuses };
}

export const apiBenchmark: Benchmark = {
  name: 'api',
  description: 'serve a loaded dataset and drive each endpoint with concurrent clients',
  async run(args, json) {
    const clients = option(args, 'clients', 20);
    const seconds = option(args, 'seconds', 10);
    const scale = textOption(args, 'scale', 'small');
    const { db, url, drop } = await benchDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'engmetrics-bench-'));
    let server: ReturnType<typeof spawn> | undefined;
    try {
      const { end, teams, organisationYaml } = await loadDataset(db, scale, stderrLog);
      const team = teams[0]!;
      const { rows } = await db.query<{ sprint_id: string }>(
        `SELECT s.sprint_id FROM metrics.sprints s JOIN metrics.team_boards b USING (board_id)
          WHERE b.team = $1 AND s.start_at < $2 ORDER BY s.start_at DESC LIMIT 1`,
        [team, new Date(end)],
      );
      const sprint = rows[0]?.sprint_id;
      if (!sprint) throw new Error(`the dataset has no sprint for team ${team}`);
      const orgFile = join(dir, 'organisation.yaml');
      writeFileSync(orgFile, organisationYaml);

      const port = await freePort();
      const token = randomBytes(18).toString('base64url');
      const base = `http://127.0.0.1:${port}`;
      stderrLog(`starting engmetrics serve on ${base}`);
      server = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
        cwd: INGESTER,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          NODE_ENV: 'production',
          DATABASE_URL: url,
          API_TOKEN: token,
          PORT: String(port),
          ENGMETRICS_CONFIG: orgFile,
          SCHEDULER: 'off',
          LOG_LEVEL: 'warn',
        },
      });
      const exited = new Promise<never>((_, reject) =>
        server!.once('exit', (code) => reject(new Error(`engmetrics serve exited (${code})`))),
      );
      for (let up = false; !up;) {
        up = await Promise.race([
          fetch(`${base}/health`).then(
            (r) => r.ok,
            () => false,
          ),
          exited,
        ]);
        if (!up) await new Promise((r) => setTimeout(r, 200));
      }

      const year = `from=${new Date(end - 365 * DAY).toISOString()}&to=${new Date(end).toISOString()}`;
      const t = encodeURIComponent(team);
      const endpoints = [
        { name: 'insight (cached)', path: `/insights/sprint-health?sprint=${sprint}` },
        { name: 'tiles (team, 90 days)', path: `/metrics/tiles?team=${t}` },
        { name: 'tiles (all teams, 90 days)', path: `/metrics/tiles` },
        {
          name: 'series lead_time_p50 (team, a year by week)',
          path: `/metrics/series/lead_time_p50?team=${t}&${year}`,
        },
        {
          name: 'series deployments (all teams, a year by day)',
          path: `/metrics/series/deployments?interval=day&${year}`,
        },
        {
          name: 'series wip (team, a year by day)',
          path: `/metrics/series/wip?team=${t}&interval=day&${year}`,
        },
        { name: 'teams', path: '/metrics/teams' },
      ];
      // The first insight request writes it (and its fact sheet) to the cache.
      const first = await fetch(`${base}${endpoints[0]!.path}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (!first.ok) throw new Error(`the insight answered ${first.status}: ${await first.text()}`);

      let failed = false;
      for (const e of endpoints) {
        stderrLog(`${e.name}: ${clients} clients for ${seconds} s`);
        const r = await drive(`${base}${e.path}`, token, clients, seconds);
        const { p50, p95 } = percentiles(r.samples);
        const line = {
          bench: 'api',
          endpoint: `GET ${e.path.split('?')[0]} ${e.name}`,
          rps: Math.round(r.samples.length / seconds),
          p50_ms: p50,
          p95_ms: p95,
          errors: r.errors,
        };
        if (r.errors) {
          failed = true;
          stderrLog(`${e.name}: ${r.errors} failed requests, statuses ${JSON.stringify(r.statuses)}`);
        }
        console.log(
          json
            ? JSON.stringify(line)
            : `${line.endpoint.padEnd(70)} ${String(line.rps).padStart(5)} req/s  p50 ${p50} ms  p95 ${p95} ms${r.errors ? `  ${r.errors} errors` : ''}`,
        );
      }
      if (failed) process.exitCode = 1;
    } finally {
      server?.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      await drop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
