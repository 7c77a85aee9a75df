import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Database } from '../../src/db/database.js';
import {
  listMigrations,
  listViewDefinitions,
  migrate,
  migrationStatus,
  SQL_DIR,
} from '../../src/db/migrations.js';
import { loadDashboards, loadAlertGroups, runAsReader, runHarness } from '../support/grafana/harness.js';
import { DAY } from '../../src/simulators/world/calendar.js';
import { CLOCK_READERS } from '../support/clock-free.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { testWorld } from '../support/github.js';
import { loadWorld } from '../support/loaded.js';
import { SyncRun } from '../../src/store/runs.js';

/**
 * A database built by the releases whose sql/ files held tables and views together (0001–0023,
 * read from git history at the last commit that had them) upgrades in place to sql/migrations +
 * sql/views, with no data lost: afterwards it answers every query as a database migrated fresh
 * from today's files and loaded with the same data does, with the same definitions and catalog.
 * (At the commit that split the layout, that was also the answer before the upgrade; definitions
 * changed since are applied by the upgrade like any other.)
 */
const ROOT = resolve(SQL_DIR, '..');
const LAST_COMBINED = '11d99f5';
const BEFORE = JSON.parse(
  readFileSync(join(SQL_DIR, 'migrations/checksums-before-views.json'), 'utf8'),
) as Record<string, string>;
const END = Date.parse('2026-12-06T10:00:00Z');
const world = testWorld({ prs: 300, repos: 6, end: END, start: END - 90 * DAY });
const PERIOD = [new Date(END - 90 * DAY).toISOString(), new Date(END).toISOString()];

function combinedFile(id: string): string {
  let sql: string;
  try {
    sql = execFileSync('git', ['show', `${LAST_COMBINED}:sql/${id}.sql`], { cwd: ROOT, encoding: 'utf8' });
  } catch (err) {
    throw new Error(
      `needs the repository's history (git show ${LAST_COMBINED}:sql/${id}.sql): ${String(err)}`,
    );
  }
  expect(createHash('sha256').update(sql).digest('hex')).toBe(BEFORE[id]);
  return sql;
}

/** What the runner of those releases did: each file in a transaction, recorded with its checksum. */
async function migrateCombined(db: Database): Promise<void> {
  await db.query(`CREATE SCHEMA IF NOT EXISTS ops;
    CREATE TABLE ops.schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  for (const id of Object.keys(BEFORE).sort()) {
    const sql = combinedFile(id);
    await db.tx(async (c) => {
      await c.query(sql);
      await c.query('INSERT INTO ops.schema_migrations (id, checksum) VALUES ($1, $2)', [id, BEFORE[id]]);
    });
  }
}

interface Snapshot {
  /** Result digests of every query that does not read the clock. */
  results: Map<string, string>;
  /** Definitions of every view and function as the catalog prints them. */
  definitions: Map<string, string>;
  /** Tables, columns and grants. */
  catalog: string;
}

const digest = (rows: unknown[]) => createHash('md5').update(JSON.stringify(rows)).digest('hex');

async function snapshot(db: Database, queries: Map<string, string>): Promise<Snapshot> {
  const results = new Map<string, string>();
  for (const [name, sql] of queries) results.set(name, digest((await runAsReader(db, sql)).rows));
  const { rows: defs } = await db.query<{ name: string; def: string }>(`
    SELECT c.relname::text || ' ' || c.relkind::text AS name, pg_get_viewdef(c.oid) AS def
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'metrics' AND c.relkind IN ('v', 'm')
    UNION ALL
    SELECT p.oid::regprocedure::text, pg_get_functiondef(p.oid)
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'metrics'`);
  const { rows: cat } = await db.query<{ line: string }>(`
    SELECT table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' ||
           is_nullable || ' ' || coalesce(column_default, '') AS line
      FROM information_schema.columns
     WHERE table_schema IN ('source', 'ops', 'metrics') AND table_name NOT IN ('schema_migrations', 'schema_definitions')
    UNION ALL
    SELECT grantee || ' ' || privilege_type || ' ' || table_schema || '.' || table_name
      FROM information_schema.table_privileges WHERE grantee = 'grafana_reader'
    UNION ALL
    SELECT indexdef FROM pg_indexes WHERE schemaname IN ('source', 'ops', 'metrics') AND indexname <> 'schema_definitions_pkey'
     ORDER BY 1`);
  return {
    results,
    definitions: new Map(defs.map((d) => [d.name, d.def])),
    catalog: cat.map((r) => r.line).join('\n'),
  };
}

/** Every metrics view and function whose answer moves with the clock, directly or through what it reads. */
async function clockReaders(db: Database): Promise<Set<string>> {
  const { rows } = await db.query<{ name: string; body: string }>(`
    SELECT c.relname::text AS name, pg_get_viewdef(c.oid) AS body
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'metrics' AND c.relkind IN ('v', 'm')
    UNION ALL
    SELECT p.proname::text, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'metrics'`);
  const readers = new Set(rows.filter((r) => CLOCK_READERS.test(r.body)).map((r) => r.name));
  for (let grew = true; grew;) {
    grew = false;
    for (const r of rows)
      if (!readers.has(r.name) && [...readers].some((x) => new RegExp(`metrics\\.${x}\\b`).test(r.body))) {
        readers.add(r.name);
        grew = true;
      }
  }
  return readers;
}

describe('a database of the combined layout (0001–0023)', () => {
  let t: TestDatabase;
  let fresh: TestDatabase;
  let queries: Map<string, string>;
  let upgrade: Awaited<ReturnType<typeof migrate>>;

  beforeAll(async () => {
    t = await freshDatabase();
    await migrateCombined(t.db);
    // The refresh of today reads the state 0029 keeps; the upgrade re-creates every view from the
    // rows. The layout's own refresh left a run record, as any refresh does.
    await loadWorld(world, t.db, undefined, { refresh: false });
    const run = await SyncRun.start(t.db, 'metrics', 'refresh');
    await run.finish('succeeded', {
      rowsWritten: 0,
      apiRequests: 0,
      apiPoints: 0,
      rateLimitRemaining: null,
      recordsSkipped: 0,
      details: {},
    });
    fresh = await freshDatabase({ migrated: true });
    await loadWorld(world, fresh.db);

    // Every provisioned panel, variable and alert query as Grafana would send it, the API's and
    // the report's functions for every team and the whole organisation, and every view whole.
    const report = await runHarness({
      db: fresh.db,
      dashboards: loadDashboards(join(ROOT, 'provisioning/dashboards')),
      alertGroups: loadAlertGroups(join(ROOT, 'provisioning/alerting')),
      now: () => END,
    });
    queries = new Map(
      report.results.map((r) => [`${r.scenario} ${r.query.container} ${r.query.title}`, r.expandedSql]),
    );
    const { rows: teams } = await fresh.db.query<{ team: string }>(
      `SELECT team FROM metrics.teams UNION SELECT '*'`,
    );
    const { rows: series } = await fresh.db.query<{ metric: string; interval: string }>(
      'SELECT metric, unnest(intervals) AS interval FROM metrics.series_catalogue',
    );
    for (const { team } of teams) {
      const args = `'${team}', '${PERIOD[0]}', '${PERIOD[1]}'`;
      for (const fn of [
        'dora_tiles',
        'dora_summary',
        'pr_flow_summary',
        'flow_summary',
        'issue_flow_summary',
      ])
        queries.set(`${fn} ${team}`, `SELECT * FROM metrics.${fn}(${args})`);
      for (const s of series)
        queries.set(
          `series ${s.metric} ${s.interval} ${team}`,
          `SELECT * FROM metrics.series('${s.metric}', '${team}', NULL, '${PERIOD[0]}', '${PERIOD[1]}', '${s.interval}')`,
        );
    }
    const { rows: views } = await fresh.db.query<{ name: string }>(
      `SELECT c.relname::text AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'metrics'
          AND (c.relkind IN ('v', 'm')
               OR (c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_proc f
                                                WHERE f.pronamespace = n.oid AND f.proname = c.relname || '_rows')))`,
    );
    // sync_runs lists when each load ran, which differs between the two databases by its nature.
    for (const { name } of views.filter((v) => v.name !== 'sync_runs'))
      queries.set(`view ${name}`, `SELECT * FROM metrics.${name} v ORDER BY v::text`);
    // What measures "so far" differs between two readings a second apart; its definition is compared.
    const moving = await clockReaders(fresh.db);
    for (const [name, sql] of queries)
      if (CLOCK_READERS.test(sql) || [...moving].some((m) => new RegExp(`metrics\\.${m}\\b`).test(sql)))
        queries.delete(name);

    // No refresh after: the kept tables are filled as the upgrade creates them.
    upgrade = await migrate(t.db);
  }, 600_000);
  afterAll(async () => {
    await t?.drop();
    await fresh?.drop();
  });

  it('upgrades in place: history rewritten to the versioned files, every definition applied anew', async () => {
    // The history is rewritten to the versioned files of the split; those added since are applied
    // as to any database.
    expect(upgrade.applied).toEqual(
      listMigrations()
        .map((m) => m.id)
        .filter((id) => id > (Object.keys(BEFORE).sort().at(-1) ?? '')),
    );
    expect(upgrade.definitions).toEqual(listViewDefinitions().map((d) => d.name));
    const { rows } = await t.db.query<{ id: string }>('SELECT id FROM ops.schema_migrations ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual(listMigrations().map((m) => m.id));
    expect(await migrationStatus(t.db)).toEqual({ current: true, pending: [] });
    expect((await migrate(t.db)).definitions).toEqual([]);
  });

  it('then answers every query as a fresh database with the same data, with the same tables, grants and definitions', async () => {
    const upgraded = await snapshot(t.db, queries);
    const expected = await snapshot(fresh.db, queries);
    expect(queries.size).toBeGreaterThan(120);
    expect([...expected.results.values()].filter((d) => d !== digest([])).length).toBeGreaterThan(100);
    expect(upgraded.results).toEqual(expected.results);
    expect(upgraded.definitions).toEqual(expected.definitions);
    expect(upgraded.catalog).toEqual(expected.catalog);
  });
});

describe('the repeatable definitions', () => {
  let t: TestDatabase;
  let dir: string;
  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
    dir = mkdtempSync(join(tmpdir(), 'engmetrics-sql-'));
    cpSync(SQL_DIR, dir, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await t?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('define each metrics object in exactly one file, and no versioned file defines one', () => {
    const owners = new Map<string, string[]>();
    for (const d of listViewDefinitions())
      for (const o of d.objects) owners.set(o, [...(owners.get(o) ?? []), d.name]);
    expect([...owners].filter(([, files]) => files.length > 1)).toEqual([]);
    expect(owners.size).toBeGreaterThan(50);
    for (const m of listMigrations())
      expect(m.sql).not.toMatch(
        /CREATE\s+(OR\s+REPLACE\s+)?(MATERIALIZED\s+VIEW|VIEW|FUNCTION)\s+metrics\./i,
      );
    const twice = join(dir, 'views/99_twice.sql');
    writeFileSync(twice, 'CREATE VIEW metrics.repos AS SELECT 1;\n');
    expect(() => listViewDefinitions(dir)).toThrow(
      /metrics\.repos is created in both 20_delivery and 99_twice/,
    );
    rmSync(twice);
  });

  it('apply a changed file again with every file reading from it, and leave the rest', async () => {
    const file = join(dir, 'views/50_sprints.sql');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, `${original}\n-- changed\n`);
    const { definitions } = await migrate(t.db, { dir });
    // 60_summary and 70_api read sprints only inside function bodies, which the catalog does not track.
    expect(definitions).toEqual(['50_sprints']);
    writeFileSync(
      join(dir, 'views/20_delivery.sql'),
      `${readFileSync(join(dir, 'views/20_delivery.sql'), 'utf8')}\n-- changed\n`,
    );
    const second = await migrate(t.db, { dir });
    // The DORA views and the evidence's weekly shipping read the deployments and pull
    // requests; nothing else reads them.
    expect(second.definitions).toEqual(['20_delivery', '40_dora', '95_evidence']);
    expect(await migrationStatus(t.db, dir)).toEqual({ current: true, pending: [] });
    writeFileSync(file, original);
    expect((await migrate(t.db, { dir })).definitions).toEqual(['50_sprints']);
  }, 60_000);

  it('stop, naming it, when a view of someone else reads one of ours, and change nothing', async () => {
    await t.db.query('CREATE VIEW public.my_repos AS SELECT * FROM metrics.repos');
    const file = join(dir, 'views/20_delivery.sql');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- changed again\n`);
    await expect(migrate(t.db, { dir })).rejects.toThrow(
      /cannot replace view metrics\.repos: view my_repos depends on view metrics\.repos/,
    );
    const { rows } = await t.db.query<{ n: string }>('SELECT count(*) AS n FROM public.my_repos');
    expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(0);
    expect((await migrationStatus(t.db, dir)).pending).toEqual(['views/20_delivery']);
    await t.db.query('DROP VIEW public.my_repos');
    expect((await migrate(t.db, { dir })).definitions).toContain('20_delivery');
  }, 60_000);
});
