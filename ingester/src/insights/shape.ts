import { z } from 'zod';

/**
 * The Sprint Health insight: what both writers (LLM and rules) return, what the API
 * serves and what the Grafana panel shows. Every item cites the facts it rests on
 * (`facts`: keys of the sprint's fact sheet) and the Jira issues / pull requests it is
 * about (`refs`), so a reader can check each sentence.
 */

export const insightStatus = z.enum(['on_track', 'at_risk', 'off_track']);

export const insightItem = z.object({
  title: z.string().min(1).max(160),
  detail: z.string().max(600),
  severity: z.enum(['high', 'medium', 'low']),
  /** Keys of the fact sheet this item rests on, e.g. `scope_change_pct`. */
  facts: z.array(z.string()).min(1),
  refs: z.array(
    z.object({
      kind: z.enum(['issue', 'pull_request']),
      key: z.string(),
      url: z.url().nullable(),
    }),
  ),
});

/**
 * Why the sprint has its status and score: decided by the engine (insights/score.ts) from
 * the facts, the same whoever writes the words, and versioned like the prompt.
 */
export const scoreBasis = z.object({
  /** The version of the score's rules, e.g. `sprint-score/v2`. */
  rules: z.string(),
  /** The status and the finding that decided it, in one sentence: "Off track: nothing started with 40% of the sprint gone". */
  sentence: z.string().min(1).max(400),
  /** The finding that decided the status (`behind`, `blocked`, …), null when nothing was found. */
  decisive: z.string().nullable(),
  /** What each finding cost: the score is 100 minus these points (and at least 0). */
  deductions: z.array(z.object({ rule: z.string(), points: z.number().int().min(0) })),
});

/** An item of the LLM's answer that failed the check and was left out, and why. */
export const refusedItem = z.object({
  section: z.enum(['risks', 'bottlenecks', 'recommendations']),
  /** Its position in the model's list, from 0. */
  index: z.number().int().min(0),
  reasons: z.array(z.string()).min(1),
});

/**
 * The sprint's Monte Carlo forecast, from its facts (docs/metrics.md, "Forecasts"): the same
 * for both writers. Null for a closed sprint.
 */
export const sprintForecast = z.object({
  /** `ok`; `low_history` below 30 working days of history; `refused` below 10 (no answer). */
  state: z.enum(['ok', 'low_history', 'refused']),
  reason: z.string().nullable(),
  historyDays: z.number().int(),
  remainingIssues: z.number().int().nullable(),
  workingDaysLeft: z.number().int(),
  /** Chance that what is left, with the scope the team usually adds, is done by the end, %. */
  finishProbabilityPct: z.number().nullable(),
  /** The days by which 50, 70, 85 and 95 % of the simulated sprints had finished; null past a year. */
  doneBy: z.array(z.object({ pct: z.number(), date: z.iso.date().nullable() })),
  /** Working days from the 50 % to the 95 % date: the team's predictability (fewer is steadier). */
  spreadWorkingDays: z.number().int().nullable(),
});

/** Status, score and `scoreBasis` are the engine's (score.ts), the same for both writers; the words are the writer's. */
export const sprintHealthInsight = z.object({
  sprint: z.object({
    id: z.number().int(),
    name: z.string(),
    team: z.string(),
    state: z.enum(['active', 'closed', 'future']),
    startAt: z.iso.datetime({ offset: true }),
    endAt: z.iso.datetime({ offset: true }),
  }),
  status: insightStatus,
  /** 0 (off the rails) to 100 (healthy). */
  score: z.number().int().min(0).max(100),
  scoreBasis,
  forecast: sprintForecast.nullable(),
  /** Two sentences. */
  summary: z.string().min(1).max(600),
  risks: z.array(insightItem),
  bottlenecks: z.array(insightItem),
  recommendations: z.array(insightItem),
  /** `llm` (with `model`) or `rules` (the deterministic writer). */
  source: z.enum(['llm', 'rules']),
  model: z.string().nullable(),
  /** The prompt's version when the LLM wrote the words, else null. */
  promptVersion: z.string().nullable(),
  /** Items of the LLM's answer left out because they failed the check (always empty from the rules). */
  refused: z.array(refusedItem),
  /** Why the rule-based writer answered, when an LLM was configured. */
  fallbackReason: z.string().nullable(),
  generatedAt: z.iso.datetime({ offset: true }),
  /** Hash of the fact sheet the insight was written from (the cache key). */
  factsHash: z.string(),
});

export type SprintHealthInsight = z.infer<typeof sprintHealthInsight>;
export type InsightItem = z.infer<typeof insightItem>;
export type ScoreBasis = z.infer<typeof scoreBasis>;
export type SprintForecast = z.infer<typeof sprintForecast>;
export type RefusedItem = z.infer<typeof refusedItem>;
export type InsightStatus = z.infer<typeof insightStatus>;

/** Why the insight is about this sprint: asked for, the team's active one, or between sprints the next or the last. */
export const sprintSelection = z.object({
  kind: z.enum(['requested', 'active', 'upcoming', 'last_closed']),
  reason: z.string(),
});

/** What the API serves: the insight, and which sprint it describes and why. */
export const sprintHealthAnswer = sprintHealthInsight.extend({ selection: sprintSelection });

export type SprintSelection = z.infer<typeof sprintSelection>;
