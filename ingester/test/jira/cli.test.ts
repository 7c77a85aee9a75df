import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JiraSimulator } from '../../src/simulators/jira/server.js';
import type { World } from '../../src/simulators/world/types.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { runCli, waitFor } from '../support/processes.js';
import { CLOUD_AUTH, jiraWorld, snapshot, startSite, syncSite } from './helpers.js';

/**
 * `engmetrics sync jira` as a user runs it: a child process against the simulator
 * running here, writing to this test's database.
 */

let world: World;
let sim: JiraSimulator;
const dbs: TestDatabase[] = [];

beforeAll(async () => {
  world = jiraWorld({ prs: 900 });
  sim = await startSite(world);
});

afterAll(async () => {
  await sim?.stop();
  for (const d of dbs) await d.drop();
});

async function fresh(): Promise<TestDatabase> {
  const d = await freshDatabase({ migrated: true });
  dbs.push(d);
  return d;
}

const env = (db: TestDatabase) => ({
  DATABASE_URL: db.url,
  JIRA_BASE_URL: sim.url,
  JIRA_EMAIL: CLOUD_AUTH.email,
  JIRA_API_TOKEN: CLOUD_AUTH.apiToken,
  LOG_LEVEL: 'warn',
});

// Each test starts the CLI from source (tsx) at least once; the machine may be busy.
const SLOW = 150_000;
const children: ReturnType<typeof runCli>[] = [];
const cli = (args: string[], environment: Record<string, string>) => {
  const c = runCli(args, environment);
  children.push(c);
  return c;
};

afterAll(() => {
  for (const c of children) if (c.child.exitCode === null) c.child.kill('SIGKILL');
});

describe('engmetrics sync jira', () => {
  it(
    'prints a table per project, and refuses to start without credentials',
    async () => {
      const db = await fresh();
      const run = cli(['sync', 'jira', '--project', 'pay'], env(db));
      expect(await run.exited).toBe(0);
      expect(run.output()).toMatch(
        /^project\s+status\s+issues\s+changelog entries\s+rows written\s+requests/m,
      );
      expect(run.output()).toMatch(/^PAY\s+succeeded\s+\d+\s+\d+/m);
      expect(run.output()).not.toContain(CLOUD_AUTH.apiToken);
      const { rows } = await db.db.query<{ scope: string; status: string; api_requests: number }>(
        `SELECT scope, status, api_requests FROM ops.sync_runs WHERE source = 'jira'`,
      );
      expect(rows).toEqual([{ scope: 'PAY', status: 'succeeded', api_requests: expect.any(Number) }]);
      expect(rows[0]!.api_requests).toBeGreaterThan(0);

      const { JIRA_API_TOKEN: _t, JIRA_EMAIL: _e, ...noCredentials } = env(db);
      const refused = cli(['sync', 'jira'], noCredentials);
      expect(await refused.exited).toBe(78);
      expect(refused.output()).toMatch(/JIRA_API_TOKEN: is required to sync Jira/);
    },
    SLOW,
  );

  it(
    'killed with SIGKILL part way, then run again, loses and duplicates nothing',
    async () => {
      const reference = await fresh();
      await syncSite(sim, reference.db);
      sim.resetStats();

      const db = await fresh();
      // Slow answers give the kill somewhere to land: after some projects are committed, before all are.
      sim.inject({ kind: 'slow', delayMs: 300 }, 1000, /bulkfetch|search\/jql/);
      const first = cli(['sync', 'jira'], env(db));
      await waitFor(
        async () => {
          const { rows } = await db.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM ops.sync_state WHERE source = 'jira' AND watermark > 'epoch'`,
          );
          return rows[0]!.n >= 1 ? true : undefined;
        },
        120_000,
        'a first project committed',
      );
      first.child.kill('SIGKILL');
      await first.exited;
      sim.clearFaults();

      const partial = await db.db.query<{ project_key: string; n: number }>(
        'SELECT project_key, count(*)::int AS n FROM source.jira_issues GROUP BY project_key',
      );
      expect(partial.rows.length).toBeGreaterThanOrEqual(1);
      expect(partial.rows.length).toBeLessThan(4);
      const { rows: running } = await db.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ops.sync_runs WHERE source = 'jira' AND status = 'running'`,
      );
      // The projects in flight when it was killed: two side by side by default.
      expect(running[0]!.n).toBeLessThanOrEqual(2);

      const second = cli(['sync', 'jira'], env(db));
      expect(await second.exited).toBe(0);
      expect(await snapshot(db.db)).toEqual(await snapshot(reference.db));
    },
    SLOW,
  );
});
