import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseOrganisation } from '../../src/config/organisation.js';
import {
  daysAhead,
  forecastIssues,
  forecastSprint,
  historyOf,
  sprintScopeAt,
} from '../../src/forecast/forecast.js';
import { refreshMetrics } from '../../src/metrics/refresh.js';
import { applyOrganisationSettings } from '../../src/metrics/settings.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { h, Scenario } from '../support/scenario.js';

/**
 * docs/metrics.md, "Forecasts": the working days a forecast samples, read from the rows. T0 is
 * Monday 2026-01-05 09:00 UTC; `day(n, hour)` is that Monday + n calendar days at the hour (UTC).
 */
let t: TestDatabase;
const day = (n: number, hour = 0) => h(24 * n + hour - 9);

beforeAll(async () => {
  t = await freshDatabase({ migrated: true });
  const s = new Scenario(t.db);
  s.project('AA', 10);
  // A sprint over the second and third weeks; one issue done on each of the first weekdays.
  s.sprint({ id: 501, board: 10, start: day(7), end: day(18, 8), complete: day(18, 9) });
  const weekdays = [0, 1, 2, 3, 4, 7, 8, 9, 10, 11, 14, 15];
  weekdays.forEach((d, n) =>
    s.issue({
      key: `AA-${n + 1}`,
      created: day(0, -2),
      statuses: [
        ['To Do', day(0, -2)],
        ['In Progress', day(d, 1)],
        ['Done', day(d, 3)],
      ],
      sprints: d >= 7 ? [{ sprint: 501, added: day(6) }] : [],
    }),
  );
  // Added on Wednesday of the sprint's first week, and one taken out on its Thursday.
  s.issue({
    key: 'AA-20',
    created: day(9),
    statuses: [['To Do', day(9)]],
    sprints: [{ sprint: 501, added: day(9, 2) }],
  });
  s.issue({
    key: 'AA-21',
    created: day(0, -2),
    statuses: [['To Do', day(0, -2)]],
    sprints: [{ sprint: 501, added: day(6), removed: day(10, 5) }],
  });
  // Done on a Saturday: a day the Berlin team below does not work, counted for the default calendar.
  s.issue({
    key: 'AA-22',
    created: day(0, -2),
    statuses: [
      ['To Do', day(0, -2)],
      ['Done', day(12, 2)],
    ],
  });
  await s.write();
  await applyOrganisationSettings(
    t.db,
    parseOrganisation(`
teams:
  - { name: aa, jira: { projects: [AA] } }
  - name: berlin
    jira: { projects: [AA] }
    calendar: { timezone: Europe/Berlin, workingDays: [mon, tue, wed, thu], holidays: ['2026-01-13'] }
`),
  );
  await refreshMetrics(t.db);
}, 60_000);
afterAll(() => t?.drop());

describe('the history a forecast samples', () => {
  it("counts each working day's issues done and scope added and removed, days with nothing as zeros", async () => {
    const history = await historyOf(t.db, 'aa', day(21, 10));
    // Weekdays from the first Monday to the Friday before: 15 of them, none before the first issue.
    expect(history.map((d) => d.day)).toEqual([
      '2026-01-05',
      '2026-01-06',
      '2026-01-07',
      '2026-01-08',
      '2026-01-09',
      '2026-01-12',
      '2026-01-13',
      '2026-01-14',
      '2026-01-15',
      '2026-01-16',
      '2026-01-19',
      '2026-01-20',
      '2026-01-21',
      '2026-01-22',
      '2026-01-23',
    ]);
    expect(history.map((d) => d.done)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
    expect(history.find((d) => d.day === '2026-01-14')).toMatchObject({ added: 1, removed: 0 });
    expect(history.find((d) => d.day === '2026-01-15')).toMatchObject({ added: 0, removed: 1 });
    expect(history.reduce((n, d) => n + d.added + d.removed, 0)).toBe(2);
  });

  it("keeps to the team's calendar: its zone, its working days and its holidays", async () => {
    const history = await historyOf(t.db, 'berlin', day(21, 10));
    expect(history.map((d) => d.day)).toEqual([
      '2026-01-05',
      '2026-01-06',
      '2026-01-07',
      '2026-01-08',
      '2026-01-12',
      '2026-01-14',
      '2026-01-15',
      '2026-01-19',
      '2026-01-20',
      '2026-01-21',
      '2026-01-22',
    ]);
    const ahead = await daysAhead(t.db, 'berlin', day(21, 10)); // Monday 26th, 10:00 UTC = 11:00 in Berlin
    expect(ahead.timezone).toBe('Europe/Berlin');
    expect(ahead.ahead.slice(0, 5)).toEqual([
      '2026-01-26',
      '2026-01-27',
      '2026-01-28',
      '2026-01-29',
      '2026-02-02',
    ]);
    // After noon, today is not counted.
    expect((await daysAhead(t.db, 'berlin', day(21, 12))).ahead[0]).toBe('2026-01-27');
  });

  it('uses only whole days before the forecast, and none before the team had any work', async () => {
    const early = await historyOf(t.db, 'aa', day(2, 10));
    expect(early.map((d) => [d.day, d.done])).toEqual([
      ['2026-01-05', 1],
      ['2026-01-06', 1],
    ]);
  });

  it('counts a sprint at an instant: the issues in it then, and those done', async () => {
    expect(await sprintScopeAt(t.db, 501, day(8, 0))).toEqual({ issues: 8, done: 1 });
    // Wednesday after the addition; Thursday after the removal and two more done.
    expect(await sprintScopeAt(t.db, 501, day(9, 6))).toEqual({ issues: 9, done: 3 });
    expect(await sprintScopeAt(t.db, 501, day(10, 6))).toEqual({ issues: 8, done: 4 });
  });
});

describe('forecasts from that history', () => {
  it('refuses with fewer than 10 working days of history, saying so', async () => {
    const f = await forecastSprint(t.db, 'aa', { id: 501, endAt: day(18, 8) }, day(8, 10));
    expect(f).toMatchObject({
      state: 'refused',
      historyDays: 6,
      reason: expect.stringMatching(/^only 6 working days/),
    });
    expect(f.probability).toBeUndefined();
  });

  it('walks a sprint not started yet from its start: the days before go to other work', async () => {
    const f = await forecastSprint(t.db, 'aa', { id: 501, startAt: day(7), endAt: day(18, 8) }, day(5, 10));
    // Monday 12th to Friday 23rd January.
    expect(f.daysLeft).toBe(10);
    expect(
      (await forecastSprint(t.db, 'aa', { id: 501, startAt: day(7), endAt: day(18, 8) }, day(15, 10)))
        .daysLeft,
    ).toBe(4);
  });

  it('answers with a warning below 30 days, and the same answer twice', async () => {
    const asOf = day(15, 10); // Tuesday of the sprint's second week
    const a = await forecastSprint(t.db, 'aa', { id: 501, endAt: day(18, 8) }, asOf);
    expect(a).toMatchObject({ state: 'low_history', historyDays: 11, remainingIssues: 1, daysLeft: 4 });
    expect(a.probability).toBeGreaterThan(0.5);
    expect(a.doneBy!.map((d) => d.p)).toEqual([0.5, 0.7, 0.85, 0.95]);
    expect(await forecastSprint(t.db, 'aa', { id: 501, endAt: day(18, 8) }, asOf)).toEqual(a);
  });

  it('forecasts a set of open issues, and how many are done by a date', async () => {
    const f = await forecastIssues(
      t.db,
      'aa',
      { keys: ['AA-20', 'AA-21', 'AA-1'] },
      day(21, 10),
      '2026-01-30',
    );
    expect(f).toMatchObject({
      set: { open: 2, done: 1 },
      remainingIssues: 2,
      by: { date: '2026-01-30', workingDays: 5 },
    });
    expect(f.by!.issues85).toBeLessThanOrEqual(2);
  });
});
