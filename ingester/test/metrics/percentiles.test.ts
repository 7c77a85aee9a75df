import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DAY, HOUR } from '../../src/simulators/world/calendar.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { testWorld } from '../support/github.js';
import { loadWorld } from '../support/loaded.js';

/**
 * The summaries read a long period's percentiles from the values among the weeks'
 * percentiles (metrics.percentile_in_range, sql/views/01_helpers.sql), and the lead times from
 * the one bin each percentile lies in (metrics.lead_time_bins). Whichever way they go, the
 * answer must be percentile_cont's over the whole period, to the last bit.
 */

const END = Date.parse('2026-12-06T10:00:00Z'); // any instant: the answers are compared with each other
const world = testWorld({ prs: 500, end: END, start: END - 150 * DAY });

// The summaries as plainly defined: one sort of the whole period.
const PLAIN_FLOW = `
  SELECT count(*) AS prs_merged,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY coding_s) / 3600 AS coding_p50_h,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY pickup_s) / 3600 AS pickup_p50_h,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY review_s) / 3600 AS review_p50_h,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY deploy_s) / 3600 AS deploy_p50_h,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY size) AS pr_size_p50,
         count(*) FILTER (WHERE merged_without_review) AS merged_without_review
    FROM metrics.team_pull_requests
   WHERE team = $1 AND merged_at >= $2 AND merged_at < $3 AND NOT is_bot`;
const PLAIN_LEAD = `
  SELECT n AS prs_shipped, lt[1] / 3600 AS lead_time_p50_h, lt[2] / 3600 AS lead_time_p75_h,
         lt[3] / 3600 AS lead_time_p90_h
    FROM (SELECT count(*) AS n, percentile_cont(ARRAY[0.5, 0.75, 0.9]) WITHIN GROUP (ORDER BY lead_time_s) AS lt
            FROM metrics.team_pull_requests
           WHERE team = $1 AND deployed_at >= $2 AND deployed_at < $3) x`;
const FLOW = 'SELECT * FROM metrics.pr_flow_summary($1, $2, $3)';
const LEAD = `SELECT prs_shipped, lead_time_p50_h, lead_time_p75_h, lead_time_p90_h
                FROM metrics.dora_summary($1, $2, $3)`;

/** Periods long and short, on week boundaries and off them, inside the data and past it. */
function periods(): [Date, Date][] {
  const at = (daysBeforeEnd: number, hours = 0) => new Date(END - daysBeforeEnd * DAY + hours * HOUR);
  return [
    [at(150), at(0)],
    [at(120, 5), at(3, 7)],
    [at(90), at(0)],
    [at(63, 13), at(20, 2)],
    [at(30), at(0)],
    [at(10, 1), at(3)],
    [at(1), at(0)],
    [at(400), at(200)],
    [at(700), at(0)],
  ];
}

/** How many times a statement reads all of `rows` rows of metrics.pull_requests, by its plan as it ran. */
async function passes(t: TestDatabase, sql: string, params: unknown[], rows: number): Promise<number> {
  const { rows: out } = await t.db.query<{ 'QUERY PLAN': unknown }>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
    params,
  );
  const raw = out[0]!['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [{ Plan: PlanNode }];
  let n = 0;
  const walk = (node: PlanNode) => {
    if (node['Relation Name'] === 'pull_requests' && node['Actual Rows'] * node['Actual Loops'] >= rows) n++;
    for (const c of node.Plans ?? []) walk(c);
  };
  walk(plan[0].Plan);
  return n;
}
interface PlanNode {
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

describe('percentiles read from a range of values', () => {
  let t: TestDatabase;
  let teams: string[];
  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
    await loadWorld(world, t.db);
    teams = ['*', ...world.teams.map((x) => x.name)];
  }, 180_000);
  afterAll(async () => t.drop());

  it('are percentile_cont’s when the ranks lie in the range, and NULL when they do not', async () => {
    // Small integers: many ties, negatives, a range edge on a tie.
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    let inRange = 0;
    let outside = 0;
    for (let round = 0; round < 40; round++) {
      const values = Array.from({ length: 1 + Math.floor(next() * 60) }, () => Math.floor(next() * 30) - 5);
      const sorted = [...values].sort((a, b) => a - b);
      const lo = sorted[Math.floor(next() * sorted.length)]!;
      const hi = lo + Math.floor(next() * 15);
      const below = sorted.filter((v) => v < lo).length;
      const kept = sorted.filter((v) => v >= lo && v <= hi);
      for (const p of [0, 0.1, 0.5, 0.75, 0.9, 1]) {
        const h = p * (values.length - 1);
        const expectInRange = Math.floor(h) >= below && Math.ceil(h) < below + kept.length;
        const { rows } = await t.db.query<{ fast: number | null; plain: number }>(
          `SELECT metrics.percentile_in_range($1, $2, $3, $4::float8[]) AS fast,
                  (SELECT percentile_cont($1) WITHIN GROUP (ORDER BY v) FROM unnest($5::float8[]) v) AS plain`,
          [p, values.length, below, kept, values],
        );
        if (expectInRange) {
          inRange++;
          expect(rows[0]!.fast).toBe(rows[0]!.plain);
        } else {
          outside++;
          expect(rows[0]!.fast).toBeNull();
        }
      }
    }
    expect(inRange).toBeGreaterThan(20);
    expect(outside).toBeGreaterThan(20);
    const none = await t.db.query(`SELECT metrics.percentile_in_range(0.5, 0, 0, NULL) AS v`);
    expect(none.rows[0]!.v).toBeNull();
  });

  it('give the flow summary and the lead times of every team and period exactly', async () => {
    for (const team of teams)
      for (const [from, to] of periods()) {
        const params = [team, from, to];
        expect((await t.db.query(FLOW, params)).rows).toEqual((await t.db.query(PLAIN_FLOW, params)).rows);
        expect((await t.db.query(LEAD, params)).rows).toEqual((await t.db.query(PLAIN_LEAD, params)).rows);
      }
  });

  it('read a long period’s rows once, without sorting them all again, and the lead times not at all', async () => {
    const params = ['*', new Date(END - 150 * DAY), new Date(END)];
    const { rows } = await t.db.query<{ prs_merged: string }>(FLOW, params);
    const shipped = (await t.db.query<{ prs_shipped: string }>(LEAD, params)).rows[0]!.prs_shipped;
    expect(Number(rows[0]!.prs_merged)).toBeGreaterThan(300);
    expect(Number(shipped)).toBeGreaterThan(300);
    expect(await passes(t, FLOW, params, Number(rows[0]!.prs_merged))).toBe(1);
    // What the lead times read instead: three bins' rows and the cut weeks', a fraction of the period.
    expect(await passes(t, LEAD, params, Math.ceil(Number(shipped) / 3))).toBe(0);
  });

  it('give the lead-time percentiles when a percentile’s two ranks lie in bins apart, and of one value', async () => {
    // A week of its own, years past the world: four lead times whose median lies between 90 s
    // and 2 h (bins with empty ones between), and one lead time in the week after.
    const repo = (await t.db.query<{ id: string }>('SELECT id FROM source.github_repos ORDER BY id LIMIT 1'))
      .rows[0]!.id;
    const rows: [string, string, number | null][] = [
      ['b1', '2031-03-04T10:00:00Z', 30],
      ['b2', '2031-03-05T10:00:00Z', 90],
      ['b3', '2031-03-06T10:00:00Z', 7200],
      ['b4', '2031-03-06T11:00:00Z', 7300],
      ['b5', '2031-03-07T11:00:00Z', null],
      ['b6', '2031-03-12T09:00:00Z', 86_400],
    ];
    for (const [id, at, lead] of rows)
      await t.db.query(
        `INSERT INTO metrics.pull_requests (pr_id, repo_id, deployed_at, lead_time_s) VALUES ($1, $2, $3, $4)`,
        [id, repo, at, lead],
      );
    await t.db.query(
      `INSERT INTO metrics.lead_time_bins SELECT * FROM metrics.lead_time_bins_rows(ARRAY['2031-03-03', '2031-03-10']::timestamptz[])`,
    );
    const bins = await t.db.query<{ lo: number; hi: number }>(
      'SELECT metrics.duration_bin(90) AS lo, metrics.duration_bin(7200) AS hi',
    );
    expect(bins.rows[0]!.hi - bins.rows[0]!.lo).toBeGreaterThan(1);
    const cases: [string, string][] = [
      ['2031-03-03T00:00:00Z', '2031-03-10T00:00:00Z'], // the week whole: from its counts
      ['2031-03-04T12:00:00Z', '2031-03-14T00:00:00Z'], // cut at both ends: from the rows
      ['2031-03-03T00:00:00Z', '2031-03-17T00:00:00Z'], // two whole weeks
      ['2031-03-11T00:00:00Z', '2031-03-13T00:00:00Z'], // one value
      ['2031-03-07T00:00:00Z', '2031-03-08T00:00:00Z'], // one pull request without a lead time
    ];
    const team = (
      await t.db.query<{ team: string }>('SELECT team FROM metrics.team_repos WHERE repo_id = $1 LIMIT 1', [
        repo,
      ])
    ).rows[0]!.team;
    for (const who of ['*', team])
      for (const [from, to] of cases) {
        const params = [who, new Date(from), new Date(to)];
        expect((await t.db.query(LEAD, params)).rows).toEqual((await t.db.query(PLAIN_LEAD, params)).rows);
      }
    const [whole] = (
      await t.db.query<{ prs_shipped: string; lead_time_p50_h: number }>(LEAD, [
        '*',
        new Date(cases[0]![0]),
        new Date(cases[0]![1]),
      ])
    ).rows;
    expect(Number(whole!.prs_shipped)).toBe(5);
    expect(whole!.lead_time_p50_h).toBeCloseTo((90 + 7200) / 2 / 3600, 9);
    await t.db.query(`DELETE FROM metrics.pull_requests WHERE pr_id LIKE 'b_'`);
    await t.db.query(`DELETE FROM metrics.lead_time_bins WHERE week >= '2031-01-01'`);
  });

  it('sort the whole period when the weekly rollups no longer bracket it, or disagree with the rows, with the same answers', async () => {
    // Every merge three weeks later and every commit two months earlier, the rollups left
    // as they were: review and lead times move far outside the weeks' percentiles, and the
    // lead times' bins count rows that are no longer there (as between the refresh of the
    // pull requests and that of the bins).
    await t.db.query(`UPDATE source.github_pull_requests SET merged_at = merged_at + interval '21 days'`);
    await t.db.query(`UPDATE source.github_pr_commits SET authored_at = authored_at - interval '60 days'`);
    // The pull requests alone read again (a kept table: its rows function is its definition).
    await t.db.query(
      'DELETE FROM metrics.pull_requests; INSERT INTO metrics.pull_requests SELECT * FROM metrics.pull_requests_rows(NULL)',
    );
    await t.db.query('ANALYZE metrics.pull_requests'); // as a refresh does
    const params = ['*', new Date(END - 150 * DAY), new Date(END)];
    const merged = Number((await t.db.query<{ prs_merged: string }>(FLOW, params)).rows[0]!.prs_merged);
    const shipped = Number(
      (await t.db.query<{ prs_shipped: string }>(PLAIN_LEAD, params)).rows[0]!.prs_shipped,
    );
    expect(await passes(t, FLOW, params, merged)).toBe(2);
    expect(await passes(t, LEAD, params, shipped)).toBe(1);
    const percentiles = (rows: Record<string, unknown>[]) =>
      rows.map((r) => [r.lead_time_p50_h, r.lead_time_p75_h, r.lead_time_p90_h]);
    for (const team of teams)
      for (const [from, to] of periods()) {
        const p = [team, from, to];
        expect((await t.db.query(FLOW, p)).rows).toEqual((await t.db.query(PLAIN_FLOW, p)).rows);
        expect(percentiles((await t.db.query(LEAD, p)).rows)).toEqual(
          percentiles((await t.db.query(PLAIN_LEAD, p)).rows),
        );
      }
    // The bins read again with the rows: every figure the rows'. (No pass count here: every
    // lead time now lies within two months and ten days, so one bin holds most of them.)
    await t.db.query(
      'DELETE FROM metrics.lead_time_bins; INSERT INTO metrics.lead_time_bins SELECT * FROM metrics.lead_time_bins_rows(NULL)',
    );
    await t.db.query('ANALYZE metrics.lead_time_bins');
    for (const team of teams)
      for (const [from, to] of periods()) {
        const p = [team, from, to];
        expect((await t.db.query(LEAD, p)).rows).toEqual((await t.db.query(PLAIN_LEAD, p)).rows);
      }
  });
});
