import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { z } from 'zod';
import { createApp } from '../src/api/app.js';
import { route } from '../src/api/route.js';
import { listen, type RunningServer } from '../src/api/server.js';
import { defaultOrganisation } from '../src/config/organisation.js';
import { loadSettings } from '../src/config/settings.js';
import { freshDatabase, type TestDatabase } from './support/database.js';
import { capturedLogger } from './support/logs.js';

const TOKEN = 'test-token-0123456789abcdef';

/** A protected route that exists only in this test, until real data routes exist. */
const echo = route({
  method: 'get',
  path: '/test/echo/{team}',
  operationId: 'getEcho',
  summary: 'Echo for tests',
  tags: ['test'],
  params: z.object({ team: z.string().regex(/^[a-z]+$/) }),
  query: z.object({ days: z.coerce.number().int().min(1).max(365).default(7) }).strict(),
  response: z.object({ team: z.string(), days: z.number() }),
  handler: ({ params, query }) => ({ team: params.team, days: query.days }),
});

const echoBody = route({
  method: 'post',
  path: '/test/body',
  operationId: 'postEcho',
  summary: 'Body echo for tests',
  tags: ['test'],
  body: z.object({ channel: z.string().min(1) }).strict(),
  response: z.object({ channel: z.string() }),
  handler: ({ body }) => body,
});

const crash = route({
  method: 'get',
  path: '/test/crash',
  operationId: 'getCrash',
  summary: 'Throws an unexpected error',
  tags: ['test'],
  response: z.object({}),
  handler: () => {
    throw new Error('internal detail that must not leak');
  },
});

describe('API', () => {
  let t: TestDatabase;
  let server: RunningServer;
  const logs = capturedLogger();
  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { headers });
  const auth = { authorization: `Bearer ${TOKEN}` };

  beforeAll(async () => {
    t = await freshDatabase({ migrated: true });
    const settings = loadSettings({ API_TOKEN: TOKEN });
    const app = createApp(
      { settings, organisation: defaultOrganisation, db: t.db, log: logs.log, apiToken: TOKEN },
      { extraRoutes: [echo, echoBody, crash] },
    );
    server = await listen(app, '127.0.0.1', 0);
  });
  afterAll(async () => {
    await server.close();
    await t.drop();
  });

  it('answers /health without a token', async () => {
    const res = await get('/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('reports ready with a migrated database', async () => {
    const res = await get('/ready');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ready: boolean; sources: { source: string }[] };
    expect(body.ready).toBe(true);
    expect(body.sources.map((s) => s.source)).toEqual(['github', 'jira']);
  });

  it('rejects a data route without a token: 401 problem+json', async () => {
    const res = await get('/test/echo/payments');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = (await res.json()) as { status: number; code: string };
    expect(body).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('rejects a wrong token and a malformed header', async () => {
    expect(
      (await get('/test/echo/payments', { authorization: 'Bearer wrong-token-wrong-token' })).status,
    ).toBe(401);
    expect((await get('/test/echo/payments', { authorization: `Basic ${TOKEN}` })).status).toBe(401);
    expect((await get('/test/echo/payments', { authorization: `Bearer ${TOKEN}x` })).status).toBe(401);
  });

  it('serves the route with the right token', async () => {
    const res = await get('/test/echo/payments?days=30', auth);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ team: 'payments', days: 30 });
  });

  it.each([
    ['/test/echo/payments?days=abc', 'query.days'],
    ['/test/echo/payments?days=0', 'query.days'],
    ['/test/echo/payments?days=1&days=2', 'query.days'],
    ['/test/echo/payments?dayz=3', 'query'],
    ['/test/echo/PAYMENTS', 'params.team'],
  ])('answers bad input %s with a 400 problem naming %s', async (path, where) => {
    const res = await get(path, auth);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const body = (await res.json()) as { code: string; errors: { path: string }[]; detail: string };
    expect(body.code).toBe('bad_request');
    expect(body.errors[0]!.path.startsWith(where)).toBe(true);
  });

  it('answers a malformed or wrong JSON body with 400, never 500', async () => {
    const post = (body: string) =>
      fetch(`${server.url}/test/body`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body,
      });
    const broken = await post('{"channel": ');
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { detail: string }).detail).toMatch(/not valid JSON/);
    expect((await post('{"channel": 5}')).status).toBe(400);
    expect((await post('{"channel": "#team", "extra": 1}')).status).toBe(400);
    const ok = await post('{"channel": "#team"}');
    expect(ok.status).toBe(200);
  });

  it('hides internals of an unexpected error behind a 500 problem with the request id', async () => {
    const res = await get('/test/crash', { ...auth, 'x-request-id': 'req-crash-1' });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { detail: string; requestId: string };
    expect(body.detail).not.toContain('internal detail');
    expect(body.requestId).toBe('req-crash-1');
    expect(logs.lines.some((l) => l.includes('req-crash-1') && l.includes('internal detail'))).toBe(true);
  });

  it('answers unknown routes with 404 problem (after auth)', async () => {
    const res = await get('/nope', auth);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe('not_found');
  });

  it('puts the request id in the response and in every log line of the request', async () => {
    const res = await get('/health', { 'x-request-id': 'abc-123' });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
    expect(logs.lines.some((l) => JSON.parse(l).requestId === 'abc-123')).toBe(true);
    const generated = (await get('/health')).headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = (await get('/health', { 'x-request-id': 'bad id with spaces' })).headers.get(
      'x-request-id',
    );
    expect(unsafe).not.toBe('bad id with spaces');
  });

  it('documents every route in /openapi.json, with the bearer scheme on protected ones', async () => {
    const doc = (await (await get('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { security: unknown[]; responses: Record<string, unknown> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/health']!.get!.security).toEqual([]);
    expect(doc.paths['/test/echo/{team}']!.get!.security).toEqual([{ bearerAuth: [] }]);
    expect(Object.keys(doc.paths['/test/echo/{team}']!.get!.responses)).toEqual(
      expect.arrayContaining(['200', '400', '401']),
    );
    // Relative addresses from /docs/, so the page works behind a reverse proxy's sub-path too.
    const docs = await get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.url).toMatch(/\/docs\/$/);
    const html = await docs.text();
    expect(html).toContain('src="assets/swagger-ui-bundle.js"');
    expect(html).not.toMatch(/(src|href)="\//);
    expect(await (await get('/docs/init.js')).text()).toContain("url: '../openapi.json'");
    expect((await get('/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
    // The browser's favicon request is not a failed login.
    const before = logs.lines.length;
    expect((await get('/favicon.ico')).status).toBe(204);
    expect(logs.lines.slice(before).join('\n')).not.toMatch(/"status":401/);
  });

  it('never writes the token into the logs', async () => {
    await get('/test/echo/payments', auth);
    await get('/test/echo/payments', { authorization: `Bearer ${TOKEN}-wrong` });
    expect(logs.lines.length).toBeGreaterThan(5);
    expect(logs.lines.join('\n')).not.toContain(TOKEN);
  });
});

describe('/ready when the database is gone', () => {
  it('reports not ready with 503 and the reason', async () => {
    const t = await freshDatabase({ migrated: true });
    const settings = loadSettings({ API_TOKEN: TOKEN });
    const app = createApp({
      settings,
      organisation: defaultOrganisation,
      db: t.db,
      log: capturedLogger().log,
      apiToken: TOKEN,
    });
    const server = await listen(app, '127.0.0.1', 0);
    try {
      expect((await fetch(`${server.url}/ready`)).status).toBe(200);
      await t.drop();
      const res = await fetch(`${server.url}/ready`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { ready: boolean; database: { ok: boolean; error: string } };
      expect(body.ready).toBe(false);
      expect(body.database.ok).toBe(false);
      expect(body.database.error.length).toBeGreaterThan(0);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('the logger', () => {
  it('scrubs configured secrets and secret fields from every line', () => {
    const { log, lines } = capturedLogger(['ghp_supersecret', '-----BEGIN KEY-----\nabc\n-----END KEY-----']);
    log.info({ url: 'https://x/?t=ghp_supersecret' }, 'fetched with ghp_supersecret');
    log.info({ key: '-----BEGIN KEY-----\nabc\n-----END KEY-----' }, 'key');
    log.info({ config: { password: 'hunter22', token: 'tok' } }, 'nested');
    const all = lines.join('\n');
    expect(all).not.toContain('ghp_supersecret');
    expect(all).not.toContain('BEGIN KEY');
    expect(all).not.toContain('hunter22');
    expect(all).toContain('[redacted]');
  });
});
