import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseOrganisation } from '../../src/config/organisation.js';
import { allPanels, loadDashboards } from '../support/grafana/harness.js';
import { expandPostgresQuery } from '../support/grafana/macros.js';
import { refreshMetrics } from '../../src/metrics/refresh.js';
import { applyOrganisationSettings } from '../../src/metrics/settings.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { h, Scenario, type ScenarioRepo } from '../support/scenario.js';

/**
 * docs/metrics.md is a contract. These tests hold the sentences of it that the other tests
 * (ground truth, edge cases, recovery, percentiles, the API, the Grafana harness) leave open,
 * on a history small enough to work out by hand; each group of sentences has a team of its own.
 */

const DASHBOARDS = join(dirname(fileURLToPath(import.meta.url)), '../../../provisioning/dashboards');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.now();
const NOW_H = (NOW - h(0).getTime()) / HOUR; // now, in the scenario's hours
const TODAY = Math.floor(NOW / DAY) * DAY;
const THIS_WEEK = TODAY - ((new Date(TODAY).getUTCDay() + 6) % 7) * DAY;
// h(-9) is Monday 5 January 2026, 00:00 UTC.
const week = (n: number) => h(-9 + 168 * n);

const ORGANISATION = `
teams:
  - { name: tiles, github: { repos: [tl] } }
  - { name: t1, github: { repos: [shared, 'shar*'] } }
  - { name: t2, github: { repos: [shared] } }
  - { name: rel, github: { repos: [rel] } }
  - { name: oncall, github: { repos: [svc1, svc2] }, jira: { projects: [ONC] } }
  - { name: flow, github: { repos: [pf] } }
  - { name: jf, jira: { projects: [JF] } }
  - { name: sp, jira: { projects: [SP], boards: [80] } }
  - { name: running, github: { repos: [nw] } }
statusStages: { In Review: waiting, Blocked: waiting }
bots: [sam]
incidents: { issueTypes: [Incident, Outage], labels: [incident] }
deployments: { repos: { live: { productionPattern: '^live$' } } }
`;

const pairs = <A, B>(xs: (A | B)[]) =>
  Array.from({ length: xs.length / 2 }, (_, i) => [xs[2 * i], xs[2 * i + 1]] as [A, B]);
const at = (hour?: number) => (hour === undefined ? undefined : h(hour));
type PrOptions = Partial<Parameters<ScenarioRepo['pr']>[0]>;
type DeployOptions = Omit<Parameters<ScenarioRepo['deploy']>[0], 'at'>;
/** Points as value, hour…; sprints as sprint, hour added…, the first left at `removed`. */
type IssueOpts = {
  type?: string;
  labels?: string[];
  points?: number[];
  sprints?: number[];
  removed?: number;
};

describe('docs/metrics.md, sentence by sentence', () => {
  let t: TestDatabase;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
    const s = new Scenario(t.db);
    const after: [string, unknown[]][] = [];
    const flag = (key: string, from: number, to?: number) =>
      after.push([
        `INSERT INTO source.jira_flag_periods VALUES ($1, $2, $3)`,
        [`I_${key}`, h(from), at(to) ?? null],
      ]);
    const deploy = (r: ScenarioRepo, hour: number, o: DeployOptions = {}) => r.deploy({ at: h(hour), ...o });
    /** A pull request from the hours of its first commit, its opening and its merge (if merged). */
    const pr = (r: ScenarioRepo, number: number, [first, opened, merged]: number[], o: PrOptions = {}) =>
      r.pr({ number, firstCommit: h(first!), created: h(opened!), merged: at(merged), ...o });
    /** An issue created in its first status, from status, hour, status, hour… */
    const issue = (key: string, steps: (string | number)[], o: IssueOpts = {}) => {
      const statuses = pairs<string, number>(steps).map(([st, hour]) => [st, h(hour)] as [string, Date]);
      s.issue({
        ...o,
        key,
        created: statuses[0]![1],
        statuses,
        points: pairs<number, number>(o.points ?? []).map(([p, hour]) => [p, h(hour)]),
        sprints: pairs<number, number>(o.sprints ?? []).map(([sprint, hour], i) => ({
          sprint,
          added: h(hour),
          removed: i === 0 ? at(o.removed) : undefined,
        })),
      });
    };

    // Four whole weeks from week(0) with 3, 0, 2 and 0 deployments.
    const tl = s.repo('tl');
    deploy(tl, -50);
    pr(tl, 1, [0, 0.5, 1]);
    deploy(tl, 2);
    const tlGood = tl.head;
    pr(tl, 2, [0, 3, 5]);
    ids.tlRolledBack = deploy(tl, 10);
    ids.tlRollback = deploy(tl, 12, { sha: tlGood });
    pr(tl, 3, [338, 340, 345]);
    ids.tlHotfixed = deploy(tl, 350);
    pr(tl, 4, [351, 352, 355], { branch: 'hotfix/login' });
    ids.tlHotfix = deploy(tl, 360);
    // Opened while the last deployment was the latest, inside the window, but never deployed.
    pr(tl, 5, [390, 400], { labels: ['hotfix'] });

    // In two teams, and matched twice within t1.
    const shared = s.repo('shared');
    deploy(shared, 1);
    pr(shared, 1, [1, 1.5, 2]);
    deploy(shared, 3);

    const live = s.repo('live');
    deploy(live, 1, { environment: 'live' });
    deploy(live, 2, { environment: 'production' });
    deploy(live, 3, { environment: 'Live' });
    const st = s.repo('st');
    deploy(st, 1);
    pr(st, 1, [1, 1.5, 2]);
    ids.stError = deploy(st, 3, { states: ['in_progress', 'error'] });
    ids.stTwice = deploy(st, 4, { states: ['in_progress', 'success', 'success'] });

    // Releases before merges; drafts and pre-releases are not deployments.
    const rel = s.repo('rel');
    pr(rel, 1, [0, 0.2, 0.5]);
    const relFirst = rel.head;
    pr(rel, 2, [1, 1.2, 1.5]);
    const release = (id: string, sha: string, published?: number, draft = false, pre = false) =>
      after.push([
        `INSERT INTO source.github_releases (id, repo_id, tag_name, sha, is_draft, is_prerelease, created_at, published_at, raw)
         VALUES ($1, $2, $1, $3, $4, $5, $6, $7, '{}')`,
        [id, rel.id, sha, draft, pre, h(0), at(published) ?? null],
      ]);
    release('RL_1', relFirst, 1);
    release('RL_2', rel.head, 2, false, true);
    release('RL_3', rel.head, undefined, true);
    release('RL_4', rel.head, 4);

    // A fix deployed from its branch before it merges, and a merge commit missing from the history.
    const br = s.repo('br');
    deploy(br, 1);
    const brBase = br.head;
    const brFix = pr(br, 1, [1.5, 2, 5], { branch: 'fix/timeout' });
    ids.brBranch = deploy(br, 3, { sha: brFix.headOid });
    deploy(br, 6);
    after.push([
      `INSERT INTO source.github_compares (repo_id, head_oid, base_ref, status, merge_base_oid, ahead_by, ahead_oids)
       VALUES ($1, $2, 'main', 'ahead', $3, 1, $4)`,
      [br.id, brFix.headOid, brBase, [brFix.headOid]],
    ]);
    const ap = s.repo('ap');
    deploy(ap, 1);
    const apPr = pr(ap, 1, [1, 1.5, 2]);
    ids.apFirst = deploy(ap, 3);
    deploy(ap, 5);
    after.push([
      `UPDATE source.github_pull_requests SET merge_commit_oid = md5('') WHERE id = $1`,
      [apPr.id],
    ]);

    // A team with two repositories: an incident by label (ONC-1), one by a type from the file (ONC-2).
    s.project('ONC');
    const svc1 = s.repo('svc1');
    const svc2 = s.repo('svc2');
    deploy(svc1, 1);
    deploy(svc2, 2);
    pr(svc1, 1, [8, 8, 9]);
    ids.svc1Early = deploy(svc1, 10);
    pr(svc2, 1, [18, 18, 19]);
    ids.svc2Bad = deploy(svc2, 20);
    issue('ONC-1', ['To Do', 25, 'Done', 30], { type: 'Task', labels: ['incident'] });
    const oncFix = pr(svc1, 2, [26, 26, 27], { title: 'ONC-1 Raise the pool' });
    after.push([`INSERT INTO source.github_pr_issue_refs VALUES ($1, 'ONC-1', 'title')`, [oncFix.id]]);
    ids.svc1Fix = deploy(svc1, 28);
    pr(svc1, 3, [38, 38, 39]);
    ids.svc1Bad = deploy(svc1, 40);
    issue('ONC-2', ['To Do', 41], { type: 'Outage' });

    // People: the author, a [bot] and a bot the file lists (sam) review before carol comments.
    s.project('FLO');
    const pf = s.repo('pf');
    deploy(pf, -10);
    const reviews = (spec: string) =>
      spec.split(' ').map((r) => {
        const [by, hour, state] = r.split(/[@:]/);
        return { by: by!, at: h(Number(hour)), state };
      });
    const pf1 = pr(pf, 1, [-3, 0, 8], {
      title: 'FLO-1 Speed up search',
      body: 'See also NOPE-9',
      ready: h(2),
      reviews: reviews(
        'ada@2.5 renovate[bot]@3 sam@3.5 carol@4:COMMENTED dave@5:CHANGES_REQUESTED carol@6 erin@7:COMMENTED',
      ),
    });
    after.push([
      `INSERT INTO source.github_pr_issue_refs VALUES ($1, 'FLO-1', 'title'), ($1, 'NOPE-9', 'body')`,
      [pf1.id],
    ]);
    pr(pf, 2, [6, 7, 10], { reviews: reviews('ada@8 sam@9') });
    pr(pf, 3, [9, 9, 11], { author: 'dependabot[bot]' });
    pr(pf, 4, [9, 9, 11.5], { author: 'sam' });
    deploy(pf, 12);
    pr(pf, 5, [19, 20]);

    // Jira flow: two items done in each of two weeks, an epic, and two items still open.
    s.project('JF');
    issue('JF-1', ['To Do', 0, 'In Progress', 10, 'Done', 20]);
    issue('JF-2', ['To Do', 0, 'In Progress', 10, 'Done', 30]);
    issue('JF-3', ['To Do', 170, 'In Progress', 180, 'Done', 210], { type: 'Bug', labels: ['security'] });
    issue('JF-4', ['To Do', 170, 'In Progress', 180, 'Done', 240], { type: 'Task' });
    issue('JF-5', ['To Do', 0, 'In Progress', 5, 'Done', 200], { type: 'Epic' });
    issue('JF-6', ['To Do', 0, 'In Progress', 10, 'In Review', 20, 'In Progress', 30]);
    issue('JF-7', ['To Do', 0, 'In Progress', 5, 'Blocked', 10]);
    flag('JF-7', 8, 12);

    // Sprints: 801 closed, 802 active, 803 future, 804 never completed, 805 after it.
    s.project('SP', 80);
    s.sprint({ id: 801, board: 80, start: h(0), end: h(240), complete: h(240) });
    s.sprint({ id: 802, board: 80, start: h(NOW_H - 72), end: h(NOW_H + 168) });
    s.sprint({ id: 803, board: 80, start: h(NOW_H + 192), end: h(NOW_H + 432), state: 'future' });
    s.sprint({ id: 804, board: 80, start: h(300), end: h(400) });
    s.sprint({ id: 805, board: 80, start: h(1300), end: h(1400), complete: h(1400) });
    const sp1 = ['To Do', -10, 'In Progress', 10, 'Blocked', 20, 'In Progress', 35, 'Done', 100];
    issue('SP-1', sp1, { points: [5, -10], sprints: [801, -1] });
    flag('SP-1', 30, 50);
    issue('SP-2', ['To Do', -10, 'In Progress', 60], {
      points: [3, -10, 5, 50],
      sprints: [801, -1, 802, 240],
    });
    flag('SP-2', 230, 260);
    flag('SP-2', NOW_H - 24);
    issue('SP-3', ['To Do', 15, 'Done', 150], { points: [2, 15], sprints: [801, 20] });
    issue('SP-4', ['To Do', -10], { points: [4, -10], sprints: [801, -1], removed: 60 });
    issue('SP-5', ['To Do', -10, 'Done', 200], { sprints: [801, -1] });
    issue('SP-6', ['To Do', NOW_H - 48, 'Done', NOW_H - 2], {
      points: [1, NOW_H - 48],
      sprints: [802, NOW_H - 24],
    });
    issue('SP-7', ['To Do', NOW_H - 24], { points: [3, NOW_H - 24], sprints: [803, NOW_H - 24] });
    issue('SP-8', ['To Do', 290, 'Done', 500], { sprints: [804, 299] });
    issue('SP-9', ['To Do', 290], { sprints: [804, 299, 805, 1250] });

    // Deployments now, in the last whole week, and in a week a range from a Thursday cuts short.
    const nw = s.repo('nw');
    nw.deploy({ at: new Date(NOW - 30 * DAY) });
    nw.deploy({ at: new Date(THIS_WEEK - 10 * DAY + 12 * HOUR) });
    nw.deploy({ at: new Date(THIS_WEEK - 3 * DAY + 12 * HOUR) });
    nw.deploy({ at: new Date(Math.max(TODAY, NOW - 60_000)) });

    await s.write();
    for (const [sql, params] of after) await t.db.query(sql, params);
    await applyOrganisationSettings(t.db, parseOrganisation(ORGANISATION));
    await refreshMetrics(t.db);
  }, 120_000);
  afterAll(async () => t.drop());

  const q = async (sql: string, params: unknown[] = []) => (await t.db.query(sql, params)).rows;
  /** The first row, numeric and bigint columns as numbers. */
  const one = async (sql: string, params: unknown[] = []) =>
    Object.fromEntries(
      Object.entries((await q(sql, params))[0]!).map(([k, v]) => [
        k,
        typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v,
      ]),
    );
  const cols = (row: Record<string, unknown>, names: string) => names.split(' ').map((n) => row[n]);
  /** What became of a deployment, in words. */
  const outcome = async (id: string) =>
    (
      await one(
        `SELECT concat_ws('; ',
                  CASE WHEN failed THEN 'failed: ' || array_to_string(failure_kinds, ', ')
                       || coalesce(', recovered in ' || recovery_s / 3600 || ' h', ', not recovered') END,
                  CASE WHEN rework THEN 'rework: ' || array_to_string(rework_kinds, ', ') END) AS o
           FROM metrics.deployment_outcomes WHERE deployment_id = $1`,
        [id],
      )
    ).o;
  /** A value measured up to now lies between what it was before the query and after it. */
  const measuredNow = (value: unknown, before: number, since: Date | number, unit: number) => {
    expect(value).toBeGreaterThanOrEqual((before - +since) / unit - 1e-6);
    expect(value).toBeLessThanOrEqual((Date.now() - +since) / unit + 1e-6);
  };

  it('gives the DORA tiles of a period: deployments per week, the median of the weekly counts (weeks without a deployment count as 0), deploy days per week, both counts of each rate, p50/p75/p90 and bands on the p50', async () => {
    const summary = await one(`SELECT * FROM metrics.dora_summary('tiles', $1, $2)`, [week(0), week(4)]);
    const frequency =
      'deployments weeks deployments_per_week median_deployments_per_week deploy_days_per_week';
    // The median of 3, 0, 2 and 0 is 1; without the empty weeks it would be 2.5.
    expect(cols(summary, frequency)).toEqual([5, 4, 1.25, 1, 0.75]);
    const rates =
      'failed_deployments change_fail_rate_pct rework_deployments rework_rate_pct fallback_deployments';
    expect(cols(summary, rates)).toEqual([2, 40, 2, 40, 0]);
    const bands = 'deployment_frequency_band change_fail_rate_band lead_time_band recovery_band';
    expect(cols(summary, bands)).toEqual(['high', 'low', 'elite', 'high']);
    // Interpolated over all four lead times (2, 9, 10, 12 h): not 9 (the lower middle) nor
    // 7.75 (the median of the weeks' medians, 6 and 9.5). Recovery: 2 h and 10 h.
    const percentiles = 'lead_time_p50_h lead_time_p75_h lead_time_p90_h recovery_p50_h recovery_p90_h';
    expect(cols(summary, percentiles).map((v) => Math.round(Number(v) * 1e9) / 1e9)).toEqual([
      9.5, 10.5, 11.4, 6, 9.2,
    ]);
  });

  it('counts the weeks a period cuts by the part of them inside it, for the median of the weekly counts', async () => {
    // From hour 5 to hour 355: week 0 holds two of its three deployments (10 h, 12 h), week 1
    // none, week 2 one of its two (350 h): the median of 2, 0 and 1 is 1 (of the whole weeks' 3,
    // 0 and 2 it would be 2). Within one week, hours 1 to 11: one week of two deployments.
    const cut = await one(`SELECT * FROM metrics.dora_summary('tiles', $1, $2)`, [h(5), h(355)]);
    expect(cols(cut, 'deployments median_deployments_per_week')).toEqual([3, 1]);
    const short = await one(`SELECT * FROM metrics.dora_summary('tiles', $1, $2)`, [h(1), h(11)]);
    expect(cols(short, 'deployments median_deployments_per_week')).toEqual([2, 2]);
  });

  it('lists in the drill-down views the rows behind each DORA number', async () => {
    const tiles = (view: string, what: string, time = 'finished_at') =>
      `(SELECT ${what} FROM metrics.${view} WHERE team = 'tiles' AND ${time} >= $1 AND ${time} < $2) AS ${view}`;
    const rows = await one(
      `SELECT ${tiles('validate_deployments', 'count(*)')},
              ${tiles('validate_lead_time', 'array_agg(lead_time_h ORDER BY lead_time_h)', 'deployed_at')},
              ${tiles('validate_change_failures', `array_agg(kind || ' ' || within_window || ' ' || hours_after_deployment ORDER BY finished_at)`)},
              ${tiles('validate_recovery', 'array_agg(recovery_h ORDER BY finished_at)')},
              ${tiles('validate_rework', `array_agg(array_to_string(rework_kinds, ',') ORDER BY finished_at)`)}`,
      [week(0), week(4)],
    );
    expect(rows).toEqual({
      validate_deployments: 5,
      validate_lead_time: [2, 9, 10, 12],
      validate_change_failures: ['rollback true 2', 'hotfix true 2'],
      validate_recovery: [2, 10],
      validate_rework: ['rollback', 'hotfix'],
    });
  });

  it('counts each deployment once within a team, and once in *, though its repository belongs to several teams', async () => {
    const rows = await q(
      `SELECT team, count(*)::int AS n, count(DISTINCT deployment_id)::int AS distinct_n FROM metrics.team_deployments
        WHERE team IN ('t1', 't2', '*') GROUP BY team ORDER BY team`,
    );
    const { n } = await one(`SELECT count(*) AS n FROM metrics.deployments`);
    expect(rows).toEqual([
      { team: '*', n, distinct_n: n },
      { team: 't1', n: 2, distinct_n: 2 },
      { team: 't2', n: 2, distinct_n: 2 },
    ]);
  });

  it('puts everything in one team named after the GitHub organisation when no teams are configured', async () => {
    const all = (view: string, of: string) =>
      `(SELECT count(*) FROM metrics.${view} WHERE team = 'acme') = (SELECT count(*) FROM metrics.${of}) AS ${of}`;
    const seen = await t.db
      .tx(async (c) => {
        await c.query('DELETE FROM metrics.setting_teams');
        const { rows } = await c.query(
          `SELECT (SELECT array_agg(team) FROM metrics.teams) AS teams, ${all('team_deployments', 'deployments')},
                  ${all('team_pull_requests', 'pull_requests')}, ${all('team_issues', 'issues')}, ${all('team_sprints', 'sprints')}`,
        );
        throw rows; // leaves the teams as they were
      })
      .catch((rows: unknown) => rows);
    expect(seen).toEqual([
      { teams: ['acme'], deployments: true, pull_requests: true, issues: true, sprints: true },
    ]);
  });

  it('takes as deployments those to an environment matching the repository’s own production pattern, case-insensitively, at their first success; statuses ending in error are a failed attempt, not a deployment nor a failure', async () => {
    const of = (repo: string) =>
      q(
        `SELECT deployment_id AS id, environment, finished_at, failed FROM metrics.deployment_outcomes WHERE repo = $1 ORDER BY finished_at`,
        [`acme/${repo}`],
      );
    expect((await of('live')).map((r) => r.environment)).toEqual(['live', 'Live']);
    const st = await of('st');
    expect(st.map((r) => r.failed)).toEqual([false, false]);
    expect(st[1]).toMatchObject({ id: ids.stTwice, finished_at: new Date(+h(4) - 60_000) });
    const attempts = await q(`SELECT id FROM metrics.deployment_failed_attempts WHERE repo_id = 'R_acme_st'`);
    expect(attempts).toEqual([{ id: ids.stError }]);
  });

  it('falls back to published releases (not drafts or pre-releases) before merges, marked is_fallback and counted separately in the tiles', async () => {
    const rows = await q(
      `SELECT id, source, is_fallback FROM metrics.deployments WHERE repo_id = 'R_acme_rel' ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 'RL_1', source: 'releases', is_fallback: true },
      { id: 'RL_4', source: 'releases', is_fallback: true },
    ]);
    const tiles = await one(`SELECT * FROM metrics.dora_summary('rel', $1, $2)`, [h(-10), h(10)]);
    expect(tiles).toMatchObject({ deployments: 2, fallback_deployments: 2, prs_shipped: 1 });
  });

  it('ships a pull request with a deployment from its branch carrying its commits, and, when its merge commit is not on the known history, with the first deployment at or after its merge', async () => {
    const rows = await q(
      `SELECT repo, deployment_id, ship_method FROM metrics.pull_requests WHERE repo IN ('acme/br', 'acme/ap') ORDER BY repo`,
    );
    expect(rows).toEqual([
      { repo: 'acme/ap', deployment_id: ids.apFirst, ship_method: 'approximate' },
      { repo: 'acme/br', deployment_id: ids.brBranch, ship_method: 'compare' },
    ]);
  });

  it('fails a deployment when a pull request on a branch matching ^hotfix[/_-] is opened while it is the latest, and deployed', async () => {
    expect(await outcome(ids.tlHotfixed!)).toBe('failed: hotfix, recovered in 10 h');
    // The PR labelled hotfix opened after that is not deployed.
    expect(await outcome(ids.tlHotfix!)).toBe('rework: hotfix');
  });

  it('fails the latest deployment of the incident’s teams’ repositories, for an incident labelled incident or of a type the file’s incidents: name, and counts its fix as rework', async () => {
    // ONC-1 starts at h(25), when svc2's deployment of h(20) is the team's latest, not svc1's of
    // h(10). Its fix is deployed at h(28); it is resolved at h(30), the later.
    expect(await outcome(ids.svc2Bad!)).toBe('failed: incident, recovered in 10 h');
    expect(await outcome(ids.svc1Early!)).toBe('');
    expect(await outcome(ids.svc1Fix!)).toBe('rework: incident');
    // ONC-2, an Outage, is still open.
    expect(await outcome(ids.svc1Bad!)).toBe('failed: incident, not recovered');
  });

  it('bands by value from the DORA 2024 clusters, one row per metric and band, the swapped and equal clusters as the note says, no band for rework rate nor for a period without a deployment', async () => {
    const bands = await q(
      `SELECT metrics.dora_band(m, v) AS band FROM (VALUES ('change_fail_rate', 4), ('change_fail_rate', 7),
              ('change_fail_rate', 15), ('recovery_time', 12), ('recovery_time', 30), ('recovery_time', 200)) x(m, v)`,
    );
    expect(bands.map((r) => r.band)).toEqual(['elite', 'high', 'medium', 'high', 'medium', 'low']);
    const rows = await q(
      `SELECT metric || ' ' || count(*) || ' ' || string_agg(DISTINCT year::text, ' ') AS m, string_agg(note, ' ') AS notes
         FROM metrics.dora_bands GROUP BY metric ORDER BY metric`,
    );
    expect(rows.map((r) => r.m).join(', ')).toBe(
      'change_fail_rate 4 2024, change_lead_time 4 2024, deployment_frequency 4 2024, recovery_time 4 2024',
    );
    expect(rows[0]!.notes).toMatch(/swapped/);
    expect(rows[3]!.notes).toMatch(/medium here is one day to one week/);
    const none = await one(`SELECT * FROM metrics.dora_summary('jf', $1, $2)`, [week(0), week(4)]);
    expect(none).toMatchObject({ deployments: 0, deployments_per_week: 0, deployment_frequency_band: null });
  });

  it('measures coding, pickup (first review in any state by someone other than the author, bots excluded), review and deploy, size (additions + deletions, files), reviews, review rounds and merges without review', async () => {
    const rows = await q(
      `SELECT number, is_bot, coding_s / 3600 AS coding, pickup_s / 3600 AS pickup, review_s / 3600 AS review,
              deploy_s / 3600 AS deploy, size, changed_files, reviews::int, review_rounds::int, merged_without_review
         FROM metrics.pull_requests WHERE repo = 'acme/pf' AND number <= 4 ORDER BY number`,
    );
    expect(rows.map((r) => Object.values(r))).toEqual([
      [1, false, 5, 2, 4, 4, 15, 2, 4, 1, false],
      [2, false, 1, null, null, 2, 15, 2, 0, 0, true],
      [3, true, 0, null, null, 1, 15, 2, 0, 0, true],
      [4, true, 0, null, null, 0.5, 15, 2, 0, 0, true],
    ]);
    const weekly = await one(
      `SELECT merged, merged_without_review, reviews_avg, review_rounds_avg, size_p50, files_p50 FROM metrics.pr_flow_weekly
        WHERE team = 'flow' AND week = $1`,
      [week(0)],
    );
    expect(Object.values(weekly)).toEqual([2, 1, 2, 0.5, 15, 2]);
  });

  it('leaves bots (logins ending in [bot], or listed) out of the people-based measures, but counts their changes in DORA’s lead time', async () => {
    const period = [week(0), week(1)];
    const dora = await one(`SELECT prs_shipped FROM metrics.dora_summary('flow', $1, $2)`, period);
    const flow = await one(`SELECT prs_merged FROM metrics.pr_flow_summary('flow', $1, $2)`, period);
    expect([dora.prs_shipped, flow.prs_merged]).toEqual([4, 2]);
  });

  it('summarises review load per team and week: the median reviews per reviewer, the busiest reviewer’s count and share, never a leaderboard', async () => {
    const load = await one(`SELECT * FROM metrics.review_load_weekly WHERE team = 'flow' AND week = $1`, [
      week(0),
    ]);
    const figures =
      'reviewers reviews reviews_per_reviewer_p50 reviews_per_reviewer_max busiest_reviewer_share_pct';
    expect(cols(load, figures)).toEqual([3, 4, 1, 2, 50]);
    // Nothing else, and no reviewer's name.
    expect(Object.keys(load).join(' ')).toBe(`team week ${figures}`);
  });

  it('gives an open PR its age, and links only keys of known Jira projects', async () => {
    const before = Date.now();
    const open = await one(`SELECT age_days, stage FROM metrics.open_pull_requests WHERE team = 'flow'`);
    expect(open.stage).toBe('waiting for review');
    measuredNow(open.age_days, before, h(20), DAY);
    const links = await q(`SELECT issue_key FROM metrics.pr_issue_links WHERE pr_id = $1`, ['PR_pf_1']);
    expect(links).toEqual([{ issue_key: 'FLO-1' }]);
  });

  it('maps issue types and labels to flow items, a label rule winning over a type rule, and leaves epics out', async () => {
    // JF-3 is a Bug labelled security; JF-5, an epic, is not there.
    const items = await q(
      `SELECT string_agg(key || ': ' || flow_item, ', ' ORDER BY key) AS s FROM metrics.issues WHERE project_key = 'JF'`,
    );
    expect(items[0]!.s).toBe(
      'JF-1: feature, JF-2: feature, JF-3: risk, JF-4: debt, JF-6: feature, JF-7: feature',
    );
  });

  it('summarises flow over a period: the items done, their flow time percentile over all of them, and the share of each flow item', async () => {
    const flow = await one(`SELECT * FROM metrics.issue_flow_summary('jf', $1, $2)`, [week(0), week(2)]);
    // Flow times of 10, 20, 30 and 60 h: 25 h, not 30 h (the median of the weeks' 15 and 45).
    expect(flow.flow_time_p50_d).toBeCloseTo(25 / 24, 9);
    const shares = [flow.features_pct, flow.defects_pct, flow.risks_pct, flow.debts_pct];
    expect([flow.items_done, flow.wip_now, ...shares]).toEqual([4, 2, 50, 0, 25, 25]);
  });

  it('measures an open item: active_s and waiting_s of the stage periods it has left, aging WIP’s days in its current stage, blocked time up to now with overlaps once, and work in progress at the end of each day up to today', async () => {
    const jf6 = await one(
      `SELECT active_s / 3600 AS a, waiting_s / 3600 AS w FROM metrics.issues WHERE key = 'JF-6'`,
    );
    expect(jf6).toEqual({ a: 10, w: 10 });
    const before = Date.now();
    const [active, waiting] = await q(
      `SELECT key, current_stage, days_in_stage::float8, blocked_h::float8
         FROM metrics.aging_wip WHERE team = 'jf' ORDER BY key`,
    );
    expect([active!.key, active!.current_stage, active!.blocked_h]).toEqual(['JF-6', 'active', 0]);
    measuredNow(active!.days_in_stage, before, h(30), DAY);
    // JF-7, flagged from h(8) to h(12) and Blocked from h(10) on: one span from h(8).
    expect([waiting!.key, waiting!.current_stage]).toEqual(['JF-7', 'waiting']);
    measuredNow(waiting!.blocked_h, before, h(8), HOUR);
    const until = await one(
      `SELECT metrics.seconds_until(blocked_spans, $1) AS s FROM metrics.issues WHERE key = 'JF-7'`,
      [h(20)],
    );
    expect(until.s).toBe(12 * 3600);
    const wip = `SELECT active::int, waiting::int, wip::int FROM metrics.flow_load_daily WHERE team = 'jf' AND day = $1`;
    expect(await q(wip, [new Date(TODAY)])).toEqual([{ active: 1, waiting: 1, wip: 2 }]);
  });

  it('measures a sprint to its completion: committed, added, removed, re-estimated, completed, carried over, say/do, capacity accuracy, scope change and blocked time', async () => {
    const sprint = await one(`SELECT * FROM metrics.team_sprints WHERE team = 'sp' AND sprint_id = 801`);
    // SP-5 is unestimated: it counts, with 0 points. SP-2 counts the 3 points it had at the start.
    const issues = 'committed_issues added_issues removed_issues completed_issues carried_over_issues';
    expect(cols(sprint, issues)).toEqual([4, 1, 1, 3, 1]);
    const points = 'committed_points added_points removed_points reestimated_points completed_points';
    expect(cols(sprint, points)).toEqual([12, 2, 4, 2, 7]);
    const ratios = cols(sprint, 'say_do_pct capacity_accuracy_pct scope_change_pct').map((v) =>
      Number(v).toFixed(2),
    );
    expect(ratios).toEqual(['41.67', '58.33', '50.00']);
    // SP-1 Blocked from h(20) to h(35) and flagged from h(30) to h(50): 30 h, not 35. SP-2
    // flagged from h(230): 10 h up to the close.
    expect(sprint.blocked_h).toBeCloseTo(40, 9);
  });

  it('draws the burndown’s ideal line from the committed points, and for an active sprint the days begun so far, today’s point at now', async () => {
    const burndown = (sprint: number) =>
      q(
        `SELECT at, remaining_points::float8 AS remaining, scope_points::float8 AS scope, ideal_points::float8 AS ideal
           FROM metrics.sprint_burndown WHERE sprint_id = $1 ORDER BY at`,
        [sprint],
      );
    const closed = await burndown(801);
    const firstAt = +h(15) - 1000;
    expect(closed[0]).toMatchObject({
      at: new Date(firstAt),
      ideal: expect.closeTo(12 * (1 - (firstAt - +h(0)) / (240 * HOUR)), 9),
    });
    expect(closed.at(-1)).toMatchObject({ at: h(240), ideal: 0 });

    const before = Date.now();
    const active = await burndown(802);
    expect(active).toHaveLength((TODAY - Math.floor((NOW - 3 * DAY) / DAY) * DAY) / DAY + 1);
    const now = active.at(-1)!;
    measuredNow(0, before, now.at as Date, 1);
    expect([now.remaining, now.scope, Math.round(Number(now.ideal) * 100) / 100]).toEqual([5, 6, 3.5]);
  });

  it('measures an active sprint at the state the data holds now, its blocked time up to now, and a future sprint as planned, its issues committed', async () => {
    const before = Date.now();
    const [active, future] = await q(
      `SELECT committed_issues::int, committed_points::int, added_issues::int, completed_issues::int, blocked_h::float8
         FROM metrics.team_sprints WHERE team = 'sp' AND sprint_id IN (802, 803) ORDER BY sprint_id`,
    );
    expect(cols(active!, 'committed_issues committed_points added_issues completed_issues')).toEqual([
      1, 5, 1, 1,
    ]);
    expect(cols(future!, 'committed_issues committed_points')).toEqual([1, 3]);
    // SP-2, flagged a day ago and still flagged.
    measuredNow(active!.blocked_h, before, NOW - DAY, HOUR);
  });

  it('closes a sprint never completed 30 days after its end: what is done by then is completed', async () => {
    const rows = await q(
      `SELECT key, completed FROM metrics.sprint_issues WHERE sprint_id = 804 ORDER BY key`,
    );
    // SP-8 is done 100 h after the end.
    expect(rows).toEqual([
      { key: 'SP-8', completed: true },
      { key: 'SP-9', completed: false },
    ]);
  });

  it('carries over from a sprint never completed what is in it at its close, not done, and put in a later sprint', async () => {
    const rows = await q(
      `SELECT carried_over FROM metrics.sprint_issues WHERE sprint_id = 804 AND key = 'SP-9'`,
    );
    expect(rows).toEqual([{ carried_over: true }]);
  });

  it('charts on the dashboards the weeks and days a time range holds whole, and the one running now, counting so far', async () => {
    const range = { from: new Date(THIS_WEEK - 11 * DAY), to: new Date() };
    const panels = loadDashboards(DASHBOARDS).flatMap((d) => allPanels(d.content));
    const run = async (title: string) => {
      const raw = panels
        .find((p) => p.title === title)!
        .targets![0]!.rawSql!.replaceAll('${team:sqlstring}', `'running'`);
      const { sql } = expandPostgresQuery(raw, { range, interval: 3_600_000_000_000n });
      return (await q(sql)).map((r) => `${(r.time as Date).toISOString()} ${r.Deployments}`);
    };
    const day = (ms: number) => new Date(ms).toISOString();
    // The week of THIS_WEEK - 14 days starts before the range: left out, though it holds a deployment.
    expect(await run('Deployments per week')).toEqual([
      `${day(THIS_WEEK - 7 * DAY)} 1`,
      `${day(THIS_WEEK)} 1`,
    ]);
    const days = [THIS_WEEK - 10 * DAY, THIS_WEEK - 3 * DAY, TODAY];
    expect(await run('Deployments per day')).toEqual(days.map((d) => `${day(d)} 1`));
  });
});
