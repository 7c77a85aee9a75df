import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../src/db/database.js';
import {
  loadAlertGroups,
  loadDashboards,
  runAsReader,
  runHarness,
  type DashboardJson,
  type Loaded,
} from '../test/support/grafana/harness.js';
import { loadSprintFacts } from '../src/insights/facts-query.js';
import { refreshMetrics } from '../src/metrics/refresh.js';
import { DAY, HOUR } from '../src/simulators/world/calendar.js';
import { describeRefresh, loadDataset, percentiles, stderrLog } from './dataset.js';
import { writeHourlyGitHub, writeHourlyJira } from '../test/support/hourly-sync.js';
import type { Benchmark } from './main.js';
import { benchDatabase, textOption } from './support.js';

/**
 * `npm run bench -- queries --scale small|large [--json]`: loads a dataset (bench/dataset.ts),
 * then times every query the API, the report, the provisioned dashboards and the alert
 * rules run, for a 90-day and a 2-year window, for one team and for all teams. Dashboard
 * and alert queries are the ones Grafana would send (test/support/grafana/harness.ts
 * expands them), run as grafana_reader.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface NamedQuery {
  name: string;
  sql: string;
  params: (team: string, from: Date, to: Date) => unknown[];
}

/** The queries behind the API and `engmetrics report`, each for a team and a window. */
async function apiQueries(db: Database): Promise<NamedQuery[]> {
  const { rows } = await db.query<{ metric: string; intervals: string[] }>(
    'SELECT metric, intervals FROM metrics.series_catalogue ORDER BY metric',
  );
  return [
    {
      name: 'api tiles',
      sql: 'SELECT * FROM metrics.dora_tiles($1, $2, $3)',
      params: (t, f, to) => [t, f, to],
    },
    {
      name: 'api tiles quick_check',
      sql: 'SELECT * FROM metrics.quick_check($1, $2, $3)',
      params: (t, f, to) => [t, f, to],
    },
    {
      name: 'api tiles dora_evidence',
      sql: 'SELECT * FROM metrics.dora_evidence($1, $2, $3)',
      params: (t, f, to) => [t, f, to],
    },
    ...rows.flatMap((r) =>
      r.intervals.map((interval) => ({
        name: `api series ${r.metric} by ${interval}`,
        sql: 'SELECT "time", value FROM metrics.series($1, $2, NULL, $3, $4, $5)',
        params: (t: string, f: Date, to: Date) => [r.metric, t, f, to, interval],
      })),
    ),
    // An explanation of the window against the one before it: each part alone (as a dashboard's
    // panel asks), and all of them as GET /metrics/explain/lead_time asks.
    ...(['median', 'segments', 'stages'] as const).map((part) => ({
      name: `api explain lead_time ${part}`,
      sql:
        part === 'stages'
          ? 'SELECT * FROM metrics.explain_stages($1, $2, $3, $4, $5, $6)'
          : `SELECT * FROM metrics.explain_${part}($1, $2, $3, $4, $5, $6, 'repo')`,
      params: (t: string, f: Date, to: Date) => [
        'lead_time',
        t,
        new Date(2 * f.getTime() - to.getTime()),
        f,
        f,
        to,
      ],
    })),
    {
      name: 'api explain lead_time',
      sql: "SELECT part, item FROM metrics.explanation($1, $2, $3, $4, $5, $6, 'repo', ARRAY['totals', 'stages', 'segments', 'median', 'influence'], 10)",
      params: (t, f, to) => ['lead_time', t, new Date(2 * f.getTime() - to.getTime()), f, f, to],
    },
    {
      name: 'api explain lead_time influence',
      sql: 'SELECT * FROM metrics.explain_influence($1, $2, $3, $4, 10)',
      params: (t, f, to) => ['lead_time', t, f, to],
    },
    {
      name: 'report dora_summary',
      sql: 'SELECT * FROM metrics.dora_summary($1, $2, $3)',
      params: (t, f, to) => [t, f, to],
    },
    {
      name: 'report flow_summary',
      sql: 'SELECT * FROM metrics.flow_summary($1, $2, $3)',
      params: (t, f, to) => [t, f, to],
    },
  ];
}

async function time(run: () => Promise<unknown>, runs: number): Promise<{ p50: number; p95: number }> {
  for (let i = 0; i < 2; i++) await run();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    ms.push(performance.now() - t0);
  }
  return percentiles(ms);
}

export const queriesBenchmark: Benchmark = {
  name: 'queries',
  description:
    'generate an organisation into PostgreSQL, refresh, and time every dashboard, alert and API query',
  async run(args, json) {
    const scale = textOption(args, 'scale', 'small');
    const { db, drop } = await benchDatabase();
    try {
      const { end, teams, refreshMs } = await loadDataset(db, scale, stderrLog);
      const { rows } = await db.query<{ mb: number }>(
        'SELECT round(pg_database_size(current_database()) / 1048576.0) AS mb',
      );
      const oneTeam = teams[0]!;
      const runs = scale === 'large' ? 10 : 20;
      const lines: Record<string, unknown>[] = [];
      const print = (l: Record<string, unknown>) => {
        lines.push(l);
        console.log(
          json
            ? JSON.stringify(l)
            : l.bench === 'refresh'
              ? `refresh ${l.refresh_s} s (again, concurrently: ${l.concurrent_refresh_s} s; after an hourly sync: ${l.incremental_refresh_s} s, ${l.views_refreshed} views; after GitHub alone ${l.github_sync_refresh_s} s, Jira alone ${l.jira_sync_refresh_s} s), database ${l.db_mb} MB`
              : `${String(l.query).padEnd(72)} ${String(l.window).padEnd(4)} ${String(l.team).padEnd(10)} p50 ${l.p50_ms} ms  p95 ${l.p95_ms} ms`,
        );
      };
      const windows = [
        ['90d', 90],
        ['2y', 730],
      ] as const;

      stderrLog('API and report queries');
      const api = await apiQueries(db);
      for (const [window, days] of windows)
        for (const team of [oneTeam, '*'])
          for (const q of api) {
            const params = q.params(team, new Date(end - days * DAY), new Date(end));
            const r = await time(() => db.query(q.sql, params), runs);
            print({
              bench: 'queries',
              scale,
              query: q.name,
              window,
              team: team === '*' ? 'all' : team,
              p50_ms: r.p50,
              p95_ms: r.p95,
            });
          }

      // The insight's fact sheet: one sprint, whatever the window.
      const { rows: sprints } = await db.query<{ sprint_id: string }>(
        `SELECT s.sprint_id FROM metrics.sprints s JOIN metrics.team_boards b USING (board_id)
          WHERE b.team = $1 AND s.start_at < $2 ORDER BY s.start_at DESC LIMIT 1`,
        [oneTeam, new Date(end)],
      );
      if (sprints[0]) {
        const sprint = Number(sprints[0].sprint_id);
        const r = await time(() => loadSprintFacts(db, sprint, { asOf: new Date(end) }), runs);
        print({
          bench: 'queries',
          scale,
          query: 'api insight facts',
          window: 'sprint',
          team: oneTeam,
          p50_ms: r.p50,
          p95_ms: r.p95,
        });
      }

      stderrLog('dashboard and alert queries');
      const dashboards = loadDashboards(join(ROOT, 'provisioning/dashboards'));
      const alertGroups = loadAlertGroups(join(ROOT, 'provisioning/alerting'));
      let failures = 0;
      for (const [window, days] of windows) {
        // The dashboards as a user sees them with this window picked.
        const shown: Loaded<DashboardJson>[] = dashboards.map((d) => ({
          ...d,
          content: { ...d.content, time: { from: `now-${days}d`, to: 'now' } },
        }));
        const report = await runHarness({
          db,
          dashboards: shown,
          // Alert rules have their own windows: timed once.
          alertGroups: window === '90d' ? alertGroups : [],
          now: () => end,
        });
        // Shapes and rows are the harness test's business; a timing needs a query that runs.
        const broken = report.failures.filter((f) =>
          f.problems.some((p) => /^(query|expansion) failed/.test(p)),
        );
        for (const f of broken)
          stderrLog(`${f.query.containerTitle} › ${f.query.title}: ${f.problems.join('; ')}`);
        failures += broken.length;
        for (const result of report.results) {
          if (broken.includes(result)) continue; // counted above, nothing to time
          const q = result.query;
          const team = report.variables[q.container]?.[result.scenario]?.team;
          const r = await time(() => runAsReader(db, result.expandedSql), runs);
          print({
            bench: 'queries',
            scale,
            query: `${q.kind === 'alert' ? 'alert' : 'dashboard'} ${q.containerTitle} › ${q.title}${q.kind === 'panel' ? ` (${q.refId})` : q.kind === 'variable' ? ' (variable)' : ''}`,
            window: q.kind === 'alert' ? 'rule' : window,
            team: team === undefined || team === '*' || Array.isArray(team) ? 'all' : String(team),
            p50_ms: r.p50,
            p95_ms: r.p95,
          });
        }
      }
      // A full refresh with every view holding rows: each is refreshed concurrently (readers
      // keep the old rows), which costs more than the first. Then what a running installation
      // does after an hourly sync: a refresh of what the sync's writes can change.
      stderrLog('refreshing everything again, concurrently');
      const again = await refreshMetrics(db, { full: true });
      stderrLog(describeRefresh(again));
      const sync = await writeHourlyGitHub(db, end);
      const issues = await writeHourlyJira(db, end);
      stderrLog(
        `hourly sync written: ${sync.pullRequests} pull requests, ${sync.reviews} reviews, ${sync.deployments} deployments, ${issues} issues`,
      );
      // From the end of the sync's writes to tiles that include them.
      const written = performance.now();
      const incremental = await refreshMetrics(db);
      const freshnessMs = performance.now() - written;
      stderrLog(describeRefresh(incremental));
      // The scheduler refreshes after each source's sync: each alone.
      await writeHourlyGitHub(db, end + HOUR);
      const githubOnly = await refreshMetrics(db);
      await writeHourlyJira(db, end + HOUR);
      const jiraOnly = await refreshMetrics(db);
      const s = (ms: number) => Math.round(ms / 100) / 10;
      print({
        bench: 'refresh',
        scale,
        refresh_s: s(refreshMs),
        concurrent_refresh_s: s(again.totalMs),
        incremental_refresh_s: s(incremental.totalMs),
        incremental_ratio: Math.round((1000 * incremental.totalMs) / again.totalMs) / 1000,
        freshness_s: s(freshnessMs),
        hourly_sync: { ...sync, issues },
        views_refreshed: incremental.timings.length,
        github_sync_refresh_s: s(githubOnly.totalMs),
        github_sync_views: githubOnly.timings.length,
        jira_sync_refresh_s: s(jiraOnly.totalMs),
        jira_sync_views: jiraOnly.timings.length,
        db_mb: Number(rows[0]!.mb),
      });
      if (failures) {
        stderrLog(`${failures} dashboard or alert queries failed`);
        process.exitCode = 1;
      }
    } finally {
      await drop();
    }
  },
};
