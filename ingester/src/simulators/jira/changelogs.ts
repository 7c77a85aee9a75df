import { createHash } from 'node:crypto';
import type { IssueW } from '../world/types.js';
import { HttpError } from './http.js';
import type { History } from './timeline.js';
import { decodeToken, encodeToken } from './page-tokens.js';
import { linkedOffsetPage } from './linked-pages.js';
import { intParam } from './params.js';
import { visibleIssue, type JiraSite } from './site.js';

/**
 * Changelogs: Cloud's bulk fetch across many issues (oldest first, nextPageToken
 * paging, optionally only some fields) and one issue's changelog with startAt paging.
 */

export function bulkChangelog(site: JiraSite, b: Record<string, unknown>, corrupt: boolean) {
  site.stats.changelogRequests += 1;
  const { ids, fields, maxResults } = bulkParams(b);
  const entries: { issue: IssueW; h: History }[] = [];
  for (const idOrKey of ids) {
    const issue = site.model.issue(idOrKey);
    if (!issue || issue.createdAt > site.now) continue;
    for (const h of site.model.historiesAt(issue, site.now)) {
      const items = fields.size ? h.items.filter((i) => fields.has(i.fieldId)) : h.items;
      if (items.length) entries.push({ issue, h: items.length === h.items.length ? h : { ...h, items } });
    }
  }
  entries.sort((x, y) => x.h.at - y.h.at || Number(x.issue.id) - Number(y.issue.id));
  const scope = `bulk:${createHash('sha1')
    .update(JSON.stringify([ids, [...fields]]))
    .digest('hex')}`;
  const start = decodeToken(b.nextPageToken, scope, site.now);
  const page = entries.slice(start, start + maxResults);
  const byIssue = new Map<string, unknown[]>();
  page.forEach((e, n) => {
    let list = byIssue.get(e.issue.id);
    if (!list) byIssue.set(e.issue.id, (list = []));
    list.push(site.render.history(e.h, corrupt && n === 0));
  });
  site.stats.historiesServed += page.length;
  const isLast = start + page.length >= entries.length;
  return {
    issueChangeLogs: [...byIssue].map(([issueId, changeHistories]) => ({ issueId, changeHistories })),
    ...(isLast ? {} : { nextPageToken: encodeToken(start + page.length, scope, site.now) }),
  };
}

/** The bulk fetch's body, refused as Jira refuses it when out of bounds. */
function bulkParams(b: Record<string, unknown>) {
  const ids = b.issueIdsOrKeys;
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > 1000 || ids.some((x) => typeof x !== 'string'))
    throw new HttpError(400, 'issueIdsOrKeys must hold between 1 and 1000 issue ids or keys.');
  const fieldIds = b.fieldIds === undefined ? [] : b.fieldIds;
  if (!Array.isArray(fieldIds) || fieldIds.length > 10 || fieldIds.some((x) => typeof x !== 'string'))
    throw new HttpError(400, 'fieldIds may hold at most 10 field ids.');
  const maxResults = intParam(b.maxResults, 1000);
  if (maxResults < 1 || maxResults > 10_000)
    throw new HttpError(400, 'maxResults must be between 1 and 10000.');
  return { ids: ids as string[], fields: new Set(fieldIds as string[]), maxResults };
}

export function issueChangelog(site: JiraSite, idOrKey: string, url: URL) {
  site.stats.changelogRequests += 1;
  const issue = visibleIssue(site, idOrKey);
  const all = site.model.historiesAt(issue, site.now);
  return linkedOffsetPage(site, url, all, (h) => site.render.history(h), {
    byDefault: 100,
    cap: 100,
    inNextLink: true,
  });
}
