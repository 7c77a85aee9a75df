import { BoundedMap } from '../bounded-map.js';
import type { Queryable } from '../db/database.js';

/**
 * What the metrics were computed from, as a string that changes whenever it may have:
 * every sync and every refresh leaves a run in ops.sync_runs as it starts and as it
 * ends. Anything derived from the data can be kept until this changes.
 */
export async function dataVersion(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ v: string }>(
    // The latest runs by id (an index scan): a run that ends after 200 newer ones have
    // started is seen through the newer ones.
    `SELECT coalesce(max(id), 0) || '/' || coalesce(max(finished_at)::text, '') AS v
       FROM (SELECT id, finished_at FROM ops.sync_runs ORDER BY id DESC LIMIT 200) r`,
  );
  return rows[0]?.v ?? '';
}

/**
 * Answers computed from the data, kept while the data version stays the same: dashboards
 * and the panel ask the same questions over and over between two syncs. Requests for
 * an answer being computed wait for it instead of computing it again.
 */
export class AnswerCache {
  private readonly entries: BoundedMap<string, Promise<unknown>>;

  constructor(
    private readonly db: Queryable,
    size = 500,
  ) {
    this.entries = new BoundedMap(size);
  }

  async get<T>(question: string, compute: () => Promise<T>): Promise<T> {
    const key = `${await dataVersion(this.db)}|${question}`;
    let answer = this.entries.get(key) as Promise<T> | undefined;
    if (answer) {
      // Most recently used last, so eviction takes the oldest.
      this.entries.set(key, answer);
      return answer;
    }
    answer = compute();
    this.entries.set(key, answer);
    answer.catch(() => this.entries.delete(key));
    return answer;
  }
}
