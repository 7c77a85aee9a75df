import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JiraSimulator } from '../../src/simulators/jira/server.js';
import { DAY } from '../../src/simulators/world/calendar.js';
import type { World } from '../../src/simulators/world/types.js';
import { capturedLogger } from '../support/logs.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { END, iso, jiraWorld, snapshot, SPRINT_REPORT_SQL, startSite, syncSite, truthOf } from './helpers.js';

/**
 * The Jira sync against the simulated site over loopback HTTP, with the real jira.js
 * clients and the real pg driver (PostgreSQL when DATABASE_URL is set, else the
 * embedded database).
 */

let world: World;
let sim: JiraSimulator;
let db: TestDatabase;
const dbs: TestDatabase[] = [];

async function fresh(): Promise<TestDatabase> {
  const d = await freshDatabase({ migrated: true });
  dbs.push(d);
  return d;
}

beforeAll(async () => {
  world = jiraWorld();
  sim = await startSite(world);
  db = await fresh();
  const { results } = await syncSite(sim, db.db);
  expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
});

afterAll(async () => {
  await sim?.stop();
  for (const d of dbs) await d.drop();
});

describe('a full sync', () => {
  it('lands every issue with its fields, people as account ids and names, and no email anywhere', async () => {
    const { rows } = await db.db.query<{ n: number }>('SELECT count(*)::int AS n FROM source.jira_issues');
    expect(rows[0]!.n).toBe(world.jira.issues.filter((i) => i.createdAt <= END).length);
    const pay6 = world.jira.issues.find((i) => i.type === 'Story' && i.epicKey && i.labels.length === 0)!;
    const { rows: one } = await db.db.query<Record<string, unknown>>(
      'SELECT key, issue_type, epic_key, created_at, reporter_account_id, labels FROM source.jira_issues WHERE key = $1',
      [pay6.key],
    );
    const reporter = world.people.find((p) => p.login === pay6.reporter)!;
    expect(one[0]).toMatchObject({
      key: pay6.key,
      issue_type: 'Story',
      epic_key: pay6.epicKey,
      reporter_account_id: reporter.accountId,
      labels: [],
    });
    const { rows: names } = await db.db.query<{ display_name: string }>(
      'SELECT display_name FROM source.jira_users WHERE account_id = $1',
      [reporter.accountId],
    );
    expect(names[0]!.display_name).toBe(reporter.name);
    for (const table of ['jira_issues', 'jira_projects', 'jira_boards', 'jira_sprints', 'jira_statuses']) {
      const { rows: leak } = await db.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM source.${table} t WHERE to_jsonb(t)::text ~* '@example\\.com|emailAddress'`,
      );
      expect({ table, n: leak[0]!.n }).toEqual({ table, n: 0 });
    }
    const incidents = await db.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM source.jira_issues WHERE issue_type = 'Incident' AND 'incident' = ANY(labels)`,
    );
    expect(incidents.rows[0]!.n).toBe(world.jira.issues.filter((i) => i.type === 'Incident').length);
  });

  it('keeps statuses with their categories and sprints with state and dates', async () => {
    const { rows: statuses } = await db.db.query<{ name: string; category_key: string }>(
      'SELECT name, category_key FROM source.jira_statuses ORDER BY name',
    );
    expect(statuses).toEqual([
      { name: 'Blocked', category_key: 'indeterminate' },
      { name: 'Done', category_key: 'done' },
      { name: 'In Progress', category_key: 'indeterminate' },
      { name: 'In Review', category_key: 'indeterminate' },
      { name: 'To Do', category_key: 'new' },
    ]);
    const { rows: sprints } = await db.db.query<Record<string, unknown>>(
      `SELECT id::int, board_id::int, state, start_at, end_at, complete_at FROM source.jira_sprints ORDER BY id`,
    );
    const visible = world.jira.sprints.filter((s) => s.createdAt <= END);
    expect(sprints).toHaveLength(visible.length);
    for (const s of visible) {
      const state = END < s.startAt ? 'future' : END < s.completeAt ? 'active' : 'closed';
      expect(sprints.find((r) => r.id === s.id)).toEqual({
        id: s.id,
        board_id: s.boardId,
        state,
        start_at: state === 'future' ? null : new Date(s.startAt),
        end_at: state === 'future' ? null : new Date(s.endAt),
        complete_at: state === 'closed' ? new Date(s.completeAt) : null,
      });
    }
    expect(new Set(sprints.map((s) => s.state))).toEqual(new Set(['closed', 'active']));
  });

  it('stores time in each status, story points, flags as the generator decided them (re-opened included)', async () => {
    const names = new Map(
      (await db.db.query<{ id: string; name: string }>('SELECT id, name FROM source.jira_statuses')).rows.map(
        (r) => [r.id, r.name],
      ),
    );
    const ts = (d: Date | null) => (d === null ? null : d.toISOString());
    const byIssue = async <R>(sql: string) => {
      const map = new Map<string, R[]>();
      for (const r of (await db.db.query<R & { key: string }>(sql)).rows) {
        const list = map.get(r.key) ?? [];
        list.push(r);
        map.set(r.key, list);
      }
      return map;
    };
    const status = await byIssue<{ status_id: string; started_at: Date; ended_at: Date | null }>(
      'SELECT i.key, p.status_id, p.started_at, p.ended_at FROM source.jira_status_periods p JOIN source.jira_issues i ON i.id = p.issue_id ORDER BY i.key, p.seq',
    );
    const points = await byIssue<{ points: string | null; started_at: Date; ended_at: Date | null }>(
      'SELECT i.key, p.points, p.started_at, p.ended_at FROM source.jira_point_estimates p JOIN source.jira_issues i ON i.id = p.issue_id ORDER BY i.key, p.seq',
    );
    const flags = await byIssue<{ started_at: Date; ended_at: Date | null }>(
      'SELECT i.key, f.started_at, f.ended_at FROM source.jira_flag_periods f JOIN source.jira_issues i ON i.id = f.issue_id ORDER BY i.key, f.started_at',
    );
    let reopened = 0;
    let reestimated = 0;
    for (const issue of world.jira.issues.filter((i) => i.createdAt <= END)) {
      const truth = truthOf(issue, END);
      if (truth.statuses.filter((s) => s.status === 'Done').length > 1) reopened += 1;
      if (truth.points.length > 1) reestimated += 1;
      expect({
        key: issue.key,
        statuses: (status.get(issue.key) ?? []).map((p) => ({
          status: names.get(p.status_id),
          from: ts(p.started_at),
          to: ts(p.ended_at),
        })),
        points: (points.get(issue.key) ?? []).map((p) => ({
          points: p.points === null ? null : Number(p.points),
          from: ts(p.started_at),
          to: ts(p.ended_at),
        })),
        flags: (flags.get(issue.key) ?? []).map((f) => ({ from: ts(f.started_at), to: ts(f.ended_at) })),
      }).toEqual({ key: issue.key, ...truth });
    }
    expect(reopened).toBeGreaterThan(0);
    expect(reestimated).toBeGreaterThan(0);
  });

  it('gives the sprint reports of the ground truth: committed, added, removed, completed, carried over (twice)', async () => {
    const { rows } = await db.db.query<Record<string, unknown> & { sprintId: number }>(SPRINT_REPORT_SQL, [
      iso(END),
    ]);
    const byId = new Map(rows.map((r) => [r.sprintId, r]));
    const empty = {
      committed: [],
      committedPoints: 0,
      added: [],
      removed: [],
      completed: [],
      completedPoints: 0,
      carriedOver: [],
    };
    // (The burndown is the metrics' business: test/metrics/ground-truth.test.ts.)
    const sorted = ({ burndown: _burndown, ...t }: (typeof world.truth.sprints)[number]) => ({
      ...t,
      committed: [...t.committed].sort(),
      added: [...t.added].sort(),
      removed: [...t.removed].sort(),
      completed: [...t.completed].sort(),
      carriedOver: [...t.carriedOver].sort(),
    });
    for (const t of world.truth.sprints)
      expect(byId.get(t.sprintId) ?? { sprintId: t.sprintId, ...empty }).toEqual(sorted(t));
    const carried = world.truth.sprints.flatMap((t) => t.carriedOver);
    expect(carried.some((k, i) => carried.indexOf(k) !== i)).toBe(true);
    expect(world.truth.sprints.some((t) => t.added.length > 0)).toBe(true);
    expect(world.truth.sprints.some((t) => t.removed.length > 0)).toBe(true);
  });
});

describe('projects side by side', () => {
  it('one at a time or four at once (more than the two batches a sync holds) land the same rows', async () => {
    for (const concurrency of [1, 4]) {
      const other = await fresh();
      const { results } = await syncSite(sim, other.db, { concurrency });
      expect(results.every((r) => r.status === 'succeeded')).toBe(true);
      expect(await snapshot(other.db)).toEqual(await snapshot(db.db));
    }
  });
});

describe('re-syncing', () => {
  it('changes nothing, and costs at most two requests per project', async () => {
    const before = await snapshot(db.db);
    const { results } = await syncSite(sim, db.db);
    expect(results.map((r) => [r.project, r.status, r.rowsWritten])).toEqual([
      ['GRO', 'succeeded', 0],
      ['MOB', 'succeeded', 0],
      ['PAY', 'succeeded', 0],
      ['PLAT', 'succeeded', 0],
    ]);
    for (const r of results) expect(r.requests).toBeLessThanOrEqual(2);
    expect(await snapshot(db.db)).toEqual(before);
    const { rows } = await db.db.query<{ rows_written: string; api_requests: number; status: string }>(
      `SELECT DISTINCT ON (scope) rows_written, api_requests, status FROM ops.sync_runs WHERE source = 'jira' ORDER BY scope, id DESC`,
    );
    expect(
      rows.every((r) => r.status === 'succeeded' && Number(r.rows_written) === 0 && r.api_requests <= 2),
    ).toBe(true);
  });

  it('at an earlier instant and again later equals one sync at the later instant', async () => {
    const stepped = await fresh();
    const earlier = END - 33 * DAY;
    sim.setNow(earlier);
    await syncSite(sim, stepped.db);
    sim.setNow(END - 12 * DAY);
    await syncSite(sim, stepped.db);
    sim.setNow(END);
    const { results } = await syncSite(sim, stepped.db);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(await snapshot(stepped.db)).toEqual(await snapshot(db.db));
  });

  it('with --full reads everything again and still changes nothing', async () => {
    const before = await snapshot(db.db);
    const { results } = await syncSite(sim, db.db, { full: true });
    expect(results.every((r) => r.status === 'succeeded' && r.rowsWritten === 0)).toBe(true);
    expect(await snapshot(db.db)).toEqual(before);
  });

  it('skips a project another sync holds', async () => {
    const [a, b] = await Promise.all([
      syncSite(sim, db.db, { only: ['PAY'] }),
      syncSite(sim, db.db, { only: ['PAY'] }),
    ]);
    expect([a.results[0]!.status, b.results[0]!.status].sort()).toEqual(['skipped', 'succeeded']);
  });
});

describe('faults', () => {
  it('survives rate limits, 5xx bursts and slow answers, and lands the same rows', async () => {
    const target = await fresh();
    const { log, lines } = capturedLogger();
    sim.resetStats();
    sim.inject({ kind: 'rate-limit', retryAfterSeconds: 2 }, 2, /search\/jql/);
    sim.inject({ kind: 'server-error', status: 503, retryAfterSeconds: 1 }, 3, /bulkfetch/);
    sim.inject({ kind: 'server-error', status: 502 }, 1, /\/sprint$/);
    sim.inject({ kind: 'server-error', status: 500 }, 1, /\/field$/);
    sim.inject({ kind: 'slow', delayMs: 300 }, 2, /configuration/);
    const { results, stats } = await syncSite(sim, target.db, {}, log);
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(sim.stats.faults).toBe(9);
    expect(stats.retries).toBe(7);
    expect(stats.requests).toBe(sim.stats.requests);
    expect(lines.some((l) => /"waitSeconds":2\b/.test(l) && /rate limit/.test(l))).toBe(true);
    expect(await snapshot(target.db)).toEqual(await snapshot(db.db));
  });

  it('fails a project, not the run, when Jira keeps failing; the next run completes it', async () => {
    const target = await fresh();
    sim.inject({ kind: 'server-error', status: 500 }, 50, /search\/jql/);
    const { results } = await syncSite(sim, target.db, { only: ['MOB'] }, undefined, { maxRetries: 2 });
    sim.clearFaults();
    expect(results[0]).toMatchObject({ project: 'MOB', status: 'failed' });
    expect(results[0]!.error).toMatch(/search: 500/);
    const { rows } = await target.db.query<{ status: string; error: string }>(
      `SELECT status, error FROM ops.sync_runs WHERE source = 'jira' AND scope = 'MOB'`,
    );
    expect(rows).toEqual([{ status: 'failed', error: expect.stringMatching(/500/) }]);
    const again = await syncSite(sim, target.db, { only: ['MOB'] });
    expect(again.results[0]!.status).toBe('succeeded');
  });

  it('skips, logs and counts a malformed record while the rest lands', async () => {
    const target = await fresh();
    const { log, lines } = capturedLogger();
    sim.inject({ kind: 'malformed' }, 1, /search\/jql/);
    sim.inject({ kind: 'malformed' }, 1, /bulkfetch/);
    sim.inject({ kind: 'malformed' }, 1, /board\/\d+\/sprint$/);
    sim.resetStats();
    const { results } = await syncSite(sim, target.db, { only: ['PAY'], concurrency: 1 }, log);
    expect(results[0]).toMatchObject({ status: 'succeeded', skipped: 3 });
    // The sprint whose list entry was broken is read on its own, since issues name it.
    expect(sim.stats.byRoute['GET /rest/agile/1.0/sprint/:id']).toBe(1);
    const sprints = await target.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM source.jira_sprints',
    );
    expect(sprints.rows[0]!.n).toBe(
      world.jira.sprints.filter((x) => x.boardId === 1 && x.createdAt <= END).length,
    );
    const { rows } = await target.db.query<{
      records_skipped: number;
      details: { skippedRecords: string[] };
    }>(`SELECT records_skipped, details FROM ops.sync_runs WHERE source = 'jira' AND scope = 'PAY'`);
    expect(rows[0]!.records_skipped).toBe(3);
    expect(rows[0]!.details.skippedRecords).toHaveLength(3);
    expect(lines.filter((l) => /malformed record skipped/.test(l))).toHaveLength(3);
    const landed = await target.db.query<{ n: number }>('SELECT count(*)::int AS n FROM source.jira_issues');
    expect(landed.rows[0]!.n).toBe(
      world.jira.issues.filter((i) => i.project === 'PAY' && i.createdAt <= END).length - 1,
    );
  });

  it('survives a world with broken issues: those are skipped and counted, odd text is cleaned', async () => {
    const broken = jiraWorld({ malformedShare: 0.03 });
    const existing = broken.jira.issues.filter((i) => i.createdAt <= END);
    const bad = existing.filter((i) => i.malformed === 'missing-status');
    const odd = existing.filter((i) => i.malformed === 'odd-unicode');
    expect(bad.length).toBeGreaterThan(0);
    expect(odd.length).toBeGreaterThan(0);
    const site = await startSite(broken);
    try {
      const target = await fresh();
      const { results } = await syncSite(site, target.db);
      expect(results.reduce((n, r) => n + r.skipped, 0)).toBe(bad.length);
      const { rows } = await target.db.query<{ key: string; summary: string }>(
        'SELECT key, summary FROM source.jira_issues',
      );
      expect(rows).toHaveLength(existing.length - bad.length);
      const cleaned = rows.find((r) => r.key === odd[0]!.key)!;
      expect(cleaned.summary).toContain('🚀');
      expect(cleaned.summary).not.toContain('\u0000');
      expect(cleaned.summary.isWellFormed()).toBe(true);
    } finally {
      await site.stop();
    }
  });
});

describe('Data Center', () => {
  it('syncs v2 search with embedded changelogs and a PAT to the same histories', async () => {
    const site = await startSite(world, { flavour: 'datacenter' });
    try {
      const target = await fresh();
      const { results } = await syncSite(site, target.db);
      expect(results.every((r) => r.status === 'succeeded')).toBe(true);
      expect(site.stats.byRoute['POST /rest/api/2/search']).toBeGreaterThan(0);
      const keyed = await target.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM source.jira_users WHERE account_id LIKE 'JIRAUSER%'`,
      );
      expect(keyed.rows[0]!.n).toBeGreaterThan(0);
      // People are user keys on Data Center, and payloads name another host: compare the rest.
      const people = {
        jira_sprints: ['raw'],
        jira_changelog: ['author_account_id'],
        jira_status_periods: ['entered_by_account_id'],
        jira_issues: ['reporter_account_id', 'assignee_account_id', 'raw'],
        jira_users: ['account_id', 'account_type'],
        jira_projects: ['raw'],
        jira_statuses: ['raw'],
        jira_boards: ['raw'],
      };
      // Sprints send null for dates not set, histories come without an author (Jira's own
      // changes) or with a deleted user's name and no key: every record lands, the authors
      // are dropped and counted, and the histories are the same as Cloud's.
      expect(results.every((r) => r.skipped === 0)).toBe(true);
      const { rows: causes } = await target.db.query<{ kind: string; cause: string; records: number }>(
        `SELECT kind, cause, sum(records)::int AS records FROM metrics.sync_record_problems
          WHERE source = 'jira' GROUP BY 1, 2`,
      );
      expect(causes).toEqual([
        {
          kind: 'degraded',
          cause: 'changelog author: a user needs an accountId (Cloud) or a key (Data Center), got an object',
          records: expect.any(Number),
        },
      ]);
      expect(causes[0]!.records).toBeGreaterThan(0);
      const dc = await snapshot(target.db, people);
      const cloud = await snapshot(db.db, people);
      for (const table of Object.keys(dc)) {
        if (table === 'jira_users') continue;
        expect({ table, rows: dc[table] }).toEqual({ table, rows: cloud[table] });
      }
      const again = await syncSite(site, target.db);
      expect(again.results.every((r) => r.rowsWritten === 0)).toBe(true);
    } finally {
      await site.stop();
    }
  });
});
