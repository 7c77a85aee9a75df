import { parseEach, type RecordQuality } from '../quality.js';
import { historySchema, type JiraHistory } from './map.js';
import type { JiraSyncContext } from './project-state.js';

/** Issues whose changelogs are fetched together: bulkfetch takes at most 1,000 ids. */
export const BATCH = 1000;

/**
 * An issue's change histories: one that cannot be read is skipped, and one whose author is
 * missing or unusable (Jira automation, a deleted user) keeps its changes, author unknown.
 */
export function parseHistories(raw: unknown[], issueKey: string, quality: RecordQuality): JiraHistory[] {
  const { ok, bad } = parseEach(historySchema, raw, 'changelog entry');
  quality.skipAll(bad, issueKey);
  for (const h of ok)
    if (h.authorDropped)
      quality.degrade(`${issueKey} changelog ${h.id}`, 'changelog author', h.authorDropped);
  return ok;
}

/** The full tracked history of each issue, in as few bulkfetch requests as Jira allows. */
export async function bulkChangelogs(
  ctx: JiraSyncContext,
  issues: { id: string; key: string }[],
  fieldIds: string[],
  quality: RecordQuality,
): Promise<Map<string, JiraHistory[]>> {
  const out = new Map<string, JiraHistory[]>();
  const keys = new Map(issues.map((p) => [p.id, p.key]));
  for (let i = 0; i < issues.length; i += BATCH) {
    const chunk = issues.slice(i, i + BATCH).map((p) => p.id);
    let token: string | undefined;
    do {
      const r = await ctx.api.call('changelogs', (c) =>
        c.v3.issues.getBulkChangelogs({
          issueIdsOrKeys: chunk,
          fieldIds,
          maxResults: 10_000,
          ...(token ? { nextPageToken: token } : {}),
        }),
      );
      for (const log of r.issueChangeLogs ?? []) {
        if (!log.issueId) continue;
        const ok = parseHistories(
          (log.changeHistories ?? []) as unknown[],
          keys.get(log.issueId) ?? log.issueId,
          quality,
        );
        let list = out.get(log.issueId);
        if (!list) out.set(log.issueId, (list = []));
        list.push(...ok);
      }
      token = r.nextPageToken ?? undefined;
    } while (token);
  }
  return out;
}
