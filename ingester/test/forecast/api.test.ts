import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createApp } from '../../src/api/app.js';
import { listen, type RunningServer } from '../../src/api/server.js';
import { parseOrganisation } from '../../src/config/organisation.js';
import { loadSettings } from '../../src/config/settings.js';
import { recordForecasts } from '../../src/forecast/snapshots.js';
import { refreshMetrics } from '../../src/metrics/refresh.js';
import { applyOrganisationSettings } from '../../src/metrics/settings.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { capturedLogger } from '../support/logs.js';
import { h, Scenario } from '../support/scenario.js';

/**
 * GET /forecasts/sprint and /forecasts/issues end to end, on a team whose pace is exactly one
 * issue a working day: its answers can be checked by hand. T0 is Monday 2026-01-05 09:00 UTC;
 * `day(n, hour)` is n days later at that hour (UTC).
 */
const TOKEN = 'test-token-0123456789abcdef';
const day = (n: number, hour = 0) => h(24 * n + hour - 9);
/** Friday 6 March 2026, 10:00: the sprint's fifth day. */
const NOW = day(60, 10);
const WEEKDAYS = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => from + i).filter((d) => ![5, 6].includes(((d % 7) + 7) % 7));

let t: TestDatabase;
let api: RunningServer;

beforeAll(async () => {
  t = await freshDatabase({ migrated: true });
  const s = new Scenario(t.db);
  s.project('FC', 30);
  // Eight weeks of one issue done each working day.
  WEEKDAYS(0, 56).forEach((d, n) =>
    s.issue({
      key: `FC-${n + 1}`,
      created: day(0, -2),
      statuses: [
        ['To Do', day(0, -2)],
        ['In Progress', day(d, 9)],
        ['Done', day(d, 15)],
      ],
    }),
  );
  // A sprint from Monday 2 March to Friday 13 March: ten issues, one done each day so far.
  s.sprint({ id: 801, board: 30, start: day(56, 9), end: day(67, 17) });
  for (let n = 0; n < 10; n++) {
    const done = n < 4 ? day(56 + n, 15) : null;
    s.issue({
      key: `FC-${101 + n}`,
      created: day(50),
      statuses: done
        ? [
            ['To Do', day(50)],
            ['Done', done],
          ]
        : [['To Do', day(50)]],
      sprints: [{ sprint: 801, added: day(55) }],
    });
  }
  // A team that began this week: two days of history.
  s.project('YG', 31);
  s.sprint({ id: 802, board: 31, start: day(58, 9), end: day(67, 17) });
  for (let n = 0; n < 3; n++)
    s.issue({
      key: `YG-${n + 1}`,
      created: day(58),
      statuses: [
        ['To Do', day(58)],
        ['Done', day(58 + n, 15)],
      ],
      sprints: [{ sprint: 802, added: day(58) }],
    });
  await s.write();
  const organisation = parseOrganisation(`
teams:
  - { name: fc, jira: { projects: [FC] } }
  - { name: young, jira: { projects: [YG] } }
`);
  await applyOrganisationSettings(t.db, organisation);
  await refreshMetrics(t.db);
  const settings = loadSettings({ API_TOKEN: TOKEN, ENGMETRICS_NOW: NOW.toISOString() });
  api = await listen(
    createApp({ settings, organisation, db: t.db, log: capturedLogger().log, apiToken: TOKEN }),
    '127.0.0.1',
    0,
  );
}, 60_000);
afterAll(async () => {
  await api?.close(100);
  await t?.drop();
});

async function get(path: string) {
  const res = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON read by the assertions
  return { status: res.status, body: (await res.json()) as any };
}

describe('GET /forecasts/sprint', () => {
  it("forecasts the team's active sprint: six left, six working days, one a day, so done on the last", async () => {
    const res = await get('/forecasts/sprint?team=fc');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      team: 'fc',
      sprint: { id: 801, endAt: '2026-03-13T17:00:00.000Z' },
      state: 'ok',
      reason: null,
      historyDays: 44,
      historyFrom: '2026-01-05',
      historyTo: '2026-03-05',
      historyDone: 44,
      trials: 10_000,
      seed: 20_251_231,
      asOf: NOW.toISOString(),
      remainingIssues: 6,
      // Friday counts (it is before noon), then Monday to Friday.
      workingDaysLeft: 6,
      finishProbabilityPct: 100,
      doneBy: [50, 70, 85, 95].map((pct) => ({ pct, date: '2026-03-13', workingDays: 6 })),
      spreadWorkingDays: 0,
    });
  });

  it('answers the same for the same data and seed, and for the sprint asked by id', async () => {
    const a = (await get('/forecasts/sprint?team=fc&seed=42')).body;
    expect((await get('/forecasts/sprint?team=fc&seed=42')).body).toEqual(a);
    expect((await get('/forecasts/sprint?sprint=801&seed=42')).body).toEqual(a);
    expect(a.seed).toBe(42);
  });

  it('refuses with too little history, saying why', async () => {
    const res = await get('/forecasts/sprint?team=young');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      state: 'refused',
      reason: 'only 2 working days of history; a forecast needs at least 10',
      finishProbabilityPct: null,
      remainingIssues: null,
      doneBy: [],
    });
  });

  it.each([
    ['?team=nobody', 404],
    ['?sprint=999', 404],
    ['?sprint=abc', 400],
    ['?team=fc&sprint=801', 400],
    ['?seed=-1', 400],
    ['?colour=blue', 400],
  ])('answers %s with %i', async (query, status) => {
    const res = await get(`/forecasts/sprint${query}`);
    expect(res.status).toBe(status);
    expect(res.body.detail ?? res.body.title).toBeTruthy();
  });
});

describe('GET /forecasts/issues', () => {
  it('forecasts the open issues of a list, and how many are done by a date at 85 %', async () => {
    const res = await get('/forecasts/issues?team=fc&keys=FC-101,FC-105,FC-106,FC-107&by=2026-03-10');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      team: 'fc',
      set: { name: null, epic: null, keys: ['FC-101', 'FC-105', 'FC-106', 'FC-107'], open: 3, done: 1 },
      state: 'ok',
      remainingIssues: 3,
      doneBy: [50, 70, 85, 95].map((pct) => ({ pct, date: '2026-03-10', workingDays: 3 })),
      // Friday, Monday and Tuesday: three working days, one done on each.
      by: { date: '2026-03-10', workingDays: 3, issues85: 3 },
    });
  });

  it("forecasts an issue set of the organisation file: its JQL's issues at the last Jira sync", async () => {
    // As the Jira sync stores it (test/jira/issue-sets.test.ts reads one from the simulator).
    await t.db.query(
      `INSERT INTO source.jira_issue_sets (set_name, jql, synced_at, issue_keys)
       VALUES ('release-2.4', 'fixVersion = "2.4"', now(), '{FC-108,FC-109,FC-110}')`,
    );
    const res = await get('/forecasts/issues?team=fc&set=release-2.4');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      set: { name: 'release-2.4', open: 3, done: 0 },
      remainingIssues: 3,
      doneBy: [50, 70, 85, 95].map((pct) => ({ pct, date: '2026-03-10', workingDays: 3 })),
      by: null,
    });
    const unknown = await get('/forecasts/issues?team=fc&set=release-9');
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toMatch(/no issue set "release-9" .*synced: release-2\.4$/);
  });

  it.each([
    ['?team=fc', 400],
    ['?team=fc&keys=nope', 400],
    ['?team=fc&epic=FC-1&by=tomorrow', 400],
    ['?team=fc&keys=ZZ-1', 404],
    ['?team=nobody&keys=FC-1', 404],
  ])('answers %s with %i', async (query, status) => {
    expect((await get(`/forecasts/issues${query}`)).status).toBe(status);
  });
});

describe('the forecasts recorded after a refresh', () => {
  it("records each team's sprint forecast once a day, the day's latest standing, for the dashboard", async () => {
    const hour = 3_600_000;
    expect(await recordForecasts(t.db, NOW)).toBe(2);
    await recordForecasts(t.db, new Date(NOW.getTime() + hour));
    // A recording older than the day's last does not replace it.
    await recordForecasts(t.db, new Date(NOW.getTime() - hour));
    const { rows } = await t.db.query<Record<string, unknown>>(
      `SELECT team, sprint_id::int, to_char(day, 'YYYY-MM-DD') AS day, as_of, state,
              finish_probability_pct::float8 AS pct, to_char(done_by_85, 'YYYY-MM-DD') AS done_by_85, reason
         FROM metrics.forecast_snapshots ORDER BY team`,
    );
    expect(rows).toEqual([
      {
        team: 'fc',
        sprint_id: 801,
        day: '2026-03-06',
        as_of: new Date(NOW.getTime() + hour),
        state: 'ok',
        pct: 100,
        done_by_85: '2026-03-13',
        reason: null,
      },
      {
        team: 'young',
        sprint_id: 802,
        day: '2026-03-06',
        as_of: new Date(NOW.getTime() + hour),
        state: 'refused',
        pct: null,
        done_by_85: null,
        reason: 'only 2 working days of history; a forecast needs at least 10',
      },
    ]);
  });
});
