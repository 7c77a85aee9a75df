import type { ServerResponse } from 'node:http';
import { jsonSender, type Dialect } from '../http.js';

/** Jira's JSON answers and error bodies, and its words for the answers that are the simulator's own. */

/** A refusal a handler throws, sent as Jira's error body with this status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const sendJson = jsonSender('application/json;charset=UTF-8');

export function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { errorMessages: [message], errors: {} });
}

export const JIRA_DIALECT: Dialect = {
  sendJson,
  notFound: (res) => sendError(res, 404, 'Not Found'),
  crashed: (res, err) => {
    if (err instanceof HttpError) sendError(res, err.status, err.message);
    else sendError(res, 500, `simulator error: ${String(err)}`);
  },
};
