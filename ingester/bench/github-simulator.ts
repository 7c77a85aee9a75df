/**
 * Starts the GitHub simulator over a generated organisation in a process of its own and
 * prints one JSON line with its URL and the sizes a benchmark needs; serves until killed.
 *
 *   tsx bench/github-simulator.ts --prs 5000 [--repos 10] [--seed 42]
 */
import { GitHubSimulator } from '../src/simulators/github/server.js';
import { defaultSpec, generateWorld } from '../src/simulators/world/generate.js';
import { option } from './support.js';

const args = process.argv.slice(2);
const world = generateWorld(
  defaultSpec({
    prs: option(args, 'prs', 5000),
    repos: option(args, 'repos', 10),
    seed: option(args, 'seed', 42),
  }),
);
const sim = new GitHubSimulator(world);
await sim.start();
const end = world.spec.end;
const pages = (n: number) => Math.ceil(n / 100);
const repos = world.repos.map((r) => {
  const prs = r.pullRequests.filter((p) => p.createdAt <= end).length;
  const history =
    r.mainline.filter((c) => c.committedAt <= end && c.committedAt >= world.spec.start - 31 * 86_400_000)
      .length + r.sideCommits.filter((c) => (c.mergedAt ?? 0) <= end).length;
  const deployments = r.deployments.filter((d) => d.createdAt <= end).length;
  const releases = r.releases.filter((x) => x.createdAt <= end).length;
  const runs =
    r.source === 'workflow'
      ? r.workflowRuns.filter((w) => w.name === r.deployWorkflow && w.updatedAt <= end).length
      : 0;
  return {
    name: r.name,
    prs,
    min:
      Math.max(1, pages(prs), pages(history), pages(deployments), pages(releases)) +
      (runs ? 1 + pages(runs) : 0),
  };
});
process.stdout.write(
  `${JSON.stringify({
    url: sim.url,
    start: world.spec.start,
    prs: repos.reduce((n, r) => n + r.prs, 0),
    repos: repos.length,
    workflowRepos: world.repos
      .filter((r) => r.source === 'workflow')
      .map((r) => ({ name: r.name, workflow: r.deployWorkflow })),
    // One request per list page, lists of a repository read side by side, plus the repository listing.
    minRequests: pages(repos.length) + repos.reduce((n, r) => n + r.min, 0),
  })}\n`,
);
const stop = () => void sim.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
