import { parseOrganisation, type Organisation } from '../../src/config/organisation.js';
import type { Database } from '../../src/db/database.js';
import { organisationFileFor } from '../../src/simulators/organisation.js';
import { DAY } from '../../src/simulators/world/calendar.js';
import type { World } from '../../src/simulators/world/types.js';
import { loadWorld as load } from '../support/loaded.js';
import { END, jiraWorld } from '../jira/helpers.js';

/** A generated organisation synced from both simulators and refreshed: the ground for facts tests. */
export async function loadWorld(db: Database): Promise<{ world: World; organisation: Organisation }> {
  const world = jiraWorld({ prs: 300, repos: 6, start: END - 90 * DAY });
  await load(world, db);
  return { world, organisation: parseOrganisation(organisationFileFor(world)) };
}
