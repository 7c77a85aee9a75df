import type { Database } from '../../src/db/database.js';
import type { Logger } from '../../src/log.js';
import { recordForecasts } from '../../src/forecast/snapshots.js';
import { refreshMetrics } from '../../src/metrics/refresh.js';
import { applyOrganisationSettings } from '../../src/metrics/settings.js';
import type { World } from '../../src/simulators/world/types.js';
import { startSite, syncSite } from '../jira/helpers.js';
import { quietLog } from './database.js';
import { organisationOf, startGitHub, syncFrom } from './github.js';

/**
 * Loads a generated organisation the way a user's would be: both simulators, the real
 * GitHub and Jira syncs, the organisation file's settings, a refresh (unless `refresh` is
 * false: a database of an older layout, which its own migration fills anew).
 */
export async function loadWorld(
  world: World,
  db: Database,
  log: Logger = quietLog,
  { refresh = true }: { refresh?: boolean } = {},
): Promise<void> {
  const github = await startGitHub(world);
  const jira = await startSite(world);
  try {
    const gh = await syncFrom(github, db, { since: new Date(world.spec.start) }, log);
    if (gh.results.some((r) => r.status !== 'succeeded'))
      throw new Error(`GitHub sync failed: ${JSON.stringify(gh.results)}`);
    const ji = await syncSite(jira, db, {}, log);
    if (ji.results.some((r: { status: string }) => r.status !== 'succeeded'))
      throw new Error(`Jira sync failed: ${JSON.stringify(ji.results)}`);
    await applyOrganisationSettings(db, organisationOf(world));
    if (refresh) await refreshMetrics(db);
    // As the scheduler does after a refresh, at the world's "now".
    await recordForecasts(db, new Date(world.spec.end));
  } finally {
    await github.stop();
    await jira.stop();
  }
}
