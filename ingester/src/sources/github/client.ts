import { createAppAuth } from '@octokit/auth-app';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Settings } from '../../config/settings.js';
import type { Logger } from '../../log.js';

/**
 * Parses GitHub's JSON answers with the native parser. octokit's own (json-with-bigint)
 * runs a regex over the text and a reviver over every value on Node 20, which cost more
 * CPU than the rest of a sync; every number we read from GitHub (ids, counts) is below
 * 2^53. Registered first, so it sits innermost and the throttling plugin (which looks
 * for RATE_LIMITED in the data) and the retries see parsed answers as before.
 */
const nativeJson: Parameters<typeof Octokit.plugin>[0] = (octokit) => {
  octokit.hook.wrap('request', async (request, options) => {
    // The hooks inside this one are bound to this options object: it is changed, not copied.
    options.request = { ...options.request, parseSuccessResponseBody: false };
    const response = await request(options);
    const body = response.data as unknown;
    if (!(body instanceof ReadableStream)) return response;
    const chunks: Uint8Array[] = [];
    for await (const chunk of body as ReadableStream<Uint8Array>) chunks.push(chunk);
    const bytes = Buffer.concat(chunks);
    const type = String(response.headers['content-type'] ?? '');
    if (/[/+]json\b/i.test(type)) {
      const text = bytes.toString('utf8');
      try {
        response.data = JSON.parse(text);
      } catch {
        response.data = text;
      }
    } else if (type.startsWith('text/') || /charset=utf-8/i.test(type))
      response.data = bytes.toString('utf8');
    else response.data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    return response;
  });
};

const GitHub = Octokit.plugin(nativeJson, throttling, retry);
export type GitHubClient = InstanceType<typeof GitHub>;

/** What a sync reads back for its run record. */
export interface RequestStats {
  requests: number;
  /** GraphQL points GitHub says the queries cost (rateLimit.cost, added by the caller). */
  points: number;
  rateLimitRemaining: number | null;
  rateLimitReset: number | null;
}

export const newStats = (): RequestStats => ({
  requests: 0,
  points: 0,
  rateLimitRemaining: null,
  rateLimitReset: null,
});

/**
 * Requests made inside `scope.run(stats, fn)` are also counted in `stats`: one client
 * (one token, one set of rate-limit queues) serves repositories synced side by side,
 * and each repository's run record still gets its own count.
 */
export const requestScope = new AsyncLocalStorage<RequestStats>();

export interface GitHubClientOptions {
  /** Multiplies every wait GitHub asks for, in ms per second asked; tests pass 1. */
  waitMsPerSecond?: number;
  /** Gives up after this many rate-limit waits for one request. */
  maxRateLimitRetries?: number;
  requestTimeoutMs?: number;
  /** Retries of a 5xx or a network failure (default 3, with growing waits). */
  maxRetries?: number;
  /**
   * GraphQL queries per rolling minute at most. GitHub's secondary limit is 2,000 points a
   * minute, where a query is 1 point and a mutation 5, apart from the primary limit's cost.
   */
  graphqlPointsPerMinute?: number;
  /** The pacer (default: one of this client's own). */
  pace?: PointsPerMinute;
  /** GraphQL queries in flight at once. */
  graphqlConcurrency?: number;
}

/**
 * Paces GraphQL by secondary-limit points rather than by the clock: queries go out as fast
 * as the answers come back while the last minute's points stay under the limit.
 * (octokit's default spaces every GraphQL request a second apart, as for mutations.)
 */
export class PointsPerMinute {
  private spent: { at: number; points: number }[] = [];

  constructor(private readonly limit: number) {}

  async reserve(points: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.spent.length && this.spent[0]!.at <= now - 60_000) this.spent.shift();
      const used = this.spent.reduce((s, x) => s + x.points, 0);
      if (used + points <= this.limit || this.spent.length === 0) {
        this.spent.push({ at: now, points });
        return;
      }
      await new Promise((r) => setTimeout(r, this.spent[0]!.at + 60_000 - now + 5));
    }
  }
}

/**
 * The one GitHub client setup: base URL (github.com or Enterprise Server), a token or
 * GitHub App installation credentials, primary/secondary rate-limit handling that waits
 * what GitHub asks, retries of 5xx with backoff, a timeout on every request, and a
 * count of the requests made.
 */
export function createGitHubClient(
  settings: Settings['github'],
  log: Logger,
  options: GitHubClientOptions = {},
): { client: GitHubClient; stats: RequestStats } {
  const stats = newStats();
  // GitHub's secondary limit counts requests: a query is one point whatever its primary cost.
  const pace = options.pace ?? new PointsPerMinute(options.graphqlPointsPerMinute ?? 1800);
  const client = new GitHub({
    ...authOf(settings),
    baseUrl: settings.apiUrl,
    request: { fetch: countingFetch(stats, pace, options.requestTimeoutMs ?? 60_000) },
    userAgent: 'engmetrics/0.1',
    log: {
      debug: () => {},
      info: () => {},
      warn: (msg: string) => log.warn({ source: 'github' }, msg),
      // octokit reports a 304 (not modified: the cached answer stands) as a failed request.
      error: (msg: string) =>
        / - 304 /.test(msg) ? log.debug({ source: 'github' }, msg) : log.error({ source: 'github' }, msg),
    },
    throttle: rateLimitWaits(log, options),
    retry: {
      doNotRetry: [400, 401, 403, 404, 410, 422, 451],
      retries: options.maxRetries ?? 3,
      retryAfterBaseValue: options.waitMsPerSecond ?? 1000,
    },
  });
  countAnswers(client, stats);
  return { client, stats };
}

/** A token, or GitHub App credentials (the installation found later when not given). */
function authOf(settings: Settings['github']) {
  if (settings.app)
    return {
      authStrategy: createAppAuth,
      auth: {
        appId: settings.app.appId,
        privateKey: settings.app.privateKey,
        ...(settings.app.installationId !== undefined ? { installationId: settings.app.installationId } : {}),
      },
    };
  return settings.token ? { auth: settings.token } : {};
}

/**
 * Every HTTP attempt is paced, counted and timed here, under octokit's plugins: a retry
 * or the request after a rate-limit wait is an attempt of its own, and a request that
 * waited for a reset (or for the pacer) must not time out for having waited.
 */
function countingFetch(
  stats: RequestStats,
  pace: { reserve(points: number): Promise<void> },
  timeoutMs: number,
) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (new URL(url).pathname.endsWith('/graphql')) await pace.reserve(1);
    stats.requests += 1;
    const scoped = requestScope.getStore();
    if (scoped) scoped.requests += 1;
    const timeout = AbortSignal.timeout(timeoutMs);
    return fetch(input, {
      ...init,
      signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout,
    });
  };
}

/** Waits what GitHub asks on its primary and secondary limits, a few times at most. */
function rateLimitWaits(log: Logger, options: GitHubClientOptions) {
  const maxWaits = options.maxRateLimitRetries ?? 5;
  const waiting =
    (message: string) =>
    (retryAfter: number, opts: { method: string; url: string }, _o: unknown, retryCount: number) => {
      log.warn({ source: 'github', retryAfter, url: opts.url, retryCount }, message);
      return retryCount < maxWaits;
    };
  return {
    retryAfterBaseValue: options.waitMsPerSecond ?? 1000,
    write: new Bottleneck.Group({ maxConcurrent: options.graphqlConcurrency ?? 8, minTime: 0 }),
    onRateLimit: waiting('GitHub rate limit reached; waiting for the reset'),
    onSecondaryRateLimit: waiting('GitHub secondary rate limit; backing off'),
  };
}

/** Counts each GraphQL answer's cost and keeps the rate limit's remaining and reset. */
function countAnswers(client: GitHubClient, stats: RequestStats): void {
  const isGraphql = (opts: { url?: string }) => opts.url?.endsWith('/graphql') === true;
  client.hook.after('request', (response, opts) => {
    const cost = (response.data as { data?: { rateLimit?: { cost?: number } } } | undefined)?.data?.rateLimit
      ?.cost;
    if (!isGraphql(opts as { url?: string }) || typeof cost !== 'number') return;
    stats.points += cost;
    const scoped = requestScope.getStore();
    if (scoped) scoped.points += cost;
  });
  const record = (headers: Record<string, string | number | undefined> | undefined) => {
    const remaining = headers?.['x-ratelimit-remaining'];
    const reset = headers?.['x-ratelimit-reset'];
    for (const s of [stats, requestScope.getStore()]) {
      if (!s) continue;
      if (remaining !== undefined) s.rateLimitRemaining = Number(remaining);
      if (reset !== undefined) s.rateLimitReset = Number(reset);
    }
  };
  client.hook.after('request', (response) => record(response.headers as Record<string, string>));
  client.hook.error('request', (error) => {
    record((error as { response?: { headers?: Record<string, string> } }).response?.headers);
    throw error;
  });
}

/**
 * A client ready for an organisation: with GitHub App credentials but no installation
 * id, the app's installation on the organisation is looked up first.
 */
export async function connectGitHub(
  settings: Settings['github'],
  log: Logger,
  options: GitHubClientOptions = {},
): Promise<{ client: GitHubClient; stats: RequestStats }> {
  if (settings.app && settings.app.installationId === undefined) {
    if (!settings.org) throw new Error('GITHUB_ORG is required to find the GitHub App installation');
    const { client: asApp } = createGitHubClient(settings, log, options);
    const { data } = await asApp.request('GET /orgs/{org}/installation', { org: settings.org });
    return createGitHubClient(
      { ...settings, app: { ...settings.app, installationId: data.id } },
      log,
      options,
    );
  }
  return createGitHubClient(settings, log, options);
}
