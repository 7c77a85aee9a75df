import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createApp } from '../../src/api/app.js';
import { listen } from '../../src/api/server.js';
import { parseOrganisation } from '../../src/config/organisation.js';
import { loadSettings } from '../../src/config/settings.js';
import { refreshMetrics } from '../../src/metrics/refresh.js';
import { applyOrganisationSettings } from '../../src/metrics/settings.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { capturedLogger } from '../support/logs.js';
import { h, Scenario } from '../support/scenario.js';

/**
 * docs/metrics.md, "Why it moved", on figures checked by hand. Two fortnights; each pull request
 * codes for 2 hours, waits 3 for review, ships 1 hour after its merge, and its review takes
 * the rest of its lead time:
 *   before: repository a 10 h and 20 h, b 30 h and 40 h (mean 25, median 25)
 *   after:  repository a 10 h, b 60, 70 and 80 h        (mean 55, median 65)
 */
let t: TestDatabase;
const BEFORE = [h(0), h(24 * 14)];
const AFTER = [h(24 * 14), h(24 * 28)];
const PERIODS = [...BEFORE, ...AFTER];

beforeAll(async () => {
  t = await freshDatabase({ migrated: true });
  const s = new Scenario(t.db);
  const repos = { a: s.repo('a'), b: s.repo('b') };
  // A repository's first deployment is the baseline the next one's changes are counted from.
  for (const r of Object.values(repos)) r.deploy({ at: h(-10) });
  const prs: [keyof typeof repos, number, number][] = [
    ['a', 1, 10],
    ['a', 3, 20],
    ['b', 2, 30],
    ['b', 4, 40],
    ['a', 15, 10],
    ['b', 16, 60],
    ['b', 17, 70],
    ['b', 18, 80],
  ];
  prs.forEach(([repo, day, lead], n) => {
    const start = 24 * day;
    const merged = start + lead - 1;
    repos[repo].pr({
      number: n + 1,
      firstCommit: h(start),
      created: h(start + 2),
      reviews: [{ by: 'reviewer', at: h(start + 5) }],
      merged: h(merged),
    });
    repos[repo].deploy({ at: h(merged + 1) });
  });
  // Team solo: repository c only before (10 h), d only after (20 h), its pull request merged
  // without a review after 17 hours ready.
  const [c, d] = [s.repo('c'), s.repo('d')];
  for (const r of [c, d]) r.deploy({ at: h(-10) });
  c.pr({
    number: 1,
    firstCommit: h(48),
    created: h(50),
    reviews: [{ by: 'reviewer', at: h(53) }],
    merged: h(57),
  });
  c.deploy({ at: h(58) });
  d.pr({ number: 1, firstCommit: h(24 * 16), created: h(24 * 16 + 2), merged: h(24 * 16 + 19) });
  d.deploy({ at: h(24 * 16 + 20) });
  // Team many: seven repositories; m1–m5 ship two pull requests a fortnight, m6 and m7 one.
  for (let r = 1; r <= 7; r++) {
    const repo = s.repo(`m${r}`);
    repo.deploy({ at: h(-10) });
    const each = r <= 5 ? 2 : 1;
    for (let k = 0; k < 2 * each; k++) {
      const after = k >= each;
      const start = 24 * ((after ? 14 : 0) + 1 + (k % each)) + r;
      const lead = 5 + r * (after ? 3 : 2) + k;
      repo.pr({ number: k + 1, firstCommit: h(start), created: h(start + 1), merged: h(start + lead - 1) });
      repo.deploy({ at: h(start + lead) });
    }
  }
  // Team big: four repositories shipping ten pull requests a day each, first commits 12–48
  // hours before the day's deployment (many lead times alike); z3 ships 9 hours slower after.
  for (let r = 1; r <= 4; r++) {
    const repo = s.repo(`z${r}`);
    repo.deploy({ at: h(-10) });
    for (let day = 0; day < 28; day++) {
      const ship = 24 * day + 12;
      for (let k = 0; k < 10; k++) {
        const lead = 12 + ((k * 5 + day * 3 + r) % 37) + (r === 3 && day >= 14 ? 9 : 0);
        repo.pr({
          number: day * 10 + k + 1,
          firstCommit: h(ship - lead),
          created: h(ship - lead + 1),
          merged: h(ship - 2),
        });
      }
      repo.deploy({ at: h(ship) });
    }
  }
  await s.write();
  await applyOrganisationSettings(
    t.db,
    parseOrganisation(
      `teams:\n  - { name: ex, github: { repos: [a, b] } }\n  - { name: solo, github: { repos: [c, d] } }\n` +
        `  - { name: many, github: { repos: ['m*'] } }\n  - { name: big, github: { repos: ['z*'] } }\n` +
        // Shares b with ex, which comes first: b's rows are ex's wherever they are split by team.
        `  - { name: shares, github: { repos: [b, c] } }`,
    ),
  );
  await refreshMetrics(t.db);
}, 60_000);
afterAll(() => t?.drop());

const q = async <R>(sql: string, extra: unknown[] = []) =>
  (await t.db.query<R & Record<string, unknown>>(sql, ['lead_time', 'ex', ...PERIODS, ...extra])).rows;
const near = (x: number) => expect.closeTo(x, 6);

describe('why lead time moved', () => {
  it('has the figures of both periods the explanation starts from', async () => {
    expect(
      await q('SELECT period, rows::int, mean, p50 FROM metrics.explain_totals($1, $2, $3, $4, $5, $6)'),
    ).toEqual([
      { period: 'before', rows: 4, mean: near(25), p50: near(25) },
      { period: 'after', rows: 4, mean: near(55), p50: near(65) },
    ]);
  });

  it('splits the change of the mean by stage, the stages summing to it', async () => {
    const stages = await q<{ stage: string; change: number }>(
      'SELECT stage, before, after, change FROM metrics.explain_stages($1, $2, $3, $4, $5, $6)',
    );
    expect(stages).toEqual([
      { stage: 'coding', before: near(2), after: near(2), change: near(0) },
      { stage: 'pickup', before: near(3), after: near(3), change: near(0) },
      { stage: 'review', before: near(19), after: near(49), change: near(30) },
      { stage: 'deploy', before: near(1), after: near(1), change: near(0) },
    ]);
    expect(stages.reduce((sum, s) => sum + s.change, 0)).toBeCloseTo(30, 6);
  });

  it('splits it by repository into rate and mix with midpoint weights, summing to the change', async () => {
    const segments = await q<{ contribution: number }>(
      `SELECT segment, rows_before::int, rows_after::int, rate, mix, contribution
         FROM metrics.explain_segments($1, $2, $3, $4, $5, $6, $7)`,
      ['repo'],
    );
    // b: rate (70 − 35) × (½ + ¾) / 2, mix (¾ − ½) × (35 + 70) / 2; a: rate (10 − 15) × (½ + ¼) / 2, mix (¼ − ½) × 12.5.
    expect(segments).toEqual([
      {
        segment: 'acme/b',
        rows_before: 2,
        rows_after: 3,
        rate: near(21.875),
        mix: near(13.125),
        contribution: near(35),
      },
      {
        segment: 'acme/a',
        rows_before: 2,
        rows_after: 1,
        rate: near(-1.875),
        mix: near(-3.125),
        contribution: near(-5),
      },
    ]);
    expect(segments.reduce((sum, s) => sum + s.contribution, 0)).toBeCloseTo(30, 6);
  });

  it('splits the change of the median by Shapley values over the segments put back, summing to it', async () => {
    // v(∅) 25, v(b) 60 (10, 20, 60, 70, 80), v(a) 30 (10, 30, 40), v(a, b) 65:
    // b ½ (35 + 35) = 35, a ½ (5 + 5) = 5.
    expect(
      await q(
        'SELECT segment, rows_before::int, rows_after::int, contribution FROM metrics.explain_median($1, $2, $3, $4, $5, $6, $7)',
        ['repo'],
      ),
    ).toEqual([
      { segment: 'acme/b', rows_before: 2, rows_after: 3, contribution: near(35) },
      { segment: 'acme/a', rows_before: 2, rows_after: 1, contribution: near(5) },
    ]);
  });

  it('names the pull requests that move the later median most when left out', async () => {
    const rows = (
      await t.db.query<{ value: number; median_moves_by: number; mean_moves_by: number }>(
        'SELECT value, median_moves_by, mean_moves_by FROM metrics.explain_influence($1, $2, $3, $4, 3)',
        ['lead_time', 'ex', ...AFTER],
      )
    ).rows;
    // Without 10 h the median is 70 (−5), without 80 h it is 60 (+5); ties go to the furthest from the mean (55).
    expect(rows).toEqual([
      { value: near(10), median_moves_by: near(-5), mean_moves_by: near(-15) },
      { value: near(80), median_moves_by: near(5), mean_moves_by: near(25 / 3) },
      { value: near(70), median_moves_by: near(5), mean_moves_by: near(5) },
    ]);
  });

  it('gives each row it names its title, link and repository, looked up by its key', async () => {
    const named = (
      await t.db.query(
        'SELECT row_key, title, url, segment_repo FROM metrics.explain_influence($1, $2, $3, $4, 3)',
        ['lead_time', 'ex', ...AFTER],
      )
    ).rows;
    // The scenario's pull requests have no link of their own, nor their repositories one.
    expect(named).toEqual([
      { row_key: 'acme/a#5', title: 'Change 5', url: null, segment_repo: 'acme/a' },
      { row_key: 'acme/b#8', title: 'Change 8', url: null, segment_repo: 'acme/b' },
      { row_key: 'acme/b#7', title: 'Change 7', url: null, segment_repo: 'acme/b' },
    ]);
    const keys = (
      await t.db.query<{ row_key: string }>('SELECT row_key FROM metrics.explain_rows($1, $2, $3, $4)', [
        'deployments',
        'ex',
        ...AFTER,
      ])
    ).rows.map((r) => r.row_key);
    expect(keys).toHaveLength(4);
    const details = (
      await t.db.query<{ row_key: string; title: string; url: string | null; repo: string }>(
        'SELECT * FROM metrics.explain_row_details($1, $2)',
        ['deployments', [...keys, 'no such deployment']],
      )
    ).rows;
    expect(details.map((d) => d.row_key).sort()).toEqual([...keys].sort());
    for (const d of details) {
      expect(['acme/a', 'acme/b']).toContain(d.repo);
      expect(d).toEqual({ row_key: d.row_key, title: `${d.repo} production`, url: null, repo: d.repo });
    }
  });
});

describe('segments found in one period only, and a pull request merged without a review', () => {
  const solo = async <R>(sql: string, extra: unknown[] = []) =>
    (await t.db.query<R & Record<string, unknown>>(sql, ['lead_time', 'solo', ...PERIODS, ...extra])).rows;

  it('counts a segment found in one period only as all mix', async () => {
    expect(
      await solo(
        'SELECT segment, rate, mix, contribution FROM metrics.explain_segments($1, $2, $3, $4, $5, $6, $7)',
        ['repo'],
      ),
    ).toEqual([
      { segment: 'acme/d', rate: near(0), mix: near(20), contribution: near(20) },
      { segment: 'acme/c', rate: near(0), mix: near(-10), contribution: near(-10) },
    ]);
  });

  it('has a pull request merged without a review wait in pickup until its merge', async () => {
    expect(await solo('SELECT stage, change FROM metrics.explain_stages($1, $2, $3, $4, $5, $6)')).toEqual([
      { stage: 'coding', change: near(0) },
      { stage: 'pickup', change: near(14) },
      { stage: 'review', change: near(-4) },
      { stage: 'deploy', change: near(0) },
    ]);
  });
});

describe('a median explained over many segments', () => {
  it('keeps the five that moved the mean most apart and the rest as other, the parts still summing to the change', async () => {
    const args = ['lead_time', 'many', ...PERIODS];
    const parts = (
      await t.db.query<{ segment: string; rows_before: number; contribution: number }>(
        'SELECT segment, rows_before::int, contribution FROM metrics.explain_median($1, $2, $3, $4, $5, $6, $7)',
        [...args, 'repo'],
      )
    ).rows;
    // Apart: the five with the largest part in the mean's change.
    const byMean = (
      await t.db.query<{ segment: string; contribution: number; rows_before: number }>(
        'SELECT segment, contribution, rows_before::int FROM metrics.explain_segments($1, $2, $3, $4, $5, $6, $7)',
        [...args, 'repo'],
      )
    ).rows;
    const apart = byMean.slice(0, 5).map((r) => r.segment);
    expect(apart).not.toContain('acme/m1');
    expect(parts.map((p) => p.segment).sort()).toEqual([...apart, 'other'].sort());
    expect(parts.find((p) => p.segment === 'other')!.rows_before).toBe(
      byMean.slice(5).reduce((n, r) => n + r.rows_before, 0),
    );
    const totals = (
      await t.db.query<{ p50: number }>(
        'SELECT p50 FROM metrics.explain_totals($1, $2, $3, $4, $5, $6)',
        args,
      )
    ).rows;
    expect(parts.reduce((n, p) => n + p.contribution, 0)).toBeCloseTo(totals[1]!.p50 - totals[0]!.p50, 6);
  });
});

describe('a median explained over hundreds of rows, many of them alike', () => {
  // The same figures worked out here from the rows themselves: every median by sorting, every
  // Shapley value over all orders of the four repositories, every row left out in turn.
  type R = { row_key: string; value: number; repo: string };
  const rowsOf = async ([from, to]: Date[]) =>
    (
      await t.db.query<R>('SELECT row_key, value, repo FROM metrics.explain_rows($1, $2, $3, $4)', [
        'lead_time',
        'big',
        from,
        to,
      ])
    ).rows;
  const median = (v: number[]) => {
    const s = [...v].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const settled = (x: number) => Math.round(x * 1e9) / 1e9;

  it("has the medians, each repository's Shapley part and the rows that weigh most as the rows give them", async () => {
    const [before, after] = [await rowsOf(BEFORE), await rowsOf(AFTER)];
    expect(before.length).toBe(560);
    expect(after.length).toBe(560);
    const args = ['lead_time', 'big', ...PERIODS];
    const totals = (
      await t.db.query<{ p50: number }>(
        'SELECT p50 FROM metrics.explain_totals($1, $2, $3, $4, $5, $6)',
        args,
      )
    ).rows;
    expect(totals.map((r) => r.p50)).toEqual([
      near(median(before.map((r) => r.value))),
      near(median(after.map((r) => r.value))),
    ]);

    const repos = [...new Set([...before, ...after].map((r) => r.repo))].sort();
    const figure = (mask: number) =>
      median(
        repos.flatMap((repo, i) =>
          ((mask >> i) & 1 ? after : before).filter((r) => r.repo === repo).map((r) => r.value),
        ),
      );
    const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
    const k = repos.length;
    const shapley = repos.map((_, i) => {
      let sum = 0;
      for (let m = 0; m < 1 << k; m++) {
        if ((m >> i) & 1) continue;
        const size = m.toString(2).split('1').length - 1;
        sum += ((fact(size) * fact(k - size - 1)) / fact(k)) * (figure(m | (1 << i)) - figure(m));
      }
      return sum;
    });
    const parts = (
      await t.db.query<{ segment: string; contribution: number }>(
        'SELECT segment, contribution FROM metrics.explain_median($1, $2, $3, $4, $5, $6, $7)',
        [...args, 'repo'],
      )
    ).rows;
    expect(Object.fromEntries(parts.map((p) => [p.segment, p.contribution]))).toEqual(
      Object.fromEntries(repos.map((repo, i) => [repo, near(shapley[i]!)])),
    );
    expect(Math.abs(shapley[repos.indexOf('acme/z3')]!)).toBeGreaterThan(0);

    const values = after.map((r) => r.value);
    const [m, avg] = [median(values), mean(values)];
    const expected = after
      .map((r, i) => {
        const rest = values.filter((_, j) => j !== i);
        return {
          value: r.value,
          median_moves_by: settled(m - median(rest)),
          mean_moves_by: settled(avg - mean(rest)),
        };
      })
      .sort(
        (a, b) =>
          Math.abs(b.median_moves_by) - Math.abs(a.median_moves_by) ||
          Math.abs(b.mean_moves_by) - Math.abs(a.mean_moves_by),
      )
      .slice(0, 10);
    const influence = (
      await t.db.query<{ value: number; median_moves_by: number; mean_moves_by: number }>(
        'SELECT value, median_moves_by, mean_moves_by FROM metrics.explain_influence($1, $2, $3, $4, 10)',
        ['lead_time', 'big', ...AFTER],
      )
    ).rows;
    expect(influence).toEqual(
      expected.map((e) => ({
        value: near(e.value),
        median_moves_by: near(e.median_moves_by),
        mean_moves_by: near(e.mean_moves_by),
      })),
    );
  });

  it('answers every part at once as each part alone', async () => {
    const args = ['lead_time', 'big', ...PERIODS, 'repo'];
    const all = (
      await t.db.query<{ part: string; item: Record<string, unknown> }>(
        `SELECT part, item FROM metrics.explanation($1, $2, $3, $4, $5, $6, $7,
                ARRAY['totals', 'stages', 'segments', 'median', 'influence'], 10) ORDER BY part, ord`,
        args,
      )
    ).rows;
    const alone = async (part: string) =>
      (
        await t.db.query<{ item: Record<string, unknown> }>(
          'SELECT item FROM metrics.explanation($1, $2, $3, $4, $5, $6, $7, $8, 10) ORDER BY ord',
          [...args, [part]],
        )
      ).rows.map((r) => r.item);
    for (const part of ['totals', 'stages', 'segments', 'median', 'influence'])
      expect(all.filter((r) => r.part === part).map((r) => r.item)).toEqual(await alone(part));
    expect(new Set(all.map((r) => r.part)).size).toBe(5);
  });
});

describe('why deployment frequency moved', () => {
  it("splits the change of deployments a week among repositories, each its own count's change", async () => {
    const rows = (
      await t.db.query<{ contribution: number }>(
        'SELECT segment, contribution FROM metrics.explain_segments($1, $2, $3, $4, $5, $6, $7)',
        ['deployments', 'ex', ...PERIODS, 'repo'],
      )
    ).rows;
    // Four deployments a fortnight both times: b one more a week, a one fewer.
    expect(rows).toEqual([
      { segment: 'acme/a', contribution: near(-0.5) },
      { segment: 'acme/b', contribution: near(0.5) },
    ]);
  });

  it('finds the median of rows that all have one value (each deployment counts 1) as percentile_cont does', async () => {
    const totals = (
      await t.db.query<{ period: string; rows: number; p50: number }>(
        'SELECT period, rows::int, p50 FROM metrics.explain_totals($1, $2, $3, $4, $5, $6)',
        ['deployments', 'ex', ...PERIODS],
      )
    ).rows;
    expect(totals).toEqual([
      { period: 'before', rows: 4, p50: 1 },
      { period: 'after', rows: 4, p50: 1 },
    ]);
    const influence = (
      await t.db.query<{ median_moves_by: number }>(
        'SELECT median_moves_by FROM metrics.explain_influence($1, $2, $3, $4, 10)',
        ['deployments', 'ex', PERIODS[2], PERIODS[3]],
      )
    ).rows;
    expect(influence).toHaveLength(4);
    expect(influence.every((r) => r.median_moves_by === 0)).toBe(true);
  });
});

describe("a team's rows", () => {
  // Both a team's rows and the organisation's are read repository by repository.
  type Row = {
    row_key: string;
    value: number;
    repo: string;
    team: string;
    coding_h: number;
    deploy_h: number;
  };
  const rows = async (metric: string, team: string) =>
    (
      await t.db.query<Row>(
        'SELECT row_key, value, repo, team, coding_h, deploy_h FROM metrics.explain_rows($1, $2, $3, $4) ORDER BY row_key',
        [metric, team, BEFORE[0], AFTER[1]],
      )
    ).rows;
  it.each(['lead_time', 'pr_cycle_time'])(
    "are the organisation's rows of its repositories, each with the team that comes first (%s)",
    async (metric) => {
      const all = await rows(metric, '*');
      const of = (repos: string[]) => all.filter((r) => repos.includes(r.repo));
      expect(await rows(metric, 'shares')).toEqual(of(['acme/b', 'acme/c']));
      expect(await rows(metric, 'ex')).toEqual(of(['acme/a', 'acme/b']));
      expect(new Set(of(['acme/b', 'acme/c']).map((r) => `${r.repo} ${r.team}`))).toEqual(
        new Set(['acme/b ex', 'acme/c shares']),
      );
      expect(await rows(metric, 'nobody')).toEqual([]);
    },
  );
});

describe('GET /metrics/explain/{metric}', () => {
  const TOKEN = 'test-token-0123456789abcdef';
  it('answers the same parts as the SQL, the figure the tile shows, and the largest part', async () => {
    const organisation = parseOrganisation(`teams:\n  - { name: ex, github: { repos: [a, b] } }`);
    const settings = loadSettings({ API_TOKEN: TOKEN, ENGMETRICS_NOW: AFTER[1]!.toISOString() });
    const api = await listen(
      createApp({ settings, organisation, db: t.db, log: capturedLogger().log, apiToken: TOKEN }),
      '127.0.0.1',
      0,
    );
    const get = async (path: string) => {
      const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read by the assertions
      return { status: res.status, body: (await res.json()) as any };
    };
    try {
      const range = `from=${AFTER[0]!.toISOString()}&to=${AFTER[1]!.toISOString()}`;
      const res = await get(`/metrics/explain/lead_time?team=ex&${range}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        metric: 'lead_time',
        team: 'ex',
        unit: 'hours',
        before: { from: BEFORE[0]!.toISOString(), to: BEFORE[1]!.toISOString(), rows: 4 },
        figure: { name: 'p50', before: near(25), after: near(65), change: near(40) },
        dimension: 'repo',
        median: [
          { segment: 'acme/b', contribution: near(35) },
          { segment: 'acme/a', contribution: near(5) },
        ],
        top: { segment: 'acme/b', contribution: near(35), stage: 'review', stageChange: near(30) },
      });
      expect(res.body.segments.map((s: { contribution: number }) => s.contribution)).toEqual([
        near(35),
        near(-5),
      ]);
      expect(res.body.influence[0]).toMatchObject({ value: near(10), medianMovesBy: near(-5) });
      const deployments = await get(`/metrics/explain/deployments?team=ex&${range}`);
      expect(deployments.body).toMatchObject({
        unit: 'per_week',
        figure: { name: 'per_week', change: near(0) },
        median: [],
      });
      expect((await get(`/metrics/explain/lead_time?team=ex&${range}&dimension=item_type`)).status).toBe(400);
      expect((await get(`/metrics/explain/velocity?team=ex`)).status).toBe(400);
      expect((await get(`/metrics/explain/lead_time?team=nobody`)).status).toBe(404);
    } finally {
      await api.close(100);
    }
  });
});
