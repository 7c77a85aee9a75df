import type { SprintFacts } from './facts.js';
import type { InsightItem, SprintHealthInsight } from './shape.js';

/**
 * The rule-based writer: deterministic, always available, and the fallback whenever the
 * LLM writer cannot be used or trusted. Each rule reads a few facts, and when they cross
 * its thresholds it costs the sprint some points of score and yields a risk (and, where
 * it is about flow, a bottleneck) with a recommendation, each citing its facts and keys.
 *
 * Every number it writes is a number of the facts (as shown or rounded), so its answer
 * passes the same grounding check as an LLM's.
 */

type Severity = InsightItem['severity'];
type Ref = InsightItem['refs'][number];

interface Finding {
  id: string;
  /** Score points this costs. */
  penalty: number;
  severity: Severity;
  /** A cause (something to act on) is named before a symptom (being behind) of equal severity. */
  cause: boolean;
  risk: InsightItem;
  bottleneck?: InsightItem;
  recommendation: InsightItem;
  /** Forces at least this status whatever the score. */
  floor?: SprintHealthInsight['status'];
}

/** Thresholds, in one place so they can be read (and argued about) together. */
export const THRESHOLDS = {
  /** Scope change (added + removed ÷ committed points), %. */
  scopeMedium: 20,
  scopeHigh: 40,
  /** Share of the sprint gone before "nothing started" counts, %. */
  nothingStartedAfter: 25,
  /** Share of the sprint gone and share of issues untouched for "most work not started". */
  mostNotStartedAfter: 40,
  mostNotStartedShare: 0.6,
  /** Burndown is only judged once this much of the sprint is gone, %. */
  burndownAfter: 20,
  /** Share of the scope projected to be left at the end. */
  projectedLow: 0.1,
  projectedMedium: 0.2,
  projectedHigh: 0.5,
  /** Blocked: this many issues, or one blocked this long, is high. */
  blockedHighCount: 3,
  blockedHighHours: 72,
  /** Review pickup slower than the team's usual by this factor (and by at least `pickupMinGapHours`). */
  pickupFactor: 2,
  pickupHighFactor: 3,
  pickupMinGapHours: 4,
  /** A PR waiting this long (or twice the team's usual pickup, if longer) for a first review. */
  waitingHours: 24,
  waitingHighCount: 3,
  changesRequestedHours: 48,
  /** Change fail rate up by this many points (and at least `cfrFloor`) is a worsening. */
  cfrRisePoints: 10,
  cfrFloor: 15,
  /** Lead time up by this factor; deployments down to this share. */
  leadTimeFactor: 1.5,
  deploymentsShare: 0.5,
  /** An item in its stage this long (or a third of the sprint, if longer) is aging. */
  agingDays: 3,
} as const;

const SEVERITY_RANK: Record<Severity, number> = { high: 3, medium: 2, low: 1 };
const STATUS_RANK = { on_track: 0, at_risk: 1, off_track: 2 } as const;

/** 1 decimal at most, no trailing zero: how every number is shown. */
export function fmt(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

const plural = (n: number, one: string, many: string) => `${fmt(n)} ${n === 1 ? one : many}`;

const listKeys = (keys: string[], max = 5) =>
  keys.length <= max ? keys.join(', ') : `${keys.slice(0, max).join(', ')} and others`;

const issueRefs = (items: { key: string; url: string | null }[], max = 5): Ref[] =>
  items.slice(0, max).map((i) => ({ kind: 'issue', key: i.key, url: i.url }));

const prRefs = (items: { key: string; url: string | null }[], max = 5): Ref[] =>
  items.slice(0, max).map((i) => ({ kind: 'pull_request', key: i.key, url: i.url }));

const item = (
  title: string,
  detail: string,
  severity: Severity,
  facts: string[],
  refs: Ref[] = [],
): InsightItem => ({ title, detail, severity, facts, refs });

function nothingStarted(f: SprintFacts): Finding | undefined {
  const p = f.progress;
  const t = f.time;
  if (p.total_issues === 0) return undefined;
  const started = p.in_progress_issues + p.completed_issues;
  const keys = f.not_started.map((i) => i.key);
  const facts = [
    'progress.not_started_issues',
    'progress.in_progress_issues',
    'time.elapsed_pct',
    'not_started',
  ];
  if (started === 0 && t.elapsed_pct >= THRESHOLDS.nothingStartedAfter)
    return {
      id: 'nothing-started',
      penalty: 45,
      severity: 'high',
      cause: true,
      floor: 'off_track',
      risk: item(
        `Nothing started with ${fmt(t.elapsed_pct)}% of the sprint gone`,
        `None of the ${plural(p.total_issues, 'issue', 'issues')} in the sprint has left to-do after ${fmt(t.days_elapsed)} of ${fmt(t.days_total)} days.${keys.length ? ` Not started: ${listKeys(keys)}.` : ''}`,
        'high',
        facts,
        issueRefs(f.not_started),
      ),
      recommendation: item(
        'Start the most valuable items today',
        `Agree at stand-up who picks up ${keys.length ? listKeys(keys, 3) : 'which item'} and limit work in progress so something finishes soon; if nobody can start, the sprint plan needs revisiting.`,
        'high',
        facts,
        issueRefs(f.not_started, 3),
      ),
    };
  if (
    t.elapsed_pct >= THRESHOLDS.mostNotStartedAfter &&
    p.not_started_issues / p.total_issues >= THRESHOLDS.mostNotStartedShare
  )
    return {
      id: 'most-not-started',
      penalty: 20,
      severity: 'medium',
      cause: true,
      risk: item(
        `${fmt(p.not_started_issues)} of ${plural(p.total_issues, 'issue', 'issues')} not started yet`,
        `With ${fmt(t.elapsed_pct)}% of the sprint gone, ${fmt(p.not_started_issues)} issues are still in to-do${keys.length ? `: ${listKeys(keys)}` : ''}.`,
        'medium',
        facts,
        issueRefs(f.not_started),
      ),
      recommendation: item(
        'Decide now what will not start',
        'Order the untouched items by value and agree which ones realistically start this sprint; move the rest out early so the board tells the truth.',
        'medium',
        facts,
        issueRefs(f.not_started, 3),
      ),
    };
  return undefined;
}

function behind(f: SprintFacts): Finding | undefined {
  const b = f.burndown;
  const p = f.progress;
  if (p.total_points <= 0 || f.time.elapsed_pct < THRESHOLDS.burndownAfter) return undefined;
  const facts = [
    'burndown.projected_remaining_at_end',
    'burndown.behind_ideal_points',
    'burndown.completion_rate_points_per_day',
    'progress.remaining_points',
    'progress.total_points',
  ];
  const left = b.projected_remaining_at_end;
  const share = left === null ? null : left / p.total_points;
  const rate = b.completion_rate_points_per_day;
  const rateText = rate === null ? '' : ` At ${fmt(rate)} points a day,`;
  const recommendation = (severity: Severity) =>
    item(
      'Cut the scope to what can finish',
      'Agree with the product owner which remaining items leave the sprint, and finish what is started before starting more.',
      severity,
      facts,
    );
  if (share !== null && left !== null && share >= THRESHOLDS.projectedMedium) {
    const severity: Severity = share >= THRESHOLDS.projectedHigh ? 'high' : 'medium';
    return {
      id: 'behind',
      penalty: severity === 'high' ? 30 : 15,
      severity,
      cause: false,
      // Projected to miss a fifth of the sprint is at risk whatever else goes well.
      floor: severity === 'high' && f.time.elapsed_pct >= 50 ? 'off_track' : 'at_risk',
      risk: item(
        `Projected to leave ${fmt(left)} of ${fmt(p.total_points)} points undone`,
        `${rateText ? `${rateText.trim()} ` : ''}${fmt(p.remaining_points)} points remain with ${fmt(f.time.days_left)} days left; the burndown is ${fmt(b.behind_ideal_points)} points behind the ideal line.`,
        severity,
        facts,
      ),
      recommendation: recommendation(severity),
    };
  }
  if (b.behind_ideal_points / p.total_points >= THRESHOLDS.projectedMedium)
    return {
      id: 'behind',
      penalty: 12,
      severity: 'medium',
      cause: false,
      risk: item(
        `${fmt(b.behind_ideal_points)} points behind the ideal burndown`,
        `${fmt(p.remaining_points)} of ${fmt(p.total_points)} points remain with ${fmt(f.time.days_left)} days left.`,
        'medium',
        facts,
      ),
      recommendation: recommendation('medium'),
    };
  // A tenth of the sprint left undone is worth saying, if not yet a risk to the sprint.
  if (share !== null && left !== null && share >= THRESHOLDS.projectedLow)
    return {
      id: 'behind',
      penalty: 5,
      severity: 'low',
      cause: false,
      risk: item(
        `Projected to leave ${fmt(left)} of ${fmt(p.total_points)} points undone`,
        `${rateText ? `${rateText.trim()} ` : ''}${fmt(p.remaining_points)} points remain with ${fmt(f.time.days_left)} days left.`,
        'low',
        facts,
      ),
      recommendation: recommendation('low'),
    };
  return undefined;
}

function scopeCreep(f: SprintFacts): Finding | undefined {
  const s = f.scope;
  const pct = s.scope_change_pct;
  if (pct === null || pct < THRESHOLDS.scopeMedium) return undefined;
  const severity: Severity = pct >= THRESHOLDS.scopeHigh ? 'high' : 'medium';
  const facts = [
    'scope.scope_change_pct',
    'scope.added_points',
    'scope.removed_points',
    'scope.committed_points',
    'added_after_start',
  ];
  const keys = f.added_after_start.map((i) => i.key);
  return {
    id: 'scope',
    penalty: severity === 'high' ? 30 : 15,
    severity,
    cause: true,
    risk: item(
      `Scope changed by ${fmt(pct)}% since the start`,
      `${plural(s.added_issues, 'issue', 'issues')} (${fmt(s.added_points)} points) came in and ${plural(s.removed_issues, 'issue', 'issues')} (${fmt(s.removed_points)} points) left after the sprint started with ${fmt(s.committed_points)} points committed.${keys.length ? ` Added: ${listKeys(keys)}.` : ''}`,
      severity,
      facts,
      issueRefs(f.added_after_start),
    ),
    recommendation: item(
      'Protect the sprint scope',
      'Route new requests to the next sprint unless an item of the same size leaves; when something must come in, say what goes out.',
      severity,
      facts,
      issueRefs(f.added_after_start, 3),
    ),
  };
}

function blocked(f: SprintFacts): Finding | undefined {
  const items = f.blocked;
  if (items.length === 0) return undefined;
  const longest = items.reduce((a, b) => (b.blocked_hours > a.blocked_hours ? b : a));
  const severity: Severity =
    items.length >= THRESHOLDS.blockedHighCount || longest.blocked_hours >= THRESHOLDS.blockedHighHours
      ? 'high'
      : 'medium';
  const facts = ['blocked'];
  const keys = items.map((i) => i.key);
  const title =
    items.length === 1
      ? `${longest.key} blocked for ${fmt(longest.blocked_hours)} hours`
      : `${fmt(items.length)} issues blocked, ${longest.key} for ${fmt(longest.blocked_hours)} hours`;
  const detail = `Blocked now: ${listKeys(keys)}${items.some((i) => i.flagged) ? ' (flagged or in a blocked status)' : ' (in a blocked status)'}.`;
  return {
    id: 'blocked',
    penalty: Math.min(35, 10 * items.length + (longest.blocked_hours >= 48 ? 6 : 0)),
    severity,
    cause: true,
    risk: item(title, detail, severity, facts, issueRefs(items)),
    bottleneck: item(title, detail, severity, facts, issueRefs(items)),
    recommendation: item(
      `Unblock ${longest.key} first`,
      'Name an owner for each blocker at stand-up and escalate what the team cannot clear itself today.',
      severity,
      facts,
      issueRefs(items, 3),
    ),
  };
}

function reviews(f: SprintFacts): Finding | undefined {
  const pr = f.pr_flow;
  const usual = pr.team_median_pickup_hours;
  const waitLimit = Math.max(THRESHOLDS.waitingHours, usual === null ? 0 : 2 * usual);
  const waiting = pr.waiting_for_review.filter((w) => w.hours_waiting >= waitLimit);
  const slow =
    pr.median_pickup_hours !== null &&
    usual !== null &&
    pr.median_pickup_hours >= THRESHOLDS.pickupFactor * usual &&
    pr.median_pickup_hours - usual >= THRESHOLDS.pickupMinGapHours;
  if (!slow && waiting.length === 0) return undefined;
  const verySlow = slow && pr.median_pickup_hours! >= THRESHOLDS.pickupHighFactor * usual!;
  const severity: Severity = verySlow || waiting.length >= THRESHOLDS.waitingHighCount ? 'high' : 'medium';
  const facts = slow
    ? ['pr_flow.median_pickup_hours', 'pr_flow.team_median_pickup_hours', 'pr_flow.waiting_for_review']
    : ['pr_flow.waiting_for_review', 'pr_flow.team_median_pickup_hours'];
  const title = slow
    ? `Review pickup at ${fmt(pr.median_pickup_hours!)} hours, the team's usual is ${fmt(usual!)}`
    : `${waiting[0]!.key} waiting ${fmt(waiting[0]!.hours_waiting)} hours for a first review`;
  const detail = [
    waiting.length
      ? `Waiting for a first review: ${waiting
          .slice(0, 4)
          .map((w) => `${w.key} (${fmt(w.hours_waiting)} hours)`)
          .join(', ')}.`
      : '',
    slow
      ? `Linked pull requests wait ${fmt(pr.median_pickup_hours!)} hours for a first review (median).`
      : '',
  ]
    .filter(Boolean)
    .join(' ');
  const refs: Ref[] = [
    ...prRefs(waiting),
    ...issueRefs(
      waiting
        .filter((w) => w.issue_key !== null)
        .map((w) => ({ key: w.issue_key!, url: issueUrl(f, w.issue_key!) })),
      3,
    ),
  ];
  const dedup = refs.filter((r, i) => refs.findIndex((x) => x.kind === r.kind && x.key === r.key) === i);
  return {
    id: 'reviews',
    penalty: Math.min(30, 12 + 4 * waiting.length + (verySlow ? 8 : 0)),
    severity,
    cause: true,
    risk: item(title, detail, severity, facts, dedup),
    bottleneck: item(title, detail, severity, facts, dedup),
    recommendation: item(
      'Review before starting new work',
      `Agree that open reviews come before new tickets${waiting.length ? `, starting with ${waiting[0]!.key}` : ''}, and name a reviewer for each waiting pull request.`,
      severity,
      facts,
      prRefs(waiting, 3),
    ),
  };
}

function issueUrl(f: SprintFacts, key: string): string | null {
  const lists = [f.blocked, f.aging, f.not_started, f.added_after_start, f.carry_over.carried_twice_or_more];
  for (const l of lists) for (const i of l) if (i.key === key) return i.url;
  return null;
}

function changesRequested(f: SprintFacts): Finding | undefined {
  const stale = f.pr_flow.changes_requested.filter(
    (c) => c.hours_waiting >= THRESHOLDS.changesRequestedHours,
  );
  if (stale.length === 0) return undefined;
  const facts = ['pr_flow.changes_requested'];
  const title = `${stale[0]!.key} idle for ${fmt(stale[0]!.hours_waiting)} hours after changes were requested`;
  const detail = `No new commit since the review asked for changes: ${stale
    .slice(0, 4)
    .map((c) => `${c.key} (${fmt(c.hours_waiting)} hours)`)
    .join(', ')}.`;
  return {
    id: 'changes-requested',
    penalty: Math.min(10, 5 * stale.length),
    severity: 'low',
    cause: true,
    risk: item(title, detail, 'low', facts, prRefs(stale)),
    bottleneck: item(title, detail, 'low', facts, prRefs(stale)),
    recommendation: item(
      'Close the review loops',
      'Ask the authors whether the requested changes are still planned, or pair with the reviewer to settle them.',
      'low',
      facts,
      prRefs(stale, 3),
    ),
  };
}

function carryOver(f: SprintFacts): Finding | undefined {
  const items = f.carry_over.carried_twice_or_more;
  if (items.length === 0) return undefined;
  const most = items.reduce((a, b) => (b.sprints > a.sprints ? b : a));
  const facts = ['carry_over.carried_twice_or_more'];
  return {
    id: 'carry-over',
    penalty: Math.min(15, 6 * items.length),
    severity: 'medium',
    cause: true,
    risk: item(
      items.length === 1
        ? `${most.key} is in its sprint number ${fmt(most.sprints)}`
        : `${fmt(items.length)} issues carried over two sprints or more`,
      `Work that keeps slipping: ${items
        .slice(0, 5)
        .map((i) => `${i.key} (${fmt(i.sprints)} sprints)`)
        .join(', ')}.`,
      'medium',
      facts,
      issueRefs(items),
    ),
    recommendation: item(
      'Split or drop work that keeps slipping',
      `Find out what keeps ${most.key} from finishing, then split it into pieces that fit a sprint or take it off the plan.`,
      'medium',
      facts,
      issueRefs([most]),
    ),
  };
}

function aging(f: SprintFacts): Finding | undefined {
  const limit = Math.max(THRESHOLDS.agingDays, f.time.days_total / 3);
  // Blocked issues are told once, as blocked.
  const blockedKeys = new Set(f.blocked.map((b) => b.key));
  const old = f.aging.filter((a) => a.days_in_stage >= limit && !blockedKeys.has(a.key));
  if (old.length === 0) return undefined;
  const facts = ['aging'];
  const title = `${old[0]!.key} stuck in ${old[0]!.status} for ${fmt(old[0]!.days_in_stage)} days`;
  const detail = `Longest in their stage: ${old
    .slice(0, 4)
    .map((a) => `${a.key} (${a.status}, ${fmt(a.days_in_stage)} days)`)
    .join(', ')}.`;
  return {
    id: 'aging',
    penalty: Math.min(10, 3 * old.length),
    severity: 'low',
    cause: true,
    risk: item(title, detail, 'low', facts, issueRefs(old)),
    bottleneck: item(title, detail, 'low', facts, issueRefs(old)),
    recommendation: item(
      'Swarm on the oldest items',
      `Ask what ${old[0]!.key} needs to move, and help it along before pulling new work.`,
      'low',
      facts,
      issueRefs(old, 3),
    ),
  };
}

function delivery(f: SprintFacts): Finding | undefined {
  const d = f.dora;
  const parts: { text: string; facts: string[]; severity: Severity; penalty: number }[] = [];
  if (
    d.change_fail_rate_pct_28d !== null &&
    d.change_fail_rate_pct_prev_28d !== null &&
    d.change_fail_rate_pct_28d - d.change_fail_rate_pct_prev_28d >= THRESHOLDS.cfrRisePoints &&
    d.change_fail_rate_pct_28d >= THRESHOLDS.cfrFloor
  )
    parts.push({
      text: `change fail rate rose from ${fmt(d.change_fail_rate_pct_prev_28d)}% to ${fmt(d.change_fail_rate_pct_28d)}%`,
      facts: ['dora.change_fail_rate_pct_28d', 'dora.change_fail_rate_pct_prev_28d'],
      severity: 'medium',
      penalty: 8,
    });
  if (
    d.lead_time_p50_hours_28d !== null &&
    d.lead_time_p50_hours_prev_28d !== null &&
    d.lead_time_p50_hours_prev_28d > 0 &&
    d.lead_time_p50_hours_28d >= THRESHOLDS.leadTimeFactor * d.lead_time_p50_hours_prev_28d
  )
    parts.push({
      text: `median lead time rose from ${fmt(d.lead_time_p50_hours_prev_28d)} to ${fmt(d.lead_time_p50_hours_28d)} hours`,
      facts: ['dora.lead_time_p50_hours_28d', 'dora.lead_time_p50_hours_prev_28d'],
      severity: 'low',
      penalty: 5,
    });
  if (
    d.deployments_prev_28d >= 4 &&
    d.deployments_28d <= THRESHOLDS.deploymentsShare * d.deployments_prev_28d
  )
    parts.push({
      text: `deployments fell from ${fmt(d.deployments_prev_28d)} to ${fmt(d.deployments_28d)}`,
      facts: ['dora.deployments_28d', 'dora.deployments_prev_28d'],
      severity: 'low',
      penalty: 5,
    });
  if (parts.length === 0) return undefined;
  const severity = parts.some((p) => p.severity === 'medium') ? 'medium' : 'low';
  const facts = parts.flatMap((p) => p.facts);
  const text = parts.map((p) => p.text).join('; ');
  return {
    id: 'delivery',
    penalty: parts.reduce((n, p) => n + p.penalty, 0),
    severity,
    cause: false,
    risk: item(
      'Delivery is getting worse',
      `Over the last four weeks against the four before: ${text}.`,
      severity,
      facts,
    ),
    recommendation: item(
      'Look at what failed in production',
      'Go through the recent failed deployments and slow changes in the DORA dashboard and agree one fix to the pipeline or review habits.',
      severity,
      facts,
    ),
  };
}

const RULES = [
  nothingStarted,
  blocked,
  reviews,
  scopeCreep,
  behind,
  carryOver,
  changesRequested,
  aging,
  delivery,
];

const STATUS_WORDS: Record<SprintHealthInsight['status'], string> = {
  on_track: 'on track',
  at_risk: 'at risk',
  off_track: 'off track',
};

export function statusFor(
  score: number,
  findings: Pick<Finding, 'severity' | 'floor'>[],
): SprintHealthInsight['status'] {
  let status: SprintHealthInsight['status'] =
    score >= 75 ? 'on_track' : score >= 50 ? 'at_risk' : 'off_track';
  const raise = (to: SprintHealthInsight['status']) => {
    if (STATUS_RANK[to] > STATUS_RANK[status]) status = to;
  };
  for (const f of findings) {
    if (f.floor) raise(f.floor);
    if (f.severity === 'high') raise('at_risk');
  }
  return status;
}

export interface WriterMeta {
  factsHash: string;
  generatedAt: Date;
}

export function writeWithRules(facts: SprintFacts, meta: WriterMeta): SprintHealthInsight {
  const findings = RULES.map((r) => r(facts))
    .filter((x): x is Finding => x !== undefined)
    .sort(
      (a, b) =>
        SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
        Number(b.cause) - Number(a.cause) ||
        b.penalty - a.penalty,
    );
  const score = Math.max(0, Math.min(100, Math.round(100 - findings.reduce((n, f) => n + f.penalty, 0))));
  const status = statusFor(score, findings);
  return {
    sprint: sprintRefOf(facts),
    status,
    score,
    summary: summarise(facts, status, score, findings),
    risks: findings.map((f) => f.risk),
    bottlenecks: findings.flatMap((f) => (f.bottleneck ? [f.bottleneck] : [])),
    recommendations: findings.map((f) => f.recommendation),
    source: 'rules',
    model: null,
    fallbackReason: null,
    generated_at: meta.generatedAt.toISOString(),
    facts_hash: meta.factsHash,
  };
}

function summarise(
  f: SprintFacts,
  status: SprintHealthInsight['status'],
  score: number,
  findings: Finding[],
): string {
  const p = f.progress;
  const done =
    p.total_points > 0
      ? `${fmt(p.completed_points)} of ${fmt(p.total_points)} points are done`
      : `${fmt(p.completed_issues)} of ${plural(p.total_issues, 'issue', 'issues')} are done`;
  const when =
    f.sprint.state === 'closed'
      ? 'at its close'
      : `with ${fmt(f.time.days_elapsed)} of ${fmt(f.time.days_total)} days gone`;
  const planned =
    p.total_points > 0 ? `${fmt(p.total_points)} points` : plural(p.total_issues, 'issue', 'issues');
  const first =
    f.sprint.state === 'future'
      ? `${f.sprint.name} is ${STATUS_WORDS[status]} (score ${score}): ${planned} planned so far, starting ${f.sprint.start_at.slice(0, 10)}.`
      : `${f.sprint.name} is ${STATUS_WORDS[status]} (score ${score}): ${done} ${when}.`;
  const main = findings[0];
  const second = main
    ? `Main problem: ${lowerFirst(main.risk.title)}; ${lowerFirst(main.recommendation.title)}.`
    : 'No risk stands out; keep finishing work before starting more.';
  return `${first} ${second}`;
}

const lowerFirst = (s: string) => (/^[A-Z][a-z]/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s);

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
