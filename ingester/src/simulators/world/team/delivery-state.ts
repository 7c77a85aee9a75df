import { addWorkingTime, HOUR } from '../calendar.js';
import { EventQueue } from '../heap.js';
import type { RemediationKind } from '../types.js';
import { stalledWait } from './cause-effects.js';
import type { DraftIssue, DraftPr, RepoState, TeamSimulation, TruthDraft } from './state.js';

/** What happens next on the way to production, in time order. */
export type DeliveryEvent =
  | { kind: 'merge'; repo: RepoState; pr: DraftPr }
  /** The repository's next chance to deploy what the default branch holds. */
  | { kind: 'tick'; repo: RepoState }
  | { kind: 'push'; repo: RepoState }
  | { kind: 'rollback'; repo: RepoState; bad: TruthDraft; toPosition: number }
  | {
      kind: 'fix-deploy';
      repo: RepoState;
      bad: TruthDraft;
      as: RemediationKind;
      /** An incident that the deployment resolves. */
      incident?: DraftIssue;
    }
  | { kind: 'branch-deploy'; repo: RepoState; bad: TruthDraft; pr: DraftPr };

/** The team's delivery while it runs: the event queue, and what holds deployments back. */
export interface Delivery {
  readonly sim: TeamSimulation;
  readonly queue: EventQueue<DeliveryEvent>;
  /** No repository of the team deploys before then: an open incident freezes them all. */
  frozenUntil: number;
  /** A repository that deploys on merge ignores a freeze: a team with one opens no incidents. */
  readonly teamHasMergeSource: boolean;
  readonly mergeQueued: Set<DraftPr>;
}

export function newDelivery(sim: TeamSimulation): Delivery {
  return {
    sim,
    queue: new EventQueue<DeliveryEvent>(),
    frozenUntil: -Infinity,
    teamHasMergeSource: sim.repos.some((r) => r.plan.source === 'merges'),
    mergeQueued: new Set(),
  };
}

/** Queues the merge of `pr`, once, if it merges within the period. */
export function queueMerge(delivery: Delivery, repo: RepoState, pr: DraftPr): void {
  if (pr.mergedAt !== null && pr.mergedAt <= delivery.sim.spec.end && !delivery.mergeQueued.has(pr)) {
    delivery.mergeQueued.add(pr);
    delivery.queue.push(pr.mergedAt, { kind: 'merge', repo, pr });
  }
}

/** The repository's next deploy window: the team's pace (unless it stalled), counted in working hours. */
export function nextTick(sim: TeamSimulation, repo: RepoState, from: number): number {
  const stalled = stalledWait(sim, repo, from);
  if (stalled !== null) return addWorkingTime(from, stalled);
  return addWorkingTime(from, sim.rng.exponential((11 * HOUR) / sim.team.deploysPerDay));
}
