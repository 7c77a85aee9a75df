import { createAppAuth } from '@octokit/auth-app';
import { paginateGraphQL } from '@octokit/plugin-paginate-graphql';
import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import type { Settings } from '../../config/settings.js';
import type { Logger } from '../../log.js';

const GitHub = Octokit.plugin(throttling, retry, paginateGraphQL);
export type GitHubClient = InstanceType<typeof GitHub>;

/** What a sync reads back for its run record. */
export interface RequestStats {
  requests: number;
  /** GraphQL points GitHub says the queries cost (rateLimit.cost, summed by the caller). */
  rateLimitRemaining: number | null;
  rateLimitReset: number | null;
}

export interface GitHubClientOptions {
  /** Multiplies every wait GitHub asks for, in ms per second asked; tests pass 1. */
  waitMsPerSecond?: number;
  /** Gives up after this many rate-limit waits for one request. */
  maxRateLimitRetries?: number;
  requestTimeoutMs?: number;
  /** Retries of a 5xx or a network failure (default 3, with growing waits). */
  maxRetries?: number;
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
  const stats: RequestStats = { requests: 0, rateLimitRemaining: null, rateLimitReset: null };
  const maxWaits = options.maxRateLimitRetries ?? 5;
  const auth = settings.app
    ? {
        authStrategy: createAppAuth,
        auth: {
          appId: settings.app.appId,
          privateKey: settings.app.privateKey,
          installationId: settings.app.installationId,
        },
      }
    : settings.token
      ? { auth: settings.token }
      : {};
  const client = new GitHub({
    ...auth,
    baseUrl: settings.apiUrl,
    userAgent: 'engmetrics/0.1',
    log: {
      debug: () => {},
      info: () => {},
      warn: (msg: string) => log.warn({ source: 'github' }, msg),
      error: (msg: string) => log.error({ source: 'github' }, msg),
    },
    throttle: {
      retryAfterBaseValue: options.waitMsPerSecond ?? 1000,
      onRateLimit: (
        retryAfter: number,
        opts: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        log.warn(
          { source: 'github', retryAfter, url: opts.url, retryCount },
          'GitHub rate limit reached; waiting for the reset',
        );
        return retryCount < maxWaits;
      },
      onSecondaryRateLimit: (
        retryAfter: number,
        opts: { method: string; url: string },
        _o: unknown,
        retryCount: number,
      ) => {
        log.warn(
          { source: 'github', retryAfter, url: opts.url, retryCount },
          'GitHub secondary rate limit; backing off',
        );
        return retryCount < maxWaits;
      },
    },
    retry: { doNotRetry: [400, 401, 403, 404, 410, 422, 451], retries: options.maxRetries ?? 3 },
  });
  const timeoutMs = options.requestTimeoutMs ?? 60_000;
  client.hook.before('request', (opts) => {
    stats.requests += 1;
    (opts.request as { signal?: AbortSignal }).signal ??= AbortSignal.timeout(timeoutMs);
  });
  const record = (headers: Record<string, string | number | undefined> | undefined) => {
    const remaining = headers?.['x-ratelimit-remaining'];
    const reset = headers?.['x-ratelimit-reset'];
    if (remaining !== undefined) stats.rateLimitRemaining = Number(remaining);
    if (reset !== undefined) stats.rateLimitReset = Number(reset);
  };
  client.hook.after('request', (response) => record(response.headers as Record<string, string>));
  client.hook.error('request', (error) => {
    record((error as { response?: { headers?: Record<string, string> } }).response?.headers);
    throw error;
  });
  return { client, stats };
}
