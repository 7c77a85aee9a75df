import { Database } from '../src/db/database.js';
import { forecastSprint, type SprintForecast } from '../src/forecast/forecast.js';
import { createLogger } from '../src/log.js';
import { loadDataset, percentiles, stderrLog } from './dataset.js';
import type { Benchmark } from './main.js';
import { benchDatabase, textOption } from './support.js';

/**
 * `npm run bench -- forecast [--database-url URL] [--json]`: the sprint forecast's backtest.
 * Over every closed sprint of the generated organisation (the `forecast` scale: teams that run
 * sprints steadily, in bursts, and adding scope) — or of the database at --database-url — it
 * forecasts from what was known on the sprint's third day and at its middle, then compares
 * with what happened: the hit rate of the 85 % "done by" date (calibrated is 80–90 %), the
 * Brier score of the "will finish" probability beside a straight line's and beside the same
 * simulation ignoring added scope, and the time of one forecast.
 */

interface ClosedSprint {
  team: string;
  sprintId: number;
  startAt: Date;
  endAt: Date;
  completeAt: Date;
  /** Every issue in the sprint at its completion was done then. */
  finished: boolean;
  /** When the last of the sprint's issues at completion was done (null: one never was). */
  lastDoneAt: Date | null;
}

async function closedSprints(db: Database, until: Date): Promise<ClosedSprint[]> {
  const { rows } = await db.query<{
    team: string;
    sprint_id: string;
    start_at: Date;
    end_at: Date;
    complete_at: Date;
    finished: boolean;
    last_done_at: Date | null;
  }>(
    `SELECT tb.team, t.sprint_id, t.start_at, t.end_at, t.complete_at,
            bool_and(si.completed) FILTER (WHERE si.at_close) AS finished,
            CASE WHEN bool_and(mi.done_at IS NOT NULL) FILTER (WHERE si.at_close)
                 THEN max(mi.done_at) FILTER (WHERE si.at_close) END AS last_done_at
       FROM metrics.sprint_totals t
       JOIN metrics.team_boards tb ON tb.board_id = t.board_id
       JOIN metrics.sprint_issues si ON si.sprint_id = t.sprint_id
       LEFT JOIN metrics.issues mi ON mi.issue_id = si.issue_id
      WHERE t.complete_at IS NOT NULL AND t.complete_at <= $1
      GROUP BY tb.team, t.sprint_id, t.start_at, t.end_at, t.complete_at
     HAVING count(*) FILTER (WHERE si.at_close) > 0
      ORDER BY tb.team, t.start_at`,
    [until],
  );
  return rows.map((r) => ({
    team: r.team,
    sprintId: Number(r.sprint_id),
    startAt: r.start_at,
    endAt: r.end_at,
    completeAt: r.complete_at,
    finished: r.finished,
    lastDoneAt: r.last_done_at,
  }));
}

/** The straight line: the pace so far in the sprint, carried on to its end. */
function straightLineFinishes(f: SprintForecast, doneSoFar: number, elapsedDays: number): boolean {
  const remaining = f.remainingIssues ?? 0;
  if (remaining <= 0) return true;
  const rate = elapsedDays > 0 ? doneSoFar / elapsedDays : 0;
  return remaining - rate * f.daysLeft <= 0;
}

interface Scored {
  team: string;
  point: 'day 3' | 'mid-sprint';
  probability: number;
  probabilityNoScope: number;
  straightLine: number;
  finished: number;
  hit85: boolean;
  hit85NoScope: boolean;
}

/** The 85 % date held if the work was all done by then (both "never" counts as held). */
function held(f: SprintForecast, lastDoneAt: Date | null, timezone: (d: Date) => string): boolean {
  const date = f.doneBy?.find((d) => d.p === 0.85)?.date ?? null;
  if (f.remainingIssues === 0) return true;
  if (date === null) return lastDoneAt === null;
  return lastDoneAt !== null && timezone(lastDoneAt) <= date;
}

const brier = (xs: Scored[], p: (s: Scored) => number) =>
  xs.reduce((sum, s) => sum + (p(s) - s.finished) ** 2, 0) / Math.max(1, xs.length);
const share = (xs: Scored[], ok: (s: Scored) => boolean) => xs.filter(ok).length / Math.max(1, xs.length);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const round = (x: number, digits = 3) => Math.round(x * 10 ** digits) / 10 ** digits;

function summary(xs: Scored[]) {
  return {
    forecasts: xs.length,
    finished_share: round(share(xs, (s) => s.finished === 1)),
    // Calibrated: the mean probability near the share finished, and far apart for those that did and did not.
    mean_probability: round(mean(xs.map((s) => s.probability))),
    mean_probability_finished: round(mean(xs.filter((s) => s.finished === 1).map((s) => s.probability))),
    mean_probability_unfinished: round(mean(xs.filter((s) => s.finished === 0).map((s) => s.probability))),
    hit_rate_85: round(share(xs, (s) => s.hit85)),
    hit_rate_85_no_scope: round(share(xs, (s) => s.hit85NoScope)),
    brier: round(brier(xs, (s) => s.probability)),
    brier_straight_line: round(brier(xs, (s) => s.straightLine)),
    brier_no_scope: round(brier(xs, (s) => s.probabilityNoScope)),
  };
}

async function backtest(db: Database, until: Date, log: (m: string) => void) {
  const sprints = await closedSprints(db, until);
  log(`${sprints.length} closed sprints`);
  const scored: Scored[] = [];
  const times: number[] = [];
  let refused = 0;
  const utcDay = (d: Date) => d.toISOString().slice(0, 10);
  for (const s of sprints) {
    const points: [Scored['point'], Date][] = [
      ['day 3', new Date(s.startAt.getTime() + 2 * 86_400_000)],
      ['mid-sprint', new Date((s.startAt.getTime() + s.endAt.getTime()) / 2)],
    ];
    for (const [point, asOf] of points) {
      const started = performance.now();
      const f = await forecastSprint(db, s.team, { id: s.sprintId, endAt: s.endAt }, asOf);
      times.push(performance.now() - started);
      if (f.state === 'refused' || f.probability === undefined) {
        refused++;
        continue;
      }
      const noScope = await forecastSprint(db, s.team, { id: s.sprintId, endAt: s.endAt }, asOf, {
        withScope: false,
      });
      const { rows } = await db.query<{ done: number }>('SELECT done FROM metrics.sprint_scope_at($1, $2)', [
        s.sprintId,
        asOf,
      ]);
      const elapsedDays = (asOf.getTime() - s.startAt.getTime()) / 86_400_000;
      scored.push({
        team: s.team,
        point,
        probability: f.probability,
        probabilityNoScope: noScope.probability ?? 0,
        straightLine: straightLineFinishes(f, rows[0]?.done ?? 0, elapsedDays) ? 1 : 0,
        finished: s.finished ? 1 : 0,
        hit85: held(f, s.lastDoneAt, utcDay),
        hit85NoScope: held(noScope, s.lastDoneAt, utcDay),
      });
    }
  }
  return { sprints: sprints.length, scored, refused, times };
}

export const forecastBenchmark: Benchmark = {
  name: 'forecast',
  description: 'backtests the sprint forecast on every closed sprint (hit rate of 85 %, Brier score)',
  async run(args, json) {
    const url = textOption(args, 'database-url', '');
    let db: Database;
    let drop: () => Promise<void>;
    let until = new Date();
    let styles: Record<string, string> = {};
    if (url) {
      db = new Database(url, false, createLogger({ level: 'silent' }));
      drop = () => db.close();
    } else {
      const bench = await benchDatabase();
      db = bench.db;
      drop = bench.drop;
      const dataset = await loadDataset(db, 'forecast', stderrLog);
      until = new Date(dataset.end);
      styles = dataset.styles;
    }
    try {
      const { sprints, scored, refused, times } = await backtest(db, until, stderrLog);
      const t = percentiles(times);
      const lines: Record<string, unknown>[] = [
        { bench: 'forecast', sprints, refused, ...summary(scored), p50_ms: t.p50, p95_ms: t.p95 },
        ...(['day 3', 'mid-sprint'] as const).map((point) => ({
          bench: 'forecast',
          point,
          ...summary(scored.filter((s) => s.point === point)),
        })),
        ...[...new Set(Object.values(styles))].map((style) => ({
          bench: 'forecast',
          style,
          ...summary(scored.filter((s) => styles[s.team] === style)),
        })),
      ];
      for (const line of lines)
        process.stdout.write(
          json
            ? `${JSON.stringify(line)}\n`
            : `${Object.entries(line)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')}\n`,
        );
    } finally {
      await drop();
    }
  },
};
