import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DAY, HOUR } from '../../src/simulators/world/calendar.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { testWorld } from '../support/github.js';
import { loadWorld } from '../support/loaded.js';

/**
 * The counts of a period (deployments, the days with one, failures, recoveries and their
 * times, rework, the weekly counts whose median is a tile's, where deployments were read
 * from, pull requests shipped, merged and what became of them) read the weeks whole within
 * the period from weekly rollups and only the weeks its ends cut from the rows. Whatever the
 * period, they must be what counting its rows gives.
 */

const END = Date.parse('2026-12-06T10:00:00Z'); // any instant: the answers are compared with each other
const world = testWorld({ prs: 500, end: END, start: END - 150 * DAY });

/** Periods long and short, on week boundaries and off them, inside the data and past it. */
function periods(): [Date, Date][] {
  const at = (daysBeforeEnd: number, hours = 0) => new Date(END - daysBeforeEnd * DAY + hours * HOUR);
  const monday = new Date(Date.UTC(2026, 10, 2)); // Monday 2 November 2026, 00:00 UTC
  return [
    [at(150), at(0)],
    [at(120, 5), at(3, 7)],
    [monday, new Date(monday.getTime() + 14 * DAY)],
    [new Date(monday.getTime() + 2 * DAY), new Date(monday.getTime() + 7 * DAY)],
    [new Date(monday.getTime() + DAY), new Date(monday.getTime() + 3 * DAY)],
    [monday, new Date(monday.getTime() + 2.5 * DAY)],
    [new Date(monday.getTime() + DAY + 3 * HOUR), new Date(monday.getTime() + DAY + 9 * HOUR)],
    [at(63, 13), at(20, 2)],
    [at(10, 1), at(3)],
    [at(400), at(200)],
  ];
}

const DEPLOYMENTS = `
  WITH cut AS (
    -- The weeks not whole within the period, with how many deployments each holds within it.
    SELECT date_trunc('week', finished_at, 'UTC') AS week, count(*)::bigint AS n
      FROM metrics.team_deployments WHERE team = $1 AND finished_at >= $2 AND finished_at < $3
     GROUP BY 1
    HAVING date_trunc('week', finished_at, 'UTC') < $2 OR date_trunc('week', finished_at, 'UTC') + interval '7 days' > $3
  )
  SELECT count(*)::bigint AS deployments, count(DISTINCT day)::bigint AS deploy_days,
         count(*) FILTER (WHERE failed)::bigint AS failed,
         count(recovery_s) FILTER (WHERE failed)::bigint AS recovered,
         count(*) FILTER (WHERE rework)::bigint AS rework,
         count(*) FILTER (WHERE is_fallback)::bigint AS fallback,
         percentile_cont(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY recovery_s) FILTER (WHERE failed) AS recovery_s,
         (SELECT array_agg(week ORDER BY week) FROM cut) AS cut_weeks,
         (SELECT array_agg(n ORDER BY week) FROM cut) AS cut_deployments
    FROM metrics.team_deployments WHERE team = $1 AND finished_at >= $2 AND finished_at < $3`;
const MEDIAN_PER_WEEK = `
  SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY coalesce(x.n, 0))::numeric AS median_deployments_per_week
    FROM generate_series(date_trunc('week', $2::timestamptz, 'UTC'),
                         date_trunc('week', $3::timestamptz - interval '1 microsecond', 'UTC'), interval '1 week') g
    LEFT JOIN (SELECT date_trunc('week', finished_at, 'UTC') AS week, count(*) AS n FROM metrics.team_deployments
                WHERE team = $1 AND finished_at >= $2 AND finished_at < $3 GROUP BY 1) x ON x.week = g`;
const SOURCES = `
  SELECT coalesce(jsonb_object_agg(source, n), '{}') AS by_source
    FROM (SELECT source, count(*) AS n FROM metrics.team_deployments
           WHERE team = $1 AND finished_at >= $2 AND finished_at < $3 GROUP BY 1) x`;
const MERGED = `
  SELECT (SELECT count(*) FROM metrics.team_pull_requests
           WHERE team = $1 AND deployed_at >= $2 AND deployed_at < $3)::int AS "changesShipped",
         count(*)::int AS merged,
         count(*) FILTER (WHERE deployed_at IS NOT NULL)::int AS "mergedAndShipped",
         count(*) FILTER (WHERE deployed_at IS NULL)::int AS "mergedNeverDeployed",
         count(*) FILTER (WHERE ship_method = 'approximate')::int AS "shippedApproximately",
         count(*) FILTER (WHERE NOT is_bot)::int AS people,
         count(*) FILTER (WHERE is_bot)::int AS bots,
         count(*) FILTER (WHERE NOT is_bot AND merged_without_review)::int AS "withoutReview"
    FROM metrics.team_pull_requests WHERE team = $1 AND merged_at >= $2 AND merged_at < $3`;

describe('counts of a period read from weekly rollups and the weeks it cuts', () => {
  let t: TestDatabase;
  let teams: string[];
  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
    await loadWorld(world, t.db);
    teams = ['*', ...world.teams.map((x) => x.name)];
  }, 180_000);
  afterAll(async () => t.drop());

  it('are the rows’ counts for every team and period', async () => {
    let deployed = 0;
    let bots = 0;
    let cutDeployments = 0;
    for (const team of teams)
      for (const [from, to] of periods()) {
        const p = [team, from, to];
        const counts = (await t.db.query('SELECT * FROM metrics.deployment_counts($1, $2, $3)', p)).rows;
        expect(counts).toEqual((await t.db.query(DEPLOYMENTS, p)).rows);
        cutDeployments += ((counts[0]!.cut_deployments as string[] | null) ?? []).reduce(
          (a, n) => a + Number(n),
          0,
        );
        const { rows: median } = await t.db.query(
          'SELECT median_deployments_per_week FROM metrics.dora_summary($1, $2, $3)',
          p,
        );
        expect(median).toEqual((await t.db.query(MEDIAN_PER_WEEK, p)).rows);
        const { rows: shipped } = await t.db.query<{ n: string }>(
          'SELECT coalesce(sum(n), 0)::bigint AS n FROM metrics.lead_time_counts($1, $2, $3)',
          p,
        );
        const plain = (await t.db.query<Record<string, number>>(MERGED, p)).rows[0]!;
        expect(Number(shipped[0]!.n)).toBe(plain.changesShipped);

        const dora = Object.fromEntries(
          (
            await t.db.query<{ metric: string; detail: Record<string, unknown> }>(
              'SELECT metric, detail FROM metrics.dora_evidence($1, $2, $3)',
              p,
            )
          ).rows.map((r) => [r.metric, r.detail]),
        );
        const bySource = (await t.db.query<{ by_source: unknown }>(SOURCES, p)).rows[0]!.by_source;
        expect(dora.deployments!.bySource).toEqual(bySource);
        expect(dora.deployments!.fallback).toBe(Number(counts[0]!.fallback));
        expect(dora.recovery_p50!.unrecovered).toBe(Number(counts[0]!.failed) - Number(counts[0]!.recovered));
        const lead = dora.lead_time_p50!;
        for (const key of [
          'changesShipped',
          'merged',
          'mergedAndShipped',
          'mergedNeverDeployed',
          'shippedApproximately',
        ])
          expect([key, lead[key]]).toEqual([key, plain[key]]);

        const { rows: flow } = await t.db.query<{ detail: Record<string, number> }>(
          `SELECT detail FROM metrics.flow_evidence($1, $2, $3) WHERE metric = 'pr_flow'`,
          p,
        );
        expect([
          flow[0]!.detail.merged,
          flow[0]!.detail.mergedByBots,
          flow[0]!.detail.mergedWithoutReview,
        ]).toEqual([plain.people, plain.bots, plain.withoutReview]);
        deployed += Number(counts[0]!.deployments);
        bots += plain.bots!;
      }
    // The world gives the comparisons something to count.
    expect(deployed).toBeGreaterThan(100);
    expect(bots).toBeGreaterThan(0);
    // The weeks the periods cut held deployments: their counts were compared, not two empty lists.
    expect(cutDeployments).toBeGreaterThan(10);
  }, 120_000);
});
