import type { RestContext } from './rest-context.js';

/**
 * GitHub's REST pagination: `page` and `per_page` (30 by default, at most 100) and a
 * `link` header with the prev, next, last and first pages, in GitHub's order.
 */

export interface Page<T> {
  body: T[];
  link?: string;
}

/** The page of `items` the request asks for. */
export function pageOf<T>({ url, baseUrl }: Pick<RestContext, 'url' | 'baseUrl'>, items: T[]): Page<T> {
  const per = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
  const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
  const last = Math.max(1, Math.ceil(items.length / per));
  const body = items.slice((page - 1) * per, page * per);
  const href = (n: number) => {
    const u = new URL(url.toString());
    u.searchParams.set('page', String(n));
    u.searchParams.set('per_page', String(per));
    return `<${baseUrl}${u.pathname}${u.search}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${href(page - 1)}; rel="prev"`);
  if (page < last) links.push(`${href(page + 1)}; rel="next"`, `${href(last)}; rel="last"`);
  if (page > 1) links.push(`${href(1)}; rel="first"`);
  return { body, link: links.length ? links.join(', ') : undefined };
}
