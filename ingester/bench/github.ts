import { parseOrganisation } from '../src/config/organisation.js';
import { createLogger } from '../src/log.js';
import { createGitHubClient } from '../src/sources/github/client.js';
import { syncGitHub } from '../src/sources/github/sync.js';
import type { Benchmark } from './main.js';
import { benchDatabase, option, peakRssMb, spawnSimulator } from './support.js';

/**
 * `npm run bench -- github [--prs N] [--repos R] [--json]`: a first sync of a simulated
 * organisation (default 5,000 PRs over 10 repositories) into a fresh database, then a
 * re-sync with nothing changed. Requests are counted by the simulator, which runs in
 * its own process so the peak RSS is the ingester's.
 */
export const githubBenchmark: Benchmark = {
  name: 'github',
  description: 'full GitHub sync of a simulated organisation, then a no-change re-sync',
  async run(args, json) {
    const prsWanted = option(args, 'prs', 5000);
    const sim = await spawnSimulator<{
      url: string;
      start: number;
      prs: number;
      repos: number;
      minRequests: number;
      workflowRepos: { name: string; workflow: string }[];
    }>('./github-simulator.ts', [
      '--prs',
      String(prsWanted),
      '--repos',
      String(option(args, 'repos', 10)),
      '--seed',
      String(option(args, 'seed', 42)),
    ]);
    const { db, drop } = await benchDatabase();
    try {
      const log = createLogger({ level: 'silent' });
      const organisation = parseOrganisation(
        `deployments:\n  repos:\n${sim.info.workflowRepos.map((r) => `    ${r.name}: { source: workflow, workflow: ${r.workflow} }`).join('\n') || '    {}'}\n`,
      );
      const { client } = createGitHubClient(
        { apiUrl: sim.info.url, token: 'ghp_bench_token', repos: [], org: 'acme' },
        log,
      );
      await sim.reset();
      const started = performance.now();
      const results = await syncGitHub(
        { db, client, organisation, log },
        { org: 'acme', patterns: [], since: new Date(sim.info.start) },
      );
      const seconds = (performance.now() - started) / 1000;
      const failed = results.filter((r) => r.status !== 'succeeded');
      if (failed.length)
        throw new Error(`sync failed: ${failed.map((f) => `${f.repo}: ${f.error}`).join('; ')}`);
      const stats = await sim.stats();
      const prs = results.reduce((n, r) => n + r.prs, 0);
      const line = {
        bench: 'github',
        prs,
        requests: stats.requests,
        graphql_points: stats.graphqlPoints ?? 0,
        requests_per_1000_prs: Math.round((stats.requests / prs) * 1000 * 10) / 10,
        min_requests: sim.info.minRequests,
        prs_per_s: Math.round(prs / seconds),
        peak_rss_mb: peakRssMb(),
      };
      await sim.reset();
      await syncGitHub({ db, client, organisation, log }, { org: 'acme', patterns: [] });
      const again = await sim.stats();
      const resync = { bench: 'github-resync', repos: sim.info.repos, requests: again.requests };
      if (json) {
        console.log(JSON.stringify(line));
        console.log(JSON.stringify(resync));
      } else {
        console.log(
          `GitHub: ${prs} PRs in ${seconds.toFixed(1)} s (${line.prs_per_s}/s), ${stats.requests} requests (${line.requests_per_1000_prs} per 1,000 PRs; fewest possible ${line.min_requests}), ${line.graphql_points} GraphQL points, peak RSS ${line.peak_rss_mb} MB`,
        );
        console.log(
          `re-sync with nothing new: ${again.requests} requests for ${sim.info.repos} repositories`,
        );
      }
    } finally {
      sim.stop();
      await drop();
    }
  },
};
