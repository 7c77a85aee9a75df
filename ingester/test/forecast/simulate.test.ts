import { describe, expect, it } from '@jest/globals';
import { basisOf, outlookOf } from '../../src/forecast/forecast.js';
import {
  doneWithin,
  finishDayAt,
  probabilityBy,
  simulateFinish,
  type HistoryDay,
  type SimulationInput,
} from '../../src/forecast/simulate.js';

/** Working days of history, each doing and adding what the pattern says, in turn. */
function days(n: number, pattern: Partial<HistoryDay>[]): HistoryDay[] {
  return Array.from({ length: n }, (_, i) => ({
    day: `2026-01-${String((i % 28) + 1).padStart(2, '0')}`,
    done: 0,
    added: 0,
    removed: 0,
    ...pattern[i % pattern.length],
  }));
}

const run = (input: Partial<SimulationInput> & Pick<SimulationInput, 'history' | 'remaining'>) =>
  simulateFinish({ scopeDays: 0, withScope: true, trials: 10_000, seed: 7, horizon: 260, ...input });

describe('the Monte Carlo simulation, on inputs checked by hand', () => {
  it('finishes one item on the first day for a team that finishes exactly one a day', () => {
    const finish = run({ history: days(20, [{ done: 1 }]), remaining: 1 });
    expect(probabilityBy(finish, 0)).toBe(0);
    expect(probabilityBy(finish, 1)).toBe(1);
    expect([0.5, 0.7, 0.85, 0.95].map((p) => finishDayAt(finish, p))).toEqual([1, 1, 1, 1]);
  });

  it('finishes five items on the fifth day at that pace, and never sooner', () => {
    const finish = run({ history: days(20, [{ done: 1 }]), remaining: 5 });
    expect(probabilityBy(finish, 4)).toBe(0);
    expect(probabilityBy(finish, 5)).toBe(1);
  });

  it('gives a team that finishes one every other day the geometric odds: ½, ¾, ⅞', () => {
    const finish = run({ history: days(20, [{ done: 1 }, { done: 0 }]), remaining: 1 });
    expect(probabilityBy(finish, 1)).toBeCloseTo(0.5, 1);
    expect(probabilityBy(finish, 2)).toBeCloseTo(0.75, 1);
    expect(probabilityBy(finish, 3)).toBeCloseTo(0.875, 1);
    // P(≤ 4) = 15/16 < 95 % ≤ P(≤ 5) = 31/32.
    expect([0.5, 0.7, 0.85, 0.95].map((p) => finishDayAt(finish, p))).toEqual([1, 2, 3, 5]);
  });

  it('never finishes on a history of days with nothing done', () => {
    const finish = run({ history: days(30, [{}]), remaining: 3 });
    expect(probabilityBy(finish, 260)).toBe(0);
    expect(finishDayAt(finish, 0.5)).toBeNull();
  });

  it('calls work with nothing left done already', () => {
    const finish = run({ history: days(30, [{}]), remaining: 0 });
    expect(probabilityBy(finish, 0)).toBe(1);
    expect(finishDayAt(finish, 0.95)).toBe(0);
  });

  it('draws the scope added while the sprint runs, and only then', () => {
    // Each day one done and one added: nothing left shrinks until the sprint's five days are over.
    const history = days(20, [{ done: 1, added: 1 }]);
    expect(finishDayAt(run({ history, remaining: 1, scopeDays: 5 }), 0.5)).toBe(6);
    expect(finishDayAt(run({ history, remaining: 1, scopeDays: 5, withScope: false }), 0.5)).toBe(1);
    // Removed issues shrink what is left.
    const shrinking = days(20, [{ done: 0, removed: 1 }]);
    expect(finishDayAt(run({ history: shrinking, remaining: 2, scopeDays: 5 }), 0.5)).toBe(2);
  });

  it('answers the same for the same history and seed, and differently for another seed', () => {
    const history = days(40, [
      { done: 2 },
      { done: 0 },
      { done: 1, added: 1 },
      { done: 0, added: 2 },
      { done: 3 },
    ]);
    const a = run({ history, remaining: 12, scopeDays: 6 });
    const b = run({ history, remaining: 12, scopeDays: 6 });
    const c = run({ history, remaining: 12, scopeDays: 6, seed: 8 });
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('counts how many are done by a date at 85 %: the 15th percentile of the totals', () => {
    expect(doneWithin(days(20, [{ done: 2 }]), 5, 0.85, 10_000, 1)).toBe(10);
    // Ten days of a fair coin: P(≥ 3) = 94.5 %, P(≥ 4) = 82.8 %.
    expect(doneWithin(days(20, [{ done: 1 }, { done: 0 }]), 10, 0.85, 10_000, 1)).toBe(3);
    expect(doneWithin(days(20, [{ done: 1 }]), 0, 0.85, 10_000, 1)).toBe(0);
  });
});

describe('what a forecast rests on', () => {
  it('refuses below 10 working days of history and warns below 30, saying why', () => {
    expect(basisOf(days(9, [{ done: 1 }]))).toMatchObject({
      state: 'refused',
      reason: 'only 9 working days of history; a forecast needs at least 10',
      historyDays: 9,
    });
    expect(basisOf(days(10, [{ done: 1 }]))).toMatchObject({
      state: 'low_history',
      historyDays: 10,
      historyDone: 10,
    });
    expect(basisOf(days(29, [{ done: 1 }])).reason).toMatch(
      /^only 29 working days of history \(fewer than 30\)/,
    );
    expect(basisOf(days(30, [{ done: 1 }]))).toMatchObject({ state: 'ok', reason: null, trials: 10_000 });
  });

  it('dates the percentiles by the working days ahead, and spreads them', () => {
    const finish = run({ history: days(20, [{ done: 1 }, { done: 0 }]), remaining: 1 });
    const outlook = outlookOf(finish, 1, {
      timezone: 'UTC',
      ahead: ['2026-12-07', '2026-12-08', '2026-12-09', '2026-12-10', '2026-12-11'],
    });
    expect(outlook.doneBy.map((d) => d.date)).toEqual([
      '2026-12-07',
      '2026-12-08',
      '2026-12-09',
      '2026-12-11',
    ]);
    expect(outlook.spreadDays).toBe(4);
  });
});
