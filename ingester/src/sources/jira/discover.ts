import { parseEach } from '../quality.js';
import { upsert } from '../../store/upsert.js';
import type { Logger } from '../../log.js';
import { boardConfigSchema, boardSchema, jiraPayload, projectSchema, type ProjectFields } from './map.js';
import type { Counters, JiraSyncContext, ProjectCursor } from './project-state.js';
import type { Site } from './site.js';
import * as t from './tables.js';

/** Fields, statuses, the project and its boards (with each board's estimation field). */
export async function discover(
  ctx: JiraSyncContext,
  site: Site,
  key: string,
  previous: ProjectCursor | null,
  log: Logger,
  counters: Counters,
): Promise<ProjectCursor> {
  const { api, db } = ctx;
  const fields = await site.fields();
  await site.statuses();
  const project = projectSchema.safeParse(await site.project(key));
  if (!project.success) throw new Error(`Jira project ${key} does not exist or this user cannot browse it`);
  counters.rows += await upsert(db, t.projects, [
    {
      id: project.data.id,
      key: project.data.key,
      name: project.data.name,
      raw: jiraPayload(project.data),
    },
  ]);

  const boards = await readBoards(ctx, key, counters);
  counters.rows += await upsert(
    db,
    t.boards,
    boards.map(({ board, estimation, config }) => ({
      id: board.id,
      name: board.name,
      type: board.type,
      project_key: board.location?.projectKey ?? key,
      project_id:
        board.location?.projectId !== undefined ? String(board.location.projectId) : project.data.id,
      estimation_field_id: estimation,
      raw: jiraPayload({ board, configuration: config }),
    })),
  );

  // The board's estimation field is what the team estimates in; the site's fields are the fallback.
  const known = new Set(fields.list.map((f) => f.id));
  const estimation = boards.map((b) => b.estimation).find((e) => e !== null && known.has(e)) ?? null;
  const chosen: ProjectFields = {
    sprint: fields.ids.sprint,
    points: estimation ?? fields.ids.points[0] ?? null,
    flagged: fields.ids.flagged,
    epicLink: fields.ids.epicLink,
  };
  const fieldNames: Record<string, string> = {};
  for (const f of fields.list)
    if (Object.values(chosen).includes(f.id)) fieldNames[f.name.toLowerCase()] = f.id;
  if (!chosen.sprint) log.warn('no Sprint field (gh-sprint) on this site: sprint history will be empty');
  if (!chosen.points) log.warn('no story-point field found: points will be empty');
  const before = new Map((previous?.boards ?? []).map((b) => [b.id, b]));
  return {
    mode: api.dataCenter ? 'datacenter' : 'cloud',
    discoveredAt: new Date().toISOString(),
    projectId: project.data.id,
    fields: chosen,
    fieldNames,
    boards: boards.map(({ board }) => ({
      id: board.id,
      type: board.type,
      closed: before.get(board.id)?.closed ?? 0,
      lastClosedId: before.get(board.id)?.lastClosedId ?? null,
    })),
    missingSprints: previous?.missingSprints ?? [],
  };
}

interface BoardRead {
  board: ReturnType<typeof boardSchema.parse>;
  estimation: string | null;
  config: unknown;
}

/** The project's boards, each with its configuration's estimation field (scrum and kanban). */
async function readBoards(ctx: JiraSyncContext, key: string, counters: Counters): Promise<BoardRead[]> {
  const { api } = ctx;
  const boards: BoardRead[] = [];
  for (let startAt = 0; ;) {
    const page = await api.call('boards', (c) =>
      c.agile.board.getAllBoards({ projectKeyOrId: key, startAt, maxResults: 50 }),
    );
    const values = (page.values ?? []) as unknown[];
    const { ok, bad } = parseEach(boardSchema, values, 'board');
    counters.quality.skipAll(bad);
    for (const board of ok) {
      let estimation: string | null = null;
      let config: unknown = null;
      if (board.type === 'scrum' || board.type === 'kanban') {
        config = await api.call('board configuration', (c) =>
          c.agile.board.getConfiguration({ boardId: board.id }),
        );
        const parsed = boardConfigSchema.safeParse(config);
        if (parsed.success && parsed.data.estimation?.type === 'field')
          estimation = parsed.data.estimation.field?.fieldId ?? null;
      }
      boards.push({ board, estimation, config });
    }
    startAt += values.length;
    if (page.isLast !== false || values.length === 0) return boards;
  }
}
