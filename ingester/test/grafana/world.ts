import type { Database } from '../../src/db/database.js';
import { recordForecasts } from '../../src/forecast/snapshots.js';
import { refreshMetrics } from '../../src/metrics/refresh.js';
import { applyOrganisationSettings } from '../../src/metrics/settings.js';
import { DAY } from '../../src/simulators/world/calendar.js';
import type { World } from '../../src/simulators/world/types.js';
import { organisationOf, startGitHub, syncFrom, testWorld } from '../support/github.js';
import { startSite, syncSite } from '../jira/helpers.js';

/**
 * A generated organisation loaded the way production loads it: both simulators synced with the
 * real clients, the organisation file applied, the metrics refreshed. One Jira project's first
 * sync fails (the simulator answers 500s), as in an outage, so the run history has a failure
 * with its error for the panels that show them.
 */
export async function loadOrganisation(db: Database): Promise<World> {
  const world = testWorld({ prs: 300, repos: 6 });
  const github = await startGitHub(world);
  try {
    const { results } = await syncFrom(github, db, {
      since: new Date(Math.floor(world.spec.start / DAY) * DAY),
    });
    if (results.some((r) => r.status !== 'succeeded'))
      throw new Error(`GitHub sync failed: ${JSON.stringify(results)}`);
  } finally {
    await github.stop();
  }
  const jira = await startSite(world);
  try {
    const failing = world.jira.projects[0]!.key;
    jira.inject({ kind: 'server-error', status: 500 }, 20, /search\/jql/);
    const outage = await syncSite(jira, db, { only: [failing] }, undefined, { maxRetries: 1 });
    if (outage.results[0]?.status !== 'failed')
      throw new Error('the injected Jira outage did not fail the sync');
    jira.clearFaults();
    const { results } = await syncSite(jira, db);
    if (results.some((r) => r.status !== 'succeeded'))
      throw new Error(`Jira sync failed: ${JSON.stringify(results)}`);
  } finally {
    await jira.stop();
  }
  await applyOrganisationSettings(db, organisationOf(world));
  await refreshMetrics(db);
  // As the scheduler does after a refresh, at the organisation's "now".
  await recordForecasts(db, new Date(world.spec.end));
  return world;
}
