import { z } from 'zod';

/**
 * The fact sheet of one sprint: everything an insight may say, computed in SQL
 * (insights/facts.sql) and nothing else. The engine scores it and both writers read only
 * this; a number in an insight is a placeholder naming one of its facts (numbers.ts), and
 * the grounding check accepts an issue or PR key only if it is here.
 *
 * Keys of list items are Jira issue keys (`PAY-123`) or PR keys (`acme/payments-api#42`).
 * Durations are hours or days as named; percentages are 0–100; NULL means "not known"
 * (not zero).
 */

const issueRef = z.object({
  key: z.string(),
  summary: z.string(),
  url: z.string().nullable(),
});

/** An open pull request and how long it has waited. */
const waitingPr = z.object({
  key: z.string(),
  title: z.string(),
  url: z.string().nullable(),
  issue_key: z.string().nullable(),
  hours_waiting: z.number(),
});

/**
 * The sprint's Monte Carlo forecast (forecast/forecast.ts) from the team's own working days:
 * computed from the facts' as-of, the same for both writers. Null for a closed sprint.
 */
export const forecastFacts = z.object({
  /** `ok`, `low_history` (fewer than 30 working days of history) or `refused` (fewer than 10). */
  state: z.enum(['ok', 'low_history', 'refused']),
  reason: z.string().nullable(),
  history_days: z.number().int(),
  /** Issues in the sprint and not done. */
  remaining_issues: z.number().int().nullable(),
  /** Working days left in the team's calendar. */
  working_days_left: z.number().int(),
  /** Chance that what is left, with what keeps being added, is done by the sprint's end. */
  finish_probability_pct: z.number().nullable(),
  /** The chance the words call "likely" (85): a date is told at this probability. */
  likely_pct: z.number(),
  /** The days by which 50, 70, 85 and 95 % of the simulated sprints had finished (null past a year). */
  done_by_50_at: z.string().nullable(),
  done_by_70_at: z.string().nullable(),
  done_by_85_at: z.string().nullable(),
  done_by_95_at: z.string().nullable(),
  /** Working days from the 50 % date to the 95 % date: how predictable the team is. */
  spread_working_days: z.number().int().nullable(),
});

export const sprintFacts = z.object({
  sprint: z.object({
    id: z.number().int(),
    name: z.string(),
    goal: z.string().nullable(),
    team: z.string(),
    board_id: z.number().int(),
    state: z.enum(['active', 'closed', 'future']),
    start_at: z.string(),
    end_at: z.string(),
    complete_at: z.string().nullable(),
  }),
  /** The instant the facts describe (now for an active sprint, completion for a closed one). */
  as_of: z.string(),
  time: z.object({
    days_total: z.number(),
    days_elapsed: z.number(),
    days_left: z.number(),
    elapsed_pct: z.number(),
  }),
  scope: z.object({
    committed_issues: z.number().int(),
    committed_points: z.number(),
    added_issues: z.number().int(),
    added_points: z.number(),
    removed_issues: z.number().int(),
    removed_points: z.number(),
    /** (added + removed) ÷ committed, in points. */
    scope_change_pct: z.number().nullable(),
    /** Net change of estimates made after the start, in points. */
    reestimated_points: z.number(),
    unestimated_issues: z.number().int(),
  }),
  progress: z.object({
    total_issues: z.number().int(),
    total_points: z.number(),
    completed_issues: z.number().int(),
    completed_points: z.number(),
    remaining_points: z.number(),
    /** completed ÷ current scope, in points. */
    completed_pct: z.number().nullable(),
    /** Completed committed points ÷ committed points (say/do). */
    say_do_pct: z.number().nullable(),
    in_progress_issues: z.number().int(),
    not_started_issues: z.number().int(),
    /** Unfinished issues flagged or in a blocked status (all of them; `blocked` lists the first 20). */
    blocked_issues: z.number().int(),
  }),
  burndown: z.object({
    /** Where the ideal line stands today. */
    ideal_remaining_points: z.number(),
    /** remaining − ideal: positive means behind. */
    behind_ideal_points: z.number(),
    /** Points completed per day so far. */
    completion_rate_points_per_day: z.number().nullable(),
    /** When the remaining points are done at that rate; NULL when nothing is being completed. */
    projected_completion_at: z.string().nullable(),
    /** Points left at the sprint's end at that rate. */
    projected_remaining_at_end: z.number().nullable(),
  }),
  carry_over: z.object({
    /** Issues that came in unfinished from the previous sprint. */
    carried_in_issues: z.number().int(),
    /** How many issues `carried_twice_or_more` lists. */
    carried_twice_or_more_issues: z.number().int(),
    /** Issues already carried over two sprints or more. */
    carried_twice_or_more: z.array(issueRef.extend({ sprints: z.number().int() })),
  }),
  blocked: z.array(issueRef.extend({ status: z.string(), blocked_hours: z.number(), flagged: z.boolean() })),
  /** Unfinished issues in their current stage for long, longest first. */
  aging: z.array(issueRef.extend({ status: z.string(), stage: z.string(), days_in_stage: z.number() })),
  not_started: z.array(issueRef.extend({ points: z.number().nullable() })),
  added_after_start: z.array(issueRef.extend({ points: z.number().nullable(), added_at: z.string() })),
  pr_flow: z.object({
    linked_prs: z.number().int(),
    open_prs: z.number().int(),
    merged_prs: z.number().int(),
    median_pickup_hours: z.number().nullable(),
    median_review_hours: z.number().nullable(),
    /** The team's usual pickup (last 90 days), to compare with. */
    team_median_pickup_hours: z.number().nullable(),
    /** All open PRs waiting for a first review, and all with changes requested (the lists hold the first 10). */
    waiting_for_review_prs: z.number().int(),
    changes_requested_prs: z.number().int(),
    /** Open PRs waiting for a first review, longest first. */
    waiting_for_review: z.array(waitingPr),
    /** Open PRs with changes requested and no new commit since, longest first. */
    changes_requested: z.array(waitingPr),
  }),
  dora: z.object({
    /** The last 28 days and the 28 before, for the team's repositories. */
    window_days: z.number().int(),
    deployments_28d: z.number().int(),
    deployments_prev_28d: z.number().int(),
    change_fail_rate_pct_28d: z.number().nullable(),
    change_fail_rate_pct_prev_28d: z.number().nullable(),
    lead_time_p50_hours_28d: z.number().nullable(),
    lead_time_p50_hours_prev_28d: z.number().nullable(),
    recovery_p50_hours_28d: z.number().nullable(),
    /**
     * Where the median lead time's change came from (docs/metrics.md, "Why it moved"): the
     * repository accounting for most of it, by how many hours, and the stage that moved most.
     */
    lead_time_change_top_repo: z.string().nullable().default(null),
    lead_time_change_top_repo_hours: z.number().nullable().default(null),
    lead_time_change_top_stage: z.string().nullable().default(null),
    /** The repository whose production deployments fell most over the same days, and by how many. */
    deployments_fall_top_repo: z.string().nullable().default(null),
    deployments_fall_top_repo_fewer: z.number().int().nullable().default(null),
  }),
  forecast: forecastFacts.nullable().default(null),
});

export type SprintFacts = z.infer<typeof sprintFacts>;
export type ForecastFacts = z.infer<typeof forecastFacts>;
