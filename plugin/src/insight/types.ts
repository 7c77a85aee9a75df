/**
 * The Sprint Health insight as `GET /insights/sprint-health` returns it: a type-only mirror of
 * the API's zod schema (ingester/src/insights/shape.ts). The plugin ships as a browser bundle and
 * must not pull the ingester in; `fixtures.test.ts` checks the fixtures against the real schema so
 * this mirror and the API cannot drift apart unnoticed.
 */

export type InsightStatus = 'on_track' | 'at_risk' | 'off_track';
export type Severity = 'high' | 'medium' | 'low';

export interface InsightRef {
  kind: 'issue' | 'pull_request';
  /** `PAY-123` for a Jira issue, `acme/payments-api#42` for a pull request. */
  key: string;
  url: string | null;
}

export interface InsightItem {
  title: string;
  detail: string;
  severity: Severity;
  /** Keys of the sprint's fact sheet the item rests on. */
  facts: string[];
  refs: InsightRef[];
}

export interface SprintRef {
  id: number;
  name: string;
  team: string;
  state: 'active' | 'closed' | 'future';
  startAt: string;
  endAt: string;
}

/** Why the insight is about this sprint: asked for, the team's active one, or between sprints the next or the last. */
export interface SprintSelection {
  kind: 'requested' | 'active' | 'upcoming' | 'last_closed';
  reason: string;
}

/** Why the sprint has its status and score: the engine's decision, the same whoever wrote the words. */
export interface ScoreBasis {
  /** The version of the score's rules, e.g. `sprint-score/v1`. */
  rules: string;
  /** The status and the finding that decided it: "Off track: nothing started with 40% of the sprint gone". */
  sentence: string;
  /** The finding that decided the status, null when nothing was found. */
  decisive: string | null;
  /** What each finding cost: the score is 100 minus these points. */
  deductions: Array<{ rule: string; points: number }>;
}

/** An item of the LLM's answer that failed the grounding check and was left out. */
export interface RefusedItem {
  section: 'risks' | 'bottlenecks' | 'recommendations';
  /** Its position in the model's list, from 0. */
  index: number;
  reasons: string[];
}

/**
 * The sprint's Monte Carlo forecast from the team's own history of working days: the chance that
 * what is left, with the scope the team usually adds, is done by the sprint's end, and the dates
 * by which it is done with a given chance.
 */
export interface SprintForecast {
  /** `refused` below 10 working days of history (no answer); `low_history` below 30 (an answer with a warning). */
  state: 'ok' | 'low_history' | 'refused';
  /** Why it is refused or warned about; null when ok. */
  reason: string | null;
  historyDays: number;
  /** Issues in the sprint not done; null when refused. */
  remainingIssues: number | null;
  workingDaysLeft: number;
  /** 0–100, to a tenth; null when refused. */
  finishProbabilityPct: number | null;
  /**
   * The days (`YYYY-MM-DD`, the team's calendar) by which 50, 70, 85 and 95 % of the simulated
   * sprints had finished; null past a year, or when nothing is left. Empty when refused.
   */
  doneBy: Array<{ pct: number; date: string | null }>;
  /** Working days from the 50 % date to the 95 % date: the team's predictability (fewer is steadier). */
  spreadWorkingDays: number | null;
}

export interface SprintHealthInsight {
  sprint: SprintRef;
  /** Absent from an API older than the between-sprints answer. */
  selection?: SprintSelection;
  status: InsightStatus;
  /** 0 (off the rails) to 100 (healthy). */
  score: number;
  /** Absent from an API older than the engine's score (sprint-health/v2). */
  scoreBasis?: ScoreBasis;
  /** Absent from an API older than the forecast (sprint-health/v3); null for a closed sprint. */
  forecast?: SprintForecast | null;
  summary: string;
  risks: InsightItem[];
  bottlenecks: InsightItem[];
  recommendations: InsightItem[];
  source: 'llm' | 'rules';
  model: string | null;
  /** The prompt's version when the LLM wrote the words. */
  promptVersion?: string | null;
  /** Items of the LLM's answer the check left out (absent from an older API). */
  refused?: RefusedItem[];
  fallbackReason: string | null;
  generatedAt: string;
  factsHash: string;
}

/** RFC 9457 problem details, the body of every error the API returns. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
}
