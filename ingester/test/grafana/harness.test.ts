import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  alertQueries,
  allPanels,
  describeRef,
  evaluateAlert,
  expandAlertQuery,
  formatFailures,
  loadAlertGroups,
  loadDashboards,
  runAsReader,
  runHarness,
  type HarnessReport,
  type HarnessResult,
} from '../support/grafana/harness.js';
import {
  DORA_BAND_COLOURS,
  DORA_BAND_YEAR,
  DORA_BANDS,
  doraThresholds,
  thresholdColour,
  type DoraBand,
  type DoraMetric,
} from '../../src/grafana/dashboards/common.js';
import { expandPostgresQuery } from '../support/grafana/macros.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { loadOrganisation } from './world.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const DASHBOARDS = join(ROOT, 'provisioning/dashboards');
const ALERTING = join(ROOT, 'provisioning/alerting');
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/**
 * Panels that may legitimately return no rows for the loaded organisation. Each needs a reason;
 * everything else must show data, or the dashboard would greet a new user with "No data".
 */
const MAY_BE_EMPTY: { container: string; title: string; reason: string }[] = [
  {
    container: 'engmetrics-ingestion',
    title: 'Skipped and dropped, by cause',
    reason: 'a sync of well-formed payloads skips and drops nothing (test/github/partial.test.ts fills it)',
  },
];

/**
 * Sync runs are stamped with the real clock, the generated organisation's history ends on its
 * own date: each dashboard's "now" is the one its data lives at.
 */
const RUN_HISTORY = new Set(['engmetrics-ingestion', 'engmetrics', 'harness-fixture']);
let worldNow = 0;
const nowFor = (container: string) => (RUN_HISTORY.has(container) ? Date.now() : worldNow);

describe('every provisioned query, expanded as Grafana does and run as grafana_reader on a loaded organisation', () => {
  let t: TestDatabase;
  let report: HarnessReport;

  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
    worldNow = (await loadOrganisation(t.db)).spec.end;
    report = await runHarness({
      db: t.db,
      dashboards: loadDashboards(DASHBOARDS),
      alertGroups: loadAlertGroups(ALERTING),
      now: nowFor,
      mayBeEmpty: MAY_BE_EMPTY,
    });
  }, 600_000);
  afterAll(async () => t?.drop());

  it('runs every panel, variable and alert query: each succeeds, returns rows and the shape its panel needs', () => {
    // HARNESS_DUMP=1 prints every query as run, for whoever is writing a panel.
    if (process.env.HARNESS_DUMP)
      for (const r of report.results)
        console.log(
          `${r.scenario} ${describeRef(r.query)}: ${r.rows} rows (${r.columns.join(', ')})\n${r.expandedSql}`,
        );
    expect(report.results.length).toBeGreaterThan(0);
    if (report.failures.length)
      throw new Error(`${report.failures.length} queries fail:\n\n${formatFailures(report)}`);
  });

  it('found the queries of every dashboard and rule, and tried single, several and All values', () => {
    const dashboards = loadDashboards(DASHBOARDS);
    for (const { content: d } of dashboards)
      expect(report.results.some((r) => r.query.container === d.uid)).toBe(true);
    const ingestion = report.results.filter((r) => r.query.container === 'engmetrics-ingestion');
    expect(new Set(ingestion.map((r) => r.scenario))).toEqual(new Set(['all', 'multi', 'single']));
    expect(ingestion.filter((r) => r.query.kind === 'variable').map((r) => r.query.title)).toEqual(
      expect.arrayContaining(['source', 'scope']),
    );
    expect(report.variables['engmetrics-ingestion']!.single.source).toEqual(['github']);
    expect(report.variables['engmetrics-ingestion']!.all.source).toEqual(['github', 'jira', 'metrics']);
    // A team-keyed dashboard opens on All teams ('*'); the second scenario takes another team,
    // and with it that team's board and its previous sprint.
    expect(report.variables['engmetrics-dora']!.all.team).toBe('*');
    expect(report.variables['engmetrics-dora']!.multi.team).toBe('growth');
    const sprint = report.variables['engmetrics-sprint-health']!;
    expect([sprint.all.board, sprint.all.sprint]).toEqual(['1', '110']);
    expect([sprint.multi.team, sprint.multi.board, sprint.multi.sprint]).toEqual(['growth', '4', '145']);
    // The Sprint Health panel fetches its own data: there is no query of it to run.
    expect(report.results.some((r) => r.query.title === 'Sprint Health')).toBe(false);
    const rules = loadAlertGroups(ALERTING).flatMap((g) => alertQueries(g.file, g.content));
    expect(rules.map((q) => q.title)).toEqual([
      'Ingestion stale for more than 3 hours',
      'Change fail rate above 15 % over 14 days',
      'Change lead time up 50 % week over week',
      'Sprint off track',
    ]);
    for (const q of rules)
      expect(report.results.some((r) => r.query.kind === 'alert' && r.query.title === q.title)).toBe(true);
  });

  it('the failed Jira run shows with its error on the ingestion dashboard', () => {
    const failed = report.results.find(
      (r) => r.query.title === 'Failed runs with errors' && r.scenario === 'all',
    ) as HarnessResult;
    expect(failed.rows).toBeGreaterThan(0);
  });

  it('shows grafana_reader the run history without details, stack traces or credentials', async () => {
    class Rollback extends Error {}
    let seen: Record<string, unknown>[] = [];
    await t.db
      .tx(async (c) => {
        await c.query(
          `INSERT INTO ops.sync_runs (source, scope, status, finished_at, error, details)
           VALUES ('github', 'acme/secret-check', 'failed', now(), $1, '{"token": "ghp_in_details"}')`,
          [
            'GET /repos?access_token=ghp_abc123 failed: Authorization: Bearer ghp_xyz789\n    at request (client.js:1:1)',
          ],
        );
        await c.query('SET LOCAL ROLE grafana_reader');
        seen = (await c.query(`SELECT * FROM metrics.sync_runs WHERE scope = 'acme/secret-check'`)).rows;
        throw new Rollback();
      })
      .catch((e: unknown) => {
        if (!(e instanceof Rollback)) throw e;
      });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.error).toBe('GET /repos?access_token=*** failed: Authorization: *** ***');
    expect(JSON.stringify(seen[0])).not.toMatch(/ghp_|client\.js|details/);
  });

  it('the stale-ingestion rule stays quiet after a sync and fires once a source is 3 hours behind', async () => {
    const group = loadAlertGroups(ALERTING).find((g) =>
      g.content.rules.some((r) => r.uid === 'engmetrics-ingestion-stale'),
    )!;
    const rule = group.content.rules.find((r) => r.uid === 'engmetrics-ingestion-stale')!;
    const sql = rule.data.find((d) => d.refId === 'A')!.model.rawSql!;
    const fresh = evaluateAlert(rule, await runAsReader(t.db, sql));
    expect(fresh.map((i) => i.labels.source).sort()).toEqual(['github', 'jira', 'metrics']);
    expect(fresh.every((i) => !i.firing)).toBe(true);

    await t.db.query(
      `UPDATE ops.sync_runs SET started_at = started_at - interval '4 hours', finished_at = finished_at - interval '4 hours'
        WHERE source = 'jira'`,
    );
    try {
      const stale = evaluateAlert(rule, await runAsReader(t.db, sql));
      expect(stale.filter((i) => i.firing)).toEqual([
        { labels: { source: 'jira' }, value: expect.any(Number), firing: true },
      ]);
      expect(stale.find((i) => i.firing)!.value).toBeGreaterThan(4);
    } finally {
      await t.db.query(
        `UPDATE ops.sync_runs SET started_at = started_at + interval '4 hours', finished_at = finished_at + interval '4 hours'
          WHERE source = 'jira'`,
      );
    }
  });

  it('charts only the weeks and days a time range holds whole', async () => {
    const panel = (title: string) =>
      loadDashboards(DASHBOARDS)
        .flatMap((d) => allPanels(d.content))
        .find((p) => p.title === title)!.targets![0]!.rawSql!;
    // A Wednesday noon to a Thursday noon four weeks later, both before the world's end.
    const range = { from: new Date(worldNow - 40 * 86_400_000), to: new Date(worldNow - 12 * 86_400_000) };
    range.from = new Date(
      Date.UTC(
        range.from.getUTCFullYear(),
        range.from.getUTCMonth(),
        range.from.getUTCDate() - ((range.from.getUTCDay() + 4) % 7),
        12,
      ),
    );
    range.to = new Date(range.from.getTime() + 29 * 86_400_000);
    const run = async (title: string) => {
      const sql = expandPostgresQuery(panel(title).replaceAll('${team:sqlstring}', "'*'"), {
        range,
        interval: 3_600_000_000_000n,
      }).sql;
      return (await runAsReader(t.db, sql)).rows as [Date, ...unknown[]][];
    };
    const counted = async (a: Date, b: Date) =>
      Number(
        (
          (
            await runAsReader(
              t.db,
              `SELECT count(*) FROM metrics.team_deployments WHERE team = '*' AND finished_at >= '${a.toISOString()}' AND finished_at < '${b.toISOString()}'`,
            )
          ).rows[0] as [string]
        )[0],
      );
    for (const [title, hours] of [
      ['Deployments per week', 168],
      ['Deployments per day', 24],
    ] as const) {
      const rows = await run(title);
      expect(rows.length).toBeGreaterThan(2);
      const first = rows[0]![0].getTime();
      const end = rows[rows.length - 1]![0].getTime() + hours * 3_600_000;
      // Buckets start inside the range and end inside it: nothing outside is counted.
      expect(first).toBeGreaterThanOrEqual(range.from.getTime());
      expect(end).toBeLessThanOrEqual(range.to.getTime());
      expect(rows.reduce((n, r) => n + Number(r[1]), 0)).toBe(await counted(new Date(first), new Date(end)));
    }
  });

  /** A delivery rule evaluated as Grafana would at `now`: its query, then reduce and threshold. */
  const delivery = (uid: string) => {
    const rule = loadAlertGroups(ALERTING)
      .flatMap((g) => g.content.rules)
      .find((r) => r.uid === uid)!;
    return async (now: number) => {
      const instances = evaluateAlert(rule, await runAsReader(t.db, expandAlertQuery(rule, 'A', now)));
      return {
        instances,
        firing: instances.filter((i) => i.firing).map((i) => i.labels),
        value: (labels: Record<string, string>) =>
          instances.find((i) => JSON.stringify(i.labels) === JSON.stringify(labels))?.value,
      };
    };
  };
  const at = (iso: string) => Date.parse(iso);

  it('the change fail rate rule fires for a team with over 15 % failed in 14 days, not for one with too few deployments', async () => {
    const { instances, firing, value } = await delivery('engmetrics-change-fail-rate')(worldNow);
    expect(instances.map((i) => i.labels.team).sort()).toEqual(['growth', 'mobile', 'payments', 'platform']);
    // The values are the DORA tile's, for teams with five deployments or more.
    const { rows } = await runAsReader(
      t.db,
      `SELECT t.team, s.deployments::int, s.change_fail_rate_pct::float8
         FROM metrics.teams t,
              LATERAL metrics.dora_summary(t.team, to_timestamp(${(worldNow - 14 * 86_400_000) / 1000}),
                                           to_timestamp(${worldNow / 1000})) s`,
    );
    for (const [team, deployments, rate] of rows as [string, number, number | null][])
      expect({ team, value: value({ team }) }).toEqual({ team, value: deployments >= 5 ? rate : null });
    expect(firing).toEqual([{ team: 'payments' }]);
    expect(value({ team: 'mobile' })).toBeNull();
    expect(value({ team: 'growth' })).toBeGreaterThan(10);
  });

  it('the lead time rule fires when a median over five or more PRs rises 50 % on the week before, not on fewer', async () => {
    const rule = delivery('engmetrics-lead-time-up');
    const thisWeek = await rule(worldNow);
    expect(thisWeek.instances).toHaveLength(4);
    expect(thisWeek.firing).toEqual([]);

    // The week of 12 October against the week before: payments' median rose on six and seven
    // pull requests; platform's rose more, on two, which is too few to say.
    const { firing, value } = await rule(at('2026-10-16T16:00:00Z'));
    expect(firing).toEqual([{ team: 'payments' }]);
    expect(value({ team: 'payments' })).toBeGreaterThan(50);
    expect(value({ team: 'platform' })).toBeNull();
    const { rows } = await runAsReader(
      t.db,
      `SELECT prs_shipped::int, lead_time_p50_h FROM metrics.dora_weekly
        WHERE team = 'platform' AND week IN ('2026-10-05Z', '2026-10-12Z') ORDER BY week`,
    );
    const [before, after] = rows as [number, number][];
    expect(after![0]).toBeLessThan(5);
    expect(after![1]).toBeGreaterThan(before![1] * 1.5);
  });

  it('the sprint rule judges active sprints from half-way on, firing for those far above the ideal line', async () => {
    const rule = delivery('engmetrics-sprint-off-track');
    const early = await rule(worldNow);
    expect(early.instances.map((i) => i.labels.sprint).sort()).toEqual([
      'GRO Sprint 11',
      'MOB Sprint 11',
      'PAY Sprint 11',
      'PLAT Sprint 11',
    ]);
    expect(early.instances.every((i) => i.value === null && !i.firing)).toBe(true);

    // Past half-way (the burndown of 1 November), two teams have done little of their sprint.
    const late = await rule(at('2026-11-02T16:00:00Z'));
    expect(late.firing.map((l) => l.team).sort()).toEqual(['growth', 'platform']);
    for (const i of late.instances) {
      expect(i.labels).toEqual({
        team: expect.any(String),
        sprint_id: expect.stringMatching(/^\d+$/),
        sprint: expect.any(String),
      });
      expect(i.value).not.toBeNull();
    }
    expect(late.value({ team: 'payments', sprint_id: '110', sprint: 'PAY Sprint 11' })).toBeLessThan(25);
  });

  it('colours DORA values with the bands of metrics.dora_bands, the table SQL bands by', async () => {
    const { rows } = await runAsReader(
      t.db,
      `SELECT metric, band, year, lower::float8, upper::float8 FROM metrics.dora_bands
        WHERE year = (SELECT max(year) FROM metrics.dora_bands) ORDER BY metric, lower NULLS FIRST`,
    );
    const table = rows as [string, DoraBand, number, number | null, number | null][];
    expect(new Set(table.map((r) => r[0]))).toEqual(new Set(Object.values(DORA_BANDS).map((b) => b.table)));
    expect(new Set(table.map((r) => r[2]))).toEqual(new Set([DORA_BAND_YEAR]));
    for (const [metric, spec] of Object.entries(DORA_BANDS) as [
      DoraMetric,
      (typeof DORA_BANDS)[DoraMetric],
    ][]) {
      const own = table.filter((r) => r[0] === spec.table);
      const edges = [...new Set(own.flatMap((r) => [r[3], r[4]]).filter((e) => e !== null))].sort(
        (a, b) => a! - b!,
      );
      expect({ metric, edges }).toEqual({ metric, edges: [...spec.edges] });
      // A value in a band, at its lower edge and just under its upper one, takes the band's colour.
      const colours = doraThresholds(metric);
      for (const [, band, , lower, upper] of own) {
        const inside = [lower ?? upper! - 1, ...(upper === null ? [] : [upper - 1e-6])];
        for (const v of inside)
          expect({ metric, v, colour: thresholdColour(colours, v) }).toEqual({
            metric,
            v,
            colour: DORA_BAND_COLOURS[band],
          });
      }
    }
  });

  it('reports each broken query with its dashboard, panel title, the problem and the expanded SQL', async () => {
    const fixture = await runHarness({ db: t.db, dashboards: loadDashboards(FIXTURES), now: nowFor });
    const problemsOf = (title: string) =>
      fixture.results.filter((r) => r.query.title === title).flatMap((r) => r.problems);

    expect(problemsOf('Not a time series')).toContain(
      'a time series needs its first column named "time" (got "source", "runs")',
    );
    expect(problemsOf('Reads ops').join()).toMatch(
      /query failed: permission denied for (schema|table) ops|sync_runs/,
    );
    expect(problemsOf('Unknown macro')).toContain('expansion failed: unknown macro "__nope"');
    expect(problemsOf('Bare multi variable').join()).toMatch(/\$source has no format/);
    expect(problemsOf('Stat of text')).toContain('a stat panel needs a numeric column');
    expect(problemsOf('Unsorted labels')).toContain(
      'rows with label columns must be sorted by time ascending (ORDER BY 1)',
    );
    expect(problemsOf('Unknown variable')).toContain('$nothere is not a variable of this dashboard');

    // The panels inside the collapsed row were found, and pass under every scenario.
    for (const title of [
      'Runs per bucket, in a collapsed row',
      'Repositories, with a custom All value',
      'Runs between epoch bounds',
    ]) {
      const runs = fixture.results.filter((r) => r.query.title === title);
      expect(runs.length).toBeGreaterThan(0);
      expect(runs.flatMap((r) => r.problems)).toEqual([]);
    }
    // A custom All value goes in as written; chosen values are quoted by :sqlstring.
    const repos = fixture.results.filter((r) => r.query.title === 'Repositories, with a custom All value');
    expect(repos.find((r) => r.scenario === 'all')!.expandedSql).toContain("WHERE '__all' IN ('__all')");
    expect(repos.find((r) => r.scenario === 'single')!.expandedSql).toMatch(
      /WHERE '__all' IN \('acme\/[^']+'\)/,
    );
    // $bucket (a custom variable, 1d) reaches $__timeGroupAlias and the server expands it.
    expect(
      fixture.results.find((r) => r.query.title === 'Runs per bucket, in a collapsed row')!.expandedSql,
    ).toMatch(/^SELECT floor\(extract\(epoch from started_at\)\/86400\)\*86400 AS "time", source AS metric/);

    const text = formatFailures(fixture);
    expect(text).toContain('dashboard "Harness fixture" › panel "Reads ops" (A)');
    expect(text).toContain('SELECT count(*) FROM ops.sync_runs');
  });
});
