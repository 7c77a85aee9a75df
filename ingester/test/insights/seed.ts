import { parseOrganisation } from '../../src/config/organisation.js';
import type { Database } from '../../src/db/database.js';
import { refreshMetrics } from '../../src/metrics/refresh.js';
import { applyOrganisationSettings } from '../../src/metrics/settings.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const SEED_ORGANISATION = parseOrganisation(`
teams:
  - name: payments
    github: { repos: ['payments-*'] }
    jira: { projects: [PAY], boards: [1] }
  - name: platform
    github: { repos: [infra] }
    jira: { projects: [PLT] }
statusStages: { In Review: waiting, Blocked: waiting }
`);

/** Wednesday 2 December 2026, 10:00 UTC: the seed's default instant. */
export const SEED_NOW = Date.parse('2026-12-02T10:00:00Z');

export interface Seeded {
  activeSprint: number;
  closedSprint: number;
  /** The instant the seed was written around (the active sprint is half-way through). */
  now: number;
}

/**
 * One small Jira project and GitHub repository written straight into the source tables
 * (the shape the syncs write): a closed sprint and the active one half-way through,
 * with done, in-progress, blocked and untouched issues, an issue added after the start,
 * and an open pull request waiting for review. Titles, the active sprint's name and goal and
 * the blocked issue's assignee's display name can carry whatever text a test wants to
 * smuggle in.
 */
export async function seedSprint(
  db: Database,
  text: { issue?: string; pr?: string; sprintName?: string; goal?: string; assignee?: string } = {},
  /** The instant to write around: a Wednesday by default, so no test depends on today. */
  at = SEED_NOW,
): Promise<Seeded> {
  const now = Math.floor(at / HOUR) * HOUR;
  const start = now - 7 * DAY;
  const t = (ms: number) => new Date(ms).toISOString();
  await db.tx(async (c) => {
    const q = (sql: string, params: unknown[]) => c.query(sql, params);
    await q(
      `INSERT INTO source.jira_projects (id, key, name, raw) VALUES ('10000', 'PAY', 'Payments', '{}')`,
      [],
    );
    for (const [id, name, cat] of [
      ['1', 'To Do', 'new'],
      ['3', 'In Progress', 'indeterminate'],
      ['4', 'In Review', 'indeterminate'],
      ['5', 'Blocked', 'indeterminate'],
      ['6', 'Done', 'done'],
    ])
      await q(`INSERT INTO source.jira_statuses (id, name, category_key, raw) VALUES ($1, $2, $3, '{}')`, [
        id,
        name,
        cat,
      ]);
    await q(
      `INSERT INTO source.jira_boards (id, name, type, project_key, project_id, raw) VALUES (1, 'PAY board', 'scrum', 'PAY', '10000', '{}')`,
      [],
    );
    await q(
      `INSERT INTO source.jira_sprints (id, board_id, name, goal, state, start_at, end_at, complete_at, raw) VALUES
        (500, 1, 'PAY Sprint 11', NULL, 'closed', $1, $2, $2, '{}'),
        (501, 1, $4, $5, 'active', $2, $3, NULL, '{}')`,
      [
        t(start - 14 * DAY),
        t(start),
        t(start + 14 * DAY),
        text.sprintName ?? 'PAY Sprint 12',
        text.goal ?? 'Refunds',
      ],
    );
    // key, summary, points, status history [status id, from], sprint stays [sprint, from, to]
    const issues: [string, string, number | null, [string, number][], [number, number, number | null][]][] = [
      [
        'PAY-1',
        'Refund API',
        5,
        [
          ['1', -20],
          ['3', 1],
          ['6', 5],
        ],
        [[501, -1, null]],
      ],
      [
        'PAY-2',
        text.issue ?? 'Refund UI',
        3,
        [
          ['1', -20],
          ['3', -3],
        ],
        [[501, -1, null]],
      ],
      [
        'PAY-3',
        'Ledger schema',
        8,
        [
          ['1', -20],
          ['3', -18],
          ['5', -18],
        ],
        [
          [500, -20, null],
          [501, 0, null],
        ],
      ],
      ['PAY-4', 'Refund e-mails', 3, [['1', -20]], [[501, -1, null]]],
      [
        'PAY-5',
        'Rounding hotfix',
        2,
        [
          ['1', 2],
          ['6', 4],
        ],
        [[501, 2, null]],
      ],
      ['PAY-6', 'Old idea', 1, [['1', -20]], [[501, -1, 1]]],
    ];
    for (const [i, [key, summary, points, statuses, stays]] of issues.entries()) {
      const id = String(20000 + i);
      const created = start - 20 * DAY;
      await q(
        `INSERT INTO source.jira_issues (id, key, project_id, project_key, issue_type, issue_type_id, summary, status_id, created_at, updated_at, story_points, raw)
         VALUES ($1, $2, '10000', 'PAY', 'Story', '10001', $3, $4, $5, $5, $6, $7)`,
        [
          id,
          key,
          summary,
          statuses.at(-1)![0],
          t(created),
          points,
          { self: `https://acme.atlassian.net/rest/api/3/issue/${id}` },
        ],
      );
      await q(
        `INSERT INTO source.jira_point_estimates (issue_id, seq, points, started_at) VALUES ($1, 0, $2, $3)`,
        [id, points, t(created)],
      );
      for (const [seq, [status, from]] of statuses.entries()) {
        const next = statuses[seq + 1];
        await q(
          `INSERT INTO source.jira_status_periods (issue_id, seq, status_id, started_at, ended_at) VALUES ($1, $2, $3, $4, $5)`,
          [
            id,
            seq,
            status,
            t(from === -20 ? created : start + from * DAY),
            next ? t(start + next[1] * DAY) : null,
          ],
        );
      }
      for (const [sprint, from, to] of stays)
        await q(
          `INSERT INTO source.jira_sprint_memberships (issue_id, sprint_id, added_at, removed_at) VALUES ($1, $2, $3, $4)`,
          [id, sprint, t(start + from * DAY), to === null ? null : t(start + to * DAY)],
        );
    }
    // PAY-3's assignee, as Jira names people: only in the Jira payload and the users table.
    await q(
      `INSERT INTO source.jira_users (account_id, display_name, account_type, active) VALUES ('u-1', $1, 'atlassian', true)`,
      [text.assignee ?? 'Dana Developer'],
    );
    await q(
      `UPDATE source.jira_issues SET assignee_account_id = 'u-1', raw = raw || jsonb_build_object('fields', jsonb_build_object('assignee', jsonb_build_object('accountId', 'u-1', 'displayName', $1::text))) WHERE id = '20002'`,
      [text.assignee ?? 'Dana Developer'],
    );
    await q(`INSERT INTO source.jira_flag_periods (issue_id, started_at) VALUES ('20002', $1)`, [
      t(start + 2 * DAY),
    ]);
    await q(
      `INSERT INTO source.github_repos (id, owner, name, default_branch, raw) VALUES ('R1', 'acme', 'payments-api', 'main', $1)`,
      [{ html_url: 'https://github.com/acme/payments-api' }],
    );
    await q(
      `INSERT INTO source.github_pull_requests (id, repo_id, number, title, author_login, head_ref, base_ref, state, is_draft, created_at, updated_at, raw)
       VALUES ('P41', 'R1', 41, $1, 'dev-a', 'PAY-2-refund-ui', 'main', 'OPEN', false, $2, $2, '{}')`,
      [text.pr ?? 'PAY-2 Refund UI', t(now - 30 * HOUR)],
    );
    await q(
      `INSERT INTO source.github_pr_issue_refs (pr_id, issue_key, found_in) VALUES ('P41', 'PAY-2', 'branch')`,
      [],
    );
  });
  // As the scheduler leaves things after a sync: settings applied, metrics refreshed.
  await applyOrganisationSettings(db, SEED_ORGANISATION);
  await refreshMetrics(db);
  return { activeSprint: 501, closedSprint: 500, now };
}
