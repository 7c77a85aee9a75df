import type { ProjectSyncResult } from './sync.js';
import { jiraRequestScope, newJiraStats } from './client.js';
import { firstSearchPage } from './issues.js';
import type { JiraSyncContext } from './project-state.js';
import { runUnit } from '../run.js';

/**
 * The organisation file's issue sets: for each, the keys of the issues its JQL finds, read
 * with Jira's own search (so any JQL the site understands: a fix version, a label, a filter)
 * and stored whole at each sync (source.jira_issue_sets). A query Jira refuses fails that
 * set's unit, naming the setting, while the others go on.
 */
export async function syncIssueSet(
  ctx: JiraSyncContext,
  name: string,
  jql: string,
): Promise<ProjectSyncResult> {
  const stats = newJiraStats();
  const log = ctx.log.child({ source: 'jira', set: name });
  let keys: string[] = [];
  const outcome = await runUnit(
    ctx.db,
    { source: 'jira', scope: `set:${name}`, noun: 'issue set', log },
    () => ({
      rowsWritten: 1,
      apiRequests: stats.requests,
      apiPoints: 0,
      rateLimitRemaining: stats.rateLimitRemaining,
      recordsSkipped: 0,
      details: { issues: keys.length },
    }),
    () =>
      jiraRequestScope.run(stats, async () => {
        keys = await searchKeys(ctx, name, jql);
        await ctx.db.query(
          `INSERT INTO source.jira_issue_sets (set_name, jql, synced_at, issue_keys) VALUES ($1, $2, now(), $3)
           ON CONFLICT (set_name) DO UPDATE SET jql = excluded.jql, synced_at = excluded.synced_at, issue_keys = excluded.issue_keys`,
          [name, jql, keys],
        );
      }),
  );
  return {
    project: `set ${name}`,
    issues: keys.length,
    changelogEntries: 0,
    rowsWritten: outcome.status === 'succeeded' ? 1 : 0,
    requests: stats.requests,
    skipped: 0,
    degraded: 0,
    rateLimitRemaining: stats.rateLimitRemaining,
    ...outcome,
  };
}

async function searchKeys(ctx: JiraSyncContext, name: string, jql: string): Promise<string[]> {
  const keys: string[] = [];
  try {
    for (let page = await firstSearchPage(ctx, jql, ['key'], false); ; page = await page.next!()) {
      for (const raw of page.raw) {
        const key = (raw as { key?: unknown }).key;
        if (typeof key === 'string') keys.push(key);
      }
      if (!page.next) break;
    }
  } catch (err) {
    throw new Error(`issueSets.${name}.jql: Jira refused the query (${(err as Error).message})`);
  }
  return [...new Set(keys)].sort();
}
