import type { Database } from '../../db/database.js';
import { upsert } from '../../store/upsert.js';
import type { GitHubClient } from './client.js';
import type { RepoRef } from './repos.js';
import * as t from './tables.js';

/**
 * A production sha that is not on the default branch's first-parent history (a
 * hotfix deployed from its branch) is placed with one compare: its merge base on the
 * default branch, and the commits it adds. Each sha is compared once.
 */
export async function compareOffHistory(
  db: Database,
  client: GitHubClient,
  repo: RepoRef,
  production: RegExp,
): Promise<number> {
  const { rows } = await db.query<{ sha: string }>(
    `WITH shipped AS (
       SELECT d.sha FROM source.github_deployments d
        WHERE d.repo_id = $1 AND d.environment ~* $2
          AND EXISTS (SELECT 1 FROM source.github_deployment_statuses s WHERE s.deployment_id = d.id AND s.state = 'success')
       UNION SELECT r.sha FROM source.github_releases r WHERE r.repo_id = $1 AND r.sha IS NOT NULL AND NOT r.is_draft
       UNION SELECT w.head_sha FROM source.github_workflow_runs w WHERE w.repo_id = $1 AND w.conclusion = 'success')
     SELECT s.sha FROM shipped s
      WHERE NOT EXISTS (SELECT 1 FROM source.github_commits c WHERE c.repo_id = $1 AND c.oid = s.sha)
        AND NOT EXISTS (SELECT 1 FROM source.github_compares x WHERE x.repo_id = $1 AND x.head_oid = s.sha)`,
    [repo.id, production.source],
  );
  let written = 0;
  for (const { sha } of rows) {
    try {
      const { data } = await client.rest.repos.compareCommitsWithBasehead({
        owner: repo.owner,
        repo: repo.name,
        basehead: `${repo.defaultBranch}...${sha}`,
        per_page: 100,
      });
      written += await upsert(db, t.compares, [
        {
          repo_id: repo.id,
          head_oid: sha,
          base_ref: repo.defaultBranch,
          status: data.status,
          merge_base_oid: data.merge_base_commit?.sha ?? null,
          ahead_by: data.ahead_by,
          ahead_oids: data.commits.map((c) => c.sha),
        },
      ]);
    } catch (err) {
      // A sha GitHub no longer has (force-pushed away): its deployment is placed by time instead.
      if ((err as { status?: number }).status !== 404) throw err;
      written += await upsert(db, t.compares, [
        {
          repo_id: repo.id,
          head_oid: sha,
          base_ref: repo.defaultBranch,
          status: 'missing',
          merge_base_oid: null,
          ahead_by: 0,
          ahead_oids: [],
        },
      ]);
    }
  }
  return written;
}
