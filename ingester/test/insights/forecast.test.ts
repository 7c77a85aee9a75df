import { describe, expect, it } from '@jest/globals';
import type { ForecastFacts, SprintFacts } from '../../src/insights/facts.js';
import { factsHash } from '../../src/insights/hash.js';
import { forecastOf } from '../../src/insights/insight.js';
import { writeWithRules } from '../../src/insights/rules.js';
import { decide } from '../../src/insights/score.js';
import { factsWith, healthyFacts } from './fixtures.js';

/**
 * The score judges "behind" by the sprint's forecast when there is one, and by the straight
 * line through the burndown only when there is none (docs/sprint-health.md).
 */
const forecast = (patch: Partial<ForecastFacts>): ForecastFacts => ({
  state: 'ok',
  reason: null,
  history_days: 60,
  remaining_issues: 5,
  working_days_left: 5,
  finish_probability_pct: 90,
  likely_pct: 85,
  done_by_50_at: '2026-11-12',
  done_by_70_at: '2026-11-13',
  done_by_85_at: '2026-11-16',
  done_by_95_at: '2026-11-18',
  spread_working_days: 4,
  ...patch,
});
const withForecast = (base: SprintFacts, f: ForecastFacts | null): SprintFacts => ({ ...base, forecast: f });
const write = (facts: SprintFacts) =>
  writeWithRules(facts, { factsHash: factsHash(facts), generatedAt: new Date('2026-11-09T09:05:00Z') });

/** Far behind the ideal line: the straight line alone calls this sprint at risk. */
const behindTheLine = () =>
  factsWith({
    burndown: { behind_ideal_points: 9, projected_remaining_at_end: 12, completion_rate_points_per_day: 1.2 },
  });

describe('Sprint Health judged by the forecast', () => {
  it('calls a sprint very unlikely to finish off track past half-way, in words bound to the forecast', () => {
    const facts = withForecast(healthyFacts(), forecast({ finish_probability_pct: 12.5 }));
    const v = decide(facts);
    expect(v).toMatchObject({ status: 'off_track', basis: { decisive: 'behind' } });
    expect(v.basis.sentence).toBe(
      'Off track: 12.5% likely to finish, 5 issues left with 5 working days to go',
    );
    const insight = write(facts);
    expect(insight.risks[0]).toMatchObject({
      title: 'Only 12.5% likely to finish by the end',
      detail:
        '5 issues left with 5 working days to go; at its usual pace, with the scope it usually adds, they are 85% likely done by Mon 16 Nov.',
      severity: 'high',
    });
    expect(insight.risks[0]!.facts).toContain('forecast.finish_probability_pct');
  });

  it('calls a sprint less likely than not to finish at risk, and a likely one fine whatever the straight line says', () => {
    expect(decide(withForecast(healthyFacts(), forecast({ finish_probability_pct: 40 }))).status).toBe(
      'at_risk',
    );
    const likely = decide(withForecast(behindTheLine(), forecast({ finish_probability_pct: 92 })));
    expect(likely.findings.map((f) => f.id)).not.toContain('behind');
    // The same facts without a forecast fall back to the straight line.
    expect(decide(withForecast(behindTheLine(), null)).findings.map((f) => f.id)).toContain('behind');
  });

  it('calls below 85% a low risk, and very unlikely before half-way at risk rather than off track', () => {
    const low = decide(withForecast(healthyFacts(), forecast({ finish_probability_pct: 70 })));
    expect(low).toMatchObject({ status: 'on_track', score: 95 });
    expect(low.findings.find((f) => f.id === 'behind')?.severity).toBe('low');
    const early = withForecast(
      factsWith({ time: { days_elapsed: 4, days_left: 10, elapsed_pct: 28.6 } }),
      forecast({ finish_probability_pct: 5 }),
    );
    expect(decide(early)).toMatchObject({ status: 'at_risk', basis: { decisive: 'behind' } });
    // Before a fifth of the sprint is gone the forecast is shown but not judged.
    const first = withForecast(
      factsWith({ time: { days_elapsed: 1, days_left: 13, elapsed_pct: 7.1 } }),
      forecast({ finish_probability_pct: 5 }),
    );
    expect(decide(first).findings.map((f) => f.id)).not.toContain('behind');
  });

  it('falls back to the straight line when the forecast is refused, and says when its history is thin', () => {
    const refused = forecast({
      state: 'refused',
      reason: 'only 6 working days of history',
      finish_probability_pct: null,
    });
    expect(
      decide(withForecast(behindTheLine(), refused)).findings.find((f) => f.id === 'behind')?.verdict,
    ).toMatch(/projected undone/);
    const thin = write(
      withForecast(
        healthyFacts(),
        forecast({ state: 'low_history', history_days: 14, finish_probability_pct: 30 }),
      ),
    );
    expect(thin.risks[0]!.detail).toMatch(/\(from only 14 working days of history\)\.$/);
  });

  it('says a date past a year is not likely, without making one up', () => {
    const never = write(
      withForecast(
        healthyFacts(),
        forecast({
          finish_probability_pct: 0,
          done_by_85_at: null,
          done_by_95_at: null,
          spread_working_days: null,
        }),
      ),
    );
    expect(never.risks[0]!.detail).toBe(
      '5 issues left with 5 working days to go; at its usual pace the team is not likely to finish them within a year.',
    );
  });

  it('serves the forecast in the API with the percentiles dated, and none for a closed sprint', () => {
    expect(forecastOf(withForecast(healthyFacts(), forecast({})))).toEqual({
      state: 'ok',
      reason: null,
      historyDays: 60,
      remainingIssues: 5,
      workingDaysLeft: 5,
      finishProbabilityPct: 90,
      doneBy: [
        { pct: 50, date: '2026-11-12' },
        { pct: 70, date: '2026-11-13' },
        { pct: 85, date: '2026-11-16' },
        { pct: 95, date: '2026-11-18' },
      ],
      spreadWorkingDays: 4,
    });
    expect(forecastOf(withForecast(healthyFacts(), null))).toBeNull();
    expect(write(withForecast(healthyFacts(), forecast({}))).forecast?.finishProbabilityPct).toBe(90);
  });
});

describe('where a change of lead time came from', () => {
  it('cites the repository that accounts for most of a rise of the median, and the stage that moved most', () => {
    const facts = factsWith({
      dora: {
        lead_time_p50_hours_prev_28d: 20,
        lead_time_p50_hours_28d: 46,
        lead_time_change_top_repo: 'acme/payments-api',
        lead_time_change_top_repo_hours: 21.5,
        lead_time_change_top_stage: 'review',
      },
    });
    const risk = write(facts).risks.find((r) => r.title === 'Delivery is getting worse')!;
    expect(risk.detail).toBe(
      'Over the last 28 days against the 28 days before: median lead time rose from 20 to 46 hours, ' +
        '21.5 hours of it from acme/payments-api, the review stage moving most.',
    );
    expect(risk.facts).toEqual(expect.arrayContaining(['dora.lead_time_change_top_repo_hours']));
    // Without an explanation that found a repository adding to it, the rise alone.
    const alone = write(
      factsWith({ dora: { lead_time_p50_hours_prev_28d: 20, lead_time_p50_hours_28d: 46 } }),
    );
    expect(alone.risks.find((r) => r.title === 'Delivery is getting worse')!.detail).toBe(
      'Over the last 28 days against the 28 days before: median lead time rose from 20 to 46 hours.',
    );
  });
});

describe('where a fall of deployments came from', () => {
  it('names the repository that deployed fewer most, and how many fewer', () => {
    const fell = write(
      factsWith({
        dora: {
          deployments_prev_28d: 22,
          deployments_28d: 8,
          deployments_fall_top_repo: 'acme/platform-gateway',
          deployments_fall_top_repo_fewer: 11,
        },
      }),
    );
    expect(fell.risks.find((r) => r.title === 'Delivery is getting worse')!.detail).toBe(
      'Over the last 28 days against the 28 days before: production deployments fell from 22 to 8 deployments, ' +
        '11 deployments fewer in acme/platform-gateway.',
    );
  });
});
