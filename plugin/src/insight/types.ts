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

export interface SprintHealthInsight {
  sprint: SprintRef;
  /** Absent from an API older than the between-sprints answer. */
  selection?: SprintSelection;
  status: InsightStatus;
  /** 0 (off the rails) to 100 (healthy). */
  score: number;
  summary: string;
  risks: InsightItem[];
  bottlenecks: InsightItem[];
  recommendations: InsightItem[];
  source: 'llm' | 'rules';
  model: string | null;
  fallbackReason: string | null;
  generated_at: string;
  facts_hash: string;
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
