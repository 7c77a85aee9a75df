import { after, HOUR, toWorkingTime } from '../calendar.js';
import type { PrKind } from '../types.js';
import type { RepoState, TeamSimulation } from './state.js';

/**
 * What an injected cause (WorldSpec.injectedCause) does to a team's work. A cause scales what
 * was drawn anyway, or draws in place of the usual draw, never beside it; with no cause every
 * factor is exactly 1 and nothing is drawn here, so a world without one is the world its seed
 * has always given.
 */

export interface Stretch {
  /** Lines changed. */
  size: number;
  /** First commit → ready for review. */
  coding: number;
  /** First review → merge. */
  review: number;
}

const NONE: Stretch = { size: 1, coding: 1, review: 1 };
const LARGE_PRS: Stretch = { size: 4, coding: 2.5, review: 2.5 };
const NEW_TEAM: Stretch = { size: 1, coding: 3, review: 3 };
const SLOW_REVIEW = 4;

/** One working day of the calendar (08:00–19:00). */
const WORKING_DAY = 11 * HOUR;

interface Work {
  kind: PrKind;
  start: number;
  fast?: boolean;
}

/**
 * `after(t, ms)`, with the time that passes (nights and weekends too, as a metric reads it) `k`
 * times as long. Stretching `ms` instead would barely show: work drawn to end in the evening
 * and work drawn twice as long both land the next morning.
 */
export function stretchedAfter(t: number, ms: number, k: number): number {
  const end = after(t, ms);
  return k === 1 ? end : toWorkingTime(t + k * (end - t));
}

/**
 * The team's own planned work. Dependency bumps are the bots' and urgent fixes jump every queue,
 * so neither changes with how the team works.
 */
export function workStretch(sim: TeamSimulation, work: Work): Stretch {
  const cause = sim.spec.injectedCause;
  if (!cause || work.kind === 'bot' || work.fast) return NONE;
  if (cause.kind === 'large_prs' && cause.team === sim.team.name && work.start >= cause.from)
    return LARGE_PRS;
  if (cause.kind === 'new_team' && cause.team === sim.team.name) return NEW_TEAM;
  return NONE;
}

/**
 * How much longer review takes for work whose first review comes at `firstReviewAt`: a slow
 * repository is slow for whatever reaches its reviewers from then on, a team's way of working
 * for the work it started.
 */
export function reviewStretch(
  sim: TeamSimulation,
  repo: RepoState,
  work: Work,
  firstReviewAt: number,
): number {
  const cause = sim.spec.injectedCause;
  if (
    cause?.kind === 'slow_review' &&
    cause.repo === repo.plan.name &&
    !work.fast &&
    firstReviewAt >= cause.from
  )
    return SLOW_REVIEW;
  return workStretch(sim, work).review;
}

/**
 * The wait until a stalled repository's next deploy window after `at`, or null (and no draw)
 * when it deploys at its team's pace.
 */
export function stalledWait(sim: TeamSimulation, repo: RepoState, at: number): number | null {
  const cause = sim.spec.injectedCause;
  if (cause?.kind !== 'stalled_pipeline' || cause.repo !== repo.plan.name || at < cause.from) return null;
  return (3 + 2 * sim.rng.next()) * WORKING_DAY;
}
