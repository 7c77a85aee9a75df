import { type GrafanaTheme2, type IconName, type ThemeRichColor, dateTimeFormat } from '@grafana/data';
import type {
  InsightItem,
  InsightStatus,
  RefusedItem,
  ScoreBasis,
  Severity,
  SprintForecast,
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

const DAY_MS = 86_400_000;

/** A calendar day, `YYYY-MM-DD`, as a count of days: the forecast's dates name days, not instants. */
function dayNumber(day: string): number {
  const [y, m, d] = day.split('-').map(Number);
  return Date.UTC(y, m - 1, d) / DAY_MS;
}

/** "Thu 12 Mar" for a calendar day, `YYYY-MM-DD`, whatever the time zone: it is already the team's day. */
export function dayLabel(day: string): string {
  return dateTimeFormat(dayNumber(day) * DAY_MS, { format: 'ddd D MMM', timeZone: 'utc' });
}

/** The calendar day, `YYYY-MM-DD`, an instant falls on in the dashboard's time zone. */
export function calendarDay(iso: string, timeZone?: string): string {
  return dateTimeFormat(iso, { format: 'YYYY-MM-DD', timeZone });
}

/** "62.4%": to the tenth the API gives, as its own words (the basis, the risks) write the same chance. */
export function chanceLabel(pct: number): string {
  return `${Math.round(pct * 10) / 10}%`;
}

/** Whether every issue in the sprint is done: the API then dates nothing, and no date means no wait. */
const nothingLeft = (f: SprintForecast) => f.remainingIssues === 0;

/**
 * "62.4% likely to finish by Mon 16 Mar" (the sprint's end, in the dashboard's time zone), or
 * undefined when there is no chance to tell (no forecast, or a refused one).
 */
export function forecastHeadline(
  f: SprintForecast | null | undefined,
  endAt: string,
  timeZone?: string
): string | undefined {
  if (!f || f.state === 'refused') {
    return undefined;
  }
  if (nothingLeft(f)) {
    return 'Nothing left to finish: every issue in the sprint is done';
  }
  if (f.finishProbabilityPct === null) {
    return undefined;
  }
  return `${chanceLabel(f.finishProbabilityPct)} likely to finish by ${dayLabel(calendarDay(endAt, timeZone))}`;
}

/** ["11 issues left", "3 working days to go", "50% to 95% spans 5 working days"] */
export function forecastDetail(f: SprintForecast): string[] | undefined {
  if (f.state === 'refused' || nothingLeft(f)) {
    return undefined;
  }
  const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  const parts = [
    f.remainingIssues !== null && `${plural(f.remainingIssues, 'issue', 'issues')} left`,
    `${plural(f.workingDaysLeft, 'working day', 'working days')} to go`,
    f.spreadWorkingDays !== null && `50% to 95% spans ${plural(f.spreadWorkingDays, 'working day', 'working days')}`,
  ];
  return parts.filter((p): p is string => Boolean(p));
}

export interface ForecastPercentile {
  pct: number;
  /** `YYYY-MM-DD`, or null: not within a year. */
  date: string | null;
  /** "50%" */
  chance: string;
  /** "by Thu 12 Mar", "not within a year" */
  when: string;
}

/** The dated percentiles, each readable as words; none when refused or when nothing is left. */
export function forecastPercentiles(f: SprintForecast | null | undefined): ForecastPercentile[] {
  if (!f || f.state === 'refused' || nothingLeft(f)) {
    return [];
  }
  return f.doneBy.map(({ pct, date }) => ({
    pct,
    date,
    chance: `${pct}%`,
    when: date === null ? 'not within a year' : `by ${dayLabel(date)}`,
  }));
}

/**
 * The line said under a forecast, or instead of it: a refused forecast's reason, or the warning of
 * one made from little history. The API's reasons start in lower case, to follow a colon.
 */
export function forecastNote(
  f: SprintForecast | null | undefined
): { tone: 'refused' | 'warning'; text: string } | undefined {
  if (f?.state === 'refused') {
    return { tone: 'refused', text: `No forecast: ${f.reason ?? 'too little history'}` };
  }
  if (f?.state === 'low_history') {
    const reason = f.reason ?? `only ${f.historyDays} working days of history: the answer may move a lot`;
    return { tone: 'warning', text: reason.charAt(0).toUpperCase() + reason.slice(1) };
  }
  return undefined;
}

/** Where the forecast's bar puts things, as fractions of its width (0 to 1). */
export interface ForecastFan {
  /** Each dated percentile, at the middle of its day. */
  ticks: Array<{ pct: number; at: number }>;
  /** From the 50% date to the 95% date, the likely range; `open` when it runs past the bar's end. */
  band: { from: number; to: number; open: boolean };
  /** The end of the sprint's last day. */
  end: number;
}

/** Room past the last date for a percentile beyond a year, as a share of the days drawn. */
const OPEN_END = 0.2;

/**
 * The forecast's bar over calendar days, from the day it was made (`fromDay`) to the latest of the
 * sprint's end and the dates given; a percentile not within a year runs the band off the end.
 */
export function forecastFan(f: SprintForecast, fromDay: string, endDay: string): ForecastFan | undefined {
  const percentiles = forecastPercentiles(f);
  if (percentiles.length === 0) {
    return undefined;
  }
  const from = dayNumber(fromDay);
  const end = dayNumber(endDay);
  const dated = percentiles.filter((p) => p.date !== null).map((p) => ({ pct: p.pct, day: dayNumber(p.date!) }));
  const open = dated.length < percentiles.length;
  const last = Math.max(end, ...dated.map((d) => d.day));
  const days = Math.max(1, last - from + 1);
  const width = open ? days * (1 + OPEN_END) : days;
  const at = (day: number, offset: number) => Math.min(1, Math.max(0, (day - from + offset) / width));
  const ticks = dated.map((d) => ({ pct: d.pct, at: at(d.day, 0.5) }));
  // With even the median past a year, the band is only the open stretch past the last day drawn.
  const band = {
    from: ticks.length > 0 ? ticks[0].at : days / width,
    to: open ? 1 : ticks[ticks.length - 1].at,
    open,
  };
  return { ticks, band, end: at(end, 1) };
}
