import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { JiraSimulator } from '../../src/simulators/jira/server.js';
import type { World } from '../../src/simulators/world/types.js';
import { freshDatabase, type TestDatabase } from '../support/database.js';
import { jiraWorld, startSite, syncSite } from './helpers.js';

/**
 * The organisation file's issue sets (issueSets: a name and a JQL query) read through the real
 * jira.js clients from the simulated site, Cloud and Data Center: the keys Jira's search finds,
 * stored whole, and a query Jira refuses failing its own set only, naming the setting.
 */
let t: TestDatabase;
let world: World;

beforeAll(async () => {
  t = await freshDatabase({ migrated: true });
  world = jiraWorld();
});
afterAll(() => t?.drop());

describe('issue sets of the organisation file', () => {
  for (const flavour of ['cloud', 'datacenter'] as const)
    it(`stores the keys each set's JQL finds (${flavour}), and a refused query fails its set alone`, async () => {
      const sim: JiraSimulator = await startSite(world, { flavour });
      try {
        const project = world.jira.projects[0]!.key;
        const since = '2026-10-01';
        // The site as of its "now": issues written up later are not there yet.
        const expected = world.jira.issues
          .filter(
            (i) =>
              i.key.startsWith(`${project}-`) &&
              i.createdAt >= Date.parse(`${since}T00:00:00Z`) &&
              i.createdAt <= world.spec.end,
          )
          .map((i) => i.key)
          .sort();
        expect(expected.length).toBeGreaterThan(5);
        const { results } = await syncSite(sim, t.db, {
          issueSets: {
            recent: { jql: `project = ${project} AND created >= "${since}"` },
            broken: { jql: 'project = AND' },
          },
        });
        const sets = results.filter((r) => r.project.startsWith('set '));
        expect(sets.map((r) => [r.project, r.status, r.issues])).toEqual([
          ['set recent', 'succeeded', expected.length],
          ['set broken', 'failed', 0],
        ]);
        expect(sets[1]!.error).toMatch(/^issueSets\.broken\.jql: Jira refused the query/);
        expect(
          results.filter((r) => !r.project.startsWith('set ')).every((r) => r.status === 'succeeded'),
        ).toBe(true);
        const { rows } = await t.db.query<{ set_name: string; issue_keys: string[] }>(
          'SELECT set_name, issue_keys FROM source.jira_issue_sets ORDER BY set_name',
        );
        expect(rows).toEqual([{ set_name: 'recent', issue_keys: expected }]);
      } finally {
        await sim.stop();
      }
    });
});
