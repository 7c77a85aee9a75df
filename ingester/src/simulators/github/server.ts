import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { readBody } from '../http.js';
import { LoopbackSimulator } from '../loopback.js';
import type { World } from '../world/types.js';
import { isAppEndpoint, serveAppEndpoint } from './app-endpoints.js';
import { Credentials } from './credentials.js';
import { answerFault, type Fault } from './faults.js';
import { GitHubGraph } from './graph.js';
import { GraphqlEndpoint } from './graphql-endpoint.js';
import { GITHUB_DIALECT, GITHUB_JSON, sendJson } from './http.js';
import { RateLimits, writeLimitHeaders, type Budget } from './rate-limits.js';
import type { RestAnswer } from './rest-context.js';
import { answerRest } from './rest-routes.js';
import { githubSchema } from './schema.js';

/**
 * A loopback GitHub: GraphQL executed against GitHub's real schema and REST shaped
 * as GitHub sends it, with GitHub's pagination, rate-limit headers, conditional
 * requests, GitHub App installation tokens, injectable faults, and a count of
 * every request served. It shows the world as it stood at `now`.
 */

export type { Fault };

export interface SimulatorStats {
  requests: number;
  graphqlRequests: number;
  restRequests: number;
  notModified: number;
  graphqlPoints: number;
  byRoute: Record<string, number>;
}

export interface GitHubSimulatorOptions {
  /** The instant the API shows; defaults to the end of the world. */
  now?: number;
  /** Tokens accepted; any well-formed token when unset. */
  tokens?: string[];
  /** GitHub App id → PEM public key, for app JWTs. */
  apps?: Record<number, string>;
  /** Hourly budgets (REST requests, GraphQL points). */
  restLimit?: number;
  graphqlLimit?: number;
}

const REST_DOCS = 'https://docs.github.com/rest';
const RATE_LIMIT_DOCS = 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api';

const newStats = (): SimulatorStats => ({
  requests: 0,
  graphqlRequests: 0,
  restRequests: 0,
  notModified: 0,
  graphqlPoints: 0,
  byRoute: {},
});

export class GitHubSimulator extends LoopbackSimulator<Fault> {
  readonly graph: GitHubGraph;
  readonly stats: SimulatorStats = newStats();
  private credentials: Credentials;
  private rateLimits: RateLimits;
  private graphqlEndpoint: GraphqlEndpoint;

  constructor(world: World, options: GitHubSimulatorOptions = {}) {
    super(world, options.now, GITHUB_DIALECT);
    this.graph = new GitHubGraph(world, () => this.now);
    this.credentials = new Credentials(options);
    this.rateLimits = new RateLimits(options, (token) => this.credentials.isInstallation(token));
    this.graphqlEndpoint = new GraphqlEndpoint(
      this.graph,
      (name) => this.count(`graphql ${name}`),
      (points) => (this.stats.graphqlPoints += points),
    );
  }

  resetStats(): void {
    Object.assign(this.stats, newStats());
  }

  override async start(port = 0, host = '127.0.0.1'): Promise<string> {
    // Built at start-up, as a server does, not while the first query waits.
    githubSchema();
    return super.start(port, host);
  }

  // ---------------- the request pipeline ----------------

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Control of a simulator running in another process (benchmarks, `engmetrics simulate`); not counted.
    if (url.pathname.startsWith('/__simulator/'))
      return this.control(req, res, url, req.method === 'POST' ? await readBody(req) : '');
    this.stats.requests += 1;
    res.setHeader('x-github-request-id', randomBytes(8).toString('hex').toUpperCase());
    res.setHeader('x-github-api-version-selected', '2022-11-28');
    const fault = this.faults.take(url.pathname);
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
    const body = req.method === 'POST' ? await readBody(req) : '';
    this.count(
      `${req.method} ${url.pathname.replace(/\/[0-9a-f]{40}\b/g, '/:sha').replace(/\/\d+(?=\/|$)/g, '/:id')}`,
    );

    // GitHub App endpoints authenticate with the app's JWT.
    if (isAppEndpoint(url.pathname)) return serveAppEndpoint(req, res, url, this.world, this.credentials);
    const token = this.credentials.token(req);
    if (token === null || token === false)
      return sendJson(res, 401, {
        message: token === null ? 'Requires authentication' : 'Bad credentials',
        documentation_url: REST_DOCS,
        status: '401',
      });

    const graphql = url.pathname === '/graphql' || url.pathname === '/api/graphql';
    const resource = graphql ? 'graphql' : 'core';
    const budget = this.rateLimits.of(token)[resource];
    if (fault && fault.kind !== 'slow') return answerFault(res, fault, budget, resource, token);
    if (graphql) return this.serveGraphql(req, res, body, budget);
    return this.serveRest(req, res, url, budget);
  }

  private count(route: string): void {
    this.stats.byRoute[route] = (this.stats.byRoute[route] ?? 0) + 1;
  }

  protected override control(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    if (req.method === 'POST' && url.pathname === '/__simulator/reset') {
      this.resetStats();
      return sendJson(res, 200, { ...this.stats, now: this.now });
    }
    super.control(req, res, url, body);
  }

  private serveGraphql(req: IncomingMessage, res: ServerResponse, body: string, budget: Budget): void {
    this.stats.graphqlRequests += 1;
    if (req.method !== 'POST') return sendJson(res, 404, { message: 'Not Found' });
    const answer = this.graphqlEndpoint.answer(body, budget);
    writeLimitHeaders(res, budget, 'graphql');
    if (answer.exhausted) res.setHeader('x-ratelimit-remaining', '0');
    sendJson(res, answer.status, answer.body);
  }

  private serveRest(req: IncomingMessage, res: ServerResponse, url: URL, budget: Budget): void {
    this.stats.restRequests += 1;
    if (req.method !== 'GET')
      return sendJson(res, 404, { message: 'Not Found', documentation_url: REST_DOCS });
    if (budget.used >= budget.limit) {
      writeLimitHeaders(res, budget, 'core');
      return sendJson(res, 403, {
        message: 'API rate limit exceeded.',
        documentation_url: RATE_LIMIT_DOCS,
        status: '403',
      });
    }
    const answer = answerRest({
      world: this.world,
      graph: this.graph,
      now: this.now,
      rateLimits: this.rateLimits,
      url,
      baseUrl: this.url,
    });
    if (!answer) {
      writeLimitHeaders(res, budget, 'core');
      return sendJson(res, 404, { message: 'Not Found', documentation_url: REST_DOCS, status: '404' });
    }
    this.sendCacheable(req, res, url, answer, budget);
  }

  /** A REST answer with its ETag; one the caller already holds is a 304, free of charge. */
  private sendCacheable(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    answer: RestAnswer,
    budget: Budget,
  ): void {
    const payload = JSON.stringify(answer.body);
    const etag = `W/"${createHash('sha256').update(payload).digest('hex').slice(0, 40)}"`;
    res.setHeader('etag', etag);
    res.setHeader('cache-control', 'private, max-age=60, s-maxage=60');
    res.setHeader('vary', 'Accept, Authorization, Cookie, X-GitHub-OTP');
    if (answer.link) res.setHeader('link', answer.link);
    if (req.headers['if-none-match'] === etag) {
      // Conditional requests answered 304 do not count against the primary rate limit.
      this.stats.notModified += 1;
      writeLimitHeaders(res, budget, 'core');
      res.writeHead(304).end();
      return;
    }
    if (url.pathname !== '/rate_limit') budget.used += 1;
    writeLimitHeaders(res, budget, 'core');
    res.setHeader('content-type', GITHUB_JSON);
    res.writeHead(answer.status ?? 200).end(payload);
  }
}

export { GraphQLError };
