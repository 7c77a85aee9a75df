import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { IssueW, World } from '../world/types.js';
import { compareBy, isUnbounded, JqlError, matches, parseJql, type Matchable } from './jql.js';
import { jiraTime, JiraModel, sprintState, STATUSES, valueAt, type Flavour, type History } from './model.js';
import { ALL_FIELDS, Renderer } from './render.js';

/**
 * A loopback Jira over the generated organisation: the platform API (Cloud v3, or
 * Data Center v2), the Agile API, Atlassian's paging styles (nextPageToken/isLast,
 * startAt/total), bounded JQL, bulk changelogs, rate-limit headers, injectable faults
 * and a count of every request served. It shows the site as it stood at `now`.
 */

export type JiraFault =
  | {
      kind: 'rate-limit';
      retryAfterSeconds?: number;
      reason?: 'jira-burst-based' | 'jira-quota-tenant-based';
    }
  | { kind: 'server-error'; status?: 500 | 502 | 503 | 504; retryAfterSeconds?: number }
  | { kind: 'slow'; delayMs: number }
  /** The next matching response carries one broken record (a date Jira would never send, an unknown state). */
  | { kind: 'malformed' };

interface QueuedFault {
  fault: JiraFault;
  left: number;
  path?: RegExp;
}

export interface JiraSimulatorOptions {
  /** The instant the API shows; defaults to (and never passes) the end of the world. */
  now?: number;
  flavour?: Flavour;
  /** Credentials accepted; any Basic (Cloud) or Bearer (Data Center) credentials when unset. */
  auth?: { email: string; apiToken: string } | { pat: string };
  /** Requests allowed per window before 429s (default 100,000 an hour). */
  rateLimit?: { limit: number; windowSeconds: number };
  /** Most issues a search page holds when fields beyond id/key are asked for (Jira Cloud gives 100). */
  searchPageWithFields?: number;
}

export interface JiraSimulatorStats {
  requests: number;
  byRoute: Record<string, number>;
  faults: number;
  searchRequests: number;
  changelogRequests: number;
  issuesServed: number;
  historiesServed: number;
}

const CHANGE_2046 =
  'The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046';
const UNBOUNDED =
  'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.';

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const newStats = (): JiraSimulatorStats => ({
  requests: 0,
  byRoute: {},
  faults: 0,
  searchRequests: 0,
  changelogRequests: 0,
  issuesServed: 0,
  historiesServed: 0,
});

export class JiraSimulator {
  readonly model: JiraModel;
  readonly stats: JiraSimulatorStats = newStats();
  readonly flavour: Flavour;
  private server: Server | undefined;
  private now: number;
  private faults: QueuedFault[] = [];
  private render!: Renderer;
  private budget: { limit: number; windowMs: number; used: number; resetAt: number };
  private searches = new Map<string, IssueW[]>();
  url = '';

  constructor(
    readonly world: World,
    private readonly options: JiraSimulatorOptions = {},
  ) {
    this.model = new JiraModel(world);
    this.flavour = options.flavour ?? 'cloud';
    this.now = Math.min(options.now ?? world.spec.end, world.spec.end);
    const limit = options.rateLimit ?? { limit: 100_000, windowSeconds: 3600 };
    this.budget = { limit: limit.limit, windowMs: limit.windowSeconds * 1000, used: 0, resetAt: 0 };
  }

  /** Moves the instant the API shows (never past the end of the world). */
  setNow(t: number): void {
    this.now = Math.min(t, this.world.spec.end);
    this.searches.clear();
  }

  getNow(): number {
    return this.now;
  }

  inject(fault: JiraFault, times = 1, path?: RegExp): void {
    this.faults.push({ fault, left: times, path });
  }

  clearFaults(): void {
    this.faults = [];
  }

  resetStats(): void {
    Object.assign(this.stats, newStats());
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (res.headersSent) return;
        if (err instanceof HttpError) this.error(res, err.status, err.message);
        else this.error(res, 500, `simulator error: ${String(err)}`);
      });
    });
    this.server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, host, () => resolve());
    });
    const address = this.server.address() as { port: number };
    this.url = `http://${host}:${address.port}`;
    this.render = new Renderer(this.model, this.url, this.flavour);
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
    const body = req.method === 'POST' ? await readBody(req) : '';
    if (url.pathname.startsWith('/__simulator/')) return this.control(req, res, url, body);

    this.stats.requests += 1;
    const route = `${req.method} ${url.pathname
      .replace(/\/[A-Z][A-Z0-9]+-\d+(?=\/|$)/g, '/:key')
      .replace(/(?<!\/api|\/agile)\/\d+(?=\/|$)/g, '/:id')}`;
    this.stats.byRoute[route] = (this.stats.byRoute[route] ?? 0) + 1;
    res.setHeader(
      'x-arequestid',
      createHash('sha1').update(`${this.stats.requests}`).digest('hex').slice(0, 12),
    );

    const fault = this.takeFault(url.pathname);
    if (fault) this.stats.faults += 1;
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delayMs));

    if (!this.authorised(req)) {
      res.setHeader('www-authenticate', 'OAuth realm="https%3A%2F%2Fjira.example"');
      return this.error(res, 401, 'Client must be authenticated to access this resource.');
    }

    const nowMs = Date.now();
    if (this.budget.resetAt <= nowMs) {
      this.budget.used = 0;
      this.budget.resetAt = nowMs + this.budget.windowMs;
    }
    this.budget.used += 1;
    const remaining = Math.max(0, this.budget.limit - this.budget.used);
    res.setHeader('x-ratelimit-limit', String(this.budget.limit));
    res.setHeader('x-ratelimit-remaining', String(remaining));
    res.setHeader('x-ratelimit-reset', new Date(this.budget.resetAt).toISOString());
    if (remaining < this.budget.limit * 0.2) res.setHeader('x-ratelimit-nearlimit', 'true');

    if (fault?.kind === 'rate-limit' || this.budget.used > this.budget.limit) {
      const wait =
        fault?.kind === 'rate-limit'
          ? (fault.retryAfterSeconds ?? 1)
          : Math.ceil((this.budget.resetAt - nowMs) / 1000);
      res.setHeader('retry-after', String(wait));
      res.setHeader('x-ratelimit-remaining', '0');
      res.setHeader('x-ratelimit-reset', new Date(nowMs + wait * 1000).toISOString());
      res.setHeader(
        'ratelimit-reason',
        fault?.kind === 'rate-limit' ? (fault.reason ?? 'jira-burst-based') : 'jira-quota-tenant-based',
      );
      return this.error(res, 429, 'Rate limit exceeded.');
    }
    if (fault?.kind === 'server-error') {
      const status = fault.status ?? 503;
      if (fault.retryAfterSeconds !== undefined)
        res.setHeader('retry-after', String(fault.retryAfterSeconds));
      res.setHeader('content-type', 'text/html;charset=UTF-8');
      res
        .writeHead(status)
        .end(`<html><body><h1>${status}</h1><p>Atlassian is having trouble.</p></body></html>`);
      return;
    }
    const answer = this.route(req.method ?? 'GET', url, body, fault?.kind === 'malformed');
    if (!answer) return this.error(res, 404, 'Not Found');
    this.json(res, answer.status ?? 200, answer.body);
  }

  private control(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void {
    if (url.pathname === '/__simulator/stats') return this.json(res, 200, { ...this.stats, now: this.now });
    if (req.method === 'POST' && url.pathname === '/__simulator/now') {
      this.setNow(Number((JSON.parse(body) as { now: number }).now));
      return this.json(res, 200, { now: this.now });
    }
    if (req.method === 'POST' && url.pathname === '/__simulator/faults') {
      const f = JSON.parse(body) as { fault: JiraFault; times?: number; path?: string };
      this.inject(f.fault, f.times ?? 1, f.path ? new RegExp(f.path) : undefined);
      return this.json(res, 200, { queued: this.faults.length });
    }
    this.error(res, 404, 'Not Found');
  }

  private takeFault(path: string): JiraFault | undefined {
    const i = this.faults.findIndex((f) => !f.path || f.path.test(path));
    if (i < 0) return undefined;
    const f = this.faults[i]!;
    f.left -= 1;
    if (f.left <= 0) this.faults.splice(i, 1);
    return f.fault;
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

  private json(res: ServerResponse, status: number, body: unknown): void {
    res.setHeader('content-type', 'application/json;charset=UTF-8');
    res.writeHead(status).end(JSON.stringify(body));
  }

  private error(res: ServerResponse, status: number, message: string): void {
    this.json(res, status, { errorMessages: [message], errors: {} });
  }

  // ---------------- routes ----------------

  private route(
    method: string,
    url: URL,
    raw: string,
    corrupt: boolean,
  ): { body: unknown; status?: number } | undefined {
    const p = url.pathname;
    const q = url.searchParams;
    const cloud = this.flavour === 'cloud';
    const now = this.now;
    let m: RegExpExecArray | null;
    const body = (): Record<string, unknown> => {
      try {
        return raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
      } catch {
        throw new HttpError(
          400,
          'Invalid request payload. Refer to the REST API documentation and try again.',
        );
      }
    };

    if ((m = /^\/rest\/api\/(2|3)\/(.*)$/.exec(p))) {
      const version = m[1]!;
      const rest = m[2]!;
      if (version === '3' && !cloud) return undefined;
      if (method === 'GET' && rest === 'myself') return { body: this.myself() };
      if (method === 'GET' && rest === 'serverInfo') return { body: this.serverInfo() };
      if (method === 'GET' && rest === 'field') return { body: this.render.fieldCatalogue() };
      if (method === 'GET' && rest === 'status')
        return { body: STATUSES.map((s) => this.render.status(s.name)) };
      if (method === 'GET' && rest === 'statuscategory')
        return {
          body: (['undefined', 'new', 'indeterminate', 'done'] as const).map((k) => this.render.category(k)),
        };
      if (method === 'GET' && rest === 'project/search' && cloud) return { body: this.projectSearch(url) };
      if (method === 'GET' && rest === 'project')
        return { body: this.world.jira.projects.map((x) => this.render.project(x.key)) };
      if (method === 'GET' && (m = /^project\/([^/]+)$/.exec(rest))) {
        const want = decodeURIComponent(m[1]!);
        const found = this.world.jira.projects.find((x) => x.key === want.toUpperCase() || x.id === want);
        if (!found) throw new HttpError(404, `No project could be found with key '${want}'.`);
        return { body: this.render.project(found.key) };
      }
      if (rest === 'search' && (method === 'GET' || method === 'POST')) {
        if (cloud) return { status: 410, body: { errorMessages: [CHANGE_2046], errors: {} } };
        return { body: this.searchByOffset(method === 'GET' ? fromQuery(q) : body(), corrupt) };
      }
      if (rest === 'search/jql' && (method === 'GET' || method === 'POST') && cloud)
        return { body: this.searchJql(method === 'GET' ? fromQuery(q) : body(), corrupt) };
      if (method === 'POST' && rest === 'changelog/bulkfetch' && cloud)
        return { body: this.bulkChangelog(body(), corrupt) };
      if (method === 'GET' && cloud && (m = /^issue\/([^/]+)\/changelog$/.exec(rest)))
        return { body: this.issueChangelog(decodeURIComponent(m[1]!), url) };
      if (method === 'GET' && (m = /^issue\/([^/]+)$/.exec(rest))) {
        const issue = this.visibleIssue(decodeURIComponent(m[1]!));
        return {
          body: this.render.issue(
            issue,
            now,
            wantedFields(q.getAll('fields'), null),
            expandOf(q.get('expand')),
          ),
        };
      }
      return undefined;
    }

    if ((m = /^\/rest\/agile\/1\.0\/(.*)$/.exec(p)) && method === 'GET') {
      const rest = m[1]!;
      if (rest === 'board') return { body: this.boards(q) };
      if ((m = /^board\/(\d+)(\/configuration|\/sprint)?$/.exec(rest))) {
        const board = this.world.jira.boards.find((b) => b.id === Number(m![1]));
        if (!board)
          throw new HttpError(404, `Board ${m[1]} does not exist or you do not have permission to see it.`);
        if (m[2] === '/configuration') return { body: this.render.boardConfiguration(board) };
        if (m[2] === '/sprint') return { body: this.boardSprints(board.id, q, corrupt) };
        return { body: this.render.board(board) };
      }
      if ((m = /^sprint\/(\d+)(\/issue)?$/.exec(rest))) {
        const sprint = this.model.sprints.get(Number(m[1]));
        if (!sprint || sprint.createdAt > now)
          throw new HttpError(
            404,
            `Sprint with id ${m[1]} does not exist or you do not have permission to view it.`,
          );
        if (!m[2]) return { body: this.render.sprint(sprint, now) };
        return { body: this.sprintIssues(sprint.id, q) };
      }
    }
    return undefined;
  }

  private myself() {
    const lead = this.world.people.find((x) => !x.bot)!;
    return {
      ...this.render.user(lead.login),
      ...(this.flavour === 'cloud' ? { locale: 'en_US' } : {}),
      groups: { size: 1, items: [] },
      applicationRoles: { size: 1, items: [] },
      expand: 'groups,applicationRoles',
    };
  }

  private serverInfo() {
    const cloud = this.flavour === 'cloud';
    return {
      baseUrl: this.url,
      displayUrl: this.url,
      version: cloud ? '1001.0.0-SNAPSHOT' : '9.12.15',
      versionNumbers: cloud ? [1001, 0, 0] : [9, 12, 15],
      deploymentType: cloud ? 'Cloud' : 'Server',
      buildNumber: cloud ? 100_290 : 9_120_015,
      buildDate: '2026-01-15T00:00:00.000+0000',
      serverTime: jiraTime(Date.now()),
      scmInfo: 'engmetrics-simulator',
      serverTitle: 'Jira',
    };
  }

  private projectSearch(url: URL) {
    const q = url.searchParams;
    const keys = q
      .getAll('keys')
      .flatMap((k) => k.split(','))
      .filter(Boolean);
    const all = this.world.jira.projects.filter((x) => keys.length === 0 || keys.includes(x.key));
    const { startAt, maxResults } = offsetPaging(q, 50, 100);
    const values = all.slice(startAt, startAt + maxResults).map((x) => this.render.project(x.key));
    const isLast = startAt + values.length >= all.length;
    const self = `${this.url}${url.pathname}${url.search}`;
    const next = new URL(self);
    next.searchParams.set('startAt', String(startAt + values.length));
    return {
      self,
      ...(isLast ? {} : { nextPage: next.toString() }),
      maxResults,
      startAt,
      total: all.length,
      isLast,
      values,
    };
  }

  private visibleIssue(idOrKey: string): IssueW {
    const issue = this.model.issue(idOrKey);
    if (!issue || issue.createdAt > this.now)
      throw new HttpError(404, 'Issue does not exist or you do not have permission to see it.');
    return issue;
  }

  private matchable(i: IssueW): Matchable {
    return {
      id: i.id,
      key: i.key,
      project: i.project,
      projectId: this.world.jira.projects.find((x) => x.key === i.project)!.id,
      created: i.createdAt,
      updated: this.model.updatedAt(i, this.now),
    };
  }

  /** The issues a JQL query finds at `now`, in its order; kept while paging through them. */
  private find(jql: string, bounded: boolean): IssueW[] {
    const cached = this.searches.get(jql);
    if (cached) return cached;
    let query;
    try {
      query = parseJql(jql);
    } catch (err) {
      if (err instanceof JqlError) throw new HttpError(400, err.message);
      throw err;
    }
    if (bounded && isUnbounded(query)) throw new HttpError(400, UNBOUNDED);
    const rows = this.world.jira.issues
      .filter((i) => i.createdAt <= this.now)
      .map((i) => ({ issue: i, m: this.matchable(i) }))
      .filter((x) => matches(query, x.m));
    const cmp = compareBy(query.orderBy);
    rows.sort((a, b) => cmp(a.m, b.m));
    const found = rows.map((x) => x.issue);
    if (this.searches.size > 16) this.searches.clear();
    this.searches.set(jql, found);
    return found;
  }

  private searchJql(params: Record<string, unknown>, corrupt: boolean) {
    this.stats.searchRequests += 1;
    const jql = typeof params.jql === 'string' ? params.jql : '';
    if (!jql.trim()) throw new HttpError(400, UNBOUNDED);
    const wanted = wantedFields(params.fields, new Set(['id']));
    const onlyIds = wanted !== null && [...wanted].every((f) => f === 'id' || f === 'key');
    const cap = onlyIds ? 5000 : (this.options.searchPageWithFields ?? 100);
    const maxResults = Math.min(cap, Math.max(1, intParam(params.maxResults, 50)));
    const found = this.find(jql, true);
    const start = this.decodeToken(params.nextPageToken, `search:${jql}`);
    const page = found.slice(start, start + maxResults);
    const expand = expandOf(params.expand);
    const fieldSet = wanted === null ? null : new Set([...wanted].filter((f) => f !== 'id' && f !== 'key'));
    const issues = page.map((i) =>
      wanted !== null && [...wanted].every((f) => f === 'id')
        ? { id: i.id }
        : this.render.issue(i, this.now, fieldSet, expand),
    );
    if (corrupt && issues[0] && 'fields' in issues[0])
      (issues[0] as { fields: Record<string, unknown> }).fields.created = 'yesterday';
    this.stats.issuesServed += issues.length;
    const isLast = start + page.length >= found.length;
    return {
      issues,
      ...(isLast ? {} : { nextPageToken: this.encodeToken(start + page.length, `search:${jql}`) }),
      isLast,
    };
  }

  /** Data Center's search: startAt paging with a total, the whole changelog when expanded. */
  private searchByOffset(params: Record<string, unknown>, corrupt: boolean) {
    this.stats.searchRequests += 1;
    const found = this.find(typeof params.jql === 'string' ? params.jql : '', false);
    const startAt = Math.max(0, intParam(params.startAt, 0));
    const maxResults = Math.min(1000, Math.max(1, intParam(params.maxResults, 50)));
    const wanted = wantedFields(params.fields, null);
    const expand = expandOf(params.expand);
    const page = found.slice(startAt, startAt + maxResults);
    const issues = page.map((i) => this.render.issue(i, this.now, wanted, expand));
    if (corrupt && issues[0]?.fields) (issues[0].fields as Record<string, unknown>).created = 'yesterday';
    this.stats.issuesServed += issues.length;
    return { expand: 'schema,names', startAt, maxResults, total: found.length, issues };
  }

  private bulkChangelog(b: Record<string, unknown>, corrupt: boolean) {
    this.stats.changelogRequests += 1;
    const ids = b.issueIdsOrKeys;
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 1000 || ids.some((x) => typeof x !== 'string'))
      throw new HttpError(400, 'issueIdsOrKeys must hold between 1 and 1000 issue ids or keys.');
    const fieldIds = b.fieldIds === undefined ? [] : b.fieldIds;
    if (!Array.isArray(fieldIds) || fieldIds.length > 10 || fieldIds.some((x) => typeof x !== 'string'))
      throw new HttpError(400, 'fieldIds may hold at most 10 field ids.');
    const maxResults = intParam(b.maxResults, 1000);
    if (maxResults < 1 || maxResults > 10_000)
      throw new HttpError(400, 'maxResults must be between 1 and 10000.');
    const fields = new Set(fieldIds as string[]);
    const entries: { issue: IssueW; h: History }[] = [];
    for (const idOrKey of ids as string[]) {
      const issue = this.model.issue(idOrKey);
      if (!issue || issue.createdAt > this.now) continue;
      for (const h of this.model.historiesAt(issue, this.now)) {
        const items = fields.size ? h.items.filter((i) => fields.has(i.fieldId)) : h.items;
        if (items.length) entries.push({ issue, h: items.length === h.items.length ? h : { ...h, items } });
      }
    }
    entries.sort((x, y) => x.h.at - y.h.at || Number(x.issue.id) - Number(y.issue.id));
    const scope = `bulk:${createHash('sha1')
      .update(JSON.stringify([ids, [...fields]]))
      .digest('hex')}`;
    const start = this.decodeToken(b.nextPageToken, scope);
    const page = entries.slice(start, start + maxResults);
    const byIssue = new Map<string, unknown[]>();
    page.forEach((e, n) => {
      let list = byIssue.get(e.issue.id);
      if (!list) byIssue.set(e.issue.id, (list = []));
      list.push(this.render.history(e.h, corrupt && n === 0));
    });
    this.stats.historiesServed += page.length;
    const isLast = start + page.length >= entries.length;
    return {
      issueChangeLogs: [...byIssue].map(([issueId, changeHistories]) => ({ issueId, changeHistories })),
      ...(isLast ? {} : { nextPageToken: this.encodeToken(start + page.length, scope) }),
    };
  }

  private issueChangelog(idOrKey: string, url: URL) {
    this.stats.changelogRequests += 1;
    const issue = this.visibleIssue(idOrKey);
    const all = this.model.historiesAt(issue, this.now);
    const { startAt, maxResults } = offsetPaging(url.searchParams, 100, 100);
    const values = all.slice(startAt, startAt + maxResults).map((h) => this.render.history(h));
    const isLast = startAt + values.length >= all.length;
    const self = `${this.url}${url.pathname}${url.search}`;
    const next = new URL(self);
    next.searchParams.set('startAt', String(startAt + values.length));
    next.searchParams.set('maxResults', String(maxResults));
    return {
      self,
      ...(isLast ? {} : { nextPage: next.toString() }),
      maxResults,
      startAt,
      total: all.length,
      isLast,
      values,
    };
  }

  private boards(q: URLSearchParams) {
    const project = q.get('projectKeyOrId');
    const types = (q.get('type') ?? '').split(',').filter(Boolean);
    const all = this.world.jira.boards.filter((b) => {
      if (types.length && !types.includes(b.type)) return false;
      if (!project) return true;
      const p = this.world.jira.projects.find((x) => x.key === b.projectKey)!;
      return project.toUpperCase() === p.key || project === p.id;
    });
    const { startAt, maxResults } = offsetPaging(q, 50, 50);
    const values = all.slice(startAt, startAt + maxResults).map((b) => this.render.board(b));
    return { maxResults, startAt, total: all.length, isLast: startAt + values.length >= all.length, values };
  }

  private boardSprints(boardId: number, q: URLSearchParams, corrupt: boolean) {
    const now = this.now;
    const states = (q.get('state') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const rank = { closed: 0, active: 1, future: 2 } as const;
    const all = this.world.jira.sprints
      .filter((s) => s.boardId === boardId && s.createdAt <= now)
      .filter((s) => states.length === 0 || states.includes(sprintState(s, now)))
      .sort((a, b) => {
        const d = rank[sprintState(a, now)] - rank[sprintState(b, now)];
        if (d !== 0) return d;
        return sprintState(a, now) === 'closed' ? a.completeAt - b.completeAt : a.startAt - b.startAt;
      });
    const { startAt, maxResults } = offsetPaging(q, 50, 50);
    const values: Record<string, unknown>[] = all
      .slice(startAt, startAt + maxResults)
      .map((s) => this.render.sprint(s, now));
    if (corrupt && values[0]) values[0].state = 'paused';
    return { maxResults, startAt, total: all.length, isLast: startAt + values.length >= all.length, values };
  }

  private sprintIssues(sprintId: number, q: URLSearchParams) {
    const now = this.now;
    const all = this.world.jira.issues
      .filter((i) => i.createdAt <= now && (valueAt(i.sprints, now)?.sprintIds ?? []).includes(sprintId))
      .sort((a, b) => Number(a.id) - Number(b.id));
    const { startAt, maxResults } = offsetPaging(q, 50, 50);
    const wanted = wantedFields(q.getAll('fields'), null);
    const issues = all
      .slice(startAt, startAt + maxResults)
      .map((i) => this.render.issue(i, now, wanted, expandOf(q.get('expand'))));
    return { expand: 'schema,names', startAt, maxResults, total: all.length, issues };
  }

  private encodeToken(offset: number, scope: string): string {
    const h = createHash('sha1').update(`${scope}@${this.now}`).digest('hex').slice(0, 16);
    return Buffer.from(JSON.stringify({ o: offset, h })).toString('base64url');
  }

  private decodeToken(token: unknown, scope: string): number {
    if (token === undefined || token === null || token === '') return 0;
    try {
      const t = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as {
        o: number;
        h: string;
      };
      const h = createHash('sha1').update(`${scope}@${this.now}`).digest('hex').slice(0, 16);
      if (t.h === h && Number.isInteger(t.o) && t.o >= 0) return t.o;
    } catch {
      // falls through to the error below
    }
    throw new HttpError(400, 'The provided next page token is invalid or expired.');
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

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** GET parameters in the shape of a POST body (repeated and comma-separated lists). */
function fromQuery(q: URLSearchParams): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(q.keys())) out[key] = key === 'fields' ? q.getAll(key) : q.get(key);
  return out;
}

function intParam(v: unknown, fallback: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new HttpError(400, `'${String(v)}' is not a valid number.`);
  return n;
}

function offsetPaging(q: URLSearchParams, byDefault: number, cap: number) {
  const startAt = Math.max(0, intParam(q.get('startAt'), 0));
  const maxResults = Math.min(cap, Math.max(1, intParam(q.get('maxResults'), byDefault)));
  return { startAt, maxResults };
}

/** The fields a request names: null for every field; `fallback` when it names none. */
function wantedFields(v: unknown, fallback: Set<string> | null): Set<string> | null {
  const list = (Array.isArray(v) ? v : typeof v === 'string' ? [v] : [])
    .flatMap((x) => String(x).split(','))
    .map((x) => x.trim())
    .filter(Boolean);
  if (list.length === 0) return fallback;
  if (list.includes('*all') || list.includes('*navigable')) {
    const excluded = new Set(list.filter((f) => f.startsWith('-')).map((f) => f.slice(1)));
    return excluded.size ? new Set(ALL_FIELDS.filter((f) => !excluded.has(f))) : null;
  }
  return new Set(list.filter((f) => !f.startsWith('-')));
}

function expandOf(v: unknown): Set<string> {
  const list = Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',') : [];
  return new Set(list.map((x) => x.trim()).filter(Boolean));
}
