import { HOUR, MINUTE } from '../calendar.js';
import type { RemediationKind } from '../types.js';
import { deployment, deploymentStatus, release, workflowRun } from './deploy-records.js';
import type { DraftPr, RepoState, TeamSimulation, TruthDraft } from './state.js';

/**
 * Production deployments, in the repository's source's own terms (a GitHub deployment, a
 * published release, a successful workflow run, a merge), and the truth of what each shipped.
 */

interface Target {
  repo: RepoState;
  /** Mainline position deployed (ignored for a branch deployment). */
  position: number;
  reworkOf: RemediationKind | null;
  /** A hotfix deployed from its branch before it merges. */
  branchPr?: DraftPr;
  sha: string;
}

/** Deploys mainline `position` (or `branchPr`'s head) starting at `at`. */
export function deploy(
  sim: TeamSimulation,
  repo: RepoState,
  position: number,
  at: number,
  reworkOf: RemediationKind | null,
  branchPr?: DraftPr,
): TruthDraft {
  const sha = branchPr ? branchPr.headOid : repo.world.mainline[position]!.oid;
  const target: Target = { repo, position, reworkOf, sha };
  if (branchPr) target.branchPr = branchPr;
  switch (repo.plan.source) {
    case 'releases':
      return publishRelease(sim, target, at);
    case 'workflow':
      return runDeployWorkflow(sim, target, at);
    default:
      return deployToEnvironments(sim, target, at);
  }
}

/**
 * A repository's production deploys go out one at a time (an environment's queue), so they
 * go live in the order they started: one finishing before an earlier one would leave
 * production on the older code, a rollback the generator did not intend.
 */
function earliestLive(repo: RepoState): number {
  return repo.lastFinishedAt + MINUTE;
}

/** Now and then a release candidate a couple of hours before, or a draft left lying about. */
function publishRelease(sim: TeamSimulation, target: Target, at: number): TruthDraft {
  const { rng } = sim;
  const { repo, sha } = target;
  repo.releaseMinor += 1;
  const version = `v1.${repo.releaseMinor}.0`;
  if (rng.chance(0.15)) {
    const rcAt = at - 2 * HOUR;
    repo.world.releases.push(
      release(sim, {
        tag: `${version}-rc.1`,
        sha,
        createdAt: rcAt,
        publishedAt: rcAt,
        isDraft: false,
        isPrerelease: true,
      }),
    );
  }
  if (rng.chance(0.05))
    repo.world.releases.push(
      release(sim, {
        tag: `${version}-draft`,
        sha,
        createdAt: at - HOUR,
        publishedAt: null,
        isDraft: true,
        isPrerelease: false,
      }),
    );
  const publish = Math.max(at + rng.int(1, 10) * MINUTE, earliestLive(repo));
  const r = release(sim, {
    tag: version,
    sha,
    createdAt: at,
    publishedAt: publish,
    isDraft: false,
    isPrerelease: false,
  });
  repo.world.releases.push(r);
  return record(sim, target, r.id, r.publishedAt!);
}

/** Sometimes the first run fails and is re-run a little later. */
function runDeployWorkflow(sim: TeamSimulation, target: Target, at: number): TruthDraft {
  const { rng } = sim;
  const { repo, sha } = target;
  let t = at;
  if (rng.chance(0.05)) {
    const failed = workflowRun(sim, repo, sha, t, 'failure');
    sim.result.failedAttempts.push({
      repo: repo.plan.name,
      deploymentId: String(failed.id),
      at: failed.updatedAt,
    });
    t = failed.updatedAt + rng.int(10, 30) * MINUTE;
  }
  const ok = workflowRun(sim, repo, sha, Math.max(t, earliestLive(repo)), 'success');
  return record(sim, target, String(ok.id), ok.updatedAt);
}

/** GitHub deployments: staging first (not for a branch), then production, which may fail once. */
function deployToEnvironments(sim: TeamSimulation, target: Target, at: number): TruthDraft {
  const { rng } = sim;
  const { repo, sha, branchPr } = target;
  const ref = branchPr ? `hotfix/${branchPr.topic.replace(/\W+/g, '-').toLowerCase()}` : 'main';
  const environment = repo.plan.productionEnvironment;
  let t = branchPr ? at : deployToStaging(sim, repo, sha, ref, at);
  if (rng.chance(0.05)) {
    const failed = deployment(sim, repo, environment, sha, ref, t, [
      'in_progress',
      rng.chance(0.8) ? 'failure' : 'error',
    ]);
    sim.result.failedAttempts.push({
      repo: repo.plan.name,
      deploymentId: failed.id,
      at: failed.statuses[failed.statuses.length - 1]!.createdAt,
    });
    t = failed.statuses[1]!.createdAt + rng.int(10, 40) * MINUTE;
  }
  const prod = deployment(sim, repo, environment, sha, ref, Math.max(t, earliestLive(repo)), [
    'queued',
    'in_progress',
    'success',
  ]);
  return record(sim, target, prod.id, prod.statuses[prod.statuses.length - 1]!.createdAt);
}

/** Deploys to staging, retiring the staging deployments before it; returns when production may start. */
function deployToStaging(sim: TeamSimulation, repo: RepoState, sha: string, ref: string, at: number): number {
  const staging = deployment(sim, repo, 'staging', sha, ref, at, ['in_progress', 'success']);
  const live = staging.statuses[1]!.createdAt;
  for (const prev of repo.world.deployments)
    if (
      prev !== staging &&
      prev.environment === 'staging' &&
      !prev.statuses.some((s) => s.state === 'inactive')
    )
      prev.statuses.push(deploymentStatus(sim, 'inactive', live));
  return live + sim.rng.int(2, 10) * MINUTE;
}

/** A merge deployed by merging (source `merges`): the merge commit is what went live. */
export function recordMergeDeployment(
  sim: TeamSimulation,
  repo: RepoState,
  pr: DraftPr,
  at: number,
): TruthDraft {
  const position = repo.world.mainline.length - 1;
  const target: Target = {
    repo,
    position,
    reworkOf: pr.kind === 'revert' ? 'revert' : null,
    sha: repo.world.mainline[position]!.oid,
  };
  return record(sim, target, pr.mergeCommitOid!, at);
}

/** Records a production deployment: it ships every PR merged above what production already held. */
function record(sim: TeamSimulation, target: Target, key: string, finishedAt: number): TruthDraft {
  const { repo, position, branchPr } = target;
  const baseline = repo.deployedPositions.length === 0;
  const shipsDraft = newlyShipped(repo, position, baseline, branchPr);
  for (const pr of shipsDraft) repo.shipped.add(pr);
  // A branch deployment leaves the default branch where production had it.
  const effective = branchPr
    ? (repo.deployedPositions[repo.deployedPositions.length - 1] ?? position)
    : position;
  repo.maxDeployed = Math.max(repo.maxDeployed, effective);
  repo.deployedPositions.push(effective);
  repo.lastFinishedAt = Math.max(repo.lastFinishedAt, finishedAt);
  const truth: TruthDraft = {
    repo: repo.plan.name,
    key,
    source: repo.plan.source,
    finishedAt,
    sha: target.sha,
    baseline,
    shipsDraft,
    reworkOf: target.reworkOf,
    failure: null,
  };
  sim.result.deployments.push(truth);
  return truth;
}

/** The first deployment only sets where production stands: it ships nothing. */
function newlyShipped(repo: RepoState, position: number, baseline: boolean, branchPr?: DraftPr): DraftPr[] {
  if (branchPr) return [branchPr];
  const ships: DraftPr[] = [];
  if (!baseline)
    for (let i = repo.maxDeployed + 1; i <= position; i++) {
      const pr = repo.prAt[i];
      if (pr && !repo.shipped.has(pr)) ships.push(pr);
    }
  return ships;
}
