import { repoMatches, type Organisation } from '../config/organisation.js';
import type { Queryable } from '../db/database.js';

/**
 * Who owns which boards, projects and repositories, read from the organisation file.
 * (Once the metrics.setting_team_* tables exist, these lookups become joins on them.)
 * Without a file there is one team, named after the GitHub organisation, owning
 * everything, as METRICS.md ("Teams and links") says.
 */
export interface TeamScope {
  name: string;
  /** Repository names or patterns; `all` for the one team of an organisation without a file. */
  repos: string[] | 'all';
  projects: string[] | 'all';
  boards: number[] | 'all';
}

export function teamsOf(org: Organisation, githubOrg?: string): TeamScope[] {
  if (org.teams.length === 0)
    return [{ name: githubOrg ?? 'default', repos: 'all', projects: 'all', boards: 'all' }];
  return org.teams.map((t) => ({
    name: t.name,
    repos: t.github.repos,
    projects: t.jira.projects,
    boards: t.jira.boards,
  }));
}

/** The team asked for when none is named: the first one in the organisation file. */
export function defaultTeam(teams: TeamScope[]): TeamScope {
  return teams[0]!;
}

export function findTeam(teams: TeamScope[], name: string): TeamScope | undefined {
  return teams.find((t) => t.name === name) ?? teams.find((t) => t.name.toLowerCase() === name.toLowerCase());
}

/** The team's boards: those it lists and those of its projects. */
export async function teamBoards(db: Queryable, team: TeamScope): Promise<number[]> {
  if (team.boards === 'all' || team.projects === 'all') {
    const { rows } = await db.query<{ id: string }>('SELECT id FROM source.jira_boards ORDER BY id');
    return rows.map((r) => Number(r.id));
  }
  const { rows } = await db.query<{ id: string }>(
    'SELECT id FROM source.jira_boards WHERE project_key = ANY ($1::text[]) ORDER BY id',
    [team.projects],
  );
  return [...new Set([...team.boards, ...rows.map((r) => Number(r.id))])].sort((a, b) => a - b);
}

export async function teamProjects(db: Queryable, team: TeamScope): Promise<string[]> {
  if (team.projects !== 'all') return team.projects;
  const { rows } = await db.query<{ key: string }>('SELECT key FROM source.jira_projects ORDER BY key');
  return rows.map((r) => r.key);
}

export async function teamRepoIds(db: Queryable, team: TeamScope): Promise<string[]> {
  const { rows } = await db.query<{ id: string; name: string }>(
    'SELECT id, name FROM source.github_repos ORDER BY id',
  );
  const patterns = team.repos;
  if (patterns === 'all') return rows.map((r) => r.id);
  return rows.filter((r) => patterns.some((p) => repoMatches(p, r.name))).map((r) => r.id);
}

/** The team that owns a board: listed by id first, then through the board's project. */
export async function teamOfBoard(
  db: Queryable,
  teams: TeamScope[],
  boardId: number | null,
): Promise<TeamScope | undefined> {
  if (teams.length === 1) return teams[0];
  if (boardId === null) return undefined;
  const listed = teams.find((t) => t.boards !== 'all' && t.boards.includes(boardId));
  if (listed) return listed;
  const { rows } = await db.query<{ project_key: string | null }>(
    'SELECT project_key FROM source.jira_boards WHERE id = $1',
    [boardId],
  );
  const project = rows[0]?.project_key;
  return project ? teams.find((t) => t.projects !== 'all' && t.projects.includes(project)) : undefined;
}
