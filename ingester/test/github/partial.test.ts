import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GitHubSimulator } from '../../src/simulators/github/server.js';
import { DAY } from '../../src/simulators/world/calendar.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { snapshot, startGitHub, syncFrom, testWorld } from '../support/github.js';

/**
 * GitHub answers a field it cannot serve with null and an error beside the data (GraphQL's
 * partial answers); its schema also lets a connection's `nodes` be null. The sync keeps every
 * record, drops only what did not come, counts it, and reads it again next time.
 */
const world = testWorld({ prs: 120, repos: 2 });
const since = new Date(Math.floor(world.spec.start / DAY) * DAY);
const repo = world.repos[0]!;
const scope = `${world.org.login}/${repo.name}`;
const end = world.spec.end;
const prs = repo.pullRequests.filter((p) => p.createdAt <= end);
const reviewed = prs.filter((p) => p.reviews.some((r) => r.submittedAt <= end));
const labelled = prs.find((p) => p.labels.length > 0) ?? prs[1]!;
const deployed = repo.deployments.filter(
  (d) => d.createdAt <= end && d.statuses.some((s) => s.createdAt <= end),
);

describe('a GitHub sync that meets partial answers', () => {
  let sim: GitHubSimulator;
  let clean: TestDatabase;
  let t: TestDatabase;
  let cleanSnapshot: Record<string, unknown[]>;
  const run = async () =>
    (
      await t.db.query<{
        records_skipped: number;
        fields_degraded: number;
        details: { degraded: Record<string, number> };
      }>(
        `SELECT records_skipped, fields_degraded, details FROM ops.sync_runs
          WHERE source = 'github' AND scope = $1 ORDER BY id DESC LIMIT 1`,
        [scope],
      )
    ).rows[0]!;
  const watermark = async () =>
    (
      await t.db.query<{ watermark: Date | null }>(
        `SELECT watermark FROM ops.sync_state WHERE source = 'github' AND scope = $1`,
        [scope],
      )
    ).rows[0]?.watermark ?? null;

  beforeAll(async () => {
    sim = await startGitHub(world);
    clean = await freshDatabase({ migrated: true });
    await syncFrom(sim, clean.db, { since });
    cleanSnapshot = await snapshot(clean.db);
    t = await freshDatabase({ migrated: true });
  }, 120_000);
  afterAll(async () => {
    await sim.stop();
    await clean.drop();
    await t.drop();
  });

  it('keeps every record, drops only the lists that did not come, counts them and holds the watermark', async () => {
    expect(reviewed.length).toBeGreaterThan(2);
    expect(deployed.length).toBeGreaterThan(0);
    const failed = reviewed[1]!;
    sim.graph.failing.set(`reviews|${failed.id}`, 'error');
    sim.graph.failing.set(`labels|${labelled.id}`, 'null-nodes');
    sim.graph.failing.set(`statuses|${deployed[0]!.id}`, 'error');
    try {
      const { results } = await syncFrom(sim, t.db, { since });
      expect(results.find((r) => r.repo === scope)).toMatchObject({
        status: 'succeeded',
        skipped: 0,
        degraded: 3,
      });
    } finally {
      sim.graph.failing.clear();
    }
    const got = await snapshot(t.db);
    // No pull request and no deployment was lost.
    expect(got.github_pull_requests).toHaveLength(cleanSnapshot.github_pull_requests!.length);
    expect(got.github_deployments).toHaveLength(cleanSnapshot.github_deployments!.length);
    // The reviews that did not come are not there; every other review is.
    const reviewsOf = (s: Record<string, unknown[]>, prId: string) =>
      (s.github_pr_reviews as { pr_id: string }[]).filter((r) => r.pr_id === prId).length;
    expect(reviewsOf(got, failed.id)).toBe(0);
    expect(reviewsOf(cleanSnapshot, failed.id)).toBeGreaterThan(0);
    expect(got.github_pr_reviews!.length).toBe(
      cleanSnapshot.github_pr_reviews!.length - reviewsOf(cleanSnapshot, failed.id),
    );

    const record = await run();
    expect(record).toMatchObject({ records_skipped: 0, fields_degraded: 3 });
    expect(record.details.degraded).toEqual({
      'pull request reviews: GitHub did not serve it': 1,
      'pull request labels: GitHub did not serve it': 1,
      'deployment statuses: GitHub did not serve them': 1,
    });
    const { rows: shown } = await t.db.query<{ kind: string; cause: string; records: number }>(
      `SELECT kind, cause, records FROM metrics.sync_record_problems WHERE scope = $1 ORDER BY cause`,
      [scope],
    );
    expect(shown.map((r) => r.kind)).toEqual(['degraded', 'degraded', 'degraded']);
    // The next sync starts no later than the pull request that came without its reviews.
    const updatedAt = Math.min(
      ...[failed, labelled].map((p) =>
        Date.parse(
          String(
            (got.github_pull_requests as { id: string; updated_at: unknown }[]).find((x) => x.id === p.id)!
              .updated_at,
          ),
        ),
      ),
    );
    expect((await watermark())!.getTime()).toBeLessThanOrEqual(updatedAt);
  }, 120_000);

  it('fills in what was missing at the next sync, and then holds what a clean sync holds', async () => {
    const { results } = await syncFrom(sim, t.db);
    expect(results.every((r) => r.status === 'succeeded' && r.degraded === 0)).toBe(true);
    const got = await snapshot(t.db);
    for (const table of [
      'github_pull_requests',
      'github_pr_reviews',
      'github_pr_commits',
      'github_deployments',
      'github_deployment_statuses',
    ])
      expect({ table, rows: got[table] }).toEqual({ table, rows: cleanSnapshot[table] });
  }, 120_000);

  it('keeps stored reviews when a later answer leaves them out', async () => {
    const failed = reviewed[0]!;
    const before = (await t.db.query(`SELECT id FROM source.github_pr_reviews WHERE pr_id = $1`, [failed.id]))
      .rows.length;
    expect(before).toBeGreaterThan(0);
    sim.graph.failing.set(`reviews|${failed.id}`, 'null-nodes');
    try {
      await syncFrom(sim, t.db, { since, full: true });
    } finally {
      sim.graph.failing.clear();
    }
    const after = (await t.db.query(`SELECT id FROM source.github_pr_reviews WHERE pr_id = $1`, [failed.id]))
      .rows.length;
    expect(after).toBe(before);
  }, 120_000);

  it('ends a repository whose pull requests GitHub does not serve at all, without moving its watermark', async () => {
    const held = await watermark();
    // Repository.pullRequests is non-null in GitHub's schema, but its nodes may be null.
    sim.graph.failing.set(`pullRequests|${repo.id}`, 'null-nodes');
    try {
      const { results } = await syncFrom(sim, t.db);
      expect(results.find((r) => r.repo === scope)).toMatchObject({ status: 'succeeded', degraded: 1 });
    } finally {
      sim.graph.failing.clear();
    }
    expect((await run()).details.degraded).toEqual({ 'pull requests page: GitHub did not serve it': 1 });
    expect(await watermark()).toEqual(held);
  }, 120_000);

  it('fails a repository GitHub answers with an error in place of a list it must give, saying where', async () => {
    const held = await watermark();
    // An error there nulls the whole repository (its parent), as GraphQL propagates nulls.
    sim.graph.failing.set(`pullRequests|${repo.id}`, 'error');
    try {
      const { results } = await syncFrom(sim, t.db);
      const r = results.find((x) => x.repo === scope)!;
      expect(r.status).toBe('failed');
      expect(r.error).toContain('repository.pullRequests: Resource not accessible by integration');
      expect(results.find((x) => x.repo !== scope)?.status).toBe('succeeded');
    } finally {
      sim.graph.failing.clear();
    }
    expect(await watermark()).toEqual(held);
  }, 120_000);
});
