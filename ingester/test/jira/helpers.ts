import type { Database } from '../../src/db/database.js';
import type { Logger } from '../../src/log.js';
import {
  startJiraSimulator,
  type JiraSimulator,
  type JiraSimulatorOptions,
} from '../../src/simulators/jira/server.js';
import { DAY } from '../../src/simulators/world/calendar.js';
import { defaultSpec, generateWorld } from '../../src/simulators/world/generate.js';
import type { IssueW, World, WorldSpec } from '../../src/simulators/world/types.js';
import { connectJira, type JiraApiOptions } from '../../src/sources/jira/client.js';
import { syncJira, type JiraSyncOptions } from '../../src/sources/jira/sync.js';
import { quietLog } from '../support/database.js';

export const END = Date.UTC(2026, 9, 30, 16, 0);
export const CLOUD_AUTH = { email: 'sync-bot@example.com', apiToken: 'jira-test-token-123' };
export const DC_PAT = 'dc-personal-access-token-123';

/** A small site that still has every sprint story: added, removed, re-estimated, carried over twice, re-opened. */
export function jiraWorld(overrides: Partial<WorldSpec> = {}): World {
  return generateWorld(
    defaultSpec({ seed: 7, prs: 500, repos: 8, start: END - 120 * DAY, end: END, ...overrides }),
  );
}

export function startSite(world: World, options: JiraSimulatorOptions = {}): Promise<JiraSimulator> {
  return startJiraSimulator(world, {
    auth: options.flavour === 'datacenter' ? { pat: DC_PAT } : CLOUD_AUTH,
    ...options,
  });
}

/** Syncs the simulated site with the real jira.js clients, waits shortened for tests. */
export async function syncSite(
  sim: JiraSimulator,
  db: Database,
  options: Partial<JiraSyncOptions> = {},
  log: Logger = quietLog,
  apiOptions: JiraApiOptions = {},
) {
  const api = connectJira(
    {
      baseUrl: sim.url,
      auth:
        sim.flavour === 'datacenter'
          ? { kind: 'bearer', pat: DC_PAT }
          : { kind: 'basic', email: CLOUD_AUTH.email, apiToken: CLOUD_AUTH.apiToken },
      projects: [],
    },
    log,
    { waitMsPerSecond: 1, ...apiOptions },
  );
  const results = await syncJira({ db, api, log }, { projects: [], ...options });
  return { results, stats: api.stats };
}

export const JIRA_TABLES: Record<string, string> = {
  jira_projects: 'id',
  jira_users: 'account_id',
  jira_statuses: 'id',
  jira_boards: 'id',
  jira_sprints: 'id',
  jira_issues: 'id',
  jira_changelog: 'issue_id, history_id, item_index',
  jira_status_periods: 'issue_id, seq',
  jira_sprint_memberships: 'issue_id, sprint_id, added_at',
  jira_point_estimates: 'issue_id, seq',
  jira_flag_periods: 'issue_id, started_at',
};

/** Every source.jira_* row as JSON text, in key order (nothing here is bookkeeping). */
export async function snapshot(db: Database, drop: Record<string, string[]> = {}) {
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(JIRA_TABLES)) {
    const { rows } = await db.query<{ j: Record<string, unknown> }>(
      `SELECT to_jsonb(t) AS j FROM source.${table} t ORDER BY ${order}`,
    );
    out[table] = rows.map((r) => {
      for (const c of drop[table] ?? []) delete r.j[c];
      return r.j;
    });
  }
  return out;
}

export const iso = (t: number) => new Date(Math.floor(t)).toISOString();

/** An issue's history at `now` as the generator decided it. */
export function truthOf(issue: IssueW, now: number) {
  const statuses: { status: string; from: string; to: string | null }[] = [];
  for (const s of issue.statuses.filter((x) => x.at <= now)) {
    const last = statuses[statuses.length - 1];
    if (last && last.status === s.status) continue;
    if (last) last.to = iso(s.at);
    statuses.push({ status: s.status, from: iso(s.at), to: null });
  }
  const points: { points: number | null; from: string; to: string | null }[] = [];
  for (const p of issue.points.filter((x) => x.at <= now)) {
    const last = points[points.length - 1];
    if (last && last.points === p.value) continue;
    if (last) last.to = iso(p.at);
    points.push({ points: p.value, from: iso(p.at), to: null });
  }
  if (points.length === 0) points.push({ points: null, from: iso(issue.createdAt), to: null });
  const flags = issue.flagged
    .filter((f) => f.from <= now)
    .map((f) => ({ from: iso(f.from), to: f.to === null || f.to > now ? null : iso(f.to) }));
  return {
    statuses: statuses.filter((s) => s.to === null || s.to > s.from),
    points: points.filter((p) => p.to === null || p.to > p.from),
    flags,
  };
}

/**
 * The sprint report from the stored rows alone, as the metrics SQL will compute it:
 * committed at start, added and removed after it, completed and carried over at close.
 */
export const SPRINT_REPORT_SQL = `
WITH sp AS (
  SELECT id, start_at, state = 'closed' AS closed,
         CASE WHEN state = 'closed' THEN complete_at ELSE $1::timestamptz END AS close_at
    FROM source.jira_sprints WHERE start_at IS NOT NULL AND start_at <= $1::timestamptz),
m AS (SELECT m.*, i.key FROM source.jira_sprint_memberships m JOIN source.jira_issues i ON i.id = m.issue_id),
member AS (  -- in the sprint at its start / at its close
  SELECT sp.id AS sprint_id, m.issue_id, m.key,
         bool_or(m.added_at <= sp.start_at AND (m.removed_at IS NULL OR m.removed_at > sp.start_at)) AS at_start,
         bool_or(m.added_at <= sp.close_at AND (m.removed_at IS NULL OR m.removed_at > sp.close_at)) AS at_close,
         bool_or(m.added_at > sp.start_at AND m.added_at <= sp.close_at) AS joined_after_start
    FROM sp JOIN m ON m.sprint_id = sp.id GROUP BY sp.id, m.issue_id, m.key),
facts AS (
  SELECT mb.*, sp.closed, sp.close_at,
         (SELECT st.category_key = 'done' FROM source.jira_status_periods p JOIN source.jira_statuses st ON st.id = p.status_id
           WHERE p.issue_id = mb.issue_id AND p.started_at <= sp.close_at AND (p.ended_at IS NULL OR p.ended_at > sp.close_at)) AS done_at_close,
         coalesce((SELECT e.points FROM source.jira_point_estimates e
           WHERE e.issue_id = mb.issue_id AND e.started_at <= sp.start_at AND (e.ended_at IS NULL OR e.ended_at > sp.start_at)), 0) AS points_at_start,
         coalesce((SELECT e.points FROM source.jira_point_estimates e
           WHERE e.issue_id = mb.issue_id AND e.started_at <= sp.close_at AND (e.ended_at IS NULL OR e.ended_at > sp.close_at)), 0) AS points_at_close,
         EXISTS (SELECT 1 FROM source.jira_sprint_memberships later
           WHERE later.issue_id = mb.issue_id AND later.sprint_id > mb.sprint_id AND later.added_at >= sp.close_at) AS moved_on
    FROM member mb JOIN sp ON sp.id = mb.sprint_id)
SELECT sprint_id::int AS "sprintId",
  coalesce(array_agg(key ORDER BY key) FILTER (WHERE at_start), '{}') AS committed,
  coalesce(sum(points_at_start) FILTER (WHERE at_start), 0)::float AS "committedPoints",
  coalesce(array_agg(key ORDER BY key) FILTER (WHERE NOT at_start AND joined_after_start), '{}') AS added,
  coalesce(array_agg(key ORDER BY key) FILTER (WHERE (at_start OR joined_after_start) AND NOT at_close), '{}') AS removed,
  coalesce(array_agg(key ORDER BY key) FILTER (WHERE at_close AND done_at_close), '{}') AS completed,
  coalesce(sum(points_at_close) FILTER (WHERE at_close AND done_at_close), 0)::float AS "completedPoints",
  coalesce(array_agg(key ORDER BY key) FILTER (WHERE closed AND at_close AND NOT coalesce(done_at_close, false) AND moved_on), '{}') AS "carriedOver"
FROM facts GROUP BY sprint_id ORDER BY sprint_id`;
