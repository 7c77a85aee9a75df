import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '../log.js';
import { UnauthorizedError } from '../errors.js';

declare module 'express-serve-static-core' {
  interface Request {
    log: Logger;
    id: string;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A request id (the caller's x-request-id when sane) on the request, the response and every log line. */
export function requestContext(log: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.header('x-request-id');
    req.id = given && REQUEST_ID.test(given) ? given : randomUUID();
    req.log = log.child({ requestId: req.id });
    res.locals.requestId = req.id;
    res.setHeader('x-request-id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      req.log.info(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });
    next();
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Bearer-token check in constant time (digests have equal length whatever the input). */
export function bearerAuth(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const header = req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) return next(new UnauthorizedError('Send the API token as "Authorization: Bearer <token>"'));
    if (!timingSafeEqual(digest(match[1]!), expected))
      return next(new UnauthorizedError('The bearer token is not valid'));
    next();
  };
}
