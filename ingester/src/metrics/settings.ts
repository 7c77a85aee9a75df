import type { Organisation } from '../config/organisation.js';
import type { Database } from '../db/database.js';

/**
 * Writes what the organisation file says into the settings tables. Only values the file
 * sets are written; everything else keeps what the database holds (the documented
 * defaults, or an UPDATE someone made), so a setting is changed either in the file or
 * with an UPDATE, and takes effect at the next refresh.
 */
export async function applyOrganisationSettings(db: Database, org: Organisation): Promise<void> {
  await db.tx(async (c) => {
    const value = async (key: string, v: string | number | undefined) => {
      if (v !== undefined)
        await c.query('UPDATE metrics.setting_values SET value = $2 WHERE key = $1', [key, String(v)]);
    };
    await value('production_pattern', org.deployments.productionPattern);
    await value('attribution_window_hours', org.deployments.attributionWindowHours);
    // Repositories are named in the file as in GITHUB_REPOS (without the owner).
    for (const [name, r] of Object.entries(org.deployments.repos)) {
      await c.query(
        `INSERT INTO metrics.setting_repos (repo, source, production_pattern, workflow)
         SELECT owner || '/' || name, $2, $3, $4 FROM source.github_repos WHERE lower(name) = lower($1)
         ON CONFLICT (repo) DO UPDATE SET source = EXCLUDED.source, production_pattern = EXCLUDED.production_pattern, workflow = EXCLUDED.workflow`,
        [name, r.source, r.productionPattern ?? null, r.workflow ?? null],
      );
    }
    for (const login of org.bots)
      await c.query('INSERT INTO metrics.setting_bots (login) VALUES ($1) ON CONFLICT DO NOTHING', [login]);
  });
}
