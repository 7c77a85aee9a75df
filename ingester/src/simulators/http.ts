import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Reading requests and writing JSON, as both simulators do. What differs between the
 * vendors is passed in: the content type each spells its own way (clients and
 * recordings see it byte for byte), and the words of the answers every simulator gives.
 */

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export type JsonSender = (res: ServerResponse, status: number, body: unknown) => void;

export function jsonSender(contentType: string): JsonSender {
  return (res, status, body) => {
    res.setHeader('content-type', contentType);
    res.writeHead(status).end(JSON.stringify(body));
  };
}

/** How a vendor words the answers that are the simulator's own rather than the API's. */
export interface Dialect {
  sendJson: JsonSender;
  /** A control route the simulator does not have. */
  notFound(res: ServerResponse): void;
  /** A request whose handling threw before any of the answer was sent. */
  crashed(res: ServerResponse, err: unknown): void;
}
