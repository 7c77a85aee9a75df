import type { SprintFacts } from './facts.js';

/**
 * How an insight states a number: never typed by a writer, always a placeholder naming
 * the fact (`{time.days_left}`), filled in here with the fact's value and its unit
 * ("2.1 days"). Both writers go through this one formatter, so the rule-based writer and
 * any model say the same number the same way, and a number can only ever be the fact it
 * names.
 *
 *   {path}          a number or instant of the facts, with its unit: "56.7%", "Mon 16 Nov"
 *   {a of b}        two facts in one unit: "17 of 32 points"
 *   {a to b}        "22 to 8 deployments"
 *   {sprint.name}   a name people see on the board, as written (sprint, team, status, stage)
 */

export type Unit =
  | 'percent'
  | 'points'
  | 'points_per_day'
  | 'issues'
  | 'pull_requests'
  | 'deployments'
  | 'sprints'
  | 'days'
  | 'working_days'
  | 'hours'
  | 'instant'
  | 'name';

/**
 * The unit of every fact a placeholder may name, by path (`[]` for any list item). A fact
 * that is not here (ids, URLs, summaries, titles, goals, lists, flags) cannot be named:
 * text people write is never a source of numbers. A test holds this table to the schema.
 */
export const FACT_UNITS: Readonly<Record<string, Unit>> = {
  'sprint.name': 'name',
  'sprint.team': 'name',
  'sprint.start_at': 'instant',
  'sprint.end_at': 'instant',
  'sprint.complete_at': 'instant',
  as_of: 'instant',
  'time.days_total': 'days',
  'time.days_elapsed': 'days',
  'time.days_left': 'days',
  'time.elapsed_pct': 'percent',
  'scope.committed_issues': 'issues',
  'scope.committed_points': 'points',
  'scope.added_issues': 'issues',
  'scope.added_points': 'points',
  'scope.removed_issues': 'issues',
  'scope.removed_points': 'points',
  'scope.scope_change_pct': 'percent',
  'scope.reestimated_points': 'points',
  'scope.unestimated_issues': 'issues',
  'progress.total_issues': 'issues',
  'progress.total_points': 'points',
  'progress.completed_issues': 'issues',
  'progress.completed_points': 'points',
  'progress.remaining_points': 'points',
  'progress.completed_pct': 'percent',
  'progress.say_do_pct': 'percent',
  'progress.in_progress_issues': 'issues',
  'progress.not_started_issues': 'issues',
  'progress.blocked_issues': 'issues',
  'burndown.ideal_remaining_points': 'points',
  'burndown.behind_ideal_points': 'points',
  'burndown.completion_rate_points_per_day': 'points_per_day',
  'burndown.projected_completion_at': 'instant',
  'burndown.projected_remaining_at_end': 'points',
  'carry_over.carried_in_issues': 'issues',
  'carry_over.carried_twice_or_more_issues': 'issues',
  'carry_over.carried_twice_or_more[].sprints': 'sprints',
  'blocked[].status': 'name',
  'blocked[].blocked_hours': 'hours',
  'aging[].status': 'name',
  'aging[].stage': 'name',
  'aging[].days_in_stage': 'days',
  'not_started[].points': 'points',
  'added_after_start[].points': 'points',
  'added_after_start[].added_at': 'instant',
  'pr_flow.linked_prs': 'pull_requests',
  'pr_flow.open_prs': 'pull_requests',
  'pr_flow.merged_prs': 'pull_requests',
  'pr_flow.median_pickup_hours': 'hours',
  'pr_flow.median_review_hours': 'hours',
  'pr_flow.team_median_pickup_hours': 'hours',
  'pr_flow.waiting_for_review_prs': 'pull_requests',
  'pr_flow.changes_requested_prs': 'pull_requests',
  'pr_flow.waiting_for_review[].hours_waiting': 'hours',
  'pr_flow.changes_requested[].hours_waiting': 'hours',
  'dora.window_days': 'days',
  'dora.deployments_28d': 'deployments',
  'dora.deployments_prev_28d': 'deployments',
  'dora.change_fail_rate_pct_28d': 'percent',
  'dora.change_fail_rate_pct_prev_28d': 'percent',
  'dora.lead_time_p50_hours_28d': 'hours',
  'dora.lead_time_p50_hours_prev_28d': 'hours',
  'dora.recovery_p50_hours_28d': 'hours',
  'dora.lead_time_change_top_repo': 'name',
  'dora.lead_time_change_top_repo_hours': 'hours',
  'dora.lead_time_change_top_stage': 'name',
  'dora.deployments_fall_top_repo': 'name',
  'dora.deployments_fall_top_repo_fewer': 'deployments',
  'forecast.history_days': 'working_days',
  'forecast.remaining_issues': 'issues',
  'forecast.working_days_left': 'working_days',
  'forecast.finish_probability_pct': 'percent',
  'forecast.likely_pct': 'percent',
  'forecast.done_by_50_at': 'instant',
  'forecast.done_by_70_at': 'instant',
  'forecast.done_by_85_at': 'instant',
  'forecast.done_by_95_at': 'instant',
  'forecast.spread_working_days': 'working_days',
};

const NOUNS: Partial<Record<Unit, [string, string]>> = {
  points: ['point', 'points'],
  issues: ['issue', 'issues'],
  pull_requests: ['pull request', 'pull requests'],
  deployments: ['deployment', 'deployments'],
  sprints: ['sprint', 'sprints'],
  days: ['day', 'days'],
  working_days: ['working day', 'working days'],
  hours: ['hour', 'hours'],
};

/** Two days and more read better in days: "4 days" rather than "96 hours". */
const HOURS_AS_DAYS_FROM = 48;

/** One decimal at most, no trailing zero, thousands grouped: how every number is shown. */
export function formatNumber(n: number): string {
  const r = Math.round(n * 10) / 10;
  const [whole, decimals] = Math.abs(r).toFixed(1).split('.') as [string, string];
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return `${r < 0 ? '-' : ''}${grouped}${decimals === '0' ? '' : `.${decimals}`}`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Mon 16 Nov": the day a sprint manager plans by (UTC, as the facts are measured). */
export function formatInstant(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return 'an unknown day';
  return `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

function noun(unit: Unit, shown: string): string {
  const words = NOUNS[unit];
  if (!words) return '';
  return shown === '1' ? words[0] : words[1];
}

/** Hours of two days and more become days, for one value or a pair told together. */
function inDisplayUnit(values: number[], unit: Unit): { values: number[]; unit: Unit } {
  if (unit === 'hours' && values.some((v) => Math.abs(v) >= HOURS_AS_DAYS_FROM))
    return { values: values.map((v) => v / 24), unit: 'days' };
  return { values, unit };
}

/** A value with its unit: "2.1 days", "56.7%", "1 issue", "2.4 points a day". */
export function formatValue(value: number, unit: Unit): string {
  const shown = inDisplayUnit([value], unit);
  const n = formatNumber(shown.values[0]!);
  return withUnit(n, shown.unit);
}

function withUnit(n: string, unit: Unit): string {
  if (unit === 'percent') return `${n}%`;
  if (unit === 'points_per_day') return `${n} ${n === '1' ? 'point' : 'points'} a day`;
  return `${n} ${noun(unit, n)}`;
}

/** Two values of one unit: "17 of 32 points", "22 to 8 deployments". */
export function formatPair(a: number, b: number, unit: Unit, joiner: 'of' | 'to'): string {
  const shown = inDisplayUnit([a, b], unit);
  const [x, y] = shown.values.map(formatNumber) as [string, string];
  if (shown.unit === 'percent') return `${x}% ${joiner} ${y}%`;
  return `${x} ${joiner} ${withUnit(y, shown.unit)}`;
}

/** `blocked.0.blocked_hours` and `blocked[0].blocked_hours` as one spelling: `blocked[0].blocked_hours`. */
export function normalisePath(path: string): string {
  return path.replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}

/** The table's key for a path: list indexes as `[]`. */
export function unitKey(path: string): string {
  return normalisePath(path).replace(/\[\d+\]/g, '[]');
}

export function unitOf(path: string): Unit | undefined {
  const key = unitKey(path);
  return Object.hasOwn(FACT_UNITS, key) ? FACT_UNITS[key] : undefined;
}

/** The value at a path of the facts, or undefined when there is none. */
export function valueAt(facts: SprintFacts, path: string): unknown {
  let node: unknown = facts;
  for (const part of normalisePath(path)
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')) {
    if (Array.isArray(node) && /^\d+$/.test(part)) node = node[Number(part)];
    else if (node && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, part))
      node = (node as Record<string, unknown>)[part];
    else return undefined;
  }
  return node;
}

const PATH = '[a-z_][a-z0-9_]*(?:\\.[a-z0-9_]+|\\[\\d+\\])*';
const PLACEHOLDER_BODY = new RegExp(`^\\s*(${PATH})(?:\\s+(of|to)\\s+(${PATH}))?\\s*$`);
/** Anything in braces: a placeholder, or something that claims to be one. */
export const PLACEHOLDER = /\{([^{}\n]{0,200})\}/g;

/** Names are quoted as written, minus what would break a line or a sentence's frame. */
const NAME_MAX = 80;
const cleanName = (s: string) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > NAME_MAX ? `${one.slice(0, NAME_MAX - 1)}…` : one;
};

export interface Rendered {
  text: string;
  /** The facts the text names, as normalised paths. */
  facts: string[];
  /** Why a placeholder could not be filled, one sentence each (empty when all could). */
  problems: string[];
}

type Resolved =
  | { ok: true; kind: 'number'; value: number; unit: Unit; path: string }
  | { ok: true; kind: 'instant'; value: string; path: string }
  | { ok: true; kind: 'name'; value: string; path: string }
  | { ok: false; problem: string };

function resolve(facts: SprintFacts, rawPath: string): Resolved {
  const path = normalisePath(rawPath);
  const unit = unitOf(path);
  const value = valueAt(facts, path);
  if (value === undefined)
    return {
      ok: false,
      problem: unit
        ? `{${path}} is not in the facts (no such list item)`
        : `{${path}} is not a fact a number or name can come from`,
    };
  if (!unit) return { ok: false, problem: `{${path}} is not a fact a number or name can come from` };
  if (value === null) return { ok: false, problem: `{${path}} is not known (null in the facts)` };
  if (unit === 'name')
    return typeof value === 'string'
      ? { ok: true, kind: 'name', value: cleanName(value), path }
      : { ok: false, problem: `{${path}} is not a name` };
  if (unit === 'instant')
    return typeof value === 'string'
      ? { ok: true, kind: 'instant', value: formatInstant(value), path }
      : { ok: false, problem: `{${path}} is not an instant` };
  return typeof value === 'number' && Number.isFinite(value)
    ? { ok: true, kind: 'number', value, unit, path }
    : { ok: false, problem: `{${path}} is not a number` };
}

/** One placeholder's text, or why it has none. */
function fill(facts: SprintFacts, body: string): { text: string; facts: string[] } | { problem: string } {
  const m = PLACEHOLDER_BODY.exec(body);
  if (!m) return { problem: 'a placeholder that does not name a fact' };
  const [, first, joiner, second] = m;
  const a = resolve(facts, first!);
  if (!a.ok) return { problem: a.problem };
  if (!joiner) {
    if (a.kind === 'number') return { text: formatValue(a.value, a.unit), facts: [a.path] };
    return { text: a.value, facts: [a.path] };
  }
  const b = resolve(facts, second!);
  if (!b.ok) return { problem: b.problem };
  if (a.kind !== 'number' || b.kind !== 'number')
    return { problem: `{${body.trim()}} pairs facts that are not numbers` };
  if (a.unit !== b.unit)
    return {
      problem: `{${body.trim()}} pairs ${a.path} (${a.unit}) with ${b.path} (${b.unit}), which are not in one unit`,
    };
  return { text: formatPair(a.value, b.value, a.unit, joiner as 'of' | 'to'), facts: [a.path, b.path] };
}

/** Not lost when a placeholder cannot be filled, so the rest of the text still reads. */
const UNFILLED = '(not known)';

/**
 * A template with its placeholders filled from the facts, in one pass: what a fact
 * puts in (a sprint name with braces in it) is never read as a placeholder itself.
 */
export function render(template: string, facts: SprintFacts): Rendered {
  const used: string[] = [];
  const problems: string[] = [];
  const text = template.replace(PLACEHOLDER, (_whole, body: string) => {
    const r = fill(facts, body);
    if ('problem' in r) {
      problems.push(r.problem);
      return UNFILLED;
    }
    for (const p of r.facts) if (!used.includes(p)) used.push(p);
    return r.text;
  });
  return { text, facts: used, problems };
}

/** Every path a template may name, with its unit, as the prompt lists them. */
export function placeholderCatalogue(): string[] {
  return Object.entries(FACT_UNITS).map(
    ([key, unit]) => `${key.replace(/\[\]/g, '[i]')} (${UNIT_WORDS[unit]})`,
  );
}

const UNIT_WORDS: Record<Unit, string> = {
  percent: 'percent',
  points: 'points',
  points_per_day: 'points a day',
  issues: 'issues',
  pull_requests: 'pull requests',
  deployments: 'deployments',
  sprints: 'sprints',
  days: 'days',
  working_days: 'working days',
  hours: 'hours, shown as days from two days',
  instant: 'a day',
  name: 'a name, as written',
};
