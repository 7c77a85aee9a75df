import type { Organisation } from '../config/organisation.js';
import type { Queryable } from '../db/database.js';
import { NotFoundError } from '../errors.js';

/**
 * Teams as the metrics see them (metrics.teams, team_boards: the organisation file's
 * teams once `engmetrics refresh` or `serve` has applied it, else one team named after
 * the GitHub organisation owning everything).
 */

export async function teamNames(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ team: string }>('SELECT team FROM metrics.teams ORDER BY team');
  return rows.map((r) => r.team);
}

/** The team asked for (by name, any case), or the default: the file's first team, else the first one. */
export async function resolveTeam(db: Queryable, org: Organisation, name?: string): Promise<string> {
  const teams = await teamNames(db);
  if (name === undefined) {
    const first = org.teams[0]?.name;
    const team = first && teams.includes(first) ? first : teams[0];
    if (!team) throw new NotFoundError('No team is known yet: sync GitHub or Jira first');
    return team;
  }
  const found = teams.find((t) => t === name) ?? teams.find((t) => t.toLowerCase() === name.toLowerCase());
  if (!found)
    throw new NotFoundError(
      `There is no team "${name}"; teams: ${teams.join(', ') || '(none yet)'}`,
      'team_not_found',
    );
  return found;
}

export async function teamBoards(db: Queryable, team: string): Promise<number[]> {
  const { rows } = await db.query<{ board_id: string }>(
    'SELECT board_id FROM metrics.team_boards WHERE team = $1 ORDER BY board_id',
    [team],
  );
  return rows.map((r) => Number(r.board_id));
}

/** The team owning a board (the first by name when several share it). */
export async function teamOfBoard(db: Queryable, boardId: number | null): Promise<string | null> {
  if (boardId === null) return null;
  const { rows } = await db.query<{ team: string }>(
    'SELECT team FROM metrics.team_boards WHERE board_id = $1 ORDER BY team LIMIT 1',
    [boardId],
  );
  return rows[0]?.team ?? null;
}
