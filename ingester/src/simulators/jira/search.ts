import type { IssueW } from '../world/types.js';
import { HttpError } from './http.js';
import { compareBy, isUnbounded, JqlError, matches, parseJql, type Matchable } from './jql.js';
import { decodeToken, encodeToken } from './page-tokens.js';
import { expandOf, intParam, wantedFields } from './params.js';
import type { JiraSite } from './site.js';

/**
 * Issue search by JQL: Cloud's /search/jql (nextPageToken paging, bounded queries,
 * a smaller page when fields are asked for) and Data Center's /search (startAt
 * paging with a total).
 */

const UNBOUNDED =
  'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.';

export function searchJql(site: JiraSite, params: Record<string, unknown>, corrupt: boolean) {
  site.stats.searchRequests += 1;
  const jql = typeof params.jql === 'string' ? params.jql : '';
  if (!jql.trim()) throw new HttpError(400, UNBOUNDED);
  const wanted = wantedFields(params.fields, new Set(['id']));
  const onlyIds = wanted !== null && [...wanted].every((f) => f === 'id' || f === 'key');
  const cap = onlyIds ? 5000 : (site.options.searchPageWithFields ?? 100);
  const maxResults = Math.min(cap, Math.max(1, intParam(params.maxResults, 50)));
  const found = find(site, jql, true);
  const scope = `search:${jql}`;
  const start = decodeToken(params.nextPageToken, scope, site.now);
  const page = found.slice(start, start + maxResults);
  const expand = expandOf(params.expand);
  const fieldSet = wanted === null ? null : new Set([...wanted].filter((f) => f !== 'id' && f !== 'key'));
  const issues = page.map((i) =>
    wanted !== null && [...wanted].every((f) => f === 'id')
      ? { id: i.id }
      : site.render.issue(i, site.now, fieldSet, expand),
  );
  if (corrupt && issues[0] && 'fields' in issues[0])
    (issues[0] as { fields: Record<string, unknown> }).fields.created = 'yesterday';
  site.stats.issuesServed += issues.length;
  const isLast = start + page.length >= found.length;
  return {
    issues,
    ...(isLast ? {} : { nextPageToken: encodeToken(start + page.length, scope, site.now) }),
    isLast,
  };
}

/** Data Center's search: startAt paging with a total, the whole changelog when expanded. */
export function searchByOffset(site: JiraSite, params: Record<string, unknown>, corrupt: boolean) {
  site.stats.searchRequests += 1;
  const found = find(site, typeof params.jql === 'string' ? params.jql : '', false);
  const startAt = Math.max(0, intParam(params.startAt, 0));
  const maxResults = Math.min(1000, Math.max(1, intParam(params.maxResults, 50)));
  const wanted = wantedFields(params.fields, null);
  const expand = expandOf(params.expand);
  const page = found.slice(startAt, startAt + maxResults);
  const issues = page.map((i) => site.render.issue(i, site.now, wanted, expand));
  if (corrupt && issues[0]?.fields) (issues[0].fields as Record<string, unknown>).created = 'yesterday';
  site.stats.issuesServed += issues.length;
  return { expand: 'schema,names', startAt, maxResults, total: found.length, issues };
}

/** The issues a JQL query finds at `now`, in its order; kept while paging through them. */
function find(site: JiraSite, jql: string, bounded: boolean): IssueW[] {
  const cached = site.searches.get(jql);
  if (cached) return cached;
  let query;
  try {
    query = parseJql(jql);
  } catch (err) {
    if (err instanceof JqlError) throw new HttpError(400, err.message);
    throw err;
  }
  if (bounded && isUnbounded(query)) throw new HttpError(400, UNBOUNDED);
  const rows = site.world.jira.issues
    .filter((i) => i.createdAt <= site.now)
    .map((i) => ({ issue: i, m: matchable(site, i) }))
    .filter((x) => matches(query, x.m));
  const cmp = compareBy(query.orderBy);
  rows.sort((a, b) => cmp(a.m, b.m));
  const found = rows.map((x) => x.issue);
  if (site.searches.size > 16) site.searches.clear();
  site.searches.set(jql, found);
  return found;
}

/** What JQL can ask of an issue at `now`. */
function matchable(site: JiraSite, i: IssueW): Matchable {
  return {
    id: i.id,
    key: i.key,
    project: i.project,
    projectId: site.world.jira.projects.find((x) => x.key === i.project)!.id,
    created: i.createdAt,
    updated: site.model.updatedAt(i, site.now),
  };
}
