import { DAY } from './calendar.js';
import type { RepoPlan } from './profiles.js';
import type { InjectedCause, TeamProfile, WorldSpec } from './types.js';

/**
 * Worlds with one known cause of a change in delivery metrics (WorldSpec.injectedCause), to
 * score an explanation of why a metric moved: its top contribution should be the cause.
 */

/** Refuses a cause the organisation could not have: a name it does not have, an instant outside the world. */
export function checkInjectedCause(spec: WorldSpec, teams: TeamProfile[], plans: RepoPlan[]): void {
  const cause = spec.injectedCause;
  if (!cause) return;
  if (!Number.isFinite(cause.from) || cause.from < spec.start || cause.from >= spec.end)
    throw new Error(
      `injectedCause.from must fall within the world, from ${iso(spec.start)} and before ${iso(spec.end)}`,
    );
  switch (cause.kind) {
    case 'slow_review':
    case 'stalled_pipeline': {
      const plan = plans.find((p) => p.name === cause.repo);
      if (!plan)
        throw new Error(
          `injectedCause ${cause.kind} names repository '${cause.repo}', which the organisation does not have (it has ${plans.map((p) => p.name).join(', ')})`,
        );
      if (cause.kind === 'stalled_pipeline' && plan.source === 'merges')
        throw new Error(
          `injectedCause stalled_pipeline names '${cause.repo}', which deploys by merging: it has no pipeline to stall`,
        );
      return;
    }
    case 'large_prs':
    case 'new_team':
      if (!teams.some((t) => t.name === cause.team))
        throw new Error(
          `injectedCause ${cause.kind} names team '${cause.team}', which the organisation does not have (it has ${teams.map((t) => t.name).join(', ')})`,
        );
      return;
    default:
      throw new Error(`unknown injectedCause kind '${(cause as { kind: string }).kind}'`);
  }
}

/**
 * The period a team works in and the pull requests it opens. A new team's history begins at
 * `from`, and it works at its usual pace from then: its share of the organisation's pull
 * requests shrinks with the time it has, so the organisation opens fewer than `spec.prs`.
 */
export function teamPeriod(
  spec: WorldSpec,
  team: TeamProfile,
  prTarget: number,
): { spec: WorldSpec; prTarget: number } {
  const cause = spec.injectedCause;
  if (cause?.kind !== 'new_team' || cause.team !== team.name) return { spec, prTarget };
  const share = (spec.end - cause.from) / (spec.end - spec.start);
  return { spec: { ...spec, start: cause.from }, prTarget: Math.round(prTarget * share) };
}

function iso(t: number): string {
  return new Date(t).toISOString();
}

// ---------- Scenarios ----------

export type CauseDimension = 'repo' | 'team' | 'size_bucket';
export type CauseStage = 'coding' | 'pickup' | 'review' | 'deploy' | null;

/** PR size buckets (additions + deletions), as an explanation by size names them. */
export const SIZE_BUCKETS = ['<50', '50-199', '200-499', '500-999', '1000+'] as const;

export interface InjectedCauseScenario {
  seed: number;
  cause: InjectedCause;
  /** The contribution an explanation of the lead time's change should rank first. */
  expect: { dimension: CauseDimension; segment: string; stage: CauseStage };
}

/** A scenario's world: 180 days, the cause from the middle, ten repositories (every name below exists). */
export const SCENARIO_DAYS = 180;
export const SCENARIO_CAUSE_OFFSET = 90 * DAY;
export const SCENARIO_REPOS = 10;
export const SCENARIO_PRS = 2000;
/** The default world's start (generate.ts defaultSpec): the start the seeds below were chosen for. */
export const SCENARIO_START = Date.UTC(2026, 10, 20, 16, 0) - SCENARIO_DAYS * DAY;

/**
 * The scenarios, kinds in turn and, within a kind, targets in turn. Targets are busy
 * repositories and teams, whose change moves the organisation's lead time; a stalled pipeline
 * only where deploys are usually daily or more (the mobile team's releases already wait days).
 *
 * Seeds are chosen, not drawn: in most organisations the mobile team's release train (a few
 * releases a week, frozen by its incidents) swings the mean lead time by up to a day between
 * the halves of the world, more than a slower review in one repository moves it. These are
 * organisations where the rest holds steady, so that, with its cause, the cause's segment
 * contributes at least twice as much as any other to the change of the mean lead time (and of
 * its segment, its stage at least twice as much as any other stage), and the organisation's
 * mean and median lead time both rise, by more than they move without the cause. The test
 * (injected-causes.test.ts) checks the first.
 */
const SCENARIOS: readonly (readonly [InjectedCause['kind'], string, number])[] = [
  ['slow_review', 'payments-api', 9],
  ['stalled_pipeline', 'platform-gateway', 138],
  ['large_prs', 'payments', 201],
  ['new_team', 'growth', 561],
  ['slow_review', 'platform-gateway', 349],
  ['stalled_pipeline', 'payments-api', 81],
  ['large_prs', 'growth', 237],
  ['new_team', 'mobile', 403],
  ['slow_review', 'growth-site', 546],
  ['stalled_pipeline', 'auth-service', 261],
  ['large_prs', 'platform', 457],
  ['new_team', 'payments', 338],
  ['slow_review', 'payments-api', 395],
  ['stalled_pipeline', 'platform-gateway', 321],
  ['large_prs', 'payments', 114],
  ['new_team', 'growth', 159],
  ['slow_review', 'platform-gateway', 173],
  ['stalled_pipeline', 'payments-api', 50],
  ['large_prs', 'growth', 480],
  ['new_team', 'mobile', 89],
];

/**
 * `count` (at most 20) scenarios: one cause each, from `start + SCENARIO_CAUSE_OFFSET` (the
 * middle of the world), with what an explanation of the change in lead time between the 90
 * days before the cause and the 90 days after should rank first. Build each world with
 * `scenarioSpec(scenario)`, and the same world without the cause by leaving out its
 * `injectedCause`. A `start` a whole number of weeks from `SCENARIO_START` gives the same
 * organisations, moved in time; any other gives other ones, the causes in them unchecked.
 *
 * Large PRs are expected as their team, not as the largest size bucket: lead times here do not
 * grow with size by themselves, so all the slower work is in the team's PRs, spread over every
 * bucket their sizes reach, while '1000+' holds only part of it, beside other teams' large PRs
 * that did not change. No stage: coding and review both take longer, by as much.
 */
export function injectedCauseSpecs(count = 10, start = SCENARIO_START): InjectedCauseScenario[] {
  if (count > SCENARIOS.length) throw new RangeError(`at most ${SCENARIOS.length} injected-cause scenarios`);
  const from = start + SCENARIO_CAUSE_OFFSET;
  return SCENARIOS.slice(0, count).map(([kind, target, seed]) => {
    switch (kind) {
      case 'slow_review':
        return {
          seed,
          cause: { kind, repo: target, from },
          expect: { dimension: 'repo', segment: target, stage: 'review' },
        };
      case 'stalled_pipeline':
        return {
          seed,
          cause: { kind, repo: target, from },
          expect: { dimension: 'repo', segment: target, stage: 'deploy' },
        };
      case 'large_prs':
        return {
          seed,
          cause: { kind, team: target, from },
          expect: { dimension: 'team', segment: target, stage: null },
        };
      case 'new_team':
        return {
          seed,
          cause: { kind, team: target, from },
          expect: { dimension: 'team', segment: target, stage: null },
        };
    }
  });
}

/** The world of a scenario, with its cause: it starts `SCENARIO_CAUSE_OFFSET` before the cause. */
export function scenarioSpec(scenario: InjectedCauseScenario): WorldSpec {
  const start = scenario.cause.from - SCENARIO_CAUSE_OFFSET;
  return {
    seed: scenario.seed,
    org: 'acme',
    start,
    end: start + SCENARIO_DAYS * DAY,
    repos: SCENARIO_REPOS,
    prs: SCENARIO_PRS,
    malformedShare: 0,
    injectedCause: scenario.cause,
  };
}
