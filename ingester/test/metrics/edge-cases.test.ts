import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseOrganisation } from '../../src/config/organisation.js';
import { refreshMetrics } from '../../src/metrics/refresh.js';
import { applyOrganisationSettings } from '../../src/metrics/settings.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { h, Scenario } from '../support/scenario.js';

/** One small hand-written history per edge case, each in a team of its own. */
describe('metric edge cases', () => {
  let t: TestDatabase;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
    const s = new Scenario(t.db);

    // The first deployment is a baseline: it ships nothing, so history never becomes lead time.
    const base = s.repo('base');
    base.pr({ number: 1, firstCommit: h(-200), created: h(-190), merged: h(1) });
    ids.baseD1 = base.deploy({ at: h(2) });
    base.pr({
      number: 2,
      firstCommit: h(2),
      created: h(2.5),
      merged: h(3),
      reviews: [{ by: 'bob', at: h(2.75) }],
    });
    ids.baseD2 = base.deploy({ at: h(4) });

    // A rollback: the next deployment ships an older sha.
    const rb = s.repo('rb');
    rb.deploy({ at: h(1) });
    const rbFirst = rb.head;
    rb.pr({ number: 1, firstCommit: h(1), created: h(2), merged: h(3) });
    ids.rbBad = rb.deploy({ at: h(4) });
    ids.rbBack = rb.deploy({ at: h(5), sha: rbFirst });
    rb.pr({ number: 2, firstCommit: h(5), created: h(5.5), merged: h(6) });
    ids.rbNext = rb.deploy({ at: h(7) });

    // A revert: a merged PR reverting one the deployment shipped.
    const rv = s.repo('rv');
    rv.deploy({ at: h(1) });
    rv.pr({ number: 1, firstCommit: h(1), created: h(1.5), merged: h(2) });
    ids.rvBad = rv.deploy({ at: h(3) });
    rv.pr({
      number: 2,
      title: 'Revert "Change 1"',
      body: 'Reverts acme/rv#1',
      branch: 'revert-1-feature/change-1',
      firstCommit: h(4),
      created: h(4),
      merged: h(5),
      reverts: 1,
    });
    ids.rvFix = rv.deploy({ at: h(6) });

    // A hotfix: a PR labelled hotfix, opened while the deployment was the latest.
    const hf = s.repo('hf');
    hf.deploy({ at: h(1) });
    hf.pr({ number: 1, firstCommit: h(1), created: h(1.5), merged: h(2) });
    ids.hfBad = hf.deploy({ at: h(3) });
    hf.pr({ number: 2, labels: ['hotfix'], firstCommit: h(4), created: h(4), merged: h(5) });
    ids.hfFix = hf.deploy({ at: h(6) });

    // An incident that starts after the attribution window (72 h) does not fail the deployment.
    const inc = s.repo('inc');
    s.project('INC');
    inc.deploy({ at: h(1) });
    inc.pr({ number: 1, firstCommit: h(1), created: h(1.5), merged: h(2) });
    ids.incD = inc.deploy({ at: h(3) });
    s.issue({
      key: 'INC-1',
      type: 'Incident',
      created: h(103),
      statuses: [
        ['To Do', h(103)],
        ['Done', h(105)],
      ],
      resolved: h(105),
    });

    // A failed attempt, then a success of the same sha: one deployment, one failed attempt.
    const fa = s.repo('fa');
    fa.deploy({ at: h(1) });
    fa.pr({ number: 1, firstCommit: h(1), created: h(1.5), merged: h(2) });
    ids.faAttempt = fa.deploy({ at: h(3), states: ['in_progress', 'failure'] });
    ids.faD = fa.deploy({ at: h(4) });

    // A repository with no deployments, releases or deploy workflow: its merges are its deployments.
    const mf = s.repo('mf');
    mf.pr({ number: 1, firstCommit: h(0), created: h(0.5), merged: h(1) });
    mf.pr({ number: 2, firstCommit: h(1), created: h(2), merged: h(4) });

    // Deployments to an environment the production pattern does not match (until it is changed).
    const pp = s.repo('pp');
    pp.deploy({ at: h(1), environment: 'live' });
    pp.pr({ number: 1, firstCommit: h(1), created: h(1.5), merged: h(2) });
    ids.ppLive = pp.deploy({ at: h(5), environment: 'live' });

    // A re-opened issue is done when it is done again; flow time runs from first leaving To Do.
    s.project('RO');
    s.issue({
      key: 'RO-1',
      created: h(0),
      statuses: [
        ['To Do', h(0)],
        ['In Progress', h(10)],
        ['Done', h(20)],
        ['In Progress', h(30)],
        ['In Review', h(35)],
        ['Done', h(40)],
      ],
    });

    // An issue in two sprints (carried over), and an empty sprint.
    s.project('TS', 70);
    s.sprint({ id: 701, board: 70, start: h(0), end: h(230), complete: h(240) });
    s.sprint({ id: 702, board: 70, start: h(260), end: h(500), complete: h(500) });
    s.sprint({ id: 703, board: 70, start: h(520), end: h(760), complete: h(760) });
    s.issue({
      key: 'TS-1',
      created: h(-10),
      points: [[5, h(-10)]],
      statuses: [
        ['To Do', h(-10)],
        ['In Progress', h(50)],
        ['Done', h(300)],
      ],
      sprints: [
        { sprint: 701, added: h(-1) },
        { sprint: 702, added: h(240) },
      ],
    });
    s.issue({
      key: 'TS-2',
      created: h(-10),
      points: [[3, h(-10)]],
      statuses: [
        ['To Do', h(-10)],
        ['In Progress', h(20)],
        ['Done', h(100)],
      ],
      sprints: [{ sprint: 701, added: h(-1) }],
    });

    // Open pull requests: a draft waits for no one; a ready one for its first review, then in review.
    const op = s.repo('op');
    op.pr({ number: 1, firstCommit: h(1), created: h(1), draft: true });
    op.pr({ number: 2, firstCommit: h(1), created: h(1), ready: h(2) });
    op.pr({ number: 3, firstCommit: h(1), created: h(1), ready: h(2), reviews: [{ by: 'bob', at: h(3) }] });

    await s.write();
    await applyOrganisationSettings(
      t.db,
      parseOrganisation(`
teams:
  - { name: base, github: { repos: [base] } }
  - { name: rb, github: { repos: [rb] } }
  - { name: rv, github: { repos: [rv] } }
  - { name: hf, github: { repos: [hf] } }
  - { name: inc, github: { repos: [inc] }, jira: { projects: [INC] } }
  - { name: fa, github: { repos: [fa] } }
  - { name: mf, github: { repos: [mf] } }
  - { name: pp, github: { repos: [pp] } }
  - { name: op, github: { repos: [op] } }
  - { name: ro, jira: { projects: [RO] } }
  - { name: ts, jira: { projects: [TS], boards: [70] } }
statusStages: { In Review: waiting, Blocked: waiting }
`),
    );
    await refreshMetrics(t.db);
  });
  afterAll(async () => t.drop());

  const q = async <R>(sql: string, params: unknown[] = []) =>
    (await t.db.query<R & Record<string, unknown>>(sql, params)).rows;
  const deployment = (id: string) =>
    q<{
      baseline: boolean;
      failed: boolean;
      failure_kinds: string[];
      recovery_s: number | null;
      rework: boolean;
      rework_kinds: string[];
      prs_shipped: number;
    }>(
      `SELECT baseline, failed, failure_kinds, recovery_s::float8 AS recovery_s, rework, rework_kinds, prs_shipped::int FROM metrics.team_deployments WHERE team = '*' AND deployment_id = $1`,
      [id],
    ).then((r) => r[0]!);
  const shipped = (repo: string) =>
    q<{ number: number; deployment_id: string }>(
      `SELECT number, deployment_id FROM metrics.pull_requests WHERE repo = $1 AND deployment_id IS NOT NULL ORDER BY number`,
      [`acme/${repo}`],
    );

  it('treats the first deployment as a baseline that ships nothing', async () => {
    expect(await deployment(ids.baseD1!)).toMatchObject({ baseline: true, prs_shipped: 0 });
    expect(await shipped('base')).toEqual([{ number: 2, deployment_id: ids.baseD2 }]);
    const [lead] = await q<{ prs_shipped: number; lead_time_p50_h: number }>(
      `SELECT prs_shipped::int, lead_time_p50_h FROM metrics.dora_summary('base', $1, $2)`,
      [h(-300), h(300)],
    );
    expect(lead).toEqual({ prs_shipped: 1, lead_time_p50_h: 2 });
  });

  it('fails a deployment that is rolled back, and the rollback is rework that ships nothing', async () => {
    expect(await deployment(ids.rbBad!)).toMatchObject({
      failed: true,
      failure_kinds: ['rollback'],
      recovery_s: 3600,
    });
    expect(await deployment(ids.rbBack!)).toMatchObject({
      failed: false,
      rework: true,
      rework_kinds: ['rollback'],
      prs_shipped: 0,
    });
    // After a rollback the next deployment ships only what is new: PR 1 shipped with the bad one.
    expect(await shipped('rb')).toEqual([
      { number: 1, deployment_id: ids.rbBad },
      { number: 2, deployment_id: ids.rbNext },
    ]);
  });

  it('fails a deployment whose PR is reverted within the window', async () => {
    expect(await deployment(ids.rvBad!)).toMatchObject({
      failed: true,
      failure_kinds: ['revert'],
      recovery_s: 3 * 3600,
    });
    expect(await deployment(ids.rvFix!)).toMatchObject({
      failed: false,
      rework: true,
      rework_kinds: ['revert'],
    });
  });

  it('fails the latest deployment when a hotfix is opened, and recovers at the hotfix deployment', async () => {
    expect(await deployment(ids.hfBad!)).toMatchObject({
      failed: true,
      failure_kinds: ['hotfix'],
      recovery_s: 3 * 3600,
    });
    expect(await deployment(ids.hfFix!)).toMatchObject({ rework: true, rework_kinds: ['hotfix'] });
  });

  it('does not fail a deployment for an incident outside the attribution window, and shows why', async () => {
    expect(await deployment(ids.incD!)).toMatchObject({ failed: false });
    const rows = await q<{
      kind: string;
      evidence: string;
      within_window: boolean;
      hours_after_deployment: number;
    }>(
      `SELECT kind, evidence, within_window, hours_after_deployment::float8 FROM metrics.validate_change_failures WHERE team = 'inc'`,
    );
    expect(rows).toEqual([
      { kind: 'incident', evidence: 'INC-1', within_window: false, hours_after_deployment: 100 },
    ]);
  });

  it('counts a failed attempt followed by a success as one deployment and one attempt, not a failure', async () => {
    const [s] = await q<{ deployments: number; failed_deployments: number }>(
      `SELECT deployments::int, failed_deployments::int FROM metrics.dora_summary('fa', $1, $2)`,
      [h(-300), h(300)],
    );
    expect(s).toEqual({ deployments: 2, failed_deployments: 0 });
    expect(
      await q(`SELECT id FROM metrics.deployment_failed_attempts WHERE id = $1`, [ids.faAttempt]),
    ).toHaveLength(1);
    expect(await shipped('fa')).toEqual([{ number: 1, deployment_id: ids.faD }]);
  });

  it('falls back to merges to the default branch for a repository without deployments, marked as a fallback', async () => {
    const rows = await q<{ source: string; is_fallback: boolean; baseline: boolean }>(
      `SELECT source, is_fallback, baseline FROM metrics.deployments d JOIN metrics.repos r USING (repo_id) WHERE r.repo = 'acme/mf' ORDER BY finished_at`,
    );
    expect(rows).toEqual([
      { source: 'merges', is_fallback: true, baseline: true },
      { source: 'merges', is_fallback: true, baseline: false },
    ]);
    const [pr] = await q<{ number: number; deploy_s: number; lead_time_s: number }>(
      `SELECT number, deploy_s::float8, lead_time_s::float8 FROM metrics.pull_requests WHERE repo = 'acme/mf' AND deployment_id IS NOT NULL`,
    );
    expect(pr).toEqual({ number: 2, deploy_s: 0, lead_time_s: 3 * 3600 });
  });

  it('gives NULL, not 0, for a team with nothing deployed', async () => {
    const [s] = await q<Record<string, unknown>>(`SELECT * FROM metrics.dora_summary('ro', $1, $2)`, [
      h(-300),
      h(300),
    ]);
    expect(s).toMatchObject({
      deployments: '0',
      change_fail_rate_pct: null,
      change_fail_rate_band: null,
      lead_time_p50_h: null,
      recovery_p50_h: null,
      rework_rate_pct: null,
      deployment_frequency_band: null,
    });
  });

  it('measures a re-opened issue to its final done, with flow time from first leaving To Do', async () => {
    const [i] = await q<{ done_at: Date; flow_time_s: number; active_s: number; waiting_s: number }>(
      `SELECT done_at, flow_time_s::float8, active_s::float8, waiting_s::float8 FROM metrics.issues WHERE key = 'RO-1'`,
    );
    expect(i).toEqual({ done_at: h(40), flow_time_s: 30 * 3600, active_s: 15 * 3600, waiting_s: 5 * 3600 });
    const [f] = await q<{ flow_efficiency_pct: string }>(
      `SELECT flow_efficiency_pct FROM metrics.flow_summary('ro', $1, $2)`,
      [h(-300), h(300)],
    );
    expect(Number(f!.flow_efficiency_pct)).toBe(50);
  });

  it('carries an unfinished issue from one sprint to the next, and keeps an empty sprint at zero', async () => {
    const rows = await q<{
      sprint_id: string;
      key: string;
      committed: boolean;
      completed: boolean;
      carried_over: boolean;
    }>(
      `SELECT sprint_id, key, committed, completed, carried_over FROM metrics.sprint_issues WHERE key LIKE 'TS-%' ORDER BY sprint_id, key`,
    );
    expect(rows).toEqual([
      { sprint_id: '701', key: 'TS-1', committed: true, completed: false, carried_over: true },
      { sprint_id: '701', key: 'TS-2', committed: true, completed: true, carried_over: false },
      { sprint_id: '702', key: 'TS-1', committed: true, completed: true, carried_over: false },
    ]);
    const sprints = await q<{
      sprint_id: string;
      committed_points: string;
      completed_points: string;
      say_do_pct: string | null;
      carried_over_issues: string;
    }>(
      `SELECT sprint_id, committed_points, completed_points, say_do_pct, carried_over_issues FROM metrics.team_sprints WHERE team = 'ts' ORDER BY sprint_id`,
    );
    expect(
      sprints.map((r) => [
        r.sprint_id,
        Number(r.committed_points),
        Number(r.completed_points),
        r.say_do_pct === null ? null : Number(r.say_do_pct),
        Number(r.carried_over_issues),
      ]),
    ).toEqual([
      ['701', 8, 3, 37.5, 1],
      ['702', 5, 5, 100, 0],
      ['703', 0, 0, null, 0],
    ]);
  });

  it('lists open pull requests by stage, waiting from ready or from the first review, a draft waiting for no one', async () => {
    const rows = await q<{ pr_key: string; stage: string; waiting_h: number | null }>(
      `SELECT pr_key, stage, waiting_h::float8 AS waiting_h FROM metrics.open_pull_requests
        WHERE team = 'op' ORDER BY pr_key`,
    );
    expect(rows.map((r) => [r.pr_key, r.stage, r.waiting_h === null])).toEqual([
      ['acme/op#1', 'draft', true],
      ['acme/op#2', 'waiting for review', false],
      ['acme/op#3', 'in review', false],
    ]);
    expect(rows[1]!.waiting_h! - rows[2]!.waiting_h!).toBeCloseTo(1, 6);
  });

  it('changes the result when a setting row changes and the metrics are refreshed', async () => {
    const before = await q<{ source: string }>(
      `SELECT source FROM metrics.repo_deployment_source WHERE repo = 'acme/pp'`,
    );
    expect(before).toEqual([{ source: 'merges' }]);
    await t.db.query(
      `UPDATE metrics.setting_values SET value = '^(prod|production|live)$' WHERE key = 'production_pattern'`,
    );
    await refreshMetrics(t.db);
    const after = await q<{ source: string }>(
      `SELECT source FROM metrics.repo_deployment_source WHERE repo = 'acme/pp'`,
    );
    expect(after).toEqual([{ source: 'deployments' }]);
    expect(await shipped('pp')).toEqual([{ number: 1, deployment_id: ids.ppLive }]);
    // The attribution window is a row too.
    await t.db.query(
      `UPDATE metrics.setting_values SET value = '120' WHERE key = 'attribution_window_hours'`,
    );
    await refreshMetrics(t.db);
    expect(await deployment(ids.incD!)).toMatchObject({ failed: true, failure_kinds: ['incident'] });
  });

  it('gives a team the repositories its names match, in any case, and its patterns of * and ?, each once', async () => {
    // Names are matched by equality and patterns by LIKE: both kinds, and their overlaps.
    await t.db.query(`INSERT INTO metrics.setting_teams (team) VALUES ('names')`);
    await t.db.query(
      `INSERT INTO metrics.setting_team_repos (team, pattern) VALUES ('names', 'RB'), ('names', 'r?'), ('names', 'h?'), ('names', 'O*'), ('names', '_p'), ('names', 'in')`,
    );
    try {
      const repos = await q<{ repo: string }>(
        `SELECT repo FROM metrics.team_repos WHERE team = 'names' ORDER BY repo`,
      );
      expect(repos.map((r) => r.repo)).toEqual(['acme/hf', 'acme/op', 'acme/rb', 'acme/rv']);
    } finally {
      await t.db.query(`DELETE FROM metrics.setting_teams WHERE team = 'names'`);
    }
  });
});
