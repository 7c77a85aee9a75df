import { createTheme } from '@grafana/data';
import type { InsightItem, SprintHealthInsight } from '../../insight/types';
import {
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
