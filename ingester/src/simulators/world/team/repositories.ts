import { createHash } from 'node:crypto';
import { DAY } from '../calendar.js';
import type { RepoPlan } from '../profiles.js';
import type { Random } from '../random.js';
import type { CommitW, RepoWorld, WorldSpec } from '../types.js';
import type { Counters, DraftPr, RepoState, TeamSimulation } from './state.js';

/** The default branch of each repository: how it starts, and what merging and version bumps add. */

export function newRepo(
  rng: Random,
  spec: WorldSpec,
  plan: RepoPlan,
  i: number,
  counters: Counters,
): RepoState {
  const { created, mainline } = initialHistory(rng, spec, plan, i, counters);
  return {
    plan,
    world: emptyRepoWorld(plan, created, mainline),
    prs: [],
    prAt: mainline.map(() => null),
    maxDeployed: -1,
    deployedPositions: [],
    shipped: new Set(),
    blockedUntil: -Infinity,
    lastFinishedAt: -Infinity,
    releaseMinor: i,
    runNumber: 0,
  };
}

/** Created long before the period: an initial commit, CI set-up, and a recent dependency update. */
function initialHistory(
  rng: Random,
  spec: WorldSpec,
  plan: RepoPlan,
  i: number,
  counters: Counters,
): { created: number; mainline: CommitW[] } {
  const created = spec.start - rng.int(60, 900) * DAY;
  const mainline: CommitW[] = [];
  let parent: string[] = [];
  for (let k = 0; k < 3; k++) {
    const oid = counters.oid(rng);
    const at = created + k * DAY;
    mainline.push({
      oid,
      authoredAt: at,
      committedAt: at,
      author: null,
      message: k === 0 ? 'Initial commit' : 'Set up CI',
      parents: parent,
      prNumber: null,
    });
    parent = [oid];
  }
  // Work shortly before the period, as in any active repository: the first deployment then
  // deploys a commit the sync's history (from 30 days before the period) holds, and a
  // rollback to it can be placed.
  // (No random draws: the rest of the world stays as the seed made it.)
  const recent = spec.start - (3 + (i % 10)) * DAY;
  mainline.push({
    oid: createHash('sha1').update(`${plan.name}:${created}`).digest('hex'),
    authoredAt: recent,
    committedAt: recent,
    author: null,
    message: 'Update dependencies',
    parents: parent,
    prNumber: null,
  });
  return { created, mainline };
}

function emptyRepoWorld(plan: RepoPlan, created: number, mainline: CommitW[]): RepoWorld {
  return {
    id: '',
    databaseId: 0,
    name: plan.name,
    team: '',
    createdAt: created,
    defaultBranch: 'main',
    source: plan.source,
    mergeStyle: plan.mergeStyle,
    deployWorkflow: plan.deployWorkflow,
    productionEnvironment: plan.productionEnvironment,
    pullRequests: [],
    mainline,
    sideCommits: [],
    deployments: [],
    releases: [],
    workflowRuns: [],
  };
}

/** Merges `pr` into the default branch: a merge commit (and its branch's commits) or a squash. */
export function mainlineMerge(sim: TeamSimulation, repo: RepoState, pr: DraftPr): void {
  const line = repo.world.mainline;
  const head = line[line.length - 1]!;
  const oid = sim.counters.oid(sim.rng);
  if (repo.plan.mergeStyle === 'merge') {
    pr.commits.forEach((c, i) =>
      repo.world.sideCommits.push({
        ...c,
        parents: [i === 0 ? head.oid : pr.commits[i - 1]!.oid],
        prNumber: null,
        mergedAt: pr.mergedAt!,
      }),
    );
    line.push({
      oid,
      authoredAt: pr.mergedAt!,
      committedAt: pr.mergedAt!,
      author: pr.mergedBy,
      message: '',
      parents: [head.oid, pr.headOid],
      prNumber: null,
    });
  } else {
    line.push({
      oid,
      authoredAt: pr.commits[0]!.authoredAt,
      committedAt: pr.mergedAt!,
      author: pr.author,
      message: '',
      parents: [head.oid],
      prNumber: null,
    });
  }
  pr.mergeCommitOid = oid;
  if (!pr.baseOid) pr.baseOid = head.oid;
  repo.prAt.push(pr);
}

/** A release bot's commit straight to the default branch: something to deploy that no PR brought. */
export function pushVersionBump(sim: TeamSimulation, repo: RepoState, at: number): void {
  const head = repo.world.mainline[repo.world.mainline.length - 1]!;
  repo.world.mainline.push({
    oid: sim.counters.oid(sim.rng),
    authoredAt: at,
    committedAt: at,
    author: 'github-actions[bot]',
    message: 'chore(release): bump version',
    parents: [head.oid],
    prNumber: null,
  });
  repo.prAt.push(null);
}
