import { isoWorkingDays, type Organisation } from '../config/organisation.js';
import type { Database } from '../db/database.js';

/**
 * Writes what the organisation file says into the settings tables. Only what the file
 * sets is written; everything else keeps what the database holds (the documented
 * defaults, or an UPDATE someone made), so a setting is changed either in the file or
 * with an UPDATE, and takes effect at the next refresh. Teams are the exception: when
 * the file lists teams, the team tables are exactly those teams.
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
    for (const [status, stage] of Object.entries(org.statusStages))
      await c.query(
        `INSERT INTO metrics.setting_status_stages (status_name, stage) VALUES ($1, $2)
         ON CONFLICT (status_name) DO UPDATE SET stage = EXCLUDED.stage`,
        [status, stage],
      );
    for (const [type, item] of Object.entries(org.flowItems))
      await c.query(
        `INSERT INTO metrics.setting_flow_items (match, value, item) VALUES ('type', $1, $2)
         ON CONFLICT (match, value) DO UPDATE SET item = EXCLUDED.item`,
        [type, item],
      );
    if (org.incidents) {
      await c.query('DELETE FROM metrics.setting_incident_rules');
      for (const t of org.incidents.issueTypes)
        await c.query(
          `INSERT INTO metrics.setting_incident_rules VALUES ('type', $1) ON CONFLICT DO NOTHING`,
          [t],
        );
      for (const l of org.incidents.labels)
        await c.query(
          `INSERT INTO metrics.setting_incident_rules VALUES ('label', $1) ON CONFLICT DO NOTHING`,
          [l],
        );
    }
    if (org.teams.length) {
      await c.query('DELETE FROM metrics.setting_teams');
      for (const team of org.teams) {
        await c.query('INSERT INTO metrics.setting_teams (team) VALUES ($1)', [team.name]);
        for (const pattern of team.github.repos)
          await c.query(
            'INSERT INTO metrics.setting_team_repos (team, pattern) VALUES ($1, $2) ON CONFLICT DO NOTHING',
            [team.name, pattern],
          );
        for (const key of team.jira.projects)
          await c.query(
            'INSERT INTO metrics.setting_team_projects (team, project_key) VALUES ($1, $2) ON CONFLICT DO NOTHING',
            [team.name, key],
          );
        if (team.calendar)
          await c.query(
            'INSERT INTO metrics.setting_team_calendars (team, timezone, working_days, holidays) VALUES ($1, $2, $3, $4)',
            [
              team.name,
              team.calendar.timezone,
              isoWorkingDays(team.calendar.workingDays),
              team.calendar.holidays,
            ],
          );
        for (const board of team.jira.boards)
          await c.query(
            'INSERT INTO metrics.setting_team_boards (team, board_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
            [team.name, board],
          );
      }
    }
  });
}
