import type { IncomingMessage, ServerResponse } from 'node:http';

/** Reading requests and writing Jira's JSON answers and error bodies. */

/** A refusal a handler throws, sent as Jira's error body with this status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.setHeader('content-type', 'application/json;charset=UTF-8');
  res.writeHead(status).end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { errorMessages: [message], errors: {} });
}
