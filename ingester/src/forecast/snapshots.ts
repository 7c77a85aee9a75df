import type { Database } from '../db/database.js';
import { chooseSprint } from '../insights/facts-query.js';
import { teamNames } from '../metrics/teams.js';
import { forecastFacts, forecastSprint, localDate } from './forecast.js';

/**
 * Records each team's current sprint forecast after a refresh (metrics.forecast_snapshots), so
 * the Sprint health dashboard can chart the chance of finishing day by day and the team's
 * predictability over time. A sprint not running or being planned has nothing to record.
 */
export async function recordForecasts(db: Database, asOf: Date): Promise<number> {
  let recorded = 0;
  for (const team of await teamNames(db)) {
    const choice = await chooseSprint(db, team);
    if (!choice || (choice.kind !== 'active' && choice.kind !== 'upcoming')) continue;
    const { rows } = await db.query<{ start_at: Date; end_at: Date; timezone: string }>(
      `SELECT s.start_at, s.end_at, c.timezone
         FROM source.jira_sprints s, metrics.team_calendar($2) c
        WHERE s.id = $1 AND s.start_at IS NOT NULL AND s.end_at IS NOT NULL`,
      [choice.sprint, team],
    );
    const sprint = rows[0];
    if (!sprint) continue;
    const f = forecastFacts(
      await forecastSprint(
        db,
        team,
        { id: choice.sprint, startAt: sprint.start_at, endAt: sprint.end_at },
        asOf,
      ),
    );
    await db.query(
      `INSERT INTO metrics.forecast_snapshots
         (team, sprint_id, day, as_of, state, reason, history_days, remaining_issues, working_days_left,
          finish_probability_pct, done_by_50, done_by_70, done_by_85, done_by_95, spread_working_days)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
       ON CONFLICT (team, sprint_id, day) DO UPDATE SET
         as_of = excluded.as_of, state = excluded.state, reason = excluded.reason,
         history_days = excluded.history_days, remaining_issues = excluded.remaining_issues,
         working_days_left = excluded.working_days_left, finish_probability_pct = excluded.finish_probability_pct,
         done_by_50 = excluded.done_by_50, done_by_70 = excluded.done_by_70, done_by_85 = excluded.done_by_85,
         done_by_95 = excluded.done_by_95, spread_working_days = excluded.spread_working_days
       WHERE metrics.forecast_snapshots.as_of <= excluded.as_of`,
      [
        team,
        choice.sprint,
        localDate(asOf, sprint.timezone),
        asOf,
        f.state,
        f.reason,
        f.history_days,
        f.remaining_issues,
        f.working_days_left,
        f.finish_probability_pct,
        f.done_by_50_at,
        f.done_by_70_at,
        f.done_by_85_at,
        f.done_by_95_at,
        f.spread_working_days,
      ],
    );
    recorded++;
  }
  return recorded;
}
