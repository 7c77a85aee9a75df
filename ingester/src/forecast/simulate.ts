/**
 * Monte Carlo forecasts from a team's own working days: each trial walks forward one working
 * day at a time, drawing a day of the team's history at random (days with nothing included)
 * and taking what that day saw: the issues done, and while the sprint runs, the issues added to
 * it and taken out. Pure: the same history, input and seed give the same answer.
 * Definitions: docs/metrics.md, "Forecasts".
 */

/** One working day of history, as metrics.forecast_history returns it. */
export interface HistoryDay {
  day: string;
  done: number;
  added: number;
  removed: number;
}

export interface SimulationInput {
  history: readonly HistoryDay[];
  /** Issues not done yet. */
  remaining: number;
  /** Working days until the sprint ends: scope changes are drawn only for these. */
  scopeDays: number;
  /** Draw added and removed issues too (false: throughput alone, as for a fixed set of issues). */
  withScope: boolean;
  trials: number;
  seed: number;
  /** The most working days a trial walks before it is called unfinished. */
  horizon: number;
}

/** Each trial's finishing working day (1 = the first day ahead), sorted; Infinity past the horizon. */
export type FinishDays = Float64Array;

/** A small seeded generator (mulberry32): fast, and the same sequence everywhere. */
export function randomFrom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function simulateFinish(input: SimulationInput): FinishDays {
  const { history, remaining, scopeDays, withScope, trials, horizon } = input;
  const out = new Float64Array(trials);
  if (remaining <= 0) return out; // done already: every trial finishes on day 0
  // A history that never takes anything away never finishes: no need to walk it.
  if (!history.some((h) => h.done > 0 || (withScope && scopeDays > 0 && h.removed > 0)))
    return out.fill(Infinity);
  const random = randomFrom(input.seed);
  const n = history.length;
  for (let t = 0; t < trials; t++) {
    let left = remaining;
    let finished = Infinity;
    for (let day = 1; day <= horizon; day++) {
      const h = history[Math.floor(random() * n)]!;
      if (withScope && day <= scopeDays) left += h.added - h.removed;
      left -= h.done;
      if (left <= 0) {
        finished = day;
        break;
      }
    }
    out[t] = finished;
  }
  return out.sort();
}

/** Share of trials finished by the given working day. */
export function probabilityBy(finish: FinishDays, day: number): number {
  let lo = 0;
  let hi = finish.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (finish[mid]! <= day) lo = mid + 1;
    else hi = mid;
  }
  return finish.length === 0 ? 0 : lo / finish.length;
}

/**
 * The working day by which `p` of the trials had finished (the nearest-rank percentile), or
 * null when that many did not finish within the horizon.
 */
export function finishDayAt(finish: FinishDays, p: number): number | null {
  if (finish.length === 0) return null;
  const rank = Math.max(1, Math.ceil(p * finish.length));
  const day = finish[rank - 1]!;
  return Number.isFinite(day) ? day : null;
}

/**
 * How many issues are done within `days` working days with probability `p`: the count that
 * `p` of the trials reach or pass (the (1 − p) percentile of the simulated totals).
 */
export function doneWithin(
  history: readonly HistoryDay[],
  days: number,
  p: number,
  trials: number,
  seed: number,
): number {
  if (history.length === 0 || days <= 0) return 0;
  const random = randomFrom(seed);
  const totals = new Float64Array(trials);
  for (let t = 0; t < trials; t++) {
    let total = 0;
    for (let day = 0; day < days; day++) total += history[Math.floor(random() * history.length)]!.done;
    totals[t] = total;
  }
  totals.sort();
  // At least `p` of the trials are at or above the value at this rank.
  const rank = Math.max(1, Math.floor((1 - p) * trials) + 1);
  return totals[Math.min(rank, trials) - 1]!;
}
