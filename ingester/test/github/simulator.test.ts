import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse, validate } from 'graphql';
import { Octokit } from '@octokit/rest';
import type { GitHubSimulator } from '../../src/simulators/github/server.js';
import { githubSchema, queryCost } from '../../src/simulators/github/schema.js';
import {
  DEPLOYMENT_STATUSES_PAGE,
  PR_COMMITS_PAGE,
  PR_REVIEWS_PAGE,
  REPO_SYNC,
} from '../../src/sources/github/queries.js';
import { startGitHub, testWorld } from '../support/github.js';

/** GitHub's REST description, to hold the simulator's responses to it. */
function openapi() {
  const dir = dirname(createRequire(import.meta.url).resolve('@octokit/openapi/package.json'));
  return JSON.parse(readFileSync(join(dir, 'generated/api.github.com.json'), 'utf8'));
}

describe('the GitHub simulator', () => {
  let sim: GitHubSimulator;
  let octokit: Octokit;
  const world = testWorld({ prs: 300 });
  beforeAll(async () => {
    sim = await startGitHub(world);
    octokit = new Octokit({ auth: 'ghp_test_token', baseUrl: sim.url });
  });
  afterAll(async () => sim.stop());

  it('accepts every query the ingester sends, against GitHub’s own schema', () => {
    for (const q of [REPO_SYNC, PR_COMMITS_PAGE, PR_REVIEWS_PAGE, DEPLOYMENT_STATUSES_PAGE])
      expect(validate(githubSchema(), parse(q))).toEqual([]);
  });

  it('charges GraphQL points the way GitHub documents', () => {
    // GitHub's worked example: 100 repos × 50 issues × 60 labels → 1 + 100 + 5,000 requests → 51 points.
    const doc = parse(
      `query { viewer { repositories(first: 100) { nodes { issues(first: 50) { nodes { labels(first: 60) { nodes { name } } } } } } } }`,
    );
    expect(queryCost(doc, {})).toEqual({ cost: 51, nodeCount: 100 + 5000 + 300000 });
    // A query with no connection still costs one point.
    expect(queryCost(parse(`query { viewer { login } }`), {}).cost).toBe(1);
    // Skipped parts cost nothing.
    const vars = {
      owner: 'acme',
      name: 'x',
      withPrs: false,
      withHistory: false,
      withDeployments: false,
      withReleases: true,
    };
    expect(queryCost(parse(REPO_SYNC), vars).cost).toBe(1);
  });

  it('answers GraphQL with rateLimit, cursors and GitHub’s paging rules', async () => {
    const r = await octokit.graphql<{
      rateLimit: { cost: number; remaining: number };
      repository: {
        pullRequests: {
          totalCount: number;
          pageInfo: { hasNextPage: boolean; endCursor: string };
          nodes: { number: number }[];
        };
      };
    }>(`query { rateLimit { cost remaining } repository(owner: "acme", name: "payments-api") {
          pullRequests(first: 10, orderBy: { field: CREATED_AT, direction: ASC }) { totalCount pageInfo { hasNextPage endCursor } nodes { number } } } }`);
    expect(r.rateLimit.cost).toBe(1);
    expect(r.repository.pullRequests.nodes.map((n) => n.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.repository.pullRequests.pageInfo.hasNextPage).toBe(true);
    await expect(
      octokit.graphql(
        `query { repository(owner: "acme", name: "payments-api") { pullRequests(first: 101) { nodes { number } } } }`,
      ),
    ).rejects.toThrow(/exceeds the `first` limit of 100 records/);
    await expect(
      octokit.graphql(
        `query { repository(owner: "acme", name: "payments-api") { pullRequests { nodes { number } } } }`,
      ),
    ).rejects.toThrow(/You must provide a `first` or `last` value/);
    await expect(
      octokit.graphql(
        `query { repository(owner: "acme", name: "payments-api") { pullRequestz { totalCount } } }`,
      ),
    ).rejects.toThrow(/Cannot query field "pullRequestz"/);
  });

  it('pages REST with link headers and answers a repeated request with 304', async () => {
    const first = await octokit.rest.repos.listForOrg({ org: 'acme', per_page: 4 });
    expect(first.data).toHaveLength(4);
    expect(first.headers.link).toMatch(/[?&]page=2[^>]*>; rel="next"/);
    expect(first.headers.link).toMatch(/[?&]page=3[^>]*>; rel="last"/);
    expect(first.headers['x-ratelimit-limit']).toBe('5000');
    const before = Number(first.headers['x-ratelimit-remaining']);
    const again = await octokit.rest.repos
      .listForOrg({ org: 'acme', per_page: 4, headers: { 'if-none-match': first.headers.etag } })
      .catch((e) => e);
    expect(again.status).toBe(304);
    const after = await octokit.rest.rateLimit.get();
    expect(after.data.resources.core.remaining).toBe(before);
  });

  it('sends REST payloads that validate against GitHub’s OpenAPI description', async () => {
    const spec = openapi();
    // OpenAPI 3.0's `nullable` is not JSON Schema: rewrite it, then validate by $ref.
    const fix = (s: unknown): unknown => {
      if (Array.isArray(s)) return s.map(fix);
      if (!s || typeof s !== 'object') return s;
      const o = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, fix(v)]));
      if (o.nullable === true) {
        delete o.nullable;
        return { anyOf: [o, { type: 'null' }] };
      }
      return o;
    };
    const ajv2 = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv2);
    ajv2.addSchema({ $id: 'gh', components: fix(spec.components) as object });
    const check = (schema: string, data: unknown) => {
      const v = ajv2.compile({ $ref: `gh#/components/schemas/${schema}` });
      const ok = v(data);
      if (!ok) throw new Error(`${schema}: ${JSON.stringify(v.errors?.slice(0, 3))}`);
    };
    const repos = await octokit.rest.repos.listForOrg({ org: 'acme', per_page: 100 });
    for (const r of repos.data) check('minimal-repository', r);
    const deps = await octokit.rest.repos.listDeployments({
      owner: 'acme',
      repo: 'payments-api',
      per_page: 5,
    });
    expect(deps.data.length).toBe(5);
    for (const d of deps.data) check('deployment', d);
    const statuses = await octokit.rest.repos.listDeploymentStatuses({
      owner: 'acme',
      repo: 'payments-api',
      deployment_id: deps.data[0]!.id,
    });
    for (const s of statuses.data) check('deployment-status', s);
    const releases = await octokit.rest.repos.listReleases({ owner: 'acme', repo: 'mobile-app' });
    expect(releases.data.length).toBeGreaterThan(0);
    for (const r of releases.data) check('release', r);
    const workflows = await octokit.rest.actions.listRepoWorkflows({ owner: 'acme', repo: 'infra-tools' });
    for (const w of workflows.data.workflows) check('workflow', w);
    const runs = await octokit.rest.actions.listWorkflowRunsForRepo({
      owner: 'acme',
      repo: 'infra-tools',
      per_page: 3,
    });
    for (const r of runs.data.workflow_runs) check('workflow-run', r);
    const head = world.repos.find((r) => r.name === 'payments-api')!.mainline[20]!.oid;
    const cmp = await octokit.rest.repos.compareCommitsWithBasehead({
      owner: 'acme',
      repo: 'payments-api',
      basehead: `main...${head}`,
    });
    check('commit-comparison', cmp.data);
    expect(cmp.data.status).toBe('behind');
    const org = await octokit.rest.orgs.get({ org: 'acme' });
    check('organization-full', org.data);
    check('rate-limit-overview', (await octokit.rest.rateLimit.get()).data);
  });

  it('issues installation tokens to a GitHub App that proves itself with its key', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { GitHubSimulator } = await import('../../src/simulators/github/server.js');
    const appSim = new GitHubSimulator(world, {
      apps: { 4242: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    });
    await appSim.start();
    try {
      const { connectGitHub } = await import('../../src/sources/github/client.js');
      const { quietLog } = await import('../support/database.js');
      const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
      const { client } = await connectGitHub(
        { apiUrl: appSim.url, app: { appId: 4242, privateKey: pem }, org: 'acme', repos: [] },
        quietLog,
      );
      const r = await client.graphql<{ repository: { name: string } }>(
        `query { repository(owner: "acme", name: "payments-api") { name } }`,
      );
      expect(r.repository.name).toBe('payments-api');
      expect(appSim.stats.byRoute['GET /orgs/acme/installation']).toBe(1);
      expect(appSim.stats.byRoute['POST /app/installations/:id/access_tokens']).toBe(1);
      // A key the simulator does not know gets nowhere.
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs1', format: 'pem' })
        .toString();
      await expect(
        connectGitHub(
          { apiUrl: appSim.url, app: { appId: 4242, privateKey: other }, org: 'acme', repos: [] },
          quietLog,
        ),
      ).rejects.toThrow(/JSON web token/);
    } finally {
      await appSim.stop();
    }
  });

  it('counts every request it serves', async () => {
    const before = sim.stats.requests;
    await octokit.rest.orgs.get({ org: 'acme' });
    await octokit.graphql(`query { viewer { login } }`).catch(() => undefined);
    expect(sim.stats.requests).toBe(before + 2);
  });
});
