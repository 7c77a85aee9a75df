import { parseOrganisation, type Organisation } from '../../src/config/organisation.js';
import type { Database } from '../../src/db/database.js';
import { refreshMetrics } from '../../src/metrics/refresh.js';
import { applyOrganisationSettings } from '../../src/metrics/settings.js';
import { organisationFileFor } from '../../src/simulators/organisation.js';
import { DAY } from '../../src/simulators/world/calendar.js';
import type { World } from '../../src/simulators/world/types.js';
import { createGitHubClient } from '../../src/sources/github/client.js';
import { syncGitHub } from '../../src/sources/github/sync.js';
import { quietLog } from '../support/database.js';
import { startGitHub } from '../support/github.js';
import { END, jiraWorld, startSite, syncSite } from '../jira/helpers.js';

/**
 * A generated organisation synced from both simulators (real clients, real database)
 * and refreshed, as the scheduler would leave it: the ground for facts tests.
 */
export async function loadWorld(db: Database): Promise<{ world: World; organisation: Organisation }> {
  const world = jiraWorld({ prs: 300, repos: 6, start: END - 90 * DAY });
  const organisation = parseOrganisation(organisationFileFor(world));
  const github = await startGitHub(world);
  const jira = await startSite(world);
  try {
    const { client } = createGitHubClient(
      { apiUrl: github.url, token: 'ghp_test_token', repos: [], org: world.org.login },
      quietLog,
      { waitMsPerSecond: 1 },
    );
    const gh = await syncGitHub(
      { db, client, organisation, log: quietLog },
      { org: world.org.login, patterns: [], since: new Date(world.spec.start) },
    );
    if (gh.some((r) => r.status !== 'succeeded'))
      throw new Error(`GitHub sync failed: ${JSON.stringify(gh)}`);
    const { results } = await syncSite(jira, db);
    if (results.some((r) => r.status !== 'succeeded'))
      throw new Error(`Jira sync failed: ${JSON.stringify(results)}`);
    await applyOrganisationSettings(db, organisation);
    await refreshMetrics(db);
  } finally {
    await github.stop();
    await jira.stop();
  }
  return { world, organisation };
}
