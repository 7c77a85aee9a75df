import type { ServerResponse } from 'node:http';
import { sendError } from './http.js';

/** Jira Cloud's request budget: so many requests a window for the whole site, reported in headers. */
export class RateLimit {
  private used = 0;
  private resetAt = 0;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts a request and reports the budget left; true when the request is over budget. */
  charge(res: ServerResponse, nowMs: number): boolean {
    if (this.resetAt <= nowMs) {
      this.used = 0;
      this.resetAt = nowMs + this.windowMs;
    }
    this.used += 1;
    const remaining = Math.max(0, this.limit - this.used);
    res.setHeader('x-ratelimit-limit', String(this.limit));
    res.setHeader('x-ratelimit-remaining', String(remaining));
    res.setHeader('x-ratelimit-reset', new Date(this.resetAt).toISOString());
    if (remaining < this.limit * 0.2) res.setHeader('x-ratelimit-nearlimit', 'true');
    return this.used > this.limit;
  }

  /**
   * A 429: for a burst (an injected fault, with its own wait and reason), or for the
   * spent budget (until the window ends).
   */
  refuse(
    res: ServerResponse,
    nowMs: number,
    burst?: { retryAfterSeconds?: number; reason?: 'jira-burst-based' | 'jira-quota-tenant-based' },
  ): void {
    const wait = burst ? (burst.retryAfterSeconds ?? 1) : Math.ceil((this.resetAt - nowMs) / 1000);
    res.setHeader('retry-after', String(wait));
    res.setHeader('x-ratelimit-remaining', '0');
    res.setHeader('x-ratelimit-reset', new Date(nowMs + wait * 1000).toISOString());
    res.setHeader(
      'ratelimit-reason',
      burst ? (burst.reason ?? 'jira-burst-based') : 'jira-quota-tenant-based',
    );
    sendError(res, 429, 'Rate limit exceeded.');
  }
}
