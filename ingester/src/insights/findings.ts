import type { SprintFacts } from './facts.js';
import type { InsightItem, InsightStatus } from './shape.js';

/**
 * What the score's rules find in a fact sheet. Each rule reads a few facts, and when they
 * cross its thresholds it yields a finding: the score points it costs, its severity,
 * whether it forces a status, and the words the rule-based writer uses for it. The words
 * are templates: every number in them is a placeholder (`{time.days_left}`) that
 * insights/numbers.ts fills, so they pass the same check as an LLM's words.
 *
 * A change here that moves a score or a status is a change of the score's rules: bump
 * SCORE_RULES_VERSION in score.ts.
 */

type Severity = InsightItem['severity'];
type Ref = InsightItem['refs'][number];

/** An item whose title and detail are templates, rendered before anyone reads them. */
export type ItemTemplate = InsightItem;

export interface Finding {
  id: string;
  /** Score points this costs. */
  penalty: number;
  severity: Severity;
  /** A cause (something to act on) is named before a symptom (being behind) of equal severity. */
  cause: boolean;
  /** Forces at least this status whatever the score. */
  floor?: InsightStatus;
  /** What was found, in a few words: the score's basis when this finding decides the status. */
  verdict: string;
  risk: ItemTemplate;
  bottleneck?: ItemTemplate;
  recommendation: ItemTemplate;
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
  /** The forecast's chance of finishing, %, below which it is a risk: low, medium, high. */
  forecastLow: 85,
  forecastMedium: 50,
  forecastHigh: 20,
  /** Share of the scope projected to be left at the end (the straight line, where there is no forecast). */
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
): ItemTemplate => ({ title, detail, severity, facts, refs });

/**
 * A minor cause of waiting (a stale review, an aging item): low severity, told the same way as a
 * risk and as a bottleneck, with one piece of advice.
 */
const minorWait = (
  id: string,
  penalty: number,
  said: { title: string; detail: string; facts: string[] },
  refs: Ref[],
  advice: { title: string; detail: string; refs: Ref[] },
): Finding => ({
  id,
  penalty,
  severity: 'low',
  cause: true,
  verdict: said.title,
  risk: item(said.title, said.detail, 'low', said.facts, refs),
  bottleneck: item(said.title, said.detail, 'low', said.facts, refs),
  recommendation: item(advice.title, advice.detail, 'low', said.facts, advice.refs),
});

/** A list's items with their index in the facts, so a template can name `list[i].field`. */
const indexed = <T>(list: T[]) => list.map((value, i) => ({ ...value, i }));

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
  if (started === 0 && t.elapsed_pct >= THRESHOLDS.nothingStartedAfter) {
    const title = 'Nothing started with {time.elapsed_pct} of the sprint gone';
    return {
      id: 'nothing-started',
      penalty: 45,
      severity: 'high',
      cause: true,
      floor: 'off_track',
      verdict: title,
      risk: item(
        title,
        `None of the {progress.total_issues} in the sprint has left to-do after {time.days_elapsed of time.days_total}.${keys.length ? ` Not started: ${listKeys(keys)}.` : ''}`,
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
  }
  if (
    t.elapsed_pct >= THRESHOLDS.mostNotStartedAfter &&
    p.not_started_issues / p.total_issues >= THRESHOLDS.mostNotStartedShare
  ) {
    const title = '{progress.not_started_issues of progress.total_issues} not started yet';
    return {
      id: 'most-not-started',
      penalty: 20,
      severity: 'medium',
      cause: true,
      verdict: `${title} with {time.elapsed_pct} of the sprint gone`,
      risk: item(
        title,
        `With {time.elapsed_pct} of the sprint gone, {progress.not_started_issues} are still in to-do${keys.length ? `: ${listKeys(keys)}` : ''}.`,
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
  }
  return undefined;
}

/**
 * Behind: judged by the sprint's forecast (the team's own pace and the scope it usually adds),
 * or, where there is none (a closed sprint, too little history), by the straight line.
 */
function behind(f: SprintFacts): Finding | undefined {
  const forecast = f.forecast;
  if (forecast && forecast.state !== 'refused' && forecast.finish_probability_pct !== null)
    return unlikelyToFinish(f, forecast.finish_probability_pct);
  return behindTheLine(f);
}

function unlikelyToFinish(f: SprintFacts, pct: number): Finding | undefined {
  const fc = f.forecast!;
  if (f.time.elapsed_pct < THRESHOLDS.burndownAfter || pct >= THRESHOLDS.forecastLow) return undefined;
  if (fc.remaining_issues === null || fc.remaining_issues <= 0) return undefined;
  const severity: Severity =
    pct < THRESHOLDS.forecastHigh ? 'high' : pct < THRESHOLDS.forecastMedium ? 'medium' : 'low';
  const facts = [
    'forecast.finish_probability_pct',
    'forecast.remaining_issues',
    'forecast.working_days_left',
    'forecast.likely_pct',
    'forecast.done_by_85_at',
    'forecast.history_days',
  ];
  const when =
    fc.done_by_85_at === null
      ? 'at its usual pace the team is not likely to finish them within a year'
      : 'at its usual pace, with the scope it usually adds, they are {forecast.likely_pct} likely done by {forecast.done_by_85_at}';
  const thin = fc.state === 'low_history' ? ' (from only {forecast.history_days} of history)' : '';
  const left = '{forecast.remaining_issues} left with {forecast.working_days_left} to go';
  return {
    id: 'behind',
    penalty: severity === 'high' ? 30 : severity === 'medium' ? 15 : 5,
    severity,
    cause: false,
    // Unlikely to finish is at risk; very unlikely past half-way is off track.
    floor:
      severity === 'low'
        ? undefined
        : severity === 'high' && f.time.elapsed_pct >= 50
          ? 'off_track'
          : 'at_risk',
    verdict: `{forecast.finish_probability_pct} likely to finish, ${left}`,
    risk: item(
      'Only {forecast.finish_probability_pct} likely to finish by the end',
      `${left}; ${when}${thin}.`,
      severity,
      facts,
    ),
    recommendation: item(
      'Cut the scope to what can finish',
      'Agree with the product owner which remaining items leave the sprint, and finish what is started before starting more.',
      severity,
      facts,
    ),
  };
}

function behindTheLine(f: SprintFacts): Finding | undefined {
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
  const remain = `${b.completion_rate_points_per_day === null ? '' : 'At {burndown.completion_rate_points_per_day}, '}{progress.remaining_points} remain`;
  const stillLeft = '{progress.remaining_points of progress.total_points} left with {time.days_left} to go';
  const recommendation = (severity: Severity) =>
    item(
      'Cut the scope to what can finish',
      'Agree with the product owner which remaining items leave the sprint, and finish what is started before starting more.',
      severity,
      facts,
    );
  const projected =
    'Projected to leave {burndown.projected_remaining_at_end of progress.total_points} undone';
  if (share !== null && share >= THRESHOLDS.projectedMedium) {
    const severity: Severity = share >= THRESHOLDS.projectedHigh ? 'high' : 'medium';
    return {
      id: 'behind',
      penalty: severity === 'high' ? 30 : 15,
      severity,
      cause: false,
      // Projected to miss a fifth of the sprint is at risk whatever else goes well.
      floor: severity === 'high' && f.time.elapsed_pct >= 50 ? 'off_track' : 'at_risk',
      verdict: `${stillLeft}, {burndown.projected_remaining_at_end} projected undone`,
      risk: item(
        projected,
        `${remain} with {time.days_left} left; the burndown is {burndown.behind_ideal_points} behind the ideal line.`,
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
      verdict: `{burndown.behind_ideal_points} behind the ideal burndown, ${stillLeft}`,
      risk: item(
        '{burndown.behind_ideal_points} behind the ideal burndown',
        '{progress.remaining_points of progress.total_points} remain with {time.days_left} left.',
        'medium',
        facts,
      ),
      recommendation: recommendation('medium'),
    };
  // A tenth of the sprint left undone is worth saying, if not yet a risk to the sprint.
  if (share !== null && share >= THRESHOLDS.projectedLow)
    return {
      id: 'behind',
      penalty: 5,
      severity: 'low',
      cause: false,
      verdict: `${stillLeft}, {burndown.projected_remaining_at_end} projected undone`,
      risk: item(projected, `${remain} with {time.days_left} left.`, 'low', facts),
      recommendation: recommendation('low'),
    };
  return undefined;
}

function scopeCreep(f: SprintFacts): Finding | undefined {
  const pct = f.scope.scope_change_pct;
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
  const title = 'Scope changed by {scope.scope_change_pct} since the start';
  return {
    id: 'scope',
    penalty: severity === 'high' ? 30 : 15,
    severity,
    cause: true,
    verdict: title,
    risk: item(
      title,
      `{scope.added_issues} ({scope.added_points}) came in and {scope.removed_issues} ({scope.removed_points}) left after the sprint started with {scope.committed_points} committed.${keys.length ? ` Added: ${listKeys(keys)}.` : ''}`,
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
  const items = indexed(f.blocked);
  if (items.length === 0) return undefined;
  const longest = items.reduce((a, b) => (b.blocked_hours > a.blocked_hours ? b : a));
  const severity: Severity =
    items.length >= THRESHOLDS.blockedHighCount || longest.blocked_hours >= THRESHOLDS.blockedHighHours
      ? 'high'
      : 'medium';
  const facts = ['blocked', 'progress.blocked_issues'];
  const keys = items.map((i) => i.key);
  const hours = `{blocked[${longest.i}].blocked_hours}`;
  const title =
    items.length === 1
      ? `${longest.key} blocked for ${hours}`
      : `{progress.blocked_issues} blocked, ${longest.key} for ${hours}`;
  const detail = `Blocked now: ${listKeys(keys)}${items.some((i) => i.flagged) ? ' (flagged or in a blocked status)' : ' (in a blocked status)'}.`;
  return {
    id: 'blocked',
    penalty: Math.min(35, 10 * items.length + (longest.blocked_hours >= 48 ? 6 : 0)),
    severity,
    cause: true,
    verdict: title,
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

function issueUrl(f: SprintFacts, key: string): string | null {
  const lists = [f.blocked, f.aging, f.not_started, f.added_after_start, f.carry_over.carried_twice_or_more];
  for (const l of lists) for (const i of l) if (i.key === key) return i.url;
  return null;
}

function reviews(f: SprintFacts): Finding | undefined {
  const pr = f.pr_flow;
  const usual = pr.team_median_pickup_hours;
  const waitLimit = Math.max(THRESHOLDS.waitingHours, usual === null ? 0 : 2 * usual);
  const waiting = indexed(pr.waiting_for_review).filter((w) => w.hours_waiting >= waitLimit);
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
  const waitOf = (i: number) => `{pr_flow.waiting_for_review[${i}].hours_waiting}`;
  const title = slow
    ? "Review pickup at {pr_flow.median_pickup_hours}, the team's usual is {pr_flow.team_median_pickup_hours}"
    : `${waiting[0]!.key} waiting ${waitOf(waiting[0]!.i)} for a first review`;
  const detail = [
    waiting.length
      ? `Waiting for a first review: ${waiting
          .slice(0, 4)
          .map((w) => `${w.key} (${waitOf(w.i)})`)
          .join(', ')}.`
      : '',
    slow ? 'Linked pull requests wait {pr_flow.median_pickup_hours} for a first review (median).' : '',
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
    verdict: title,
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

function changesRequested(f: SprintFacts): Finding | undefined {
  const stale = indexed(f.pr_flow.changes_requested).filter(
    (c) => c.hours_waiting >= THRESHOLDS.changesRequestedHours,
  );
  if (stale.length === 0) return undefined;
  const facts = ['pr_flow.changes_requested'];
  const waitOf = (i: number) => `{pr_flow.changes_requested[${i}].hours_waiting}`;
  const title = `${stale[0]!.key} idle for ${waitOf(stale[0]!.i)} after changes were requested`;
  const detail = `No new commit since the review asked for changes: ${stale
    .slice(0, 4)
    .map((c) => `${c.key} (${waitOf(c.i)})`)
    .join(', ')}.`;
  return minorWait(
    'changes-requested',
    Math.min(10, 5 * stale.length),
    { title, detail, facts },
    prRefs(stale),
    {
      title: 'Close the review loops',
      detail:
        'Ask the authors whether the requested changes are still planned, or pair with the reviewer to settle them.',
      refs: prRefs(stale, 3),
    },
  );
}

function carryOver(f: SprintFacts): Finding | undefined {
  const items = indexed(f.carry_over.carried_twice_or_more);
  if (items.length === 0) return undefined;
  const most = items.reduce((a, b) => (b.sprints > a.sprints ? b : a));
  const facts = ['carry_over.carried_twice_or_more', 'carry_over.carried_twice_or_more_issues'];
  const sprintsOf = (i: number) => `{carry_over.carried_twice_or_more[${i}].sprints}`;
  const title =
    items.length === 1
      ? `${most.key} has been in ${sprintsOf(most.i)}`
      : '{carry_over.carried_twice_or_more_issues} carried over from sprint to sprint';
  return {
    id: 'carry-over',
    penalty: Math.min(15, 6 * items.length),
    severity: 'medium',
    cause: true,
    verdict: title,
    risk: item(
      title,
      `Work that keeps slipping: ${items
        .slice(0, 5)
        .map((i) => `${i.key} (${sprintsOf(i.i)})`)
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
  const old = indexed(f.aging).filter((a) => a.days_in_stage >= limit && !blockedKeys.has(a.key));
  if (old.length === 0) return undefined;
  const facts = ['aging'];
  const first = old[0]!;
  const title = `${first.key} stuck in {aging[${first.i}].status} for {aging[${first.i}].days_in_stage}`;
  const detail = `Longest in their stage: ${old
    .slice(0, 4)
    .map((a) => `${a.key} ({aging[${a.i}].status}, {aging[${a.i}].days_in_stage})`)
    .join(', ')}.`;
  return minorWait('aging', Math.min(10, 3 * old.length), { title, detail, facts }, issueRefs(old), {
    title: 'Swarm on the oldest items',
    detail: `Ask what ${first.key} needs to move, and help it along before pulling new work.`,
    refs: issueRefs(old, 3),
  });
}

/** A DORA figure that rose from the 28 days before to the last 28: `fact` names both (`_prev_28d`, `_28d`). */
const rose = (label: string, fact: string, severity: Severity, penalty: number) => ({
  text: `${label} rose from {${fact}_prev_28d to ${fact}_28d}`,
  facts: [`${fact}_28d`, `${fact}_prev_28d`],
  severity,
  penalty,
});

/** The lead time's rise, and where most of it came from when the explanation found a repository that added to it. */
function leadTimeRose(d: SprintFacts['dora']) {
  const part = rose('median lead time', 'dora.lead_time_p50_hours', 'low', 5);
  if (
    !d.lead_time_change_top_repo ||
    d.lead_time_change_top_repo_hours === null ||
    d.lead_time_change_top_repo_hours <= 0
  )
    return part;
  const stage = d.lead_time_change_top_stage
    ? ', the {dora.lead_time_change_top_stage} stage moving most'
    : '';
  return {
    ...part,
    text: `${part.text}, {dora.lead_time_change_top_repo_hours} of it from {dora.lead_time_change_top_repo}${stage}`,
    facts: [
      ...part.facts,
      'dora.lead_time_change_top_repo',
      'dora.lead_time_change_top_repo_hours',
      ...(stage ? ['dora.lead_time_change_top_stage'] : []),
    ],
  };
}

/** The fall in deployments, and the repository most of it came from when one deployed fewer. */
function deploymentsFell(d: SprintFacts['dora']) {
  const part = {
    text: 'production deployments fell from {dora.deployments_prev_28d to dora.deployments_28d}',
    facts: ['dora.deployments_28d', 'dora.deployments_prev_28d'],
    severity: 'low' as Severity,
    penalty: 5,
  };
  if (!d.deployments_fall_top_repo || !d.deployments_fall_top_repo_fewer) return part;
  return {
    ...part,
    text: `${part.text}, {dora.deployments_fall_top_repo_fewer} fewer in {dora.deployments_fall_top_repo}`,
    facts: [...part.facts, 'dora.deployments_fall_top_repo', 'dora.deployments_fall_top_repo_fewer'],
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
    parts.push(rose('change fail rate', 'dora.change_fail_rate_pct', 'medium', 8));
  if (
    d.lead_time_p50_hours_28d !== null &&
    d.lead_time_p50_hours_prev_28d !== null &&
    d.lead_time_p50_hours_prev_28d > 0 &&
    d.lead_time_p50_hours_28d >= THRESHOLDS.leadTimeFactor * d.lead_time_p50_hours_prev_28d
  )
    parts.push(leadTimeRose(d));
  if (
    d.deployments_prev_28d >= 4 &&
    d.deployments_28d <= THRESHOLDS.deploymentsShare * d.deployments_prev_28d
  )
    parts.push(deploymentsFell(d));
  if (parts.length === 0) return undefined;
  const severity = parts.some((p) => p.severity === 'medium') ? 'medium' : 'low';
  const facts = ['dora.window_days', ...parts.flatMap((p) => p.facts)];
  const text = parts.map((p) => p.text).join('; ');
  return {
    id: 'delivery',
    penalty: parts.reduce((n, p) => n + p.penalty, 0),
    severity,
    cause: false,
    verdict: `delivery is getting worse: ${parts[0]!.text}`,
    risk: item(
      'Delivery is getting worse',
      `Over the last {dora.window_days} against the {dora.window_days} before: ${text}.`,
      severity,
      facts,
    ),
    recommendation: item(
      'Look at what failed in production',
      'Go through the recent failed deployments and slow changes in the DORA dashboard and agree on a fix to the pipeline or review habits.',
      severity,
      facts,
    ),
  };
}

/** Every rule, in no particular order: score.ts ranks what they find. */
export const RULES: readonly ((f: SprintFacts) => Finding | undefined)[] = [
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
