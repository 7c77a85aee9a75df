import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { freshDatabase, type TestDatabase } from '../support/database.js';

/**
 * DORA's 2025 Quick Check scores (docs/metrics.md, "DORA 2025 Quick Check"), worked out by hand
 * from the survey's answers: (answer − 1) × 2 for durations and frequency, 10 − rate / 10 for
 * rates, then the means and the 2025 benchmark (all industries).
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await freshDatabase({ migrated: true });
}, 60_000);
afterAll(() => t?.drop());

const score = async (metric: string, value: number | null) =>
  (
    await t.db.query<{ s: string | null }>('SELECT metrics.quick_check_score($1, $2)::text AS s', [
      metric,
      value,
    ])
  ).rows[0]!.s;

// [metric, value (hours, deployments per week, or percent), the score by hand]
const HAND_CHECKED: [string, number | null, string | null][] = [
  // Lead time: < 1 h → 6 → 10; < 1 day → 5 → 8; < 1 week → 4 → 6; < 1 month → 3 → 4; < 6 months → 2 → 2; else 1 → 0.
  ['lead_time', 0.5, '10'],
  ['lead_time', 0.99, '10'],
  ['lead_time', 1, '8'],
  ['lead_time', 23.9, '8'],
  ['lead_time', 24, '6'],
  ['lead_time', 100, '6'],
  ['lead_time', 168, '4'],
  ['lead_time', 719, '4'],
  ['lead_time', 720, '2'],
  ['lead_time', 4319, '2'],
  ['lead_time', 4320, '0'],
  ['lead_time', 10000, '0'],
  ['lead_time', null, null],
  // Recovery time reads the same answers.
  ['recovery_time', 0.25, '10'],
  ['recovery_time', 5, '8'],
  ['recovery_time', 48, '6'],
  ['recovery_time', 200, '4'],
  ['recovery_time', 2000, '2'],
  ['recovery_time', 5000, '0'],
  // Deployment frequency per week: ≥ 14 (several a day) → 10; ≥ 7 (daily) → 8; ≥ 1 (weekly) → 6;
  // ≥ 7/30 (monthly) → 4; ≥ 7/180 (every six months) → 2; fewer → 0.
  ['deployment_frequency', 30, '10'],
  ['deployment_frequency', 14, '10'],
  ['deployment_frequency', 13.9, '8'],
  ['deployment_frequency', 7, '8'],
  ['deployment_frequency', 6.99, '6'],
  ['deployment_frequency', 1, '6'],
  ['deployment_frequency', 0.5, '4'],
  ['deployment_frequency', 0.24, '4'],
  ['deployment_frequency', 0.2, '2'],
  ['deployment_frequency', 0.04, '2'],
  ['deployment_frequency', 0.03, '0'],
  // Rates: 10 − percent / 10.
  ['change_fail_rate', 0, '10'],
  ['change_fail_rate', 5, '9.5'],
  ['change_fail_rate', 12.5, '8.75'],
  ['change_fail_rate', 19, '8.1'],
  ['change_fail_rate', 100, '0'],
  ['rework_rate', 22, '7.8'],
  ['rework_rate', 40, '6'],
  ['rework_rate', null, null],
];

describe("DORA's 2025 Quick Check", () => {
  it(`scores ${HAND_CHECKED.length} hand-checked figures as the survey's answers do`, async () => {
    expect(HAND_CHECKED.length).toBeGreaterThanOrEqual(30);
    const got = [];
    for (const [metric, value] of HAND_CHECKED) {
      const s = await score(metric, value);
      got.push([metric, value, s === null ? null : String(Number(s))]);
    }
    expect(got).toEqual(HAND_CHECKED);
  });

  const quick = async (...args: (number | null)[]) =>
    (
      await t.db.query<{
        metric: string;
        score: string | null;
        inputs: number;
        benchmark_mean: string | null;
        benchmark_sd: string | null;
        z: string | null;
        standing: string | null;
      }>('SELECT * FROM metrics.quick_check_of($1, $2, $3, $4, $5)', args)
    ).rows.map((r) => ({
      metric: r.metric,
      score: r.score === null ? null : Number(r.score),
      inputs: r.inputs,
      mean: r.benchmark_mean === null ? null : Number(r.benchmark_mean),
      sd: r.benchmark_sd === null ? null : Number(r.benchmark_sd),
      z: r.z === null ? null : Number(r.z),
      standing: r.standing,
    }));

  it('takes throughput from lead time, frequency and recovery, stability from the two rates, overall from all five', async () => {
    // Lead time 30 h → 6; 10 a week → 8; recovery 2 h → 8; 10 % → 9; 20 % → 8.
    const rows = await quick(30, 10, 2, 10, 20);
    expect(rows.map((r) => [r.metric, r.score, r.inputs])).toEqual([
      ['lead_time', 6, 1],
      ['deployment_frequency', 8, 1],
      ['recovery_time', 8, 1],
      ['change_fail_rate', 9, 1],
      ['rework_rate', 8, 1],
      ['throughput', 7.33, 3],
      ['stability', 8.5, 2],
      ['overall', 7.8, 5],
    ]);
  });

  it('sets each score against the 2025 benchmark of all industries: how many standard deviations from the mean, in a word', async () => {
    const rows = await quick(30, 10, 2, 10, 20);
    const by = Object.fromEntries(rows.map((r) => [r.metric, r]));
    // Lead time 6 against 5.5 ± 2.4: z = 0.21, near.
    expect(by.lead_time).toMatchObject({ mean: 5.5, sd: 2.4, z: 0.21, standing: 'near' });
    // Frequency 8 against 4.8 ± 2.8: z = 1.14, far above.
    expect(by.deployment_frequency).toMatchObject({ mean: 4.8, sd: 2.8, z: 1.14, standing: 'far_above' });
    // Recovery 8 against 7.4 ± 2.1: z = 0.29, above.
    expect(by.recovery_time).toMatchObject({ mean: 7.4, sd: 2.1, z: 0.29, standing: 'above' });
    // Change fail rate 9 against 8.1 ± 2.1 (19 %): z = 0.43, above; rework 8 against 7.8 ± 2.2: 0.09, near.
    expect(by.change_fail_rate).toMatchObject({ mean: 8.1, sd: 2.1, z: 0.43, standing: 'above' });
    expect(by.rework_rate).toMatchObject({ mean: 7.8, sd: 2.2, z: 0.09, standing: 'near' });
    // Throughput 7.33 against 6.0 ± 2.1: 0.63; stability 8.5 against 7.9 ± 2.0: 0.3.
    expect(by.throughput).toMatchObject({ mean: 6, sd: 2.1, z: 0.63, standing: 'above' });
    expect(by.stability).toMatchObject({ mean: 7.9, sd: 2, z: 0.3, standing: 'above' });
    // The published overall benchmark is on another scale than the mean of five scores: none is set.
    expect(by.overall).toMatchObject({ mean: null, z: null, standing: null });
    // Below: a month's lead time (4) against 5.5 ± 2.4 is −0.63; a six-month one (2) is −1.46.
    expect((await quick(200, 10, 2, 10, 20))[0]).toMatchObject({ score: 4, z: -0.63, standing: 'below' });
    expect((await quick(1000, 10, 2, 10, 20))[0]).toMatchObject({
      score: 2,
      z: -1.46,
      standing: 'far_below',
    });
  });

  it('scores what there is: no deployment scores no frequency, no failure no recovery, and the means say from how many', async () => {
    const rows = await quick(30, 0, null, null, null);
    expect(rows.map((r) => [r.metric, r.score, r.inputs])).toEqual([
      ['lead_time', 6, 1],
      ['deployment_frequency', null, 0],
      ['recovery_time', null, 0],
      ['change_fail_rate', null, 0],
      ['rework_rate', null, 0],
      ['throughput', 6, 1],
      ['stability', null, 0],
      ['overall', 6, 1],
    ]);
    expect(rows[1]).toMatchObject({ z: null, standing: null });
  });
});
