import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DemoDatabaseInUse, prepareDemoWorld } from '../src/cli/demo.js';
import { freshDatabase, type TestDatabase } from './support/database.js';

const HOUR = 3_600_000;
const spec = { prs: 300, repos: 4, days: 60, seed: 7 };
const now = Date.UTC(2026, 10, 20, 14, 25);

async function addIssue(t: TestDatabase, id: string): Promise<void> {
  await t.db.query(
    `INSERT INTO source.jira_issues (id, key, project_id, project_key, issue_type, issue_type_id, summary,
       status_id, created_at, updated_at, raw)
     VALUES ($1, 'PAY-' || $1, '1', 'PAY', 'Story', '10001', 'x', '3', now(), now(), '{}')`,
    [id],
  );
}

const issues = async (t: TestDatabase) =>
  Number((await t.db.query<{ n: string }>('SELECT count(*) AS n FROM source.jira_issues')).rows[0]!.n);

describe('the demo organisation kept in a database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
  });
  afterAll(() => t.drop());

  it('starts an organisation ending this hour, then regenerates the same one for a day', async () => {
    const first = await prepareDemoWorld(t.db, spec, { now });
    expect(first).toEqual({ end: Math.floor(now / HOUR) * HOUR, reused: false });
    await addIssue(t, '1');

    const later = await prepareDemoWorld(t.db, spec, { now: now + 20 * HOUR });
    expect(later).toEqual({ end: first.end, reused: true });
    expect(await issues(t)).toBe(1); // nothing cleared: the sync only confirms what is there
  });

  it('clears what it loaded when the organisation is a day old, asked to be fresh, or specified differently', async () => {
    const stale = await prepareDemoWorld(t.db, spec, { now: now + 30 * HOUR });
    expect(stale.reused).toBe(false);
    expect(stale.end).toBe(Math.floor((now + 30 * HOUR) / HOUR) * HOUR);
    expect(await issues(t)).toBe(0);

    await addIssue(t, '2');
    expect((await prepareDemoWorld(t.db, { ...spec, prs: 400 }, { now: now + 31 * HOUR })).reused).toBe(
      false,
    );
    expect(await issues(t)).toBe(0);

    await addIssue(t, '3');
    expect(
      (await prepareDemoWorld(t.db, { ...spec, prs: 400 }, { now: now + 31 * HOUR, fresh: true })).reused,
    ).toBe(false);
    expect(await issues(t)).toBe(0);
  });

  it('never writes generated data into a database holding data from real services', async () => {
    const other = await freshDatabase({ migrated: true });
    try {
      await addIssue(other, '10');
      await expect(prepareDemoWorld(other.db, spec, { now })).rejects.toThrow(DemoDatabaseInUse);
      await expect(prepareDemoWorld(other.db, spec, { now })).rejects.toThrow(/point DATABASE_URL/);
      expect(await issues(other)).toBe(1);
      expect((await other.db.query('SELECT * FROM ops.demo_world')).rowCount).toBe(0);
    } finally {
      await other.drop();
    }
  });
});
