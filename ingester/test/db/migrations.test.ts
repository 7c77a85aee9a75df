import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  listMigrations,
  listViewDefinitions,
  migrate,
  migrationStatus,
  SQL_DIR,
} from '../../src/db/migrations.js';
import { Database } from '../../src/db/database.js';
import { freshDatabase, quietLog, type TestDatabase } from '../support/database.js';

describe('migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(async () => t.drop());

  it('apply from empty, creating the schemas and run tables', async () => {
    expect((await migrationStatus(t.db)).current).toBe(false);
    const { applied } = await migrate(t.db);
    expect(applied).toEqual(listMigrations().map((m) => m.id));
    const { rows } = await t.db.query<{ nspname: string }>(
      `SELECT nspname FROM pg_namespace WHERE nspname IN ('source','metrics','ops') ORDER BY 1`,
    );
    expect(rows.map((r) => r.nspname)).toEqual(['metrics', 'ops', 'source']);
    for (const table of ['ops.sync_state', 'ops.sync_runs']) {
      const r = await t.db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table]);
      expect(r.rows[0]?.t).toBe(table);
    }
    expect(await migrationStatus(t.db)).toEqual({ current: true, pending: [] });
  });

  it('re-run as a no-op', async () => {
    const before = await t.db.query('SELECT id, checksum, applied_at FROM ops.schema_migrations ORDER BY id');
    const { applied, definitions } = await migrate(t.db);
    expect(applied).toEqual([]);
    expect(definitions).toEqual([]);
    const after = await t.db.query('SELECT id, checksum, applied_at FROM ops.schema_migrations ORDER BY id');
    expect(after.rows).toEqual(before.rows);
  });

  it('refuse a migration edited after it was applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mig-'));
    cpSync(SQL_DIR, dir, { recursive: true });
    const first = listMigrations()[0]!;
    writeFileSync(join(dir, `migrations/${first.id}.sql`), `${first.sql}\n-- edited\n`);
    await expect(migrate(t.db, { dir })).rejects.toThrow(/was changed after it was applied/);
  });

  it('refuse to run against a database migrated by a newer version', async () => {
    await t.db.query(`INSERT INTO ops.schema_migrations (id, checksum) VALUES ('9999_from_the_future', 'x')`);
    await expect(migrate(t.db)).rejects.toThrow(/9999_from_the_future.*does not know/);
    await t.db.query(`DELETE FROM ops.schema_migrations WHERE id = '9999_from_the_future'`);
  });
});

describe('two concurrent migrate runs', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
  });
  afterAll(async () => t.drop());

  it('apply each migration exactly once, without errors', async () => {
    const second = new Database(t.url, t.embedded, quietLog);
    try {
      const [a, b] = await Promise.all([migrate(t.db), migrate(second)]);
      const all = listMigrations().map((m) => m.id);
      expect([...a.applied, ...b.applied].sort()).toEqual(all);
      // The definitions are applied by whichever run got there first, once.
      expect([...a.definitions, ...b.definitions]).toEqual(listViewDefinitions().map((d) => d.name));
      const { rows } = await t.db.query<{ n: string }>(
        'SELECT count(*)::text AS n FROM ops.schema_migrations',
      );
      expect(Number(rows[0]!.n)).toBe(all.length);
    } finally {
      await second.pool.end();
    }
  });
});
