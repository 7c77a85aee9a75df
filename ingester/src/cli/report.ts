import type { Command } from 'commander';
import { openDatabase } from '../db/connect.js';
import { migrationStatus } from '../db/migrations.js';
import { refreshMetrics } from '../metrics/refresh.js';
import { recordForecasts } from '../forecast/snapshots.js';
import { applyOrganisationSettings } from '../metrics/settings.js';
import {
  doraSummary,
  evidenceOf,
  flowSummary,
  type DoraSummary,
  type Evidence,
  type FlowSummary,
} from '../metrics/summary.js';
import { teamNames } from '../metrics/teams.js';
import { boot } from './bootstrap.js';
import { parseDate } from './options.js';
import { formatTable, terminalWidth } from './table.js';

const num = (v: number | null, digits = 1, unit = '') => (v === null ? '—' : `${v.toFixed(digits)}${unit}`);
const hours = (v: number | null) =>
  v === null ? '—' : v < 48 ? `${v.toFixed(1)} h` : `${(v / 24).toFixed(1)} d`;

/**
 * Renders the numbers SQL computed; it computes none itself. The band column is headed by
 * the DORA report whose clusters gave the bands. With a `width`, the values wrap to fit it.
 */
export function formatDora(s: DoraSummary, width?: number): string {
  const bandColumn = `DORA ${s.band_year}`;
  const band = (b: string | null) => b ?? '';
  return formatTable(
    [
      {
        metric: 'Deployment frequency',
        value: `${s.deployments} in ${s.weeks} weeks: ${num(s.deployments_per_week, 1)} a week (median ${num(s.median_deployments_per_week, 0)}), deploy days ${num(s.deploy_days_per_week, 1)} a week${s.fallback_deployments ? `, ${s.fallback_deployments} from fallback sources` : ''}`,
        [bandColumn]: band(s.deployment_frequency_band),
      },
      {
        metric: 'Change lead time',
        value: s.prs_shipped
          ? `p50 ${hours(s.lead_time_p50_h)}, p75 ${hours(s.lead_time_p75_h)}, p90 ${hours(s.lead_time_p90_h)} (${s.prs_shipped} changes)`
          : '—',
        [bandColumn]: band(s.lead_time_band),
      },
      {
        metric: 'Change fail rate',
        value:
          s.change_fail_rate_pct === null
            ? '—'
            : `${num(s.change_fail_rate_pct)} % (${s.failed_deployments} of ${s.deployments})`,
        [bandColumn]: band(s.change_fail_rate_band),
      },
      {
        metric: 'Failed deployment recovery time',
        value: s.failed_deployments ? `p50 ${hours(s.recovery_p50_h)}, p90 ${hours(s.recovery_p90_h)}` : '—',
        [bandColumn]: band(s.recovery_band),
      },
      {
        metric: 'Deployment rework rate',
        value:
          s.rework_rate_pct === null
            ? '—'
            : `${num(s.rework_rate_pct)} % (${s.rework_deployments} of ${s.deployments})`,
        [bandColumn]: '',
      },
    ],
    ['metric', 'value', bandColumn],
    { width, wrap: 'value' },
  );
}

/** The figures' names, as the report's tables call them. */
const FIGURES: Record<string, string> = {
  deployments: 'Deployment frequency',
  lead_time_p50: 'Change lead time',
  change_fail_rate: 'Change fail rate',
  recovery_p50: 'Recovery time',
  rework_rate: 'Rework rate',
  pr_flow: 'PR flow',
  jira_flow: 'Jira flow',
  sprints: 'Sprints',
};

/**
 * The figures that rest on too little or have none, each with why and where to look; a line
 * saying so when every figure rests on enough.
 */
export function formatEvidence(evidence: Evidence[], width?: number): string {
  const doubtful = evidence.filter((e) => e.confidence !== 'ok');
  if (!doubtful.length) return 'Every figure rests on enough rows (docs/metrics.md, "Evidence").';
  return formatTable(
    doubtful.map((e) => ({
      figure: FIGURES[e.metric] ?? e.metric,
      confidence: e.confidence,
      // Not in brackets: the wrapper keeps a bracketed group whole.
      why: e.setting ? `${e.reason}; look at ${e.setting}` : (e.reason ?? ''),
    })),
    ['figure', 'confidence', 'why'],
    { width, wrap: 'why' },
  );
}

export function formatFlow(f: FlowSummary, width?: number): string {
  return formatTable(
    [
      {
        measure: 'PRs merged',
        value: `${f.prs_merged} (${f.merged_without_review} without review), median size ${num(f.pr_size_p50, 0)} lines`,
      },
      {
        measure: 'PR cycle time (p50)',
        value: `coding ${hours(f.coding_p50_h)}, pickup ${hours(f.pickup_p50_h)}, review ${hours(f.review_p50_h)}, deploy ${hours(f.deploy_p50_h)}`,
      },
      {
        measure: 'Items done',
        value: `${f.items_done}, flow time p50 ${num(f.flow_time_p50_d)} d, flow efficiency ${num(f.flow_efficiency_pct, 0, ' %')}`,
      },
      {
        measure: 'Flow distribution',
        value: `features ${num(f.features_pct, 0, ' %')}, defects ${num(f.defects_pct, 0, ' %')}, risks ${num(f.risks_pct, 0, ' %')}, debts ${num(f.debts_pct, 0, ' %')}`,
      },
      { measure: 'Work in progress now', value: String(f.wip_now) },
    ],
    ['measure', 'value'],
    { width, wrap: 'value' },
  );
}

export function metricsCommands(program: Command): void {
  program
    .command('refresh')
    .description(
      'apply the organisation file to the settings tables and refresh the kept metric tables that something they read has changed since (readers keep the previous rows meanwhile)',
    )
    .option('--full', 'refresh every view, whatever changed')
    .action(async (opts: { full?: boolean }) => {
      const { settings, organisation, log } = boot();
      const { db } = await openDatabase(settings, log);
      try {
        const status = await migrationStatus(db);
        if (!status.current)
          throw new Error(
            `the database needs migrations (${status.pending.join(', ')}); run engmetrics migrate`,
          );
        await applyOrganisationSettings(db, organisation);
        const { timings, totalMs, skipped } = await refreshMetrics(db, { full: opts.full === true });
        console.log(
          formatTable(
            timings.map((t) => ({
              view: `metrics.${t.view}`,
              seconds: (t.ms / 1000).toFixed(2),
              // A kept table read again in part: how many pull requests, issues, sprints or weeks.
              'read again': t.scope === undefined ? 'all' : String(t.scope),
            })),
            ['view', 'seconds', 'read again'],
          ),
        );
        const forecasts = await recordForecasts(db, settings.clock.now());
        console.log(
          `refreshed ${timings.length} views in ${(totalMs / 1000).toFixed(2)} s (${skipped.length} unchanged: nothing they read was written); ${forecasts} sprint forecasts recorded`,
        );
      } finally {
        await db.close();
      }
    });

  program
    .command('report')
    .description('print the DORA tiles and the flow summary of a team (or all teams) for a period')
    .option('--team <name>', 'a team, or * for the whole organisation', '*')
    .option('--from <date>', 'start of the period (YYYY-MM-DD; default 90 days ago)', parseDate)
    .option('--to <date>', 'end of the period (YYYY-MM-DD; default now)', parseDate)
    .option('--json', 'print the summaries as one JSON document (for scripts) instead of tables')
    .action(async (opts: { team: string; from?: Date; to?: Date; json?: boolean }) => {
      const { settings, log } = boot();
      const { db } = await openDatabase(settings, log);
      try {
        const to = opts.to ?? settings.clock.now();
        const from = opts.from ?? new Date(to.getTime() - 90 * 86_400_000);
        if (from >= to) throw new Error('--from must be before --to');
        const teams = await teamNames(db);
        if (opts.team !== '*' && !teams.includes(opts.team))
          throw new Error(`no team "${opts.team}"; teams: ${teams.join(', ') || '(none)'}`);
        const [dora, flow, evidence] = await Promise.all([
          doraSummary(db, opts.team, from, to),
          flowSummary(db, opts.team, from, to),
          evidenceOf(db, opts.team, from, to),
        ]);
        process.stdout.write(
          opts.json
            ? `${JSON.stringify({ team: opts.team, from: from.toISOString(), to: to.toISOString(), dora, flow, evidence }, null, 2)}\n`
            : reportText(opts.team, from, to, dora, flow, terminalWidth(), evidence),
        );
      } finally {
        await db.close();
      }
    });
}

/** What `report` prints for people. */
export function reportText(
  team: string,
  from: Date,
  to: Date,
  dora: DoraSummary,
  flow: FlowSummary,
  width?: number,
  evidence?: Evidence[],
): string {
  const title = team === '*' ? 'all teams' : `team ${team}`;
  const day = (d: Date) => d.toISOString().slice(0, 10);
  return [
    '',
    `DORA, ${title}, ${day(from)} to ${day(to)}`,
    '',
    formatDora(dora, width),
    '',
    'Flow',
    '',
    formatFlow(flow, width),
    '',
    ...(evidence ? ['What the figures rest on', '', formatEvidence(evidence, width), ''] : []),
    '',
  ].join('\n');
}
