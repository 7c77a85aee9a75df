import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DAY, HOUR } from '../../src/simulators/world/calendar.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { testWorld } from '../support/github.js';
import { loadWorld } from '../support/loaded.js';

/**
 * The summaries read a long period's percentiles from the values among the weeks'
 * percentiles (metrics.percentile_in_range, sql/views/01_helpers.sql). Whichever way they go,
 * the answer must be percentile_cont's over the whole period, to the last bit.
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

  it('read a long period’s rows once, without sorting them all again', async () => {
    const params = ['*', new Date(END - 150 * DAY), new Date(END)];
    const { rows } = await t.db.query<{ prs_merged: string }>(FLOW, params);
    const shipped = (await t.db.query<{ prs_shipped: string }>(LEAD, params)).rows[0]!.prs_shipped;
    expect(Number(rows[0]!.prs_merged)).toBeGreaterThan(300);
    expect(await passes(t, FLOW, params, Number(rows[0]!.prs_merged))).toBe(1);
    expect(await passes(t, LEAD, params, Number(shipped))).toBe(1);
  });

  it('sort the whole period when the weekly rollups no longer bracket it, with the same answers', async () => {
    // Every merge three weeks later and every commit two months earlier, the rollups left
    // as they were: review and lead times move far outside the weeks' percentiles.
    await t.db.query(`UPDATE source.github_pull_requests SET merged_at = merged_at + interval '21 days'`);
    await t.db.query(`UPDATE source.github_pr_commits SET authored_at = authored_at - interval '60 days'`);
    // The pull requests alone read again (a kept table: its rows function is its definition).
    await t.db.query(
      'DELETE FROM metrics.pull_requests; INSERT INTO metrics.pull_requests SELECT * FROM metrics.pull_requests_rows(NULL)',
    );
    const params = ['*', new Date(END - 150 * DAY), new Date(END)];
    const merged = Number((await t.db.query<{ prs_merged: string }>(FLOW, params)).rows[0]!.prs_merged);
    const shipped = Number((await t.db.query<{ prs_shipped: string }>(LEAD, params)).rows[0]!.prs_shipped);
    expect(await passes(t, FLOW, params, merged)).toBe(2);
    expect(await passes(t, LEAD, params, shipped)).toBe(2);
    for (const team of teams)
      for (const [from, to] of periods()) {
        const p = [team, from, to];
        expect((await t.db.query(FLOW, p)).rows).toEqual((await t.db.query(PLAIN_FLOW, p)).rows);
        expect((await t.db.query(LEAD, p)).rows).toEqual((await t.db.query(PLAIN_LEAD, p)).rows);
      }
  });
});
