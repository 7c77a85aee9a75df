import type { Dashboard, Panel, ThresholdsConfig } from '@grafana/schema';
import { weighMost, whatChangedBySegment, whatChangedByStage } from './explain.js';
import {
  BLOCKED_HOURS_COLUMN,
  daysField,
  deliveryDashboard,
  evidenceTable,
  figuresStat,
  hoursField,
  inFilter,
  percentField,
  pieChartPanel,
  place,
  pullRequestColumn,
  seriesColumns,
  seriesFields,
  sideBySide,
  tablePanel,
  teamIs,
  teamSummary,
  thresholds,
  timeSeriesPanel,
  UNITS,
  URL_COLUMN,
  weeklyPanel,
  type Series,
  type WeeklyOptions,
} from './common.js';

export const FLOW_UID = 'engmetrics-flow';

const summaryOf = (half: 'pr' | 'issue') => teamSummary(`${half}_flow_summary`);

/**
 * Reference points rather than benchmarks: small pull requests (a few hundred changed lines)
 * are reviewed properly, a third of the time actively worked is a healthy flow efficiency,
 * and work sitting a week in one stage, or a pull request waiting days, wants a look.
 */
const PR_SIZE = thresholds('green', [200, 'orange'], [400, 'red']);
const FLOW_EFFICIENCY = thresholds('red', [15, 'orange'], [30, 'green']);
const DAYS_IN_STAGE = thresholds('green', [5, 'orange'], [10, 'red']);
const WAITING_HOURS = thresholds('green', [24, 'orange'], [72, 'red']);

/** The stages of a pull request in order, each in the colour it has on every panel. */
const STAGES: Series[] = [
  ['coding_p50_h', 'Coding', 'blue'],
  ['pickup_p50_h', 'Pickup', 'orange'],
  ['review_p50_h', 'Review', 'purple'],
  ['deploy_p50_h', 'Deploy', 'green'],
];
const FLOW_ITEMS: Series[] = [
  ['features', 'Features', 'blue'],
  ['defects', 'Defects', 'red'],
  ['risks', 'Risks', 'purple'],
  ['debts', 'Debts', 'orange'],
];
/** Items in progress at the end of a day: actively worked, or waiting between stages. */
const WORK_IN_PROGRESS: Series[] = [
  ['active', 'Active', 'blue'],
  ['waiting', 'Waiting', 'orange'],
];

/** Weekly charts of the pull requests merged each week, and of the Jira items done each week. */
const mergedPullRequestsWeekly = (p: Omit<WeeklyOptions, 'view'>) =>
  weeklyPanel({ view: 'pr_flow_weekly', ...p });
const doneItemsWeekly = (p: Omit<WeeklyOptions, 'view'>) => weeklyPanel({ view: 'flow_weekly', ...p });

function summary(): Panel[] {
  return [
    figuresStat({
      title: 'PR cycle time (p50)',
      description:
        'Median time of each stage of the pull requests merged in the time range: coding (first commit → ' +
        'ready for review), pickup (→ first review by someone else), review (→ merged), deploy (→ in ' +
        'production). Bots are left out.',
      sql: `SELECT ${STAGES.map(([c]) => c).join(', ')} FROM ${summaryOf('pr')}`,
      unit: UNITS.hours,
      decimals: 1,
      fields: STAGES.map(([field, displayName, fixedColour]) => ({ field, displayName, fixedColour })),
    }),
    figuresStat({
      title: 'Pull requests merged',
      description:
        'Pull requests merged in the time range (bots left out), those merged without a review by anyone ' +
        'but the author, and the median size in changed lines (additions + deletions).',
      sql: `SELECT prs_merged, merged_without_review, pr_size_p50 FROM ${summaryOf('pr')}`,
      unit: UNITS.count,
      fields: [
        { field: 'prs_merged', displayName: 'Merged', fixedColour: 'text' },
        {
          field: 'merged_without_review',
          displayName: 'Without review',
          thresholds: thresholds('green', [1, 'orange']),
          colour: true,
        },
        { field: 'pr_size_p50', displayName: 'Size p50 (lines)', thresholds: PR_SIZE, colour: true },
      ],
    }),
    figuresStat({
      title: 'Jira flow',
      description:
        'Items done in the time range, their median flow time (first leaving to-do → done) and flow ' +
        'efficiency (time in active stages ÷ flow time), and the items in progress now.',
      sql: `SELECT items_done, flow_time_p50_d, flow_efficiency_pct, wip_now FROM ${summaryOf('issue')}`,
      unit: UNITS.count,
      fields: [
        { field: 'items_done', displayName: 'Done', fixedColour: 'text' },
        {
          field: 'flow_time_p50_d',
          displayName: 'Flow time p50',
          unit: UNITS.days,
          decimals: 1,
          fixedColour: 'text',
        },
        percentField('flow_efficiency_pct', 'Flow efficiency', { decimals: 0, colourBy: FLOW_EFFICIENCY }),
        { field: 'wip_now', displayName: 'In progress', fixedColour: 'text' },
      ],
    }),
  ];
}

function pullRequests(): Panel[] {
  return [
    mergedPullRequestsWeekly({
      title: 'PR cycle time per week',
      description:
        'The median of each stage for the pull requests merged each week, stacked: a tall bar is a slow ' +
        'week, its colours say where the time went. Medians of stages do not add up to the median of the ' +
        'whole, so read the stack as a breakdown, not a total.',
      series: STAGES,
      unit: UNITS.hours,
      decimals: 1,
      style: 'bars',
      stacked: true,
    }),
    mergedPullRequestsWeekly({
      title: 'Throughput: pull requests merged per week',
      description:
        'Pull requests merged each week (bots left out), and those of them merged without a review, drawn ' +
        'over the total.',
      series: [
        ['merged', 'Merged', 'blue'],
        ['merged_without_review', 'Without review', 'orange'],
      ],
      unit: UNITS.count,
      style: 'bars',
    }),
    mergedPullRequestsWeekly({
      title: 'PR size per week',
      description:
        'Median changed lines (additions + deletions) and files of the pull requests merged each week. The ' +
        'dashed lines mark 200 and 400 lines, past which reviews get shallower.',
      series: [
        ['size_p50', 'Lines p50', 'blue'],
        ['files_p50', 'Files p50', 'purple', { rightAxis: true }],
      ],
      unit: UNITS.count,
      thresholds: PR_SIZE,
      showThresholds: true,
    }),
    mergedPullRequestsWeekly({
      title: 'Reviews per pull request',
      description:
        'Average reviews, and review rounds (reviews requesting changes), per pull request merged each week.',
      series: [
        ['reviews_avg', 'Reviews', 'blue'],
        ['review_rounds_avg', 'Rounds of changes', 'orange'],
      ],
      unit: UNITS.count,
      decimals: 1,
    }),
    weeklyPanel({
      title: 'Review load per week',
      description:
        'Reviews per reviewer each week: the median reviewer and the busiest one, and the busiest one’s ' +
        'share of all reviews (right axis). A high share is a team leaning on one person. Team figures ' +
        'only, never a ranking of people.',
      view: 'review_load_weekly',
      series: [
        ['reviews_per_reviewer_p50', 'Per reviewer p50', 'blue'],
        ['reviews_per_reviewer_max', 'Busiest reviewer', 'purple'],
        [
          'busiest_reviewer_share_pct',
          'Busiest share',
          'orange',
          { unit: UNITS.percent, rightAxis: true, dashed: true },
        ],
      ],
      unit: UNITS.count,
    }),
  ];
}

function jiraFlow(): Panel[] {
  return [
    doneItemsWeekly({
      title: 'Flow velocity per week, by item',
      description:
        'Items reaching done each week, stacked by flow item (issue types and labels mapped to features, ' +
        'defects, risks and debts).',
      series: FLOW_ITEMS,
      unit: UNITS.count,
      style: 'bars',
      stacked: true,
    }),
    pieChartPanel({
      title: 'Flow distribution',
      description: 'Share of the items done in the time range by flow item.',
      sql: `SELECT ${FLOW_ITEMS.map(([c, n]) => `${c}_pct AS "${n}"`).join(', ')} FROM ${summaryOf('issue')}`,
      unit: UNITS.percent,
      decimals: 0,
      fields: seriesFields(FLOW_ITEMS),
    }),
    doneItemsWeekly({
      title: 'Flow efficiency per week',
      description:
        'Time in active stages ÷ flow time, over the items done each week. The rest is waiting: in review, ' +
        'blocked, queued. The dashed lines mark 15 % and 30 %.',
      series: [['flow_efficiency_pct', 'Flow efficiency', 'blue']],
      unit: UNITS.percent,
      decimals: 0,
      min: 0,
      max: 100,
      thresholds: FLOW_EFFICIENCY,
      showThresholds: true,
      spanNulls: true,
    }),
    doneItemsWeekly({
      title: 'Flow time per week',
      description:
        'Flow time (first leaving to-do → done) of the items done each week, median and 85th percentile, ' +
        'and the median lead time (created → done).',
      series: [
        ['flow_time_p50_d', 'Flow time p50', 'blue'],
        ['flow_time_p85_d', 'Flow time p85', 'purple', { dashed: true }],
        ['lead_time_p50_d', 'Lead time p50', 'orange'],
      ],
      unit: UNITS.days,
      decimals: 1,
      spanNulls: true,
    }),
    timeSeriesPanel({
      title: 'Work in progress per day',
      description:
        'Items in progress at the end of each day: actively worked, and waiting (in review, blocked, queued ' +
        'between stages), stacked.',
      sql: `
        SELECT day AS time, ${seriesColumns(WORK_IN_PROGRESS)}
          FROM metrics.flow_load_daily
         WHERE ${teamIs()} AND $__timeFilter(day)
         ORDER BY 1`,
      unit: UNITS.count,
      stacked: true,
      stepped: true,
      fields: seriesFields(WORK_IN_PROGRESS),
    }),
  ];
}

function inProgress(): Panel[] {
  const days = (field: string, displayName: string, colourBy?: ThresholdsConfig) =>
    daysField(field, displayName, { decimals: 1, width: 120, colourBy });
  return [
    tablePanel({
      title: 'Aging work in progress',
      description:
        'Open items in an active or waiting stage, the longest in their current stage first (the top 200). ' +
        'An item a week in one stage is worth asking about at stand-up.',
      sql: `
        SELECT key, summary, flow_item, current_status, assignee, points, days_in_stage, days_in_progress,
               blocked_h
          FROM metrics.aging_wip
         WHERE ${teamIs()}
         ORDER BY days_in_stage DESC
         LIMIT 200`,
      columns: [
        { field: 'key', displayName: 'Issue', width: 100 },
        { field: 'summary', displayName: 'Summary' },
        { field: 'flow_item', displayName: 'Item', width: 90 },
        { field: 'current_status', displayName: 'Status', width: 120 },
        { field: 'assignee', displayName: 'Assignee', width: 140 },
        { field: 'points', displayName: 'Points', width: 70 },
        days('days_in_stage', 'In stage', DAYS_IN_STAGE),
        days('days_in_progress', 'In progress'),
        BLOCKED_HOURS_COLUMN,
      ],
    }),
    tablePanel({
      title: 'Open pull requests',
      description:
        'Open pull requests of the chosen repositories, those waiting longest first: for a review (since ' +
        'ready), or in review (since the first review).',
      sql: `
        SELECT pr_key, title, repo, stage, age_days, waiting_h, url
          FROM metrics.open_pull_requests
         WHERE ${teamIs()} AND ${inFilter('repo', 'repo')}
         ORDER BY is_draft, waiting_h DESC NULLS LAST
         LIMIT 200`,
      columns: [
        pullRequestColumn(200),
        { field: 'title', displayName: 'Title' },
        { field: 'repo', displayName: 'Repository', width: 160 },
        { field: 'stage', displayName: 'Stage', width: 150 },
        daysField('age_days', 'Age', { decimals: 1, width: 90 }),
        hoursField('waiting_h', 'Waiting', { decimals: 0, width: 100, colourBy: WAITING_HOURS }),
        URL_COLUMN,
      ],
    }),
  ];
}

export function flowDashboard(): Dashboard {
  const [cycle, merged, jira] = summary();
  const [cycleTrend, throughput, size, reviews, load] = pullRequests();
  const [velocity, distribution, efficiency, flowTime, wip] = jiraFlow();
  const [aging, openPrs] = inProgress();
  return deliveryDashboard({
    uid: FLOW_UID,
    title: 'Delivery flow',
    description:
      'How work moves: pull requests through coding, pickup, review and deploy, their size and the review ' +
      'load; Jira items through the Flow Framework measures (velocity, distribution, time, efficiency, ' +
      'load); and what is in progress now, oldest first. Definitions: docs/metrics.md.',
    tags: ['flow'],
    repoNarrows:
      'Narrows the open pull requests. The rest is per team: a team is measured over all of its ' +
      'repositories and Jira projects.',
    rows: [
      {
        title: 'In the time range',
        panels: [
          place(cycle!, 10, 4),
          place(merged!, 7, 4),
          place(jira!, 7, 4),
          place(
            evidenceTable({
              title: 'What the figures rest on',
              what: 'figure',
              lowWhen:
                'fewer than 5 pull requests merged or issues done, or statuses read as active for want of a mapping',
              source: teamSummary('flow_evidence'),
              labels: { pr_flow: 'Pull request flow', jira_flow: 'Jira flow' },
            }),
            24,
            4,
          ),
        ],
      },
      {
        title: 'Pull requests',
        panels: [
          ...sideBySide(8, cycleTrend!, throughput!),
          ...sideBySide(8, size!, reviews!, load!),
          ...sideBySide(
            8,
            whatChangedBySegment('pr_cycle_time', 'pull request cycle time'),
            whatChangedByStage('pr_cycle_time', 'pull request cycle time'),
            weighMost('pr_cycle_time', 'pull request cycle time', 'pull requests'),
          ),
        ],
      },
      {
        title: 'Jira flow',
        panels: [
          place(velocity!, 12, 8),
          place(distribution!, 6, 8),
          place(efficiency!, 6, 8),
          ...sideBySide(8, flowTime!, wip!),
          ...sideBySide(
            8,
            whatChangedBySegment('flow_time', 'flow time', 'item_type'),
            weighMost('flow_time', 'flow time', 'issues'),
          ),
        ],
      },
      {
        title: 'In progress now',
        panels: [place(aging!, 14, 10), place(openPrs!, 10, 10)],
      },
    ],
  });
}
