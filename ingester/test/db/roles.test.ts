import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { Client } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrations.js';
import { runAsReader } from '../support/grafana/harness.js';
import { freshDatabase, pgErrorCode, type TestDatabase } from '../support/database.js';

const DENIED = '42501';

/**
 * grafana_reader may read schema `metrics` and nothing else. Checked through
 * SET LOCAL ROLE (the embedded database does not check logins), and on real
 * PostgreSQL also through a real login as grafana_reader.
 */
describe('grafana_reader', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await freshDatabase();
    await migrate(t.db, { readerPassword: 'reader-secret-pw' });
    // Created after the migration that set the grants: default privileges must cover it.
    await t.db.query(`
      CREATE TABLE metrics.example (team text, value numeric);
      INSERT INTO metrics.example VALUES ('payments', 1.5);
      CREATE VIEW metrics.example_view AS SELECT team FROM metrics.example;
      CREATE MATERIALIZED VIEW metrics.example_mv AS SELECT team FROM metrics.example;
      CREATE TABLE source.secret (x int);
      INSERT INTO ops.sync_state (source, scope) VALUES ('github', 'org/repo');`);
  });
  afterAll(async () => t.drop());

  /** Each statement in its own transaction, as the reader; always rolled back. */
  async function asReader(sql: string): Promise<string | undefined> {
    return t.db
      .tx(async (c: Client) => {
        await c.query('SET LOCAL ROLE grafana_reader');
        const code = await pgErrorCode(c.query(sql));
        throw new Rollback(code);
      })
      .catch((e: unknown) => {
        if (e instanceof Rollback) return e.code;
        throw e;
      });
  }
  class Rollback {
    constructor(readonly code: string | undefined) {}
  }

  it('reads tables, views and materialized views in metrics, including ones created later', async () => {
    expect(await asReader('SELECT * FROM metrics.example')).toBeUndefined();
    expect(await asReader('SELECT * FROM metrics.example_view')).toBeUndefined();
    expect(await asReader('SELECT * FROM metrics.example_mv')).toBeUndefined();
  });

  it('cannot read source or ops', async () => {
    expect(await asReader('SELECT * FROM source.secret')).toBe(DENIED);
    expect(await asReader('SELECT * FROM ops.sync_state')).toBe(DENIED);
    expect(await asReader('SELECT * FROM ops.sync_runs')).toBe(DENIED);
  });

  it('cannot write anywhere', async () => {
    expect(await asReader(`INSERT INTO metrics.example VALUES ('x', 1)`)).toBe(DENIED);
    expect(await asReader(`UPDATE metrics.example SET value = 0`)).toBe(DENIED);
    expect(await asReader(`DELETE FROM metrics.example`)).toBe(DENIED);
    expect(await asReader(`CREATE TABLE metrics.mine (x int)`)).toBe(DENIED);
    expect(await asReader(`CREATE TABLE public.mine (x int)`)).toBe(DENIED);
    expect(await asReader(`REFRESH MATERIALIZED VIEW metrics.example_mv`)).toBe(DENIED);
    expect(await asReader(`INSERT INTO ops.sync_state (source, scope) VALUES ('jira', 'X')`)).toBe(DENIED);
  });

  it('runs without JIT compilation and sorts in 16 MB in this database, which the query harness runs with as a login would', async () => {
    const { rows } = await t.db.query<{ config: string[] }>(
      `SELECT s.setconfig AS config FROM pg_db_role_setting s
        WHERE s.setrole = 'grafana_reader'::regrole
          AND s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())`,
    );
    expect(rows.flatMap((r) => r.config)).toEqual(expect.arrayContaining(['jit=off', 'work_mem=16MB']));
    expect((await runAsReader(t.db, 'SHOW jit')).rows).toEqual([['off']]);
    expect((await runAsReader(t.db, 'SHOW work_mem')).rows).toEqual([['16MB']]);
  });

  it('logs in over the wire with least privilege (real PostgreSQL only)', async () => {
    if (t.embedded) {
      console.info('skipped on the embedded database: PGlite accepts any login as the superuser');
      return;
    }
    const url = new URL(t.url);
    url.username = 'grafana_reader';
    url.password = 'reader-secret-pw';
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    try {
      expect((await c.query('SELECT current_user AS u')).rows[0].u).toBe('grafana_reader');
      // Dashboards' queries are short: no JIT compilation in front of them.
      expect((await c.query('SHOW jit')).rows[0].jit).toBe('off');
      expect((await c.query('SHOW work_mem')).rows[0].work_mem).toBe('16MB');
      expect((await c.query('SELECT count(*)::int AS n FROM metrics.example')).rows[0].n).toBe(1);
      expect(await pgErrorCode(c.query('SELECT * FROM ops.sync_runs'))).toBe(DENIED);
      expect(await pgErrorCode(c.query(`INSERT INTO metrics.example VALUES ('x', 1)`))).toBe(DENIED);
    } finally {
      await c.end();
    }
  });
});
