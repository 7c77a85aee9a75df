import { createHash } from 'node:crypto';

/**
 * JSON with object keys sorted at every level, so equal data always gives equal text
 * (and hash) whatever order SQL or JavaScript built it in.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

/** The cache key of a fact sheet: `sha256:` and the hex digest of its canonical JSON. */
export function factsHash(facts: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(facts)).digest('hex')}`;
}
