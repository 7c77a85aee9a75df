import { offsetPaging } from './params.js';
import type { JiraSite } from './site.js';

/**
 * Lists paged by `startAt` that the platform API sends with their own address and,
 * until the last page, the next page's: clients follow `nextPage` rather than count.
 */

export interface PageSize {
  byDefault: number;
  cap: number;
  /** Jira's changelog links name the page size again; its project search links do not. */
  inNextLink?: boolean;
}

export function linkedOffsetPage<T>(
  site: JiraSite,
  url: URL,
  all: readonly T[],
  show: (item: T) => unknown,
  size: PageSize,
) {
  const { startAt, maxResults } = offsetPaging(url.searchParams, size.byDefault, size.cap);
  const values = all.slice(startAt, startAt + maxResults).map(show);
  const isLast = startAt + values.length >= all.length;
  const self = `${site.url}${url.pathname}${url.search}`;
  const next = new URL(self);
  next.searchParams.set('startAt', String(startAt + values.length));
  if (size.inNextLink) next.searchParams.set('maxResults', String(maxResults));
  return {
    self,
    ...(isLast ? {} : { nextPage: next.toString() }),
    maxResults,
    startAt,
    total: all.length,
    isLast,
    values,
  };
}
