import type { SprintFacts } from './facts.js';
import { RULES, type Finding } from './findings.js';
import { render } from './numbers.js';
import type { InsightStatus, ScoreBasis } from './shape.js';

/**
 * The engine's decision: a sprint's status and score, from its facts alone. Neither
 * writer has a say in it, so the same facts get the same score whether the LLM answers,
 * is slow, fails or is switched off, and whichever model it is.
 *
 * The score is 100 minus each finding's penalty (insights/findings.ts). The status follows
 * the score (75 and up on track, 50 at risk, below that off track) and is raised by hard
 * rules: a finding may force a status (nothing started is off track), and a high-severity
 * finding makes the sprint at least at risk.
 *
 * Anything that can move a score or a status for the same facts (a threshold, a penalty,
 * a band, a floor) is a new version here, as a prompt change is a new PROMPT_VERSION: an
 * insight names the rules that scored it, and the cache does not serve another version's.
 */
export const SCORE_RULES_VERSION = 'sprint-score/v2';

const SEVERITY_RANK = { high: 3, medium: 2, low: 1 } as const;
const STATUS_RANK: Record<InsightStatus, number> = { on_track: 0, at_risk: 1, off_track: 2 };

export const STATUS_LABEL: Record<InsightStatus, string> = {
  on_track: 'On track',
  at_risk: 'At risk',
  off_track: 'Off track',
};

export interface Verdict {
  status: InsightStatus;
  score: number;
  /** The findings, the main problem first (highest severity, a cause before a symptom). */
  findings: Finding[];
  basis: ScoreBasis;
}

export const statusOfScore = (score: number): InsightStatus =>
  score >= 75 ? 'on_track' : score >= 50 ? 'at_risk' : 'off_track';

/** The status, and the finding that raised it above what the score alone says (if one did). */
export function statusFor(
  score: number,
  findings: Pick<Finding, 'severity' | 'floor'>[],
): { status: InsightStatus; raisedBy: number | null } {
  let status = statusOfScore(score);
  let raisedBy: number | null = null;
  for (const [i, f] of findings.entries())
    for (const to of [f.floor, f.severity === 'high' ? ('at_risk' as const) : undefined])
      if (to && STATUS_RANK[to] > STATUS_RANK[status]) {
        status = to;
        raisedBy = i;
      }
  return { status, raisedBy };
}

export function rankFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      Number(b.cause) - Number(a.cause) ||
      b.penalty - a.penalty,
  );
}

export function decide(facts: SprintFacts): Verdict {
  const findings = rankFindings(RULES.map((r) => r(facts)).filter((x): x is Finding => x !== undefined));
  const score = Math.max(0, Math.min(100, Math.round(100 - findings.reduce((n, f) => n + f.penalty, 0))));
  const { status, raisedBy } = statusFor(score, findings);
  // A forced status is decided by the finding that forced it; otherwise by the main problem.
  const decisive = raisedBy !== null ? findings[raisedBy]! : findings[0];
  return {
    status,
    score,
    findings,
    basis: {
      rules: SCORE_RULES_VERSION,
      sentence: `${STATUS_LABEL[status]}: ${lowerFirst(render(decisive ? decisive.verdict : calm(facts), facts).text)}`,
      decisive: decisive?.id ?? null,
      deductions: findings.map((f) => ({ rule: f.id, points: f.penalty })),
    },
  };
}

/** What the basis says when nothing was found: where the sprint stands. */
function calm(f: SprintFacts): string {
  const planned = f.progress.total_points > 0 ? '{progress.total_points}' : '{progress.total_issues}';
  if (f.sprint.state === 'future')
    return `nothing stands out; ${planned} planned, starting {sprint.start_at}`;
  const done =
    f.progress.total_points > 0
      ? '{progress.completed_points of progress.total_points} done'
      : '{progress.completed_issues of progress.total_issues} done';
  if (f.sprint.state === 'closed') return `nothing stands out; ${done} at its close`;
  return `nothing stands out; ${done} with {time.days_left} to go`;
}

export const lowerFirst = (s: string) => (/^[A-Z][a-z]/.test(s) ? s[0]!.toLowerCase() + s.slice(1) : s);
