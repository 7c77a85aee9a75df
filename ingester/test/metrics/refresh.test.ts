import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { materializedViewGraph, refreshMetrics } from '../../src/metrics/refresh.js';
import { DAY } from '../../src/simulators/world/calendar.js';
import { CLOCK_READERS, viewsReadingTheClock } from '../support/clock-free.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { testWorld } from '../support/github.js';
import { loadWorld } from '../support/loaded.js';

// A Sunday between two sprints; what a view holds never depends on when it is refreshed.
const END = Date.parse('2026-12-06T10:00:00Z');
const world = testWorld({ prs: 300, repos: 6, end: END, start: END - 90 * DAY });

describe('engmetrics refresh', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
    await loadWorld(world, t.db);
  }, 180_000);
  afterAll(async () => t.drop());

  /** Every materialized view's rows, in a stable order, as text. */
  async function contents(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const view of [...(await materializedViewGraph(t.db)).keys()].sort()) {
      const { rows } = await t.db.query<{ digest: string | null; n: string }>(
        `SELECT md5(string_agg(v::text, E'\\n' ORDER BY v::text)) AS digest, count(*) AS n FROM metrics.${view} v`,
      );
      out.set(view, `${rows[0]!.n}:${rows[0]!.digest}`);
    }
    return out;
  }

  it('reads no clock in any materialized view, nor in a view or function one reads', async () => {
    expect(await viewsReadingTheClock(t.db)).toEqual([]);
    // The check sees a clock where there is one: the plain views that measure up to now.
    const { rows } = await t.db.query<{ def: string }>(
      `SELECT pg_get_viewdef('metrics.aging_wip'::regclass) AS def`,
    );
    expect(rows[0]!.def).toMatch(CLOCK_READERS);
  });

  it('refreshes each materialized view after every view it reads, even side by side', async () => {
    const graph = await materializedViewGraph(t.db);
    expect(graph.get('deployment_changes')).toContain('deployments');
    expect(graph.get('pull_requests')).toContain('deployment_changes');
    // Timings are recorded as each view finishes.
    const done = (await refreshMetrics(t.db, { connections: 3 })).timings.map((x) => x.view);
    expect(new Set(done)).toEqual(new Set(graph.keys()));
    for (const [view, needs] of graph)
      for (const need of needs) expect(done.indexOf(need)).toBeLessThan(done.indexOf(view));
  }, 60_000);

  it('gives the same contents whether the views are refreshed one by one or side by side', async () => {
    await refreshMetrics(t.db, { connections: 1 });
    const oneByOne = await contents();
    const { timings } = await refreshMetrics(t.db, { connections: 3 });
    expect(await contents()).toEqual(oneByOne);
    expect(timings.map((x) => x.view)).toEqual(expect.arrayContaining([...oneByOne.keys()]));
    expect(
      oneByOne.has('issues') && oneByOne.has('sprint_issues') && oneByOne.has('sprint_burndown_days'),
    ).toBe(true);
    expect([...oneByOne.values()].filter((v) => !v.startsWith('0:')).length).toBeGreaterThan(10);
  }, 120_000);

  it('records each run with the time every view took', async () => {
    const { timings, totalMs } = await refreshMetrics(t.db);
    const { rows } = await t.db.query<{
      status: string;
      details: { timings: { view: string; ms: number }[] };
    }>(
      `SELECT status, details FROM ops.sync_runs WHERE source = 'metrics' AND scope = 'refresh'
        ORDER BY started_at DESC LIMIT 1`,
    );
    expect(rows[0]!.status).toBe('succeeded');
    expect(rows[0]!.details.timings.map((x) => x.view).sort()).toEqual(timings.map((x) => x.view).sort());
    expect(totalMs).toBeGreaterThanOrEqual(Math.max(...timings.map((x) => x.ms)));
  }, 60_000);

  it('keeps serving the previous rows to readers while it refreshes', async () => {
    if (t.embedded) return; // one session there: a reader waits for the refresh anyway
    const reader = new pg.Client({ connectionString: t.url });
    await reader.connect();
    try {
      let refreshing = true;
      const counts: number[] = [];
      const refresh = refreshMetrics(t.db, { connections: 2 }).finally(() => {
        refreshing = false;
      });
      while (refreshing) {
        const { rows } = await reader.query<{ prs: string; deployments: string }>(
          `SELECT (SELECT count(*) FROM metrics.pull_requests) AS prs,
                  (SELECT count(*) FROM metrics.deployments) AS deployments`,
        );
        counts.push(Math.min(Number(rows[0]!.prs), Number(rows[0]!.deployments)));
      }
      await refresh;
      expect(counts.length).toBeGreaterThan(1);
      expect(Math.min(...counts)).toBeGreaterThan(0);
    } finally {
      await reader.end();
    }
  }, 60_000);
});
