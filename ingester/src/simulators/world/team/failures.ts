import { after, HOUR, MINUTE } from '../calendar.js';
import type { Person, RemediationKind } from '../types.js';
import { queueMerge, type Delivery } from './delivery-state.js';
import { alsoIncident, startIncident } from './incidents.js';
import { openPullRequest, openRevert } from './pull-requests.js';
import type { DraftPr, RepoState, TruthDraft } from './state.js';
import { TOPICS } from './words.js';

/** Bad deployments: how each comes to light and what the team does to put it right. */

/** What the team can do about a bad deployment, by weight. */
export function remedies(o: {
  canRollBack: boolean;
  canRevert: boolean;
  canOpenIncident: boolean;
}): [RemediationKind, number][] {
  const kinds: [RemediationKind, number][] = [];
  if (o.canRollBack) kinds.push(['rollback', 30]);
  if (o.canRevert) kinds.push(['revert', 25]);
  kinds.push(['hotfix', 25]);
  if (o.canOpenIncident) kinds.push(['incident', 20]);
  return kinds;
}

/** `bad` (deployed at `at`) turns out bad: the team picks a remedy and starts on it. */
export function fail(delivery: Delivery, repo: RepoState, bad: TruthDraft, at: number): void {
  const { sim } = delivery;
  const { rng } = sim;
  const shipped = bad.shipsDraft.filter((p) => p.kind !== 'revert' && p.kind !== 'hotfix');
  const previous = repo.deployedPositions[repo.deployedPositions.length - 2];
  const current = repo.deployedPositions[repo.deployedPositions.length - 1]!;
  const othersRecovering = sim.repos.some((r) => r !== repo && r.blockedUntil > at);
  const incidentPossible = !othersRecovering && !delivery.teamHasMergeSource && delivery.frozenUntil < at;
  const kind = rng.weighted(
    remedies({
      canRollBack: repo.plan.source === 'deployments' && previous !== undefined && previous < current,
      canRevert: shipped.length > 0,
      canOpenIncident: incidentPossible,
    }),
  );
  const author = rng.pick(sim.humans);
  if (kind === 'rollback') startRollback(delivery, repo, bad, previous!);
  else if (kind === 'revert') startRevert(delivery, repo, bad, rng.pick(shipped));
  else if (kind === 'hotfix') startHotfix(delivery, repo, bad, author);
  else startIncident(delivery, repo, bad, author);
  if (kind !== 'incident') {
    const share = sim.spec.incidentAlsoShare ?? 0;
    if (share > 0 && incidentPossible && rng.chance(share)) alsoIncident(sim, bad, author);
  }
}

/**
 * In a repository that deploys on merge, a bad merge is put right by reverting one of the
 * PRs it shipped; the revert's merge is the deployment that restores service.
 */
export function revertShippedMerge(delivery: Delivery, repo: RepoState, bad: TruthDraft, at: number): void {
  const target = bad.shipsDraft.find((p) => p.kind !== 'revert' && p.kind !== 'hotfix');
  if (!target) return;
  const revert = openRevert(delivery.sim, repo, target, at);
  bad.failure = {
    kind: 'revert',
    signalAt: revert.mergedAt!,
    restoredAt: revert.mergedAt!,
    withinWindow: true,
  };
  queueMerge(delivery, repo, revert);
}

function startRollback(delivery: Delivery, repo: RepoState, bad: TruthDraft, toPosition: number): void {
  const when = after(bad.finishedAt, delivery.sim.rng.lognormal(40 * MINUTE, 0.5));
  repo.blockedUntil = when + 2 * HOUR;
  bad.failure = { kind: 'rollback', signalAt: when, restoredAt: when, withinWindow: true };
  delivery.queue.push(when, { kind: 'rollback', repo, bad, toPosition });
}

function startRevert(delivery: Delivery, repo: RepoState, bad: TruthDraft, target: DraftPr): void {
  const revert = openRevert(delivery.sim, repo, target, bad.finishedAt);
  queueMerge(delivery, repo, revert);
  const deployAt = after(revert.mergedAt!, delivery.sim.rng.int(10, 30) * MINUTE);
  repo.blockedUntil = deployAt + HOUR;
  bad.failure = { kind: 'revert', signalAt: revert.mergedAt!, restoredAt: null, withinWindow: true };
  delivery.queue.push(deployAt, { kind: 'fix-deploy', repo, bad, as: 'revert' });
}

/**
 * A hotfix PR, marked as one by its branch, its label or both. Where the repository allows,
 * it is deployed from its branch before it merges; otherwise after.
 */
function startHotfix(delivery: Delivery, repo: RepoState, bad: TruthDraft, author: Person): void {
  const { sim } = delivery;
  const { rng } = sim;
  const style = rng.weighted([
    ['both', 30],
    ['branch', 40],
    ['label', 30],
  ] as const);
  const hotfix = openPullRequest(sim, {
    repo,
    kind: 'hotfix',
    author,
    start: after(bad.finishedAt, rng.lognormal(50 * MINUTE, 0.5)),
    issue: null,
    topic: rng.pick(TOPICS),
    branchStyle: style === 'label' ? 'fix' : 'hotfix',
    labels: style === 'branch' ? [] : ['hotfix'],
    fast: true,
    reviewRounds: 0,
  });
  bad.failure = { kind: 'hotfix', signalAt: hotfix.createdAt, restoredAt: null, withinWindow: true };
  if (repo.plan.branchHotfixes) deployFromBranch(delivery, repo, bad, hotfix);
  else {
    const deployAt = after(hotfix.mergedAt!, rng.int(10, 30) * MINUTE);
    repo.blockedUntil = deployAt + HOUR;
    delivery.queue.push(deployAt, { kind: 'fix-deploy', repo, bad, as: 'hotfix' });
  }
  queueMerge(delivery, repo, hotfix);
}

/** Cut from what production runs, not from main, deployed, and merged only after it went out. */
function deployFromBranch(delivery: Delivery, repo: RepoState, bad: TruthDraft, hotfix: DraftPr): void {
  const { rng } = delivery.sim;
  hotfix.baseOid = bad.sha;
  const deployAt = after(hotfix.createdAt, rng.lognormal(35 * MINUTE, 0.4));
  const mergeAt = Math.max(hotfix.mergedAt ?? 0, after(deployAt, rng.lognormal(2 * HOUR, 0.5)));
  hotfix.mergedAt = mergeAt;
  hotfix.closedAt = mergeAt;
  hotfix.reviews = hotfix.reviews.filter((r) => r.submittedAt < mergeAt);
  repo.blockedUntil = mergeAt + 30 * MINUTE;
  delivery.queue.push(deployAt, { kind: 'branch-deploy', repo, bad, pr: hotfix });
}
