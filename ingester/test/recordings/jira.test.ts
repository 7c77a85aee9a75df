import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { z } from 'zod';
import {
  boardConfigSchema,
  boardSchema,
  fieldSchema,
  historySchema,
  issueSchema,
  kindResolver,
  mapChangelog,
  mapIssue,
  mapSprint,
  mapStatus,
  mapUser,
  projectSchema,
  sprintSchema,
  statusSchema,
  userSchema,
} from '../../src/sources/jira/map.js';
import { parseEach } from '../../src/sources/quality.js';
import * as t from '../../src/sources/jira/tables.js';
import { upsert } from '../../src/store/upsert.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';

/**
 * Jira's answers as Atlassian documents them, not as this project's simulator writes them:
 * the response examples of Atlassian's published OpenAPI specifications (the Jira Cloud
 * platform REST API v3 and the Jira Software Agile REST API 1.0, both Apache-2.0; provenance
 * in ../shared/specs/README.md), run through the mappers and into the tables. Skipped, and
 * said so, where ../shared/specs is absent.
 *
 * What the examples teach: dates with offsets other than +0000 (+10:00), a changelog's
 * `created` as epoch seconds, and issue examples that show only some fields (they cannot be
 * placed: no status, no created time), so they are skipped, and counted, by cause.
 */
const SPECS = fileURLToPath(new URL('../../../../shared/specs/', import.meta.url));
const present = existsSync(SPECS);

type Spec = {
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { example?: unknown }> }> }>
  >;
};
const load = (file: string): Spec => JSON.parse(readFileSync(`${SPECS}/${file}`, 'utf8')) as Spec;

/** The documented 200 answer of one operation, parsed. */
function example(spec: Spec, path: string, method = 'get'): unknown {
  const content = spec.paths[path]?.[method]?.responses?.['200']?.content ?? {};
  const raw = Object.values(content).find((c) => c.example !== undefined)?.example;
  if (raw === undefined) throw new Error(`no documented example for ${method.toUpperCase()} ${path}`);
  return typeof raw === 'string' ? JSON.parse(raw) : raw;
}

/** What a list of recorded records gave: how many mapped, and each skip and drop by cause. */
interface Outcome {
  records: number;
  mapped: number;
  skipped: Record<string, number>;
  dropped: Record<string, number>;
}

function run<S extends z.ZodType, R>(
  schema: S,
  items: unknown[],
  what: string,
  map: (x: z.output<S>, drop: (field: string, why: string) => void) => R,
): { outcome: Outcome; rows: R[] } {
  const outcome: Outcome = { records: items.length, mapped: 0, skipped: {}, dropped: {} };
  const { ok, bad } = parseEach(schema as z.ZodType<z.output<S>>, items, what);
  for (const b of bad) outcome.skipped[b.cause] = (outcome.skipped[b.cause] ?? 0) + 1;
  const rows = ok.map((x) =>
    map(x, (field, why) => {
      const key = `${field}: ${why}`;
      outcome.dropped[key] = (outcome.dropped[key] ?? 0) + 1;
    }),
  );
  outcome.mapped = rows.length;
  return { outcome, rows };
}

(present ? describe : describe.skip)('Jira recordings (Atlassian’s documented answers)', () => {
  let db: TestDatabase;
  let platform: Spec;
  let agile: Spec;
  const report: Record<string, Outcome> = {};

  beforeAll(async () => {
    db = await freshDatabase({ migrated: true });
    platform = load('jira-platform-v3.openapi.json');
    agile = load('jira-software-agile.openapi.json');
  });
  afterAll(async () => {
    // The suite's report: what mapped, and what was skipped or dropped and why.
    console.info(`Jira recordings:\n${JSON.stringify(report, null, 2)}`);
    await db.drop();
  });

  it('maps and stores every documented sprint, reading +10:00 offsets as UTC', async () => {
    const listed = (example(agile, '/rest/agile/1.0/board/{boardId}/sprint') as { values: unknown[] }).values;
    const one = example(agile, '/rest/agile/1.0/sprint/{sprintId}');
    const { outcome, rows } = run(sprintSchema, [...listed, one], 'sprint', (s) => mapSprint(s));
    report.sprints = outcome;
    expect(outcome).toMatchObject({ mapped: outcome.records, skipped: {}, dropped: {} });
    expect(rows[0]).toMatchObject({
      id: 37,
      state: 'closed',
      start_at: '2015-04-11T05:22:00.000Z',
      board_id: 5,
    });
    // The future sprint has no dates: it keeps its place without them.
    expect(rows.find((r) => r.state === 'future')).toMatchObject({
      start_at: null,
      complete_at: null,
    });
    const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
    expect(await upsert(db.db, t.sprints, unique)).toBe(unique.length);
  });

  it('reads the documented boards and board configuration (the estimation field)', () => {
    const boards = (example(agile, '/rest/agile/1.0/board') as { values: unknown[] }).values;
    const { outcome } = run(boardSchema, boards, 'board', (b) => b);
    report.boards = outcome;
    expect(outcome).toMatchObject({ mapped: outcome.records, skipped: {} });
    const config = boardConfigSchema.parse(example(agile, '/rest/agile/1.0/board/{boardId}/configuration'));
    expect(config.estimation?.field?.fieldId).toMatch(/^customfield_\d+$/);
  });

  it('maps and stores the documented statuses, projects and users', async () => {
    const statuses = run(statusSchema, example(platform, '/rest/api/3/status') as unknown[], 'status', (s) =>
      mapStatus(s),
    );
    report.statuses = statuses.outcome;
    expect(statuses.outcome).toMatchObject({ mapped: statuses.outcome.records, skipped: {} });
    expect(await upsert(db.db, t.statuses, statuses.rows)).toBe(statuses.rows.length);

    const projects = run(
      projectSchema,
      (example(platform, '/rest/api/3/project/search') as { values: unknown[] }).values,
      'project',
      (p) => ({
        id: p.id,
        key: p.key,
        name: p.name,
        raw: {},
      }),
    );
    report.projects = projects.outcome;
    expect(projects.outcome).toMatchObject({ mapped: projects.outcome.records, skipped: {} });
    expect(await upsert(db.db, t.projects, projects.rows)).toBe(projects.rows.length);

    const users = run(userSchema, [example(platform, '/rest/api/3/myself')], 'user', (u) => mapUser(u));
    report.users = users.outcome;
    expect(users.outcome).toMatchObject({ mapped: 1, skipped: {} });
    expect(await upsert(db.db, t.users, users.rows)).toBe(1);
    // No address is kept.
    expect(JSON.stringify(users.rows)).not.toContain('@');
  });

  it('reads the documented fields', () => {
    const { outcome } = run(
      fieldSchema,
      example(platform, '/rest/api/3/field') as unknown[],
      'field',
      (f) => f,
    );
    report.fields = outcome;
    expect(outcome).toMatchObject({ mapped: outcome.records, skipped: {} });
  });

  it('keeps every documented change history, from the bulk fetch, the changelog page and the changelog list', () => {
    const bulk = (
      example(platform, '/rest/api/3/changelog/bulkfetch', 'post') as {
        issueChangeLogs: { changeHistories: unknown[] }[];
      }
    ).issueChangeLogs.flatMap((l) => l.changeHistories);
    const page = (example(platform, '/rest/api/3/issue/{issueIdOrKey}/changelog') as { values: unknown[] })
      .values;
    const list = (
      example(platform, '/rest/api/3/issue/{issueIdOrKey}/changelog/list', 'post') as { histories: unknown[] }
    ).histories;
    const resolve = kindResolver({ sprint: null, points: null, flagged: null, epicLink: null }, new Map());
    const { outcome, rows } = run(
      historySchema,
      [...bulk, ...page, ...list],
      'changelog entry',
      (h, drop) => {
        if (h.authorDropped) drop('changelog author', h.authorDropped);
        return h;
      },
    );
    report.changelog = outcome;
    expect(outcome).toMatchObject({ mapped: outcome.records, skipped: {}, dropped: {} });
    // The bulk fetch documents `created` as epoch seconds: read as the same instant.
    expect(rows.some((h) => h.created === '2017-04-13T08:00:29.000Z')).toBe(true);
    const statusChange = {
      ...rows[0]!,
      items: [
        {
          field: 'status',
          fieldId: 'status',
          fieldtype: 'jira',
          from: '1',
          fromString: 'Open',
          to: '3',
          toString: 'In Progress',
        },
      ],
    };
    expect(mapChangelog('10000', [statusChange], resolve).changes).toMatchObject([
      { kind: 'status', to_value: '3' },
    ]);
  });

  it('skips the documented issues, which show only some fields, saying which field each lacks', () => {
    const issues = [
      ...(example(platform, '/rest/api/3/search/jql') as { issues: unknown[] }).issues,
      example(platform, '/rest/api/3/issue/{issueIdOrKey}'),
    ];
    const fields = { sprint: null, points: null, flagged: null, epicLink: null };
    const { outcome } = run(issueSchema, issues, 'issue', (i, drop) => mapIssue(i, fields, drop));
    report.issues = outcome;
    // Nothing is guessed: an issue without a status or a creation time cannot be placed.
    expect(outcome.mapped).toBe(0);
    expect(Object.keys(outcome.skipped).every((cause) => cause.startsWith('issue: fields.'))).toBe(true);
  });
});
