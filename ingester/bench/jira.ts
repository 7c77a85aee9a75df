import { createLogger } from '../src/log.js';
import { connectJira } from '../src/sources/jira/client.js';
import { syncJira } from '../src/sources/jira/sync.js';
import type { Benchmark } from './main.js';
import { benchDatabase, option, peakRssMb, spawnSimulator } from './support.js';

/**
 * `npm run bench -- jira [--issues N] [--seed S] [--json]`: a first sync of a simulated
 * Jira site of about N issues (default 5,000) into a fresh database, then a re-sync
 * with nothing changed. The simulator runs in a child process so the peak RSS is the
 * ingester's own. Use real PostgreSQL (DATABASE_URL) for figures worth comparing: the
 * embedded database runs inside this process and its memory would count too.
 */

/** The generator gives about 0.75 issues per pull request. */
const ISSUES_PER_PR = 0.75;

export const jiraBenchmark: Benchmark = {
  name: 'jira',
  description:
    'Jira sync of N issues (--issues, default 5000): requests, issues/s, peak RSS; then a no-change re-sync',
  async run(args, json) {
    const wanted = option(args, 'issues', 5000);
    const seed = option(args, 'seed', 42);
    const sim = await spawnSimulator<{ url: string; issues: number; projects: string[] }>(
      './jira-simulator.ts',
      ['--prs', String(Math.round(wanted / ISSUES_PER_PR)), '--seed', String(seed)],
    );
    const { db, drop, embedded } = await benchDatabase();
    try {
      const log = createLogger({ level: 'warn', secrets: [] });
      const api = connectJira(
        {
          baseUrl: sim.info.url,
          auth: { kind: 'basic', email: 'bench@example.com', apiToken: 'bench-token' },
          projects: [],
        },
        log,
      );
      const started = process.hrtime.bigint();
      const first = await syncJira({ db, api, log }, { projects: sim.info.projects });
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const failed = first.filter((r) => r.status !== 'succeeded');
      if (failed.length)
        throw new Error(`sync failed: ${failed.map((r) => `${r.project}: ${r.error}`).join('; ')}`);
      const issues = first.reduce((n, r) => n + r.issues, 0);
      const requests = first.reduce((n, r) => n + r.requests, 0);
      const served = (await sim.stats()).requests;
      if (served !== requests)
        throw new Error(`the ingester counted ${requests} requests, the simulator served ${served}`);
      const result = {
        bench: 'jira',
        issues,
        changelog_entries: first.reduce((n, r) => n + r.changelogEntries, 0),
        requests,
        requests_per_1000_issues: Math.round((requests / issues) * 1000 * 100) / 100,
        issues_per_s: Math.round(issues / seconds),
        peak_rss_mb: peakRssMb(),
      };
      const again = await syncJira({ db, api, log }, { projects: sim.info.projects });
      const resync = {
        bench: 'jira-resync',
        projects: again.length,
        requests: again.reduce((n, r) => n + r.requests, 0),
      };
      if (json) {
        console.log(JSON.stringify(result));
        console.log(JSON.stringify(resync));
      } else {
        console.log(
          `jira: ${issues} issues (${sim.info.issues} on the site), ${result.changelog_entries} changelog entries in ${seconds.toFixed(1)} s` +
            ` — ${requests} requests (${result.requests_per_1000_issues} per 1,000 issues), ${result.issues_per_s} issues/s,` +
            ` peak RSS ${result.peak_rss_mb} MB${embedded ? ' (embedded database in this process: set DATABASE_URL)' : ''}`,
        );
        console.log(
          `jira re-sync, nothing changed: ${resync.requests} requests for ${resync.projects} projects`,
        );
      }
    } finally {
      sim.stop();
      await drop();
    }
  },
};
