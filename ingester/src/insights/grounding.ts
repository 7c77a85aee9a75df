import type { SprintFacts } from './facts.js';
import type { InsightItem } from './shape.js';

/**
 * The grounding check: an insight may only say what the fact sheet says. Every number
 * in its text must be a number of the facts (as shown, or rounded), every issue and pull
 * request key it names or links must be one the facts list, and every fact key it cites
 * must exist. Pure, so it can be tested on its own and run on either writer's answer.
 */

type GroundedItem = Pick<InsightItem, 'title' | 'detail' | 'facts'> & {
  refs: Pick<InsightItem['refs'][number], 'kind' | 'key'>[];
};

export interface GroundedText {
  score: number;
  summary: string;
  risks: GroundedItem[];
  bottlenecks: GroundedItem[];
  recommendations: GroundedItem[];
}

export interface GroundingResult {
  ok: boolean;
  /** What is not in the facts, one line each (empty when ok). */
  problems: string[];
}

export const PR_KEY = /[A-Za-z0-9][\w.-]*\/[\w.-]+#\d+/g;
export const ISSUE_KEY = /\b[A-Z][A-Z0-9_]+-\d+\b/g;
/** Fields whose digits name things rather than count them (PR 41 is not "41 of something"). */
const IDENTIFIERS = new Set(['key', 'issue_key', 'url']);
const ISO_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):\d{2}/;
const NUMBER = /\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?/g;

export interface FactIndex {
  numbers: number[];
  issues: Map<string, string | null>;
  pullRequests: Map<string, string | null>;
}

/** Every number, issue key and PR key of a fact sheet (with the URLs the facts give them). */
export function indexFacts(facts: SprintFacts): FactIndex {
  const numbers = new Set<number>();
  const add = (n: number) => {
    if (Number.isFinite(n)) numbers.add(Math.abs(n));
  };
  const walk = (v: unknown, key: string) => {
    if (typeof v === 'number') {
      add(v);
      // Durations may be told in the next unit up: 72 hours as 3 days.
      if (/hours/.test(key)) add(v / 24);
    } else if (typeof v === 'string') {
      const time = ISO_TIME.exec(v);
      // An instant may be told by its date and hour; its minutes and seconds would let
      // almost any number under 60 through.
      if (time) for (const part of time.slice(1)) add(Number(part));
      else if (!IDENTIFIERS.has(key))
        for (const m of v.replace(PR_KEY, ' ').replace(ISSUE_KEY, ' ').matchAll(NUMBER))
          add(Number(m[0].replace(/,/g, '')));
    } else if (Array.isArray(v)) {
      add(v.length);
      for (const x of v) walk(x, key);
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) walk(x, k);
    }
  };
  walk(facts, '');
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
  return { numbers: [...numbers], issues, pullRequests };
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

/**
 * A shown number matches a fact when it is the fact rounded to the digits shown
 * (within one unit of its last digit) or within 1% of it.
 */
export function numberMatches(shown: string, facts: readonly number[]): boolean {
  const value = Number(shown.replace(/,/g, ''));
  const decimals = shown.includes('.') ? shown.length - shown.indexOf('.') - 1 : 0;
  const unit = 10 ** -decimals;
  return facts.some((f) => Math.abs(f - value) <= unit + 1e-9 || Math.abs(f - value) <= Math.abs(f) * 0.01);
}

export function checkGrounding(
  answer: GroundedText,
  facts: SprintFacts,
  index = indexFacts(facts),
): GroundingResult {
  const problems: string[] = [];
  const numbers = [...index.numbers, answer.score];
  const text = (where: string, s: string) => {
    let rest = s;
    for (const m of s.matchAll(PR_KEY)) {
      if (!index.pullRequests.has(m[0]))
        problems.push(`${where} names pull request ${m[0]}, which is not in the facts`);
      rest = rest.replace(m[0], ' ');
    }
    for (const m of rest.matchAll(ISSUE_KEY)) {
      if (!index.issues.has(m[0])) problems.push(`${where} names issue ${m[0]}, which is not in the facts`);
    }
    rest = rest.replace(ISSUE_KEY, ' ');
    for (const m of rest.matchAll(NUMBER))
      if (!numberMatches(m[0], numbers))
        problems.push(`${where} says ${m[0]}, which is not a number of the facts`);
  };
  text('the summary', answer.summary);
  const lists = {
    risks: answer.risks,
    bottlenecks: answer.bottlenecks,
    recommendations: answer.recommendations,
  };
  for (const [name, items] of Object.entries(lists))
    items.forEach((item, i) => {
      const where = `${name}[${i}]`;
      text(`${where}.title`, item.title);
      text(`${where}.detail`, item.detail);
      for (const key of item.facts)
        if (!factKeyExists(facts, key))
          problems.push(`${where} cites the fact "${key}", which does not exist`);
      for (const ref of item.refs) {
        const known = ref.kind === 'issue' ? index.issues : index.pullRequests;
        if (!known.has(ref.key))
          problems.push(`${where} refers to ${ref.kind} ${ref.key}, which is not in the facts`);
      }
    });
  return { ok: problems.length === 0, problems };
}
