import { stringify } from 'yaml';
import { parseOrganisation, type Organisation } from '../src/config/organisation.js';
import type { Database } from '../src/db/database.js';
import { refreshMetrics } from '../src/metrics/refresh.js';
import { applyOrganisationSettings } from '../src/metrics/settings.js';
import { DAY } from '../src/simulators/world/calendar.js';
import { defaultSpec, generateTeams } from '../src/simulators/world/generate.js';
import type { WorldSpec } from '../src/simulators/world/types.js';
import { writeCatalogues, writeGitHub, writeJira } from './direct.js';

/**
 * The benchmark datasets: an organisation generated straight into PostgreSQL (no HTTP,
 * for speed), with its organisation file applied and the metrics refreshed.
 *   small: 20 repositories, 50,000 PRs, ~20,000 issues over a year
 *   large: 200 repositories, 1,000,000 PRs, ~300,000 issues over five years
 *   forecast: 30 repositories, 3,000 PRs over a year: six teams running sprints three ways, ~15 issues a sprint
 */
export const SCALES: Record<string, Omit<WorldSpec, 'seed' | 'org'>> = {
  small: { repos: 20, prs: 50_000, linkedShare: 0.39, start: 0, end: 365 },
  large: { repos: 200, prs: 1_000_000, linkedShare: 0.29, start: 0, end: 5 * 365 },
  // Six teams over a year, two of each way of running sprints: the forecast backtest's world.
  forecast: {
    repos: 30,
    prs: 3_000,
    linkedShare: 0.72,
    start: 0,
    end: 365,
    sprintStyles: ['steady', 'bursty', 'scope_adding'],
  },
};

/** Where every dataset's history ends: fixed, so runs compare. */
export const DATASET_END = Date.UTC(2026, 10, 2, 18, 0);

export interface Dataset {
  end: number;
  teams: string[];
  /** How each team runs its sprints, where the scale gives teams styles. */
  styles: Record<string, string>;
  /** The organisation file that was applied (YAML), for a server to start with. */
  organisationYaml: string;
  organisation: Organisation;
  refreshMs: number;
}

export async function loadDataset(db: Database, scale: string, log: (m: string) => void): Promise<Dataset> {
  const shape = SCALES[scale];
  if (!shape) throw new Error(`--scale must be one of ${Object.keys(SCALES).join(', ')}`);
  const end = DATASET_END;
  return loadSpec(db, defaultSpec({ ...shape, seed: 2024, end, start: end - shape.end * DAY }), log);
}

/** The organisation a spec generates, written straight into the database, set up and refreshed. */
export async function loadSpec(db: Database, spec: WorldSpec, log: (m: string) => void): Promise<Dataset> {
  const end = spec.end;
  const gen = generateTeams(spec);
  await writeCatalogues(db);
  const teams: {
    name: string;
    repos: string[];
    project: string;
    board: number;
    workflows: [string, string][];
  }[] = [];
  let written = 0;
  for (const team of gen.each()) {
    written += await writeGitHub(db, spec.org, team, end);
    written += await writeJira(db, team, end);
    teams.push({
      name: team.team,
      repos: team.repos.map((r) => r.name),
      project: team.project.key,
      board: team.board.id,
      workflows: team.repos.filter((r) => r.deployWorkflow).map((r) => [r.name, r.deployWorkflow!]),
    });
    log(
      `${team.team}: ${team.repos.length} repositories, ${team.repos.reduce((n, r) => n + r.pullRequests.length, 0)} PRs, ${team.issues.length} issues (${written} rows so far)`,
    );
  }
  const organisationYaml = stringify({
    teams: teams.map((t) => ({
      name: t.name,
      github: { repos: t.repos },
      jira: { projects: [t.project], boards: [t.board] },
    })),
    statusStages: { 'In Review': 'waiting', Blocked: 'waiting' },
    deployments: {
      repos: Object.fromEntries(
        teams.flatMap((t) => t.workflows).map(([repo, workflow]) => [repo, { source: 'workflow', workflow }]),
      ),
    },
  });
  const organisation = parseOrganisation(organisationYaml);
  await applyOrganisationSettings(db, organisation);
  // Rows arrive over hours of syncing in a real installation, and autovacuum visits the
  // tables meanwhile (hint bits, visibility map); a bulk load has had no such visit.
  log('vacuuming, as autovacuum would have');
  await db.query('VACUUM (ANALYZE)');
  log('refreshing');
  const refresh = await refreshMetrics(db);
  log(describeRefresh(refresh));
  await db.query('ANALYZE');
  const styles = Object.fromEntries(
    gen.teams.flatMap((t) => (t.sprintStyle ? [[t.name, t.sprintStyle]] : [])),
  );
  return {
    end,
    teams: teams.map((t) => t.name),
    styles,
    organisationYaml,
    organisation,
    refreshMs: refresh.totalMs,
  };
}

/** A refresh's total and each view's time, slowest first, for the log. */
export function describeRefresh(r: { totalMs: number; timings: { view: string; ms: number }[] }): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const views = [...r.timings].sort((a, b) => b.ms - a.ms).map((x) => `${x.view} ${s(x.ms)}`);
  return `refreshed in ${s(r.totalMs)}: ${views.join(', ')}`;
}

export const stderrLog = (m: string) =>
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);

export function percentiles(samples: number[]): { p50: number; p95: number } {
  const ms = [...samples].sort((a, b) => a - b);
  const at = (p: number) => ms[Math.min(ms.length - 1, Math.ceil(p * ms.length) - 1)]!;
  return { p50: Math.round(at(0.5) * 10) / 10, p95: Math.round(at(0.95) * 10) / 10 };
}
