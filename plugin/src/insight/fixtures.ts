import type { Problem, SprintHealthInsight } from './types';

/**
 * Insights and problems as the API returns them, for tests and for the browser harness.
 * `fixtures.test.ts` holds every insight here to the API's own zod schema.
 */

const jira = (key: string) => ({ kind: 'issue' as const, key, url: `https://acme.atlassian.net/browse/${key}` });
const pr = (repo: string, n: number) => ({
  kind: 'pull_request' as const,
  key: `acme/${repo}#${n}`,
  url: `https://github.com/acme/${repo}/pull/${n}`,
});

/** Mid-sprint, written by the LLM: at risk, something in every section. */
export const atRiskInsight: SprintHealthInsight = {
  sprint: {
    id: 4211,
    name: 'PAY Sprint 42',
    team: 'payments',
    state: 'active',
    startAt: '2026-03-02T09:00:00.000Z',
    endAt: '2026-03-16T17:00:00.000Z',
  },
  status: 'at_risk',
  score: 58,
  scoreBasis: {
    rules: 'sprint-score/v1',
    sentence: 'At risk: scope changed by 31% since the start',
    decisive: 'scope',
    deductions: [
      { rule: 'scope', points: 30 },
      { rule: 'behind', points: 12 },
    ],
  },
  forecast: {
    state: 'ok',
    reason: null,
    historyDays: 60,
    remainingIssues: 11,
    workingDaysLeft: 3,
    finishProbabilityPct: 38.4,
    doneBy: [
      { pct: 50, date: '2026-03-17' },
      { pct: 70, date: '2026-03-18' },
      { pct: 85, date: '2026-03-20' },
      { pct: 95, date: '2026-03-24' },
    ],
    spreadWorkingDays: 5,
  },
  summary:
    'Scope grew by 31% since the sprint started while only 40% of the committed points are done with 3 working days left. Two pull requests on the checkout path have waited more than two days for a first review.',
  risks: [
    {
      title: 'Scope grew by 31% after the sprint started',
      detail:
        'Five issues (13 points) were added after day 2, three of them unestimated bugs from the refunds incident.',
      severity: 'high',
      facts: ['scope_change_pct', 'added_after_start'],
      refs: [jira('PAY-311'), jira('PAY-318'), jira('PAY-322')],
    },
    {
      title: 'Committed work is behind the ideal burndown',
      detail: '40% of the committed points are done with 70% of the sprint elapsed.',
      severity: 'medium',
      facts: ['completion_pct', 'elapsed_pct'],
      refs: [],
    },
  ],
  bottlenecks: [
    {
      title: 'Reviews wait 2.4 days for a first response',
      detail: 'The median time to first review doubled this sprint; two checkout pull requests have no reviewer yet.',
      severity: 'high',
      facts: ['review_wait_p50_hours', 'prs_without_reviewer'],
      refs: [pr('payments-api', 1184), pr('checkout-web', 407)],
    },
    {
      title: 'PAY-298 has been blocked for 4 days',
      detail: 'Waiting on the ledger team for a schema change; it blocks two other issues in the sprint.',
      severity: 'medium',
      facts: ['blocked_issues'],
      refs: [jira('PAY-298'), { kind: 'issue', key: 'LED-77', url: null }],
    },
  ],
  recommendations: [
    {
      title: 'Move the unestimated bugs to the next sprint',
      detail: 'Dropping PAY-318 and PAY-322 brings the remaining scope back within the team’s usual throughput.',
      severity: 'high',
      facts: ['scope_change_pct', 'throughput_avg_points'],
      refs: [jira('PAY-318'), jira('PAY-322')],
    },
    {
      title: 'Assign reviewers to the two waiting checkout PRs today',
      detail: 'Both are under 200 changed lines and on the critical path of the sprint goal.',
      severity: 'medium',
      facts: ['prs_without_reviewer', 'pr_size_lines'],
      refs: [pr('payments-api', 1184), pr('checkout-web', 407)],
    },
    {
      title: 'Agree a date for the ledger schema change',
      detail: 'Raise PAY-298 at the ledger team’s stand-up so the blocked work can start before the sprint ends.',
      severity: 'low',
      facts: ['blocked_issues'],
      refs: [jira('PAY-298')],
    },
  ],
  source: 'llm',
  model: 'gpt-4.1',
  promptVersion: 'sprint-health/v2',
  refused: [
    {
      section: 'risks',
      index: 2,
      reasons: ['its detail writes the number 14 itself, where a number must name its fact'],
    },
  ],
  fallbackReason: null,
  generatedAt: '2026-03-12T08:45:00.000Z',
  factsHash: 'sha256:5d1c0e9f7a3b2c4d',
};

/** Written by the rule-based writer after the LLM answer failed the grounding check. */
export const offTrackRulesInsight: SprintHealthInsight = {
  sprint: {
    id: 3107,
    name: 'Platform 2026.05',
    team: 'platform',
    state: 'active',
    startAt: '2026-03-04T08:00:00.000+01:00',
    endAt: '2026-03-18T18:00:00.000+01:00',
  },
  status: 'off_track',
  score: 27,
  scoreBasis: {
    rules: 'sprint-score/v1',
    sentence: 'Off track: 21 of 34 points left with 2 days to go, 14 points projected undone',
    decisive: 'behind',
    deductions: [
      { rule: 'behind', points: 30 },
      { rule: 'most-not-started', points: 20 },
      { rule: 'carry-over', points: 15 },
      { rule: 'changes-requested', points: 5 },
      { rule: 'aging', points: 3 },
    ],
  },
  forecast: {
    state: 'ok',
    reason: null,
    historyDays: 60,
    remainingIssues: 15,
    workingDaysLeft: 3,
    finishProbabilityPct: 2.7,
    doneBy: [
      { pct: 50, date: '2026-03-26' },
      { pct: 70, date: '2026-03-30' },
      { pct: 85, date: '2026-04-01' },
      { pct: 95, date: '2026-04-06' },
    ],
    spreadWorkingDays: 7,
  },
  summary:
    'Only 4 of 19 committed issues are done with 2 days left. Carry-over from the last sprint makes up 45% of the open work.',
  risks: [
    {
      title: '15 committed issues are still open',
      detail: 'At the current pace about 6 of them will be finished by the end of the sprint.',
      severity: 'high',
      facts: ['open_committed_issues', 'throughput_per_day'],
      refs: [jira('PLAT-901'), jira('PLAT-905')],
    },
    {
      title: 'Carry-over is 45% of the open work',
      detail: '7 issues came from the previous sprint unfinished.',
      severity: 'medium',
      facts: ['carry_over_pct'],
      refs: [],
    },
  ],
  bottlenecks: [
    {
      title: 'Pull requests are large',
      detail: 'The median pull request this sprint changes 780 lines.',
      severity: 'medium',
      facts: ['pr_size_lines'],
      refs: [pr('infra', 2201)],
    },
  ],
  recommendations: [
    {
      title: 'Re-plan the sprint with the team',
      detail: 'Agree which of the open issues can still be finished and move the rest.',
      severity: 'high',
      facts: ['open_committed_issues'],
      refs: [],
    },
  ],
  source: 'rules',
  model: null,
  promptVersion: null,
  refused: [],
  fallbackReason: 'The model cited facts that are not in the fact sheet',
  generatedAt: '2026-03-16T06:00:00.000Z',
  factsHash: 'sha256:90ab7e11c4d2f356',
};

/** A healthy sprint: nothing at risk, one suggestion. */
export const onTrackInsight: SprintHealthInsight = {
  sprint: {
    id: 5120,
    name: 'Mobile Sprint 18',
    team: 'mobile',
    state: 'active',
    startAt: '2026-03-09T09:00:00.000Z',
    endAt: '2026-03-20T17:00:00.000Z',
  },
  status: 'on_track',
  score: 91,
  scoreBasis: {
    rules: 'sprint-score/v1',
    sentence: 'On track: MOB-231 stuck in In Review for 3.5 days',
    decisive: 'aging',
    deductions: [{ rule: 'aging', points: 9 }],
  },
  forecast: {
    state: 'ok',
    reason: null,
    historyDays: 60,
    remainingIssues: 6,
    workingDaysLeft: 5,
    finishProbabilityPct: 91.3,
    doneBy: [
      { pct: 50, date: '2026-03-18' },
      { pct: 70, date: '2026-03-19' },
      { pct: 85, date: '2026-03-20' },
      { pct: 95, date: '2026-03-23' },
    ],
    spreadWorkingDays: 3,
  },
  summary:
    'The team has finished 62% of the committed points at the sprint’s midpoint. Scope is unchanged and reviews start within 3 hours.',
  risks: [],
  bottlenecks: [],
  recommendations: [
    {
      title: 'Pull the next item from the backlog',
      detail: 'At this pace the team will have about 2 days of spare capacity.',
      severity: 'low',
      facts: ['completion_pct', 'throughput_avg_points'],
      refs: [jira('MOB-240')],
    },
  ],
  source: 'llm',
  model: 'gpt-4.1-mini',
  promptVersion: 'sprint-health/v2',
  refused: [],
  fallbackReason: null,
  generatedAt: '2026-03-16T11:58:00.000Z',
  factsHash: 'sha256:1f2e3d4c5b6a7980',
};

/** The weekend between two sprints: the one that closed last, with its outcome and why it is shown. */
export const closedBetweenSprintsInsight: SprintHealthInsight = {
  ...atRiskInsight,
  sprint: { ...atRiskInsight.sprint, state: 'closed' },
  // A closed sprint's outcome is known: there is nothing left to forecast.
  forecast: null,
  selection: {
    kind: 'last_closed',
    reason:
      "No sprint is running on the team's board; PAY Sprint 42 closed 2026-03-20 and PAY Sprint 43 (from 2026-03-23) has no issues yet",
  },
};

/** A young team's sprint: a forecast from 19 working days of history, given with a warning. */
export const lowHistoryForecastInsight: SprintHealthInsight = {
  ...onTrackInsight,
  sprint: { ...onTrackInsight.sprint, id: 6103, name: 'Growth Sprint 3', team: 'growth' },
  forecast: {
    state: 'low_history',
    reason: 'only 19 working days of history (fewer than 30): the answer may move a lot as days are added',
    historyDays: 19,
    remainingIssues: 6,
    workingDaysLeft: 5,
    finishProbabilityPct: 74.5,
    doneBy: [
      { pct: 50, date: '2026-03-19' },
      { pct: 70, date: '2026-03-20' },
      { pct: 85, date: '2026-03-24' },
      { pct: 95, date: '2026-03-27' },
    ],
    spreadWorkingDays: 6,
  },
};

/** A new team's first sprint: too little history for a forecast, and the API says why. */
export const refusedForecastInsight: SprintHealthInsight = {
  ...onTrackInsight,
  sprint: { ...onTrackInsight.sprint, id: 6101, name: 'Growth Sprint 1', team: 'growth' },
  forecast: {
    state: 'refused',
    reason: 'only 6 working days of history; a forecast needs at least 10',
    historyDays: 6,
    remainingIssues: null,
    workingDaysLeft: 5,
    finishProbabilityPct: null,
    doneBy: [],
    spreadWorkingDays: null,
  },
};

export const insightFixtures = {
  atRiskInsight,
  offTrackRulesInsight,
  onTrackInsight,
  closedBetweenSprintsInsight,
  lowHistoryForecastInsight,
  refusedForecastInsight,
};

const { forecast: _forecast, ...withoutForecast } = atRiskInsight;
/** As an API older than the forecast (sprint-health/v3) answers: no `forecast` at all. */
export const olderApiInsight: SprintHealthInsight = withoutForecast;

export const noBoardProblem: Problem = {
  type: 'urn:engmetrics:problem:not_found',
  title: 'Not Found',
  status: 404,
  detail:
    'Team "payments" has no Jira board synced yet; sync Jira (engmetrics sync jira) or name its boards in the organisation file',
  code: 'not_found',
  requestId: '4f1d3c1e-2b7a-4a52-9a61-0c8f7d2e6b10',
};

export const unauthorizedProblem: Problem = {
  type: 'urn:engmetrics:problem:unauthorized',
  title: 'Unauthorized',
  status: 401,
  detail: 'The bearer token is not valid',
  code: 'unauthorized',
  requestId: '0b6f2a9e-8c1d-4e3f-a5b7-9d2c1e0f3a4b',
};

export const unavailableProblem: Problem = {
  type: 'urn:engmetrics:problem:unavailable',
  title: 'Service Unavailable',
  status: 503,
  detail: 'The database is not reachable',
  code: 'unavailable',
  requestId: '7c3e9a1b-5d2f-4b6a-8e0c-1f4d7a2b9c3e',
};
