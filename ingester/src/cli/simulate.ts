import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { GitHubSimulator } from '../simulators/github/server.js';
import { startJiraSimulator } from '../simulators/jira/server.js';
import { organisationFileFor } from '../simulators/organisation.js';
import { DAY, HOUR } from '../simulators/world/calendar.js';
import { defaultSpec, generateWorld } from '../simulators/world/generate.js';
import type { World } from '../simulators/world/types.js';
import { boot } from './bootstrap.js';
import { port, wholeNumber } from './options.js';

export const SIMULATED = {
  githubToken: 'ghp_simulated_token',
  jiraEmail: 'demo@example.com',
  jiraToken: 'simulated-api-token',
};

export interface Simulation {
  world: World;
  github: GitHubSimulator;
  jira: Awaited<ReturnType<typeof startJiraSimulator>>;
  orgFile: string;
  stop(): Promise<void>;
}

/** The organisation to generate and the ports to serve it on (0: any free port). */
interface SimulationOptions {
  prs: number;
  repos: number;
  days: number;
  seed: number;
  githubPort: number;
  jiraPort: number;
}

/** Generates an organisation that ends now and serves it as GitHub and Jira on loopback. */
export async function startSimulation(
  o: SimulationOptions & {
    dataDir: string;
    /** When the organisation's history ends (default: this hour). */
    end?: number;
  },
): Promise<Simulation> {
  const end = o.end ?? Math.floor(Date.now() / HOUR) * HOUR;
  const world = generateWorld(
    defaultSpec({ prs: o.prs, repos: o.repos, seed: o.seed, start: end - o.days * DAY, end }),
  );
  const github = new GitHubSimulator(world);
  await github.start(o.githubPort);
  const jira = await startJiraSimulator(world, { port: o.jiraPort });
  mkdirSync(resolve(o.dataDir), { recursive: true });
  const orgFile = join(resolve(o.dataDir), 'simulated-organisation.yaml');
  writeFileSync(orgFile, organisationFileFor(world));
  return {
    world,
    github,
    jira,
    orgFile,
    async stop() {
      await github.stop();
      await jira.stop();
    },
  };
}

export function simulationEnvironment(s: Simulation): Record<string, string> {
  return {
    GITHUB_API_URL: s.github.url,
    GITHUB_TOKEN: SIMULATED.githubToken,
    GITHUB_ORG: s.world.org.login,
    JIRA_BASE_URL: s.jira.url,
    JIRA_EMAIL: SIMULATED.jiraEmail,
    JIRA_API_TOKEN: SIMULATED.jiraToken,
    JIRA_PROJECTS: s.world.jira.projects.map((p) => p.key).join(','),
    ENGMETRICS_CONFIG: s.orgFile,
  };
}

export function simulateCommand(program: Command): void {
  program
    .command('simulate')
    .description('serve a generated organisation as GitHub and Jira on loopback, to try the ingester by hand')
    .option('--prs <n>', 'pull requests to generate', wholeNumber(1), 2000)
    .option('--repos <n>', 'repositories', wholeNumber(1), 10)
    .option('--days <n>', 'days of history, ending now', wholeNumber(1), 180)
    .option('--seed <n>', 'generator seed (the same seed gives the same organisation)', wholeNumber(1), 42)
    .option('--github-port <port>', 'GitHub simulator port (0: any free port)', port, 0)
    .option('--jira-port <port>', 'Jira simulator port (0: any free port)', port, 0)
    .option('--now <instant>', 'end the history at this instant (ISO 8601, as ENGMETRICS_NOW) instead of now')
    .action(async (opts: SimulationOptions & { now?: string }) => {
      if (opts.now !== undefined) process.env.ENGMETRICS_NOW = opts.now;
      const { settings, log } = boot();
      const end = Math.floor(settings.clock.now().getTime() / HOUR) * HOUR;
      const sim = await startSimulation({ ...opts, end, dataDir: settings.database.dataDir });
      const env = simulationEnvironment(sim);
      const w = sim.world;
      process.stdout.write(
        [
          '',
          `  GitHub  ${sim.github.url}  organisation ${w.org.login}: ${w.repos.length} repositories, ${w.repos.reduce((n, r) => n + r.pullRequests.length, 0)} pull requests`,
          `  Jira    ${sim.jira.url}  projects ${env.JIRA_PROJECTS}: ${w.jira.issues.length} issues, ${w.jira.sprints.length} sprints`,
          '',
          '  In another terminal:',
          ...Object.entries(env).map(([k, v]) => `    export ${k}=${v}`),
          '    npm run engmetrics -- sync github && npm run engmetrics -- sync jira',
          '',
        ].join('\n') + '\n',
      );
      log.info({ github: sim.github.url, jira: sim.jira.url }, 'simulating');
      const stop = () => void sim.stop().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
