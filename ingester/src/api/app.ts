import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import express, { Router, type Express } from 'express';
import { forecastRoutes } from '../forecast/routes.js';
import { insightRoutes } from '../insights/routes.js';
import { explainRoutes } from '../metrics/explain.js';
import { metricsRoutes } from '../metrics/routes.js';
import { InsightService } from '../insights/service.js';
import { SlackPoster } from '../slack/post.js';
import { slackRoutes } from '../slack/routes.js';
import type { AppContext } from './context.js';
import { mountDocs } from './docs.js';
import { healthRoutes } from './health.js';
import { bearerAuth, requestContext } from './middleware.js';
import { errorHandler, notFound } from './problem.js';
import { mount, register, type AnyRoute } from './route.js';

/** Every data route of the product, in the order the OpenAPI document lists them. */
function dataRoutes(ctx: AppContext): AnyRoute[] {
  const insights = new InsightService(ctx);
  const poster = new SlackPoster(ctx.settings, ctx.db, ctx.log);
  return [
    ...metricsRoutes(ctx.db, ctx.settings.clock),
    ...explainRoutes(ctx.db, ctx.settings.clock),
    ...insightRoutes(insights),
    ...forecastRoutes({ db: ctx.db, organisation: ctx.organisation, clock: ctx.settings.clock }),
    ...slackRoutes({ insights, poster, settings: ctx.settings }),
  ];
}

export function openApiDocument(routes: AnyRoute[]) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  for (const r of routes) register(registry, r);
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'engmetrics API',
      version: '0.1.0',
      description: 'DORA, flow and Sprint Health metrics computed from GitHub and Jira.',
    },
    // Relative to the document's own address, so it holds behind a proxy's sub-path too.
    servers: [{ url: '.', description: 'The server this document is served from' }],
  });
}

/** The Express app. `extraRoutes` lets tests mount routes of their own behind the same auth. */
export function createApp(ctx: AppContext, options: { extraRoutes?: AnyRoute[] } = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestContext(ctx.log));
  app.use(express.json({ limit: '100kb' }));

  const publicRoutes = healthRoutes(ctx);
  const protectedRoutes = [...dataRoutes(ctx), ...(options.extraRoutes ?? [])];
  const document = openApiDocument([...publicRoutes, ...protectedRoutes]);

  const open = Router();
  for (const r of publicRoutes) mount(open, r);
  open.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  mountDocs(open);
  // Browsers ask for it on /docs; there is none, and asking is not a failed login.
  open.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  app.use(open);

  const guarded = Router();
  guarded.use(bearerAuth(ctx.apiToken));
  for (const r of protectedRoutes) mount(guarded, r);
  app.use(guarded);

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
