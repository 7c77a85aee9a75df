import { systemClock, type Clock } from '../clock.js';
import { z } from 'zod';
import { route, type AnyRoute } from '../api/route.js';
import type { Database } from '../db/database.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import { AnswerCache } from './data-version.js';
import { evidenceOf } from './summary.js';
import { teamNames } from './teams.js';

/**
 * The metrics API: the DORA tiles of a team and period, and the series behind the
 * charts. Every number comes from a SQL function (metrics.dora_tiles, metrics.series);
 * these routes only check the question and shape the answer.
 */

export const instant = z
  .string()
  .refine(
    (s) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2}))?$/.test(s) && !Number.isNaN(Date.parse(s)),
    {
      message: 'must be a date (2026-01-31) or a date-time with a zone (2026-01-31T09:00:00Z)',
    },
  )
  .transform((s) => new Date(s));

export const period = {
  team: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .openapi({ description: 'A team, or * (the default) for the whole organisation' }),
  from: instant.optional().openapi({ description: 'Start of the period (default: 90 days before `to`)' }),
  to: instant
    .optional()
    .openapi({ description: 'End of the period, exclusive (default: now, to the minute)' }),
};

export function window(q: { from?: Date; to?: Date }, clock: Clock): { from: Date; to: Date } {
  // To the minute, so that the same question asked again is the same question.
  const to = q.to ?? new Date(Math.floor(clock.now().getTime() / 60_000) * 60_000);
  const from = q.from ?? new Date(to.getTime() - 90 * 86_400_000);
  if (from >= to)
    throw new BadRequestError('from must be before to', {
      errors: [{ path: 'query.from', message: 'must be before to' }],
    });
  if (to.getTime() - from.getTime() > 10 * 366 * 86_400_000)
    throw new BadRequestError('the period may be at most ten years', {
      errors: [{ path: 'query.from', message: 'at most ten years before to' }],
    });
  return { from, to };
}

export async function teamOf(db: Database, team: string | undefined): Promise<string> {
  if (team === undefined || team === '*') return '*';
  const teams = await teamNames(db);
  const found = teams.find((t) => t === team) ?? teams.find((t) => t.toLowerCase() === team.toLowerCase());
  if (!found)
    throw new NotFoundError(`There is no team "${team}"; teams: ${teams.join(', ') || '(none yet)'}`);
  return found;
}

const standing = z.enum(['far_above', 'above', 'near', 'below', 'far_below']).nullable().openapi({
  description:
    'Against the benchmark: at least one standard deviation above the mean, a quarter of one above, within a quarter of one, …',
});

const quickCheckScore = z
  .object({
    score: z
      .number()
      .nullable()
      .openapi({ description: '0 (worst) to 10 (best); null when there is nothing to score' }),
    benchmarkEdition: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'The DORA report year of the benchmark' }),
    benchmarkMean: z.number().nullable(),
    benchmarkSd: z.number().nullable(),
    z: z.number().nullable().openapi({ description: 'Standard deviations from the benchmark mean' }),
    standing,
  })
  .openapi('QuickCheckScore');

const quickCheckMean = quickCheckScore
  .extend({
    inputs: z.number().int().openapi({ description: 'How many of the scores it averages there were' }),
  })
  .openapi('QuickCheckMean');

const evidence = z
  .object({
    rows: z.number().int().openapi({ description: 'How many rows the figure is computed from' }),
    confidence: z.enum(['ok', 'low', 'none']).openapi({
      description:
        '`none`: no figure; `low`: a figure on too little (docs/metrics.md, "Evidence"); `ok` otherwise',
    }),
    reason: z.string().nullable().openapi({ description: 'Why the figure is empty or its confidence low' }),
    setting: z
      .string()
      .nullable()
      .openapi({ description: 'The setting to look at, when one is the likely cause' }),
    detail: z.record(z.string(), z.unknown()).openapi({
      description:
        'The counts behind the figure (by source, by kind, coverage) and `dataAsOf`, the last GitHub sync',
    }),
  })
  .openapi('Evidence');

const tile = z
  .object({
    metric: z
      .enum(['deployments', 'lead_time_p50', 'change_fail_rate', 'recovery_p50', 'rework_rate'])
      .openapi({ description: 'The series that charts this tile: GET /metrics/series/{metric}' }),
    label: z.string().openapi({ description: "DORA's name of the metric" }),
    value: z.number().nullable(),
    unit: z.string().openapi({ description: 'The unit of `value` and `previous`' }),
    band: z.enum(['elite', 'high', 'medium', 'low']).nullable(),
    bandYear: z.number().int(),
    previous: z
      .number()
      .nullable()
      .openapi({ description: 'The same metric over the previous period of the same length' }),
    changePct: z.number().nullable().openapi({ description: 'From `previous` to `value`, in percent' }),
    better: z.enum(['higher', 'lower']),
    trend: z.enum(['better', 'worse', 'flat']).nullable(),
    detail: z.record(z.string(), z.unknown()).openapi({
      description: 'The counts and percentiles behind the value (camelCase; hours in the names of durations)',
    }),
    quickCheck: quickCheckScore.openapi({ description: "The metric's DORA 2025 Quick Check score" }),
    evidence,
  })
  .openapi('DoraTile');

const tiles = z
  .object({
    team: z.string(),
    from: z.string(),
    to: z.string(),
    tiles: z.array(tile),
    quickCheck: z
      .object({ throughput: quickCheckMean, stability: quickCheckMean, overall: quickCheckMean })
      .openapi({
        description:
          'DORA 2025 Quick Check: throughput (lead time, frequency, recovery), stability (change fail and rework rate) and overall (all five), each the mean of the scores there are',
      }),
  })
  .openapi('DoraTiles');

const series = z
  .object({
    metric: z.string(),
    unit: z.string(),
    team: z.string(),
    repo: z.string().nullable(),
    interval: z.enum(['day', 'week']),
    from: z.string(),
    to: z.string(),
    points: z.array(
      z.object({
        time: z.string().openapi({ description: 'Start of the bucket (UTC day, or week from Monday)' }),
        value: z.number().nullable(),
        partial: z.boolean().openapi({
          description:
            'The period cuts this bucket short (its first or last): the value counts only the part inside `from`–`to`',
        }),
        rows: z.number().int().openapi({
          description:
            'What the value is computed from: deployments, failed deployments with a recovery time, pull requests (with the stage, for a stage time) or issues',
        }),
      }),
    ),
    evidence: z
      .object({
        rows: z.number().int().openapi({ description: 'The rows of every point together' }),
        dataAsOf: z
          .string()
          .nullable()
          .openapi({ description: "The last successful sync of the series' source" }),
        source: z.enum(['github', 'jira']),
      })
      .openapi({ description: 'What the series rests on' }),
  })
  .openapi('Series');

export function metricsRoutes(db: Database, clock: Clock = systemClock): AnyRoute[] {
  const answers = new AnswerCache(db);
  return [
    route({
      method: 'get',
      path: '/metrics/tiles',
      operationId: 'getDoraTiles',
      summary: 'The five DORA tiles of a team for a period',
      description:
        'Each tile has its value, unit, DORA band (with the year of the band table), the value over the previous period of ' +
        'the same length and the trend. NULL means no data (nothing deployed, nothing failed), never 0.',
      tags: ['metrics'],
      query: z.object(period).strict(),
      response: tiles,
      problems: { 404: 'No such team' },
      handler: ({ query }) => tilesAnswer(db, answers, clock, query),
    }),
    route({
      method: 'get',
      path: '/metrics/series/{metric}',
      operationId: 'getSeries',
      summary: 'A time series of one metric for a team (or one of its repositories)',
      description:
        'The metrics, their units and intervals are listed by GET /metrics/series (metrics.series_catalogue).',
      tags: ['metrics'],
      params: z.object({
        metric: z
          .string()
          .regex(/^[a-z0-9_]{1,40}$/, { message: 'must be a series name such as lead_time_p50' }),
      }),
      query: z
        .object({
          ...period,
          repo: z
            .string()
            .regex(/^[\w.-]+\/[\w.-]+$/, { message: 'must be owner/name' })
            .optional()
            .openapi({ description: 'One repository (owner/name) of the team' }),
          interval: z.enum(['day', 'week'], { message: 'must be day or week' }).default('week'),
        })
        .strict(),
      response: series,
      problems: { 404: 'No such team, or a repository the team does not own' },
      handler: ({ params, query }) => seriesAnswer(db, answers, clock, params.metric, query),
    }),
    route({
      method: 'get',
      path: '/metrics/series',
      operationId: 'listSeries',
      summary: 'The series /metrics/series/{metric} can chart, with units and intervals',
      tags: ['metrics'],
      response: z.object({
        series: z.array(
          z.object({
            metric: z.string(),
            unit: z.string(),
            intervals: z.array(z.string()),
            description: z.string(),
          }),
        ),
      }),
      handler: async () => {
        const { rows } = await db.query<{
          metric: string;
          unit: string;
          intervals: string[];
          description: string;
        }>('SELECT metric, unit, intervals, description FROM metrics.series_catalogue ORDER BY metric');
        return { series: rows };
      },
    }),
    route({
      method: 'get',
      path: '/metrics/evidence',
      operationId: 'getEvidence',
      summary: 'What every figure of a team for a period rests on: the DORA tiles, the flow and the sprints',
      description:
        'One row per figure (metrics.dora_evidence, metrics.flow_evidence): how many rows, the confidence (none, ' +
        'low, ok), why a figure is empty or thin, and the setting to look at. docs/metrics.md, "Evidence".',
      tags: ['metrics'],
      query: z.object(period).strict(),
      response: z
        .object({
          team: z.string(),
          from: z.string(),
          to: z.string(),
          figures: z.array(evidence.extend({ metric: z.string() })),
        })
        .openapi('EvidenceOfFigures'),
      problems: { 404: 'No such team' },
      handler: async ({ query }) => {
        const team = await teamOf(db, query.team);
        const { from, to } = window(query, clock);
        const figures = await answers.get(`evidence|${team}|${from.toISOString()}|${to.toISOString()}`, () =>
          evidenceOf(db, team, from, to),
        );
        return { team, from: from.toISOString(), to: to.toISOString(), figures };
      },
    }),
    route({
      method: 'get',
      path: '/metrics/teams',
      operationId: 'listTeams',
      summary: 'The teams (from the organisation file, or one team named after the organisation)',
      tags: ['metrics'],
      response: z.object({ teams: z.array(z.string()) }),
      handler: async () => ({ teams: await teamNames(db) }),
    }),
  ];
}

type PeriodQuery = { team?: string; from?: Date; to?: Date };

/** The tiles of a team's period, from metrics.dora_tiles, cached until the data changes. */
async function tilesAnswer(
  db: Database,
  answers: AnswerCache,
  clock: Clock,
  query: PeriodQuery,
): Promise<z.infer<typeof tiles>> {
  const team = await teamOf(db, query.team);
  const { from, to } = window(query, clock);
  const answer = await answers.get(`tiles|${team}|${from.toISOString()}|${to.toISOString()}`, async () => {
    const { rows } = await db.query<
      {
        metric: z.infer<typeof tile>['metric'];
        label: string;
        value: number | null;
        unit: string;
        band: z.infer<typeof tile>['band'];
        band_year: number;
        previous: number | null;
        change_pct: number | null;
        better: 'higher' | 'lower';
        trend: z.infer<typeof tile>['trend'];
        detail: Record<string, unknown>;
      } & Record<string, unknown>
    >('SELECT * FROM metrics.dora_tiles($1, $2, $3)', [team, from, to]);
    // The means from the tiles' own figures, so the period is not summarised a second time;
    // numeric arrives from pg as text: cast to float8 for numbers.
    const figure = (metric: string) => rows.find((r) => r.metric === metric)?.value ?? null;
    const { rows: means } = await db.query<{ metric: string; inputs: number } & Record<string, unknown>>(
      `SELECT metric, inputs, score::float8, benchmark_edition, benchmark_mean::float8, benchmark_sd::float8,
              z::float8, standing
         FROM metrics.quick_check_of($1, $2, $3, $4, $5) WHERE metric IN ('throughput', 'stability', 'overall')`,
      ['lead_time_p50', 'deployments', 'recovery_p50', 'change_fail_rate', 'rework_rate'].map(figure),
    );
    const evidenceRows = await evidenceOf(db, team, from, to, 'dora');
    return { rows, means, evidence: new Map(evidenceRows.map(({ metric, ...e }) => [metric, e])) };
  });
  return {
    team,
    from: from.toISOString(),
    to: to.toISOString(),
    tiles: answer.rows.map((r) => ({
      metric: r.metric,
      label: r.label,
      value: r.value,
      unit: r.unit,
      band: r.band,
      bandYear: r.band_year,
      previous: r.previous,
      changePct: r.change_pct,
      better: r.better,
      trend: r.trend,
      detail: r.detail,
      quickCheck: quickCheckOf(r, 'quick_check_'),
      evidence: answer.evidence.get(r.metric)!,
    })),
    quickCheck: Object.fromEntries(
      answer.means.map((m) => [m.metric, { ...quickCheckOf(m), inputs: m.inputs }]),
    ) as z.infer<typeof tiles>['quickCheck'],
  };
}

/** A Quick Check score as the API names it, from the SQL's columns (a tile's under `quick_check_`). */
function quickCheckOf(r: Record<string, unknown>, prefix = ''): z.infer<typeof quickCheckScore> {
  const col = (k: string) => r[`${prefix}${k}`] as never;
  return {
    score: col('score'),
    benchmarkEdition: col('benchmark_edition'),
    benchmarkMean: col('benchmark_mean'),
    benchmarkSd: col('benchmark_sd'),
    z: col('z'),
    standing: col('standing'),
  };
}

/** A series' catalogue entry; an unknown series or interval is a 400 naming what there is. */
async function seriesEntry(
  db: Database,
  metric: string,
  interval: string,
): Promise<{ unit: string; source: 'github' | 'jira' }> {
  const { rows: known } = await db.query<{ unit: string; intervals: string[]; source: 'github' | 'jira' }>(
    'SELECT unit, intervals, source FROM metrics.series_catalogue WHERE metric = $1',
    [metric],
  );
  const entry = known[0];
  if (!entry) {
    const { rows } = await db.query<{ metric: string }>(
      'SELECT metric FROM metrics.series_catalogue ORDER BY metric',
    );
    throw new BadRequestError(
      `There is no series "${metric}"; series: ${rows.map((r) => r.metric).join(', ')}`,
      {
        errors: [{ path: 'params.metric', message: 'unknown series' }],
      },
    );
  }
  if (!entry.intervals.includes(interval))
    throw new BadRequestError(`${metric} comes by ${entry.intervals.join(' or ')}, not by ${interval}`, {
      errors: [{ path: 'query.interval', message: `must be ${entry.intervals.join(' or ')}` }],
    });
  return entry;
}

/** A repository asked for must be one of the team's (or of the organisation, for '*'). */
async function checkRepositoryOf(db: Database, team: string, repo: string): Promise<void> {
  const { rows } = await db.query(
    `SELECT 1 FROM (SELECT team, repo FROM metrics.team_repos UNION ALL SELECT '*', repo FROM metrics.repos) x
      WHERE team = $1 AND repo = $2`,
    [team, repo],
  );
  if (rows.length === 0)
    throw new NotFoundError(
      `${repo} is not a repository of ${team === '*' ? 'the organisation' : `team ${team}`}`,
    );
}

/** One series of a team (or one of its repositories), from metrics.series, cached until the data changes. */
async function seriesAnswer(
  db: Database,
  answers: AnswerCache,
  clock: Clock,
  metric: string,
  query: PeriodQuery & { repo?: string; interval: 'day' | 'week' },
): Promise<z.infer<typeof series>> {
  const team = await teamOf(db, query.team);
  const { from, to } = window(query, clock);
  const entry = await seriesEntry(db, metric, query.interval);
  if (query.repo) await checkRepositoryOf(db, team, query.repo);
  const question = [metric, team, query.repo ?? '', from.toISOString(), to.toISOString(), query.interval];
  const answer = await answers.get(`series|${question.join('|')}`, async () => {
    const points = await db
      .query<{ time: Date; value: number | null; partial: boolean; rows: number }>(
        'SELECT "time", value, partial, "rows"::int FROM metrics.series($1, $2, $3, $4, $5, $6)',
        [metric, team, query.repo ?? null, from, to, query.interval],
      )
      .then((r) => r.rows)
      .catch((err: { code?: string; message: string }) => {
        // The SQL refuses a question it cannot answer (a Jira series by repository).
        if (err.code === '22023')
          throw new BadRequestError(err.message, { errors: [{ path: 'query.repo', message: err.message }] });
        throw err;
      });
    const { rows: synced } = await db.query<{ at: Date | null }>(
      'SELECT max(last_success_at) AS at FROM metrics.sync_freshness WHERE source = $1',
      [entry.source],
    );
    return { points, dataAsOf: synced[0]?.at ?? null };
  });
  return {
    metric,
    unit: entry.unit,
    team,
    repo: query.repo ?? null,
    interval: query.interval,
    from: from.toISOString(),
    to: to.toISOString(),
    points: answer.points.map((r) => ({
      time: r.time.toISOString(),
      value: r.value,
      partial: r.partial,
      rows: r.rows,
    })),
    // The sum of the points' counts: a total, not a metric.
    evidence: {
      rows: answer.points.reduce((n, p) => n + p.rows, 0),
      dataAsOf: answer.dataAsOf?.toISOString() ?? null,
      source: entry.source,
    },
  };
}
