import { z } from 'zod';
import { errorMessage } from '../errors.js';

/**
 * Why an LLM answer could not be read, in a sentence a reader of the fallback reason can
 * act on: which field, and what was wrong with it ("risks[0].severity should be one of
 * high, medium or low"), rather than the first line of a serialised error.
 */
export function describeShapeError(err: unknown): string | undefined {
  if (err instanceof SyntaxError)
    return `the LLM answer was not valid JSON: ${errorMessage(err).split('\n')[0]!.slice(0, 200)}`;
  if (err instanceof z.ZodError || (err instanceof Error && err.name === 'ZodError')) {
    const issues = (err as z.ZodError).issues ?? [];
    if (!issues.length) return "the LLM answer did not have the insight's shape";
    const more = issues.length - 1;
    return (
      `the LLM answer did not have the insight's shape: ${describeIssue(issues[0]!)}` +
      (more ? ` (and ${more} more ${more === 1 ? 'problem' : 'problems'})` : '')
    );
  }
  return undefined;
}

/** `['risks', 0, 'severity']` as a reader writes it: `risks[0].severity`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (s, p) => (typeof p === 'number' ? `${s}[${p}]` : s ? `${s}.${String(p)}` : String(p)),
    '',
  );
}

const article = (noun: string) => (/^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`);
const orList = (xs: string[]) =>
  xs.length < 2 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs.at(-1)}`;

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = fieldPath(issue.path) || 'the answer';
  switch (issue.code) {
    case 'invalid_type': {
      const received = /received (\w+)/.exec(issue.message)?.[1];
      if (received === 'undefined') return `${field} is missing`;
      return `${field} should be ${article(issue.expected)}${received ? `, not ${article(received)}` : ''}`;
    }
    case 'invalid_value':
      return `${field} should be one of ${orList(issue.values.map((v) => String(v)))}`;
    case 'too_big':
      return `${field} is too long (at most ${String(issue.maximum)})`;
    case 'too_small':
      return `${field} is too short (at least ${String(issue.minimum)})`;
    default:
      return `${field} is not valid: ${issue.message.slice(0, 120)}`;
  }
}
