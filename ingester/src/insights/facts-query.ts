import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from '../db/database.js';
import { forecastFacts, forecastSprint } from '../forecast/forecast.js';
import { NotFoundError } from '../errors.js';
import { sprintFacts, type SprintFacts } from './facts.js';
import { teamBoards, teamOfBoard } from '../metrics/teams.js';

/**
 * The SQL lives beside this file so it can be read and changed as SQL (and later point at
 * the metrics views). A build (dist/) has no copy of it: it is read from src/ then.
 */
function factsSqlPath(): string {
  const here = new URL('./facts.sql', import.meta.url);
  if (existsSync(here)) return fileURLToPath(here);
  return fileURLToPath(new URL('../../src/insights/facts.sql', import.meta.url));
}

let factsSql: string | undefined;
const sql = () => (factsSql ??= readFileSync(factsSqlPath(), 'utf8'));

const HOUR = 3_600_000;

/**
 * The instant an active sprint is described at when nobody says: the start of the
 * current hour. Facts (and so their hash, the cache key) then only change when the data
 * does or the hour turns, which the hourly sync matches.
 */
export function defaultAsOf(now = new Date()): Date {
  return new Date(Math.floor(now.getTime() / HOUR) * HOUR);
}

export interface FactsScope {
  /** JIRA_BASE_URL, for issue links; without it the site is read from each issue's payload. */
  jiraBaseUrl?: string;
  /** Where an active sprint is described (default: the start of this hour). */
  asOf?: Date;
}

/**
 * Which sprint a team's Sprint Health is about, and why:
 *   active       the sprint running on one of its boards (the latest started)
 *   upcoming     none is running and the next one is being planned (it has dates and issues)
 *   last_closed  none is running and the next is not planned yet: the one that closed last
 * and, for a team whose boards have only an unplanned next sprint, that one (upcoming).
 */
export interface SprintChoice {
  sprint: number;
  kind: 'requested' | 'active' | 'upcoming' | 'last_closed';
  /** One sentence a reader sees beside the insight. */
  reason: string;
}

interface Candidate {
  id: string;
  name: string;
  role: 'active' | 'closed' | 'future';
  start_at: Date | null;
  complete_at: Date | null;
  planned: number;
}

const day = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : 'a date not set');

export async function chooseSprint(db: Database, team: string): Promise<SprintChoice | null> {
  const boards = await teamBoards(db, team);
  if (!boards.length) return null;
  const { rows } = await db.query<Candidate>(
    `(SELECT id, name, 'active' AS role, start_at, complete_at, 0 AS planned FROM source.jira_sprints
       WHERE state = 'active' AND board_id = ANY ($1::bigint[])
       ORDER BY start_at DESC NULLS LAST, id DESC LIMIT 1)
     UNION ALL
     (SELECT id, name, 'closed', start_at, complete_at, 0 FROM source.jira_sprints
       WHERE state = 'closed' AND board_id = ANY ($1::bigint[]) AND start_at IS NOT NULL AND end_at > start_at
       ORDER BY coalesce(complete_at, end_at) DESC, id DESC LIMIT 1)
     UNION ALL
     (SELECT s.id, s.name, 'future', s.start_at, s.complete_at,
             (SELECT count(*) FROM source.jira_sprint_memberships m WHERE m.sprint_id = s.id AND m.removed_at IS NULL)::int
        FROM source.jira_sprints s
       WHERE s.state = 'future' AND s.board_id = ANY ($1::bigint[]) AND s.start_at IS NOT NULL AND s.end_at > s.start_at
       ORDER BY s.start_at, s.id LIMIT 1)`,
    [boards],
  );
  const of = (role: Candidate['role']) => rows.find((r) => r.role === role);
  const active = of('active');
  const closed = of('closed');
  const next = of('future');
  if (active)
    return {
      sprint: Number(active.id),
      kind: 'active',
      reason: `${active.name} is the sprint running on the team's board`,
    };
  if (next && next.planned > 0)
    return {
      sprint: Number(next.id),
      kind: 'upcoming',
      reason: `No sprint is running on the team's board; ${next.name} is being planned (${next.planned} ${next.planned === 1 ? 'issue' : 'issues'} in it) and starts ${day(next.start_at)}`,
    };
  if (closed)
    return {
      sprint: Number(closed.id),
      kind: 'last_closed',
      reason:
        `No sprint is running on the team's board; ${closed.name} closed ${day(closed.complete_at)}` +
        (next
          ? ` and ${next.name} (from ${day(next.start_at)}) has no issues yet`
          : ' and no next sprint with dates is on the board'),
    };
  if (next)
    return {
      sprint: Number(next.id),
      kind: 'upcoming',
      reason: `No sprint has run on the team's board yet; ${next.name} starts ${day(next.start_at)} and has no issues yet`,
    };
  return null;
}

/**
 * The fact sheet of a sprint, computed by facts.sql from the metrics views and checked
 * against `sprintFacts`. Throws NotFoundError for an unknown sprint or one without dates
 * (a future sprint not planned yet): there is nothing to say about it.
 */
export async function loadSprintFacts(
  db: Database,
  sprintId: number,
  scope: FactsScope = {},
): Promise<SprintFacts> {
  const { rows: found } = await db.query<{
    board_id: string | null;
    start_at: Date | null;
    end_at: Date | null;
  }>('SELECT board_id, start_at, end_at FROM source.jira_sprints WHERE id = $1', [sprintId]);
  const sprint = found[0];
  if (!sprint) throw new NotFoundError(`There is no sprint ${sprintId} (synced from Jira)`);
  if (!sprint.start_at || !sprint.end_at)
    throw new NotFoundError(`Sprint ${sprintId} has no start and end dates yet: there is nothing to report`);
  const boardId = sprint.board_id === null ? null : Number(sprint.board_id);
  const team = (await teamOfBoard(db, boardId)) ?? (await boardProject(db, boardId)) ?? 'unassigned';
  const asOf = scope.asOf ?? defaultAsOf();
  // UTC for the session, so timestamps render the same on every server (and hash alike).
  const rows = await db.tx(async (c) => {
    await c.query(`SET LOCAL TIME ZONE 'UTC'`);
    const { rows } = await c.query<{ facts: unknown }>(sql(), [
      sprintId,
      asOf.toISOString(),
      team,
      scope.jiraBaseUrl ?? null,
    ]);
    return rows;
  });
  if (!rows[0])
    throw new NotFoundError(
      `Sprint ${sprintId} is not in the metrics yet (run engmetrics refresh) or has no usable dates`,
    );
  const parsed = sprintFacts.safeParse(rows[0].facts);
  if (!parsed.success)
    throw new Error(
      `facts.sql gave a fact sheet that does not match sprintFacts: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    );
  const facts = parsed.data;
  // A closed sprint's outcome is known: there is nothing left to forecast.
  if (facts.sprint.state === 'closed') return facts;
  const forecast = await forecastSprint(
    db,
    facts.sprint.team,
    { id: facts.sprint.id, startAt: new Date(facts.sprint.start_at), endAt: new Date(facts.sprint.end_at) },
    new Date(facts.as_of),
  );
  return { ...facts, forecast: forecastFacts(forecast) };
}

async function boardProject(db: Database, boardId: number | null): Promise<string | undefined> {
  if (boardId === null) return undefined;
  const { rows } = await db.query<{ project_key: string | null }>(
    'SELECT project_key FROM source.jira_boards WHERE id = $1',
    [boardId],
  );
  return rows[0]?.project_key ?? undefined;
}
