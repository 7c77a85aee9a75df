import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { openDatabase } from '../db/connect.js';
import { migrationStatus } from '../db/migrations.js';
import { ConfigError } from '../errors.js';
import type { Organisation } from '../config/organisation.js';
import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import type { Logger } from '../log.js';
import { connectGitHub } from '../sources/github/client.js';
import { syncGitHub, type GitHubSyncOptions, type RepoSyncResult } from '../sources/github/sync.js';
import { connectJira } from '../sources/jira/client.js';
import { syncJira, type JiraSyncOptions, type ProjectSyncResult } from '../sources/jira/sync.js';
import { boot, exitWithConfigError } from './bootstrap.js';
import { parseDate, wholeNumber } from './options.js';
import { progress } from './progress.js';
import { formatTable, terminalWidth } from './table.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const projectKey = (value: string, previous: string[] = []) => {
  if (!/^[A-Za-z][A-Za-z0-9_]+$/.test(value))
    throw new InvalidArgumentError('expected a Jira project key such as PAY');
  return [...previous, value.toUpperCase()];
};

interface SyncDeps {
  settings: Settings;
  organisation: Organisation;
  log: Logger;
  db: Database;
}

/** GitHub settings complete enough to sync; exits naming the missing variable otherwise. */
export function requireGitHubSettings(settings: Settings): void {
  const g = settings.github;
  if (!g.org) exitWithConfigError(new ConfigError('GITHUB_ORG', 'is required to sync GitHub'));
  if (!g.token && !g.app)
    exitWithConfigError(
      new ConfigError('GITHUB_TOKEN', 'is required to sync GitHub (or set the GITHUB_APP_* credentials)'),
    );
}

export function requireJiraSettings(settings: Settings): void {
  const j = settings.jira;
  if (!j.baseUrl) exitWithConfigError(new ConfigError('JIRA_BASE_URL', 'is required to sync Jira'));
  if (!j.auth)
    exitWithConfigError(
      new ConfigError(
        'JIRA_API_TOKEN',
        'is required to sync Jira (with JIRA_EMAIL, for Cloud; or set JIRA_PAT for Data Center)',
      ),
    );
}

export async function requireMigrated(db: Database): Promise<void> {
  const status = await migrationStatus(db);
  if (!status.current)
    throw new Error(`the database needs migrations (${status.pending.join(', ')}); run engmetrics migrate`);
}

/** Syncs the organisation's repositories with a progress bar (log lines off a terminal). */
export async function syncGitHubWithProgress(
  { settings, organisation, log, db }: SyncDeps,
  options: Omit<GitHubSyncOptions, 'org' | 'patterns' | 'onProgress'>,
): Promise<RepoSyncResult[]> {
  const g = settings.github;
  const { client } = await connectGitHub(g, log);
  const bar = progress('github', log);
  const perRepo = new Map<string, number>();
  try {
    return await syncGitHub(
      { db, client, organisation, log },
      {
        ...options,
        org: g.org!,
        patterns: g.repos,
        onProgress: (p) => {
          perRepo.set(p.repo, p.prs);
          const prs = [...perRepo.values()].reduce((a, b) => a + b, 0);
          bar.update(p.reposDone, p.repos, `${prs} pull requests${p.done ? `, ${p.repo} done` : ''}`);
        },
      },
    );
  } finally {
    bar.finish();
  }
}

export function gitHubResultsTable(results: RepoSyncResult[], width = terminalWidth()): string {
  return formatTable(
    results.map((r) => ({
      repository: r.repo,
      status: r.status,
      'pull requests': String(r.prs),
      'rows written': String(r.rowsWritten),
      requests: String(r.requests),
      'graphql points': String(r.points),
      skipped: String(r.skipped),
      error: r.error ?? '',
    })),
    [
      'repository',
      'status',
      'pull requests',
      'rows written',
      'requests',
      'graphql points',
      'skipped',
      'error',
    ],
    { width, wrap: 'error' },
  );
}

/** Syncs the configured Jira projects with a progress bar (log lines off a terminal). */
export async function syncJiraWithProgress(
  { settings, organisation, log, db }: SyncDeps,
  options: Omit<JiraSyncOptions, 'projects' | 'onProgress'>,
): Promise<ProjectSyncResult[]> {
  const j = settings.jira;
  const api = connectJira(j, log);
  const bar = progress('jira', log);
  const perProject = new Map<string, number>();
  try {
    return await syncJira(
      { db, api, log },
      {
        ...options,
        projects: j.projects,
        issueSets: organisation.issueSets,
        onProgress: (p) => {
          perProject.set(p.project, p.issues);
          const issues = [...perProject.values()].reduce((a, b) => a + b, 0);
          bar.update(p.projectsDone, p.projects, `${issues} issues${p.done ? `, ${p.project} done` : ''}`);
        },
      },
    );
  } finally {
    bar.finish();
  }
}

export function jiraResultsTable(results: ProjectSyncResult[], width = terminalWidth()): string {
  return formatTable(
    results.map((r) => ({
      project: r.project,
      status: r.status,
      issues: String(r.issues),
      'changelog entries': String(r.changelogEntries),
      'rows written': String(r.rowsWritten),
      requests: String(r.requests),
      'rate limit left': r.rateLimitRemaining === null ? '' : String(r.rateLimitRemaining),
      skipped: String(r.skipped),
      error: r.error ?? '',
    })),
    [
      'project',
      'status',
      'issues',
      'changelog entries',
      'rows written',
      'requests',
      'rate limit left',
      'skipped',
      'error',
    ],
    { width, wrap: 'error' },
  );
}

export function syncCommands(program: Command): void {
  const sync = program
    .command('sync')
    .description('read a source into the database (incremental from the last run)');

  sync
    .command('github')
    .description(
      'pull requests, reviews, commits, deployments, releases and deploy workflow runs of the organisation',
    )
    .option('--full', 'ignore the saved watermarks and read everything since --since (or the lookback)')
    .option('--since <date>', 'read changes since this date (YYYY-MM-DD)', parseDate)
    .option('--repo <name>', 'only this repository (repeatable; patterns allowed)', collect)
    .option('--lookback-days <n>', 'how far back a first sync reads', wholeNumber(1), 365)
    .option('--concurrency <n>', 'repositories synced side by side', wholeNumber(1, 16), 4)
    .option('--json', 'print the results as one JSON document (for scripts) instead of a table')
    .action(
      async (opts: {
        full?: boolean;
        since?: Date;
        repo?: string[];
        lookbackDays: number;
        concurrency: number;
        json?: boolean;
      }) => {
        const { settings, organisation, log } = boot();
        requireGitHubSettings(settings);
        const { db } = await openDatabase(settings, log, opts.concurrency);
        try {
          await requireMigrated(db);
          const results = await syncGitHubWithProgress(
            { settings, organisation, log, db },
            {
              only: opts.repo,
              full: opts.full,
              since: opts.since,
              lookbackDays: opts.lookbackDays,
              concurrency: opts.concurrency,
            },
          );
          printResults('github', results, opts.json, gitHubResultsTable);
          if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
        } finally {
          await db.close();
        }
      },
    );

  sync
    .command('jira')
    .description(
      'issues with their full status, sprint, story-point and flag histories; boards and sprints of each project',
    )
    .option('--full', 'ignore the saved watermarks and read every issue again')
    .option('--project <key>', 'only this project (repeatable)', projectKey)
    .option('--concurrency <n>', 'projects synced side by side', wholeNumber(1, 8), 2)
    .option('--json', 'print the results as one JSON document (for scripts) instead of a table')
    .action(async (opts: { full?: boolean; project?: string[]; concurrency: number; json?: boolean }) => {
      const { settings, organisation, log } = boot();
      requireJiraSettings(settings);
      const { db } = await openDatabase(settings, log, opts.concurrency);
      try {
        await requireMigrated(db);
        const results = await syncJiraWithProgress(
          { settings, organisation, log, db },
          { only: opts.project, full: opts.full, concurrency: opts.concurrency },
        );
        printResults('jira', results, opts.json, jiraResultsTable);
        if (results.some((r) => r.status === 'failed')) process.exitCode = 1;
      } finally {
        await db.close();
      }
    });
}

/**
 * A sync's results on stdout: a table, or with --json one document, `{ source, results }`,
 * each result with every field (`error` null when there was none). Progress and log lines
 * are on stderr either way.
 */
function printResults<R extends { error?: string }>(
  source: 'github' | 'jira',
  results: R[],
  json: boolean | undefined,
  table: (results: R[]) => string,
): void {
  process.stdout.write(
    json
      ? `${JSON.stringify({ source, results: results.map((r) => ({ ...r, error: r.error ?? null })) }, null, 2)}\n`
      : `${table(results)}\n`,
  );
}
