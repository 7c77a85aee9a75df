/**
 * The one source of "now" for what the ingester computes: the demo's generated
 * organisation, the API's default periods, the insight's as-of instant. Time-dependent
 * answers are tested by starting the process at a chosen instant (ENGMETRICS_NOW, or
 * `--now` on demo and simulate), never by stubbing Date. PostgreSQL's now() is the
 * database server's; the SQL reads it only in queries, never in what it stores.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that reads `start` now and then runs on at the real pace. */
export function clockStartingAt(start: Date, real: () => number = Date.now): Clock {
  const offset = start.getTime() - real();
  return { now: () => new Date(real() + offset) };
}

/** `2026-12-06T10:00:00Z`, `2026-12-06T10:00+01:00` or `2026-12-06` (midnight UTC); undefined if not an instant. */
export function parseInstant(text: string): Date | undefined {
  const ok = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i.test(
    text.trim(),
  );
  if (!ok) return undefined;
  const ms = Date.parse(text.trim().replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
