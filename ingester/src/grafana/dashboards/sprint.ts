import type { Dashboard, Panel, ThresholdsConfig } from '@grafana/schema';
import {
  barChartPanel,
  BLOCKED_HOURS_COLUMN,
  dashboard,
  dashboardUrl,
  dimensionVariables,
  evidenceTable,
  figuresStat,
  hoursField,
  idIs,
  link,
  percentField,
  place,
  pluginPanel,
  queryVariable,
  ref,
  seriesColumns,
  seriesFields,
  teamSummary,
  sideBySide,
  tablePanel,
  thresholds,
  timeSeriesPanel,
  UNITS,
  valueMapping,
  type FieldSettings,
  type Series,
} from './common.js';

/** The uid the Slack sprint summary links to, with var-team and var-sprint. */
export const SPRINT_HEALTH_UID = 'engmetrics-sprint-health';
export const SPRINT_HEALTH_PANEL = 'engmetrics-sprinthealth-panel';

const THE_SPRINT = idIs('sprint_id', 'sprint');

/**
 * Say/do under 60 % is a plan that did not hold; capacity accuracy far above 100 % is one that
 * was too small. Scope that changes by a fifth is a sprint re-planned on the way.
 */
const SAY_DO = thresholds('red', [60, 'orange'], [80, 'green']);
const CAPACITY = thresholds('orange', [80, 'green'], [120, 'orange']);
const SCOPE_CHANGE = thresholds('green', [20, 'orange'], [40, 'red']);
const CARRIED_OVER = thresholds('green', [1, 'orange']);
/** Blocked hours summed over the sprint's issues: a working week of them is a lot. */
const BLOCKED_HOURS = thresholds('green', [1, 'orange'], [40, 'red']);

/** The board's last twelve sprints up to the chosen one, the history it is read against. */
const HISTORY = `
  SELECT s.*
    FROM metrics.sprints s, metrics.sprints chosen
   WHERE ${idIs('chosen.sprint_id', 'sprint')}
     AND s.board_id = chosen.board_id AND s.state <> 'future' AND s.start_at <= chosen.start_at
   ORDER BY s.start_at DESC
   LIMIT 12`;

function sprintVariables() {
  // The chosen sprint's dates (ms), for the link that sets the time range to the sprint.
  const bound = (name: string, expression: string) =>
    queryVariable({
      name,
      label: name,
      sql: `SELECT (extract(epoch FROM ${expression}) * 1000)::bigint FROM metrics.sprints WHERE ${THE_SPRINT}`,
      hidden: true,
    });
  return [
    ...dimensionVariables(['team', 'board', 'sprint']),
    bound('sprint_from', "start_at - interval '12 hours'"),
    bound('sprint_to', "greatest(end_at, complete_at) + interval '12 hours'"),
  ];
}

/** Figures the headline stats and the history table both show, coloured alike in both. */
const sprintPercent = (field: string, displayName: string, colourBy: ThresholdsConfig, width?: number) =>
  percentField(field, displayName, { decimals: 0, width, colourBy });
const SPRINT_BLOCKED_HOURS = hoursField('blocked_h', 'Blocked', { decimals: 0, colourBy: BLOCKED_HOURS });
const CARRIED_OVER_ISSUES: FieldSettings = {
  field: 'carried_over_issues',
  displayName: 'Carried over',
  thresholds: CARRIED_OVER,
  colour: true,
};

function headline(): Panel[] {
  return [sprintHealthInsight(), committedVsCompleted(), scopeCarryOverAndBlockers(), burndown()];
}

function sprintHealthInsight(): Panel {
  return pluginPanel({
    type: SPRINT_HEALTH_PANEL,
    title: 'Sprint Health',
    description:
      'What is going wrong in the sprint and why: status and score, risks, bottlenecks and ' +
      'recommendations, each citing the Jira issues and pull requests behind it. From the Sprint Health ' +
      'insight (an LLM, or the rules when none is configured).',
    options: {
      team: ref('team'),
      sprint: ref('sprint'),
      showRisks: true,
      showBottlenecks: true,
      showRecommendations: true,
      maxItems: 3,
      compact: 'auto',
      reloadMinutes: 5,
    },
  });
}

function committedVsCompleted(): Panel {
  return figuresStat({
    title: 'Committed vs completed',
    description:
      'Story points in the sprint at its start (committed), and done at its close or now (completed). ' +
      'Say/do: committed points completed ÷ committed; capacity accuracy: all completed ÷ committed.',
    sql: `
      SELECT state || ' · ' || to_char(start_at, 'DD Mon') || ' – ' || to_char(end_at, 'DD Mon') AS dates,
             committed_points, completed_points, say_do_pct, capacity_accuracy_pct
        FROM metrics.sprints
       WHERE ${THE_SPRINT}`,
    withText: true,
    colorMode: 'value',
    fields: [
      { field: 'dates', displayName: 'Sprint', fixedColour: 'text' },
      { field: 'committed_points', displayName: 'Committed', unit: UNITS.points, fixedColour: 'text' },
      { field: 'completed_points', displayName: 'Completed', unit: UNITS.points, fixedColour: 'blue' },
      sprintPercent('say_do_pct', 'Say/do', SAY_DO),
      sprintPercent('capacity_accuracy_pct', 'Capacity accuracy', CAPACITY),
    ],
  });
}

function scopeCarryOverAndBlockers(): Panel {
  return figuresStat({
    title: 'Scope, carry-over and blockers',
    description:
      'Points added after the start and removed before the close, committed points re-estimated, and ' +
      'scope change ((added + removed) ÷ committed); issues carried over to a later sprint (once the ' +
      'sprint is closed); hours the sprint’s issues spent blocked or flagged.',
    sql: `
      SELECT added_points, removed_points, reestimated_points, scope_change_pct, carried_over_issues, blocked_h
        FROM metrics.sprints
       WHERE ${THE_SPRINT}`,
    colorMode: 'value',
    fields: [
      { field: 'added_points', displayName: 'Added', unit: UNITS.points, fixedColour: 'text' },
      { field: 'removed_points', displayName: 'Removed', unit: UNITS.points, fixedColour: 'text' },
      { field: 'reestimated_points', displayName: 'Re-estimated', unit: UNITS.points, fixedColour: 'text' },
      sprintPercent('scope_change_pct', 'Scope change', SCOPE_CHANGE),
      { ...CARRIED_OVER_ISSUES, unit: UNITS.count },
      SPRINT_BLOCKED_HOURS,
    ],
  });
}

function burndown(): Panel {
  const series: Series[] = [
    ['remaining_points', 'Remaining', 'blue'],
    ['ideal_points', 'Ideal', 'text', { dashed: true }],
    ['scope_points', 'Scope', 'purple'],
  ];
  return timeSeriesPanel({
    title: 'Burndown',
    description:
      'Points not done at the end of each day, against the ideal line from the committed points to zero ' +
      'at the end, and the scope (all points in the sprint, added work included). A gap above the ideal ' +
      'line late in the sprint is work that will not fit. “Zoom to the sprint” sets the time range to it.',
    sql: `
      SELECT at AS time, ${seriesColumns(series)}
        FROM metrics.sprint_burndown
       WHERE ${THE_SPRINT}
       ORDER BY 1`,
    unit: UNITS.points,
    decimals: 1,
    fields: seriesFields(series),
    panelLinks: [
      link(
        'Zoom to the sprint',
        dashboardUrl(SPRINT_HEALTH_UID, {
          vars: ['team', 'board', 'sprint'],
          keepTime: false,
          params: { from: ref('sprint_from'), to: ref('sprint_to') },
        }),
      ),
    ],
  });
}

function history(): Panel[] {
  return [
    barChartPanel({
      title: 'Committed and completed, sprint by sprint',
      description:
        'Points committed at the start and completed by the close of the board’s last twelve sprints up to ' +
        'this one, and the points added on the way.',
      sql: `
        SELECT name, committed_points AS "Committed", completed_points AS "Completed", added_points AS "Added"
          FROM (${HISTORY}) h
         ORDER BY start_at`,
      xField: 'name',
      unit: UNITS.points,
      fields: [
        { field: 'Committed', fixedColour: 'text' },
        { field: 'Completed', fixedColour: 'blue' },
        { field: 'Added', fixedColour: 'orange' },
      ],
    }),
    tablePanel({
      title: 'Sprint history',
      description: 'The board’s last twelve sprints up to this one, newest first.',
      sql: `
        SELECT name, state, start_at, coalesce(complete_at, end_at) AS end_at, committed_points,
               completed_points, say_do_pct, capacity_accuracy_pct, scope_change_pct, carried_over_issues,
               blocked_h
          FROM (${HISTORY}) h
         ORDER BY start_at DESC`,
      columns: [
        { field: 'name', displayName: 'Sprint', width: 140 },
        { field: 'state', displayName: 'State', width: 80 },
        { field: 'start_at', displayName: 'Started', unit: UNITS.localTime, width: 150 },
        { field: 'end_at', displayName: 'Ended', unit: UNITS.localTime, width: 150 },
        { field: 'committed_points', displayName: 'Committed', unit: UNITS.points },
        { field: 'completed_points', displayName: 'Completed', unit: UNITS.points },
        sprintPercent('say_do_pct', 'Say/do', SAY_DO, 110),
        sprintPercent('capacity_accuracy_pct', 'Capacity', CAPACITY, 110),
        sprintPercent('scope_change_pct', 'Scope change', SCOPE_CHANGE, 110),
        CARRIED_OVER_ISSUES,
        SPRINT_BLOCKED_HOURS,
      ],
    }),
  ];
}

function issues(): Panel[] {
  return [
    tablePanel({
      title: 'Issues in the sprint',
      description:
        'Every issue in the sprint between its start and its close (or now): how it came in, how it ended, ' +
        'its points at the start and at the close. Unfinished work first.',
      sql: `
        SELECT key, summary, issue_type,
               CASE WHEN committed THEN 'committed' WHEN added THEN 'added' END AS came_in,
               CASE WHEN removed THEN 'removed'
                    WHEN completed THEN 'done'
                    WHEN carried_over THEN 'carried over'
                    ELSE 'not done' END AS outcome,
               points_at_start, points_at_close, metrics.seconds_until(blocked_spans, now()) / 3600 AS blocked_h
          FROM metrics.sprint_issues
         WHERE ${THE_SPRINT}
         ORDER BY completed, removed, blocked_h DESC, key`,
      columns: [
        { field: 'key', displayName: 'Issue', width: 100 },
        { field: 'summary', displayName: 'Summary' },
        { field: 'issue_type', displayName: 'Type', width: 90 },
        {
          field: 'came_in',
          displayName: 'Came in',
          width: 100,
          mappings: [valueMapping({ added: { color: 'orange' } })],
        },
        {
          field: 'outcome',
          displayName: 'Outcome',
          width: 120,
          mappings: [
            valueMapping({
              done: { color: 'green' },
              'not done': { color: 'orange' },
              'carried over': { color: 'red' },
              removed: { color: 'text' },
            }),
          ],
        },
        { field: 'points_at_start', displayName: 'Points at start', width: 120 },
        { field: 'points_at_close', displayName: 'Points at close', width: 120 },
        BLOCKED_HOURS_COLUMN,
      ],
    }),
    tablePanel({
      title: 'Blocked items',
      description:
        'Issues of the sprint that were blocked (flagged, or in a blocked status) during it, the longest ' +
        'first, and where each stood at the close or now.',
      sql: `
        SELECT key, summary, metrics.seconds_until(blocked_spans, now()) / 3600 AS blocked_h, stage_at_close, completed
          FROM metrics.sprint_issues
         WHERE ${THE_SPRINT} AND blocked_spans <> '{}'
         ORDER BY blocked_h DESC`,
      columns: [
        { field: 'key', displayName: 'Issue', width: 100 },
        { field: 'summary', displayName: 'Summary' },
        hoursField('blocked_h', 'Blocked', {
          decimals: 0,
          width: 100,
          colourBy: thresholds('orange', [24, 'red']),
        }),
        { field: 'stage_at_close', displayName: 'Stage', width: 100 },
        {
          field: 'completed',
          displayName: 'Done',
          width: 80,
          mappings: [valueMapping({ true: { text: 'done', color: 'green' }, false: { text: 'not done' } })],
        },
      ],
    }),
  ];
}

/** The chance of finishing: below half is a sprint to re-plan, below 85 % one to watch. */
const FINISH_CHANCE = thresholds('red', [50, 'orange'], [85, 'green']);

/** The chosen sprint's latest recorded forecast (forecast/snapshots.ts, after each refresh). */
const LATEST_FORECAST = `
  SELECT * FROM metrics.forecast_snapshots
   WHERE ${THE_SPRINT} AND as_of <= $__timeTo()
   ORDER BY as_of DESC
   LIMIT 1`;

function forecast(): Panel[] {
  const doneBy = (column: string) => `to_char(${column}, 'Dy DD Mon')`;
  return [
    figuresStat({
      title: 'Chance to finish',
      description:
        'How likely the sprint’s remaining issues, with the scope the team usually adds while a sprint runs, are ' +
        'done by its end: 10,000 simulated sprints drawing days from the team’s last 60 working days (issues done, ' +
        'added, removed). No forecast below 10 working days of history; a warning below 30. Recorded after each ' +
        'refresh. Definitions: docs/metrics.md ("Forecasts").',
      sql: `
        SELECT finish_probability_pct, ${doneBy('done_by_85')} AS done_by_85, remaining_issues, working_days_left,
               coalesce(reason, 'from ' || history_days || ' working days of history') AS basis
          FROM (${LATEST_FORECAST}) f`,
      withText: true,
      colorMode: 'value',
      fields: [
        percentField('finish_probability_pct', 'Likely to finish', { decimals: 0, colourBy: FINISH_CHANCE }),
        { field: 'done_by_85', displayName: '85% likely done by', fixedColour: 'text' },
        { field: 'remaining_issues', displayName: 'Issues left', unit: UNITS.count, fixedColour: 'text' },
        {
          field: 'working_days_left',
          displayName: 'Working days left',
          unit: UNITS.count,
          fixedColour: 'text',
        },
        { field: 'basis', displayName: 'Rests on', fixedColour: 'text' },
      ],
    }),
    tablePanel({
      title: 'Likely done by',
      description:
        'The days by which 50, 70, 85 and 95 % of the simulated sprints had finished ("not within a year" past ' +
        'that). The spread from 50 to 95 % is how predictable the team is.',
      sql: `
        SELECT v.pct, coalesce(${doneBy('v.at')}, 'not within a year') AS done_by
          FROM (${LATEST_FORECAST}) f,
               LATERAL (VALUES (50, f.done_by_50), (70, f.done_by_70), (85, f.done_by_85), (95, f.done_by_95)) v(pct, at)
         WHERE f.state <> 'refused'
         ORDER BY v.pct`,
      columns: [
        { field: 'pct', displayName: 'Likely', unit: UNITS.percent, width: 90 },
        { field: 'done_by', displayName: 'Done by' },
      ],
    }),
    timeSeriesPanel({
      title: 'Chance to finish, day by day',
      description: 'The chance of finishing as each day’s forecast put it, over the sprint.',
      sql: `
        SELECT as_of AS time, finish_probability_pct AS "Likely to finish"
          FROM metrics.forecast_snapshots
         WHERE ${THE_SPRINT} AND state <> 'refused'
         ORDER BY 1`,
      unit: UNITS.percent,
      min: 0,
      max: 100,
      thresholds: FINISH_CHANCE,
      showThresholds: true,
      fields: [{ field: 'Likely to finish', fixedColour: 'blue' }],
    }),
    timeSeriesPanel({
      title: 'Predictability',
      description:
        'Working days from the 50 % to the 95 % "done by" date, forecast by forecast, for the sprints of this ' +
        'board over the time range: the team’s predictability (fewer is steadier).',
      sql: `
        SELECT f.as_of AS time, f.spread_working_days AS "Days from 50% to 95%"
          FROM metrics.forecast_snapshots f
          JOIN metrics.sprints s ON s.sprint_id = f.sprint_id
         WHERE s.board_id = (SELECT board_id FROM metrics.sprints WHERE ${THE_SPRINT})
           AND $__timeFilter(f.as_of) AND f.spread_working_days IS NOT NULL
         ORDER BY 1`,
      unit: UNITS.count,
      fields: [{ field: 'Days from 50% to 95%', fixedColour: 'purple' }],
    }),
    timeSeriesPanel({
      title: 'The days a forecast draws from',
      description:
        'The team’s last 60 working days before the end of the time range, as the forecast samples them: issues ' +
        'done, and issues added to and removed from its running sprints (removed drawn below zero). Days with ' +
        'nothing count too.',
      sql: `
        WITH t AS (SELECT team FROM (${LATEST_FORECAST}) f)
        SELECT h.day::timestamp AS time, h.done AS "Done", h.added AS "Added", -h.removed AS "Removed"
          FROM t, metrics.forecast_history(t.team, $__timeTo(), 60) h
         ORDER BY 1`,
      style: 'bars',
      unit: UNITS.count,
      fields: [
        { field: 'Done', fixedColour: 'blue' },
        { field: 'Added', fixedColour: 'orange' },
        { field: 'Removed', fixedColour: 'text' },
      ],
    }),
  ];
}

export function sprintHealthDashboard(): Dashboard {
  const [insight, committed, scope, burndown] = headline();
  const [chart, table] = history();
  const [all, blocked] = issues();
  const [chance, likely, daily, predictability, sampled] = forecast();
  return dashboard({
    uid: SPRINT_HEALTH_UID,
    title: 'Sprint health',
    description:
      'One sprint at a time: the Sprint Health insight, committed against completed, scope change, ' +
      'carry-over and blockers, the burndown against the ideal line, the forecast of when it finishes, the ' +
      'sprint against the board’s history, and its issues. Definitions: docs/metrics.md ("Sprints", "Forecasts").',
    tags: ['sprints'],
    time: { from: 'now-30d', to: 'now' },
    refresh: '1h',
    variables: sprintVariables(),
    rows: [
      {
        title: 'The sprint',
        panels: [
          place(insight!, 8, 15),
          place(committed!, 8, 5),
          place(scope!, 8, 5),
          place(burndown!, 16, 10),
          place(
            evidenceTable({
              title: 'What the sprint figures rest on',
              what: 'figure',
              lowWhen: 'issues in the sprints without an estimate',
              source: teamSummary('flow_evidence'),
              labels: { sprints: 'Sprints of the time range' },
            }),
            24,
            4,
          ),
        ],
      },
      {
        title: 'Forecast',
        panels: [
          place(chance!, 16, 5),
          place(likely!, 8, 5),
          place(daily!, 8, 8),
          place(predictability!, 8, 8),
          place(sampled!, 8, 8),
        ],
      },
      { title: 'Sprint by sprint', panels: sideBySide(9, chart!, table!) },
      { title: 'Issues', panels: [place(all!, 14, 10), place(blocked!, 10, 10)] },
    ],
  });
}
