import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { refreshGraph, refreshMetrics } from '../../src/metrics/refresh.js';
import { DAY, HOUR } from '../../src/simulators/world/calendar.js';
import { CLOCK_READERS, viewsReadingTheClock } from '../support/clock-free.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { testWorld } from '../support/github.js';
import { writeHourlyGitHub, writeHourlyJira } from '../support/hourly-sync.js';
import { loadWorld } from '../support/loaded.js';

// A Sunday between two sprints; what a view holds never depends on when it is refreshed.
const END = Date.parse('2026-12-06T10:00:00Z');
const world = testWorld({ prs: 300, repos: 6, end: END, start: END - 90 * DAY });

describe('engmetrics refresh', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
    await loadWorld(world, t.db);
  }, 180_000);
  afterAll(async () => t.drop());

  /** Every kept table's rows, in a stable order, as text. */
  async function contents(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const view of [...(await refreshGraph(t.db)).keys()].sort()) {
      const { rows } = await t.db.query<{ digest: string | null; n: string }>(
        `SELECT md5(string_agg(v::text, E'\\n' ORDER BY v::text)) AS digest, count(*) AS n FROM metrics.${view} v`,
      );
      out.set(view, `${rows[0]!.n}:${rows[0]!.digest}`);
    }
    return out;
  }

  /**
   * Refreshes what changed, checks that a full refresh then changes nothing, and returns why each
   * one was refreshed and, as the run's record has it, how many values of each kept table's
   * scope were read again ('all': every row).
   */
  async function refreshThenCompare(): Promise<{
    reasons: Map<string, string>;
    scopes: Map<string, number | 'all'>;
  }> {
    const { reasons } = await refreshMetrics(t.db);
    const { rows } = await t.db.query<{ details: { timings: { view: string; scope?: number }[] } }>(
      `SELECT details FROM ops.sync_runs WHERE source = 'metrics' AND scope = 'refresh' AND status = 'succeeded'
        ORDER BY id DESC LIMIT 1`,
    );
    const scopes = new Map(rows[0]!.details.timings.map((x) => [x.view, x.scope ?? ('all' as const)]));
    const incremental = await contents();
    await refreshMetrics(t.db, { full: true });
    expect(await contents()).toEqual(incremental);
    return { reasons, scopes };
  }

  it('reads no clock in any kept table, nor in a view or function one reads', async () => {
    expect(await viewsReadingTheClock(t.db)).toEqual([]);
    // The check sees a clock where there is one: the plain views that measure up to now.
    const { rows } = await t.db.query<{ def: string }>(
      `SELECT pg_get_viewdef('metrics.aging_wip'::regclass) AS def`,
    );
    expect(rows[0]!.def).toMatch(CLOCK_READERS);
  });

  it('refreshes each kept table after every kept table it reads, even side by side', async () => {
    const graph = await refreshGraph(t.db);
    expect(graph.get('deployment_changes')!.needs).toContain('deployments');
    expect(graph.get('pull_requests')!.needs).toContain('deployment_changes');
    expect(graph.get('review_load_weekly')!.needs).toContain('reviews');
    expect(graph.get('reviews')).toMatchObject({ scopeColumn: 'pr_id', scopeType: 'text[]' });
    expect(graph.get('flow_load_changes')).toMatchObject({ scopeColumn: 'day' });
    expect(graph.get('flow_load_changes')!.needs).toContain('flow_load_issue_days');
    // The burndown reads only what the sync writes: its ideal line is drawn when read, so it
    // need not wait for the sprints' issues and totals.
    expect(graph.get('sprint_burndown_days')!.needs).toEqual(new Set());
    // Timings are recorded as each view finishes.
    const done = (await refreshMetrics(t.db, { connections: 3, full: true })).timings.map((x) => x.view);
    expect(new Set(done)).toEqual(new Set(graph.keys()));
    for (const [view, node] of graph)
      for (const need of node.needs) expect(done.indexOf(need)).toBeLessThan(done.indexOf(view));
  }, 60_000);

  it('gives the same contents whether the kept tables are refreshed one by one or side by side', async () => {
    await refreshMetrics(t.db, { connections: 1, full: true });
    const oneByOne = await contents();
    const { timings } = await refreshMetrics(t.db, { connections: 3, full: true });
    expect(await contents()).toEqual(oneByOne);
    expect(timings.map((x) => x.view)).toEqual(expect.arrayContaining([...oneByOne.keys()]));
    expect(
      oneByOne.has('issues') && oneByOne.has('sprint_issues') && oneByOne.has('sprint_burndown_days'),
    ).toBe(true);
    expect([...oneByOne.values()].filter((v) => !v.startsWith('0:')).length).toBeGreaterThan(10);
  }, 120_000);

  it('leaves every table it filled visible to index-only scans, though filled side by side', async () => {
    // A page is marked all-visible only when no open transaction may not see its rows: vacuumed
    // beside another worker's open transaction, a table kept no page marked.
    const tables = [...(await refreshGraph(t.db)).keys()].map((v) => `metrics.${v}`);
    await t.db.query(`TRUNCATE ${tables.join(', ')}`);
    await refreshMetrics(t.db, { connections: 3, full: true });
    const { rows } = await t.db.query<{ table: string; pages: number; visible: number }>(
      `SELECT c.oid::regclass::text AS table, c.relpages AS pages, c.relallvisible AS visible
         FROM pg_class c WHERE c.oid = ANY ($1::regclass[]) AND c.relpages > 0`,
      [tables],
    );
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.filter((r) => r.visible < r.pages)).toEqual([]);
  }, 120_000);

  it('records each run with the time every view took', async () => {
    const { timings, totalMs } = await refreshMetrics(t.db, { full: true });
    const { rows } = await t.db.query<{
      status: string;
      details: { timings: { view: string; ms: number }[] };
    }>(
      `SELECT status, details FROM ops.sync_runs WHERE source = 'metrics' AND scope = 'refresh'
        ORDER BY started_at DESC LIMIT 1`,
    );
    expect(rows[0]!.status).toBe('succeeded');
    expect(rows[0]!.details.timings.map((x) => x.view).sort()).toEqual(timings.map((x) => x.view).sort());
    expect(totalMs).toBeGreaterThanOrEqual(Math.max(...timings.map((x) => x.ms)));
  }, 60_000);

  it('keeps serving the previous rows to readers while it refreshes', async () => {
    if (t.embedded) return; // one session there: a reader waits for the refresh anyway
    const reader = new pg.Client({ connectionString: t.url });
    await reader.connect();
    try {
      let refreshing = true;
      const counts: number[] = [];
      const refresh = refreshMetrics(t.db, { connections: 2, full: true }).finally(() => {
        refreshing = false;
      });
      while (refreshing) {
        const { rows } = await reader.query<{ prs: string; deployments: string }>(
          `SELECT (SELECT count(*) FROM metrics.pull_requests) AS prs,
                  (SELECT count(*) FROM metrics.deployments) AS deployments`,
        );
        counts.push(Math.min(Number(rows[0]!.prs), Number(rows[0]!.deployments)));
      }
      await refresh;
      expect(counts.length).toBeGreaterThan(1);
      expect(Math.min(...counts)).toBeGreaterThan(0);
    } finally {
      await reader.end();
    }
  }, 60_000);

  describe('pays for what changed', () => {
    beforeAll(async () => {
      await refreshMetrics(t.db, { full: true });
    }, 60_000);

    it('leaves every view alone when nothing was written, and records nothing for a write that changed nothing', async () => {
      await t.db.query(`UPDATE source.github_pull_requests SET title = title WHERE false`);
      // An upsert of rows already there rewrites none of them.
      await t.db.query(
        `INSERT INTO source.jira_statuses SELECT * FROM source.jira_statuses ON CONFLICT (id) DO NOTHING`,
      );
      const { timings, skipped } = await refreshMetrics(t.db);
      expect(timings).toEqual([]);
      expect(skipped.length).toBe((await refreshGraph(t.db)).size);
      const { rows } = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM ops.source_changes');
      expect(Number(rows[0]!.n)).toBe(0);
    }, 60_000);

    it('after a pull request changes, refreshes what reads GitHub and leaves the sprints alone', async () => {
      // A pull request merged long ago, updated today.
      await t.db.query(
        `UPDATE source.github_pull_requests SET title = title || ' (edited)'
          WHERE id = (SELECT id FROM source.github_pull_requests WHERE merged_at IS NOT NULL ORDER BY merged_at, id LIMIT 1)`,
      );
      const { reasons } = await refreshThenCompare();
      expect(reasons.get('pull_requests')).toBe('sources');
      expect(reasons.has('sprint_issues')).toBe(false);
      expect(reasons.has('issues')).toBe(false);
    }, 120_000);

    it('takes in a deployment status that arrives late, and a re-opened issue', async () => {
      // The latest deployment of a repository gets its success an hour after it finished.
      await t.db.query(
        `WITH d AS (SELECT d.id, s.created_at FROM source.github_deployments d
                      JOIN source.github_deployment_statuses s ON s.deployment_id = d.id AND s.state = 'success'
                     ORDER BY s.created_at DESC, d.id LIMIT 1)
         UPDATE source.github_deployment_statuses s SET created_at = d.created_at + interval '1 hour'
           FROM d WHERE s.deployment_id = d.id AND s.state = 'success'`,
      );
      const { reasons: github } = await refreshThenCompare();
      expect(github.get('deployments')).toBe('sources');
      expect(github.get('dora_weekly')).toBeDefined();
      // An issue done, opened again: its done period ends and an active one starts.
      const { rows } = await t.db.query<{ issue_id: string; seq: number; started_at: Date }>(
        `SELECT sp.issue_id, sp.seq, sp.started_at FROM source.jira_status_periods sp
           JOIN metrics.status_stages ss ON ss.status_id = sp.status_id AND ss.stage = 'done'
          WHERE sp.ended_at IS NULL ORDER BY sp.started_at, sp.issue_id LIMIT 1`,
      );
      const done = rows[0]!;
      const reopened = new Date(done.started_at.getTime() + DAY);
      await t.db.query(
        `UPDATE source.jira_status_periods SET ended_at = $3 WHERE issue_id = $1 AND seq = $2`,
        [done.issue_id, done.seq, reopened],
      );
      await t.db.query(
        `INSERT INTO source.jira_status_periods (issue_id, seq, status_id, started_at)
         SELECT $1, $2 + 1, ss.status_id, $3 FROM metrics.status_stages ss WHERE ss.stage = 'active' ORDER BY ss.status_id LIMIT 1`,
        [done.issue_id, done.seq, reopened],
      );
      await t.db.query(
        `UPDATE source.jira_issues SET status_id = sp.status_id FROM source.jira_status_periods sp
          WHERE jira_issues.id = $1 AND sp.issue_id = $1 AND sp.seq = $2 + 1`,
        [done.issue_id, done.seq],
      );
      const { reasons: jira } = await refreshThenCompare();
      expect(jira.get('issues')).toBe('sources');
      expect(jira.has('deployments')).toBe(false);
      expect(jira.has('pull_requests')).toBe(false);
    }, 120_000);

    it('refreshes what reads a setting when its value changes, and nothing when it is written again unchanged', async () => {
      const { rows } = await t.db.query<{ login: string }>(
        `SELECT author_login AS login FROM source.github_pr_reviews WHERE author_login IS NOT NULL ORDER BY id LIMIT 1`,
      );
      await t.db.query(`INSERT INTO metrics.setting_bots (login) VALUES ($1)`, [rows[0]!.login]);
      const { reasons: changed } = await refreshThenCompare();
      expect(changed.get('reviews')).toBe('settings');
      expect(changed.get('review_load_weekly')).toBe('settings');
      // Bots are a GitHub setting: the issues and sprints do not read it.
      expect(changed.has('issues')).toBe(false);
      expect(changed.has('sprint_issues')).toBe(false);
      // Rewritten with the same contents, as every apply of the organisation file does.
      await t.db.query(
        `WITH old AS (DELETE FROM metrics.setting_values RETURNING *) INSERT INTO metrics.setting_values SELECT * FROM old`,
      );
      expect((await refreshMetrics(t.db)).timings).toEqual([]);
    }, 120_000);

    it('takes in a write whose transaction commits while a refresh runs, at the next refresh', async () => {
      if (t.embedded) return; // one session there
      const writer = new pg.Client({ connectionString: t.url });
      await writer.connect();
      try {
        await writer.query('BEGIN');
        await writer.query(
          `UPDATE source.github_pull_requests SET title = title || ' (late)'
            WHERE id = (SELECT id FROM source.github_pull_requests ORDER BY id LIMIT 1)`,
        );
        // The refresh's snapshot does not hold the write: nothing is stale yet.
        expect((await refreshMetrics(t.db)).timings).toEqual([]);
        await writer.query('COMMIT');
      } finally {
        await writer.end();
      }
      const { reasons } = await refreshThenCompare();
      expect(reasons.get('pull_requests')).toBe('sources');
      const { rows } = await t.db.query<{ title: string }>(
        `SELECT title FROM metrics.pull_requests ORDER BY pr_id LIMIT 1`,
      );
      expect(rows[0]!.title).toMatch(/\(late\)$/);
    }, 120_000);
  });

  describe('keeps tables by reading again only what changed', () => {
    beforeAll(async () => {
      await refreshMetrics(t.db, { full: true });
    }, 60_000);

    it('leaves exactly the rows a full refresh leaves after hour after hour of syncs', async () => {
      for (let hour = 0; hour < 3; hour++) {
        await writeHourlyGitHub(t.db, END + hour * HOUR);
        await writeHourlyJira(t.db, END + hour * HOUR);
        const { scopes } = await refreshThenCompare();
        // The pull requests and their reviews are read again in part, not whole.
        expect(scopes.get('pull_requests')).toEqual(expect.any(Number));
        expect(scopes.get('reviews')).toEqual(expect.any(Number));
        expect(scopes.get('deployments')).toEqual(expect.any(Number));
        expect(scopes.get('deployment_changes')).toEqual(expect.any(Number));
        // The issues moved a status on: their days of work in progress, and those days' sums.
        expect(scopes.get('flow_load_issue_days')).toEqual(expect.any(Number));
        expect(scopes.get('flow_load_changes')).toEqual(expect.any(Number));
        for (const kept of [
          'pr_flow_weekly',
          'review_load_weekly',
          'issues',
          'flow_weekly',
          'sprint_issues',
          'deployment_failure_signals',
          'deployment_failure_incidents',
          'deployment_outcomes',
          'dora_weekly',
          'lead_time_bins',
          'pr_shipping_weekly',
          'deployment_sources_weekly',
          'dora_daily',
        ])
          expect([kept, scopes.get(kept) ?? 'left alone']).not.toEqual([kept, 'all']);
        const { rows } = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM metrics.pull_requests');
        expect(scopes.get('pull_requests') as number).toBeLessThan(Number(rows[0]!.n) / 2);
      }
    }, 240_000);

    it('takes in a deployment that arrives late, before others of its repository, and history placed after its merges', async () => {
      // A deployment of a week ago, synced only now: every deployment of its repository after it changes.
      await t.db.query(
        `WITH d AS (SELECT d.* FROM source.github_deployments d
                      JOIN source.github_deployment_statuses s ON s.deployment_id = d.id AND s.state = 'success'
                     WHERE s.created_at < $1 ORDER BY s.created_at DESC, d.id LIMIT 1),
         added AS (INSERT INTO source.github_deployments (id, repo_id, environment, sha, ref, task, created_at, updated_at, creator_login, raw)
                   SELECT 'late-' || id, repo_id, environment, sha, ref, task, $1, $1, creator_login, '{}' FROM d RETURNING id)
         INSERT INTO source.github_deployment_statuses (id, deployment_id, state, created_at)
         SELECT id || '-success', id, 'success', $1 FROM added`,
        [new Date(END - 7 * DAY)],
      );
      const { scopes: late } = await refreshThenCompare();
      expect(late.get('deployments')).toBe(1);
      // A merged pull request's merge commit, unknown until now, placed on the history.
      const { rows } = await t.db.query<{
        id: string;
        repo_id: string;
        merge_commit_oid: string;
        merged_at: Date;
      }>(
        `SELECT p.id, p.repo_id, p.merge_commit_oid, p.merged_at FROM source.github_pull_requests p
          WHERE p.merge_commit_oid IS NOT NULL
            AND EXISTS (SELECT 1 FROM source.github_commits c WHERE c.repo_id = p.repo_id AND c.oid = p.merge_commit_oid)
          ORDER BY p.merged_at DESC, p.id LIMIT 1`,
      );
      const pr = rows[0]!;
      const { rows: commit } = await t.db.query(
        'DELETE FROM source.github_commits WHERE repo_id = $1 AND oid = $2 RETURNING *',
        [pr.repo_id, pr.merge_commit_oid],
      );
      await refreshThenCompare();
      await t.db.query(
        `INSERT INTO source.github_commits SELECT * FROM json_populate_record(NULL::source.github_commits, $1)`,
        [JSON.stringify(commit[0])],
      );
      const { scopes: placed } = await refreshThenCompare();
      expect(placed.get('deployment_changes')).toEqual(expect.any(Number));
    }, 120_000);

    it('takes in an issue that becomes an incident, and its end', async () => {
      // The latest issue of a team's project becomes an incident a day before the end.
      const { rows } = await t.db.query<{ id: string }>(
        `SELECT i.id FROM source.jira_issues i JOIN metrics.team_projects tp ON tp.project_key = i.project_key
          WHERE i.issue_type <> 'Epic' ORDER BY i.created_at DESC, i.id LIMIT 1`,
      );
      const issue = rows[0]!.id;
      await t.db.query(
        `UPDATE source.jira_issues SET issue_type = 'Incident', labels = '{}', created_at = $2 WHERE id = $1`,
        [issue, new Date(END - DAY)],
      );
      const { scopes } = await refreshThenCompare();
      expect(scopes.get('deployment_failure_incidents')).toEqual(expect.any(Number));
      const { rows: evidence } = await t.db.query(
        `SELECT 1 FROM metrics.deployment_failure_incidents WHERE issue_id = $1`,
        [issue],
      );
      expect(evidence).toHaveLength(1);
      await t.db.query(`UPDATE source.jira_issues SET resolved_at = $2 WHERE id = $1`, [
        issue,
        new Date(END),
      ]);
      const { scopes: resolved } = await refreshThenCompare();
      expect(resolved.get('deployment_failure_incidents')).toEqual(expect.any(Number));
    }, 120_000);

    it('reads every row again when a setting they read changes', async () => {
      await t.db.query(`UPDATE metrics.setting_values SET value = 'urgent' WHERE key = 'hotfix_label'`);
      const { scopes } = await refreshThenCompare();
      expect(scopes.get('pull_requests')).toBe('all');
    }, 120_000);

    it('fills an emptied kept table whole, with the indexes it was defined with', async () => {
      const indexes = async () =>
        (
          await t.db.query<{ def: string }>(
            `SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index
              WHERE indrelid = 'metrics.reviews'::regclass ORDER BY 1`,
          )
        ).rows.map((r) => r.def);
      const before = await indexes();
      const held = await contents();
      await t.db.query('TRUNCATE metrics.reviews');
      await t.db.query(`DELETE FROM ops.metric_view_state WHERE view = 'reviews'`);
      const { reasons } = await refreshMetrics(t.db);
      expect(reasons.get('reviews')).toBe('first');
      expect(await indexes()).toEqual(before);
      expect(before.length).toBeGreaterThan(1);
      expect(await contents()).toEqual(held);
    }, 120_000);
  });
});
