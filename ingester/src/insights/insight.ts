import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import type { SprintFacts } from './facts.js';
import type { Words } from './grounding.js';
import type { LlmResult } from './llm.js';
import { PROMPT_VERSION } from './prompt.js';
import { rulesWords } from './rules.js';
import { decide, type Verdict } from './score.js';
import {
  sprintHealthInsight,
  type RefusedItem,
  type SprintForecast,
  type SprintHealthInsight,
} from './shape.js';

/**
 * The served insight: the engine's verdict (status, score and its basis) with one
 * writer's words. Whoever writes, the verdict is the same; a writer that fails or is
 * not trusted costs the words, never the score.
 */

export interface WriterMeta {
  factsHash: string;
  generatedAt: Date;
}

export interface Writer {
  source: SprintHealthInsight['source'];
  model: string | null;
  promptVersion: string | null;
  fallbackReason: string | null;
  refused: RefusedItem[];
}

/** What the service needs of an LLM writer (the real one is insights/llm.ts). */
export interface WordWriter {
  readonly model: string;
  write(facts: SprintFacts, meta: WriterMeta, verdict: Verdict): Promise<LlmResult>;
}

/** The insight's sprint, as the API names its fields. */
export function sprintRefOf(facts: SprintFacts): SprintHealthInsight['sprint'] {
  return {
    id: facts.sprint.id,
    name: facts.sprint.name,
    team: facts.sprint.team,
    state: facts.sprint.state,
    startAt: new Date(facts.sprint.start_at).toISOString(),
    endAt: new Date(facts.sprint.end_at).toISOString(),
  };
}

export function assembleInsight(
  facts: SprintFacts,
  verdict: Verdict,
  words: Words,
  meta: WriterMeta,
  writer: Writer,
): SprintHealthInsight {
  return {
    sprint: sprintRefOf(facts),
    status: verdict.status,
    score: verdict.score,
    scoreBasis: verdict.basis,
    forecast: forecastOf(facts),
    summary: words.summary,
    risks: words.risks,
    bottlenecks: words.bottlenecks,
    recommendations: words.recommendations,
    source: writer.source,
    model: writer.model,
    promptVersion: writer.promptVersion,
    refused: writer.refused,
    fallbackReason: writer.fallbackReason,
    generatedAt: meta.generatedAt.toISOString(),
    factsHash: meta.factsHash,
  };
}

/** The facts' forecast in the API's words. */
export function forecastOf(facts: SprintFacts): SprintForecast | null {
  const f = facts.forecast;
  if (!f) return null;
  return {
    state: f.state,
    reason: f.reason,
    historyDays: f.history_days,
    remainingIssues: f.remaining_issues,
    workingDaysLeft: f.working_days_left,
    finishProbabilityPct: f.finish_probability_pct,
    doneBy:
      f.state === 'refused'
        ? []
        : [
            { pct: 50, date: f.done_by_50_at },
            { pct: 70, date: f.done_by_70_at },
            { pct: 85, date: f.done_by_85_at },
            { pct: 95, date: f.done_by_95_at },
          ],
    spreadWorkingDays: f.spread_working_days,
  };
}

export const NO_LLM_REASON = 'no LLM is configured: OPENAI_API_KEY is not set';

/**
 * The insight for a fact sheet: the verdict first, then the LLM's words if it gives
 * words that pass the check, else the rule-based writer's with the reason. `fallback`
 * says the LLM was asked and the rules answered.
 */
export async function writeInsight(
  facts: SprintFacts,
  meta: WriterMeta,
  llm: WordWriter | undefined,
  log?: Logger,
): Promise<{ insight: SprintHealthInsight; fallback: boolean; verdict: Verdict }> {
  const verdict = decide(facts);
  const rules = (fallbackReason: string) =>
    assembleInsight(facts, verdict, rulesWords(facts, verdict), meta, {
      source: 'rules',
      model: null,
      promptVersion: null,
      fallbackReason,
      refused: [],
    });
  if (!llm) return { insight: rules(NO_LLM_REASON), fallback: false, verdict };
  const result = await llm.write(facts, meta, verdict).catch((err: unknown): LlmResult => ({
    ok: false,
    reason: `the LLM writer failed: ${errorMessage(err)}`,
  }));
  if (result.ok) {
    const insight = assembleInsight(facts, verdict, result.words, meta, {
      source: 'llm',
      model: llm.model,
      promptVersion: PROMPT_VERSION,
      fallbackReason: null,
      refused: result.refused,
    });
    // Checked already, item by item; this is the last guard before a reader sees it.
    const parsed = sprintHealthInsight.safeParse(insight);
    if (parsed.success) return { insight: parsed.data, fallback: false, verdict };
    const issue = parsed.error.issues[0]!;
    const reason = `the LLM answer does not fit the insight: ${issue.path.join('.')}: ${issue.message}`;
    log?.warn({ sprint: facts.sprint.id, reason }, 'serving the rule-based insight');
    return { insight: rules(reason), fallback: true, verdict };
  }
  log?.warn({ sprint: facts.sprint.id, reason: result.reason }, 'serving the rule-based insight');
  return { insight: rules(result.reason), fallback: true, verdict };
}
