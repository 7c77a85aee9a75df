import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { AppError } from '../errors.js';

/** RFC 9457 problem details: every error the API returns has this shape. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export function sendProblem(
  res: Response,
  status: number,
  code: string,
  detail: string,
  extra: Partial<Problem> = {},
): void {
  const body: Problem = {
    type: `urn:engmetrics:problem:${code}`,
    title: titles[status] ?? 'Error',
    status,
    detail,
    code,
    requestId: res.locals.requestId as string | undefined,
    ...extra,
  };
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="engmetrics"');
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}

export const notFound: RequestHandler = (req, res) => {
  sendProblem(res, 404, 'not_found', `No route ${req.method} ${req.path}`);
};

/**
 * Maps every error to a problem. Client mistakes (our AppErrors with status < 500,
 * and body-parser's own 4xx) keep their status; anything unexpected is logged with
 * its stack and answered 500 without internals.
 */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  if (res.headersSent) return;
  if (err instanceof AppError) {
    const errors = (err.details?.errors as Problem['errors']) ?? undefined;
    // A 503 is expected (a service not configured, a refresh running): said, without a stack.
    if (err.status === 503) req.log?.warn({ code: err.code }, err.message);
    else if (err.status >= 500) req.log?.error({ err, code: err.code }, err.message);
    sendProblem(res, err.status, err.code, err.message, errors ? { errors } : {});
    return;
  }
  const status =
    typeof err?.status === 'number' ? err.status : typeof err?.statusCode === 'number' ? err.statusCode : 500;
  if (status >= 400 && status < 500) {
    const detail =
      err.type === 'entity.parse.failed'
        ? 'The request body is not valid JSON'
        : err.type === 'entity.too.large'
          ? 'The request body is too large'
          : String(err.message ?? 'Bad request');
    sendProblem(res, status, status === 413 ? 'payload_too_large' : 'bad_request', detail);
    return;
  }
  req.log?.error({ err }, 'unhandled error');
  sendProblem(res, 500, 'internal', 'An unexpected error occurred; the request id identifies it in the logs');
};
