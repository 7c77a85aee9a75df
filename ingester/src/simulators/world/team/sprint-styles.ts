import { DAY, HOUR } from '../calendar.js';
import type { Random } from '../random.js';
import type { SprintStyle, SprintW, TeamProfile } from '../types.js';
import type { DraftIssue } from './state.js';

/**
 * What a sprint style (WorldSpec.sprintStyles) changes in how a sprint runs. A team without a
 * style takes the default path, and nothing here draws from its random stream for it: its world
 * stays the one its seed has always given.
 *
 * A team with a style plans around its own pace: it starts planned work only while there is time
 * to finish it, so whether a sprint finishes is down to its style, not to how slow its reviews are.
 */

/** Less than it could take on, so that the odd slow item still fits. */
const SETTLED_LOAD = 0.8;

/** What the team takes on this sprint, as a share of its usual amount. */
export function commitLoad(rng: Random, style: SprintStyle | undefined): number {
  if (style === 'steady') return SETTLED_LOAD;
  // Some sprints it under-commits and finishes early, others it is swamped.
  if (style === 'bursty') return 0.6 + rng.next();
  return 1;
}

/**
 * How long, start to done, the team's work takes, with room for most of the slow items: the
 * medians of coding, pickup and review (working hours) spread over working days.
 */
function leadTime(team: TeamProfile): number {
  return (1.5 + (team.codingMedianH + team.pickupMedianH + team.reviewMedianH) / 8) * DAY;
}

/** The share of the sprint after which work started would rarely be done by its end. */
export function safeShare(team: TeamProfile, sprint: SprintW): number {
  return Math.min(0.8, Math.max(0.2, 1 - leadTime(team) / (sprint.endAt - sprint.startAt)));
}

/**
 * Draws, item by item, when (as a share of the sprint) work on planned items starts. `load` is
 * what the team took on, as a share of its usual amount; `safe` the share of the sprint in which
 * work started tends to finish.
 */
export function startShares(
  rng: Random,
  style: SprintStyle | undefined,
  load: number,
  safe: number,
): () => number {
  if (style === undefined) return () => rng.next() * 0.8;
  if (style !== 'bursty') return () => rng.next() * safe;
  // Work is picked up in two or three pushes, so done work comes in waves, not a trickle. The
  // more it took on, the later the last push: a swamped sprint starts some work too late.
  const reach = Math.min(0.95, safe * load);
  const count = rng.int(2, 3);
  const pushes = Array.from({ length: count }, (_p, j) => (reach * j) / (count - 1));
  return () => rng.pick(pushes) + rng.next() * 0.02;
}

export interface Unplanned {
  count: number;
  /** How long after the sprint starts it may still come in. */
  within: number;
}

/**
 * Unplanned work: a little, early on. A team with a style takes it in only while it can still
 * finish it (what comes later waits for planning); a scope-adding one takes in a stream that goes
 * on until the sprint ends.
 */
export function unplannedWork(
  rng: Random,
  style: SprintStyle | undefined,
  sprint: SprintW,
  safe: number,
  usual: number,
  committed: number,
): Unplanned {
  const span = sprint.endAt - sprint.startAt;
  if (style === 'scope_adding') {
    const rate = 0.4 + rng.next() * 0.15;
    return { count: rng.poisson(committed * rate), within: span };
  }
  if (style === undefined) return { count: rng.poisson(usual * 0.15), within: 8 * DAY };
  const within = Math.min(8 * DAY, safe * span);
  return { count: rng.poisson((usual * 0.15 * within) / (8 * DAY)), within };
}

/**
 * A bursty team moves merged work to Done in batches, when it walks the board: twice a week,
 * Tuesdays and Fridays at 16:00, the last an hour before the sprint ends.
 */
export function closeAtBoardWalk(issue: DraftIssue): void {
  const last = issue.statuses[issue.statuses.length - 1]!;
  if (last.status === 'Done') last.at = nextBoardWalk(last.at);
}

function nextBoardWalk(t: number): number {
  for (let day = Math.floor(t / DAY) * DAY; ; day += DAY) {
    const weekday = new Date(day).getUTCDay();
    if ((weekday === 2 || weekday === 5) && day + 16 * HOUR >= t) return day + 16 * HOUR;
  }
}
