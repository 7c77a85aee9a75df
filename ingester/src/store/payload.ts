/**
 * What every source does to text and payloads before they are stored: PostgreSQL
 * refuses NUL characters and lone surrogates in text and jsonb, and people are kept
 * as logins or account ids with display names, never email addresses.
 */

/** Text PostgreSQL will store: no NUL characters, no lone surrogates. */
export function clean(s: string): string;
export function clean(s: string | null | undefined): string | null;
export function clean(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  return s.replaceAll('\u0000', '').toWellFormed();
}

/** A payload as stored: strings cleaned, every email field removed. */
export function stripForStorage(value: unknown): unknown {
  if (typeof value === 'string') return clean(value);
  if (Array.isArray(value)) return value.map(stripForStorage);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (!/e-?mail/i.test(k)) out[k] = stripForStorage(v);
    return out;
  }
  return value;
}
