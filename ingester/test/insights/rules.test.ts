import { describe, expect, it } from '@jest/globals';
import { checkAnswer, checkContext, checkText, factKeyExists } from '../../src/insights/grounding.js';
import { factsHash } from '../../src/insights/hash.js';
import { rulesTemplates, writeWithRules } from '../../src/insights/rules.js';
import { decide } from '../../src/insights/score.js';
import { sprintHealthInsight } from '../../src/insights/shape.js';
import type { SprintFacts } from '../../src/insights/facts.js';
import { factsWith, healthyFacts, scenarios } from './fixtures.js';

const write = (facts: SprintFacts) =>
  writeWithRules(facts, { factsHash: factsHash(facts), generatedAt: new Date('2026-11-09T09:05:00Z') });

/** Facts without a forecast (a closed sprint, or too little history): the straight line judges. */
const lineOnly = (f: SprintFacts): SprintFacts => ({ ...f, forecast: null });

const sentences = (s: string) => s.split(/(?<=[.!?])\s+(?=[A-Z])/).filter(Boolean);

/** Every rule finding something at once, with two of each list. */
const everything = () =>
  factsWith({
    ...scenarios.reviewBottleneck(),
    pr_flow: {
      ...scenarios.reviewBottleneck().pr_flow,
      changes_requested_prs: 1,
      changes_requested: [
        { key: 'acme/payments-api#39', title: 'Fees v2', url: null, issue_key: 'PAY-90', hours_waiting: 60 },
      ],
    },
    time: { days_elapsed: 9, days_left: 5, elapsed_pct: 64.3 },
    progress: { ...scenarios.blockedWork().progress, not_started_issues: 8, total_issues: 11 },
    burndown: { behind_ideal_points: 9, projected_remaining_at_end: 12 },
    forecast: { finish_probability_pct: 18 },
    blocked: scenarios.blockedWork().blocked,
    scope: scenarios.scopeCreep().scope,
    added_after_start: scenarios.scopeCreep().added_after_start,
    carry_over: {
      carried_twice_or_more_issues: 2,
      carried_twice_or_more: [
        { key: 'PAY-90', summary: 'Ledger rewrite', url: null, sprints: 3 },
        { key: 'PAY-91', summary: 'Payout 2 of 3', url: null, sprints: 2 },
      ],
    },
    aging: [
      { key: 'PAY-95', summary: 'Payouts', url: null, status: 'QA 2', stage: 'waiting', days_in_stage: 6 },
    ],
    dora: {
      change_fail_rate_pct_28d: 25,
      change_fail_rate_pct_prev_28d: 9.1,
      deployments_28d: 8,
      lead_time_p50_hours_28d: 80,
    },
  });

describe('the rule-based writer', () => {
  it('calls a healthy sprint on track, with no risks and a two-sentence summary from the facts', () => {
    const insight = write(healthyFacts());
    expect(insight).toMatchObject({
      status: 'on_track',
      score: 100,
      source: 'rules',
      model: null,
      risks: [],
    });
    expect(sentences(insight.summary)).toHaveLength(2);
    expect(insight.summary).toBe(
      'PAY Sprint 12 is on track: 17 of 32 points are done with 7 of 14 days gone. ' +
        'No risk stands out; keep finishing work before starting more.',
    );
    expect(insight.scoreBasis).toEqual({
      rules: 'sprint-score/v2',
      sentence: 'On track: nothing stands out; 17 of 32 points done with 7 days to go',
      decisive: null,
      deductions: [],
    });
  });

  it('names a projected tenth of the sprint left undone as a low risk, still on track, where there is no forecast', () => {
    const insight = write(
      lineOnly(
        factsWith({
          time: { days_total: 11.3, days_elapsed: 9.9, days_left: 1.4, elapsed_pct: 87.6 },
          progress: { total_points: 134, completed_points: 106, remaining_points: 28, completed_pct: 79.1 },
          burndown: {
            ideal_remaining_points: 16.6,
            behind_ideal_points: 11.4,
            completion_rate_points_per_day: 10.7,
            projected_remaining_at_end: 15,
          },
        }),
      ),
    );
    expect(insight.status).toBe('on_track');
    expect(insight.score).toBeLessThan(100);
    expect(insight.risks[0]).toMatchObject({
      title: 'Projected to leave 15 of 134 points undone',
      severity: 'low',
    });
    expect(insight.recommendations[0]!.title).toBe('Cut the scope to what can finish');
  });

  it.each([
    [
      'scope creep',
      scenarios.scopeCreep,
      'at_risk',
      /^Scope changed by 56\.7% since the start$/,
      'scope.scope_change_pct',
      'PAY-120',
    ],
    [
      'blocked work',
      scenarios.blockedWork,
      'at_risk',
      /^3 issues blocked, PAY-105 for 4 days$/,
      'blocked',
      'PAY-105',
    ],
    [
      'a review bottleneck',
      scenarios.reviewBottleneck,
      'at_risk',
      /^Review pickup at 31\.5 hours, the team's usual is 4 hours$/,
      'pr_flow.median_pickup_hours',
      'acme/payments-api#44',
    ],
    [
      'nothing started',
      scenarios.nothingStarted,
      'off_track',
      /^Nothing started with 40% of the sprint gone$/,
      'progress.not_started_issues',
      'PAY-101',
    ],
  ])(
    'on %s: the right status and that problem as the first risk',
    (_name, make, status, title, fact, ref) => {
      const facts = make();
      const insight = write(facts);
      expect(insight.status).toBe(status);
      expect(insight.score).toBeLessThan(75);
      const first = insight.risks[0]!;
      expect(first.title).toMatch(title);
      expect(first.severity).toBe('high');
      expect(first.facts).toContain(fact);
      expect(first.refs.map((r) => r.key)).toContain(ref);
      // Links come from the facts, never made up (an issue only a PR names has none).
      for (const r of first.refs)
        expect(r.url ?? 'none').toMatch(/^(https:\/\/(acme\.atlassian\.net\/browse|github\.com)\/|none$)/);
      expect(first.refs[0]!.url).not.toBeNull();
      expect(insight.recommendations[0]!.facts).toEqual(expect.arrayContaining([fact]));
      expect(sentences(insight.summary)).toHaveLength(2);
      expect(insight.summary).toContain(
        `Main problem: ${first.title.replace(/^[A-Z](?=[a-z])/, (c) => c.toLowerCase())}`,
      );
      // The score's basis names the finding that decided the status, in the same words.
      expect(insight.scoreBasis.sentence).toMatch(/^(At risk|Off track): /);
      expect(insight.scoreBasis.decisive).not.toBeNull();
    },
  );

  it('calls a sprint projected to leave a fifth of its points undone at risk, even when the rest is fine, where there is no forecast', () => {
    const insight = write(
      lineOnly(
        factsWith({
          time: { days_total: 14, days_elapsed: 12, days_left: 2, elapsed_pct: 85.7 },
          progress: { completed_points: 22, remaining_points: 10, completed_pct: 68.8 },
          burndown: {
            ideal_remaining_points: 4.6,
            behind_ideal_points: 5.4,
            completion_rate_points_per_day: 1.83,
            projected_completion_at: null,
            projected_remaining_at_end: 8,
          },
        }),
      ),
    );
    expect(insight.risks[0]).toMatchObject({
      title: 'Projected to leave 8 of 32 points undone',
      severity: 'medium',
    });
    expect(insight.score).toBeGreaterThanOrEqual(75);
    expect(insight.status).toBe('at_risk');
    // The score alone says on track: the finding that raised it is the basis.
    expect(insight.scoreBasis).toEqual({
      rules: 'sprint-score/v2',
      sentence: 'At risk: 10 of 32 points left with 2 days to go, 8 points projected undone',
      decisive: 'behind',
      deductions: [{ rule: 'behind', points: 15 }],
    });
  });

  it('names the cause before the symptom: nothing started comes before being behind', () => {
    const insight = write(scenarios.nothingStarted());
    expect(insight.risks.map((r) => r.title)).toEqual([
      'Nothing started with 40% of the sprint gone',
      'Only 3.1% likely to finish by the end',
    ]);
    expect(insight.score).toBe(25);
  });

  it('lists reviews and blocked issues as bottlenecks too', () => {
    expect(write(scenarios.reviewBottleneck()).bottlenecks[0]!.facts).toContain('pr_flow.waiting_for_review');
    expect(write(scenarios.blockedWork()).bottlenecks[0]!.refs).toHaveLength(3);
    expect(write(scenarios.scopeCreep()).bottlenecks).toEqual([]);
  });

  it('sees carry-over chains, stale change requests, aging work and worsening delivery', () => {
    const insight = write(
      factsWith({
        carry_over: {
          carried_twice_or_more: [{ key: 'PAY-90', summary: 'Ledger rewrite', url: null, sprints: 3 }],
        },
        pr_flow: {
          changes_requested: [
            { key: 'acme/payments-api#39', title: 'Fees', url: null, issue_key: 'PAY-90', hours_waiting: 60 },
          ],
        },
        aging: [
          {
            key: 'PAY-95',
            summary: 'Payouts',
            url: null,
            status: 'In Review',
            stage: 'waiting',
            days_in_stage: 6,
          },
        ],
        dora: { change_fail_rate_pct_28d: 25, change_fail_rate_pct_prev_28d: 9.1, deployments_28d: 8 },
      }),
    );
    const titles = insight.risks.map((r) => r.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'PAY-90 has been in 3 sprints',
        'acme/payments-api#39 idle for 2.5 days after changes were requested',
        'PAY-95 stuck in In Review for 6 days',
        'Delivery is getting worse',
      ]),
    );
    const delivery = insight.risks.find((r) => r.title === 'Delivery is getting worse')!;
    expect(delivery.detail).toBe(
      'Over the last 28 days against the 28 days before: change fail rate rose from 9.1% to 25%; ' +
        'production deployments fell from 22 to 8 deployments.',
    );
  });

  it('is deterministic, fits the insight shape, cites existing facts and passes the grounding check an LLM answer must', () => {
    expect(
      decide(everything())
        .findings.map((f) => f.id)
        .sort(),
    ).toEqual([
      'aging',
      'behind',
      'blocked',
      'carry-over',
      'changes-requested',
      'delivery',
      'most-not-started',
      'reviews',
      'scope',
    ]);
    for (const make of [healthyFacts, ...Object.values(scenarios), everything]) {
      const facts = make();
      const a = write(facts);
      expect(write(facts)).toEqual(a);
      expect(sprintHealthInsight.safeParse(a).success).toBe(true);
      for (const i of [...a.risks, ...a.bottlenecks, ...a.recommendations])
        for (const key of i.facts)
          expect({ key, exists: factKeyExists(facts, key) }).toEqual({ key, exists: true });
      // Its templates, checked as a model's: no number but by placeholder, no number in words.
      const verdict = decide(facts);
      const ctx = checkContext(facts, verdict.status);
      const templates = rulesTemplates(facts, verdict);
      expect(checkAnswer(templates, ctx)).toEqual({ ok: true, words: expect.anything(), refused: [] });
      for (const f of verdict.findings)
        expect([f.id, checkText(f.verdict, ctx, 'item', 300).problems]).toEqual([f.id, []]);
    }
  });

  it('writes about a closed sprint at its close', () => {
    const insight = write(
      factsWith({ sprint: { state: 'closed', complete_at: '2026-11-16T09:00:00+00:00' } }),
    );
    expect(insight.summary).toContain('17 of 32 points are done at its close');
  });

  it('words a sprint without points by its issues, and one not started by its plan', () => {
    const byIssues = write(
      factsWith({
        progress: { total_points: 0, completed_points: 0, remaining_points: 0, completed_issues: 6 },
      }),
    );
    expect(byIssues.summary).toMatch(
      /^PAY Sprint 12 is on track: 6 of 11 issues are done with 7 of 14 days gone\./,
    );
    const future = write(
      factsWith({ sprint: { state: 'future' }, time: { days_elapsed: 0, elapsed_pct: 0 } }),
    );
    expect(future.summary).toMatch(
      /^PAY Sprint 12 is on track: 32 points planned so far, starting Mon 2 Nov\./,
    );
  });
});
