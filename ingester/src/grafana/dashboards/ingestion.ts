import type { Dashboard, Panel } from '@grafana/schema';
import {
  dashboard,
  FRESHNESS_THRESHOLDS,
  freshnessPanel,
  inFilter,
  numberField,
  place,
  queryVariable,
  sideBySide,
  statPanel,
  tablePanel,
  thresholds,
  timeSeriesPanel,
  timestampColumn,
  UNITS,
  type FieldSettings,
  type Row,
  type StatOptions,
  type TimeSeriesOptions,
} from './common.js';

export const INGESTION_UID = 'engmetrics-ingestion';

/** The chosen sources and scopes. */
const CHOSEN_SCOPES = `${inFilter('source', 'source')} AND ${inFilter('scope', 'scope')}`;
/** Runs of the chosen sources and scopes inside the time range: every panel's WHERE. */
const RUNS = `${CHOSEN_SCOPES} AND $__timeFilter(started_at)`;

/** One series per source, summed per interval: Grafana names each series after `metric`. */
const perSource = (expression: string, extraWhere = '') => `
  SELECT $__timeGroupAlias(started_at, $__interval), source AS metric, ${expression} AS value
  FROM metrics.sync_runs
  WHERE ${RUNS}${extraWhere}
  GROUP BY 1, 2
  ORDER BY 1, 2`;

export function ingestionHealth(): Dashboard {
  return dashboard({
    uid: INGESTION_UID,
    title: 'Ingestion health',
    description:
      'Is the data behind the other dashboards complete and current? Freshness of every source, what each ' +
      'sync wrote, what it cost in API budget, and which runs failed and why.',
    tags: ['ingestion'],
    time: { from: 'now-7d', to: 'now' },
    refresh: '5m',
    freshness: false,
    variables: [
      queryVariable({
        name: 'source',
        label: 'Source',
        sql: 'SELECT DISTINCT source FROM metrics.sync_runs ORDER BY 1',
        multi: true,
        includeAll: true,
      }),
      queryVariable({
        name: 'scope',
        label: 'Repository / project',
        description: 'A GitHub repository, a Jira project, or `refresh` for the metrics refresh',
        sql: `SELECT DISTINCT scope FROM metrics.sync_runs WHERE ${inFilter('source', 'source')} ORDER BY 1`,
        multi: true,
        includeAll: true,
      }),
    ],
    rows: [freshnessRow(), syncCostRow(), runsRow()],
  });
}

/** A count that should be zero (failures): green at none, red from the first. */
function failureCountStat(p: Omit<StatOptions, 'unit' | 'colorMode' | 'thresholds'>): Panel {
  return statPanel({
    ...p,
    unit: UNITS.count,
    colorMode: 'background',
    thresholds: thresholds('green', [1, 'red']),
  });
}

/** A count over the runs per interval, as bars: a series per `metric` (a source, an outcome). */
function runCountBars(p: Omit<TimeSeriesOptions, 'unit' | 'style'>): Panel {
  return timeSeriesPanel({ ...p, unit: UNITS.count, style: 'bars' });
}

/** Records and fields a sync gave up on: worth a look from the first. */
const ANY_LEFT_OUT = thresholds('green', [1, 'orange']);

const SOURCE_COLUMN: FieldSettings = { field: 'source', displayName: 'Source', width: 90 };

function freshnessRow(): Row {
  return {
    title: 'Freshness',
    panels: [
      place(freshnessPanel(), 12, 5),
      place(
        failureCountStat({
          title: 'Failed runs in range',
          description: 'Runs that ended in an error in the time range; the table below says why.',
          sql: `SELECT count(*) FILTER (WHERE status = 'failed') AS "Failed runs" FROM metrics.sync_runs WHERE ${RUNS}`,
        }),
        4,
        5,
      ),
      place(
        failureCountStat({
          title: 'Scopes failing now',
          description: 'Repositories and projects whose latest run failed.',
          sql: `
            SELECT count(*) AS "Scopes failing"
            FROM metrics.sync_freshness
            WHERE ${CHOSEN_SCOPES} AND last_run_status = 'failed'`,
        }),
        4,
        5,
      ),
      place(
        statPanel({
          title: 'Runs in range',
          description: 'Runs started in the time range, by how they ended.',
          sql: `
            SELECT count(*) FILTER (WHERE status = 'succeeded') AS "Succeeded",
                   count(*) FILTER (WHERE status = 'skipped') AS "Skipped (locked)"
            FROM metrics.sync_runs
            WHERE ${RUNS}`,
          unit: UNITS.count,
        }),
        4,
        5,
      ),
      place(freshnessTable(), 24, 8),
    ],
  };
}

function freshnessTable(): Panel {
  return tablePanel({
    title: 'Freshness per repository and project',
    description:
      'The last successful sync of every scope. A scope far behind the others is stuck (failing, or ' +
      'skipped because another replica held its lock).',
    sql: `
      SELECT source, scope, last_success_at, seconds_since_success, last_run_status, last_run_error
      FROM metrics.sync_freshness
      WHERE ${CHOSEN_SCOPES}
      ORDER BY seconds_since_success DESC NULLS FIRST, source, scope`,
    columns: [
      SOURCE_COLUMN,
      { field: 'scope', displayName: 'Repository / project', width: 260 },
      timestampColumn('last_success_at', 'Last success', 190),
      numberField('seconds_since_success', 'Age', UNITS.duration, {
        width: 170,
        colourBy: FRESHNESS_THRESHOLDS,
      }),
      { field: 'last_run_status', displayName: 'Last run', width: 100 },
      { field: 'last_run_error', displayName: 'Last error' },
    ],
  });
}

function syncCostRow(): Row {
  return {
    title: 'What each sync wrote and cost',
    panels: [
      ...sideBySide(
        8,
        runCountBars({
          title: 'Rows written',
          description: 'Rows upserted by the syncs, per interval.',
          sql: perSource('sum(rows_written)'),
          stacked: true,
        }),
        runCountBars({
          title: 'API requests',
          description: 'Requests made to GitHub and Jira, per interval (retries included).',
          sql: perSource('sum(api_requests)', " AND source <> 'metrics'"),
          stacked: true,
        }),
      ),
      ...sideBySide(
        8,
        runCountBars({
          title: 'GraphQL points used',
          description: 'GitHub GraphQL rate-limit points spent, per interval (5,000 an hour for a token).',
          sql: perSource('sum(api_points)', " AND source = 'github'"),
        }),
        timeSeriesPanel({
          title: 'Rate limit remaining',
          description: 'The lowest remaining rate limit a run reported, per interval.',
          sql: perSource('min(rate_limit_remaining)', ' AND rate_limit_remaining IS NOT NULL'),
          unit: UNITS.count,
          thresholds: thresholds('red', [500, 'orange'], [1000, 'green']),
        }),
        runCountBars({
          title: 'Records skipped',
          description:
            'Records a sync could not place at all (no id, an unreadable timestamp), logged and left out ' +
            'instead of failing the run. “Skipped and dropped, by cause” below says why.',
          sql: perSource('sum(records_skipped)'),
          thresholds: ANY_LEFT_OUT,
        }),
      ),
      place(
        runCountBars({
          title: 'Fields dropped',
          description:
            'Fields dropped from records that were kept: a story-point value of another type, a changelog ' +
            'entry without a usable author, a list GitHub could not serve (read again at the next sync).',
          sql: perSource('sum(fields_degraded)'),
          thresholds: ANY_LEFT_OUT,
        }),
        8,
        8,
      ),
    ],
  };
}

function runsRow(): Row {
  return {
    title: 'Runs',
    panels: [
      ...sideBySide(
        8,
        timeSeriesPanel({
          title: 'Run duration',
          description: 'The longest run per interval and source.',
          sql: perSource('max(duration_seconds)', ' AND finished_at IS NOT NULL'),
          unit: UNITS.seconds,
        }),
        runCountBars({
          title: 'Runs by outcome',
          description: 'Runs started per interval: succeeded, failed, skipped, still running.',
          sql: `
            SELECT $__timeGroupAlias(started_at, $__interval), status AS metric, count(*) AS value
            FROM metrics.sync_runs
            WHERE ${RUNS}
            GROUP BY 1, 2
            ORDER BY 1, 2`,
          stacked: true,
        }),
      ),
      place(failedRunsTable(), 24, 8),
      place(recordProblemsTable(), 24, 8),
    ],
  };
}

function failedRunsTable(): Panel {
  return tablePanel({
    title: 'Failed runs with errors',
    description: 'Every failed run in the time range with the first line of its error.',
    sql: `
      SELECT started_at, source, scope, duration_seconds, api_requests, error
      FROM metrics.sync_runs
      WHERE ${RUNS} AND status = 'failed'
      ORDER BY started_at DESC
      LIMIT 200`,
    columns: [
      timestampColumn('started_at', 'Started', 190),
      SOURCE_COLUMN,
      { field: 'scope', displayName: 'Repository / project', width: 240 },
      numberField('duration_seconds', 'Duration', UNITS.seconds, { width: 100 }),
      { field: 'api_requests', displayName: 'Requests', width: 100 },
      { field: 'error', displayName: 'Error' },
    ],
  });
}

function recordProblemsTable(): Panel {
  return tablePanel({
    title: 'Skipped and dropped, by cause',
    description:
      'Every cause of a record left out (skipped) or a field dropped from a record that was kept ' +
      '(degraded) in the time range, with how many and in how many runs. The log names the first ' +
      'records of each cause.',
    sql: `
      SELECT source, kind, cause, sum(records) AS records, count(DISTINCT run_id) AS runs,
             max(started_at) AS last_seen
      FROM metrics.sync_record_problems
      WHERE ${RUNS}
      GROUP BY 1, 2, 3
      ORDER BY 1, 2, 3
      LIMIT 200`,
    columns: [
      SOURCE_COLUMN,
      { field: 'kind', displayName: 'What', width: 100 },
      { field: 'cause', displayName: 'Cause' },
      { field: 'records', displayName: 'Records', width: 100 },
      { field: 'runs', displayName: 'Runs', width: 80 },
      timestampColumn('last_seen', 'Last seen', 190),
    ],
  });
}
