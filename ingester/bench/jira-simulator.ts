/**
 * Starts the Jira simulator over a generated organisation in a process of its own and
 * prints one JSON line: `{"url":…,"issues":…,"projects":[…]}`. The Jira benchmark runs it
 * as a child so the ingester's memory is measured alone; it serves until killed.
 *
 *   tsx bench/jira-simulator.ts --prs 6667 [--seed 42]
 */
import { startJiraSimulator } from '../src/simulators/jira/server.js';
import { defaultSpec, generateWorld } from '../src/simulators/world/generate.js';
import { option } from './support.js';

const args = process.argv.slice(2);
const world = generateWorld(defaultSpec({ prs: option(args, 'prs', 6667), seed: option(args, 'seed', 42) }));
const sim = await startJiraSimulator(world);
process.stdout.write(
  `${JSON.stringify({
    url: sim.url,
    issues: world.jira.issues.filter((i) => i.createdAt <= sim.getNow()).length,
    projects: world.jira.projects.map((p) => p.key),
  })}\n`,
);
const stop = () => void sim.stop().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
