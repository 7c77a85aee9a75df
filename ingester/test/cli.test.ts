import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { freePort, runCli, waitFor } from './support/processes.js';

/** `engmetrics serve` on a data folder until /health answers; `stop` sends Ctrl-C and waits for the exit. */
async function serveOn(dataDir: string, pgPort: number, args: string[] = []) {
  const port = await freePort();
  const cli = runCli(['serve', ...args], {
    PORT: String(port),
    ENGMETRICS_PG_PORT: String(pgPort),
    ENGMETRICS_DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    const health = await waitFor(
      async () => {
        const r = await fetch(`${url}/health`);
        return r.ok ? r.json() : undefined;
      },
      // How fast is for `npm run bench -- start`; a busy machine only makes this wait.
      90_000,
      '/health',
    );
    expect(health).toEqual({ status: 'ok' });
    await waitFor(
      async () => (/Token {5}\S/.test(cli.output()) ? true : undefined),
      10_000,
      'the Token line',
    );
  } catch (err) {
    cli.child.kill('SIGINT');
    throw err;
  }
  const teams = (token: string) =>
    fetch(`${url}/metrics/teams`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
  return {
    cli,
    port,
    url,
    teams,
    async stop() {
      cli.child.kill('SIGINT');
      return cli.exited;
    },
  };
}

describe('engmetrics serve on the embedded database', () => {
  it('migrates, answers /health, keeps its generated API token for the next start, and exits cleanly on Ctrl-C', async () => {
    const pgPort = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'engmetrics-'));
    const tokenFile = join(dataDir, 'api-token');

    const first = await serveOn(dataDir, pgPort, ['--migrate']);
    let token: string;
    try {
      expect(first.cli.output()).toContain(`API       http://127.0.0.1:${first.port}`);
      expect(first.cli.output()).toContain(`Postgres  postgres://postgres@127.0.0.1:${pgPort}/postgres`);
      expect(first.cli.output()).toMatch(/embedded database: one machine, for trying things out/);
      const ready = await (await fetch(`${first.url}/ready`)).json();
      expect(ready).toMatchObject({ ready: true });
      // No API_TOKEN: one is generated, kept in the data folder for its owner only, and shown by where it is.
      token = readFileSync(tokenFile, 'utf8').trim();
      expect(token.length).toBeGreaterThanOrEqual(16);
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
      expect(first.cli.output()).toContain(`Token     ${tokenFile}  (generated now and kept;`);
      expect(first.cli.output()).not.toContain(token);
      expect(await first.teams(token)).toBe(200);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    // Started again: the same token (what was configured with it still works), the data still there
    // (serve without --migrate refuses a database that needs migrations).
    const second = await serveOn(dataDir, pgPort);
    try {
      expect(readFileSync(tokenFile, 'utf8').trim()).toBe(token);
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
      expect(second.cli.output()).toContain(
        `Token     ${tokenFile}  (generated on an earlier start and kept;`,
      );
      expect(second.cli.output()).not.toContain(token);
      expect(await second.teams(token)).toBe(200);
      expect(await second.teams('not-the-kept-token-0123456789')).toBe(401);
    } finally {
      expect(await second.stop()).toBe(0);
    }

    const again = runCli(['migrate'], {
      ENGMETRICS_PG_PORT: String(pgPort),
      ENGMETRICS_DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    });
    expect(await again.exited).toBe(0);
    expect(again.output()).toContain('database is up to date');
  }, 240_000);
});

interface DemoInsight {
  sprint: { state: string; name: string };
  source: string;
  summary: string;
  selection: { kind: string; reason: string };
}

/** `engmetrics demo` as if it were `now`; resolves with its output and the team's insight, then stops it. */
async function demoAt(now: string, env: Record<string, string> = {}) {
  const [port, pgPort] = [await freePort(), await freePort()];
  const dataDir = mkdtempSync(join(tmpdir(), 'engmetrics-demo-'));
  const token = 'demo-test-token-0123456789';
  const cli = runCli(['demo', '--prs', '300', '--repos', '4', '--days', '60', '--now', now], {
    PORT: String(port),
    ENGMETRICS_PG_PORT: String(pgPort),
    ENGMETRICS_DATA_DIR: dataDir,
    API_TOKEN: token,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const get = async <T>(path: string) => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return { status: r.status, body: (await r.json()) as T };
  };
  try {
    await waitFor(
      async () => ((await fetch(`http://127.0.0.1:${port}/health`)).ok ? true : undefined),
      150_000,
      '/health',
    );
    const url = /Insight {3}http:\/\/127\.0\.0\.1:\d+(\/insights\/sprint-health\?team=\S+)/.exec(
      cli.output(),
    );
    const insight = url ? await get<DemoInsight>(url[1]!) : undefined;
    const tiles = await get<{ tiles: { metric: string; value: number | null }[] }>('/metrics/tiles');
    return { output: cli.output(), insight, tiles };
  } finally {
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  }
}

describe('engmetrics demo (npm start) on the embedded database', () => {
  it('syncs a generated organisation from the simulators, prints its DORA tiles and serves tiles and an insight', async () => {
    // A Wednesday in the middle of a sprint.
    const { output: out, insight, tiles } = await demoAt('2026-12-02T10:00:00Z');
    expect(out).toMatch(/GitHub: \d+ pull requests in 4 scopes/);
    expect(out).toMatch(/Jira: \d+ issues in \d+ scopes/);
    expect(out).toContain('DORA, all teams, last 90 days (generated organisation');
    expect(out).toMatch(/Deployment frequency\s+\d+ in [\d.]+ weeks/);
    expect(out).toMatch(/GitHub {4}http:\/\/127\.0\.0\.1:\d+ {2}\(simulator\)/);
    expect(out).toMatch(/\(active\) \S+ Sprint \d+ is the sprint running/);

    expect(tiles.status).toBe(200);
    const frequency = tiles.body.tiles.find((t) => t.metric === 'deployments');
    expect(frequency?.value).toBeGreaterThan(0);

    expect(insight?.status).toBe(200);
    expect(insight!.body.sprint.state).toBe('active');
    expect(insight!.body.selection.kind).toBe('active');
    expect(insight!.body.source).toBe('rules');
    expect(insight!.body.summary).toContain(insight!.body.sprint.name);
  }, 180_000);

  it.each([
    ['on the Sunday between two sprints', '2026-12-06T10:00:00Z', {}],
    ['on a Monday morning before the next sprint starts', '2026-12-07T07:00:00Z', {}],
    [
      'in the hour Berlin leaves summer time, between two sprints',
      '2026-10-25T00:30:00Z',
      { SCHEDULE_TIMEZONE: 'Europe/Berlin' },
    ],
  ])(
    'answers with the sprint that closed last %s, saying so',
    async (_when, now, env: Record<string, string>) => {
      const { output, insight, tiles } = await demoAt(now, env);
      expect(tiles.status).toBe(200);
      expect(output).toMatch(
        /\(closed\) No sprint is running on the team's board; \S+ Sprint \d+ closed \d{4}-\d{2}-\d{2}/,
      );
      expect(insight?.status).toBe(200);
      expect(insight!.body.sprint.state).toBe('closed');
      expect(insight!.body.selection).toMatchObject({ kind: 'last_closed' });
      expect(insight!.body.selection.reason).toContain(insight!.body.sprint.name);
      expect(insight!.body.summary).toContain('at its close');
    },
    180_000,
  );
});

describe('engmetrics doctor', () => {
  it('prints a table and exits non-zero when a configured API does not answer', async () => {
    const cli = runCli(['doctor'], {
      ENGMETRICS_DATA_DIR: mkdtempSync(join(tmpdir(), 'engmetrics-')),
      ENGMETRICS_PG_PORT: String(await freePort()),
      GITHUB_TOKEN: 'ghp_doctor_test_token',
      GITHUB_API_URL: `http://127.0.0.1:${await freePort()}`,
      LOG_LEVEL: 'silent',
    });
    expect(await cli.exited).toBe(1);
    const out = cli.output();
    expect(out).toMatch(/^check\s+status\s+detail$/m);
    expect(out).toMatch(/^database\s+ok\s+PostgreSQL \d+(\.\d+)+ \(embedded\)$/m);
    expect(out).toMatch(/^migrations\s+warn\s+.*pending/m);
    expect(out).toMatch(/^github\s+fail\s+/m);
    expect(out).toMatch(/^jira\s+skip\s+not configured/m);
    expect(out).not.toContain('ghp_doctor_test_token');
  });
});
