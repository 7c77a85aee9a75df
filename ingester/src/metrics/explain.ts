import { z } from 'zod';
import { route, type AnyRoute } from '../api/route.js';
import type { Clock } from '../clock.js';
import type { Database } from '../db/database.js';
import { BadRequestError } from '../errors.js';
import { AnswerCache } from './data-version.js';
import { instant, period, teamOf, window } from './routes.js';

/**
 * GET /metrics/explain/{metric}: why a figure moved between two periods. SQL computes every
 * part (sql/views/75_explain.sql: metrics.explanation, all parts from one read of the rows);
 * this route checks the question, picks the periods and shapes the answer.
 */

const METRICS = {
  lead_time: { unit: 'hours', figure: 'p50', stages: true },
  pr_cycle_time: { unit: 'hours', figure: 'p50', stages: true },
  flow_time: { unit: 'days', figure: 'p50', stages: false },
  deployments: { unit: 'per_week', figure: 'per_week', stages: false },
} as const;
type Metric = keyof typeof METRICS;

const DIMENSIONS = {
  lead_time: ['repo', 'team', 'size_bucket'],
  pr_cycle_time: ['repo', 'team', 'size_bucket'],
  flow_time: ['repo', 'team', 'item_type'],
  deployments: ['repo', 'team', 'item_type'],
} as const satisfies Record<Metric, readonly string[]>;

const num = z.number().nullable();
const segment = z
  .object({
    segment: z.string(),
    rowsBefore: z.number().int(),
    rowsAfter: z.number().int(),
    shareBefore: num,
    shareAfter: num,
    meanBefore: num,
    meanAfter: num,
    rate: num.openapi({
      description: 'The part from the segment getting slower or faster (means; null for counts)',
    }),
    mix: num.openapi({
      description: 'The part from more or less of the work coming from it (means; null for counts)',
    }),
    contribution: num.openapi({ description: 'rate + mix (for deployments, its own change a week)' }),
  })
  .openapi('ExplainedSegment');

/** A period's bounds and figures: its rows, their mean and median, and their count a week. */
const periodFigures = z.object({
  from: z.string(),
  to: z.string(),
  rows: z.number().int(),
  mean: num,
  p50: num,
  perWeek: num,
});

const explanation = z
  .object({
    metric: z.enum(Object.keys(METRICS) as [Metric, ...Metric[]]),
    team: z.string(),
    unit: z.enum(['hours', 'days', 'per_week']),
    before: periodFigures,
    after: periodFigures,
    figure: z
      .object({ name: z.enum(['p50', 'per_week']), before: num, after: num, change: num })
      .openapi({ description: 'The figure the tiles and charts show, and its change' }),
    stages: z
      .array(z.object({ stage: z.string(), before: num, after: num, change: num }))
      .openapi({ description: "The mean's change by stage (lead time, cycle time): the stages sum to it" }),
    dimension: z.string(),
    segments: z
      .array(segment)
      .openapi({ description: "The mean's change by segment, rate and mix, largest first" }),
    median: z
      .array(
        z.object({
          segment: z.string(),
          rowsBefore: z.number().int(),
          rowsAfter: z.number().int(),
          contribution: num,
        }),
      )
      .openapi({
        description: "The median's change by segment: Shapley values, summing to it (durations only)",
      }),
    influence: z
      .array(
        z.object({
          key: z.string(),
          title: z.string().nullable(),
          url: z.string().nullable(),
          value: z.number(),
          medianMovesBy: num,
          meanMovesBy: num,
        }),
      )
      .openapi({ description: 'The rows of the later period that move its figure most when left out' }),
    top: z
      .object({
        segment: z.string(),
        contribution: z.number(),
        stage: z
          .string()
          .nullable()
          .openapi({ description: 'The stage whose mean moved most (durations of stages)' }),
        stageChange: num,
      })
      .nullable()
      .openapi({ description: "The largest part of the figure's change, and the stage it moved most in" }),
  })
  .openapi('Explanation');

type Row = Record<string, unknown>;
const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export function explainRoutes(db: Database, clock: Clock): AnyRoute[] {
  const answers = new AnswerCache(db);
  return [
    route({
      method: 'get',
      path: '/metrics/explain/{metric}',
      operationId: 'getExplanation',
      summary: 'Why a figure moved: its change split by stage, by segment and by the rows behind it',
      description:
        'Between a period (`from`, `to`, as for the tiles) and the one before it of the same length (or `compareFrom`, ' +
        '`compareTo`): the change of the mean by stage and by segment (`dimension`) into rate and mix, the change of the ' +
        'median by Shapley values over the segments, and the rows that move the figure most. docs/metrics.md, ' +
        '"Why it moved".',
      tags: ['metrics'],
      params: z.object({
        metric: z.enum(Object.keys(METRICS) as [Metric, ...Metric[]], {
          message: `must be one of ${Object.keys(METRICS).join(', ')}`,
        }),
      }),
      query: z
        .object({
          ...period,
          compareFrom: instant
            .optional()
            .openapi({ description: 'Start of the earlier period (default: just before `from`)' }),
          compareTo: instant
            .optional()
            .openapi({ description: 'End of the earlier period, exclusive (default: `from`)' }),
          dimension: z
            .enum(['repo', 'team', 'size_bucket', 'item_type'], {
              message: 'must be repo, team, size_bucket or item_type',
            })
            .default('repo'),
        })
        .strict(),
      response: explanation,
      problems: { 404: 'No such team' },
      handler: async ({ params, query }) => {
        const metric = params.metric;
        const dims: readonly string[] = DIMENSIONS[metric];
        if (!dims.includes(query.dimension))
          throw new BadRequestError(`${metric} splits by ${dims.join(', ')}`, {
            errors: [{ path: 'query.dimension', message: `must be one of ${dims.join(', ')}` }],
          });
        const team = await teamOf(db, query.team);
        const after = window(query, clock);
        const length = after.to.getTime() - after.from.getTime();
        const before = {
          from: query.compareFrom ?? new Date(after.from.getTime() - length),
          to: query.compareTo ?? after.from,
        };
        if (before.from >= before.to)
          throw new BadRequestError('compareFrom must be before compareTo', {
            errors: [{ path: 'query.compareFrom', message: 'must be before compareTo' }],
          });
        const key = ['explain', metric, team, query.dimension, before.from, before.to, after.from, after.to]
          .map((x) => (x instanceof Date ? x.toISOString() : x))
          .join('|');
        return answers.get(key, () => explain(db, metric, team, before, after, query.dimension));
      },
    }),
  ];
}

export type ExplanationPart = 'totals' | 'stages' | 'segments' | 'median' | 'influence';

/**
 * The parts asked for of metrics.explanation, in one query (the two periods' rows are read once),
 * each part's rows in order; a part not asked for is empty. `args`: metric, team, the earlier
 * period's from and to, the later's, and the dimension.
 */
export async function explanationParts(
  db: Database,
  args: [string, string, Date, Date, Date, Date, string],
  parts: ExplanationPart[],
): Promise<Record<ExplanationPart, Row[]>> {
  const { rows } = await db.query<{ part: ExplanationPart; item: Row }>(
    'SELECT part, item FROM metrics.explanation($1, $2, $3, $4, $5, $6, $7, $8, 10) ORDER BY part, ord',
    [...args, parts],
  );
  const part = (name: ExplanationPart) => rows.filter((r) => r.part === name).map((r) => r.item);
  return {
    totals: part('totals'),
    stages: part('stages'),
    segments: part('segments'),
    median: part('median'),
    influence: part('influence'),
  };
}

async function explain(
  db: Database,
  metric: Metric,
  team: string,
  before: { from: Date; to: Date },
  after: { from: Date; to: Date },
  dimension: string,
): Promise<z.infer<typeof explanation>> {
  const spec = METRICS[metric];
  const wanted: ExplanationPart[] = ['totals', 'segments', 'influence'];
  if (spec.stages) wanted.push('stages');
  if (spec.figure === 'p50') wanted.push('median');
  const { totals, stages, segments, median, influence } = await explanationParts(
    db,
    [metric, team, before.from, before.to, after.from, after.to, dimension],
    wanted,
  );
  const period = (p: { from: Date; to: Date }, r: Row | undefined) => ({
    from: p.from.toISOString(),
    to: p.to.toISOString(),
    rows: Number(r?.rows ?? 0),
    mean: n(r?.mean),
    p50: n(r?.p50),
    perWeek: n(r?.per_week),
  });
  const b = period(
    before,
    totals.find((r) => r.period === 'before'),
  );
  const a = period(
    after,
    totals.find((r) => r.period === 'after'),
  );
  const pick = (p: typeof a) => (spec.figure === 'p50' ? p.p50 : p.perWeek);
  const parts = (spec.figure === 'p50' ? median : segments).map((r) => ({
    name: String(r.segment),
    contribution: n(r.contribution),
  }));
  const largest = parts
    .filter((p): p is { name: string; contribution: number } => p.contribution !== null)
    .sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution))[0];
  const topStage = stages
    .map((r) => ({ stage: String(r.stage), change: n(r.change) ?? 0 }))
    .sort((x, y) => Math.abs(y.change) - Math.abs(x.change))[0];
  return {
    metric,
    team,
    unit: spec.unit,
    before: b,
    after: a,
    figure: {
      name: spec.figure,
      before: pick(b),
      after: pick(a),
      change: pick(a) === null || pick(b) === null ? null : pick(a)! - pick(b)!,
    },
    stages: stages.map((r) => ({
      stage: String(r.stage),
      before: n(r.before),
      after: n(r.after),
      change: n(r.change),
    })),
    dimension,
    segments: segments.map((r) => ({
      segment: String(r.segment),
      rowsBefore: Number(r.rows_before),
      rowsAfter: Number(r.rows_after),
      shareBefore: n(r.share_before),
      shareAfter: n(r.share_after),
      meanBefore: n(r.mean_before),
      meanAfter: n(r.mean_after),
      rate: n(r.rate),
      mix: n(r.mix),
      contribution: n(r.contribution),
    })),
    median: median.map((r) => ({
      segment: String(r.segment),
      rowsBefore: Number(r.rows_before),
      rowsAfter: Number(r.rows_after),
      contribution: n(r.contribution),
    })),
    influence: influence.map((r) => ({
      key: String(r.row_key),
      title: (r.title as string | null) ?? null,
      url: (r.url as string | null) ?? null,
      value: Number(r.value),
      medianMovesBy: n(r.median_moves_by),
      meanMovesBy: n(r.mean_moves_by),
    })),
    top: largest
      ? {
          segment: largest.name,
          contribution: largest.contribution,
          stage: topStage?.stage ?? null,
          stageChange: topStage?.change ?? null,
        }
      : null,
  };
}
