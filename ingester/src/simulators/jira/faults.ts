import type { ServerResponse } from 'node:http';
import type { SlowFault } from '../faults.js';

/** Failures a test or benchmark queues, answered as Jira Cloud answers them. */

export type JiraFault =
  | {
      kind: 'rate-limit';
      retryAfterSeconds?: number;
      reason?: 'jira-burst-based' | 'jira-quota-tenant-based';
    }
  | { kind: 'server-error'; status?: 500 | 502 | 503 | 504; retryAfterSeconds?: number }
  | SlowFault
  /** The next matching response carries one broken record (a date Jira would never send, an unknown state). */
  | { kind: 'malformed' };

/** What Atlassian's edge sends when the site behind it fails: HTML, not JSON. */
export function sendServerError(
  res: ServerResponse,
  fault: { status?: number; retryAfterSeconds?: number },
): void {
  const status = fault.status ?? 503;
  if (fault.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(fault.retryAfterSeconds));
  res.setHeader('content-type', 'text/html;charset=UTF-8');
  res
    .writeHead(status)
    .end(`<html><body><h1>${status}</h1><p>Atlassian is having trouble.</p></body></html>`);
}
