import { createHash } from 'node:crypto';
import { HttpError } from './http.js';

/**
 * Jira Cloud's opaque `nextPageToken`s: an offset bound to the list it pages (its
 * `scope`) and to the instant the site shows, so a token from another list, or from
 * before the site moved on, is refused rather than misread.
 */

const seal = (scope: string, now: number) =>
  createHash('sha1').update(`${scope}@${now}`).digest('hex').slice(0, 16);

export function encodeToken(offset: number, scope: string, now: number): string {
  return Buffer.from(JSON.stringify({ o: offset, h: seal(scope, now) })).toString('base64url');
}

/** The offset a token holds; 0 for no token. */
export function decodeToken(token: unknown, scope: string, now: number): number {
  if (token === undefined || token === null || token === '') return 0;
  try {
    const t = JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as {
      o: number;
      h: string;
    };
    if (t.h === seal(scope, now) && Number.isInteger(t.o) && t.o >= 0) return t.o;
  } catch {
    // falls through to the error below
  }
  throw new HttpError(400, 'The provided next page token is invalid or expired.');
}
