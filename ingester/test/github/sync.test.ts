import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Database } from '../../src/db/database.js';
import { refreshMetrics } from '../../src/metrics/refresh.js';
import { applyOrganisationSettings } from '../../src/metrics/settings.js';
import type { GitHubSimulator } from '../../src/simulators/github/server.js';
import { DAY } from '../../src/simulators/world/calendar.js';
import type { World } from '../../src/simulators/world/types.js';
import { freshDatabase, quietLog, type TestDatabase } from '../support/database.js';
import { snapshot, startGitHub, syncFrom, TEST_ORGANISATION, testWorld } from '../support/github.js';
import { capturedLogger } from '../support/logs.js';
import { runCli } from '../support/processes.js';

const world: World = testWorld();
const since = new Date(Math.floor(world.spec.start / DAY) * DAY);

describe('GitHub sync of a generated organisation', () => {
  let sim: GitHubSimulator;
  let full: TestDatabase;
  let fullSnapshot: Record<string, unknown[]>;
  let fullRequests: number;

  beforeAll(async () => {
    sim = await startGitHub(world);
    full = await freshDatabase({ migrated: true });
    const before = sim.stats.requests;
    const { results } = await syncFrom(sim, full.db, { since });
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    fullRequests = sim.stats.requests - before;
    fullSnapshot = await snapshot(full.db);
    await applyOrganisationSettings(full.db, TEST_ORGANISATION);
    await refreshMetrics(full.db);
  });
  afterAll(async () => {
    await sim.stop();
    await full.drop();
  });

  it('lands every pull request with its commits and reviews', () => {
    const end = world.spec.end;
    const prs = world.repos.flatMap((r) => r.pullRequests).filter((p) => p.createdAt <= end);
    expect(fullSnapshot.github_pull_requests).toHaveLength(prs.length);
    expect(fullSnapshot.github_pr_commits).toHaveLength(
      prs.reduce((n, p) => n + p.commits.filter((c) => c.committedAt <= end).length, 0),
    );
    expect(fullSnapshot.github_pr_reviews).toHaveLength(
      prs.reduce((n, p) => n + p.reviews.filter((r) => r.submittedAt <= end).length, 0),
    );
    const bots = (fullSnapshot.github_pull_requests as { author_login: string | null }[]).filter((p) =>
      p.author_login?.endsWith('[bot]'),
    );
    expect(bots.length).toBe(prs.filter((p) => p.author?.endsWith('[bot]')).length);
  });

  it('records which deployments the generator made, with their baselines and failed attempts', async () => {
    const { rows } = await full.db.query<{ id: string; baseline: boolean; source: string }>(
      'SELECT id, baseline, source FROM metrics.deployments',
    );
    const truth = new Map(world.truth.deployments.map((d) => [d.key, d]));
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set(truth.keys()));
    for (const r of rows) {
      expect(r.baseline).toBe(truth.get(r.id)!.baseline);
      expect(r.source).toBe(truth.get(r.id)!.source);
    }
    const attempts = await full.db.query<{ id: string }>('SELECT id FROM metrics.deployment_failed_attempts');
    expect(attempts.rows.map((r) => r.id).sort()).toEqual(
      world.truth.failedAttempts.map((a) => a.deploymentId).sort(),
    );
  });

  it('ships each pull request with the deployment the generator shipped it with, rollbacks and branch deploys included', async () => {
    const { rows } = await full.db.query<{
      deployment_id: string;
      repo: string;
      number: number;
      method: string;
    }>(
      `SELECT c.deployment_id, r.name AS repo, p.number, c.method
         FROM metrics.deployment_changes c
         JOIN source.github_pull_requests p ON p.id = c.pr_id
         JOIN source.github_repos r ON r.id = p.repo_id`,
    );
    const shipped = new Map<string, number[]>();
    for (const r of rows)
      shipped.set(
        r.deployment_id,
        [...(shipped.get(r.deployment_id) ?? []), r.number].sort((a, b) => a - b),
      );
    for (const d of world.truth.deployments)
      expect([d.key, shipped.get(d.key) ?? []]).toEqual([d.key, [...d.ships].sort((a, b) => a - b)]);
    // The truth has rollbacks (ship nothing) and hotfixes deployed from their branch (placed by a compare).
    expect(world.truth.deployments.some((d) => d.reworkOf === 'rollback')).toBe(true);
    if (world.truth.deployments.some((d) => d.reworkOf === 'hotfix' && d.repo === 'payments-api'))
      expect(rows.some((r) => r.method === 'compare')).toBe(true);
    expect(rows.every((r) => r.method !== 'approximate')).toBe(true);
  });

  it('writes nothing when run again with nothing new, in one request per repository and one listing', async () => {
    const before = sim.stats.requests;
    const { results } = await syncFrom(sim, full.db, {});
    expect(results.reduce((n, r) => n + r.rowsWritten, 0)).toBe(0);
    expect(await snapshot(full.db)).toEqual(fullSnapshot);
    // One GraphQL query per repository, the org listing (a 304), and the workflow-run page of the one Actions-deployed repo.
    expect(sim.stats.requests - before).toBeLessThanOrEqual(world.repos.length + 2);
  });

  it('gives the same rows from a sync and a later incremental sync as from one sync at the end', async () => {
    const t = await freshDatabase({ migrated: true });
    try {
      sim.setNow(world.spec.end - 40 * DAY);
      await syncFrom(sim, t.db, { since });
      sim.setNow(world.spec.end - 12 * DAY);
      await syncFrom(sim, t.db, {});
      sim.setNow(world.spec.end);
      await syncFrom(sim, t.db, {});
      expect(await snapshot(t.db)).toEqual(fullSnapshot);
    } finally {
      sim.setNow(world.spec.end);
      await t.drop();
    }
  });

  it('runs no more repositories side by side than its connection pool can lock and write for', async () => {
    const t = await freshDatabase({ migrated: true });
    // Four connections: sixteen lock holders would leave none to write with.
    const small = new Database(t.url, t.embedded, quietLog, undefined, 4);
    try {
      const { results } = await syncFrom(sim, small, { since, concurrency: 16 });
      expect(results.map((r) => r.status)).toEqual(world.repos.map(() => 'succeeded'));
      expect(await snapshot(small)).toEqual(fullSnapshot);
    } finally {
      await small.close();
      await t.drop();
    }
  });

  it('survives rate limits, secondary limits, 5xx bursts and slow answers, waiting what GitHub asks', async () => {
    const t = await freshDatabase({ migrated: true });
    const logs = capturedLogger();
    try {
      sim.inject({ kind: 'primary-rate-limit', resetInSeconds: 1 }, 1, /^\/orgs\/acme\/repos$/);
      sim.inject({ kind: 'secondary-rate-limit', retryAfterSeconds: 2 }, 1, /^\/graphql$/);
      sim.inject({ kind: 'graphql-rate-limited', resetInSeconds: 1 }, 1, /^\/graphql$/);
      sim.inject({ kind: 'server-error', status: 502 }, 2, /^\/graphql$/);
      sim.inject({ kind: 'server-error', status: 503 }, 1, /\/compare\//);
      sim.inject({ kind: 'slow', delayMs: 300 }, 2);
      const before = sim.stats.requests;
      const { results } = await syncFrom(sim, t.db, { since }, logs.log);
      expect(results.map((r) => r.status)).toEqual(results.map(() => 'succeeded'));
      expect(await snapshot(t.db)).toEqual(fullSnapshot);
      // Every faulty answer was asked again.
      expect(sim.stats.requests - before).toBe(fullRequests + 6);
      const text = logs.lines.join('\n');
      expect(text).toMatch(/secondary rate limit; backing off/);
      expect(text).toMatch(/rate limit reached; waiting for the reset/);
    } finally {
      sim.clearFaults();
      await t.drop();
    }
  });
});

describe('malformed records', () => {
  it('are logged, counted in the run record and skipped while the rest lands', async () => {
    const broken = testWorld({ prs: 300, malformedShare: 0.05 });
    const visible = broken.repos.flatMap((r) => r.pullRequests).filter((p) => p.createdAt <= broken.spec.end);
    const bad = visible.filter((p) => p.malformed === 'bad-date' || p.malformed === 'missing-number');
    const odd = visible.filter((p) => p.malformed === 'odd-unicode');
    expect(bad.length).toBeGreaterThan(1);
    expect(odd.length).toBeGreaterThan(0);
    const sim = await startGitHub(broken);
    const t = await freshDatabase({ migrated: true });
    const logs = capturedLogger();
    try {
      const { results } = await syncFrom(sim, t.db, { since: new Date(broken.spec.start) }, logs.log);
      expect(results.every((r) => r.status === 'succeeded')).toBe(true);
      const { rows } = await t.db.query<{ skipped: number }>(
        `SELECT sum(records_skipped)::int AS skipped FROM ops.sync_runs WHERE source = 'github'`,
      );
      expect(rows[0]!.skipped).toBe(bad.length);
      const all = broken.repos.reduce(
        (n, r) => n + r.pullRequests.filter((p) => p.createdAt <= broken.spec.end).length,
        0,
      );
      const landed = await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM source.github_pull_requests',
      );
      expect(landed.rows[0]!.n).toBe(all - bad.length);
      const oddRow = await t.db.query<{ title: string }>(
        'SELECT title FROM source.github_pull_requests WHERE id = $1',
        [odd[0]!.id],
      );
      expect(oddRow.rows[0]!.title).toContain('🚀');
      expect(oddRow.rows[0]!.title).not.toContain('\u0000');
      expect(logs.lines.filter((l) => l.includes('malformed record skipped')).length).toBe(bad.length);
    } finally {
      await sim.stop();
      await t.drop();
    }
  });
});

describe('a sync killed part way', () => {
  it('loses and duplicates nothing once run again (real PostgreSQL)', async () => {
    if (!process.env.DATABASE_URL) {
      console.info(
        'skipped on the embedded database: a SIGKILL mid-write is a test of PostgreSQL crash safety',
      );
      return;
    }
    const sim = await startGitHub(world);
    const interrupted = await freshDatabase({ migrated: true });
    const clean = await freshDatabase({ migrated: true });
    const dir = mkdtempSync(join(tmpdir(), 'org-'));
    writeFileSync(
      join(dir, 'org.yaml'),
      'deployments:\n  repos:\n    infra-tools: { source: workflow, workflow: Deploy }\n',
    );
    const env = {
      DATABASE_URL: interrupted.url,
      API_TOKEN: 'unused-but-required-0000',
      GITHUB_API_URL: sim.url,
      GITHUB_TOKEN: 'ghp_test_token',
      GITHUB_ORG: 'acme',
      ENGMETRICS_CONFIG: join(dir, 'org.yaml'),
      LOG_LEVEL: 'warn',
    };
    const args = ['sync', 'github', '--since', since.toISOString().slice(0, 10), '--concurrency', '2'];
    try {
      sim.inject({ kind: 'slow', delayMs: 250 }, 1000, /^\/graphql$/);
      const first = runCli(args, env);
      const graphqlBefore = sim.stats.graphqlRequests;
      while (sim.stats.graphqlRequests - graphqlBefore < 8) await new Promise((r) => setTimeout(r, 50));
      first.child.kill('SIGKILL');
      await first.exited;
      const partial = await interrupted.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM source.github_pull_requests',
      );
      expect(partial.rows[0]!.n).toBeGreaterThan(0);
      expect(partial.rows[0]!.n).toBeLessThan(world.repos.reduce((n, r) => n + r.pullRequests.length, 0));
      sim.clearFaults();
      const second = runCli(args, env);
      const code = await second.exited;
      // The output says why, should it not succeed.
      expect({ code, output: code === 0 ? '' : second.output() }).toEqual({ code: 0, output: '' });
      await syncFrom(sim, clean.db, { since });
      expect(await snapshot(interrupted.db)).toEqual(await snapshot(clean.db));
    } finally {
      sim.clearFaults();
      await sim.stop();
      await interrupted.drop();
      await clean.drop();
    }
  });
});
