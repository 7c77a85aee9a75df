import type { ServerResponse } from 'node:http';

/** Failures a test or benchmark queues, answered as Jira Cloud answers them. */

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

export class FaultQueue {
  private queued: QueuedFault[] = [];

  get length(): number {
    return this.queued.length;
  }

  push(fault: JiraFault, times: number, path?: RegExp): void {
    this.queued.push({ fault, left: times, path });
  }

  clear(): void {
    this.queued = [];
  }

  /** The first fault queued for `path`, used up after as many requests as it was queued for. */
  take(path: string): JiraFault | undefined {
    const i = this.queued.findIndex((f) => !f.path || f.path.test(path));
    if (i < 0) return undefined;
    const f = this.queued[i]!;
    f.left -= 1;
    if (f.left <= 0) this.queued.splice(i, 1);
    return f.fault;
  }
}

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
