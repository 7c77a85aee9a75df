import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { AgileClient, Version3Client } from 'jira.js';
import { FIELD } from '../../src/simulators/jira/model.js';
import type { JiraSimulator } from '../../src/simulators/jira/server.js';
import type { World } from '../../src/simulators/world/types.js';
import { CLOUD_AUTH, END, jiraWorld, startSite } from './helpers.js';

/**
 * The simulator speaks Jira Cloud's protocol: checked with the real jira.js clients,
 * and every answer validated against Atlassian's OpenAPI descriptions.
 */

let world: World;
let sim: JiraSimulator;
let v3: Version3Client;
let agile: AgileClient;
const auth = `Basic ${Buffer.from(`${CLOUD_AUTH.email}:${CLOUD_AUTH.apiToken}`).toString('base64')}`;

beforeAll(async () => {
  world = jiraWorld();
  sim = await startSite(world);
  const config = { host: sim.url, authentication: { basic: CLOUD_AUTH } };
  v3 = new Version3Client(config);
  agile = new AgileClient(config);
});

afterAll(async () => {
  await sim?.stop();
});

const get = (path: string, init: RequestInit = {}) =>
  fetch(`${sim.url}${path}`, { ...init, headers: { authorization: auth, ...(init.headers ?? {}) } });

const SPECS = fileURLToPath(new URL('../../../../shared/specs/', import.meta.url));

/** OpenAPI 3.0's `nullable` is not JSON Schema: rewrite it, keep the rest. */
function fix(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fix);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = fix(v);
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') out.type = [out.type, 'null'];
    else return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

const pointer = (...parts: string[]) =>
  parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

describe('the simulator', () => {
  it('answers with Atlassian’s schemas (platform v3 and Agile 1.0)', async () => {
    if (!existsSync(SPECS)) {
      console.info(
        `skipped: ${SPECS} is absent, so Jira responses are not checked against Atlassian's specs`,
      );
      return;
    }
    // ownProperties: a changelog item without `toString` must not be read as Object.prototype.toString.
    const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, ownProperties: true });
    addFormats.default(ajv);
    for (const f of ['int32', 'int64', 'float', 'double']) ajv.addFormat(f, true);
    const platform = JSON.parse(readFileSync(`${SPECS}/jira-platform-v3.openapi.json`, 'utf8')) as {
      components: object;
      paths: object;
    };
    const software = JSON.parse(readFileSync(`${SPECS}/jira-software-agile.openapi.json`, 'utf8')) as {
      components: object;
      paths: object;
    };
    ajv.addSchema({ $id: 'platform', components: fix(platform.components), paths: fix(platform.paths) });
    ajv.addSchema({ $id: 'software', components: fix(software.components), paths: fix(software.paths) });
    const check = (spec: 'platform' | 'software', ref: string, body: unknown, what: string) => {
      const validate = ajv.compile({ $ref: `${spec}#/${ref}` });
      const ok = validate(body);
      expect({ what, errors: ok ? [] : validate.errors!.slice(0, 5) }).toEqual({ what, errors: [] });
    };
    const response = (path: string, method: string) =>
      pointer('paths', path, method, 'responses', '200', 'content', 'application/json', 'schema');

    const fields = [
      'summary',
      'status',
      'issuetype',
      'created',
      'updated',
      'assignee',
      'reporter',
      FIELD.sprint,
    ];
    const search = await v3.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({
      jql: 'project = PAY ORDER BY updated ASC',
      fields,
      maxResults: 20,
    });
    check('platform', response('/rest/api/3/search/jql', 'post'), search, 'POST search/jql');
    const byGet = await v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
      jql: 'project = PAY',
      maxResults: 20,
      expand: 'changelog',
      fields: ['*all'],
    });
    check('platform', response('/rest/api/3/search/jql', 'get'), byGet, 'GET search/jql');
    const ids = search.issues!.map((i) => i.id!);
    const bulk = await v3.issues.getBulkChangelogs({
      issueIdsOrKeys: ids,
      fieldIds: ['status', FIELD.sprint],
    });
    check('platform', response('/rest/api/3/changelog/bulkfetch', 'post'), bulk, 'bulkfetch');
    const one = await v3.issues.getChangeLogs({ issueIdOrKey: search.issues![0]!.key! });
    check('platform', response('/rest/api/3/issue/{issueIdOrKey}/changelog', 'get'), one, 'issue changelog');
    check('platform', response('/rest/api/3/field', 'get'), await v3.issueFields.getFields(), 'field');
    check(
      'platform',
      response('/rest/api/3/status', 'get'),
      await v3.workflowStatuses.getStatuses(),
      'status',
    );
    const categories = await (await get('/rest/api/3/statuscategory')).json();
    check('platform', response('/rest/api/3/statuscategory', 'get'), categories, 'statuscategory');
    const projects = await v3.projects.searchProjects({ keys: ['PAY', 'MOB'] });
    check('platform', response('/rest/api/3/project/search', 'get'), projects, 'project/search');
    check('platform', response('/rest/api/3/myself', 'get'), await v3.myself.getCurrentUser(), 'myself');
    const info = await v3.serverInfo.getServerInfo();
    check('platform', response('/rest/api/3/serverInfo', 'get'), info, 'serverInfo');

    const boards = await agile.board.getAllBoards({ projectKeyOrId: 'PAY', type: 'scrum' });
    check('software', response('/rest/agile/1.0/board', 'get'), boards, 'board');
    const boardId = (boards.values![0] as { id: number }).id;
    check(
      'software',
      response('/rest/agile/1.0/board/{boardId}', 'get'),
      await agile.board.getBoard({ boardId }),
      'board/{id}',
    );
    const configuration = await agile.board.getConfiguration({ boardId });
    check(
      'software',
      response('/rest/agile/1.0/board/{boardId}/configuration', 'get'),
      configuration,
      'configuration',
    );
    // Atlassian documents the sprint answers by example only; their items are SprintBean.
    const sprints = await agile.board.getAllSprints({ boardId });
    for (const s of sprints.values) check('software', 'components/schemas/SprintBean', s, `sprint ${s.id}`);
    const sprintId = sprints.values[0]!.id;
    check(
      'software',
      'components/schemas/SprintBean',
      await agile.sprint.getSprint({ sprintId }),
      'sprint/{id}',
    );
    const inSprint = await agile.sprint.getIssuesForSprint({ sprintId, fields: ['summary', 'status'] });
    check('software', 'components/schemas/SearchResults', inSprint, 'sprint/{id}/issue');
  });

  it('pages search/jql with nextPageToken and isLast, no total, and only ids by default', async () => {
    const all: string[] = [];
    let token: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
        jql: 'project in (PAY, "MOB") ORDER BY updated DESC, key',
        maxResults: 40,
        ...(token ? { nextPageToken: token } : {}),
      });
      pages += 1;
      expect(page).not.toHaveProperty('total');
      for (const i of page.issues ?? []) {
        expect(Object.keys(i)).toEqual(['id']);
        all.push(i.id!);
      }
      if ((page as { isLast?: boolean }).isLast) {
        expect(page).not.toHaveProperty('nextPageToken');
        break;
      }
      token = page.nextPageToken!;
    }
    const expected = world.jira.issues.filter(
      (i) => ['PAY', 'MOB'].includes(i.project) && i.createdAt <= END,
    );
    expect(new Set(all)).toEqual(new Set(expected.map((i) => i.id)));
    expect(all).toHaveLength(expected.length);
    expect(pages).toBe(Math.ceil(expected.length / 40));
    // With fields beyond id/key a page holds at most 100 issues, as on Jira Cloud.
    const wide = await v3.issueSearch.searchForIssuesUsingJqlEnhancedSearch({
      jql: 'project = PAY',
      fields: ['summary', 'status'],
      maxResults: 5000,
    });
    expect(wide.issues).toHaveLength(100);
    expect(Object.keys(wide.issues![0]!.fields!).sort()).toEqual(['status', 'summary']);
  });

  it('reads JQL dates to the minute, quoted or as epoch milliseconds, and orders by updated', async () => {
    const stamps = async (jql: string) =>
      (
        await v3.issueSearch.searchForIssuesUsingJqlEnhancedSearchPost({
          jql,
          fields: ['updated'],
          maxResults: 100,
        })
      ).issues!.map((i) => Date.parse(String(i.fields!.updated).replace(/(\d{2})(\d{2})$/, '$1:$2')));
    const since = END - 3 * 86_400_000 + 37_123;
    const minute = Math.floor(since / 60_000) * 60_000;
    const d = new Date(minute);
    const pad = (n: number) => String(n).padStart(2, '0');
    const quoted = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    const a = await stamps(`project = PLAT AND updated >= "${quoted}" ORDER BY updated ASC`);
    const b = await stamps(`project = PLAT AND updated >= ${since} ORDER BY updated ASC`);
    const c = await stamps(
      `project = PLAT AND updated >= "${quoted.replaceAll('-', '/')}" ORDER BY updated DESC`,
    );
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
    expect(c).toEqual([...a].reverse());
    expect(a.every((t, i) => t >= minute && (i === 0 || t >= a[i - 1]!))).toBe(true);
  });

  it('refuses unbounded JQL and answers the removed /search with 410 Gone', async () => {
    const unbounded = await get('/rest/api/3/search/jql?jql=order%20by%20key');
    expect(unbounded.status).toBe(400);
    expect(await unbounded.json()).toEqual({
      errorMessages: [expect.stringMatching(/Unbounded JQL queries are not allowed/)],
      errors: {},
    });
    const bad = await get('/rest/api/3/search/jql?jql=project%20%3D');
    expect(bad.status).toBe(400);
    for (const [method, path] of [
      ['GET', '/rest/api/3/search?jql=project%3DPAY'],
      ['POST', '/rest/api/3/search'],
      ['GET', '/rest/api/2/search?jql=project%3DPAY'],
    ] as const) {
      const r = await get(path, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'POST' ? '{"jql":"project = PAY"}' : undefined,
      });
      expect(r.status).toBe(410);
      expect(((await r.json()) as { errorMessages: string[] }).errorMessages[0]).toMatch(
        /^The requested API has been removed\. Please migrate to the \/rest\/api\/3\/search\/jql API\..*CHANGE-2046/,
      );
    }
  });

  it('serves bulk changelogs within Atlassian’s limits, oldest first, paged by token', async () => {
    const pay = world.jira.issues.filter((i) => i.project === 'PAY' && i.createdAt <= END).slice(0, 60);
    const ids = pay.map((i) => i.id);
    const pages: { issueId: string; created: string[]; fieldIds: (string | undefined)[] }[][] = [];
    let token: string | undefined;
    do {
      const r = await v3.issues.getBulkChangelogs({
        issueIdsOrKeys: ids,
        fieldIds: ['status', FIELD.sprint],
        maxResults: 25,
        ...(token ? { nextPageToken: token } : {}),
      });
      pages.push(
        r.issueChangeLogs!.map((log) => ({
          issueId: log.issueId!,
          created: log.changeHistories!.map((h) => h.created as unknown as string),
          fieldIds: log.changeHistories!.flatMap((h) => h.items!.map((i) => i.fieldId)),
        })),
      );
      token = r.nextPageToken ?? undefined;
    } while (token);
    const counts = pages.map((p) => p.reduce((n, l) => n + l.created.length, 0));
    expect(counts.slice(0, -1).every((n) => n === 25)).toBe(true);
    expect(pages.flat().every((l) => l.fieldIds.every((f) => f === 'status' || f === FIELD.sprint))).toBe(
      true,
    );
    // Oldest first: each page's histories come after the previous page's; within a page, by issue.
    const sortedWithin = (xs: string[]) => xs.every((x, i) => i === 0 || xs[i - 1]! <= x);
    expect(pages.flat().every((l) => sortedWithin(l.created))).toBe(true);
    for (let k = 1; k < pages.length; k++) {
      const before = pages[k - 1]!.flatMap((l) => l.created).sort();
      const after = pages[k]!.flatMap((l) => l.created).sort();
      expect(before[before.length - 1]! <= after[0]!).toBe(true);
    }
    // The same histories as each issue's own changelog, filtered to those fields.
    const first = pay.find((i) => i.statuses.length > 3)!;
    const own = await v3.issues.getChangeLogs({ issueIdOrKey: first.key, maxResults: 2 });
    expect(own).toMatchObject({ startAt: 0, maxResults: 2, isLast: false });
    expect(own.total).toBeGreaterThan(2);

    const tooMany = await get('/rest/api/3/changelog/bulkfetch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ issueIdsOrKeys: Array.from({ length: 1001 }, (_, i) => String(10_000 + i)) }),
    });
    expect(tooMany.status).toBe(400);
    const fieldsTooMany = await get('/rest/api/3/changelog/bulkfetch', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        issueIdsOrKeys: ids.slice(0, 2),
        fieldIds: Array.from({ length: 11 }, (_, i) => `f${i}`),
      }),
    });
    expect(fieldsTooMany.status).toBe(400);
  });

  it('carries sprint ids and status ids in changelog items, and discovers the custom fields', async () => {
    const carried = world.jira.issues.find((i) => i.labels.includes('carry-over'))!;
    const log = await v3.issues.getChangeLogs({ issueIdOrKey: carried.key, maxResults: 100 });
    const sprintItems = log.values!.flatMap((h) => h.items!).filter((i) => i.fieldId === FIELD.sprint);
    const ids = carried.sprints.map((s) => s.sprintIds.join(', '));
    expect(sprintItems.map((i) => i.to)).toEqual(ids);
    expect(sprintItems[0]!.from).toBe('');
    const status = log.values!.flatMap((h) => h.items!).find((i) => i.field === 'status')!;
    expect(status).toMatchObject({
      fieldtype: 'jira',
      from: '10000',
      fromString: 'To Do',
      to: '3',
      toString: 'In Progress',
    });
    const fields = await v3.issueFields.getFields();
    expect(fields.find((f) => f.schema?.custom === 'com.pyxis.greenhopper.jira:gh-sprint')?.id).toBe(
      FIELD.sprint,
    );
    expect(fields.find((f) => f.schema?.custom === 'com.pyxis.greenhopper.jira:jsw-story-points')?.id).toBe(
      FIELD.storyPoints,
    );
    const statuses = await v3.workflowStatuses.getStatuses();
    expect(new Set(statuses.map((s) => s.statusCategory?.key))).toEqual(
      new Set(['new', 'indeterminate', 'done']),
    );
    const config = await agile.board.getConfiguration({ boardId: 1 });
    expect(config.estimation?.field?.fieldId).toBe(FIELD.storyPoints);
  });

  it('filters and pages sprints by state, newest closed last', async () => {
    const active = await agile.board.getAllSprints({ boardId: 1, state: 'active' });
    expect(active.values.map((s) => s.state)).toEqual(['active']);
    const page = await agile.board.getAllSprints({ boardId: 1, startAt: 2, maxResults: 3 });
    expect(page).toMatchObject({ startAt: 2, maxResults: 3, isLast: false });
    expect(page.values.every((s) => s.state === 'closed')).toBe(true);
    const gone = await get('/rest/agile/1.0/sprint/99999');
    expect(gone.status).toBe(404);
  });

  it('counts every request, sends rate-limit headers, and injects 429, 5xx and slow answers', async () => {
    sim.resetStats();
    const ok = await get('/rest/api/3/myself');
    expect(ok.headers.get('x-ratelimit-limit')).toBe('100000');
    expect(Number(ok.headers.get('x-ratelimit-remaining'))).toBeGreaterThan(0);
    expect(Date.parse(ok.headers.get('x-ratelimit-reset')!)).toBeGreaterThan(Date.now());
    sim.inject({ kind: 'rate-limit', retryAfterSeconds: 7 }, 1, /myself/);
    const limited = await get('/rest/api/3/myself');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(limited.headers.get('ratelimit-reason')).toBe('jira-burst-based');
    expect(limited.headers.get('x-ratelimit-reset')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    sim.inject({ kind: 'server-error', status: 503, retryAfterSeconds: 3 }, 2);
    expect((await get('/rest/api/3/field')).status).toBe(503);
    const second = await get('/rest/api/3/field');
    expect([second.status, second.headers.get('retry-after')]).toEqual([503, '3']);
    sim.inject({ kind: 'slow', delayMs: 250 }, 1);
    const started = Date.now();
    expect((await get('/rest/api/3/serverInfo')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    const anonymous = await fetch(`${sim.url}/rest/api/3/myself`);
    expect(anonymous.status).toBe(401);
    expect(sim.stats.requests).toBe(6);
    expect(sim.stats.faults).toBe(4);
  });
});
