import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createApp } from '../../src/api/app.js';
import { listen, type RunningServer } from '../../src/api/server.js';
import { loadSettings } from '../../src/config/settings.js';
import { refreshMetrics } from '../../src/metrics/refresh.js';
import { DAY } from '../../src/simulators/world/calendar.js';
import { freshDatabase, quietLog, type TestDatabase } from '../support/database.js';
import { organisationOf, testWorld } from '../support/github.js';
import { loadWorld } from '../support/loaded.js';

const TOKEN = 'metrics-api-token-0123456789';
// A Sunday; the API's clock is set to it, so default periods end there whatever today is.
const END = Date.parse('2026-12-06T10:00:00Z');
const world = testWorld({ prs: 400, end: END, start: END - 120 * DAY });

describe('the metrics API', () => {
  let t: TestDatabase;
  let server: RunningServer;
  const get = async (path: string, token = TOKEN) => {
    const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: (await res.json()) as Record<string, unknown> & { tiles?: Record<string, unknown>[] },
    };
  };

  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
    await loadWorld(world, t.db);
    const app = createApp({
      settings: loadSettings({ API_TOKEN: TOKEN, ENGMETRICS_NOW: new Date(END).toISOString() }),
      organisation: organisationOf(world),
      db: t.db,
      log: quietLog,
      apiToken: TOKEN,
    });
    server = await listen(app, '127.0.0.1', 0);
  }, 120_000);
  afterAll(async () => {
    await server.close();
    await t.drop();
  });

  it('serves the five DORA tiles of the organisation with values, bands and trends from SQL', async () => {
    const res = await get('/metrics/tiles');
    expect(res.status).toBe(200);
    expect(res.body.team).toBe('*');
    const tiles = res.body.tiles!;
    expect(tiles.map((x) => x.metric)).toEqual([
      'deployments',
      'lead_time_p50',
      'change_fail_rate',
      'recovery_p50',
      'rework_rate',
    ]);
    const { rows } = await t.db.query<Record<string, unknown>>(
      'SELECT * FROM metrics.dora_summary($1, $2, $3)',
      ['*', res.body.from, res.body.to],
    );
    const s = rows[0]!;
    expect(tiles[0]).toMatchObject({
      value: Number(s.deployments_per_week),
      band: s.deployment_frequency_band,
      unit: 'deployments per week',
    });
    expect(tiles[1]).toMatchObject({ value: s.lead_time_p50_h, band: s.lead_time_band });
    expect(tiles[2]).toMatchObject({
      value: Number(s.change_fail_rate_pct),
      detail: { failedDeployments: Number(s.failed_deployments), deployments: Number(s.deployments) },
    });
    expect(tiles[4]).toMatchObject({ band: null });
    // Each tile's DORA 2025 Quick Check score is SQL's for the same figures, and so are the means.
    const { rows: quick } = await t.db.query<{
      metric: string;
      score: number | null;
      z: number | null;
      inputs: number;
    }>('SELECT metric, score::float8, z::float8, inputs FROM metrics.quick_check($1, $2, $3)', [
      '*',
      res.body.from,
      res.body.to,
    ]);
    const q = Object.fromEntries(quick.map((r) => [r.metric, r]));
    expect(tiles.map((x) => (x.quickCheck as { score: number | null }).score)).toEqual(
      ['deployment_frequency', 'lead_time', 'change_fail_rate', 'recovery_time', 'rework_rate'].map(
        (m) => q[m]!.score,
      ),
    );
    expect(tiles[1]!.quickCheck).toMatchObject({
      benchmarkEdition: 2025,
      benchmarkMean: 5.5,
      benchmarkSd: 2.4,
    });
    expect(res.body.quickCheck).toMatchObject({
      throughput: { score: q.throughput!.score, inputs: q.throughput!.inputs, benchmarkMean: 6 },
      stability: { score: q.stability!.score, benchmarkMean: 7.9 },
      overall: { score: q.overall!.score, benchmarkMean: null },
    });
    expect(q.overall!.inputs).toBe(5);
    // And what it rests on: metrics.dora_evidence's row of the same metric.
    const { rows: evidence } = await t.db.query<{ metric: string; rows: number; confidence: string }>(
      'SELECT metric, rows::int, confidence FROM metrics.dora_evidence($1, $2, $3)',
      ['*', res.body.from, res.body.to],
    );
    expect(
      tiles.map((x) => [
        x.metric,
        (x.evidence as { rows: number }).rows,
        (x.evidence as { confidence: string }).confidence,
      ]),
    ).toEqual(evidence.map((e) => [e.metric, e.rows, e.confidence]));
    expect(tiles[0]!.evidence).toMatchObject({
      detail: { bySource: expect.any(Object), dataAsOf: expect.any(String) },
    });
    for (const tile of tiles) {
      expect(tile.bandYear).toBe(2024);
      expect(['better', 'worse', 'flat', null]).toContain(tile.trend);
    }
  });

  it('speaks one vocabulary: camelCase properties, an operationId for each operation, units beside or in the names', async () => {
    const doc = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      servers: { url: string }[];
      paths: Record<string, Record<string, { operationId?: string; parameters?: { name: string }[] }>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.servers.map((s) => s.url)).toEqual(['.']);
    const operations = Object.values(doc.paths).flatMap((ops) => Object.values(ops));
    const ids = operations.map((o) => o.operationId);
    expect(ids.filter((id) => !/^(get|list|post)[A-Z][A-Za-z]+$/.test(id ?? ''))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    // Every property and parameter name, wherever a schema declares one.
    const names = new Set<string>();
    const walk = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (o.properties && typeof o.properties === 'object')
        for (const k of Object.keys(o.properties)) names.add(k);
      if (Array.isArray(o.parameters)) for (const p of o.parameters as { name: string }[]) names.add(p.name);
      for (const v of Object.values(o)) walk(v);
    };
    walk(doc);
    expect(names.size).toBeGreaterThan(60);
    expect([...names].filter((n) => !/^[a-z][a-zA-Z0-9]*$/.test(n))).toEqual([]);
    // A number's unit is beside it.
    const schema = (name: string) =>
      doc.components.schemas[name] as { properties: Record<string, unknown>; required?: string[] };
    for (const name of ['DoraTile', 'Series'])
      expect(schema(name).required).toEqual(
        expect.arrayContaining(['value', 'unit'].filter((k) => k in schema(name).properties)),
      );
    expect(Object.keys(schema('Series').properties)).toEqual(expect.arrayContaining(['unit', 'points']));
    // And in the answers: the detail's keys too.
    const tiles = (await get('/metrics/tiles')).body.tiles!;
    const detailKeys = tiles.flatMap((t) => Object.keys(t.detail as object));
    expect(detailKeys.length).toBeGreaterThan(8);
    expect(detailKeys.filter((k) => !/^[a-z][a-zA-Z0-9]*$/.test(k))).toEqual([]);
  });

  it('serves what every figure rests on, the tiles’ and the flow’s, as the SQL says it', async () => {
    const res = await get('/metrics/evidence');
    expect(res.status).toBe(200);
    const figures = res.body.figures as {
      metric: string;
      rows: number;
      confidence: string;
      setting: string | null;
    }[];
    expect(figures.map((f) => f.metric)).toEqual([
      'deployments',
      'lead_time_p50',
      'change_fail_rate',
      'recovery_p50',
      'rework_rate',
      'pr_flow',
      'jira_flow',
      'sprints',
    ]);
    const { rows } = await t.db.query<{ metric: string; rows: number; confidence: string }>(
      `SELECT metric, rows::int, confidence FROM metrics.flow_evidence('*', $1, $2)`,
      [res.body.from, res.body.to],
    );
    expect(figures.slice(5).map((f) => [f.metric, f.rows, f.confidence])).toEqual(
      rows.map((r) => [r.metric, r.rows, r.confidence]),
    );
    expect((await get('/metrics/evidence?team=nobody')).status).toBe(404);
  });

  it('names each tile by the series that charts it, with the same unit by week', async () => {
    const tiles = (await get('/metrics/tiles')).body.tiles!;
    for (const tile of tiles) {
      const series = await get(`/metrics/series/${tile.metric}?interval=week`);
      expect({ metric: tile.metric, status: series.status }).toEqual({ metric: tile.metric, status: 200 });
      // A count by week is that count per week.
      const weekly = series.body.unit === tile.unit || `${String(series.body.unit)} per week` === tile.unit;
      expect({ metric: tile.metric, tile: tile.unit, series: series.body.unit, weekly }).toMatchObject({
        weekly: true,
      });
    }
  });

  it('serves a team’s tiles and says which teams exist when asked for an unknown one', async () => {
    const team = world.teams[0]!.name;
    const ok = await get(
      `/metrics/tiles?team=${team}&from=${new Date(END - 60 * DAY).toISOString()}&to=${new Date(END).toISOString()}`,
    );
    expect(ok.status).toBe(200);
    expect(ok.body.team).toBe(team);
    const missing = await get('/metrics/tiles?team=nobody');
    expect(missing.status).toBe(404);
    expect(missing.type).toMatch(/problem\+json/);
    expect(String(missing.body.detail)).toContain(team);
  });

  it('serves a weekly team series from the rollups and a repository’s from its deployments', async () => {
    const team = world.teams[0]!.name;
    const weekly = await get(`/metrics/series/deployments?team=${team}&interval=week`);
    expect(weekly.status).toBe(200);
    const points = weekly.body.points as { time: string; value: number }[];
    expect(points.length).toBeGreaterThan(5);
    const repo = `acme/${world.repos.find((r) => r.team === team && r.source === 'deployments')!.name}`;
    const byRepo = await get(
      `/metrics/series/deployments?team=${team}&repo=${repo}&interval=day&from=${new Date(END - 90 * DAY).toISOString().slice(0, 10)}`,
    );
    expect(byRepo.status).toBe(200);
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM metrics.validate_deployments WHERE team = $1 AND repo = $2 AND finished_at >= $3 AND finished_at < $4`,
      [team, repo, byRepo.body.from, byRepo.body.to],
    );
    expect((byRepo.body.points as { value: number }[]).reduce((n, p) => n + p.value, 0)).toBe(rows[0]!.n);
  });

  it('counts what each point rests on, the same from the rollups as from the rows, with the data’s age', async () => {
    const team = world.teams[0]!.name;
    // Whole weeks: every bucket from the rollups.
    const from = '2026-09-07T00:00:00Z';
    const to = '2026-11-30T00:00:00Z';
    const { rows: catalogue } = await t.db.query<{ metric: string; intervals: string[] }>(
      "SELECT metric, intervals FROM metrics.series_catalogue WHERE metric <> 'wip'",
    );
    let compared = 0;
    for (const { metric, intervals } of catalogue)
      for (const interval of intervals) {
        const viaApi = await get(
          `/metrics/series/${metric}?team=${team}&interval=${interval}&from=${from}&to=${to}`,
        );
        const points = viaApi.body.points as { time: string; value: number | null; rows: number }[];
        const { rows: direct } = await t.db.query<{ time: Date; value: number | null; rows: number }>(
          'SELECT "time", value, "rows"::int FROM metrics.series_from_rows($1, $2, NULL, $3, $4, $5)',
          [metric, team, from, to, interval],
        );
        const byTime = new Map(direct.map((d) => [d.time.toISOString(), d]));
        for (const p of points.filter((p) => p.rows > 0)) {
          const d = byTime.get(p.time);
          expect({ metric, interval, time: p.time, rows: p.rows }).toEqual({
            metric,
            interval,
            time: p.time,
            rows: d?.rows,
          });
          compared++;
        }
        expect({ metric, interval, rows: points.reduce((n, p) => n + p.rows, 0) }).toEqual({
          metric,
          interval,
          rows: direct.reduce((n, d) => n + d.rows, 0),
        });
        expect((viaApi.body.evidence as { source: string }).source).toBe(
          ['velocity', 'flow_time_p50', 'flow_efficiency'].includes(metric) ? 'jira' : 'github',
        );
      }
    expect(compared).toBeGreaterThan(100);
    // A count's points rest on what they count; a percentile's on the pull requests with that stage.
    const deployments = (
      await get(`/metrics/series/deployments?team=${team}&interval=week&from=${from}&to=${to}`)
    ).body;
    for (const p of deployments.points as { value: number; rows: number }[]) expect(p.rows).toBe(p.value);
    const { rows: pickups } = await t.db.query<{ n: number }>(
      `SELECT count(pickup_s)::int AS n FROM metrics.team_pull_requests
        WHERE team = $1 AND merged_at >= $2 AND merged_at < $3 AND NOT is_bot`,
      [team, from, to],
    );
    const pickup = (await get(`/metrics/series/pickup_p50?team=${team}&interval=week&from=${from}&to=${to}`))
      .body;
    expect((pickup.evidence as { rows: number }).rows).toBe(pickups[0]!.n);
    expect((pickup.evidence as { dataAsOf: string | null }).dataAsOf).toEqual(expect.any(String));
  });

  it('clips the first and last bucket of a series to the period, and marks them partial', async () => {
    const team = world.teams[0]!.name;
    // A Wednesday noon to a Thursday noon four weeks later: both ends cut a week (and a day) short.
    const from = new Date(Date.UTC(2026, 10, 4, 12));
    const to = new Date(from.getTime() + 29 * DAY);
    const counted = async (a: Date, b: Date) =>
      (
        await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM metrics.team_deployments WHERE team = $1 AND finished_at >= $2 AND finished_at < $3`,
          [team, a, b],
        )
      ).rows[0]!.n;
    for (const interval of ['week', 'day'] as const) {
      const res = await get(
        `/metrics/series/deployments?team=${team}&interval=${interval}&from=${from.toISOString()}&to=${to.toISOString()}`,
      );
      expect(res.status).toBe(200);
      const points = res.body.points as { time: string; value: number; partial: boolean }[];
      expect(points.length).toBeGreaterThan(3);
      // Nothing before `from` or from `to` on is counted, in any bucket.
      expect(points.reduce((n, p) => n + p.value, 0)).toBe(await counted(from, to));
      const step = interval === 'week' ? 7 * DAY : DAY;
      for (const p of points) {
        const start = Date.parse(p.time);
        const cut = start < from.getTime() || start + step > to.getTime();
        expect({ time: p.time, partial: p.partial }).toEqual({ time: p.time, partial: cut });
        const value = await counted(
          new Date(Math.max(start, from.getTime())),
          new Date(Math.min(start + step, to.getTime())),
        );
        expect({ time: p.time, value: p.value }).toEqual({ time: p.time, value });
      }
      expect(points[0]!.partial).toBe(true);
    }
    // A period of whole weeks has no partial bucket.
    const monday = new Date(Date.UTC(2026, 10, 2));
    const whole = await get(
      `/metrics/series/lead_time_p50?team=${team}&interval=week&from=${monday.toISOString()}&to=${new Date(monday.getTime() + 28 * DAY).toISOString()}`,
    );
    expect((whole.body.points as { partial: boolean }[]).some((p) => p.partial)).toBe(false);
  });

  it('lists the series it can chart and the teams', async () => {
    const list = await get('/metrics/series');
    expect((list.body.series as { metric: string }[]).map((s) => s.metric)).toContain('lead_time_p50');
    const teams = await get('/metrics/teams');
    expect(teams.body.teams).toEqual(world.teams.map((x) => x.name).sort());
  });

  it.each([
    ['/metrics/tiles?from=yesterday', 400, 'query.from'],
    ['/metrics/tiles?from=2026-05-01&to=2026-04-01', 400, 'query.from'],
    ['/metrics/tiles?colour=blue', 400, 'query'],
    ['/metrics/series/lead_time_p50?interval=hour', 400, 'query.interval'],
    ['/metrics/series/lead_time_p50?interval=day', 400, 'query.interval'],
    ['/metrics/series/happiness', 400, 'params.metric'],
    ['/metrics/series/Bad-Name', 400, 'params.metric'],
    ['/metrics/series/velocity?repo=acme/payments-api', 400, 'query.repo'],
    ['/metrics/series/deployments?repo=not-a-repo', 400, 'query.repo'],
  ])('answers %s with %i and says where', async (path, status, where) => {
    const res = await get(path);
    expect(res.status).toBe(status);
    expect(res.type).toMatch(/problem\+json/);
    expect((res.body.errors as { path: string }[])[0]!.path.startsWith(where)).toBe(true);
  });

  it('answers a repository outside the team with 404, and no token with 401', async () => {
    const team = world.teams[0]!.name;
    const other = world.repos.find((r) => r.team !== team)!.name;
    expect((await get(`/metrics/series/deployments?team=${team}&repo=acme/${other}`)).status).toBe(404);
    expect((await get('/metrics/tiles', 'wrong-token-wrong-token')).status).toBe(401);
  });

  it('answers the same question from memory until a refresh, then from the refreshed views', async () => {
    const question = `/metrics/tiles?from=${new Date(END - 60 * DAY).toISOString()}&to=${new Date(END).toISOString()}`;
    const deployments = (body: Record<string, unknown> & { tiles?: Record<string, unknown>[] }) =>
      (body.tiles![0]!.detail as { deployments: number }).deployments;
    const before = await get(question);
    expect(deployments(before.body)).toBeGreaterThan(0);
    expect((await get(question)).body).toEqual(before.body);

    // Only "production" counts from now on: fewer deployments, once the views are refreshed.
    await t.db.query(
      `UPDATE metrics.setting_values SET value = '^production$' WHERE key = 'production_pattern'`,
    );
    await refreshMetrics(t.db);
    const after = await get(question);
    const { rows } = await t.db.query<{ deployments: string }>(
      'SELECT deployments FROM metrics.dora_summary($1, $2, $3)',
      ['*', new Date(END - 60 * DAY), new Date(END)],
    );
    expect(deployments(after.body)).toBe(Number(rows[0]!.deployments));
    expect(deployments(after.body)).not.toBe(deployments(before.body));
  });
});
