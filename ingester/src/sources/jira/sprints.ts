import { errorMessage } from '../../errors.js';
import type { Logger } from '../../log.js';
import { upsert } from '../../store/upsert.js';
import { parseEach, type RecordQuality } from '../quality.js';
import { mapSprint, sprintSchema } from './map.js';
import type { JiraSyncContext, ProjectCursor } from './project-state.js';
import * as t from './tables.js';

/**
 * Each scrum board's sprints. Jira lists closed sprints first (in the order they closed),
 * then active, then future ones; a re-sync starts at the last closed sprint it knew, so one
 * request sees what closed since, what is running and what is planned. If that sprint is
 * not where it was (one deleted, reordered), the list is read whole.
 */
export async function syncSprints(
  ctx: JiraSyncContext,
  cursor: ProjectCursor,
  full: boolean,
  quality: RecordQuality,
  log: Logger,
): Promise<number> {
  let written = 0;
  for (const b of cursor.boards.filter((x) => x.type === 'scrum')) {
    const resume = !full && b.lastClosedId !== null && b.closed > 0;
    let startAt = resume ? b.closed - 1 : 0;
    let check = resume;
    let closed = startAt;
    let lastClosed: number | null = null;
    const rows: ReturnType<typeof mapSprint>[] = [];
    for (;;) {
      const page = await ctx.api.call('sprints', (c) =>
        c.agile.board.getAllSprints({ boardId: b.id, startAt, maxResults: 50 }),
      );
      const values = (page.values ?? []) as unknown as { id?: unknown; state?: unknown }[];
      if (check) {
        check = false;
        if (values[0]?.id !== b.lastClosedId || values[0]?.state !== 'closed') {
          log.info({ board: b.id }, 'the board’s sprint list changed order; reading it whole');
          startAt = 0;
          closed = 0;
          continue;
        }
      }
      for (const v of values)
        if (v.state === 'closed' && typeof v.id === 'number') {
          closed += 1;
          lastClosed = v.id;
        }
      const { ok, bad } = parseEach(sprintSchema, values, 'sprint');
      quality.skipAll(bad);
      rows.push(...ok.map(mapSprint));
      startAt += values.length;
      if (page.isLast !== false || values.length === 0) break;
    }
    written += await upsert(ctx.db, t.sprints, rows);
    b.closed = closed;
    if (lastClosed !== null) b.lastClosedId = lastClosed;
    else if (closed === 0) b.lastClosedId = null;
  }
  return written;
}

/**
 * Sprints the project's issues have been in that no board listed: sprints of other
 * projects' boards, or sprints a malformed list entry hid. Each is read once.
 */
export async function fetchUnknownSprints(
  ctx: JiraSyncContext,
  key: string,
  cursor: ProjectCursor,
  full: boolean,
  quality: RecordQuality,
  log: Logger,
): Promise<number> {
  const missing = new Set(full ? [] : cursor.missingSprints);
  const { rows } = await ctx.db.query<{ sprint_id: string }>(
    `SELECT DISTINCT m.sprint_id FROM source.jira_sprint_memberships m
       JOIN source.jira_issues i ON i.id = m.issue_id
      WHERE i.project_key = $1
        AND NOT EXISTS (SELECT 1 FROM source.jira_sprints s WHERE s.id = m.sprint_id)`,
    [key],
  );
  let written = 0;
  for (const { sprint_id } of rows) {
    const id = Number(sprint_id);
    if (missing.has(id)) continue;
    try {
      const raw = await ctx.api.call('sprint', (c) => c.agile.sprint.getSprint({ sprintId: id }));
      const { ok, bad } = parseEach(sprintSchema, [raw], 'sprint');
      quality.skipAll(bad);
      written += await upsert(ctx.db, t.sprints, ok.map(mapSprint));
      if (ok.length === 0) missing.add(id);
    } catch (err) {
      if (!/ 404 /.test(errorMessage(err))) throw err;
      log.warn({ sprint: id }, 'an issue names a sprint Jira does not show; its dates stay unknown');
      missing.add(id);
    }
  }
  cursor.missingSprints = [...missing];
  return written;
}
