import type { Database } from '../../db/database.js';
import { upsert } from '../../store/upsert.js';
import type { GitHubClient } from './client.js';
import { stripForStorage } from './map.js';
import type { RepoRef } from './repos.js';
import { DAY, type RepoCursor } from './repo-state.js';
import * as t from './tables.js';

/** Successful runs of the repository's deploy workflow, for repositories that deploy with Actions. */
export async function syncWorkflowRuns(
  db: Database,
  client: GitHubClient,
  repo: RepoRef,
  workflow: string,
  cursor: RepoCursor,
  since: Date | null,
): Promise<number> {
  if (!cursor.workflowId) {
    const { data } = await client.request('GET /repos/{owner}/{repo}/actions/workflows', {
      owner: repo.owner,
      repo: repo.name,
      per_page: 100,
    });
    const found = data.workflows.find((w) => w.name === workflow || w.path.endsWith(`/${workflow}`));
    if (!found)
      throw new Error(
        `${repo.owner}/${repo.name} has no workflow named "${workflow}" (deployments.repos.${repo.name}.workflow)`,
      );
    cursor.workflowId = found.id;
  }
  const from = since ?? new Date(Date.parse(cursor.runsUntil ?? cursor.historySince) - 3 * DAY);
  let written = 0;
  let newest = Date.parse(cursor.runsUntil ?? '1970-01-01T00:00:00Z');
  for (let page = 1; ; page++) {
    const { data, headers } = await client.request(
      'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs',
      {
        owner: repo.owner,
        repo: repo.name,
        workflow_id: cursor.workflowId,
        branch: repo.defaultBranch,
        status: 'completed',
        created: `>=${from.toISOString().slice(0, 10)}`,
        per_page: 100,
        page,
      },
    );
    const rows = data.workflow_runs.map((w) => ({
      id: Number(w.id),
      repo_id: repo.id,
      workflow_id: w.workflow_id,
      workflow_name: w.name ?? workflow,
      path: w.path,
      head_branch: w.head_branch,
      head_sha: w.head_sha,
      event: w.event,
      status: w.status,
      conclusion: w.conclusion,
      created_at: w.created_at,
      run_started_at: w.run_started_at ?? null,
      updated_at: w.updated_at,
      // The embedded repository objects change with every push; the repository is kept on its own.
      raw: stripForStorage({ ...w, repository: undefined, head_repository: undefined }),
    }));
    written += await upsert(db, t.workflowRuns, rows);
    for (const w of rows) newest = Math.max(newest, Date.parse(w.created_at));
    if (!/rel="next"/.test(headers.link ?? '')) break;
  }
  if (newest > 0) cursor.runsUntil = new Date(newest).toISOString();
  return written;
}
