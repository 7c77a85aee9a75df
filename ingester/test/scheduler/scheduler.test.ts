import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseOrganisation } from '../../src/config/organisation.js';
import { loadSettings } from '../../src/config/settings.js';
import { Database } from '../../src/db/database.js';
import { refreshGraph } from '../../src/metrics/refresh.js';
import { Scheduler, type JobName } from '../../src/scheduler/scheduler.js';
import { GitHubSimulator } from '../../src/simulators/github/server.js';
import type { JiraSimulator } from '../../src/simulators/jira/server.js';
import { organisationFileFor } from '../../src/simulators/organisation.js';
import { DAY } from '../../src/simulators/world/calendar.js';
import { freshDatabase, quietLog, type TestDatabase } from '../support/database.js';
import { CLOUD_AUTH, END, jiraWorld, startSite } from '../jira/helpers.js';
import { SEED_NOW, SEED_ORGANISATION, seedSprint } from '../insights/seed.js';
import { FakeSlack, SLACK_TOKEN } from '../slack/fake-slack.js';

/**
 * Two schedulers (two "replicas", each with its own connection pool) on one database:
 * every job runs once per firing, whoever's timer goes off first.
 */

const dbs: TestDatabase[] = [];
const pools: Database[] = [];
const schedulers: Scheduler[] = [];

async function database(): Promise<TestDatabase> {
  const t = await freshDatabase({ migrated: true });
  dbs.push(t);
  return t;
}

/** A second pool on the same database: another replica. */
function replica(t: TestDatabase): Database {
  const db = new Database(t.url, t.embedded, quietLog);
  pools.push(db);
  return db;
}

function scheduler(
  db: Database,
  env: Record<string, string>,
  organisation = SEED_ORGANISATION,
  schedules = {},
) {
  const s = new Scheduler(
    { settings: loadSettings(env), organisation, db, log: quietLog },
    { schedules, github: { waitMsPerSecond: 1 }, jira: { waitMsPerSecond: 1 } },
  );
  schedulers.push(s);
  return s;
}

async function count(db: Database, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM (${sql}) x`, params);
  return rows[0]!.n;
}

afterAll(async () => {
  for (const s of schedulers) await s.stop(1000);
  for (const p of pools) await p.close();
  for (const t of dbs) await t.drop();
});

describe('one firing, two schedulers', () => {
  let t: TestDatabase;
  let a: Scheduler;
  let b: Scheduler;

  beforeAll(async () => {
    t = await database();
    a = scheduler(t.db, {});
    b = scheduler(replica(t), {});
  });

  it('runs the refresh once when both fire at the same time, and records the run', async () => {
    const slot = new Date('2026-11-09T02:00:00Z');
    const outcomes = await Promise.all([a.tick('refresh', slot), b.tick('refresh', slot)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['skipped', 'succeeded']);
    expect(outcomes.find((o) => o.status === 'skipped')!.detail).toMatch(/another replica/);
    expect(
      await count(t.db, `SELECT 1 FROM ops.sync_runs WHERE source = 'metrics' AND scope = 'refresh'`),
    ).toBe(1);
    // The late replica finds the firing done, even with the lock free again.
    expect((await b.tick('refresh', slot)).detail).toBe('this firing already ran on another replica');
    expect(
      await count(t.db, `SELECT 1 FROM ops.sync_runs WHERE source = 'metrics' AND scope = 'refresh'`),
    ).toBe(1);
    const { rows } = await t.db.query<{ status: string; claimed_by: string }>(
      `SELECT status, claimed_by FROM ops.job_slots WHERE job = 'refresh'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe('succeeded');
    expect([a.id, b.id]).toContain(rows[0]!.claimed_by);
    // The next firing runs again.
    expect((await b.tick('refresh', new Date('2026-11-10T02:00:00Z'))).status).toBe('succeeded');
  });

  it.each([
    ['github-sync', /GitHub is not configured/],
    ['jira-sync', /Jira is not configured/],
    ['slack-digest', /SLACK_BOT_TOKEN and SLACK_CHANNEL/],
  ] as [JobName, RegExp][])('skips %s cleanly when its source is not configured', async (job, detail) => {
    const outcome = await a.tick(job, new Date('2026-11-09T03:00:00Z'));
    expect(outcome.status).toBe('skipped');
    expect(outcome.detail).toMatch(detail);
    const { rows } = await t.db.query<{ status: string }>(`SELECT status FROM ops.job_slots WHERE job = $1`, [
      job,
    ]);
    expect(rows).toEqual([{ status: 'skipped' }]);
  });

  it('fires on its cron schedule, each firing taken by one of the two', async () => {
    const every = { refresh: '* * * * * *', 'github-sync': null, 'jira-sync': null, 'slack-digest': null };
    const x = scheduler(t.db, {}, SEED_ORGANISATION, every);
    const y = scheduler(replica(t), {}, SEED_ORGANISATION, every);
    const before = await count(t.db, `SELECT 1 FROM ops.sync_runs WHERE scope = 'refresh'`);
    const since = new Date();
    x.start();
    y.start();
    await new Promise((r) => setTimeout(r, 3500));
    await Promise.all([x.stop(), y.stop()]);
    const slots = await t.db.query<{ slot: Date; status: string }>(
      `SELECT slot, status FROM ops.job_slots WHERE job = 'refresh' AND slot >= $1 ORDER BY slot`,
      [new Date(since.getTime() - 1000)],
    );
    const ran = slots.rows.filter((s) => s.status === 'succeeded').length;
    expect(ran).toBeGreaterThanOrEqual(2);
    expect(await count(t.db, `SELECT 1 FROM ops.sync_runs WHERE scope = 'refresh'`)).toBe(before + ran);
    for (const s of slots.rows) expect(s.slot.getUTCMilliseconds()).toBe(0);
  });
});

describe('sync jobs against the simulators', () => {
  let t: TestDatabase;
  let github: GitHubSimulator;
  let jira: JiraSimulator;

  beforeAll(async () => {
    const world = jiraWorld({ prs: 80, repos: 2, start: END - 45 * DAY });
    github = new GitHubSimulator(world);
    await github.start();
    jira = await startSite(world);
    t = await database();
    const env = {
      GITHUB_API_URL: github.url,
      GITHUB_TOKEN: 'ghp_test_token',
      GITHUB_ORG: world.org.login,
      JIRA_BASE_URL: jira.url,
      JIRA_EMAIL: CLOUD_AUTH.email,
      JIRA_API_TOKEN: CLOUD_AUTH.apiToken,
    };
    const organisation = parseOrganisation(organisationFileFor(world));
    scheduler(t.db, env, organisation);
    scheduler(replica(t), env, organisation);
  });
  afterAll(async () => {
    await github.stop();
    await jira.stop();
  });

  it('syncs each repository and project once per firing, then refreshes the metrics', async () => {
    const [a, b] = schedulers.slice(-2) as [Scheduler, Scheduler];
    const slot = new Date('2026-11-09T10:00:00Z');
    const outcomes = await Promise.all([
      a.tick('github-sync', slot),
      b.tick('github-sync', slot),
      b.tick('jira-sync', slot),
      a.tick('jira-sync', slot),
    ]);
    expect(outcomes.map((o) => `${o.job} ${o.status}`).sort()).toEqual([
      'github-sync skipped',
      'github-sync succeeded',
      'jira-sync skipped',
      'jira-sync succeeded',
    ]);
    const github = outcomes.find((o) => o.job === 'github-sync' && o.status === 'succeeded')!;
    expect(github.detail).toMatch(/^2 repositories, 0 failed; /);
    const { rows } = await t.db.query<{ source: string; scope: string; n: number; ok: number }>(
      `SELECT source, scope, count(*)::int AS n, count(*) FILTER (WHERE status = 'succeeded')::int AS ok
         FROM ops.sync_runs WHERE source IN ('github', 'jira') GROUP BY source, scope ORDER BY source, scope`,
    );
    expect(rows.filter((r) => r.source === 'github')).toHaveLength(2);
    expect(rows.filter((r) => r.source === 'jira').length).toBeGreaterThanOrEqual(1);
    for (const r of rows)
      expect({ scope: r.scope, n: r.n, ok: r.ok }).toEqual({ scope: r.scope, n: 1, ok: 1 });
    expect(
      await count(t.db, `SELECT 1 FROM ops.sync_runs WHERE source = 'metrics' AND status = 'succeeded'`),
    ).toBeGreaterThanOrEqual(1);
    expect(await count(t.db, 'SELECT 1 FROM metrics.deployments')).toBeGreaterThan(0);
  });

  it('refreshes after a refresh that was already running when its rows were written, not instead of it', async () => {
    const [a] = schedulers.slice(-2) as [Scheduler, Scheduler];
    const refreshes = () =>
      count(
        t.db,
        `SELECT 1 FROM ops.sync_runs WHERE source = 'metrics' AND scope = 'refresh' AND status = 'succeeded'`,
      );
    const before = await refreshes();
    // Another replica's refresh holds the lock while this sync writes.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const other = replica(t).withLock('job:refresh', () => held);
    const sync = a.tick('github-sync', new Date('2026-11-09T11:00:00Z'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    release();
    await other;
    const outcome = await sync;
    expect(outcome).toMatchObject({ job: 'github-sync', status: 'succeeded' });
    expect(outcome.detail).toMatch(/; metrics refreshed$/);
    expect(await refreshes()).toBe(before + 1);
  });

  it('refreshes no view on either replica after syncs that found nothing new', async () => {
    const [a, b] = schedulers.slice(-2) as [Scheduler, Scheduler];
    const since = (await t.db.query<{ at: Date }>('SELECT clock_timestamp() AS at')).rows[0]!.at;
    const slot = new Date('2026-11-09T12:00:00Z');
    await Promise.all([a.tick('github-sync', slot), b.tick('github-sync', slot)]);
    await Promise.all([a.tick('jira-sync', slot), b.tick('jira-sync', slot)]);
    const refresh = await b.tick('refresh', new Date('2026-11-09T12:05:00Z'));
    const all = (await refreshGraph(t.db)).size;
    expect(refresh.detail).toMatch(new RegExp(`^0 views in \\d+ ms \\(${all} unchanged\\)`));
    const { rows } = await t.db.query<{ details: { timings: unknown[] } }>(
      `SELECT details FROM ops.sync_runs WHERE source = 'metrics' AND scope = 'refresh' AND started_at >= $1`,
      [since],
    );
    expect(rows.length).toBeGreaterThanOrEqual(1);
    for (const r of rows) expect(r.details.timings).toEqual([]);
    expect(await count(t.db, 'SELECT 1 FROM ops.source_changes')).toBe(0);
  });
});

describe('the Slack digest job', () => {
  let t: TestDatabase;
  const slack = new FakeSlack();

  beforeAll(async () => {
    t = await database();
    await seedSprint(t.db);
    await slack.start();
  });
  afterAll(() => slack.stop());

  it("posts each team's summary once, records the run, and skips teams without a sprint to show", async () => {
    // The clock is the seed's, so its sprint is the active one whatever today is.
    const env = {
      SLACK_BOT_TOKEN: SLACK_TOKEN,
      SLACK_CHANNEL: '#team-payments',
      SLACK_API_URL: slack.url,
      ENGMETRICS_NOW: new Date(SEED_NOW).toISOString(),
    };
    const a = scheduler(t.db, env);
    const b = scheduler(replica(t), env);
    const slot = new Date('2026-11-09T09:00:00Z');
    const outcomes = await Promise.all([a.tick('slack-digest', slot), b.tick('slack-digest', slot)]);
    const ran = outcomes.find((o) => o.status === 'succeeded')!;
    expect(ran.detail).toBe(
      'payments: posted to #team-payments; platform: no sprint with dates on its boards',
    );
    expect(slack.posts()).toHaveLength(1);
    // Another firing the same day finds the team served.
    const later = await a.tick('slack-digest', new Date('2026-11-09T09:00:01Z'));
    expect(later.detail).toMatch(/^payments: team "payments" already had its summary posted today/);
    expect(slack.posts()).toHaveLength(1);
    const { rows } = await t.db.query<{ status: string; details: { teams: unknown[] } }>(
      `SELECT status, details FROM ops.sync_runs WHERE source = 'slack' AND scope = 'digest' ORDER BY id`,
    );
    expect(rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
    expect(rows[0]!.details.teams).toHaveLength(2);
  });
});
