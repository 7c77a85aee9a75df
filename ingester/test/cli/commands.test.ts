import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildProgram, commandNamed } from '../../src/cli/program.js';
import { simulationEnvironment, startSimulation, type Simulation } from '../../src/cli/simulate.js';
import { refreshGraph } from '../../src/metrics/refresh.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { freePort, INGESTER_DIR } from '../support/processes.js';

/** `engmetrics <args>` from source, its stdout and stderr kept apart. */
function engmetrics(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: INGESTER_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let [stdout, stderr] = ['', ''];
  child.stdout.on('data', (d) => (stdout += String(d)));
  child.stderr.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

const manifest = JSON.parse(readFileSync(join(INGESTER_DIR, 'package.json'), 'utf8')) as { version: string };

describe('engmetrics --version and --help', () => {
  it('prints the package version', async () => {
    for (const flag of ['--version', '-V']) {
      const { code, stdout } = await engmetrics([flag]);
      expect(code).toBe(0);
      expect(stdout).toBe(`${manifest.version}\n`);
    }
  });

  it('lists every command as its own definition describes it, without loading it', async () => {
    const lazy = await buildProgram(['--help']);
    const full = await buildProgram(['--help'], { all: true });
    expect(lazy.helpInformation()).toBe(full.helpInformation());
    expect(lazy.commands.map((c) => c.name())).toEqual([
      'migrate',
      'serve',
      'doctor',
      'sync',
      'simulate',
      'refresh',
      'report',
      'demo',
    ]);
    // The command being run, or asked about, has its real definition.
    for (const command of full.commands) {
      for (const args of [
        [command.name(), '--help'],
        ['help', command.name()],
      ]) {
        const program = await buildProgram(args);
        const defined = program.commands.find((c) => c.name() === command.name())!;
        expect(defined.helpInformation()).toBe(command.helpInformation());
      }
    }
  });

  it('finds the command in the arguments', () => {
    expect(commandNamed([])).toBeUndefined();
    expect(commandNamed(['--help'])).toBeUndefined();
    expect(commandNamed(['sync', 'github', '--full'])).toBe('sync');
    expect(commandNamed(['help', 'report'])).toBe('report');
    expect(commandNamed(['help'])).toBeUndefined();
  });

  it('--help answers as before, and a typo names the command meant', async () => {
    const help = await engmetrics(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}demo \[options\] +migrate, sync, refresh/m);
    const typo = await engmetrics(['reprot']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toContain('(Did you mean report?)');
  });
});

describe('--json for scripts', () => {
  let t: TestDatabase;
  let sim: Simulation;
  let env: Record<string, string>;
  const dataDir = mkdtempSync(join(tmpdir(), 'engmetrics-json-'));

  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
    sim = await startSimulation({
      prs: 80,
      repos: 2,
      days: 60,
      seed: 5,
      githubPort: 0,
      jiraPort: 0,
      dataDir,
      end: Date.UTC(2026, 11, 2, 10),
    });
    env = {
      ...simulationEnvironment(sim),
      DATABASE_URL: t.url,
      ENGMETRICS_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
    };
  });
  afterAll(async () => {
    await sim?.stop();
    await t?.drop();
  });

  it('sync github, sync jira and report print one JSON document on stdout, and nothing else there', async () => {
    const github = await engmetrics(['sync', 'github', '--json'], env);
    expect(github.code).toBe(0);
    const synced = JSON.parse(github.stdout) as { source: string; results: Record<string, unknown>[] };
    expect(synced.source).toBe('github');
    expect(synced.results.map((r) => r.repo).sort()).toEqual(
      sim.world.repos.map((r) => `${sim.world.org.login}/${r.name}`).sort(),
    );
    for (const r of synced.results) {
      expect(r).toMatchObject({ status: 'succeeded', error: null });
      expect(r.prs).toBeGreaterThan(0);
    }
    expect(github.stderr).toContain('repository synced'); // the log lines are on stderr

    const jira = await engmetrics(['sync', 'jira', '--json'], env);
    expect(jira.code).toBe(0);
    const projects = JSON.parse(jira.stdout) as { source: string; results: Record<string, unknown>[] };
    expect(projects.source).toBe('jira');
    expect(projects.results.map((r) => r.project).sort()).toEqual(
      sim.world.jira.projects.map((p) => p.key).sort(),
    );
    expect(projects.results.every((r) => r.status === 'succeeded' && (r.issues as number) > 0)).toBe(true);

    const refresh = await engmetrics(['refresh'], env);
    expect(refresh.code).toBe(0);
    expect(refresh.stdout).toMatch(/metrics\.pull_requests\s+\d+\.\d\d\s+all/);
    // Nothing written since: nothing to read again, of every view and kept table.
    const kept = (await refreshGraph(t.db)).size;
    const again = await engmetrics(['refresh'], env);
    expect(again.stdout).toMatch(
      new RegExp(
        `^refreshed 0 views in [\\d.]+ s \\(${kept} unchanged: nothing they read was written\\)`,
        'm',
      ),
    );

    const report = await engmetrics(['report', '--json', '--from', '2026-09-03', '--to', '2026-12-02'], env);
    expect(report.code).toBe(0);
    const summary = JSON.parse(report.stdout) as {
      team: string;
      from: string;
      to: string;
      dora: Record<string, unknown>;
      flow: Record<string, unknown>;
      evidence: { metric: string; rows: number; confidence: string }[];
    };
    expect(summary).toMatchObject({
      team: '*',
      from: '2026-09-03T00:00:00.000Z',
      to: '2026-12-02T00:00:00.000Z',
    });
    expect(summary.dora.deployments).toBeGreaterThan(0);
    expect(summary.dora.band_year).toBe(2024);
    expect(summary.flow.prs_merged).toBeGreaterThan(0);
    // What each figure rests on, the DORA tiles' then the flow's.
    expect(summary.evidence.map((e) => e.metric)).toEqual([
      'deployments',
      'lead_time_p50',
      'change_fail_rate',
      'recovery_p50',
      'rework_rate',
      'pr_flow',
      'jira_flow',
      'sprints',
    ]);
    expect(summary.evidence[0]!.rows).toBe(summary.dora.deployments);
    expect(summary.evidence[5]!.rows).toBe(summary.flow.prs_merged);
    // And in words, for people: the figures in doubt, or a line saying there are none.
    const text = await engmetrics(['report', '--from', '2026-09-03', '--to', '2026-12-02'], env);
    expect(text.stdout).toContain('What the figures rest on');
    const doubtful = summary.evidence.filter((e) => e.confidence !== 'ok');
    if (doubtful.length) expect(text.stdout).toMatch(/^figure\s+confidence\s+why/m);
    else expect(text.stdout).toContain('Every figure rests on enough rows');

    // The period ends at the process's now: ENGMETRICS_NOW, not the machine's clock.
    const now = await engmetrics(['report', '--json'], { ...env, ENGMETRICS_NOW: '2026-12-02T10:00:00Z' });
    expect(now.code).toBe(0);
    // (The clock starts there and runs on: seconds into the run.)
    const period = JSON.parse(now.stdout) as { from: string; to: string };
    expect(period.from).toMatch(/^2026-09-03T10:0\d:/);
    expect(period.to).toMatch(/^2026-12-02T10:0\d:/);
  }, 120_000);
});

describe('bad settings', () => {
  it('stop start-up with every bad one named, a line each, exit 78', async () => {
    const { code, stdout, stderr } = await engmetrics(['report'], { PORT: 'eighty', LOG_LEVEL: 'loud' });
    expect(code).toBe(78);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^engmetrics: configuration error: PORT: /),
      expect.stringMatching(/^engmetrics: configuration error: LOG_LEVEL: /),
    ]);
  });

  it('do not stop doctor: it lists them as rows, as JSON with --json, and checks the rest', async () => {
    const data = mkdtempSync(join(tmpdir(), 'engmetrics-doctor-'));
    const port = String(await freePort());
    const { code, stdout } = await engmetrics(['doctor', '--json'], {
      SCHEDULE_GITHUB: 'every hour',
      ENGMETRICS_DATA_DIR: data,
      ENGMETRICS_PG_PORT: port,
      LOG_LEVEL: 'silent',
    });
    expect(code).toBe(1);
    const rows = JSON.parse(stdout) as { check: string; status: string; detail: string }[];
    expect(rows[0]).toMatchObject({
      check: 'settings',
      status: 'fail',
      detail: expect.stringMatching(/^SCHEDULE_GITHUB: /),
    });
    expect(rows.find((r) => r.check === 'database')).toMatchObject({ status: 'ok' });
    expect(rows.find((r) => r.check === 'github')).toMatchObject({ status: 'skip' });
  }, 60_000);
});
