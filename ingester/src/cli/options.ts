import { InvalidArgumentError } from 'commander';

/** Parsers of command-line option values: a bad one is refused by commander, naming the option. */

export const wholeNumber =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `expected a whole number of at least ${min}`
          : `expected a whole number from ${min} to ${max}`,
      );
    return n;
  };

export const port = wholeNumber(0, 65535);

export function parseDate(value: string): Date {
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(t))
    throw new InvalidArgumentError('expected a date such as 2026-01-31');
  return new Date(t);
}
