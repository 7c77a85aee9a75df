import type { Panel } from '@grafana/schema';
import { link, ref, tablePanel, UNITS, URL_COLUMN, type FieldSettings } from './common.js';

/**
 * "What changed" beside a trend: the explanation of a figure's move from the previous period
 * of the same length to the time range (sql/views/75_explain.sql, docs/metrics.md "Why it
 * moved"), by repository, by stage, and the rows that weigh most. The same functions answer
 * GET /metrics/explain/{metric}.
 */

export type ExplainedMetric = 'lead_time' | 'pr_cycle_time' | 'flow_time';

const UNIT: Record<ExplainedMetric, string> = {
  lead_time: UNITS.hours,
  pr_cycle_time: UNITS.hours,
  flow_time: UNITS.days,
};

/** metric, team, the previous period, the time range: the arguments every explanation takes. */
const periods = (metric: ExplainedMetric) =>
  `'${metric}', ${ref('team', 'sqlstring')},
   $__timeFrom()::timestamptz - ($__timeTo()::timestamptz - $__timeFrom()::timestamptz), $__timeFrom()::timestamptz,
   $__timeFrom()::timestamptz, $__timeTo()::timestamptz`;

export function whatChangedBySegment(
  metric: ExplainedMetric,
  what: string,
  by: 'repo' | 'item_type' = 'repo',
): Panel {
  const label = by === 'repo' ? (metric === 'flow_time' ? 'Project' : 'Repository') : 'Type';
  return tablePanel({
    title: `What changed: ${what}, by ${label.toLowerCase()}`,
    description:
      `How much of the change of the median ${what}, from the previous period of the same length to the time ` +
      `range, each ${label.toLowerCase()} accounts for: the median recomputed with each put back as it was, ` +
      'averaged over every order (Shapley values), so the parts sum to the change. The five with the most rows ' +
      'stand apart, the rest are "other". docs/metrics.md, "Why it moved".',
    sql: `
      SELECT segment, rows_before, rows_after, contribution
        FROM metrics.explain_median(${periods(metric)}, '${by}')`,
    columns: [
      { field: 'segment', displayName: label },
      { field: 'rows_before', displayName: 'Before', unit: UNITS.count, width: 80 },
      { field: 'rows_after', displayName: 'Now', unit: UNITS.count, width: 80 },
      {
        field: 'contribution',
        displayName: 'Moved the median by',
        unit: UNIT[metric],
        decimals: 1,
        width: 170,
      },
    ],
  });
}

export function whatChangedByStage(metric: 'lead_time' | 'pr_cycle_time', what: string): Panel {
  return tablePanel({
    title: `What changed: ${what}, by stage`,
    description:
      `The mean ${what} of the previous period and of the time range, stage by stage: the stages add up to ` +
      'each pull request’s time, so their changes add up to the change of the mean.',
    sql: `
      SELECT stage, before, after, change
        FROM metrics.explain_stages(${periods(metric)})`,
    columns: [
      { field: 'stage', displayName: 'Stage', width: 100 },
      { field: 'before', displayName: 'Mean before', unit: UNITS.hours, decimals: 1 },
      { field: 'after', displayName: 'Mean now', unit: UNITS.hours, decimals: 1 },
      { field: 'change', displayName: 'Change', unit: UNITS.hours, decimals: 1 },
    ],
  });
}

export function weighMost(metric: ExplainedMetric, what: string, rows: string): Panel {
  const key: FieldSettings =
    metric === 'flow_time'
      ? { field: 'row_key', displayName: 'Issue', width: 110 }
      : {
          field: 'row_key',
          displayName: 'Pull request',
          width: 200,
          links: [link('Open on GitHub', ref('__data.fields.url'))],
        };
  return tablePanel({
    title: `The ${rows} that weigh most on ${what}`,
    description:
      `The ${rows} of the time range that move the median ${what} most: how much it would drop were each left ` +
      'out (negative: it would rise), and among equals the one furthest from the mean.',
    sql: `
      SELECT row_key, title, url, value, median_moves_by
        FROM metrics.explain_influence('${metric}', ${ref('team', 'sqlstring')}, $__timeFrom(), $__timeTo(), 10)`,
    columns: [
      key,
      { field: 'title', displayName: 'Title' },
      URL_COLUMN,
      {
        field: 'value',
        displayName: metric === 'flow_time' ? 'Flow time' : 'Time',
        unit: UNIT[metric],
        decimals: 1,
        width: 110,
      },
      {
        field: 'median_moves_by',
        displayName: 'Moves the median by',
        unit: UNIT[metric],
        decimals: 1,
        width: 170,
      },
    ],
  });
}
