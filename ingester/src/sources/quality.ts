import type { z } from 'zod';
import type { Logger } from '../log.js';

/**
 * What a sync could not take as it came, counted by cause for the run record
 * (`ops.sync_runs.details`) and the ingestion-health dashboard:
 *   skipped  a record that cannot be placed at all (no id, no timestamp it is keyed by)
 *   degraded a field dropped from a record that was kept (a story-point value of another
 *            type, a changelog entry's unusable author, a list GitHub could not serve)
 * Causes name the kind of record, the field and what was wrong, never the record, so that
 * a thousand records with one problem are one line; the first few records of each cause are
 * logged with their ids.
 */
export class RecordQuality {
  private readonly skips = new Map<string, number>();
  private readonly drops = new Map<string, number>();
  readonly skippedIds: string[] = [];

  constructor(private readonly log: Logger) {}

  skip(record: string, cause: string): void {
    const n = bump(this.skips, cause);
    if (this.skippedIds.length < 50) this.skippedIds.push(record);
    if (n <= LOGGED_PER_CAUSE) this.log.warn({ record, cause }, 'malformed record skipped');
  }

  /** Every record parseEach left out; `scope` prefixes ids that are only unique within it. */
  skipAll(bad: BadRecord[], scope?: string): void {
    for (const b of bad) this.skip(scope ? `${scope} ${b.id}` : b.id, b.cause);
  }

  /** `field` of `record` was dropped because `why`; the record is kept. */
  degrade(record: string, field: string, why: string): void {
    const n = bump(this.drops, `${field}: ${why}`);
    if (n <= LOGGED_PER_CAUSE) this.log.warn({ record, field, why }, 'field dropped, record kept');
  }

  get skipped(): number {
    return sum(this.skips);
  }

  get degraded(): number {
    return sum(this.drops);
  }

  /** For the run record's details. */
  details(): { skipped: Record<string, number>; degraded: Record<string, number>; skippedRecords: string[] } {
    return {
      skipped: Object.fromEntries(this.skips),
      degraded: Object.fromEntries(this.drops),
      skippedRecords: this.skippedIds,
    };
  }
}

const LOGGED_PER_CAUSE = 5;

function bump(m: Map<string, number>, key: string): number {
  const n = (m.get(key) ?? 0) + 1;
  m.set(key, n);
  return n;
}

const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

export interface BadRecord {
  /** The record's key, number or id as the service gives it (`#3` for the fourth of a list without one). */
  id: string;
  /** What was wrong, without the id: `issue: fields.created is not a Jira timestamp`. */
  cause: string;
}

/**
 * Checks each item of a list: the ones that fit, and for the others their id and what was
 * wrong. A null item (GitHub nulls a node it cannot serve) is a bad record too.
 */
export function parseEach<T>(
  schema: z.ZodType<T>,
  items: readonly unknown[],
  what: string,
): { ok: T[]; bad: BadRecord[] } {
  const ok: T[] = [];
  const bad: BadRecord[] = [];
  items.forEach((item, i) => {
    if (item === null || item === undefined) {
      bad.push({ id: `#${i}`, cause: `${what}: missing (null in the response)` });
      return;
    }
    const r = schema.safeParse(item);
    if (r.success) ok.push(r.data);
    else {
      const o = item as { key?: unknown; number?: unknown; id?: unknown };
      const issue = r.error.issues[0]!;
      bad.push({
        id: String(o.key ?? o.number ?? o.id ?? `#${i}`),
        cause: `${what}: ${issue.path.join('.') || '(the record)'} ${issue.message}`,
      });
    }
  });
  return { ok, bad };
}
