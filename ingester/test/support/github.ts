import { parseOrganisation, type Organisation } from '../../src/config/organisation.js';
import type { Database } from '../../src/db/database.js';
import type { Logger } from '../../src/log.js';
import { GitHubSimulator } from '../../src/simulators/github/server.js';
import { organisationFileFor } from '../../src/simulators/organisation.js';
import { DAY } from '../../src/simulators/world/calendar.js';
import { defaultSpec, generateWorld } from '../../src/simulators/world/generate.js';
import type { World, WorldSpec } from '../../src/simulators/world/types.js';
import { createGitHubClient } from '../../src/sources/github/client.js';
import { syncGitHub, type GitHubSyncOptions } from '../../src/sources/github/sync.js';
import { quietLog } from './database.js';

/** A world small enough for tests that still has every deployment source and failure kind. */
export function testWorld(overrides: Partial<WorldSpec> = {}): World {
  const end = Date.UTC(2026, 9, 30, 16, 0);
  return generateWorld(
    defaultSpec({ seed: 1, prs: 700, repos: 10, start: end - 150 * DAY, end, ...overrides }),
  );
}

export const TEST_ORGANISATION: Organisation = parseOrganisation(`
deployments:
  repos:
    infra-tools: { source: workflow, workflow: Deploy }
`);

/** The organisation file a user of the generated organisation would write (teams, stages, items). */
export function organisationOf(world: World): Organisation {
  return parseOrganisation(organisationFileFor(world));
}

export async function startGitHub(world: World): Promise<GitHubSimulator> {
  const sim = new GitHubSimulator(world);
  await sim.start();
  return sim;
}

/** Syncs the simulated organisation with the real client, waits shortened for tests. */
export async function syncFrom(
  sim: GitHubSimulator,
  db: Database,
  options: Partial<GitHubSyncOptions> = {},
  log: Logger = quietLog,
) {
  const { client, stats } = createGitHubClient(
    { apiUrl: sim.url, token: 'ghp_test_token', repos: [], org: 'acme' },
    log,
    {
      waitMsPerSecond: 1,
    },
  );
  const results = await syncGitHub(
    { db, client, organisation: TEST_ORGANISATION, log },
    { org: 'acme', patterns: [], ...options },
  );
  return { results, stats };
}

const TABLES: Record<string, { order: string; drop?: string[] }> = {
  github_repos: { order: 'id', drop: ['raw', 'pushed_at'] },
  github_pull_requests: { order: 'id' },
  github_pr_commits: { order: 'pr_id, oid' },
  github_pr_reviews: { order: 'id' },
  github_pr_issue_refs: { order: 'pr_id, issue_key' },
  github_commits: { order: 'repo_id, position' },
  github_deployments: { order: 'id' },
  github_deployment_statuses: { order: 'id' },
  github_releases: { order: 'id' },
  github_workflow_runs: { order: 'id' },
  github_compares: { order: 'repo_id, head_oid', drop: ['fetched_at'] },
};

/** Every GitHub table's rows, in key order, for comparing two databases. */
export async function snapshot(db: Database): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, spec] of Object.entries(TABLES)) {
    const { rows } = await db.query<Record<string, unknown>>(
      `SELECT * FROM source.${table} ORDER BY ${spec.order}`,
    );
    out[table] = rows.map((r) => {
      for (const d of spec.drop ?? []) delete r[d];
      return r;
    });
  }
  return out;
}
