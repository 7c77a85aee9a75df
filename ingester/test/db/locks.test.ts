import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Database } from '../../src/db/database.js';
import { freshDatabase, quietLog, type TestDatabase } from '../support/database.js';

describe('advisory locks', () => {
  let t: TestDatabase;
  let other: Database;
  beforeAll(async () => {
    t = await freshDatabase();
    // A second pool on the same database stands for a second replica.
    other = new Database(t.url, t.embedded, quietLog);
  });
  afterAll(async () => {
    await other.pool.end();
    await t.drop();
  });

  it('let one holder at a time run a job, then the next', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = t.db.withLock('sync:github:acme/api', async () => {
      await held;
      return 'first';
    });
    await new Promise((r) => setTimeout(r, 50));
    const blocked = await other.withLock('sync:github:acme/api', async () => 'second');
    expect(blocked).toEqual({ acquired: false });
    const unrelated = await other.withLock('sync:jira:PAY', async () => 'other lock');
    expect(unrelated).toEqual({ acquired: true, result: 'other lock' });
    release();
    expect(await first).toEqual({ acquired: true, result: 'first' });
    expect(await other.withLock('sync:github:acme/api', async () => 'second')).toEqual({
      acquired: true,
      result: 'second',
    });
  });

  it('release the lock when the job throws', async () => {
    await expect(t.db.withLock('job', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await other.withLock('job', async () => 1)).toEqual({ acquired: true, result: 1 });
  });
});
