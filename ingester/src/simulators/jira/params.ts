import { ALL_FIELDS } from './render.js';
import { HttpError } from './http.js';

/** Request parameters as Jira reads them, from a query string or a JSON body. */

/** GET parameters in the shape of a POST body (repeated and comma-separated lists). */
export function fromQuery(q: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(q.keys())) out[key] = key === 'fields' ? q.getAll(key) : q.get(key);
  return out;
}

export function intParam(v: unknown, fallback: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new HttpError(400, `'${String(v)}' is not a valid number.`);
  return n;
}

/** `startAt` and `maxResults`, the latter `byDefault` when absent and at most `cap`. */
export function offsetPaging(q: URLSearchParams, byDefault: number, cap: number) {
  const startAt = Math.max(0, intParam(q.get('startAt'), 0));
  const maxResults = Math.min(cap, Math.max(1, intParam(q.get('maxResults'), byDefault)));
  return { startAt, maxResults };
}

/** The fields a request names: null for every field; `fallback` when it names none. */
export function wantedFields(v: unknown, fallback: Set<string> | null): Set<string> | null {
  const list = (Array.isArray(v) ? v : typeof v === 'string' ? [v] : [])
    .flatMap((x) => String(x).split(','))
    .map((x) => x.trim())
    .filter(Boolean);
  if (list.length === 0) return fallback;
  if (list.includes('*all') || list.includes('*navigable')) {
    const excluded = new Set(list.filter((f) => f.startsWith('-')).map((f) => f.slice(1)));
    return excluded.size ? new Set(ALL_FIELDS.filter((f) => !excluded.has(f))) : null;
  }
  return new Set(list.filter((f) => !f.startsWith('-')));
}

export function expandOf(v: unknown): Set<string> {
  const list = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',') : [];
  return new Set(list.map((x) => x.trim()).filter(Boolean));
}
