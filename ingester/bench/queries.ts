import type { Database } from '../src/db/database.js';
import { DAY } from '../src/simulators/world/calendar.js';
import { loadDataset, percentiles, stderrLog } from './dataset.js';
import type { Benchmark } from './main.js';
import { benchDatabase, textOption } from './support.js';

/**
 * `npm run bench -- queries --scale small|large [--json]`: loads a dataset (bench/dataset.ts),
 * then times every query the API and the report use for a 90-day and a 2-year window,
 * for one team and for all teams.
 */

export interface NamedQuery {
  name: string;
  sql: string;
  params: (team: string, from: Date, to: Date) => unknown[];
}

/** The queries behind the API and `engmetrics report`: each takes a team and a window. */
export const API_QUERIES: NamedQuery[] = [
  {
    name: 'dora_summary',
    sql: 'SELECT * FROM metrics.dora_summary($1, $2, $3)',
    params: (t, f, to) => [t, f, to],
  },
  {
    name: 'flow_summary',
    sql: 'SELECT * FROM metrics.flow_summary($1, $2, $3)',
    params: (t, f, to) => [t, f, to],
  },
  {
    name: 'dora_weekly',
    sql: 'SELECT * FROM metrics.dora_weekly WHERE team = $1 AND week >= $2 AND week < $3 ORDER BY week',
    params: (t, f, to) => [t, f, to],
  },
  {
    name: 'dora_daily',
    sql: 'SELECT * FROM metrics.dora_daily WHERE team = $1 AND day >= $2 AND day < $3 ORDER BY day',
    params: (t, f, to) => [t, f, to],
  },
  {
    name: 'pr_flow_weekly',
    sql: 'SELECT * FROM metrics.pr_flow_weekly WHERE team = $1 AND week >= $2 AND week < $3 ORDER BY week',
    params: (t, f, to) => [t, f, to],
  },
  {
    name: 'review_load_weekly',
    sql: 'SELECT * FROM metrics.review_load_weekly WHERE team = $1 AND week >= $2 AND week < $3 ORDER BY week',
    params: (t, f, to) => [t, f, to],
  },
  {
    name: 'flow_weekly',
    sql: 'SELECT * FROM metrics.flow_weekly WHERE team = $1 AND week >= $2 AND week < $3 ORDER BY week',
    params: (t, f, to) => [t, f, to],
  },
  {
    name: 'flow_load_daily',
    sql: 'SELECT * FROM metrics.flow_load_daily WHERE team = $1 AND day >= $2 AND day < $3 ORDER BY day',
    params: (t, f, to) => [t, f, to],
  },
  {
    name: 'validate_lead_time',
    sql: 'SELECT * FROM metrics.validate_lead_time WHERE team = $1 AND deployed_at >= $2 AND deployed_at < $3 ORDER BY lead_time_h DESC LIMIT 100',
    params: (t, f, to) => [t, f, to],
  },
  {
    name: 'validate_change_failures',
    sql: 'SELECT * FROM metrics.validate_change_failures WHERE team = $1 AND finished_at >= $2 AND finished_at < $3 ORDER BY finished_at DESC LIMIT 100',
    params: (t, f, to) => [t, f, to],
  },
  {
    name: 'open_pull_requests',
    sql: 'SELECT * FROM metrics.open_pull_requests WHERE team = $1 ORDER BY age_days DESC LIMIT 50',
    params: (t) => [t],
  },
  {
    name: 'aging_wip',
    sql: 'SELECT * FROM metrics.aging_wip WHERE team = $1 ORDER BY days_in_stage DESC LIMIT 50',
    params: (t) => [t],
  },
  {
    name: 'team_sprints',
    sql: `SELECT * FROM metrics.sprints s WHERE s.board_id IN (SELECT board_id FROM metrics.team_boards WHERE team = $1 OR $1 = '*')
          AND s.start_at >= $2 AND s.start_at < $3 ORDER BY s.start_at DESC`,
    params: (t, f, to) => [t, f, to],
  },
];

async function time(
  db: Database,
  q: NamedQuery,
  team: string,
  from: Date,
  to: Date,
  runs: number,
): Promise<{ p50: number; p95: number }> {
  const params = q.params(team, from, to);
  for (let i = 0; i < 2; i++) await db.query(q.sql, params);
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await db.query(q.sql, params);
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
      for (const [window, days] of [
        ['90d', 90],
        ['2y', 730],
      ] as const)
        for (const team of [oneTeam, '*'])
          for (const q of API_QUERIES) {
            const r = await time(db, q, team, new Date(end - days * DAY), new Date(end), runs);
            lines.push({
              bench: 'queries',
              scale,
              query: q.name,
              window,
              team: team === '*' ? 'all' : team,
              p50_ms: r.p50,
              p95_ms: r.p95,
            });
          }
      lines.push({
        bench: 'refresh',
        scale,
        refresh_s: Math.round(refreshMs / 100) / 10,
        db_mb: Number(rows[0]!.mb),
      });
      for (const l of lines)
        console.log(
          json
            ? JSON.stringify(l)
            : l.bench === 'refresh'
              ? `refresh ${l.refresh_s} s, database ${l.db_mb} MB`
              : `${String(l.query).padEnd(26)} ${String(l.window).padEnd(4)} ${String(l.team).padEnd(10)} p50 ${l.p50_ms} ms  p95 ${l.p95_ms} ms`,
        );
    } finally {
      await drop();
    }
  },
};
