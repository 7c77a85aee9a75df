import { type GrafanaTheme2, type IconName, type ThemeRichColor, dateTimeFormat } from '@grafana/data';
import type {
  InsightItem,
  InsightStatus,
  RefusedItem,
  ScoreBasis,
  Severity,
  SprintHealthInsight,
} from '../../insight/types';

export const statusLabel: Record<InsightStatus, string> = {
  on_track: 'On track',
  at_risk: 'At risk',
  off_track: 'Off track',
};

export const statusIcon: Record<InsightStatus, IconName> = {
  on_track: 'check-circle',
  at_risk: 'exclamation-triangle',
  off_track: 'times-circle',
};

export function statusColor(theme: GrafanaTheme2, status: InsightStatus): ThemeRichColor {
  return status === 'on_track'
    ? theme.colors.success
    : status === 'at_risk'
      ? theme.colors.warning
      : theme.colors.error;
}

export function severityColor(theme: GrafanaTheme2, severity: Severity): string {
  return severity === 'high'
    ? theme.colors.error.text
    : severity === 'medium'
      ? theme.colors.warning.text
      : theme.colors.text.secondary;
}

/** Grafana's alert shapes, so a high card differs from a low one in greyscale too, not by colour alone. */
export const severityIcon: Record<Severity, IconName> = {
  high: 'exclamation-circle',
  medium: 'exclamation-triangle',
  low: 'info-circle',
};

const severityRank: Record<Severity, number> = { high: 0, medium: 1, low: 2 };

/** Two items are the same finding when their titles match, whatever the case and spacing. */
export const itemKey = (item: InsightItem) => item.title.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * The keys of items that are listed under both risks and bottlenecks: the rule-based writer words
 * a flow problem (a blocker, a review wait) as both, and an LLM may too.
 */
export function listedTwice(insight: Pick<SprintHealthInsight, 'risks' | 'bottlenecks'>): Set<string> {
  const risks = new Set(insight.risks.map(itemKey));
  return new Set(insight.bottlenecks.map(itemKey).filter((key) => risks.has(key)));
}

/** The most severe first; the writer's order among equals (it puts the strongest evidence first). */
export function mostSevere(items: InsightItem[], max: number): InsightItem[] {
  return items
    .map((item, index) => ({ item, index }))
    .sort((a, b) => severityRank[a.item.severity] - severityRank[b.item.severity] || a.index - b.index)
    .slice(0, Math.max(1, max))
    .map(({ item }) => item);
}

export function sourceLabel(insight: SprintHealthInsight): string {
  return insight.source === 'llm' ? `Written by ${insight.model ?? 'an LLM'}` : 'Rule-based';
}

/**
 * "2.1 days left", "1 day left", "ended": at the instant the insight was written and to a tenth
 * of a day, as its own words count the days left, so the header and the risks agree.
 */
export function sprintProgress(sprint: SprintHealthInsight['sprint'], at: number): string {
  if (sprint.state === 'closed') {
    return 'ended';
  }
  if (sprint.state === 'future') {
    return 'not started';
  }
  const from = Math.max(at, Date.parse(sprint.startAt));
  const left = Math.max(0, Math.round((Date.parse(sprint.endAt) - from) / 8_640_000) / 10);
  if (left === 0) {
    return 'past its end date';
  }
  return left === 1 ? '1 day left' : `${left} days left`;
}

/** "2 Mar – 16 Mar · 2.1 days left", in the dashboard's time zone. */
export function sprintDates(sprint: SprintHealthInsight['sprint'], at: number, timeZone?: string): string {
  const fmt = (iso: string) => dateTimeFormat(iso, { format: 'D MMM', timeZone });
  return `${fmt(sprint.startAt)} – ${fmt(sprint.endAt)} · ${sprintProgress(sprint, at)}`;
}

/** "Score 58 = 100 − 30 (scope) − 12 (behind), by the rules sprint-score/v1" */
export function scoreArithmetic(score: number, basis: ScoreBasis): string {
  const terms = basis.deductions.map((d) => ` − ${d.points} (${d.rule})`).join('');
  return `Score ${score} = 100${terms}, by the rules ${basis.rules}`;
}

const sectionNoun: Record<RefusedItem['section'], string> = {
  risks: 'Risk',
  bottlenecks: 'Bottleneck',
  recommendations: 'Recommendation',
};

/** "1 item left out by the grounding check" */
export function refusedLabel(refused: RefusedItem[]): string {
  return `${refused.length} ${refused.length === 1 ? 'item' : 'items'} left out by the grounding check`;
}

/** One line per refused item: "Risk 3: its detail writes the number 14 itself, …" */
export function refusedLines(refused: RefusedItem[]): string[] {
  return refused.map((r) => `${sectionNoun[r.section]} ${r.index + 1}: ${r.reasons.join('; ')}`);
}
