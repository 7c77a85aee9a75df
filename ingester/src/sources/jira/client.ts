import { AsyncLocalStorage } from 'node:async_hooks';
import { Board } from 'jira.js/agile/board';
import { Sprint } from 'jira.js/agile/sprint';
import { BaseClient } from 'jira.js/clients/baseClient';
import type { Config } from 'jira.js/config';
import { IssueFields as IssueFieldsV2 } from 'jira.js/version2/issueFields';
import { IssueSearch as IssueSearchV2 } from 'jira.js/version2/issueSearch';
import { Myself as MyselfV2 } from 'jira.js/version2/myself';
import { WorkflowStatuses as WorkflowStatusesV2 } from 'jira.js/version2/workflowStatuses';
import { IssueFields } from 'jira.js/version3/issueFields';
import { Issues } from 'jira.js/version3/issues';
import { IssueSearch } from 'jira.js/version3/issueSearch';
import { Myself } from 'jira.js/version3/myself';
import { Projects } from 'jira.js/version3/projects';
import { WorkflowStatuses } from 'jira.js/version3/workflowStatuses';
import type { Settings } from '../../config/settings.js';
import { UpstreamError } from '../../errors.js';
import type { Logger } from '../../log.js';

/**
 * The jira.js API groups the ingester calls, on one jira.js BaseClient: the same parts
 * Version3Client, Version2Client and AgileClient are assembled from, without the
 * hundred-odd groups a sync never calls (loading those costs tens of megabytes).
 */
export interface JiraClients {
  base: BaseClient;
  /** Jira Cloud's platform API. */
  v3: {
    issueSearch: IssueSearch;
    issues: Issues;
    issueFields: IssueFields;
    workflowStatuses: WorkflowStatuses;
    projects: Projects;
    myself: Myself;
  };
  /** Jira Data Center speaks only v2 of the platform API. */
  v2: {
    issueSearch: IssueSearchV2;
    issueFields: IssueFieldsV2;
    workflowStatuses: WorkflowStatusesV2;
    myself: MyselfV2;
  };
  agile: { board: Board; sprint: Sprint };
  /** The rate-limit headers of the last response (Atlassian sends them on most answers). */
  rateLimit: { remaining: number | null; reset: string | null };
}

export interface JiraClientOptions {
  timeoutMs?: number;
}

/**
 * The one Jira client setup: base URL, Cloud basic auth (email + API token) or a Data
 * Center bearer PAT, a timeout on every request, and the rate-limit headers of each
 * answer kept for the run record. Retries live in `JiraApi.call`: jira.js has none.
 */
export function createJiraClients(settings: Settings['jira'], options: JiraClientOptions = {}): JiraClients {
  if (!settings.baseUrl) throw new Error('JIRA_BASE_URL is not set');
  const authentication =
    settings.auth?.kind === 'basic'
      ? { basic: { email: settings.auth.email, apiToken: settings.auth.apiToken } }
      : settings.auth?.kind === 'bearer'
        ? { oauth2: { accessToken: settings.auth.pat } }
        : undefined;
  const rateLimit: JiraClients['rateLimit'] = { remaining: null, reset: null };
  // jira.js hands callers the body only; the headers are read as the body is decoded.
  const transformResponse = (data: unknown, headers?: unknown) => {
    const h = headers as Record<string, unknown> | undefined;
    const remaining = h?.['x-ratelimit-remaining'];
    if (remaining !== undefined && remaining !== null && remaining !== '')
      rateLimit.remaining = Number(remaining);
    const reset = h?.['x-ratelimit-reset'];
    if (typeof reset === 'string') rateLimit.reset = reset;
    if (typeof data !== 'string' || data === '') return data;
    try {
      return JSON.parse(data) as unknown;
    } catch {
      return data;
    }
  };
  // jira.js types bearer (oauth2) configs as a separate union member; the shape is the same.
  const config = {
    host: settings.baseUrl,
    authentication,
    baseRequestConfig: {
      timeout: options.timeoutMs ?? 60_000,
      headers: { 'User-Agent': 'engmetrics/0.1' },
      transformResponse: [transformResponse],
    },
  } as Config;
  const base = new BaseClient(config);
  return {
    base,
    v3: {
      issueSearch: new IssueSearch(base),
      issues: new Issues(base),
      issueFields: new IssueFields(base),
      workflowStatuses: new WorkflowStatuses(base),
      projects: new Projects(base),
      myself: new Myself(base),
    },
    v2: {
      issueSearch: new IssueSearchV2(base),
      issueFields: new IssueFieldsV2(base),
      workflowStatuses: new WorkflowStatusesV2(base),
      myself: new MyselfV2(base),
    },
    agile: { board: new Board(base), sprint: new Sprint(base) },
    rateLimit,
  };
}

/** What a sync reads back for its run record. */
export interface JiraRequestStats {
  requests: number;
  retries: number;
  rateLimitRemaining: number | null;
}

export const newJiraStats = (): JiraRequestStats => ({ requests: 0, retries: 0, rateLimitRemaining: null });

/**
 * Requests made inside `jiraRequestScope.run(stats, fn)` are also counted in `stats`,
 * so projects synced side by side over one client each get their own count.
 */
export const jiraRequestScope = new AsyncLocalStorage<JiraRequestStats>();

export interface JiraApiOptions extends JiraClientOptions {
  /** Milliseconds waited per second Jira asks for (Retry-After); tests pass 1. */
  waitMsPerSecond?: number;
  /** Retries of one request after 429 or 503 (default 6). */
  maxRateLimitRetries?: number;
  /** Retries of one request after another 5xx or a network failure (default 4). */
  maxRetries?: number;
  /** A longer wait than this (seconds) is not waited for: the sync fails and says so. */
  maxWaitSeconds?: number;
}

interface Failure {
  status: number | undefined;
  headers: Record<string, unknown>;
  message: string;
}

type AxiosLike = {
  isAxiosError?: boolean;
  code?: string;
  message?: string;
  response?: { status?: number; headers?: Record<string, unknown>; data?: unknown };
};

/** The status, headers and Jira's own message of a failed call (an HttpException wrapping axios, or axios itself). */
function describe(err: unknown): Failure {
  const e = err as AxiosLike & { status?: number; cause?: AxiosLike };
  const axios = e.cause?.isAxiosError ? e.cause : e.isAxiosError ? e : undefined;
  const response = axios?.response;
  const status = response?.status ?? (axios ? undefined : e.status);
  const data = response?.data as
    { errorMessages?: string[]; errors?: Record<string, string> } | string | undefined;
  const detail =
    typeof data === 'object' && data
      ? [...(data.errorMessages ?? []), ...Object.values(data.errors ?? {})].join('; ')
      : typeof data === 'string' && data.length < 200
        ? data
        : '';
  return {
    status,
    headers: response?.headers ?? {},
    message: detail || axios?.code || e.message || String(err),
  };
}

const NETWORK = /ECONNRESET|ECONNREFUSED|ETIMEDOUT|ECONNABORTED|EPIPE|socket hang up|timeout/i;

/**
 * Every Jira request goes through `call`: it is counted, and retried when Jira asks for
 * patience — 429 and 503 wait what Retry-After (or X-RateLimit-Reset, an ISO-8601 time)
 * says, other 5xx and network failures back off exponentially — a bounded number of times.
 */
export class JiraApi {
  readonly stats = newJiraStats();
  readonly dataCenter: boolean;

  constructor(
    readonly clients: JiraClients,
    private readonly log: Logger,
    private readonly options: JiraApiOptions = {},
    dataCenter = false,
  ) {
    this.dataCenter = dataCenter;
  }

  async call<T>(what: string, fn: (c: JiraClients) => Promise<T>): Promise<T> {
    const scoped = jiraRequestScope.getStore();
    const perSecond = this.options.waitMsPerSecond ?? 1000;
    const maxWait = this.options.maxWaitSeconds ?? 900;
    let limited = 0;
    let failed = 0;
    for (;;) {
      this.stats.requests += 1;
      if (scoped) scoped.requests += 1;
      try {
        const result = await fn(this.clients);
        this.record(scoped);
        return result;
      } catch (err) {
        this.record(scoped);
        const f = describe(err);
        const patience = f.status === 429 || f.status === 503;
        const transient =
          f.status === 500 ||
          f.status === 502 ||
          f.status === 504 ||
          (f.status === undefined && NETWORK.test(f.message));
        const attempt = patience ? ++limited : transient ? ++failed : 0;
        const allowed = patience ? (this.options.maxRateLimitRetries ?? 6) : (this.options.maxRetries ?? 4);
        if ((!patience && !transient) || attempt > allowed)
          throw new UpstreamError('jira', `${what}: ${f.status ?? 'no answer'} ${f.message}`.trim(), {
            cause: err,
          });
        const asked = waitAsked(f.headers);
        const backoff = Math.min(60, 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5);
        const seconds = patience && asked !== null ? asked : backoff;
        if (seconds > maxWait)
          throw new UpstreamError(
            'jira',
            `${what}: Jira asks to wait ${Math.round(seconds)} s, longer than allowed`,
            {
              cause: err,
            },
          );
        this.stats.retries += 1;
        if (scoped) scoped.retries += 1;
        this.log.warn(
          { source: 'jira', what, status: f.status, waitSeconds: Math.round(seconds * 10) / 10, attempt },
          f.status === 429 ? 'Jira rate limit; waiting as asked' : 'Jira request failed; retrying',
        );
        await new Promise((r) => setTimeout(r, seconds * perSecond));
      }
    }
  }

  private record(scoped: JiraRequestStats | undefined): void {
    const remaining = this.clients.rateLimit.remaining;
    if (remaining === null) return;
    this.stats.rateLimitRemaining = remaining;
    if (scoped) scoped.rateLimitRemaining = remaining;
  }
}

/** Seconds to wait from Retry-After (seconds or an HTTP date) or X-RateLimit-Reset (ISO-8601). */
export function waitAsked(headers: Record<string, unknown>, now = Date.now()): number | null {
  const retryAfter = headers['retry-after'];
  if (retryAfter !== undefined && retryAfter !== null && retryAfter !== '') {
    const s = Number(retryAfter);
    if (Number.isFinite(s) && s >= 0) return s;
    const at = Date.parse(String(retryAfter));
    if (!Number.isNaN(at)) return Math.max(0, (at - now) / 1000);
  }
  const reset = headers['x-ratelimit-reset'];
  if (typeof reset === 'string') {
    const at = Date.parse(reset);
    if (!Number.isNaN(at)) return Math.max(0, (at - now) / 1000);
  }
  return null;
}

/** The API for the configured site: Data Center when a PAT is configured, Cloud otherwise. */
export function connectJira(settings: Settings['jira'], log: Logger, options: JiraApiOptions = {}): JiraApi {
  return new JiraApi(createJiraClients(settings, options), log, options, settings.auth?.kind === 'bearer');
}
