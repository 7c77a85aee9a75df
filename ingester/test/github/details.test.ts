import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import type { GitHubSimulator } from '../../src/simulators/github/server.js';
import type { World } from '../../src/simulators/world/types.js';
import { createGitHubClient, PointsPerMinute } from '../../src/sources/github/client.js';
import { issueRefs, revertedNumber } from '../../src/sources/github/map.js';
import { placeFirstParents } from '../../src/sources/github/history.js';
import { selectRepositories, type RepoRef } from '../../src/sources/github/repos.js';
import { freshDatabase, quietLog, type TestDatabase } from '../support/database.js';
import { startGitHub, syncFrom, testWorld } from '../support/github.js';

describe('mapping GitHub payloads', () => {
  it('finds Jira keys in the title, the (often lower-case) branch and the body, first place first', () => {
    expect(issueRefs('PAY-12 Fix refunds', 'feature/pay-12-fix', 'Closes PAY-12 and PLAT-3.')).toEqual([
      { key: 'PAY-12', foundIn: 'title' },
      { key: 'PLAT-3', foundIn: 'body' },
    ]);
    expect(issueRefs('Tidy up', 'feature/mob-7-tidy', null)).toEqual([{ key: 'MOB-7', foundIn: 'branch' }]);
    // Lower case in a title is prose, not a key; a key needs digits after the dash.
    expect(issueRefs('fix pay-12 later', 'main', 'see ABC-x')).toEqual([]);
  });

  it('reads what a revert PR reverts, only within its own repository', () => {
    expect(
      revertedNumber('acme/api', 'Revert "Add cache"', 'revert-41-feature/cache', 'Reverts acme/api#41'),
    ).toBe(41);
    expect(revertedNumber('acme/api', 'Revert "Add cache"', 'revert-41-feature/cache', '')).toBe(41);
    expect(revertedNumber('acme/api', 'Revert "x"', 'x', 'Reverts acme/other#41')).toBeNull();
    expect(revertedNumber('acme/api', 'Add revert-button', 'revert-41-x', '')).toBeNull();
  });

  it('places first parents on a line, continuing from the last sync, past merged branches', () => {
    const c = (oid: string, ...parents: string[]) =>
      [oid, { oid, committedDate: '2026-01-01T00:00:00Z', authoredDate: null, parents }] as const;
    // m3 merges branch b1 into m2; m2 follows m1 (already placed at position 10).
    const fetched = new Map([c('m3', 'm2', 'b1'), c('b1', 'm1'), c('m2', 'm1'), c('m1', 'm0')]);
    const placed = placeFirstParents('m3', fetched, { oid: 'm1', position: 10 });
    expect(placed.reachedKnown).toBe(true);
    expect(placed.commits.map((x) => [x.oid, x.position])).toEqual([
      ['m2', 11],
      ['m3', 12],
    ]);
    const first = placeFirstParents('m3', fetched, null);
    expect(first.commits.map((x) => x.oid)).toEqual(['m0', 'm1', 'm2', 'm3'].filter((o) => fetched.has(o)));
  });

  it('chooses repositories by name, pattern and exclusion', () => {
    const r = (name: string): RepoRef => ({
      id: name,
      owner: 'acme',
      name,
      defaultBranch: 'main',
      archived: false,
    });
    const all = ['payments-api', 'payments-web', 'ledger', 'sandbox-1'].map(r);
    expect(selectRepositories(all, []).map((x) => x.name)).toEqual([
      'ledger',
      'payments-api',
      'payments-web',
      'sandbox-1',
    ]);
    expect(selectRepositories(all, ['payments-*', 'ledger']).map((x) => x.name)).toEqual([
      'ledger',
      'payments-api',
      'payments-web',
    ]);
    expect(selectRepositories(all, ['!sandbox-*']).map((x) => x.name)).toEqual([
      'ledger',
      'payments-api',
      'payments-web',
    ]);
    expect(selectRepositories(all, [], ['acme/ledger']).map((x) => x.name)).toEqual(['ledger']);
  });
});

describe('pacing GraphQL for the secondary rate limit', () => {
  it('lets a minute hold the limit, and a query wait until the oldest is a minute old', async () => {
    jest.useFakeTimers({ now: 0 });
    try {
      const pace = new PointsPerMinute(3);
      for (let i = 0; i < 3; i++) await pace.reserve(1);
      let sent = false;
      const fourth = pace.reserve(1).then(() => (sent = true));
      await jest.advanceTimersByTimeAsync(59_000);
      expect(sent).toBe(false);
      await jest.advanceTimersByTimeAsync(1_100);
      await fourth;
      expect(sent).toBe(true);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('GitHub sync details', () => {
  let world: World;
  let sim: GitHubSimulator;
  let t: TestDatabase;
  beforeAll(async () => {
    world = testWorld({ prs: 250, repos: 3 });
    // A long-lived pull request: more commits and reviews than one nested page holds.
    const pr = world.repos[0]!.pullRequests.find((p) => p.mergedAt !== null)!;
    const base = pr.commits[0]!;
    pr.commits = Array.from({ length: 150 }, (_, i) => ({
      ...base,
      oid: `${base.oid.slice(0, 30)}${String(i).padStart(10, '0')}`,
      authoredAt: base.authoredAt + i * 60_000,
      committedAt: base.committedAt + i * 60_000,
    }));
    const review = pr.reviews[0] ?? {
      id: '',
      databaseId: 1,
      author: 'ada-okafor',
      state: 'COMMENTED' as const,
      submittedAt: pr.createdAt + 3_600_000,
      body: '',
      comments: 1,
    };
    pr.reviews = Array.from({ length: 130 }, (_, i) => ({
      ...review,
      id: `PRR_long_${i}`,
      databaseId: 9_000_000 + i,
      state: 'COMMENTED' as const,
      submittedAt: pr.createdAt + (i + 1) * 60_000,
    }));
    sim = await startGitHub(world);
    t = await freshDatabase({ migrated: true });
    await syncFrom(sim, t.db, { since: new Date(world.spec.start) });
  });
  afterAll(async () => {
    await sim.stop();
    await t.drop();
  });

  it("paces GraphQL by requests, as GitHub's secondary limit counts them, not by their primary cost", async () => {
    class Recording extends PointsPerMinute {
      reserved: number[] = [];
      override async reserve(points: number) {
        this.reserved.push(points);
      }
    }
    const pace = new Recording(1800);
    const { client, stats } = createGitHubClient(
      { apiUrl: sim.url, token: 'ghp_test_token', repos: [], org: 'acme' },
      quietLog,
      { pace },
    );
    const query = `query($owner: String!, $name: String!) {
      rateLimit { cost }
      repository(owner: $owner, name: $name) {
        pullRequests(first: 100) { nodes { number commits(first: 100) { totalCount } reviews(first: 100) { totalCount } } }
      }
    }`;
    const repo = { owner: 'acme', name: world.repos[0]!.name };
    await client.graphql(query, repo);
    await client.graphql(query, repo);
    await client.request('GET /repos/{owner}/{repo}', { owner: repo.owner, repo: repo.name });
    expect(pace.reserved).toEqual([1, 1]);
    // Each query costs more than a point against the primary limit.
    expect(stats.points).toBeGreaterThan(2);
  });

  it('times each attempt on its own: waiting for a reset or the pacer does not count, a slow answer is asked again', async () => {
    class Slow extends PointsPerMinute {
      override async reserve() {
        await new Promise((r) => setTimeout(r, 400));
      }
    }
    const { client, stats } = createGitHubClient(
      { apiUrl: sim.url, token: 'ghp_test_token', repos: [], org: 'acme' },
      quietLog,
      // A reset a second away is waited as 500 ms or more: longer than the timeout.
      { pace: new Slow(1800), requestTimeoutMs: 250, waitMsPerSecond: 500, maxRetries: 1 },
    );
    const query = `query($owner: String!, $name: String!) { rateLimit { cost } repository(owner: $owner, name: $name) { name } }`;
    const repo = { owner: 'acme', name: world.repos[0]!.name };
    try {
      sim.inject({ kind: 'primary-rate-limit', resetInSeconds: 1 }, 1, /^\/graphql$/);
      const before = sim.stats.requests;
      await expect(client.graphql(query, repo)).resolves.toMatchObject({ repository: { name: repo.name } });
      sim.inject({ kind: 'slow', delayMs: 1000 }, 1, /^\/graphql$/);
      await expect(client.graphql(query, repo)).resolves.toMatchObject({ repository: { name: repo.name } });
      // Two answered after a limited and a slow attempt; each attempt counted once.
      expect(sim.stats.requests - before).toBe(4);
      expect(stats.requests).toBe(4);
    } finally {
      sim.clearFaults();
    }
  });

  it('follows a PR past its first 100 commits and reviews instead of truncating it', async () => {
    const pr = world.repos[0]!.pullRequests.find((p) => p.commits.length === 150)!;
    const { rows } = await t.db.query<{ commits: number; reviews: number; commits_total: number }>(
      `SELECT (SELECT count(*)::int FROM source.github_pr_commits c WHERE c.pr_id = p.id) AS commits,
              (SELECT count(*)::int FROM source.github_pr_reviews r WHERE r.pr_id = p.id) AS reviews,
              p.commits_total
         FROM source.github_pull_requests p WHERE p.id = $1`,
      [pr.id],
    );
    expect(rows[0]).toEqual({ commits: 150, reviews: 130, commits_total: 150 });
    expect(sim.stats.byRoute['graphql PullRequestCommits']).toBe(1);
    expect(sim.stats.byRoute['graphql PullRequestReviews']).toBe(1);
  });

  it('stores no email address anywhere (a git@github.com: clone URL is not one), bots keep their [bot] suffix', async () => {
    const tables = [
      'github_repos',
      'github_pull_requests',
      'github_deployments',
      'github_releases',
      'github_workflow_runs',
    ];
    for (const table of tables) {
      const { rows } = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM source.${table} WHERE raw::text ~* '("e-?mail"\\s*:|[a-z0-9._%+-]+@(?!github\\.com:)[a-z0-9-]+\\.[a-z]{2,})'`,
      );
      expect([table, rows[0]!.n]).toEqual([table, 0]);
    }
    const bots = await t.db.query<{ login: string }>(
      `SELECT DISTINCT author_login AS login FROM source.github_pull_requests WHERE author_login LIKE '%[bot]'`,
    );
    expect(bots.rows.length).toBeGreaterThan(0);
  });

  it('skips a repository another sync is working on, and says so in the run record', async () => {
    let release!: () => void;
    const held = t.db.withLock(
      'sync:github:acme/payments-api',
      () => new Promise<void>((r) => (release = r)),
    );
    await new Promise((r) => setTimeout(r, 20));
    const { results } = await syncFrom(sim, t.db, {});
    release();
    await held;
    expect(results.find((r) => r.repo === 'acme/payments-api')!.status).toBe('skipped');
    expect(results.filter((r) => r.repo !== 'acme/payments-api').every((r) => r.status === 'succeeded')).toBe(
      true,
    );
    const { rows } = await t.db.query<{ status: string; error: string }>(
      `SELECT status, error FROM ops.sync_runs WHERE scope = 'acme/payments-api' ORDER BY id DESC LIMIT 1`,
    );
    expect(rows[0]).toEqual({ status: 'skipped', error: 'locked by another sync' });
  });
});
