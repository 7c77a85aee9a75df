import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBody } from '../http.js';
import { LoopbackSimulator } from '../loopback.js';
import type { IssueW, World } from '../world/types.js';
import { agileRoutes } from './agile-routes.js';
import { sendServerError, type JiraFault } from './faults.js';
import { HttpError, JIRA_DIALECT, sendError, sendJson } from './http.js';
import { JiraModel, type Flavour } from './model.js';
import { platformRoutes } from './platform-routes.js';
import { RateLimit } from './rate-limit.js';
import { Renderer } from './render.js';
import { firstRoute } from './routes.js';
import type { Answer, JiraRequest, JiraSimulatorOptions, JiraSimulatorStats, JiraSite } from './site.js';

/**
 * A loopback Jira over the generated organisation: the platform API (Cloud v3, or
 * Data Center v2), the Agile API, Atlassian's paging styles (nextPageToken/isLast,
 * startAt/total), bounded JQL, bulk changelogs, rate-limit headers, injectable faults
 * and a count of every request served. It shows the site as it stood at `now`.
 */

export type { JiraFault, JiraSimulatorOptions, JiraSimulatorStats };

const newStats = (): JiraSimulatorStats => ({
  requests: 0,
  byRoute: {},
  faults: 0,
  searchRequests: 0,
  changelogRequests: 0,
  issuesServed: 0,
  historiesServed: 0,
});

export class JiraSimulator extends LoopbackSimulator<JiraFault> {
  readonly model: JiraModel;
  readonly stats: JiraSimulatorStats = newStats();
  readonly flavour: Flavour;
  private render!: Renderer;
  private rateLimit: RateLimit;
  private searches = new Map<string, IssueW[]>();

  constructor(
    world: World,
    private readonly options: JiraSimulatorOptions = {},
  ) {
    super(world, options.now, JIRA_DIALECT);
    this.model = new JiraModel(world);
    this.flavour = options.flavour ?? 'cloud';
    const limit = options.rateLimit ?? { limit: 100_000, windowSeconds: 3600 };
    this.rateLimit = new RateLimit(limit.limit, limit.windowSeconds * 1000);
  }

  /** The searches kept for clients paging through them were found at the old instant. */
  override setNow(t: number): void {
    super.setNow(t);
    this.searches.clear();
  }

  resetStats(): void {
    Object.assign(this.stats, newStats());
  }

  override async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const url = await super.start(port, host);
    this.render = new Renderer(this.model, url, this.flavour);
    return url;
  }

  // ---------------- the request pipeline ----------------

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const body = req.method === 'POST' ? await readBody(req) : '';
    if (url.pathname.startsWith('/__simulator/')) return this.control(req, res, url, body);

    this.count(req.method, url.pathname);
    res.setHeader(
      'x-arequestid',
      createHash('sha1').update(`${this.stats.requests}`).digest('hex').slice(0, 12),
    );
    const fault = this.faults.take(url.pathname);
    if (fault) this.stats.faults += 1;
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));

    if (!this.authorised(req)) {
      res.setHeader('www-authenticate', 'OAuth realm="https%3A%2F%2Fjira.example"');
      return sendError(res, 401, 'Client must be authenticated to access this resource.');
    }
    const nowMs = Date.now();
    const overBudget = this.rateLimit.charge(res, nowMs);
    if (fault?.kind === 'rate-limit') return this.rateLimit.refuse(res, nowMs, fault);
    if (overBudget) return this.rateLimit.refuse(res, nowMs);
    if (fault?.kind === 'server-error') return sendServerError(res, fault);

    const answer = this.answer({
      method: req.method ?? 'GET',
      url,
      body: () => parseBody(body),
      corrupt: fault?.kind === 'malformed',
    });
    if (!answer) return sendError(res, 404, 'Not Found');
    sendJson(res, answer.status ?? 200, answer.body);
  }

  /** Counts the request, by route with keys and ids left out. */
  private count(method: string | undefined, path: string): void {
    this.stats.requests += 1;
    const route = `${method} ${path
      .replace(/\/[A-Z][A-Z0-9]+-\d+(?=\/|$)/g, '/:key')
      .replace(/(?<!\/api|\/agile)\/\d+(?=\/|$)/g, '/:id')}`;
    this.stats.byRoute[route] = (this.stats.byRoute[route] ?? 0) + 1;
  }

  private authorised(req: IncomingMessage): boolean {
    const h = req.headers.authorization ?? '';
    const basic = /^Basic\s+(\S+)$/i.exec(h);
    const bearer = /^Bearer\s+(\S+)$/i.exec(h);
    const want = this.options.auth;
    if (!want) return basic !== null || bearer !== null;
    if ('pat' in want) return bearer?.[1] === want.pat;
    if (!basic) return false;
    return Buffer.from(basic[1]!, 'base64').toString('utf8') === `${want.email}:${want.apiToken}`;
  }

  /** The answer from the API the path names, or undefined for a 404. */
  private answer(req: JiraRequest): Answer | undefined {
    const site = this.site();
    const p = req.url.pathname;
    let m: RegExpExecArray | null;
    if ((m = /^\/rest\/api\/(2|3)\/(.*)$/.exec(p))) {
      // Data Center has only version 2 of the platform API.
      if (m[1] === '3' && this.flavour !== 'cloud') return undefined;
      return firstRoute(platformRoutes, site, req, m[2]!);
    }
    if ((m = /^\/rest\/agile\/1\.0\/(.*)$/.exec(p))) return firstRoute(agileRoutes, site, req, m[1]!);
    return undefined;
  }

  private site(): JiraSite {
    return {
      world: this.world,
      model: this.model,
      render: this.render,
      flavour: this.flavour,
      now: this.now,
      url: this.url,
      options: this.options,
      stats: this.stats,
      searches: this.searches,
    };
  }
}

/** Starts a simulator on loopback and returns it running (its URL in `.url`). */
export async function startJiraSimulator(
  world: World,
  options: JiraSimulatorOptions & { port?: number; host?: string } = {},
): Promise<JiraSimulator> {
  const sim = new JiraSimulator(world, options);
  await sim.start(options.port ?? 0, options.host ?? '127.0.0.1');
  return sim;
}

function parseBody(raw: string): Record<string, unknown> {
  try {
    return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
  } catch {
    throw new HttpError(400, 'Invalid request payload. Refer to the REST API documentation and try again.');
  }
}
