import type { Dashboard } from '@grafana/schema';
import {
  dashboard,
  freshnessPanel,
  FRESHNESS,
  inFilter,
  place,
  queryVariable,
  statPanel,
  tablePanel,
  thresholds,
  timeSeriesPanel,
  UNITS,
  type Row,
} from './common.js';

export const INGESTION_UID = 'engmetrics-ingestion';

/** Runs of the chosen sources and scopes inside the time range: every panel's WHERE. */
const RUNS = `${inFilter('source', 'source')} AND ${inFilter('scope', 'scope')} AND $__timeFilter(started_at)`;

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

function freshnessRow(): Row {
  return {
    title: 'Freshness',
    panels: [
      place(freshnessPanel(), 12, 5),
      place(
        statPanel({
          title: 'Failed runs in range',
          description: 'Runs that ended in an error in the time range; the table below says why.',
          sql: `SELECT count(*) FILTER (WHERE status = 'failed') AS "Failed runs" FROM metrics.sync_runs WHERE ${RUNS}`,
          unit: UNITS.count,
          colorMode: 'background',
          thresholds: thresholds('green', [1, 'red']),
        }),
        4,
        5,
      ),
      place(
        statPanel({
          title: 'Scopes failing now',
          description: 'Repositories and projects whose latest run failed.',
          sql: `
            SELECT count(*) AS "Scopes failing"
            FROM metrics.sync_freshness
            WHERE ${inFilter('source', 'source')} AND ${inFilter('scope', 'scope')} AND last_run_status = 'failed'`,
          unit: UNITS.count,
          colorMode: 'background',
          thresholds: thresholds('green', [1, 'red']),
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
      place(
        tablePanel({
          title: 'Freshness per repository and project',
          description:
            'The last successful sync of every scope. A scope far behind the others is stuck (failing, or ' +
            'skipped because another replica held its lock).',
          sql: `
            SELECT source, scope, last_success_at, seconds_since_success, last_run_status, last_run_error
            FROM metrics.sync_freshness
            WHERE ${inFilter('source', 'source')} AND ${inFilter('scope', 'scope')}
            ORDER BY seconds_since_success DESC NULLS FIRST, source, scope`,
          columns: [
            { field: 'source', displayName: 'Source', width: 90 },
            { field: 'scope', displayName: 'Repository / project', width: 260 },
            { field: 'last_success_at', displayName: 'Last success', unit: UNITS.timestamp, width: 190 },
            {
              field: 'seconds_since_success',
              displayName: 'Age',
              unit: UNITS.duration,
              width: 170,
              colour: true,
              thresholds: thresholds(
                'green',
                [FRESHNESS.warnSeconds, 'orange'],
                [FRESHNESS.staleSeconds, 'red'],
              ),
            },
            { field: 'last_run_status', displayName: 'Last run', width: 100 },
            { field: 'last_run_error', displayName: 'Last error' },
          ],
        }),
        24,
        8,
      ),
    ],
  };
}

function syncCostRow(): Row {
  return {
    title: 'What each sync wrote and cost',
    panels: [
      place(
        timeSeriesPanel({
          title: 'Rows written',
          description: 'Rows upserted by the syncs, per interval.',
          sql: perSource('sum(rows_written)'),
          unit: UNITS.count,
          style: 'bars',
          stacked: true,
        }),
        12,
        8,
      ),
      place(
        timeSeriesPanel({
          title: 'API requests',
          description: 'Requests made to GitHub and Jira, per interval (retries included).',
          sql: perSource('sum(api_requests)', " AND source <> 'metrics'"),
          unit: UNITS.count,
          style: 'bars',
          stacked: true,
        }),
        12,
        8,
      ),
      place(
        timeSeriesPanel({
          title: 'GraphQL points used',
          description: 'GitHub GraphQL rate-limit points spent, per interval (5,000 an hour for a token).',
          sql: perSource('sum(api_points)', " AND source = 'github'"),
          unit: UNITS.count,
          style: 'bars',
        }),
        8,
        8,
      ),
      place(
        timeSeriesPanel({
          title: 'Rate limit remaining',
          description: 'The lowest remaining rate limit a run reported, per interval.',
          sql: perSource('min(rate_limit_remaining)', ' AND rate_limit_remaining IS NOT NULL'),
          unit: UNITS.count,
          thresholds: thresholds('red', [500, 'orange'], [1000, 'green']),
        }),
        8,
        8,
      ),
      place(
        timeSeriesPanel({
          title: 'Records skipped',
          description:
            'Records a sync could not place at all (no id, an unreadable timestamp), logged and left out ' +
            'instead of failing the run. “Skipped and dropped, by cause” below says why.',
          sql: perSource('sum(records_skipped)'),
          unit: UNITS.count,
          style: 'bars',
          thresholds: thresholds('green', [1, 'orange']),
        }),
        8,
        8,
      ),
      place(
        timeSeriesPanel({
          title: 'Fields dropped',
          description:
            'Fields dropped from records that were kept: a story-point value of another type, a changelog ' +
            'entry without a usable author, a list GitHub could not serve (read again at the next sync).',
          sql: perSource('sum(fields_degraded)'),
          unit: UNITS.count,
          style: 'bars',
          thresholds: thresholds('green', [1, 'orange']),
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
      place(
        timeSeriesPanel({
          title: 'Run duration',
          description: 'The longest run per interval and source.',
          sql: perSource('max(duration_seconds)', ' AND finished_at IS NOT NULL'),
          unit: UNITS.seconds,
        }),
        12,
        8,
      ),
      place(
        timeSeriesPanel({
          title: 'Runs by outcome',
          description: 'Runs started per interval: succeeded, failed, skipped, still running.',
          sql: `
            SELECT $__timeGroupAlias(started_at, $__interval), status AS metric, count(*) AS value
            FROM metrics.sync_runs
            WHERE ${RUNS}
            GROUP BY 1, 2
            ORDER BY 1, 2`,
          unit: UNITS.count,
          style: 'bars',
          stacked: true,
        }),
        12,
        8,
      ),
      place(
        tablePanel({
          title: 'Failed runs with errors',
          description: 'Every failed run in the time range with the first line of its error.',
          sql: `
            SELECT started_at, source, scope, duration_seconds, api_requests, error
            FROM metrics.sync_runs
            WHERE ${RUNS} AND status = 'failed'
            ORDER BY started_at DESC
            LIMIT 200`,
          columns: [
            { field: 'started_at', displayName: 'Started', unit: UNITS.timestamp, width: 190 },
            { field: 'source', displayName: 'Source', width: 90 },
            { field: 'scope', displayName: 'Repository / project', width: 240 },
            { field: 'duration_seconds', displayName: 'Duration', unit: UNITS.seconds, width: 100 },
            { field: 'api_requests', displayName: 'Requests', width: 100 },
            { field: 'error', displayName: 'Error' },
          ],
        }),
        24,
        8,
      ),
      place(
        tablePanel({
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
            { field: 'source', displayName: 'Source', width: 90 },
            { field: 'kind', displayName: 'What', width: 100 },
            { field: 'cause', displayName: 'Cause' },
            { field: 'records', displayName: 'Records', width: 100 },
            { field: 'runs', displayName: 'Runs', width: 80 },
            { field: 'last_seen', displayName: 'Last seen', unit: UNITS.timestamp, width: 190 },
          ],
        }),
        24,
        8,
      ),
    ],
  };
}
