import { z } from 'zod';

/**
 * An optional field of a real service's payload, which it may send as `null` as well as
 * leave out (Jira's `completeDate` of a sprint not completed, GitHub's nullable fields):
 * `null` reads as absent. Use it for every field a record can do without, so that one
 * null never costs the record.
 */
export function optional<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (v === null ? undefined : v), schema.optional());
}

/**
 * An optional identifier that may also come as `null` or `""`: Jira Cloud documents the
 * retired `key` and `name` of a user as empty strings beside its `accountId`.
 */
export function optionalId() {
  return z.preprocess((v) => (v === null || v === '' ? undefined : v), z.string().min(1).optional());
}
