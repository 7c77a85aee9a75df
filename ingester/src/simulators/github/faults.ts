import type { ServerResponse } from 'node:http';
import type { SlowFault } from '../faults.js';
import { sendJson } from './http.js';
import { writeLimitHeaders, type Budget, type Resource } from './rate-limits.js';

/** Failures a test or benchmark queues, answered as GitHub answers them. */

export type Fault =
  | { kind: 'primary-rate-limit'; resetInSeconds?: number }
  | { kind: 'secondary-rate-limit'; retryAfterSeconds?: number }
  | { kind: 'graphql-rate-limited'; resetInSeconds?: number }
  | { kind: 'server-error'; status?: 500 | 502 | 503 | 504 }
  | SlowFault;

/** The faults that replace the answer (a slow one only delays it). */
export type FailingFault = Exclude<Fault, SlowFault>;

const SECONDARY =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID';

/** The caller's answer in place of the one asked for. */
export function answerFault(
  res: ServerResponse,
  fault: FailingFault,
  budget: Budget,
  resource: Resource,
  token: string,
): void {
  if (fault.kind === 'server-error') return serverError(res, fault.status ?? 502);
  if (fault.kind === 'secondary-rate-limit') return secondaryLimit(res, budget, resource, fault);
  return primaryLimit(res, budget, resource, token, fault.resetInSeconds ?? 1);
}

/** What GitHub's front end sends when the API behind it fails: HTML, not JSON. */
function serverError(res: ServerResponse, status: number): void {
  res.setHeader('content-type', 'text/html');
  res.writeHead(status).end('<html><body><h1>Server Error</h1></body></html>');
}

function secondaryLimit(
  res: ServerResponse,
  budget: Budget,
  resource: Resource,
  fault: { retryAfterSeconds?: number },
): void {
  writeLimitHeaders(res, budget, resource);
  res.setHeader('retry-after', String(fault.retryAfterSeconds ?? 1));
  sendJson(res, 403, {
    message: SECONDARY,
    documentation_url:
      'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    status: '403',
  });
}

/** An exhausted budget: GraphQL says so with 200 and an error, REST with 403. */
function primaryLimit(
  res: ServerResponse,
  budget: Budget,
  resource: Resource,
  token: string,
  resetInSeconds: number,
): void {
  const epoch = Math.floor(Date.now() / 1000);
  res.setHeader('x-ratelimit-limit', String(budget.limit));
  res.setHeader('x-ratelimit-remaining', '0');
  res.setHeader('x-ratelimit-used', String(budget.limit));
  res.setHeader('x-ratelimit-reset', String(epoch + resetInSeconds));
  res.setHeader('x-ratelimit-resource', resource);
  const user = Math.abs(hashCode(token));
  if (resource === 'graphql')
    return sendJson(res, 200, {
      errors: [
        {
          type: 'RATE_LIMITED',
          code: 'graphql_rate_limit',
          message: `API rate limit already exceeded for user ID ${user}.`,
        },
      ],
    });
  sendJson(res, 403, {
    message: `API rate limit exceeded for user ID ${user}. If you reach out to GitHub Support for help, please include the request ID.`,
    documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
    status: '403',
  });
}

function hashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}
