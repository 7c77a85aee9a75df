import type { Dashboard, Panel } from '@grafana/schema';
import { weighMost, whatChangedBySegment, whatChangedByStage } from './explain.js';
import {
  bucketsInRange,
  dashboardUrl,
  deliveryDashboard,
  evidenceTable,
  DORA_BANDS,
  doraThresholds,
  fieldValue,
  figuresStat,
  hoursField,
  inFilter,
  link,
  noDataMapping,
  numberField,
  panelUrl,
  rowsToFields,
  place,
  pullRequestColumn,
  seriesColumns,
  seriesFields,
  sideBySide,
  statPanel,
  tablePanel,
  teamIs,
  teamSummary,
  thresholds,
  timeSeriesPanel,
  timestampColumn,
  UNITS,
  URL_COLUMN,
  valueMapping,
  weeklyPanel,
  type DoraMetric,
  type FieldSettings,
  type Series,
  type WeeklyOptions,
} from './common.js';

export const DORA_UID = 'engmetrics-dora';

/** The tiles' numbers: one function, so the dashboard, the API and the report agree. */
const SUMMARY = teamSummary('dora_summary');
const EVIDENCE = teamSummary('dora_evidence');

/** The drill-down tables, by the tile that links to each. */
const DRILL = {
  deployments: 'Deployments in the period',
  leadTime: 'Pull requests shipped in the period',
  failures: 'Evidence of failed deployments',
  recovery: 'Recovery of failed deployments',
  rework: 'Rework deployments',
} as const;

/** Opens a drill-down table on its own, for the same team, repositories and time range. */
const drillLink = (table: string, what: string) =>
  link(`The ${what} behind this number`, panelUrl(DORA_UID, table, { vars: ['team', 'repo'] }));

/** The band SQL names, and the year of the report it comes from, as one line of text. */
const bandText = (band: string) => `initcap(${band}) || ' · DORA ' || band_year`;

interface Tile {
  title: string;
  description: string;
  /** Column of dora_summary for the number, and how it is named. */
  value: string;
  /** Expression for the text beside it: the band, or what stands for one. */
  beside: string;
  unit: string;
  metric?: DoraMetric;
  /** The tile's row of metrics.dora_evidence. */
  evidence: string;
  drill: { table: string; what: string };
}

/** The colour of a tile whose number rests on too little: grey, whatever its band. */
const LOW_CONFIDENCE_COLOUR = 'gray';

/**
 * A DORA tile: the number coloured by its band, under the band's name, both from SQL, so the
 * tile and metrics.dora_bands cannot disagree. A figure on too little is greyed under the reason
 * instead, and an empty one says why (metrics.dora_evidence). The one row becomes one field named
 * by its text, its colour fixed by the row when grey (Grafana's "Rows to fields"). A click opens
 * the rows behind it.
 */
function doraTile(t: Tile): Panel {
  return statPanel({
    title: t.title,
    description: t.description,
    sql: `
      SELECT CASE e.confidence WHEN 'low' THEN 'Low confidence: ' || e.reason WHEN 'none' THEN e.reason
                  ELSE coalesce(${t.beside}, 'No band') END AS band,
             ${t.value} AS value,
             CASE WHEN e.confidence = 'low' THEN '${LOW_CONFIDENCE_COLOUR}' END AS color
        FROM ${SUMMARY}
        LEFT JOIN ${EVIDENCE} e ON e.metric = '${t.evidence}'`,
    transformations: [rowsToFields('band', 'value')],
    unit: t.unit,
    decimals: 1,
    textMode: 'value_and_name',
    colorMode: 'background',
    orientation: 'vertical',
    thresholds: t.metric ? doraThresholds(t.metric) : thresholds('blue'),
    mappings: [noDataMapping()],
    links: [drillLink(t.drill.table, t.drill.what)],
  });
}

const BAND_NOTE =
  'The colour and the band are those of the DORA report named beside the number ' +
  '(metrics.dora_bands). "No data" means nothing to measure in the period, never zero.';

function tiles(): Panel[] {
  return [
    doraTile({
      title: 'Deployment frequency',
      description:
        'Production deployments per week over the time range (weeks without one count as zero). ' + BAND_NOTE,
      value: 'deployments_per_week',
      beside: `coalesce(${bandText('deployment_frequency_band')}, CASE WHEN deployments = 0 THEN 'No deployments' END)`,
      unit: DORA_BANDS.deploymentFrequency.unit,
      metric: 'deploymentFrequency',
      evidence: 'deployments',
      drill: { table: DRILL.deployments, what: 'deployments' },
    }),
    doraTile({
      title: 'Change lead time (p50)',
      description:
        'Median time from a pull request’s first commit to the production deployment that shipped it, over ' +
        'the pull requests shipped in the time range. ' +
        BAND_NOTE,
      value: 'lead_time_p50_h',
      beside: bandText('lead_time_band'),
      unit: UNITS.hours,
      metric: 'leadTime',
      evidence: 'lead_time_p50',
      drill: { table: DRILL.leadTime, what: 'pull requests' },
    }),
    doraTile({
      title: 'Change fail rate',
      description:
        'Deployments that failed (rolled back, reverted, hotfixed or followed by an incident within the ' +
        'attribution window) ÷ deployments. ' +
        BAND_NOTE,
      value: 'change_fail_rate_pct',
      beside: bandText('change_fail_rate_band'),
      unit: UNITS.percent,
      metric: 'changeFailureRate',
      evidence: 'change_fail_rate',
      drill: { table: DRILL.failures, what: 'failed deployments' },
    }),
    doraTile({
      title: 'Failed deployment recovery time (p50)',
      description:
        'Median time from a failed deployment to service restored (the rollback, revert or fix deployed, or ' +
        'the incident resolved). ' +
        BAND_NOTE,
      value: 'recovery_p50_h',
      beside: bandText('recovery_band'),
      unit: UNITS.hours,
      metric: 'recoveryTime',
      evidence: 'recovery_p50',
      drill: { table: DRILL.recovery, what: 'recoveries' },
    }),
    doraTile({
      title: 'Deployment rework rate',
      description:
        'Deployments that were unplanned fixes (rollbacks, reverts, hotfixes, incident fixes) ÷ deployments. ' +
        'The DORA report gives this metric no bands, so it is not coloured by one.',
      value: 'rework_rate_pct',
      beside: `CASE WHEN deployments > 0 THEN rework_deployments || ' of ' || deployments || ' deployments' END`,
      unit: UNITS.percent,
      evidence: 'rework_rate',
      drill: { table: DRILL.rework, what: 'rework deployments' },
    }),
  ];
}

/**
 * DORA's 2025 framing beside the 2024 bands: each metric's 0–10 Quick Check score, throughput
 * and stability (always together: a throughput figure is never shown without its instability
 * pair), and where each sits against the 2025 benchmark, all from metrics.quick_check.
 */
function quickCheck(): Panel {
  const names: Record<string, string> = {
    lead_time: 'Change lead time',
    deployment_frequency: 'Deployment frequency',
    recovery_time: 'Failed deployment recovery time',
    change_fail_rate: 'Change fail rate',
    rework_rate: 'Deployment rework rate',
    throughput: 'Throughput (lead time, frequency, recovery)',
    stability: 'Stability (change fail and rework rate)',
    overall: 'Overall (all five)',
  };
  const standing: Record<string, string> = {
    far_above: '1 sd or more above the 2025 mean',
    above: 'above the 2025 mean',
    near: 'near the 2025 mean',
    below: 'below the 2025 mean',
    far_below: '1 sd or more below the 2025 mean',
  };
  return tablePanel({
    title: 'DORA 2025 Quick Check',
    description:
      'Each metric scored 0 (worst) to 10 (best) as DORA’s 2025 Quick Check scores it, the throughput, ' +
      'stability and overall scores (each the mean of the scores there are: "from" says how many), and the ' +
      '2025 benchmark of all industries (mean ± standard deviation of the survey’s respondents). DORA published ' +
      'no tiers in 2025: the bands on the tiles are the 2024 report’s, the last it published. Definitions: ' +
      'docs/metrics.md.',
    sql: `
      SELECT CASE q.metric ${Object.entries(names)
        .map(([k, v]) => `WHEN '${k}' THEN '${v}'`)
        .join(' ')} END AS metric,
             round(q.score, 1) AS score,
             CASE WHEN q.metric IN ('throughput', 'stability', 'overall') THEN q.inputs || ' of ' ||
                  CASE q.metric WHEN 'throughput' THEN 3 WHEN 'stability' THEN 2 ELSE 5 END END AS inputs,
             CASE WHEN q.benchmark_mean IS NOT NULL THEN q.benchmark_mean || ' ± ' || q.benchmark_sd END AS benchmark,
             q.z, q.standing
        FROM ${teamSummary('quick_check')} q`,
    mappings: [noDataMapping()],
    columns: [
      { field: 'metric', displayName: 'Metric', width: 300 },
      { field: 'score', displayName: 'Score (0–10)', unit: UNITS.count, decimals: 1, width: 110 },
      { field: 'inputs', displayName: 'From', width: 80 },
      { field: 'benchmark', displayName: '2025 benchmark', width: 130 },
      { field: 'z', displayName: 'sd from the mean', unit: UNITS.count, decimals: 2, width: 130 },
      {
        field: 'standing',
        displayName: 'Standing',
        mappings: [
          valueMapping(Object.fromEntries(Object.entries(standing).map(([k, text]) => [k, { text }]))),
        ],
      },
    ],
  });
}

/** What each tile rests on, visible without a click (metrics.dora_evidence). */
function tilesEvidence(): Panel {
  return evidenceTable({
    title: 'What the tiles rest on',
    what: 'tile',
    lowWhen:
      'fewer than 5 changes or deployments, fewer than 3 failed deployments, fewer than half of the merged changes ' +
      'shipped, or deployments read only from merges',
    source: EVIDENCE,
    labels: {
      deployments: 'Deployment frequency',
      lead_time_p50: 'Change lead time',
      change_fail_rate: 'Change fail rate',
      recovery_p50: 'Recovery time',
      rework_rate: 'Rework rate',
    },
  });
}

function behindTheTiles(): Panel {
  const hours = (field: string, displayName: string) => hoursField(field, displayName, { decimals: 1 });
  return figuresStat({
    title: 'Behind the tiles',
    description:
      'The counts the tiles are computed from, and the upper percentiles. Fallback deployments are those of ' +
      'repositories without production deployments, read from their releases, deploy workflow or merges.',
    sql: `
      SELECT deployments, deploy_days_per_week, median_deployments_per_week, prs_shipped,
             lead_time_p75_h, lead_time_p90_h, failed_deployments, recovery_p90_h,
             rework_deployments, fallback_deployments
        FROM ${SUMMARY}`,
    unit: UNITS.count,
    colorMode: 'none',
    fields: [
      { field: 'deployments', displayName: 'Deployments' },
      { field: 'deploy_days_per_week', displayName: 'Deploy days / week', decimals: 1 },
      { field: 'median_deployments_per_week', displayName: 'Median deployments / week', decimals: 1 },
      { field: 'prs_shipped', displayName: 'PRs shipped' },
      hours('lead_time_p75_h', 'Lead time p75'),
      hours('lead_time_p90_h', 'Lead time p90'),
      { field: 'failed_deployments', displayName: 'Failed deployments' },
      hours('recovery_p90_h', 'Recovery p90'),
      { field: 'rework_deployments', displayName: 'Rework deployments' },
      { field: 'fallback_deployments', displayName: 'Fallback deployments' },
    ],
  });
}

/** A day's deployments, and the failed ones among them drawn over the total. */
const DAILY_DEPLOYMENTS: Series[] = [
  ['deployments', 'Deployments', 'blue'],
  ['failed_deployments', 'Failed', 'red'],
];

/**
 * A DORA metric's weekly chart with its band edges drawn as dashed lines, so a week reads
 * against the bands: in the edges' unit unless the chart counts something else. A line carries
 * across the weeks with nothing to measure (no pull requests shipped, no failures): they have
 * no value, which is not a zero.
 */
function doraWeeklyPanel(metric: DoraMetric, p: Omit<WeeklyOptions, 'view'>): Panel {
  return weeklyPanel({
    view: 'dora_weekly',
    unit: DORA_BANDS[metric].unit,
    thresholds: doraThresholds(metric),
    showThresholds: true,
    spanNulls: p.style !== 'bars',
    ...p,
  });
}

/** Every DORA chart draws a percentile in the same colour; the tail is dashed. */
const PERCENTILE_COLOURS = { 50: 'blue', 75: 'purple', 90: 'orange' } as const;

/** The weekly percentiles of a measure in hours: `lead_time` reads lead_time_p50_h and so on. */
function hourPercentiles(measure: string, ...percentiles: (keyof typeof PERCENTILE_COLOURS)[]): Series[] {
  return percentiles.map((p) => [
    `${measure}_p${p}_h`,
    `p${p}`,
    PERCENTILE_COLOURS[p],
    p === 90 ? { dashed: true } : undefined,
  ]);
}

function trends(): Panel[] {
  return [
    timeSeriesPanel({
      title: 'Deployments per day',
      description:
        'Production deployments each day (UTC), and those of them that failed, drawn over the total.',
      sql: `
        SELECT day AS time, ${seriesColumns(DAILY_DEPLOYMENTS)}
          FROM metrics.dora_daily
         WHERE ${teamIs()} AND ${bucketsInRange('day')}
         ORDER BY 1`,
      unit: UNITS.count,
      style: 'bars',
      fields: seriesFields(DAILY_DEPLOYMENTS),
    }),
    doraWeeklyPanel('deploymentFrequency', {
      title: 'Deployments per week',
      description:
        'Deployments and deploy days each week (weeks start on Monday). The dashed lines are the band ' +
        'edges: a deployment a month, a week, and daily.',
      series: [
        ['deployments', 'Deployments', 'blue'],
        ['deploy_days', 'Deploy days', 'purple', { style: 'line' }],
      ],
      unit: UNITS.count,
      style: 'bars',
    }),
    doraWeeklyPanel('leadTime', {
      title: 'Change lead time per week',
      description:
        'Percentiles of the lead time of the pull requests shipped each week. The dashed lines are the band ' +
        'edges: a day, a week, a month.',
      series: hourPercentiles('lead_time', 50, 75, 90),
      decimals: 1,
    }),
    doraWeeklyPanel('changeFailureRate', {
      title: 'Change fail and rework rate per week',
      description:
        'Failed and rework deployments as a share of each week’s deployments; a week without deployments ' +
        'has no rate. The dashed lines are the change fail rate band edges.',
      series: [
        ['change_fail_rate_pct', 'Change fail rate', 'red'],
        ['rework_rate_pct', 'Rework rate', 'orange'],
      ],
      decimals: 1,
    }),
    doraWeeklyPanel('recoveryTime', {
      title: 'Recovery time per week',
      description:
        'Time to restore service after the deployments of each week that failed; weeks without a failure ' +
        'have no point. The dashed lines are the band edges: an hour, a day, a week.',
      series: hourPercentiles('recovery', 50, 90),
      // Weeks without a failure have no recovery to show: left out rather than drawn as gaps.
      where: ' AND failed_deployments > 0',
      decimals: 1,
    }),
  ];
}

/**
 * Each team beside its own previous period, never beside the others by band: DORA's metrics
 * describe how one team's delivery moves, and its reports warn against comparing or ranking
 * teams whose work differs. Sorted by name, coloured by nothing.
 */
function teamsAgainstThemselves(): Panel {
  const metrics: { metric: string; column: string; displayName: string; unit: string }[] = [
    {
      metric: 'deployments',
      column: 'deployments_per_week',
      displayName: 'Deployments',
      unit: UNITS.perWeek,
    },
    { metric: 'lead_time_p50', column: 'lead_time_p50_h', displayName: 'Lead time p50', unit: UNITS.hours },
    {
      metric: 'change_fail_rate',
      column: 'change_fail_rate_pct',
      displayName: 'Change fail rate',
      unit: UNITS.percent,
    },
    { metric: 'recovery_p50', column: 'recovery_p50_h', displayName: 'Recovery p50', unit: UNITS.hours },
    { metric: 'rework_rate', column: 'rework_rate_pct', displayName: 'Rework rate', unit: UNITS.percent },
  ];
  const pick = (metric: string, expr: string) => `max(${expr}) FILTER (WHERE x.metric = '${metric}')`;
  return tablePanel({
    title: 'Each team against its own previous period',
    description:
      'Every team over the time range beside the same team over the period of the same length before it: the ' +
      'change and whether it is better or worse for that metric (within 5 % is flat). Teams are listed by name ' +
      'and never coloured or ordered by a metric: DORA measures a team against itself, not against other teams. ' +
      'A team name opens this dashboard for that team.',
    sql: `
      SELECT t.team,
             ${metrics
               .map(
                 (m) =>
                   `${pick(m.metric, 'x.value')} AS ${m.column},\n             ` +
                   `${pick(m.metric, "CASE WHEN x.trend IS NULL THEN NULL ELSE x.trend || ' (' || CASE WHEN x.change_pct > 0 THEN '+' ELSE '' END || x.change_pct || ' %)' END")} AS ${m.column}_vs_previous`,
               )
               .join(',\n             ')}
        FROM metrics.teams t,
             LATERAL metrics.dora_tiles(t.team, $__timeFrom(), $__timeTo()) x
       GROUP BY t.team
       ORDER BY t.team`,
    mappings: [noDataMapping()],
    columns: [
      {
        field: 'team',
        displayName: 'Team',
        width: 140,
        links: [
          link(
            'This dashboard for the team',
            dashboardUrl(DORA_UID, { values: { team: fieldValue('team') } }),
          ),
        ],
      },
      ...metrics.flatMap((m): FieldSettings[] => [
        numberField(m.column, m.displayName, m.unit, { decimals: 1, width: 130 }),
        { field: `${m.column}_vs_previous`, displayName: 'vs previous period', width: 150 },
      ]),
    ],
  });
}

/** Yes/no columns of the drill-down tables, said in words and coloured when they matter. */
const flag = (field: string, displayName: string, yes: string, colour: string): FieldSettings => ({
  field,
  displayName,
  width: 110,
  mappings: [valueMapping({ true: { text: yes, color: colour }, false: { text: '' } })],
});

/**
 * The latest 500 rows of a validation view for the team and repositories, in the time range.
 * `select` is the SELECT list, a string a line.
 */
// Newest first, then by the row's own key: ties (a deployment's pull requests share its time)
// come out the same whatever order the rows are stored in.
function drillSql(
  view: string,
  select: string[],
  time = 'finished_at',
  orderBy = `${time} DESC, deployment_id`,
): string {
  return `
    SELECT ${select.join(',\n           ')}
      FROM metrics.${view}
     WHERE ${teamIs()} AND $__timeFilter(${time}) AND ${inFilter('repo', 'repo')}
     ORDER BY ${orderBy}
     LIMIT 500`;
}

/** The columns every drill-down table of deployments opens with. */
const DEPLOYED = timestampColumn('finished_at', 'Deployed', 180);
const REPOSITORY: FieldSettings = { field: 'repo', displayName: 'Repository', width: 200 };
const DEPLOYMENT: FieldSettings = { field: 'deployment_id', displayName: 'Deployment', width: 160 };

function deploymentsTable(): Panel {
  return tablePanel({
    title: DRILL.deployments,
    description:
      'Every production deployment in the time range, newest first (the latest 500): what it shipped, and ' +
      'whether it failed or was rework. A baseline is a repository’s first deployment, which ships nothing.',
    sql: drillSql('validate_deployments', [
      'finished_at, repo, source, environment, left(sha, 7) AS sha, prs_shipped',
      'failed, rework, is_fallback, baseline, deployment_id',
    ]),
    columns: [
      DEPLOYED,
      REPOSITORY,
      { field: 'source', displayName: 'Read from', width: 110 },
      { field: 'environment', displayName: 'Environment', width: 120 },
      { field: 'sha', displayName: 'Commit', width: 90 },
      { field: 'prs_shipped', displayName: 'PRs shipped', width: 100 },
      flag('failed', 'Failed', 'failed', 'red'),
      flag('rework', 'Rework', 'rework', 'orange'),
      flag('is_fallback', 'Fallback', 'fallback', 'text'),
      flag('baseline', 'Baseline', 'baseline', 'text'),
      { field: 'deployment_id', displayName: 'Deployment' },
    ],
  });
}

function shippedPullRequestsTable(): Panel {
  return tablePanel({
    title: DRILL.leadTime,
    description:
      'Every pull request shipped in the time range, newest first (the latest 500), with its lead time. ' +
      '“approximate” means its merge commit was not on the known history, so it ships with the first ' +
      'deployment after its merge.',
    sql: drillSql(
      'validate_lead_time',
      [
        'deployed_at, pr_key, title, first_commit_at, merged_at, lead_time_h, ship_method',
        'deployment_id, url',
      ],
      'deployed_at',
      'deployed_at DESC, pr_key',
    ),
    columns: [
      timestampColumn('deployed_at', 'Deployed', 180),
      pullRequestColumn(220),
      { field: 'title', displayName: 'Title' },
      timestampColumn('first_commit_at', 'First commit', 180),
      timestampColumn('merged_at', 'Merged', 180),
      hoursField('lead_time_h', 'Lead time', {
        decimals: 1,
        width: 110,
        colourBy: doraThresholds('leadTime'),
      }),
      { field: 'ship_method', displayName: 'Matched by', width: 110 },
      DEPLOYMENT,
      URL_COLUMN,
    ],
  });
}

function failureEvidenceTable(): Panel {
  return tablePanel({
    title: DRILL.failures,
    description:
      'Every signal that a deployment in the time range failed — a rollback, a revert, a hotfix, an ' +
      'incident — with how long after the deployment it came. Only signals inside the attribution window ' +
      'make a deployment failed; the others are listed so the window can be judged.',
    sql: drillSql(
      'validate_change_failures',
      [
        'finished_at, repo, deployment_id, kind, evidence, signal_at, hours_after_deployment',
        'within_window',
      ],
      'finished_at',
      'finished_at DESC, signal_at, deployment_id, kind, evidence',
    ),
    columns: [
      DEPLOYED,
      REPOSITORY,
      DEPLOYMENT,
      { field: 'kind', displayName: 'Signal', width: 90 },
      { field: 'evidence', displayName: 'Evidence' },
      timestampColumn('signal_at', 'Signal at', 180),
      hoursField('hours_after_deployment', 'After', { decimals: 1, width: 100 }),
      flag('within_window', 'Counts', 'in window', 'red'),
    ],
  });
}

function recoveryTable(): Panel {
  return tablePanel({
    title: DRILL.recovery,
    description:
      'Every failed deployment in the time range and when service was restored; an empty “Restored” is ' +
      'not recovered yet (an incident still open).',
    sql: drillSql('validate_recovery', [
      "finished_at, repo, deployment_id, array_to_string(failure_kinds, ', ') AS failure_kinds",
      'restored_at, recovery_h',
    ]),
    columns: [
      DEPLOYED,
      REPOSITORY,
      DEPLOYMENT,
      { field: 'failure_kinds', displayName: 'Failed by' },
      timestampColumn('restored_at', 'Restored', 180),
      hoursField('recovery_h', 'Recovery time', {
        decimals: 1,
        width: 130,
        colourBy: doraThresholds('recoveryTime'),
      }),
    ],
  });
}

function reworkTable(): Panel {
  return tablePanel({
    title: DRILL.rework,
    description: 'Every deployment in the time range that was an unplanned fix, and what made it one.',
    sql: drillSql('validate_rework', [
      "finished_at, repo, deployment_id, array_to_string(rework_kinds, ', ') AS rework_kinds",
    ]),
    columns: [DEPLOYED, REPOSITORY, DEPLOYMENT, { field: 'rework_kinds', displayName: 'Rework by' }],
  });
}

export function doraDashboard(): Dashboard {
  const [perDay, perWeek, leadTrend, rateTrend, recoveryTrend] = trends();
  return deliveryDashboard({
    uid: DORA_UID,
    title: 'DORA',
    description:
      'The five DORA metrics of a team (or the whole organisation) over the time range, banded as the DORA ' +
      '2024 report does, with DORA’s 2025 Quick Check scores against the 2025 benchmark; their weekly trends; ' +
      'each team against its own previous period; and, in the drill-down row, the deployments and pull ' +
      'requests behind each number. Definitions: docs/metrics.md.',
    tags: ['dora'],
    repoNarrows:
      'Narrows the drill-down tables. The tiles, trends and team comparison are per team: a team is ' +
      'measured over all of its repositories.',
    rows: [
      {
        title: 'DORA metrics',
        panels: [
          ...sideBySide(5, ...tiles()),
          place(behindTheTiles(), 24, 3),
          place(tilesEvidence(), 24, 7),
          place(quickCheck(), 24, 9),
        ],
      },
      {
        title: 'Trends',
        panels: [
          ...sideBySide(8, perDay!, perWeek!),
          ...sideBySide(8, leadTrend!, rateTrend!, recoveryTrend!),
          // What moved the lead time, beside its trend and its instability pair.
          ...sideBySide(
            8,
            whatChangedBySegment('lead_time', 'change lead time'),
            whatChangedByStage('lead_time', 'change lead time'),
            weighMost('lead_time', 'change lead time', 'pull requests'),
          ),
        ],
      },
      { title: 'Teams', panels: [place(teamsAgainstThemselves(), 24, 7)] },
      {
        title: 'Drill-down: the rows behind each number',
        collapsed: true,
        panels: [
          place(deploymentsTable(), 24, 10),
          place(shippedPullRequestsTable(), 24, 10),
          place(failureEvidenceTable(), 24, 10),
          ...sideBySide(10, recoveryTable(), reworkTable()),
        ],
      },
    ],
  });
}
