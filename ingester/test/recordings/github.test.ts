import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mapRelease, releaseNode } from '../../src/sources/github/map.js';
import { mapRepository, restRepository } from '../../src/sources/github/repos.js';
import * as t from '../../src/sources/github/tables.js';
import { parseEach } from '../../src/sources/quality.js';
import { upsert } from '../../src/store/upsert.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';

/**
 * GitHub's answers as GitHub gave them, recorded by the Octokit project (the MIT-licensed
 * `@octokit/fixtures` package, a dev dependency: provenance and licence in its own folder),
 * not written by this project. They are REST recordings; the ingester reads repositories by
 * REST and releases by GraphQL, so a release is translated to the GraphQL shape field by field
 * (names only: tag_name → tagName, draft → isDraft, …), its values left as recorded.
 */
const require = createRequire(import.meta.url);
const FIXTURES = join(dirname(require.resolve('@octokit/fixtures/package.json')), 'scenarios/api.github.com');

interface Recorded {
  method: string;
  path: string;
  status: number;
  response: unknown;
}
const scenario = (name: string): Recorded[] =>
  JSON.parse(readFileSync(join(FIXTURES, name, 'normalized-fixture.json'), 'utf8')) as Recorded[];
const answers = (name: string, method: string, path: RegExp) =>
  scenario(name)
    .filter((r) => r.method === method && path.test(r.path) && r.status < 300)
    .map((r) => r.response);

/** A REST release in the shape of GraphQL's Release, the values as recorded. */
function asGraphqlRelease(r: Record<string, unknown>) {
  const author = r.author as { login: string; type: string } | null;
  return {
    id: r.node_id,
    databaseId: r.id,
    tagName: r.tag_name,
    name: r.name,
    isDraft: r.draft,
    isPrerelease: r.prerelease,
    createdAt: r.created_at,
    publishedAt: r.published_at,
    author: author ? { __typename: author.type, login: author.login } : null,
    // REST names the target (a branch or a sha), not the tagged commit: GraphQL's tagCommit is unknown here.
    tagCommit: null,
  };
}

describe('GitHub recordings (@octokit/fixtures)', () => {
  let db: TestDatabase;
  const report: Record<string, { records: number; mapped: number; skipped: Record<string, number> }> = {};

  beforeAll(async () => {
    db = await freshDatabase({ migrated: true });
  });
  afterAll(async () => {
    console.info(`GitHub recordings:\n${JSON.stringify(report, null, 2)}`);
    await db.drop();
  });

  it('maps and stores every recorded repository', async () => {
    const recorded = [
      ...answers('get-repository', 'get', /^\/repos\/[^/]+\/[^/]+$/),
      ...answers('rename-repository', 'patch', /^\/(repos\/[^/]+\/[^/]+|repositories\/\d+)$/),
    ];
    const { ok, bad } = parseEach(restRepository, recorded, 'repository');
    const skipped = Object.fromEntries(bad.map((b) => [b.cause, 1]));
    report.repositories = { records: recorded.length, mapped: ok.length, skipped };
    expect(bad).toEqual([]);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    // The normalised recordings share one node id: a row per id, the first recorded.
    const rows = [
      ...new Map(
        ok
          .map(mapRepository)
          .reverse()
          .map((m) => [m.row.id, m.row]),
      ).values(),
    ];
    expect(rows[0]).toMatchObject({
      owner: 'octokit-fixture-org',
      name: 'hello-world',
      default_branch: 'master',
    });
    expect(await upsert(db.db, t.repos, rows)).toBe(rows.length);
  });

  it('maps and stores the recorded release, translated to the GraphQL shape the sync reads', async () => {
    const recorded = answers('release-assets', 'get', /\/releases\/tags\//) as Record<string, unknown>[];
    const { ok, bad } = parseEach(releaseNode, recorded.map(asGraphqlRelease), 'release');
    report.releases = {
      records: recorded.length,
      mapped: ok.length,
      skipped: Object.fromEntries(bad.map((b) => [b.cause, 1])),
    };
    expect(bad).toEqual([]);
    const repo = (await db.db.query<{ id: string }>('SELECT id FROM source.github_repos LIMIT 1')).rows[0]!
      .id;
    const rows = ok.map((r) => mapRelease(repo, r));
    expect(rows[0]).toMatchObject({
      tag_name: 'v1.0.0',
      name: 'Version 1.0.0',
      is_draft: false,
      author_login: 'octokit-fixture-user-a',
      created_at: '2017-10-10T16:00:00Z',
    });
    expect(await upsert(db.db, t.releases, rows)).toBe(1);
  });
});
