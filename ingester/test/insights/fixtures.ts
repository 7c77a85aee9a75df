import { sprintFacts, type SprintFacts } from '../../src/insights/facts.js';

type DeepPartial<T> = T extends (infer U)[]
  ? U[]
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

const jira = (key: string) => `https://acme.atlassian.net/browse/${key}`;
const pr = (key: string) => {
  const [repo, n] = key.split('#');
  return `https://github.com/${repo}/pull/${n}`;
};

/**
 * A healthy sprint half-way through: work flowing, nothing blocked, reviews at the
 * team's usual pace. Each scenario changes only what makes it that scenario.
 */
export function healthyFacts(): SprintFacts {
  return sprintFacts.parse({
    sprint: {
      id: 501,
      name: 'PAY Sprint 12',
      goal: 'Refunds in the new ledger',
      team: 'payments',
      board_id: 1,
      state: 'active',
      start_at: '2026-11-02T09:00:00+00:00',
      end_at: '2026-11-16T09:00:00+00:00',
      complete_at: null,
    },
    as_of: '2026-11-09T09:00:00+00:00',
    time: { days_total: 14, days_elapsed: 7, days_left: 7, elapsed_pct: 50 },
    scope: {
      committed_issues: 10,
      committed_points: 30,
      added_issues: 1,
      added_points: 2,
      removed_issues: 0,
      removed_points: 0,
      scope_change_pct: 6.7,
      reestimated_points: 0,
      unestimated_issues: 0,
    },
    progress: {
      total_issues: 11,
      total_points: 32,
      completed_issues: 6,
      completed_points: 17,
      remaining_points: 15,
      completed_pct: 53.1,
      say_do_pct: 50,
      in_progress_issues: 3,
      not_started_issues: 2,
      blocked_issues: 0,
    },
    burndown: {
      ideal_remaining_points: 16,
      behind_ideal_points: -1,
      completion_rate_points_per_day: 2.43,
      projected_completion_at: '2026-11-15T09:00:00+00:00',
      projected_remaining_at_end: 0,
    },
    carry_over: { carried_in_issues: 1, carried_twice_or_more_issues: 0, carried_twice_or_more: [] },
    blocked: [],
    aging: [
      {
        key: 'PAY-104',
        summary: 'Ledger export',
        url: jira('PAY-104'),
        status: 'In Progress',
        stage: 'active',
        days_in_stage: 1.5,
      },
    ],
    not_started: [
      { key: 'PAY-109', summary: 'Refund e-mails', url: jira('PAY-109'), points: 3 },
      { key: 'PAY-110', summary: 'Refund audit log', url: jira('PAY-110'), points: 2 },
    ],
    added_after_start: [
      {
        key: 'PAY-111',
        summary: 'Hotfix: rounding',
        url: jira('PAY-111'),
        points: 2,
        added_at: '2026-11-04T10:00:00+00:00',
      },
    ],
    pr_flow: {
      linked_prs: 8,
      open_prs: 2,
      merged_prs: 6,
      median_pickup_hours: 3.5,
      median_review_hours: 6.2,
      team_median_pickup_hours: 4,
      waiting_for_review_prs: 1,
      changes_requested_prs: 0,
      waiting_for_review: [
        {
          key: 'acme/payments-api#41',
          title: 'Ledger export',
          url: pr('acme/payments-api#41'),
          issue_key: 'PAY-104',
          hours_waiting: 2.5,
        },
      ],
      changes_requested: [],
    },
    dora: {
      window_days: 28,
      deployments_28d: 24,
      deployments_prev_28d: 22,
      change_fail_rate_pct_28d: 8.3,
      change_fail_rate_pct_prev_28d: 9.1,
      lead_time_p50_hours_28d: 30.5,
      lead_time_p50_hours_prev_28d: 33,
      recovery_p50_hours_28d: 2.5,
    },
    // Five issues left with five working days to go, at a pace that usually finishes.
    forecast: {
      state: 'ok',
      reason: null,
      history_days: 60,
      remaining_issues: 5,
      working_days_left: 5,
      finish_probability_pct: 91.2,
      likely_pct: 85,
      done_by_50_at: '2026-11-12',
      done_by_70_at: '2026-11-13',
      done_by_85_at: '2026-11-13',
      done_by_95_at: '2026-11-17',
      spread_working_days: 3,
    },
  });
}

function merge<T>(base: T, patch: DeepPartial<T>): T {
  if (Array.isArray(patch) || patch === null || typeof patch !== 'object') return patch as T;
  const out = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(patch)) out[k] = merge(out[k], v as never);
  return out as T;
}

export function factsWith(patch: DeepPartial<SprintFacts>): SprintFacts {
  return sprintFacts.parse(merge(healthyFacts(), patch));
}

/** The five crafted sprints of the issue, each with its main problem. */
export const scenarios = {
  scopeCreep: () =>
    factsWith({
      scope: {
        added_issues: 6,
        added_points: 14,
        removed_issues: 1,
        removed_points: 3,
        scope_change_pct: 56.7,
      },
      progress: {
        total_issues: 15,
        total_points: 41,
        completed_points: 17,
        remaining_points: 24,
        completed_pct: 41.5,
      },
      burndown: {
        ideal_remaining_points: 20.5,
        behind_ideal_points: 3.5,
        completion_rate_points_per_day: 2.43,
        projected_remaining_at_end: 7,
      },
      added_after_start: ['PAY-120', 'PAY-121', 'PAY-122'].map((key, i) => ({
        key,
        summary: `Urgent request ${i}`,
        url: jira(key),
        points: 3,
        added_at: '2026-11-05T10:00:00+00:00',
      })),
    }),
  blockedWork: () =>
    factsWith({
      progress: { blocked_issues: 3 },
      blocked: [
        {
          key: 'PAY-105',
          summary: 'Ledger schema',
          url: jira('PAY-105'),
          status: 'Blocked',
          blocked_hours: 96,
          flagged: true,
        },
        {
          key: 'PAY-106',
          summary: 'Bank API keys',
          url: jira('PAY-106'),
          status: 'Blocked',
          blocked_hours: 50.5,
          flagged: false,
        },
        {
          key: 'PAY-107',
          summary: 'Legal review',
          url: jira('PAY-107'),
          status: 'In Progress',
          blocked_hours: 20,
          flagged: true,
        },
      ],
    }),
  reviewBottleneck: () =>
    factsWith({
      pr_flow: {
        open_prs: 4,
        waiting_for_review_prs: 3,
        median_pickup_hours: 31.5,
        team_median_pickup_hours: 4,
        waiting_for_review: [
          {
            key: 'acme/payments-api#44',
            title: 'Refund API',
            url: pr('acme/payments-api#44'),
            issue_key: 'PAY-101',
            hours_waiting: 52,
          },
          {
            key: 'acme/payments-web#17',
            title: 'Refund UI',
            url: pr('acme/payments-web#17'),
            issue_key: 'PAY-102',
            hours_waiting: 40.2,
          },
          {
            key: 'acme/payments-api#45',
            title: 'Audit log',
            url: pr('acme/payments-api#45'),
            issue_key: null,
            hours_waiting: 30,
          },
        ],
      },
    }),
  nothingStarted: () =>
    factsWith({
      time: { days_elapsed: 5.6, days_left: 8.4, elapsed_pct: 40 },
      scope: { added_issues: 0, added_points: 0, scope_change_pct: 0 },
      progress: {
        total_issues: 10,
        total_points: 30,
        completed_issues: 0,
        completed_points: 0,
        remaining_points: 30,
        completed_pct: 0,
        say_do_pct: 0,
        in_progress_issues: 0,
        not_started_issues: 10,
      },
      burndown: {
        ideal_remaining_points: 18,
        behind_ideal_points: 12,
        completion_rate_points_per_day: 0,
        projected_completion_at: null,
        projected_remaining_at_end: 30,
      },
      // Ten issues in six working days is more than the team's pace has ever done.
      forecast: {
        remaining_issues: 10,
        working_days_left: 6,
        finish_probability_pct: 3.1,
        done_by_50_at: '2026-11-18',
        done_by_70_at: '2026-11-19',
        done_by_85_at: '2026-11-20',
        done_by_95_at: '2026-11-24',
        spread_working_days: 4,
      },
      aging: [],
      added_after_start: [],
      not_started: ['PAY-101', 'PAY-102', 'PAY-103', 'PAY-104'].map((key) => ({
        key,
        summary: `Story ${key}`,
        url: jira(key),
        points: 3,
      })),
    }),
};
