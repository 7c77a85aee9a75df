import type { Command } from 'commander';
import type { Settings } from '../config/settings.js';
import { openDatabase } from '../db/connect.js';
import type { Database } from '../db/database.js';
import type { EmbeddedServer } from '../db/embedded.js';
import { migrate } from '../db/migrations.js';
import { refreshMetrics } from '../metrics/refresh.js';
import { applyOrganisationSettings } from '../metrics/settings.js';
import { doraSummary } from '../metrics/summary.js';
import { resolveTeam, teamNames } from '../metrics/teams.js';
import { HOUR } from '../simulators/world/calendar.js';
import { boot } from './bootstrap.js';
import { wholeNumber } from './options.js';
import { recordForecasts } from '../forecast/snapshots.js';
import { chooseSprint, type SprintChoice } from '../insights/facts-query.js';
import { formatDora } from './report.js';
import { runService } from './serve.js';
import { indented, labelled, terminalWidth, wrapText } from './table.js';
import { simulationEnvironment, startSimulation, type Simulation } from './simulate.js';
import {
  gitHubResultsTable,
  jiraResultsTable,
  syncGitHubWithProgress,
  syncJiraWithProgress,
} from './sync.js';

const DAY = 24 * HOUR;

export interface DemoSpec {
  prs: number;
  repos: number;
  days: number;
  seed: number;
}

/** A generated organisation loaded earlier is reused for a day, so a restart syncs only what changed. */
const REUSE_FOR_MS = DAY;

export const githubConfigured = (s: Settings) => Boolean(s.github.org && (s.github.token || s.github.app));
export const jiraConfigured = (s: Settings) => Boolean(s.jira.baseUrl && s.jira.auth);

export class DemoDatabaseInUse extends Error {}

/**
 * When the generated organisation should end. The same spec loaded less than a day ago
 * is regenerated identically (same end), so the sync only confirms it; anything else
 * clears what the last demo loaded and starts a new organisation ending this hour. A
 * database holding data from real services is never written to.
 */
export async function prepareDemoWorld(
  db: Database,
  spec: DemoSpec,
  o: { fresh?: boolean; now?: number } = {},
): Promise<{ end: number; reused: boolean }> {
  const now = o.now ?? Date.now();
  const previous = await db.query<DemoSpec & { ends_at: Date }>(
    'SELECT seed, prs, repos, days, ends_at FROM ops.demo_world',
  );
  const row = previous.rows[0];
  if (
    row &&
    !o.fresh &&
    row.seed === spec.seed &&
    row.prs === spec.prs &&
    row.repos === spec.repos &&
    row.days === spec.days &&
    now - row.ends_at.getTime() < REUSE_FOR_MS
  )
    return { end: row.ends_at.getTime(), reused: true };
  if (!row) {
    const held = await db.query<{ held: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM source.github_pull_requests)
           OR EXISTS (SELECT 1 FROM source.jira_issues) AS held`,
    );
    if (held.rows[0]!.held)
      throw new DemoDatabaseInUse(
        'this database holds data synced from GitHub or Jira, and the demo would mix a generated organisation into it; ' +
          'point DATABASE_URL (or ENGMETRICS_DATA_DIR) at an empty database, or set the GitHub and Jira settings to run the demo against them',
      );
  }
  const end = Math.floor(now / HOUR) * HOUR;
  await db.tx(async (c) => {
    // Only generated data lives here (checked above when the demo first loaded it).
    const tables = await c.query<{ name: string }>(
      `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables WHERE schemaname = 'source'`,
    );
    if (row && tables.rows.length)
      await c.query(`TRUNCATE ${tables.rows.map((t) => t.name).join(', ')}, ops.sync_state, ops.insights`);
    await c.query(
      `INSERT INTO ops.demo_world (seed, prs, repos, days, ends_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (only_one) DO UPDATE SET seed = EXCLUDED.seed, prs = EXCLUDED.prs, repos = EXCLUDED.repos,
         days = EXCLUDED.days, ends_at = EXCLUDED.ends_at, created_at = now()`,
      [spec.seed, spec.prs, spec.repos, spec.days, new Date(end)],
    );
  });
  return { end, reused: false };
}

/**
 * `npm start`: the whole product in one command. With no GitHub or Jira credentials it
 * serves a generated organisation from the simulators; with them, it reads the real
 * services. Either way: migrate, sync, refresh, print the DORA tiles, then serve the API
 * with the scheduler.
 */
export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'migrate, sync, refresh, print the DORA tiles and serve: against GitHub and Jira when their settings are set, otherwise against simulators over a generated organisation',
    )
    .option('--prs <n>', 'pull requests to generate (simulated organisation)', wholeNumber(50, 200_000), 2000)
    .option('--repos <n>', 'repositories to generate', wholeNumber(1, 500), 10)
    .option('--days <n>', 'days of generated history, ending now', wholeNumber(30, 730), 180)
    .option('--seed <n>', 'generator seed', wholeNumber(1, 2 ** 31 - 1), 42)
    .option('--fresh', 'generate a new organisation even if the last one is less than a day old')
    .option(
      '--now <instant>',
      'run as if it were this instant (ISO 8601, as ENGMETRICS_NOW): for demos and tests',
    )
    .action(async (opts: DemoSpec & { fresh?: boolean; now?: string }) => {
      if (opts.now !== undefined) process.env.ENGMETRICS_NOW = opts.now;
      const first = boot();
      const live = githubConfigured(first.settings) || jiraConfigured(first.settings);
      const { db, embedded } = await openDatabase(first.settings, first.log);
      let sim: Simulation | undefined;
      try {
        await migrate(db, { log: first.log, readerPassword: first.settings.grafana.readerPassword });
        let { settings, organisation, log } = first;
        if (!live) {
          ({ sim, settings, organisation, log } = await simulateOrganisation(db, first, opts));
        }
        const deps = { settings, organisation, log, db };
        await syncAndRefresh(deps, Math.max(365, opts.days + 1));
        await serveDemo({ ...deps, embedded }, sim);
      } catch (err) {
        await db.close();
        await sim?.stop();
        throw err;
      }
    });
}

type Booted = ReturnType<typeof boot>;
type DemoDeps = Pick<Booted, 'settings' | 'organisation' | 'log'> & { db: Database };

/** The generated organisation (made anew after a day), served by the simulators it stands in for. */
async function simulateOrganisation(
  db: Database,
  first: Booted,
  opts: DemoSpec & { fresh?: boolean },
): Promise<Pick<Booted, 'settings' | 'organisation' | 'log'> & { sim: Simulation }> {
  const spec = { prs: opts.prs, repos: opts.repos, days: opts.days, seed: opts.seed };
  const { end, reused } = await prepareDemoWorld(db, spec, {
    fresh: opts.fresh,
    now: first.settings.clock.now().getTime(),
  });
  first.log.info({ ...spec, end: new Date(end).toISOString(), reused }, 'generating the demo organisation');
  const sim = await startSimulation({
    ...spec,
    end,
    githubPort: 0,
    jiraPort: 0,
    dataDir: first.settings.database.dataDir,
  });
  // The simulators stand in for GitHub and Jira; an organisation file of one's own still wins.
  const env = { ...process.env, ...simulationEnvironment(sim) };
  if (process.env.ENGMETRICS_CONFIG) env.ENGMETRICS_CONFIG = process.env.ENGMETRICS_CONFIG;
  return { sim, ...boot(env) };
}

/** Syncs what is configured, applies the organisation file's settings, refreshes the metrics. */
async function syncAndRefresh(deps: DemoDeps, lookbackDays: number): Promise<void> {
  const { settings, organisation, log, db } = deps;
  if (githubConfigured(settings)) {
    const results = await syncGitHubWithProgress(deps, { lookbackDays });
    report('GitHub', results, gitHubResultsTable(results), (r) => r.prs, 'pull requests');
  }
  if (jiraConfigured(settings)) {
    const results = await syncJiraWithProgress(deps, {});
    report('Jira', results, jiraResultsTable(results), (r) => r.issues, 'issues');
  }
  await applyOrganisationSettings(db, organisation);
  const { totalMs } = await refreshMetrics(db);
  const forecasts = await recordForecasts(db, settings.clock.now());
  log.info({ ms: Math.round(totalMs), forecasts }, 'metrics refreshed');
}

/**
 * Serves the API with the scheduler, then prints the organisation's DORA tiles and where
 * to go next: the last thing on screen, fitted to the terminal's width.
 */
async function serveDemo(
  deps: DemoDeps & { embedded?: EmbeddedServer },
  sim: Simulation | undefined,
): Promise<void> {
  const { settings, organisation, db } = deps;
  const to = settings.clock.now();
  const from = new Date(to.getTime() - 90 * DAY);
  const teams = await teamNames(db);
  const width = terminalWidth();
  const tiles = [
    `DORA, all teams, last 90 days${sim ? ` (generated organisation ${sim.world.org.login})` : ''}`,
    '',
    ...formatDora(await doraSummary(db, '*', from, to), width).split('\n'),
    '',
  ];
  const team = teams.length ? await resolveTeam(db, organisation) : undefined;
  const choice = team ? await chooseSprint(db, team) : null;
  await runService(deps, {
    banner: [
      ...tiles,
      ...(sim
        ? [
            ...labelled('GitHub', sim.github.url, '(simulator)'),
            ...labelled('Jira', sim.jira.url, '(simulator)'),
          ]
        : []),
    ],
    footer: (url, width) => {
      if (!team) return [];
      const [firstTeams, ...moreTeams] = wrapText(teams.join(', '), width ? width - 12 : Infinity);
      return [
        ...labelled('Teams', firstTeams!),
        ...moreTeams.flatMap((l) => indented(l)),
        ...labelled(
          'Insight',
          `${url}/insights/sprint-health?team=${encodeURIComponent(team)}`,
          '(with the token as a bearer)',
          width,
        ),
        ...(choice ? indented(sprintLine(choice), width) : []),
        '',
      ];
    },
    onStop: sim ? () => sim.stop() : undefined,
  });
}

/** Which sprint the printed insight describes, between sprints as well. */
function sprintLine(c: SprintChoice): string {
  const label = { requested: 'asked for', active: 'active', upcoming: 'upcoming', last_closed: 'closed' }[
    c.kind
  ];
  return `(${label}) ${c.reason}`;
}

/** One line per source, and the whole table when something failed. */
function report<R extends { status: string; requests: number }>(
  source: string,
  results: R[],
  table: string,
  counted: (r: R) => number,
  noun: string,
): void {
  const failed = results.filter((r) => r.status === 'failed').length;
  const total = results.reduce((n, r) => n + counted(r), 0);
  const requests = results.reduce((n, r) => n + r.requests, 0);
  process.stdout.write(
    `${source}: ${total} ${noun} in ${results.length} scopes, ${requests} API requests` +
      (failed ? `, ${failed} failed:\n${table}\n` : '\n'),
  );
}
