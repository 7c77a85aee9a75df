import type { SprintFacts } from './facts.js';
import { PLACEHOLDER, render } from './numbers.js';
import type { InsightItem, InsightStatus, RefusedItem } from './shape.js';

/**
 * The grounding check: an insight may only say what the fact sheet says, and every number
 * it states is tied to the fact it states. A writer's text is a template:
 *
 * - a number is a placeholder naming its fact (`{scope.scope_change_pct}`), filled in by
 *   the server with the fact's value and unit (insights/numbers.ts); a placeholder naming
 *   no fact, a null fact, or text people wrote (summaries, titles, goals) is refused;
 * - besides placeholders the text holds no digit (in any script) and no number in words,
 *   except inside the issue and pull request keys it names, and those must be in the facts;
 * - it writes no link (links come from the facts, by key), and the summary names no status
 *   but the engine's;
 * - every fact key an item cites exists, and every ref is an issue or PR of the facts.
 *
 * Pure, and run on both writers' templates: the rule-based writer's pass it by test.
 */

export const PR_KEY = /[A-Za-z0-9][\w.-]*\/[\w.-]+#\d+/g;
export const ISSUE_KEY = /\b[A-Z][A-Z0-9_]+-\d+\b/g;
/** Any digit: ASCII, other scripts' (١٤), full-width (１４), superscripts, fractions, Roman numerals (Ⅻ). */
const DIGITS = /\p{N}+(?:[.,]\p{N}+)*/gu;
/**
 * English number words, hyphenated compounds caught by their parts ("eighty-seven").
 * "First" and "second" are left out: they mostly order things ("unblock PAY-3 first").
 */
const NUMBER_WORDS = new RegExp(
  `\\b(?:${[
    'zero',
    '(?<!\\bno\\s)one',
    'two',
    'three',
    'four',
    'five',
    'six',
    'seven',
    'eight',
    'nine',
    'ten',
    'eleven',
    'twelve',
    'thirteen',
    'fourteen',
    'fifteen',
    'sixteen',
    'seventeen',
    'eighteen',
    'nineteen',
    'twenty',
    'thirty',
    'forty',
    'fourty',
    'fifty',
    'sixty',
    'seventy',
    'eighty',
    'ninety',
    'hundreds?',
    'thousands?',
    'millions?',
    'billions?',
    'dozens?',
    'half',
    'halves',
    'halved',
    'quarters?',
    'thirds?',
    'fourths?',
    'fifths?',
    'sixth',
    'seventh',
    'eighth',
    'ninth',
    'tenths?',
    'twice',
    'thrice',
    'double(?![- ]check)',
    'doubled',
    'triple',
    'tripled',
    'quadrupled?',
  ].join('|')})\\b`,
  'gi',
);
const LINK = /\b(?:https?|ftp):\/\/|\bwww\.|\bmailto:/i;
const STATUS_PHRASE = /\b(on|at|off)[\s_-]+(track|risk)\b/gi;
const PHRASE_STATUS: Record<string, InsightStatus> = {
  'on track': 'on_track',
  'at risk': 'at_risk',
  'off track': 'off_track',
};

export interface FactIndex {
  issues: Map<string, string | null>;
  pullRequests: Map<string, string | null>;
}

/** Every issue key and PR key of a fact sheet, with the URLs the facts give them. */
export function indexFacts(facts: SprintFacts): FactIndex {
  const issues = new Map<string, string | null>();
  const pullRequests = new Map<string, string | null>();
  const issueLists = [
    facts.carry_over.carried_twice_or_more,
    facts.blocked,
    facts.aging,
    facts.not_started,
    facts.added_after_start,
  ];
  for (const list of issueLists) for (const i of list) issues.set(i.key, i.url);
  for (const pr of [...facts.pr_flow.waiting_for_review, ...facts.pr_flow.changes_requested]) {
    pullRequests.set(pr.key, pr.url);
    if (pr.issue_key && !issues.has(pr.issue_key)) issues.set(pr.issue_key, null);
  }
  return { issues, pullRequests };
}

/** True when `path` (`scope.scope_change_pct`, `blocked`, `blocked[0].key`, `blocked.0.key`) names a fact. */
export function factKeyExists(facts: SprintFacts, path: string): boolean {
  if (!/^[a-z_][a-z0-9_]*(?:\.[a-z0-9_]+|\[\d+\])*$/i.test(path)) return false;
  let node: unknown = facts;
  for (const part of path.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (Array.isArray(node) && /^\d+$/.test(part)) node = node[Number(part)];
    else if (node && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, part))
      node = (node as Record<string, unknown>)[part];
    else return false;
    if (node === undefined) return false;
  }
  return true;
}

export interface CheckContext {
  facts: SprintFacts;
  index: FactIndex;
  /** The engine's status: the only one the summary may name. */
  status: InsightStatus;
}

export function checkContext(facts: SprintFacts, status: InsightStatus): CheckContext {
  return { facts, index: indexFacts(facts), status };
}

export interface CheckedText {
  ok: boolean;
  /** The text as a reader sees it, placeholders filled. */
  text: string;
  /** The facts its placeholders name. */
  facts: string[];
  /** What is wrong with it, one clause each ("writes the number 14 itself"). */
  problems: string[];
}

const STATUS_WORDS: Record<InsightStatus, string> = {
  on_track: 'on track',
  at_risk: 'at risk',
  off_track: 'off track',
};

/**
 * One template, checked and rendered. `role` decides the status rule: the summary states
 * the sprint's status, so it may name no other; an item may say a thing is "at risk", but
 * may not call anything on track in a sprint that is not.
 */
export function checkText(
  template: string,
  ctx: CheckContext,
  role: 'summary' | 'item',
  maxLength: number,
): CheckedText {
  const problems: string[] = [];
  const rendered = render(template, ctx.facts);
  problems.push(...rendered.problems.map((p) => `names ${p}`));
  let rest = template.replace(PLACEHOLDER, ' ');
  for (const m of rest.matchAll(PR_KEY))
    if (!ctx.index.pullRequests.has(m[0]))
      problems.push(`names pull request ${m[0]}, which is not in the facts`);
  rest = rest.replace(PR_KEY, ' ');
  for (const m of rest.matchAll(ISSUE_KEY))
    if (!ctx.index.issues.has(m[0])) problems.push(`names issue ${m[0]}, which is not in the facts`);
  rest = rest.replace(ISSUE_KEY, ' ');
  for (const m of rest.matchAll(DIGITS))
    problems.push(`writes the number ${clip(m[0], 20)} itself, where a number must name its fact`);
  for (const m of rest.matchAll(NUMBER_WORDS))
    problems.push(`writes "${m[0].toLowerCase()}", a number in words, where a number must name its fact`);
  if (/[{}]/.test(rest)) problems.push('has a brace that is not a placeholder');
  if (LINK.test(rest)) problems.push('writes a link, where links come from the facts');
  for (const m of rest.matchAll(STATUS_PHRASE)) {
    const said = PHRASE_STATUS[`${m[1]!.toLowerCase()} ${m[2]!.toLowerCase()}`];
    if (!said || said === ctx.status) continue;
    if (role === 'summary' || said === 'on_track')
      problems.push(`calls it "${STATUS_WORDS[said]}", but the sprint is ${STATUS_WORDS[ctx.status]}`);
  }
  const text = rendered.text.trim();
  if (!text) problems.push('is empty');
  if (text.length > maxLength) problems.push(`is longer than ${maxLength} characters`);
  return { ok: problems.length === 0, text, facts: rendered.facts, problems };
}

/** An item as a writer gives it: templates, and refs by key. */
export interface ItemText {
  title: string;
  detail: string;
  severity: InsightItem['severity'];
  facts: string[];
  refs: { kind: InsightItem['refs'][number]['kind']; key: string }[];
}

export type CheckedItem = { ok: true; item: InsightItem } | { ok: false; problems: string[] };

export const LIMITS = { summary: 600, title: 160, detail: 600, perSection: 10 } as const;

/** An item checked, rendered, its links added from the facts and the facts its numbers name cited. */
export function checkItem(item: ItemText, ctx: CheckContext): CheckedItem {
  const title = checkText(item.title, ctx, 'item', LIMITS.title);
  const detail = checkText(item.detail, ctx, 'item', LIMITS.detail);
  const problems = [
    ...title.problems.map((p) => `its title ${p}`),
    // An empty detail is allowed: some items say all in their title.
    ...detail.problems.filter((p) => p !== 'is empty').map((p) => `its detail ${p}`),
  ];
  for (const key of item.facts)
    if (!factKeyExists(ctx.facts, key))
      problems.push(`it cites ${quoted('the fact', key)}, which does not exist`);
  const refs: InsightItem['refs'] = [];
  for (const ref of item.refs) {
    const known = ref.kind === 'issue' ? ctx.index.issues : ctx.index.pullRequests;
    if (!known.has(ref.key))
      problems.push(
        `it refers to ${quoted(ref.kind === 'issue' ? 'issue' : 'pull request', ref.key)}, which is not in the facts`,
      );
    else refs.push({ kind: ref.kind, key: ref.key, url: known.get(ref.key) ?? null });
  }
  if (problems.length) return { ok: false, problems };
  const facts = [...new Set([...item.facts, ...title.facts, ...detail.facts])];
  if (!facts.length) return { ok: false, problems: ['it cites no fact'] };
  return { ok: true, item: { title: title.text, detail: detail.text, severity: item.severity, facts, refs } };
}

export interface AnswerText {
  summary: string;
  risks: ItemText[];
  bottlenecks: ItemText[];
  recommendations: ItemText[];
}

export interface Words {
  summary: string;
  risks: InsightItem[];
  bottlenecks: InsightItem[];
  recommendations: InsightItem[];
}

export type CheckedAnswer =
  { ok: true; words: Words; refused: RefusedItem[] } | { ok: false; problems: string[] };

const SECTIONS = ['risks', 'bottlenecks', 'recommendations'] as const;

/**
 * A whole answer: a summary that fails fails the answer (it is what every reader reads);
 * an item that fails is left out and listed, where and why, and the rest is served.
 */
export function checkAnswer(answer: AnswerText, ctx: CheckContext): CheckedAnswer {
  const summary = checkText(answer.summary, ctx, 'summary', LIMITS.summary);
  if (!summary.ok) return { ok: false, problems: summary.problems.map((p) => `the summary ${p}`) };
  const words: Words = { summary: summary.text, risks: [], bottlenecks: [], recommendations: [] };
  const refused: RefusedItem[] = [];
  for (const section of SECTIONS)
    answer[section].forEach((item, index) => {
      if (index >= LIMITS.perSection) {
        refused.push({ section, index, reasons: [`it is beyond the first ${LIMITS.perSection} ${section}`] });
        return;
      }
      const checked = checkItem(item, ctx);
      if (checked.ok) words[section].push(checked.item);
      else refused.push({ section, index, reasons: checked.problems });
    });
  return { ok: true, words, refused };
}

const clip = (s: string, n = 60) => (s.length > n ? `${s.slice(0, n)}…` : s);

/**
 * A name the model gave, quoted only when it looks like a key: a reason is shown and
 * logged, and must not carry the model's (or an injection's) prose along.
 */
const quoted = (what: string, name: string) =>
  /^[\w.[\]/#-]{1,80}$/.test(name) ? `${what} "${name}"` : `${what} with a name that is not a key`;
