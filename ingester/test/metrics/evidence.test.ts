import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Panel, RowPanel } from '@grafana/schema';
import { parseOrganisation } from '../../src/config/organisation.js';
import { doraDashboard } from '../../src/grafana/dashboards/dora.js';
import { refreshMetrics } from '../../src/metrics/refresh.js';
import { applyOrganisationSettings } from '../../src/metrics/settings.js';
import { SyncRun } from '../../src/store/runs.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { expandPostgresQuery } from '../support/grafana/macros.js';
import { interpolatePostgresSql } from '../support/grafana/variables.js';
import { h, Scenario } from '../support/scenario.js';

/** A successful sync of a source, as the syncs record one. */
async function synced(db: TestDatabase['db'], source: string): Promise<void> {
  const run = await SyncRun.start(db, source, 'acme');
  await run.finish('succeeded', {
    rowsWritten: 1,
    apiRequests: 1,
    apiPoints: 0,
    rateLimitRemaining: null,
    recordsSkipped: 0,
  });
}

/**
 * docs/metrics.md, "Evidence": what each DORA tile rests on, and an empty or thin tile naming
 * its cause and the setting to look at, for the misconfigurations users meet first.
 */
let t: TestDatabase;
const PERIOD = [h(0), h(24 * 28)];

interface Row {
  metric: string;
  rows: number;
  confidence: string;
  reason: string | null;
  setting: string | null;
  detail: Record<string, unknown>;
}
const evidence = async (team: string): Promise<Record<string, Row>> => {
  const { rows } = await t.db.query<Row>(
    'SELECT metric, rows::int, confidence, reason, setting, detail FROM metrics.dora_evidence($1, $2, $3)',
    [team, ...PERIOD],
  );
  return Object.fromEntries(rows.map((r) => [r.metric, r]));
};

beforeAll(async () => {
  t = await freshDatabase({ migrated: true });
  const s = new Scenario(t.db);
  // A team that deploys daily, with failures of every kind it can have here.
  const ok = s.repo('ok');
  for (let day = 0; day < 20; day++) {
    ok.pr({ number: day + 1, firstCommit: h(24 * day), created: h(24 * day + 1), merged: h(24 * day + 2) });
    ok.deploy({ at: h(24 * day + 3) });
  }
  // Only ever deployed to staging.
  const st = s.repo('st');
  for (let day = 0; day < 6; day++) {
    st.pr({ number: day + 1, firstCommit: h(24 * day), created: h(24 * day + 1), merged: h(24 * day + 2) });
    st.deploy({ at: h(24 * day + 3), environment: 'staging' });
  }
  // Only ever deployed to staging, and nothing merged for merges to stand in.
  const sto = s.repo('sto');
  for (let day = 0; day < 3; day++) {
    sto.push(h(24 * day));
    sto.deploy({ at: h(24 * day + 3), environment: 'staging' });
  }
  // No deployments, releases or deploy workflow: merges stand in.
  const mg = s.repo('mg');
  for (let day = 0; day < 6; day++)
    mg.pr({ number: day + 1, firstCommit: h(24 * day), created: h(24 * day + 1), merged: h(24 * day + 2) });
  // Deployed before the period, merged in it, never deployed again.
  const nd = s.repo('nd');
  nd.deploy({ at: h(-50) });
  nd.deploy({ at: h(-10) });
  nd.push(h(0));
  nd.deploy({ at: h(0.5) });
  nd.pr({ number: 1, firstCommit: h(1), created: h(2), merged: h(3) });
  nd.pr({ number: 2, firstCommit: h(4), created: h(5), merged: h(6) });
  // Two deployments in the period.
  const few = s.repo('few');
  few.deploy({ at: h(-10) });
  for (let day = 0; day < 2; day++) {
    few.pr({ number: day + 1, firstCommit: h(24 * day), created: h(24 * day + 1), merged: h(24 * day + 2) });
    few.deploy({ at: h(24 * day + 3) });
  }
  // Daily deployments, three of them reverted; the last revert merged and not yet deployed.
  const fl = s.repo('fl');
  for (let day = 0; day < 6; day++) {
    fl.pr({ number: day + 1, firstCommit: h(24 * day), created: h(24 * day + 1), merged: h(24 * day + 2) });
    fl.deploy({ at: h(24 * day + 3) });
    if ([1, 2, 5].includes(day)) {
      fl.pr({
        number: 100 + day,
        firstCommit: h(24 * day + 8),
        created: h(24 * day + 9),
        merged: h(24 * day + 10),
        reverts: day + 1,
      });
      if (day !== 5) fl.deploy({ at: h(24 * day + 11) });
    }
  }
  // Five changes shipped, six merged after the last deployment.
  const half = s.repo('half');
  half.deploy({ at: h(-10) });
  for (let day = 0; day < 5; day++) {
    half.pr({ number: day + 1, firstCommit: h(24 * day), created: h(24 * day + 1), merged: h(24 * day + 2) });
    half.deploy({ at: h(24 * day + 3) });
  }
  for (let n = 0; n < 6; n++)
    half.pr({ number: 10 + n, firstCommit: h(24 * 6), created: h(24 * 6 + 1), merged: h(24 * 6 + 2 + n) });
  // Deployed to an environment before the period, three in it (one of them twice) and one after.
  const env = s.repo('env');
  env.deploy({ at: h(-24), environment: 'old' });
  for (const [day, environment] of [
    [1, 'staging'],
    [2, 'production'],
    [3, 'qa'],
    [4, 'staging'],
  ] as const)
    env.deploy({ at: h(24 * day), environment });
  env.deploy({ at: h(24 * 30), environment: 'preview' });
  await s.write();
  await applyOrganisationSettings(
    t.db,
    parseOrganisation(`
teams:
  - { name: env, github: { repos: [env] } }
  - { name: ok, github: { repos: [ok] } }
  - { name: st, github: { repos: [st] } }
  - { name: sto, github: { repos: [sto] } }
  - { name: mg, github: { repos: [mg] } }
  - { name: nd, github: { repos: [nd] } }
  - { name: few, github: { repos: [few] } }
  - { name: fl, github: { repos: [fl] } }
  - { name: half, github: { repos: [half] } }
  - { name: nothing, github: { repos: [does-not-exist-*] } }
`),
  );
  await refreshMetrics(t.db);
}, 60_000);
afterAll(() => t?.drop());

describe('the evidence behind each DORA tile', () => {
  it('says GitHub has never been synced, and what to set, before the first sync', async () => {
    const e = await evidence('ok');
    expect(Object.keys(e)).toEqual([
      'deployments',
      'lead_time_p50',
      'change_fail_rate',
      'recovery_p50',
      'rework_rate',
    ]);
    for (const row of Object.values(e))
      expect(row).toMatchObject({
        confidence: 'none',
        reason: 'GitHub has never been synced',
        setting: 'GITHUB_TOKEN and GITHUB_ORG, then engmetrics sync github',
      });
    await synced(t.db, 'github');
  });

  it('counts what a tile rests on: deployments by source, environments seen and matched, changes shipped of those merged', async () => {
    const e = await evidence('ok');
    expect(e.deployments).toMatchObject({
      rows: 20,
      confidence: 'ok',
      reason: null,
      setting: null,
      detail: {
        bySource: { deployments: 20 },
        fallback: 0,
        environmentsSeen: ['production'],
        environmentsMatched: ['production'],
      },
    });
    expect(e.deployments!.detail.dataAsOf).toEqual(expect.any(String));
    // The first deployment is the baseline and ships nothing: 19 of the 20 merged changes shipped.
    expect(e.lead_time_p50).toMatchObject({
      rows: 19,
      confidence: 'ok',
      detail: {
        merged: 20,
        mergedAndShipped: 19,
        mergedNeverDeployed: 1,
        shippedApproximately: 0,
        shippedRatio: 0.95,
      },
    });
    expect(e.change_fail_rate).toMatchObject({
      rows: 20,
      confidence: 'ok',
      detail: { failedDeployments: 0, incidentRules: 2 },
    });
    expect(e.recovery_p50).toMatchObject({
      rows: 0,
      confidence: 'none',
      reason: 'no failed deployment to recover from',
    });
  });

  it('names the environments deployed to when none is production, and the production pattern', async () => {
    const pattern = 'the organisation file: deployments.productionPattern (setting production_pattern)';
    const empty = await evidence('sto');
    expect(empty.deployments).toMatchObject({
      rows: 0,
      confidence: 'none',
      reason: 'no deployment to a production environment; deployed to: staging',
      setting: pattern,
      detail: { environmentsSeen: ['staging'], environmentsMatched: [] },
    });
    expect(empty.lead_time_p50!.reason).toBe(empty.deployments!.reason);
    // With merges to stand in, the figure is there but said to rest on them, and why.
    const e = await evidence('st');
    expect(e.deployments).toMatchObject({
      rows: 6,
      confidence: 'low',
      reason:
        'no deployment to a production environment (deployed to: staging), so deployments are read from merges to the default branch',
      setting: pattern,
      detail: { bySource: { merges: 6 }, environmentsSeen: ['staging'], environmentsMatched: [] },
    });
    expect(e.lead_time_p50).toMatchObject({
      confidence: 'low',
      reason: 'deployments are read from merges, so lead time ends at the merge',
    });
  });

  it('names every environment deployed to in the period, once, and those the production pattern matches', async () => {
    const e = await evidence('env');
    expect(e.deployments!.detail).toMatchObject({
      environmentsSeen: ['production', 'qa', 'staging'],
      environmentsMatched: ['production'],
    });
  });

  it('names the team whose repository patterns select nothing, and where they are set', async () => {
    const e = await evidence('nothing');
    expect(e.deployments).toMatchObject({
      confidence: 'none',
      reason: 'no repository belongs to team nothing',
      setting: 'the organisation file: teams[nothing].github.repos',
    });
  });

  it('calls deployments read from merges alone low confidence, and the lead time that ends at the merge', async () => {
    const e = await evidence('mg');
    expect(e.deployments).toMatchObject({
      rows: 6,
      confidence: 'low',
      reason:
        'every deployment is read from merges to the default branch: no deployment, release or deploy workflow was found',
      setting: 'the organisation file: deployments.repos (source, workflow)',
      detail: { bySource: { merges: 6 }, fallback: 6 },
    });
    expect(e.lead_time_p50).toMatchObject({ confidence: 'low' });
  });

  it('says when changes were merged but none shipped, and when there is nothing in the period', async () => {
    const e = await evidence('nd');
    expect(e.deployments).toMatchObject({ rows: 1, detail: { bySource: { deployments: 1 } } });
    expect(e.lead_time_p50).toMatchObject({
      rows: 0,
      confidence: 'none',
      reason: '2 pull requests merged, none shipped by a production deployment in the period',
      detail: { merged: 2, mergedAndShipped: 0, mergedNeverDeployed: 2 },
    });
    // A period with nothing in it.
    const later = await t.db.query<Row>(
      "SELECT metric, confidence, reason FROM metrics.dora_evidence('nd', $1, $2) ORDER BY metric",
      [h(24 * 60), h(24 * 90)],
    );
    expect(Object.fromEntries(later.rows.map((r) => [r.metric, [r.confidence, r.reason]]))).toMatchObject({
      deployments: ['none', 'no deployment in the period'],
      lead_time_p50: ['none', 'no deployment in the period'],
    });
  });

  it('calls a rate of fewer than 5 deployments low confidence, and a lead time of fewer than 5 changes', async () => {
    const e = await evidence('few');
    expect(e.change_fail_rate).toMatchObject({
      rows: 2,
      confidence: 'low',
      reason: 'fewer than 5 deployments',
    });
    expect(e.rework_rate).toMatchObject({ rows: 2, confidence: 'low', reason: 'fewer than 5 deployments' });
    expect(e.lead_time_p50).toMatchObject({
      rows: 2,
      confidence: 'low',
      reason: 'fewer than 5 changes shipped',
    });
  });

  it('calls a lead time low confidence when fewer than half of the merged changes shipped', async () => {
    const e = await evidence('half');
    expect(e.lead_time_p50).toMatchObject({
      rows: 5,
      confidence: 'low',
      reason: '45 % of the merged pull requests shipped',
      detail: { merged: 11, mergedAndShipped: 5, mergedNeverDeployed: 6, shippedRatio: 0.45 },
    });
  });

  it('counts failures by kind and says when some are not yet recovered', async () => {
    const e = await evidence('fl');
    expect(e.change_fail_rate).toMatchObject({
      rows: 8,
      confidence: 'ok',
      detail: { failedDeployments: 3, failuresByKind: { revert: 3 } },
    });
    expect(e.recovery_p50).toMatchObject({
      rows: 3,
      confidence: 'low',
      reason: '1 failed deployment not yet recovered is not in the median',
      detail: { failedDeployments: 3, unrecovered: 1 },
    });
    expect(e.rework_rate).toMatchObject({ detail: { reworkDeployments: 2, reworkByKind: { revert: 2 } } });
    const oneDay = await t.db.query<Row>(
      "SELECT confidence, reason FROM metrics.dora_evidence('fl', $1, $2) WHERE metric = 'recovery_p50'",
      [h(24), h(48)],
    );
    expect(oneDay.rows[0]).toMatchObject({ confidence: 'low', reason: 'fewer than 3 failed deployments' });
    const few = await evidence('few');
    expect(few.recovery_p50).toMatchObject({
      rows: 0,
      confidence: 'none',
      reason: 'no failed deployment to recover from',
    });
  });

  it('says when incidents are not read because no incident rule is set, and where to set one', async () => {
    await t.db.query('DELETE FROM metrics.setting_incident_rules');
    try {
      const e = await evidence('ok');
      expect(e.change_fail_rate).toMatchObject({
        confidence: 'low',
        reason: 'no incident rule: incidents are not read',
        setting: 'the organisation file: incidents (issueTypes, labels)',
        detail: { incidentRules: 0 },
      });
    } finally {
      await t.db.query(
        `INSERT INTO metrics.setting_incident_rules (match, value) VALUES ('type', 'Incident'), ('label', 'incident')`,
      );
    }
  });
});

/** The DORA dashboard's tiles (the stat panels Grafana turns from rows into fields), by title. */
function doraTiles(): Map<string, string> {
  const panels = (doraDashboard().panels ?? []).flatMap((p) => [
    p,
    ...((p as RowPanel).panels ?? []),
  ]) as Panel[];
  return new Map(
    panels
      .filter((p) => p.type === 'stat' && p.transformations?.some((x) => x.id === 'rowsToFields'))
      .map((p) => [p.title!, (p.targets![0] as { rawSql: string }).rawSql]),
  );
}

describe("the DORA dashboard's tiles", () => {
  /** A tile's query as Grafana sends it for one team over the period. */
  const tile = async (rawSql: string, team: string) => {
    const [from, to] = PERIOD as [Date, Date];
    const sql = expandPostgresQuery(
      interpolatePostgresSql(
        rawSql,
        { team: { name: 'team', value: team } },
        { from, to, intervalMs: 3_600_000 },
      ),
      { range: { from, to }, interval: 3_600_000_000_000n },
    ).sql;
    const { rows } = await t.db.query<{ band: string; value: number | null; color: string | null }>(sql);
    expect(rows).toHaveLength(1);
    return rows[0]!;
  };

  it('grey a number on too little under the reason, and colour the others by band', async () => {
    await synced(t.db, 'github');
    const tiles = doraTiles();
    expect([...tiles.keys()]).toHaveLength(5);
    const seen = { low: 0, ok: 0 };
    for (const team of ['few', 'ok', 'mg', 'half']) {
      const e = Object.values(await evidence(team));
      for (const [title, sql] of tiles) {
        const shown = await tile(sql, team);
        const of = e.find((x) => sql.includes(`e.metric = '${x.metric}'`))!;
        if (of.confidence === 'low') {
          expect({ team, title, ...shown }).toMatchObject({
            band: `Low confidence: ${of.reason}`,
            color: 'gray',
          });
          expect(shown.value).not.toBeNull();
        } else if (of.confidence === 'ok') {
          expect({ team, title, ...shown }).toMatchObject({ color: null });
          expect(shown.value).not.toBeNull();
        }
        seen[of.confidence as 'low' | 'ok']++;
      }
    }
    expect(seen.low).toBeGreaterThanOrEqual(5);
    expect(seen.ok).toBeGreaterThanOrEqual(5);
    const ok = await tile(tiles.get('Deployment frequency')!, 'ok');
    expect(ok).toMatchObject({ band: expect.stringMatching(/ · DORA 2024$/), color: null });
  });

  it('say why a tile is empty, and name what to change', async () => {
    const sto = await tile(doraTiles().get('Deployment frequency')!, 'sto');
    // No deployment is a frequency of 0 with no band (docs/metrics.md); the reason takes the band's place.
    expect(sto).toMatchObject({ color: null });
    expect(Number(sto.value)).toBe(0);
    expect(sto.band).toMatch(/^no deployment to a production environment.*staging/);
    const nothing = await tile(doraTiles().get('Change lead time (p50)')!, 'nothing');
    expect(nothing).toMatchObject({
      value: null,
      color: null,
      band: 'no repository belongs to team nothing',
    });
  });
});

describe('the evidence of an organisation with no repository', () => {
  let empty: TestDatabase;
  beforeAll(async () => {
    empty = await freshDatabase({ migrated: true });
    await synced(empty.db, 'github');
  }, 60_000);
  afterAll(() => empty?.drop());

  it('says no repository has been synced, and names GITHUB_REPOS', async () => {
    const { rows } = await empty.db.query<Row>('SELECT * FROM metrics.dora_evidence($1, $2, $3)', [
      '*',
      ...PERIOD,
    ]);
    expect(rows).toHaveLength(5);
    for (const r of rows)
      expect(r).toMatchObject({
        confidence: 'none',
        reason: 'no repository has been synced',
        setting: 'GITHUB_REPOS',
      });
  });
});

describe('the evidence behind the flow and sprint figures', () => {
  let f: TestDatabase;
  const flow = async (team: string): Promise<Record<string, Row>> => {
    const { rows } = await f.db.query<Row>(
      'SELECT metric, rows::int, confidence, reason, setting, detail FROM metrics.flow_evidence($1, $2, $3)',
      [team, ...PERIOD],
    );
    return Object.fromEntries(rows.map((r) => [r.metric, r]));
  };
  beforeAll(async () => {
    f = await freshDatabase({ migrated: true });
    const s = new Scenario(f.db);
    // People's pull requests, and a repository only a bot merges into.
    const app = s.repo('app');
    for (let n = 0; n < 6; n++)
      app.pr({
        number: n + 1,
        firstCommit: h(24 * n),
        created: h(24 * n + 1),
        merged: h(24 * n + 2),
        reviews: [{ by: 'bob', at: h(24 * n + 1.5) }],
      });
    const deps = s.repo('deps');
    for (let n = 0; n < 3; n++)
      deps.pr({
        number: n + 1,
        author: 'dependabot[bot]',
        firstCommit: h(24 * n),
        created: h(24 * n + 1),
        merged: h(24 * n + 2),
      });
    // A project with a board and sprints, some issues unestimated; a project without a board.
    s.project('SP', 90);
    s.sprint({ id: 901, board: 90, start: h(24), end: h(24 * 15), complete: h(24 * 15) });
    for (let n = 0; n < 6; n++)
      s.issue({
        key: `SP-${n + 1}`,
        created: h(0),
        statuses: [
          ['To Do', h(0)],
          ['In Progress', h(24 * 2 + n)],
          ['Done', h(24 * 5 + n)],
        ],
        points: n < 4 ? [[3, h(0)]] : [],
        sprints: [{ sprint: 901, added: h(0) }],
      });
    s.project('NB');
    s.issue({
      key: 'NB-1',
      created: h(0),
      statuses: [
        ['To Do', h(0)],
        ['Done', h(48)],
      ],
    });
    await s.write();
    // A status Jira gave no category the stage mapping knows.
    await f.db.query(
      `INSERT INTO source.jira_statuses (id, name, category_key, raw) VALUES ('20000', 'Parked', 'undefined', '{}')`,
    );
    await applyOrganisationSettings(
      f.db,
      parseOrganisation(`
teams:
  - { name: app, github: { repos: [app] }, jira: { projects: [SP] } }
  - { name: deps, github: { repos: [deps] }, jira: { projects: [NB] } }
`),
    );
    await refreshMetrics(f.db);
  }, 60_000);
  afterAll(() => f?.drop());

  it('says GitHub and Jira have never been synced, and what to set', async () => {
    const e = await flow('app');
    expect(e.pr_flow).toMatchObject({ confidence: 'none', reason: 'GitHub has never been synced' });
    expect(e.jira_flow).toMatchObject({
      confidence: 'none',
      reason: 'Jira has never been synced',
      setting: 'JIRA_BASE_URL and its credentials, then engmetrics sync jira',
    });
    for (const source of ['github', 'jira']) {
      await synced(f.db, source);
    }
  });

  it("counts people's pull requests and the issues done, and names statuses read as active for want of a mapping", async () => {
    const e = await flow('app');
    expect(e.pr_flow).toMatchObject({
      rows: 6,
      confidence: 'ok',
      detail: { merged: 6, mergedByBots: 0, mergedWithoutReview: 0 },
    });
    expect(e.jira_flow).toMatchObject({
      rows: 6,
      confidence: 'low',
      reason: 'statuses with no stage mapping and no known category, read as active: Parked',
      setting: 'the organisation file: statusStages',
      detail: { done: 6, projects: ['SP'], statusesUnmapped: ['Parked'], issuesWithHistoryGaps: 0 },
    });
  });

  it('counts the issues done whose status history has gaps, and calls more than one in ten low confidence', async () => {
    // SP-5's change to Done comes from a status its history never went to; SP-6's last change
    // is not to the status it is in; SP-4 has no change at all.
    await f.db.query(
      `UPDATE source.jira_changelog SET from_value = '20000' WHERE issue_id = 'I_SP-5' AND to_string = 'Done'`,
    );
    await f.db.query(`DELETE FROM source.jira_changelog WHERE issue_id = 'I_SP-6' AND to_string = 'Done'`);
    await f.db.query(`DELETE FROM source.jira_changelog WHERE issue_id = 'I_SP-4'`);
    // The unmapped status named first would hide the gaps' reason.
    await f.db.query(`DELETE FROM source.jira_statuses WHERE id = '20000'`);
    await refreshMetrics(f.db);
    expect((await flow('app')).jira_flow).toMatchObject({
      rows: 6,
      confidence: 'low',
      reason: '3 of 6 issues done have gaps in their status history',
      setting: "engmetrics sync jira --full (reads every issue's changelog again)",
      detail: { done: 6, statusesUnmapped: [], issuesWithHistoryGaps: 3 },
    });
  });

  it('names the pull requests that are all bots', async () => {
    expect((await flow('deps')).pr_flow).toMatchObject({
      rows: 0,
      confidence: 'none',
      reason: "every pull request merged in the period is a bot's (3)",
      setting: 'the organisation file: bots (setting bot_login_pattern)',
      detail: { mergedByBots: 3 },
    });
  });

  it('names the Jira project without a board, and the board setting', async () => {
    expect((await flow('deps')).sprints).toMatchObject({
      rows: 0,
      confidence: 'none',
      reason: "no board of the team's Jira projects: NB",
      setting: 'the organisation file: teams[deps].jira.boards',
      detail: { projectsWithoutBoard: ['NB'] },
    });
  });

  it('counts the issues in the sprints without an estimate', async () => {
    expect((await flow('app')).sprints).toMatchObject({
      rows: 1,
      confidence: 'low',
      reason: '2 of 6 issues in the sprints have no estimate',
      setting: "story points on the issues (the board's estimation field)",
      detail: { sprints: 1, issues: 6, issuesWithoutEstimate: 2, projectsWithoutBoard: [] },
    });
  });
});
