import { MINUTE } from '../calendar.js';
import type { DeploymentStatusW, DeploymentW, ReleaseW, WorkflowRunW } from '../types.js';
import type { RepoState, TeamSimulation } from './state.js';

/** What GitHub shows of a deployment, by source: deployments and their statuses, releases, workflow runs. */

export function deploymentStatus(
  sim: TeamSimulation,
  state: DeploymentStatusW['state'],
  at: number,
): DeploymentStatusW {
  const n = sim.counters.status++;
  return {
    id: `DES_kwDO${Buffer.from(`s:${n}`).toString('base64url')}`,
    databaseId: n,
    state,
    createdAt: at,
  };
}

/** A deployment going through `states`, each some seconds after the last; the final one minutes later. */
export function deployment(
  sim: TeamSimulation,
  repo: RepoState,
  environment: string,
  sha: string,
  ref: string,
  at: number,
  states: DeploymentStatusW['state'][],
): DeploymentW {
  const { rng, counters } = sim;
  const n = counters.deployment++;
  let t = at;
  const statuses = states.map((s, i) => {
    t += i === states.length - 1 ? rng.int(4, 18) * MINUTE : rng.int(10, 60) * 1000;
    return deploymentStatus(sim, s, t);
  });
  const d: DeploymentW = {
    id: `DE_kwDO${Buffer.from(`d:${n}`).toString('base64url')}`,
    databaseId: n,
    repo: repo.plan.name,
    environment,
    sha,
    ref,
    task: 'deploy',
    createdAt: at,
    creator: 'github-actions[bot]',
    statuses,
  };
  repo.world.deployments.push(d);
  return d;
}

export interface NewRelease {
  tag: string;
  sha: string;
  createdAt: number;
  publishedAt: number | null;
  isDraft: boolean;
  isPrerelease: boolean;
}

/** A release by one of the team (not yet added to the repository). */
export function release(sim: TeamSimulation, o: NewRelease): ReleaseW {
  const n = sim.counters.release++;
  return {
    id: `RE_kwDO${Buffer.from(`r:${n}`).toString('base64url')}`,
    databaseId: n,
    tagName: o.tag,
    name: o.tag,
    sha: o.sha,
    createdAt: o.createdAt,
    publishedAt: o.publishedAt,
    isDraft: o.isDraft,
    isPrerelease: o.isPrerelease,
    author: sim.rng.pick(sim.humans).login,
  };
}

/** A run of the deploy workflow, and beside it a CI run on the same commit. */
export function workflowRun(
  sim: TeamSimulation,
  repo: RepoState,
  sha: string,
  at: number,
  conclusion: 'success' | 'failure',
): WorkflowRunW {
  const { rng, counters } = sim;
  const r: WorkflowRunW = {
    id: counters.run++,
    workflowId: 9_000_000 + repo.world.databaseId,
    name: repo.plan.deployWorkflow ?? 'Deploy',
    path: '.github/workflows/deploy.yml',
    headBranch: 'main',
    headSha: sha,
    event: 'push',
    createdAt: at,
    startedAt: at + rng.int(5, 60) * 1000,
    updatedAt: at + rng.int(4, 15) * MINUTE,
    conclusion,
    runNumber: ++repo.runNumber,
    actor: 'github-actions[bot]',
  };
  repo.world.workflowRuns.push(r);
  // The ingester must not count a run of another workflow on the same commit.
  repo.world.workflowRuns.push({
    ...r,
    id: counters.run++,
    workflowId: r.workflowId + 1,
    name: 'CI',
    path: '.github/workflows/ci.yml',
    runNumber: r.runNumber,
    conclusion: 'success',
  });
  return r;
}
