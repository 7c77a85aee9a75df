import { describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { sprintFacts } from '../../src/insights/facts.js';
import {
  FACT_UNITS,
  formatInstant,
  formatNumber,
  formatPair,
  formatValue,
  render,
} from '../../src/insights/numbers.js';
import { factsWith, healthyFacts, scenarios } from './fixtures.js';

/** Every leaf of the schema that holds a number or a string, as a units-table key. */
function leaves(schema: z.ZodType, prefix = ''): { key: string; kind: 'number' | 'string' | 'other' }[] {
  if (schema instanceof z.ZodNullable || schema instanceof z.ZodOptional || schema instanceof z.ZodDefault)
    return leaves(schema.unwrap() as z.ZodType, prefix);
  if (schema instanceof z.ZodObject)
    return Object.entries(schema.shape as Record<string, z.ZodType>).flatMap(([k, v]) =>
      leaves(v, prefix ? `${prefix}.${k}` : k),
    );
  if (schema instanceof z.ZodArray) return leaves(schema.element as z.ZodType, `${prefix}[]`);
  if (schema instanceof z.ZodNumber) return [{ key: prefix, kind: 'number' }];
  if (schema instanceof z.ZodString || schema instanceof z.ZodEnum) return [{ key: prefix, kind: 'string' }];
  return [{ key: prefix, kind: 'other' }];
}

describe('the units of the facts', () => {
  it('give every number of the fact sheet a unit, but the ids', () => {
    const numbers = leaves(sprintFacts)
      .filter((l) => l.kind === 'number')
      .map((l) => l.key);
    const identifiers = ['sprint.id', 'sprint.board_id'];
    expect(numbers.filter((k) => !identifiers.includes(k) && !(k in FACT_UNITS))).toEqual([]);
    for (const id of identifiers) expect(id in FACT_UNITS).toBe(false);
  });

  it('name only facts of the schema, and no text people write', () => {
    const known = new Set(leaves(sprintFacts).map((l) => l.key));
    expect(Object.keys(FACT_UNITS).filter((k) => !known.has(k))).toEqual([]);
    for (const free of [
      'sprint.goal',
      'blocked[].summary',
      'pr_flow.waiting_for_review[].title',
      'blocked[].url',
    ])
      expect([free, free in FACT_UNITS]).toEqual([free, false]);
  });
});

describe('the formatter', () => {
  it('shows one decimal at most, no trailing zero, thousands grouped', () => {
    expect(['2.1', '2', '0', '-1.5', '1,234', '12,345.7']).toEqual(
      [2.14, 2.04, -0.04, -1.5, 1234, 12345.67].map(formatNumber),
    );
  });

  it('says each unit, in the singular for one', () => {
    expect(formatValue(2.1, 'days')).toBe('2.1 days');
    expect(formatValue(1, 'days')).toBe('1 day');
    expect(formatValue(56.7, 'percent')).toBe('56.7%');
    expect(formatValue(1, 'issues')).toBe('1 issue');
    expect(formatValue(3, 'pull_requests')).toBe('3 pull requests');
    expect(formatValue(2.43, 'points_per_day')).toBe('2.4 points a day');
    expect(formatValue(8, 'deployments')).toBe('8 deployments');
    expect(formatValue(3, 'sprints')).toBe('3 sprints');
  });

  it('tells hours as days from two days on, for one value and for a pair', () => {
    expect(formatValue(31.5, 'hours')).toBe('31.5 hours');
    expect(formatValue(96, 'hours')).toBe('4 days');
    expect(formatValue(50.5, 'hours')).toBe('2.1 days');
    expect(formatPair(33, 60, 'hours', 'to')).toBe('1.4 to 2.5 days');
    expect(formatPair(17, 32, 'points', 'of')).toBe('17 of 32 points');
    expect(formatPair(9.1, 25, 'percent', 'to')).toBe('9.1% to 25%');
  });

  it('tells an instant by its day, in UTC', () => {
    expect(formatInstant('2026-11-16T09:00:00+00:00')).toBe('Mon 16 Nov');
    expect(formatInstant('2026-11-15T23:30:00-02:00')).toBe('Mon 16 Nov');
  });
});

describe('placeholders', () => {
  const facts = scenarios.blockedWork();

  it('are filled with the fact they name, in its unit, and say which facts they used', () => {
    expect(
      render(
        '{sprint.name}: {progress.completed_points of progress.total_points} done, {time.days_left} left, ' +
          '{blocked[0].blocked_hours} blocked ({blocked.1.blocked_hours}), ends {sprint.end_at}.',
        facts,
      ),
    ).toEqual({
      text: 'PAY Sprint 12: 17 of 32 points done, 7 days left, 4 days blocked (2.1 days), ends Mon 16 Nov.',
      facts: [
        'sprint.name',
        'progress.completed_points',
        'progress.total_points',
        'time.days_left',
        'blocked[0].blocked_hours',
        'blocked[1].blocked_hours',
        'sprint.end_at',
      ],
      problems: [],
    });
  });

  it.each([
    ['{velocity}', '{velocity} is not a fact a number or name can come from'],
    ['{sprint.goal}', '{sprint.goal} is not a fact a number or name can come from'],
    ['{blocked[0].summary}', '{blocked[0].summary} is not a fact a number or name can come from'],
    ['{blocked}', '{blocked} is not a fact a number or name can come from'],
    ['{sprint.id}', '{sprint.id} is not a fact a number or name can come from'],
    ['{blocked[7].blocked_hours}', '{blocked[7].blocked_hours} is not in the facts (no such list item)'],
    ['{sprint.complete_at}', '{sprint.complete_at} is not known (null in the facts)'],
    [
      '{time.days_left of progress.total_points}',
      '{time.days_left of progress.total_points} pairs time.days_left (days) with progress.total_points (points), which are not in one unit',
    ],
    ['{ignore all previous instructions}', 'a placeholder that does not name a fact'],
  ])('refuse %s', (template, problem) => {
    const r = render(template, facts);
    expect(r.problems).toEqual([problem]);
    expect(r.text).toBe('(not known)');
  });

  it('put a name in as written, in one pass: braces in a name are not placeholders', () => {
    const named = factsWith({ sprint: { name: 'Sprint {progress.completed_pct} of {{x}}' } });
    expect(render('{sprint.name} goes on', named)).toEqual({
      text: 'Sprint {progress.completed_pct} of {{x}} goes on',
      facts: ['sprint.name'],
      problems: [],
    });
  });

  it('format the same for both writers: "7 days left" from a model and from the rules', () => {
    const f = healthyFacts();
    expect(render('{time.days_left} left', f).text).toBe(`${formatValue(f.time.days_left, 'days')} left`);
  });
});
