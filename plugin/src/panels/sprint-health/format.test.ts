import { createTheme } from '@grafana/data';
import type { InsightItem, SprintForecast, SprintHealthInsight } from '../../insight/types';
import {
  calendarDay,
  chanceLabel,
  dayLabel,
  forecastDetail,
  forecastFan,
  forecastHeadline,
  forecastNote,
  forecastPercentiles,
  mostSevere,
  refusedLabel,
  refusedLines,
  scoreArithmetic,
  sourceLabel,
  sprintDates,
  sprintProgress,
  statusColor,
} from './format';

const sprint = (state: SprintHealthInsight['sprint']['state']): SprintHealthInsight['sprint'] =>
  ({
    id: 1,
    name: 'PAY Sprint 14',
    team: 'payments',
    state,
    startAt: '2026-11-30T08:00:00Z',
    endAt: '2026-12-11T17:00:00Z',
  }) as SprintHealthInsight['sprint'];
const day = 86_400_000;
const end = Date.parse('2026-12-11T17:00:00Z');

describe('the panel’s words, without React', () => {
  it('counts the days left of an active sprint to a tenth, as the insight’s words do, and names a closed or future one', () => {
    expect(sprintProgress(sprint('active'), end - 3 * day)).toBe('3 days left');
    expect(sprintProgress(sprint('active'), end - 2.14 * day)).toBe('2.1 days left');
    expect(sprintProgress(sprint('active'), end - 1 * day)).toBe('1 day left');
    expect(sprintProgress(sprint('active'), end - 0.5 * day)).toBe('0.5 days left');
    expect(sprintProgress(sprint('active'), end + day)).toBe('past its end date');
    expect(sprintProgress(sprint('closed'), end - 3 * day)).toBe('ended');
    expect(sprintProgress(sprint('future'), end - 20 * day)).toBe('not started');
  });

  it('writes the sprint’s dates in the dashboard’s time zone', () => {
    expect(sprintDates(sprint('active'), end - 3 * day, 'utc')).toBe('30 Nov – 11 Dec · 3 days left');
    // 17:00 UTC on the 11th is already the 12th in Auckland.
    expect(sprintDates(sprint('closed'), end, 'Pacific/Auckland')).toBe('30 Nov – 12 Dec · ended');
  });

  it('puts the most severe items first, keeping the writer’s order among equals, at least one', () => {
    const item = (title: string, severity: InsightItem['severity']) => ({ title, severity }) as InsightItem;
    const items = [item('a', 'low'), item('b', 'high'), item('c', 'medium'), item('d', 'high')];
    expect(mostSevere(items, 3).map((i) => i.title)).toEqual(['b', 'd', 'c']);
    expect(mostSevere(items, 0).map((i) => i.title)).toEqual(['b']);
  });

  it('says who wrote the insight', () => {
    expect(sourceLabel({ source: 'llm', model: 'gpt-4o-mini' } as SprintHealthInsight)).toBe('Written by gpt-4o-mini');
    expect(sourceLabel({ source: 'llm', model: null } as SprintHealthInsight)).toBe('Written by an LLM');
    expect(sourceLabel({ source: 'rules', model: null } as SprintHealthInsight)).toBe('Rule-based');
  });

  it('colours each status with the theme’s own status colour', () => {
    const theme = createTheme({ colors: { mode: 'light' } });
    expect(statusColor(theme, 'on_track')).toBe(theme.colors.success);
    expect(statusColor(theme, 'at_risk')).toBe(theme.colors.warning);
    expect(statusColor(theme, 'off_track')).toBe(theme.colors.error);
  });
});

describe('the score basis', () => {
  it('spells out how the rules reached the score', () => {
    expect(
      scoreArithmetic(58, {
        rules: 'sprint-score/v1',
        sentence: 'At risk: scope changed by 31% since the start',
        decisive: 'scope',
        deductions: [
          { rule: 'scope', points: 30 },
          { rule: 'behind', points: 12 },
        ],
      })
    ).toBe('Score 58 = 100 − 30 (scope) − 12 (behind), by the rules sprint-score/v1');
  });

  it('lists the refused items where and why', () => {
    const refused = [
      { section: 'risks' as const, index: 0, reasons: ['its title writes a link'] },
      { section: 'recommendations' as const, index: 2, reasons: ['a', 'b'] },
    ];
    expect(refusedLabel(refused)).toBe('2 items left out by the grounding check');
    expect(refusedLines(refused)).toEqual(['Risk 1: its title writes a link', 'Recommendation 3: a; b']);
  });
});

describe('the forecast', () => {
  const ok: SprintForecast = {
    state: 'ok',
    reason: null,
    historyDays: 60,
    remainingIssues: 11,
    workingDaysLeft: 3,
    finishProbabilityPct: 62.4,
    doneBy: [
      { pct: 50, date: '2026-03-12' },
      { pct: 70, date: '2026-03-16' },
      { pct: 85, date: '2026-03-17' },
      { pct: 95, date: '2026-03-20' },
    ],
    spreadWorkingDays: 6,
  };
  const lowHistory: SprintForecast = {
    ...ok,
    state: 'low_history',
    reason: 'only 19 working days of history (fewer than 30): the answer may move a lot as days are added',
    historyDays: 19,
  };
  const refused: SprintForecast = {
    state: 'refused',
    reason: 'only 6 working days of history; a forecast needs at least 10',
    historyDays: 6,
    remainingIssues: null,
    workingDaysLeft: 3,
    finishProbabilityPct: null,
    doneBy: [],
    spreadWorkingDays: null,
  };
  // Friday 13 March, 17:00 UTC.
  const endAt = '2026-03-13T17:00:00Z';

  it('names a calendar day by its weekday, the same in every time zone', () => {
    expect(dayLabel('2026-03-12')).toBe('Thu 12 Mar');
    expect(dayLabel('2026-12-31')).toBe('Thu 31 Dec');
    expect(calendarDay(endAt, 'utc')).toBe('2026-03-13');
    expect(calendarDay('2026-03-13T23:30:00Z', 'Pacific/Auckland')).toBe('2026-03-14');
  });

  it('heads with the chance of finishing by the sprint’s end', () => {
    expect(forecastHeadline(ok, endAt, 'utc')).toBe('62.4% likely to finish by Fri 13 Mar');
    expect(forecastHeadline(lowHistory, endAt, 'utc')).toBe('62.4% likely to finish by Fri 13 Mar');
    // The end day is the dashboard's: 17:00 UTC is already Saturday in Auckland.
    expect(forecastHeadline(ok, endAt, 'Pacific/Auckland')).toBe('62.4% likely to finish by Sat 14 Mar');
  });

  it('says 0% and 100% as they are, and a chance to the tenth the API’s own words use', () => {
    expect(forecastHeadline({ ...ok, finishProbabilityPct: 0 }, endAt, 'utc')).toBe(
      '0% likely to finish by Fri 13 Mar'
    );
    expect(forecastHeadline({ ...ok, finishProbabilityPct: 100 }, endAt, 'utc')).toBe(
      '100% likely to finish by Fri 13 Mar'
    );
    // "Off track: 6.5% likely to finish, …" says the basis beside it: never "7%" here.
    expect(chanceLabel(6.5)).toBe('6.5%');
    expect(chanceLabel(0.3)).toBe('0.3%');
    expect(chanceLabel(99.9)).toBe('99.9%');
    expect(chanceLabel(50)).toBe('50%');
  });

  it('has no headline, dates or bar when refused or absent', () => {
    for (const f of [refused, null, undefined]) {
      expect(forecastHeadline(f, endAt, 'utc')).toBeUndefined();
      expect(forecastPercentiles(f)).toEqual([]);
    }
    expect(forecastDetail(refused)).toBeUndefined();
    expect(forecastFan(refused, '2026-03-11', '2026-03-13')).toBeUndefined();
  });

  it('writes each percentile as words, a date beyond a year too', () => {
    expect(forecastPercentiles(ok).map((p) => `${p.chance} ${p.when}`)).toEqual([
      '50% by Thu 12 Mar',
      '70% by Mon 16 Mar',
      '85% by Tue 17 Mar',
      '95% by Fri 20 Mar',
    ]);
    const slow = { ...ok, doneBy: [...ok.doneBy.slice(0, 3), { pct: 95, date: null }], spreadWorkingDays: null };
    expect(forecastPercentiles(slow).map((p) => `${p.chance} ${p.when}`)).toEqual([
      '50% by Thu 12 Mar',
      '70% by Mon 16 Mar',
      '85% by Tue 17 Mar',
      '95% not within a year',
    ]);
  });

  it('says what is left and how steady the team is', () => {
    expect(forecastDetail(ok)).toEqual(['11 issues left', '3 working days to go', '50% to 95% spans 6 working days']);
    expect(forecastDetail({ ...ok, remainingIssues: 1, workingDaysLeft: 1, spreadWorkingDays: null })).toEqual([
      '1 issue left',
      '1 working day to go',
    ]);
  });

  it('says nothing is left when every issue is done, rather than dating nothing', () => {
    const done = {
      ...ok,
      remainingIssues: 0,
      finishProbabilityPct: 100,
      doneBy: ok.doneBy.map((d) => ({ ...d, date: null })),
    };
    expect(forecastHeadline(done, endAt, 'utc')).toBe('Nothing left to finish: every issue in the sprint is done');
    expect(forecastPercentiles(done)).toEqual([]);
    expect(forecastDetail(done)).toBeUndefined();
  });

  it('warns of little history, says why there is no forecast, and nothing else', () => {
    expect(forecastNote(lowHistory)).toEqual({
      tone: 'warning',
      text: 'Only 19 working days of history (fewer than 30): the answer may move a lot as days are added',
    });
    expect(forecastNote(refused)).toEqual({
      tone: 'refused',
      text: 'No forecast: only 6 working days of history; a forecast needs at least 10',
    });
    expect(forecastNote({ ...refused, reason: null })?.text).toBe('No forecast: too little history');
    expect(forecastNote(ok)).toBeUndefined();
    expect(forecastNote(null)).toBeUndefined();
  });

  it('places the dates and the sprint’s end on the bar by calendar day', () => {
    // 11 to 20 March: ten days drawn.
    const fan = forecastFan(ok, '2026-03-11', '2026-03-13')!;
    expect(fan.ticks).toEqual([
      { pct: 50, at: 0.15 },
      { pct: 70, at: 0.55 },
      { pct: 85, at: 0.65 },
      { pct: 95, at: 0.95 },
    ]);
    expect(fan.band).toEqual({ from: 0.15, to: 0.95, open: false });
    // The end of Friday: a date that day is before the line, Monday's after it.
    expect(fan.end).toBeCloseTo(0.3);
  });

  it('runs the band off the bar when a date is not within a year, and keeps the end inside it', () => {
    const slow = { ...ok, doneBy: [...ok.doneBy.slice(0, 2), { pct: 85, date: null }, { pct: 95, date: null }] };
    const fan = forecastFan(slow, '2026-03-11', '2026-03-20')!;
    expect(fan.ticks.map((t) => t.pct)).toEqual([50, 70]);
    expect(fan.band).toEqual({ from: fan.ticks[0].at, to: 1, open: true });
    expect(fan.end).toBeLessThan(1);

    const never = { ...ok, doneBy: ok.doneBy.map((d) => ({ ...d, date: null })) };
    const none = forecastFan(never, '2026-03-11', '2026-03-13')!;
    expect(none.ticks).toEqual([]);
    expect(none.band.open).toBe(true);
    expect(none.band.from).toBeGreaterThanOrEqual(none.end);
  });

  it('draws a forecast made on the sprint’s last day', () => {
    const today = { ...ok, doneBy: ok.doneBy.map((d) => ({ ...d, date: '2026-03-13' })) };
    const fan = forecastFan(today, '2026-03-13', '2026-03-13')!;
    expect(fan.ticks.every((t) => t.at === 0.5)).toBe(true);
    expect(fan.end).toBe(1);
  });
});
