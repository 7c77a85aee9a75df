import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { execute, GraphQLError, parse, validate, type DocumentNode } from 'graphql';
import type { World } from '../world/types.js';
import { GitHubGraph } from './graph.js';
import {
  commitJson,
  deploymentJson,
  deploymentStatusesJson,
  isoSeconds,
  minimalRepository,
  organizationJson,
  releaseJson,
  simpleUser,
  workflowJson,
  workflowRunJson,
} from './rest.js';
import { githubSchema, queryCost } from './schema.js';

/**
 * A loopback GitHub: GraphQL executed against GitHub's real schema and REST shaped
 * as GitHub sends it, with GitHub's pagination, rate-limit headers, conditional
 * requests, GitHub App installation tokens, injectable faults, and a count of
 * every request served. It shows the world as it stood at `now`.
 */

export type Fault =
  | { kind: 'primary-rate-limit'; resetInSeconds?: number }
  | { kind: 'secondary-rate-limit'; retryAfterSeconds?: number }
  | { kind: 'graphql-rate-limited'; resetInSeconds?: number }
  | { kind: 'server-error'; status?: 500 | 502 | 503 | 504 }
  | { kind: 'slow'; delayMs: number };

interface QueuedFault {
  fault: Fault;
  left: number;
  path?: RegExp;
}

export interface SimulatorStats {
  requests: number;
  graphqlRequests: number;
  restRequests: number;
  notModified: number;
  graphqlPoints: number;
  byRoute: Record<string, number>;
}

interface Budget {
  limit: number;
  used: number;
  reset: number;
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

const GITHUB_SECONDARY =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID';

export class GitHubSimulator {
  readonly graph: GitHubGraph;
  readonly stats: SimulatorStats = {
    requests: 0,
    graphqlRequests: 0,
    restRequests: 0,
    notModified: 0,
    graphqlPoints: 0,
    byRoute: {},
  };
  private server: Server | undefined;
  private now: number;
  private faults: QueuedFault[] = [];
  private budgets = new Map<string, { core: Budget; graphql: Budget }>();
  private installationTokens = new Map<string, { installationId: number; expires: number }>();
  private parsed = new Map<string, DocumentNode>();
  private validated = new WeakMap<DocumentNode, readonly GraphQLError[]>();
  url = '';

  constructor(
    readonly world: World,
    private readonly options: GitHubSimulatorOptions = {},
  ) {
    this.now = Math.min(options.now ?? world.spec.end, world.spec.end);
    this.graph = new GitHubGraph(world, () => this.now);
  }

  /** Moves the instant the API shows (never past the end of the world). */
  setNow(t: number): void {
    this.now = Math.min(t, this.world.spec.end);
  }

  getNow(): number {
    return this.now;
  }

  inject(fault: Fault, times = 1, path?: RegExp): void {
    this.faults.push({ fault, left: times, path });
  }

  clearFaults(): void {
    this.faults = [];
  }

  resetStats(): void {
    Object.assign(this.stats, {
      requests: 0,
      graphqlRequests: 0,
      restRequests: 0,
      notModified: 0,
      graphqlPoints: 0,
      byRoute: {},
    });
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    // Built at start-up, as a server does, not while the first query waits.
    githubSchema();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.json(res, 500, { message: `simulator error: ${String(err)}` });
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const address = this.server.address() as { port: number };
    this.url = `http://${host}:${address.port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }

  // ---------------- plumbing ----------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Control of a simulator running in another process (benchmarks, `engmetrics simulate`); not counted.
    if (url.pathname.startsWith('/__simulator/'))
      return this.control(req, res, url, req.method === 'POST' ? await readBody(req) : '');
    this.stats.requests += 1;
    res.setHeader('x-github-request-id', randomBytes(8).toString('hex').toUpperCase());
    res.setHeader('x-github-api-version-selected', '2022-11-28');
    const fault = this.takeFault(url.pathname);
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));
    const body = req.method === 'POST' ? await readBody(req) : '';

    const route = `${req.method} ${url.pathname.replace(/\/[0-9a-f]{40}\b/g, '/:sha').replace(/\/\d+(?=\/|$)/g, '/:id')}`;
    this.stats.byRoute[route] = (this.stats.byRoute[route] ?? 0) + 1;

    // GitHub App endpoints authenticate with the app's JWT.
    if (url.pathname.startsWith('/app') || /^\/orgs\/[^/]+\/installation$/.test(url.pathname))
      return this.appRoutes(req, res, url);

    const token = this.token(req);
    if (token === null)
      return this.json(res, 401, {
        message: 'Requires authentication',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    if (token === false)
      return this.json(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });

    const graphql = url.pathname === '/graphql' || url.pathname === '/api/graphql';
    const budgets = this.budgetsFor(token);
    const budget = graphql ? budgets.graphql : budgets.core;
    const limitHeaders = () => {
      res.setHeader('x-ratelimit-limit', String(budget.limit));
      res.setHeader('x-ratelimit-remaining', String(Math.max(0, budget.limit - budget.used)));
      res.setHeader('x-ratelimit-used', String(budget.used));
      res.setHeader('x-ratelimit-reset', String(budget.reset));
      res.setHeader('x-ratelimit-resource', graphql ? 'graphql' : 'core');
    };

    if (fault && fault.kind !== 'slow') {
      const epoch = Math.floor(Date.now() / 1000);
      if (fault.kind === 'server-error') {
        res.setHeader('content-type', 'text/html');
        res.writeHead(fault.status ?? 502).end('<html><body><h1>Server Error</h1></body></html>');
        return;
      }
      if (fault.kind === 'secondary-rate-limit') {
        limitHeaders();
        res.setHeader('retry-after', String(fault.retryAfterSeconds ?? 1));
        return this.json(res, 403, {
          message: GITHUB_SECONDARY,
          documentation_url:
            'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
          status: '403',
        });
      }
      if (fault.kind === 'primary-rate-limit' || fault.kind === 'graphql-rate-limited') {
        res.setHeader('x-ratelimit-limit', String(budget.limit));
        res.setHeader('x-ratelimit-remaining', '0');
        res.setHeader('x-ratelimit-used', String(budget.limit));
        res.setHeader('x-ratelimit-reset', String(epoch + (fault.resetInSeconds ?? 1)));
        res.setHeader('x-ratelimit-resource', graphql ? 'graphql' : 'core');
        if (graphql)
          return this.json(res, 200, {
            errors: [
              {
                type: 'RATE_LIMITED',
                code: 'graphql_rate_limit',
                message: `API rate limit already exceeded for user ID ${Math.abs(hashCode(token))}.`,
              },
            ],
          });
        return this.json(res, 403, {
          message: `API rate limit exceeded for user ID ${Math.abs(hashCode(token))}. If you reach out to GitHub Support for help, please include the request ID.`,
          documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
          status: '403',
        });
      }
    }

    if (graphql) {
      this.stats.graphqlRequests += 1;
      if (req.method !== 'POST') return this.json(res, 404, { message: 'Not Found' });
      return this.graphqlRequest(res, body, budget, limitHeaders);
    }
    this.stats.restRequests += 1;
    if (req.method !== 'GET')
      return this.json(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });
    if (budget.used >= budget.limit) {
      limitHeaders();
      return this.json(res, 403, {
        message: 'API rate limit exceeded.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
        status: '403',
      });
    }
    const answer = this.rest(url);
    if (!answer) {
      limitHeaders();
      return this.json(res, 404, {
        message: 'Not Found',
        documentation_url: 'https://docs.github.com/rest',
        status: '404',
      });
    }
    const payload = JSON.stringify(answer.body);
    const etag = `W/"${createHash('sha256').update(payload).digest('hex').slice(0, 40)}"`;
    res.setHeader('etag', etag);
    res.setHeader('cache-control', 'private, max-age=60, s-maxage=60');
    res.setHeader('vary', 'Accept, Authorization, Cookie, X-GitHub-OTP');
    if (answer.link) res.setHeader('link', answer.link);
    if (req.headers['if-none-match'] === etag) {
      // Conditional requests answered 304 do not count against the primary rate limit.
      this.stats.notModified += 1;
      limitHeaders();
      res.writeHead(304).end();
      return;
    }
    if (url.pathname !== '/rate_limit') budget.used += 1;
    limitHeaders();
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.writeHead(answer.status ?? 200).end(payload);
  }

  private control(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    if (url.pathname === '/__simulator/stats') return this.json(res, 200, { ...this.stats, now: this.now });
    if (req.method === 'POST' && url.pathname === '/__simulator/reset') {
      this.resetStats();
      return this.json(res, 200, { ...this.stats, now: this.now });
    }
    if (req.method === 'POST' && url.pathname === '/__simulator/now') {
      this.setNow(Number((JSON.parse(body) as { now: number }).now));
      return this.json(res, 200, { now: this.now });
    }
    if (req.method === 'POST' && url.pathname === '/__simulator/faults') {
      const f = JSON.parse(body) as { fault: Fault; times?: number; path?: string };
      this.inject(f.fault, f.times ?? 1, f.path ? new RegExp(f.path) : undefined);
      return this.json(res, 200, { queued: this.faults.length });
    }
    this.json(res, 404, { message: 'Not Found' });
  }

  private takeFault(path: string): Fault | undefined {
    const i = this.faults.findIndex((f) => !f.path || f.path.test(path));
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    f.left -= 1;
    if (f.left <= 0) this.faults.splice(i, 1);
    return f.fault;
  }

  /** The caller's token; null when none was sent, false when it is not valid. */
  private token(req: IncomingMessage): string | null | false {
    const h = req.headers.authorization;
    if (!h) return null;
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(h);
    if (!m) return false;
    const t = m[1]!;
    const installation = this.installationTokens.get(t);
    if (installation) return installation.expires > Date.now() ? t : false;
    if (this.options.tokens) return this.options.tokens.includes(t) ? t : false;
    return /^(ghp_|github_pat_|gho_|ghu_)\w+/.test(t) ? t : false;
  }

  private budgetsFor(token: string) {
    const nowS = Math.floor(Date.now() / 1000);
    let b = this.budgets.get(token);
    if (!b || b.core.reset <= nowS) {
      const installation = this.installationTokens.has(token);
      const fresh = (limit: number) => ({ limit, used: 0, reset: nowS + 3600 });
      b = {
        core: fresh(this.options.restLimit ?? (installation ? 15_000 : 5_000)),
        graphql: fresh(this.options.graphqlLimit ?? (installation ? 10_000 : 5_000)),
      };
      this.budgets.set(token, b);
    }
    return b;
  }

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.writeHead(status).end(JSON.stringify(body));
  }

  // ---------------- GraphQL ----------------

  private graphqlRequest(res: ServerResponse, raw: string, budget: Budget, limitHeaders: () => void): void {
    let req: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      req = JSON.parse(raw);
    } catch {
      limitHeaders();
      return this.json(res, 400, {
        message: 'Problems parsing JSON',
        documentation_url: 'https://docs.github.com/graphql',
      });
    }
    if (typeof req.query !== 'string') {
      limitHeaders();
      return this.json(res, 200, {
        errors: [{ message: 'A query attribute must be specified and must be a string.' }],
      });
    }
    const variables = (req.variables ?? {}) as Record<string, unknown>;
    const op = /^\s*(?:query|mutation)\s+(\w+)/.exec(req.query)?.[1] ?? 'anonymous';
    this.stats.byRoute[`graphql ${op}`] = (this.stats.byRoute[`graphql ${op}`] ?? 0) + 1;
    const operationName = typeof req.operationName === 'string' ? req.operationName : undefined;
    let document = this.parsed.get(req.query);
    try {
      if (!document) {
        document = parse(req.query);
        this.parsed.set(req.query, document);
      }
    } catch (err) {
      limitHeaders();
      return this.json(res, 200, {
        errors: [{ message: (err as GraphQLError).message, locations: (err as GraphQLError).locations }],
      });
    }
    const problems = this.validated.get(document) ?? validate(githubSchema(), document);
    this.validated.set(document, problems);
    if (problems.length) {
      limitHeaders();
      return this.json(res, 200, {
        errors: problems.map((p) => ({
          message: p.message,
          locations: p.locations,
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
        })),
      });
    }
    let cost: { cost: number; nodeCount: number };
    try {
      cost = queryCost(document, variables, operationName);
    } catch (err) {
      limitHeaders();
      return this.json(res, 200, {
        errors: [{ message: (err as Error).message, type: 'MAX_NODE_LIMIT_EXCEEDED' }],
      });
    }
    if (budget.used + cost.cost > budget.limit) {
      limitHeaders();
      res.setHeader('x-ratelimit-remaining', '0');
      return this.json(res, 200, {
        errors: [
          { type: 'RATE_LIMITED', code: 'graphql_rate_limit', message: 'API rate limit already exceeded.' },
        ],
      });
    }
    budget.used += cost.cost;
    this.stats.graphqlPoints += cost.cost;
    const rateLimit = () => ({
      __typename: 'RateLimit',
      cost: cost.cost,
      limit: budget.limit,
      remaining: budget.limit - budget.used,
      used: budget.used,
      resetAt: isoSeconds(budget.reset * 1000),
      nodeCount: cost.nodeCount,
    });
    const result = execute({
      schema: githubSchema(),
      document,
      rootValue: { ...this.graph.root(), rateLimit },
      variableValues: variables,
      operationName,
    }) as { data?: unknown; errors?: readonly GraphQLError[] };
    limitHeaders();
    const out: Record<string, unknown> = { data: result.data ?? null };
    if (result.errors?.length)
      out.errors = result.errors.map((e) => ({
        type: (e.extensions?.type as string | undefined) ?? undefined,
        path: e.path,
        locations: e.locations,
        message: e.message,
      }));
    this.json(res, 200, out);
  }

  // ---------------- REST ----------------

  private rest(url: URL): { body: unknown; link?: string; status?: number } | undefined {
    const p = url.pathname.replace(/^\/api\/v3/, '');
    const q = url.searchParams;
    const now = this.now;
    const world = this.world;
    let m: RegExpExecArray | null;
    if (p === '/rate_limit') {
      const b = this.budgets.values().next().value ?? {
        core: { limit: 5000, used: 0, reset: 0 },
        graphql: { limit: 5000, used: 0, reset: 0 },
      };
      const r = (x: Budget) => ({
        limit: x.limit,
        used: x.used,
        remaining: x.limit - x.used,
        reset: x.reset,
      });
      return {
        body: {
          resources: {
            core: r(b.core),
            graphql: r(b.graphql),
            search: { limit: 30, used: 0, remaining: 30, reset: b.core.reset },
          },
          rate: r(b.core),
        },
      };
    }
    if ((m = /^\/orgs\/([^/]+)$/.exec(p)))
      return m[1]!.toLowerCase() === world.org.login.toLowerCase()
        ? { body: organizationJson(world) }
        : undefined;
    if ((m = /^\/orgs\/([^/]+)\/repos$/.exec(p))) {
      if (m[1]!.toLowerCase() !== world.org.login.toLowerCase()) return undefined;
      const repos = world.repos.filter((r) => r.createdAt <= now).sort((a, b) => a.createdAt - b.createdAt);
      return this.page(
        url,
        repos.map((r) => minimalRepository(world, r, this.pushedAt(r))),
      );
    }
    m = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(p);
    if (!m) return undefined;
    const repo = this.graph.repoByName(m[1]!, m[2]!);
    if (!repo) return undefined;
    const rest = m[3] ?? '';
    if (rest === '') return { body: minimalRepository(world, repo, this.pushedAt(repo)) };
    if (rest === '/deployments') {
      let list = repo.deployments.filter((d) => d.createdAt <= now);
      for (const key of ['environment', 'sha', 'ref', 'task'] as const) {
        const v = q.get(key);
        if (v)
          list = list.filter(
            (d) =>
              (key === 'environment'
                ? d.environment
                : key === 'sha'
                  ? d.sha
                  : key === 'ref'
                    ? d.ref
                    : d.task) === v,
          );
      }
      list = [...list].sort((a, b) => b.createdAt - a.createdAt || b.databaseId - a.databaseId);
      return this.page(
        url,
        list.map((d) => deploymentJson(world, repo, d, now)),
      );
    }
    if ((m = /^\/deployments\/(\d+)\/statuses$/.exec(rest))) {
      const d = repo.deployments.find((x) => x.databaseId === Number(m![1]) && x.createdAt <= now);
      return d ? this.page(url, deploymentStatusesJson(world, repo, d, now)) : undefined;
    }
    if ((m = /^\/deployments\/(\d+)$/.exec(rest))) {
      const d = repo.deployments.find((x) => x.databaseId === Number(m![1]) && x.createdAt <= now);
      return d ? { body: deploymentJson(world, repo, d, now) } : undefined;
    }
    if (rest === '/releases') {
      const list = repo.releases.filter((r) => r.createdAt <= now).sort((a, b) => b.createdAt - a.createdAt);
      return this.page(
        url,
        list.map((r) => releaseJson(world, repo, r, now)),
      );
    }
    if ((m = /^\/compare\/(.+)\.\.\.(.+)$/.exec(rest)))
      return this.compare(repo, decodeURIComponent(m[1]!), decodeURIComponent(m[2]!));
    if (rest === '/actions/workflows') {
      const seen = new Map<number, (typeof repo.workflowRuns)[number]>();
      for (const r of repo.workflowRuns) if (!seen.has(r.workflowId)) seen.set(r.workflowId, r);
      const workflows = [...seen.values()].map((r) => workflowJson(world, repo, r));
      return { body: { total_count: workflows.length, workflows } };
    }
    const byWorkflow = /^\/actions\/workflows\/([^/]+)\/runs$/.exec(rest);
    const runs = /^\/actions\/runs$/.test(rest)
      ? repo.workflowRuns
      : byWorkflow
        ? this.runsOf(repo, decodeURIComponent(byWorkflow[1]!))
        : undefined;
    if (runs) {
      let list = runs.filter((r) => r.createdAt <= now);
      const branch = q.get('branch');
      if (branch) list = list.filter((r) => r.headBranch === branch);
      const status = q.get('status');
      if (status === 'success' || status === 'failure')
        list = list.filter((r) => r.updatedAt <= now && r.conclusion === status);
      else if (status === 'completed') list = list.filter((r) => r.updatedAt <= now);
      const created = q.get('created');
      if (created) {
        const cm = /^(>=|<=|>|<)?(.+?)(?:\.\.(.+))?$/.exec(created);
        if (cm) {
          const a = Date.parse(cm[2]!);
          const b = cm[3] ? Date.parse(cm[3]) + 86_399_999 : undefined;
          list = list.filter((r) =>
            b !== undefined
              ? r.createdAt >= a && r.createdAt <= b
              : cm[1] === '>='
                ? r.createdAt >= a
                : cm[1] === '>'
                  ? r.createdAt > a
                  : cm[1] === '<='
                    ? r.createdAt <= a
                    : cm[1] === '<'
                      ? r.createdAt < a
                      : true,
          );
        }
      }
      // With any filter GitHub returns at most 1,000 runs per search.
      const filtered = branch || status || created;
      list = [...list].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
      const total = list.length;
      if (filtered) list = list.slice(0, 1000);
      const paged = this.page(
        url,
        list.map((r) => workflowRunJson(world, repo, r, now)),
      );
      return { ...paged, body: { total_count: total, workflow_runs: paged.body } };
    }
    return undefined;
  }

  private runsOf(repo: World['repos'][number], idOrFile: string) {
    const byId = repo.workflowRuns.filter((r) => String(r.workflowId) === idOrFile);
    return byId.length ? byId : repo.workflowRuns.filter((r) => r.path.endsWith(`/${idOrFile}`));
  }

  private pushedAt(repo: World['repos'][number]): number {
    let t = repo.createdAt;
    for (const c of repo.mainline) if (c.committedAt <= this.now && c.committedAt > t) t = c.committedAt;
    return t;
  }

  /** `base...head`: what `head` has that `base` lacks, from their merge base. */
  private compare(repo: World['repos'][number], base: string, head: string) {
    const now = this.now;
    const line = repo.mainline.filter((c) => c.committedAt <= now);
    const posOf = (ref: string) =>
      ref === repo.defaultBranch ? line.length - 1 : line.findIndex((c) => c.oid === ref);
    const basePos = posOf(base);
    if (basePos < 0) return undefined;
    let mergeBasePos: number;
    let ahead: typeof line;
    const headPos = posOf(head);
    if (headPos >= 0) {
      mergeBasePos = Math.min(basePos, headPos);
      ahead = line.slice(basePos + 1, headPos + 1);
    } else {
      const pr = repo.pullRequests.find((x) => x.commits.some((c) => c.oid === head) && x.createdAt <= now);
      if (!pr) return undefined;
      const upTo = pr.commits.findIndex((c) => c.oid === head);
      mergeBasePos = Math.min(
        basePos,
        Math.max(
          0,
          line.findIndex((c) => c.oid === pr.baseOid),
        ),
      );
      ahead = pr.commits.slice(0, upTo + 1).map((c, i, all) => ({
        ...c,
        parents: [i === 0 ? line[mergeBasePos]!.oid : all[i - 1]!.oid],
        prNumber: null,
      }));
    }
    const behindBy = basePos - mergeBasePos;
    const status =
      ahead.length === 0 ? (behindBy === 0 ? 'identical' : 'behind') : behindBy === 0 ? 'ahead' : 'diverged';
    const full = `${this.world.org.login}/${repo.name}`;
    return {
      body: {
        url: `https://api.github.com/repos/${full}/compare/${base}...${head}`,
        html_url: `https://github.com/${full}/compare/${base}...${head}`,
        permalink_url: `https://github.com/${full}/compare/${this.world.org.login}:${line[basePos]!.oid.slice(0, 7)}...${this.world.org.login}:${head.slice(0, 7)}`,
        diff_url: `https://github.com/${full}/compare/${base}...${head}.diff`,
        patch_url: `https://github.com/${full}/compare/${base}...${head}.patch`,
        base_commit: commitJson(this.world, repo, line[basePos]!),
        merge_base_commit: commitJson(this.world, repo, line[mergeBasePos]!),
        status,
        ahead_by: ahead.length,
        behind_by: behindBy,
        total_commits: ahead.length,
        commits: ahead.slice(0, 250).map((c) => commitJson(this.world, repo, c)),
        files: [],
      },
    };
  }

  private page<T>(url: URL, items: T[]): { body: T[]; link?: string } {
    const per = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / per));
    const body = items.slice((page - 1) * per, page * per);
    const href = (n: number) => {
      const u = new URL(url.toString());
      u.searchParams.set('page', String(n));
      u.searchParams.set('per_page', String(per));
      return `<${this.url}${u.pathname}${u.search}>`;
    };
    const links: string[] = [];
    if (page > 1) links.push(`${href(page - 1)}; rel="prev"`);
    if (page < last) links.push(`${href(page + 1)}; rel="next"`, `${href(last)}; rel="last"`);
    if (page > 1) links.push(`${href(1)}; rel="first"`);
    return { body, link: links.length ? links.join(', ') : undefined };
  }

  // ---------------- GitHub Apps ----------------

  private appRoutes(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const appId = this.verifyJwt(req);
    if (appId === null)
      return this.json(res, 401, {
        message: 'A JSON web token could not be decoded',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    const installationId = appId * 10 + 1;
    const installation = {
      id: installationId,
      account: simpleUser(this.world.org.login, 'Organization'),
      access_tokens_url: `https://api.github.com/app/installations/${installationId}/access_tokens`,
      repositories_url: 'https://api.github.com/installation/repositories',
      html_url: `https://github.com/organizations/${this.world.org.login}/settings/installations/${installationId}`,
      app_id: appId,
      app_slug: 'engmetrics',
      target_id: this.world.org.databaseId,
      target_type: 'Organization',
      permissions: {
        metadata: 'read',
        contents: 'read',
        pull_requests: 'read',
        deployments: 'read',
        actions: 'read',
      },
      events: [],
      created_at: isoSeconds(this.world.spec.start),
      updated_at: isoSeconds(this.world.spec.start),
      single_file_name: null,
      repository_selection: 'all',
      suspended_by: null,
      suspended_at: null,
    };
    if (req.method === 'GET' && url.pathname === '/app/installations')
      return this.json(res, 200, [installation]);
    const org = /^\/orgs\/([^/]+)\/installation$/.exec(url.pathname);
    if (req.method === 'GET' && org)
      return org[1]!.toLowerCase() === this.world.org.login.toLowerCase()
        ? this.json(res, 200, installation)
        : this.json(res, 404, { message: 'Not Found' });
    const m = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(url.pathname);
    if (req.method === 'POST' && m) {
      if (Number(m[1]) !== installationId) return this.json(res, 404, { message: 'Not Found' });
      const token = `ghs_${randomBytes(18).toString('base64url')}`;
      const expires = Date.now() + 3600_000;
      this.installationTokens.set(token, { installationId, expires });
      return this.json(res, 201, {
        token,
        expires_at: isoSeconds(expires),
        permissions: installation.permissions,
        repository_selection: 'all',
      });
    }
    return this.json(res, 404, { message: 'Not Found' });
  }

  /** The app id of a valid RS256 app JWT, or null. */
  private verifyJwt(req: IncomingMessage): number | null {
    const m = /^bearer\s+([\w-]+)\.([\w-]+)\.([\w-]+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return null;
    try {
      const header = JSON.parse(Buffer.from(m[1]!, 'base64url').toString());
      const claims = JSON.parse(Buffer.from(m[2]!, 'base64url').toString());
      const appId = Number(claims.iss);
      const pem = this.options.apps?.[appId];
      if (header.alg !== 'RS256' || !pem) return null;
      const ok = verify(
        'RSA-SHA256',
        Buffer.from(`${m[1]}.${m[2]}`),
        createPublicKey(pem),
        Buffer.from(m[3]!, 'base64url'),
      );
      const nowS = Date.now() / 1000;
      if (!ok || claims.exp < nowS || claims.iat > nowS + 60) return null;
      return appId;
    } catch {
      return null;
    }
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function hashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

export { GraphQLError };
