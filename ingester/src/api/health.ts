import { z } from 'zod';
import { migrationStatus } from '../db/migrations.js';
import { errorMessage } from '../errors.js';
import type { AppContext } from './context.js';
import { route } from './route.js';

const freshness = z.object({
  source: z.string(),
  lastSuccessAt: z.iso.datetime({ offset: true }).nullable(),
  ageSeconds: z.number().nullable(),
});

const readiness = z
  .object({
    ready: z.boolean(),
    database: z.object({ ok: z.boolean(), error: z.string().optional() }),
    migrations: z.object({ current: z.boolean(), pending: z.array(z.string()) }),
    sources: z.array(freshness),
  })
  .openapi('Readiness');

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(ctx: AppContext) {
  return [
    route({
      method: 'get',
      path: '/health',
      operationId: 'getHealth',
      summary: 'Liveness: the process is up',
      tags: ['operations'],
      public: true,
      response: z.object({ status: z.literal('ok') }).openapi('Health'),
      handler: () => ({ status: 'ok' as const }),
    }),
    route({
      method: 'get',
      path: '/ready',
      operationId: 'getReadiness',
      summary:
        'Readiness: database reachable, migrations current, age of the last successful sync per source',
      tags: ['operations'],
      public: true,
      response: readiness,
      alsoReturns: { 503: 'Not ready; the body says which check failed' },
      handler: async (_input, _req, res) => {
        const body: z.input<typeof readiness> = {
          ready: false,
          database: { ok: false },
          migrations: { current: false, pending: [] },
          sources: [],
        };
        try {
          await withTimeout(ctx.db.query('SELECT 1'), 3000, 'the database');
          body.database.ok = true;
          body.migrations = await withTimeout(migrationStatus(ctx.db), 3000, 'the database');
          if (body.migrations.current) {
            const { rows } = await ctx.db.query<{ source: string; last: Date | null; age: number | null }>(
              `SELECT s.source, max(r.finished_at) AS last,
                      extract(epoch FROM now() - max(r.finished_at))::float8 AS age
                 FROM (VALUES ('github'), ('jira')) AS s(source)
                 LEFT JOIN ops.sync_runs r ON r.source = s.source AND r.status = 'succeeded'
                GROUP BY s.source ORDER BY s.source`,
            );
            body.sources = rows.map((r) => ({
              source: r.source,
              lastSuccessAt: r.last ? r.last.toISOString() : null,
              ageSeconds: r.age === null ? null : Math.round(r.age),
            }));
          }
        } catch (err) {
          body.database.error = errorMessage(err);
          body.database.ok = body.database.ok && false;
        }
        body.ready = body.database.ok && body.migrations.current;
        if (!body.ready) res.status(503);
        return body;
      },
    }),
  ];
}
