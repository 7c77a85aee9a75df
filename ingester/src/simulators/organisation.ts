import { stringify } from 'yaml';
import type { World } from './world/types.js';

/**
 * The organisation file that describes a generated world the way a user would describe
 * theirs: teams with their repositories and Jira projects and boards, the deploy
 * workflow of the repository that deploys with Actions, and the workflow's extra stages.
 */
export function organisationFileFor(world: World): string {
  const teams = world.teams.map((t) => ({
    name: t.name,
    github: { repos: world.repos.filter((r) => r.team === t.name).map((r) => r.name) },
    jira: { projects: [t.projectKey], boards: [t.boardId] },
  }));
  const repos = Object.fromEntries(
    world.repos
      .filter((r) => r.source === 'workflow')
      .map((r) => [r.name, { source: 'workflow', workflow: r.deployWorkflow }]),
  );
  return stringify({
    teams,
    statusStages: { 'In Review': 'waiting', Blocked: 'waiting' },
    flowItems: { Story: 'feature', Task: 'debt', Bug: 'defect', Incident: 'defect', Epic: 'feature' },
    incidents: { issueTypes: ['Incident'], labels: ['incident'] },
    deployments: { repos },
  });
}
