import type { SprintFacts } from './facts.js';
import type { ItemTemplate } from './findings.js';
import type { Words } from './grounding.js';
import { assembleInsight, type WriterMeta } from './insight.js';
import { render } from './numbers.js';
import { decide, lowerFirst, type Verdict } from './score.js';
import type { InsightItem, InsightStatus, SprintHealthInsight } from './shape.js';

/**
 * The rule-based writer: deterministic, always available, and the fallback whenever the
 * LLM writer cannot be used or trusted. It words what the engine found (insights/score.ts
 * and findings.ts): each finding's risk, its bottleneck where it is about flow, and its
 * recommendation, the main problem first. Its numbers are placeholders filled by the same
 * formatter as the LLM's, so both say "2.1 days left" alike.
 */

const STATUS_WORDS: Record<InsightStatus, string> = {
  on_track: 'on track',
  at_risk: 'at risk',
  off_track: 'off track',
};

function renderItem(t: ItemTemplate, facts: SprintFacts): InsightItem {
  const title = render(t.title, facts);
  const detail = render(t.detail, facts);
  return {
    ...t,
    title: title.text,
    detail: detail.text,
    facts: [...new Set([...t.facts, ...title.facts, ...detail.facts])],
  };
}

/** The summary as a template: how the sprint stands, then its main problem. */
export function summaryTemplate(f: SprintFacts, verdict: Verdict): string {
  const p = f.progress;
  const status = STATUS_WORDS[verdict.status];
  const byPoints = p.total_points > 0;
  const first =
    f.sprint.state === 'future'
      ? `{sprint.name} is ${status}: ${byPoints ? '{progress.total_points}' : '{progress.total_issues}'} planned so far, starting {sprint.start_at}.`
      : `{sprint.name} is ${status}: ${
          byPoints
            ? '{progress.completed_points of progress.total_points}'
            : '{progress.completed_issues of progress.total_issues}'
        } are done ${f.sprint.state === 'closed' ? 'at its close' : 'with {time.days_elapsed of time.days_total} gone'}.`;
  const main = verdict.findings[0];
  const second = main
    ? `Main problem: ${lowerFirst(main.risk.title)}; ${lowerFirst(main.recommendation.title)}.`
    : 'No risk stands out; keep finishing work before starting more.';
  return `${first} ${second}`;
}

/** The rule-based writer's words, as templates: what its tests hold to the grounding check. */
export function rulesTemplates(f: SprintFacts, verdict: Verdict) {
  return {
    summary: summaryTemplate(f, verdict),
    risks: verdict.findings.map((x) => x.risk),
    bottlenecks: verdict.findings.flatMap((x) => (x.bottleneck ? [x.bottleneck] : [])),
    recommendations: verdict.findings.map((x) => x.recommendation),
  };
}

export function rulesWords(facts: SprintFacts, verdict: Verdict): Words {
  const t = rulesTemplates(facts, verdict);
  return {
    summary: render(t.summary, facts).text,
    risks: t.risks.map((i) => renderItem(i, facts)),
    bottlenecks: t.bottlenecks.map((i) => renderItem(i, facts)),
    recommendations: t.recommendations.map((i) => renderItem(i, facts)),
  };
}

export function writeWithRules(
  facts: SprintFacts,
  meta: WriterMeta,
  verdict: Verdict = decide(facts),
): SprintHealthInsight {
  return assembleInsight(facts, verdict, rulesWords(facts, verdict), meta, {
    source: 'rules',
    model: null,
    promptVersion: null,
    fallbackReason: null,
    refused: [],
  });
}
