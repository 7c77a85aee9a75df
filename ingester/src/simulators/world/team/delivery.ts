import { DAY, toWorkingTime } from '../calendar.js';
import { nextTick, newDelivery, queueMerge, type Delivery, type DeliveryEvent } from './delivery-state.js';
import { deploy, recordMergeDeployment } from './deployments.js';
import { fail, revertShippedMerge } from './failures.js';
import { resolveIncident } from './incidents.js';
import { restore } from './recovery.js';
import { mainlineMerge, pushVersionBump } from './repositories.js';
import type { TeamSimulation } from './state.js';

/**
 * Delivery, once all the code work is known: merges land on the default branch, each
 * repository deploys what it holds at the team's pace, some deployments turn out bad, and
 * the remedies (rollbacks, reverts, hotfixes, incidents) go out in turn.
 */
export function deliver(sim: TeamSimulation): void {
  const delivery = newDelivery(sim);
  const { rng, spec } = sim;
  const { queue } = delivery;
  for (const repo of sim.repos) {
    for (const pr of repo.prs) queueMerge(delivery, repo, pr);
    if (repo.plan.source !== 'merges')
      queue.push(nextTick(sim, repo, spec.start + rng.next() * DAY), { kind: 'tick', repo });
    if (repo.plan.source === 'deployments')
      queue.push(toWorkingTime(spec.start + rng.exponential(10 * DAY)), { kind: 'push', repo });
  }
  // What is still under way at the end of the period has not happened yet.
  for (let ev = queue.pop(); ev && ev.at <= spec.end; ev = queue.pop()) handle(delivery, ev.at, ev.value);
}

function handle(delivery: Delivery, at: number, e: DeliveryEvent): void {
  switch (e.kind) {
    case 'merge':
      return onMerge(delivery, at, e);
    case 'push':
      return onPush(delivery, at, e);
    case 'tick':
      return onTick(delivery, at, e);
    case 'rollback':
      return onRollback(delivery, at, e);
    case 'fix-deploy':
      return onFixDeploy(delivery, at, e);
    case 'branch-deploy':
      return onBranchDeploy(delivery, at, e);
  }
}

type EventOf<K extends DeliveryEvent['kind']> = Extract<DeliveryEvent, { kind: K }>;

/** At the team's failure rate, but not near the end, where the remedy would fall past it. */
function mayFail(delivery: Delivery, at: number): boolean {
  const { rng, team, spec } = delivery.sim;
  return rng.chance(team.failRate) && at < spec.end - 4 * DAY;
}

function onMerge(delivery: Delivery, at: number, e: EventOf<'merge'>): void {
  const { sim } = delivery;
  mainlineMerge(sim, e.repo, e.pr);
  if (e.repo.plan.source !== 'merges') return;
  const d = recordMergeDeployment(sim, e.repo, e.pr, at);
  if (!d.baseline && d.reworkOf === null && e.pr.kind !== 'bot' && mayFail(delivery, at))
    revertShippedMerge(delivery, e.repo, d, at);
}

function onPush(delivery: Delivery, at: number, e: EventOf<'push'>): void {
  const { sim } = delivery;
  pushVersionBump(sim, e.repo, at);
  delivery.queue.push(toWorkingTime(at + sim.rng.exponential(12 * DAY)), { kind: 'push', repo: e.repo });
}

/** Deploys the head of the default branch if production does not have it yet. */
function onTick(delivery: Delivery, at: number, e: EventOf<'tick'>): void {
  const { sim, queue } = delivery;
  const repo = e.repo;
  const wait = Math.max(repo.blockedUntil, delivery.frozenUntil);
  if (wait > at) {
    // Frozen until an open incident is resolved: look again tomorrow.
    queue.push(Number.isFinite(wait) ? nextTick(sim, repo, wait) : at + DAY, { kind: 'tick', repo });
    return;
  }
  const head = repo.world.mainline.length - 1;
  if (head > repo.maxDeployed) {
    const d = deploy(sim, repo, head, at, null);
    if (!d.baseline && mayFail(delivery, at)) fail(delivery, repo, d, at);
  }
  queue.push(nextTick(sim, repo, at), { kind: 'tick', repo });
}

function onRollback(delivery: Delivery, at: number, e: EventOf<'rollback'>): void {
  const d = deploy(delivery.sim, e.repo, e.toPosition, at, 'rollback');
  const f = e.bad.failure;
  if (f?.restores) {
    // Alongside an incident (spec.incidentAlsoShare): known from the earlier of the two.
    f.signalAt = Math.min(f.signalAt, d.finishedAt);
    restore(f, 'rollback', d.finishedAt);
  } else
    e.bad.failure = {
      kind: 'rollback',
      signalAt: d.finishedAt,
      restoredAt: d.finishedAt,
      withinWindow: true,
    };
}

/** The fix is live; an incident it was for is resolved after it, and the team unfreezes. */
function onFixDeploy(delivery: Delivery, at: number, e: EventOf<'fix-deploy'>): void {
  const { sim } = delivery;
  const d = deploy(sim, e.repo, e.repo.world.mainline.length - 1, at, e.as);
  if (!e.bad.failure) return;
  const resolved = e.incident ? resolveIncident(sim, e.incident, d.finishedAt) : d.finishedAt;
  restore(e.bad.failure, e.as, Math.max(d.finishedAt, resolved));
  if (e.incident) delivery.frozenUntil = resolved;
}

function onBranchDeploy(delivery: Delivery, at: number, e: EventOf<'branch-deploy'>): void {
  const d = deploy(delivery.sim, e.repo, -1, at, 'hotfix', e.pr);
  if (e.bad.failure) restore(e.bad.failure, 'hotfix', d.finishedAt);
}
