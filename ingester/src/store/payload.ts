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

/** What a source adds to the rules below (kept to one pass over a payload). */
export interface PayloadRules {
  /** Keys dropped besides the email fields. */
  omit?: ReadonlySet<string>;
  /** Stands in for an object (a person by id and name); undefined walks it as usual. */
  replace?: (o: Record<string, unknown>) => Record<string, unknown> | undefined;
}

/** A payload as stored: strings cleaned, every email field removed. */
export function stripForStorage(value: unknown, rules: PayloadRules = {}): unknown {
  if (typeof value === 'string') return clean(value);
  if (Array.isArray(value)) return value.map((v) => stripForStorage(v, rules));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    const replaced = rules.replace?.(o);
    if (replaced) return stripForStorage(replaced);
    const out: Record<string, unknown> = {};
    for (const k in o) if (!rules.omit?.has(k) && !/e-?mail/i.test(k)) out[k] = stripForStorage(o[k], rules);
    return out;
  }
  return value;
}
