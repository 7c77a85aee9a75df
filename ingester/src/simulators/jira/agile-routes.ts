import { HttpError } from './http.js';
import { sprintState, valueAt } from './model.js';
import { expandOf, offsetPaging, wantedFields } from './params.js';
import { GET, type Route } from './routes.js';
import type { Answer, JiraRequest, JiraSite } from './site.js';

/** The Agile API, /rest/agile/1.0: boards, their configuration and sprints, and sprints' issues. */

export const agileRoutes: Route[] = [
  { methods: GET, path: /^board$/, handle: (site, req) => ({ body: boards(site, req.url.searchParams) }) },
  { methods: GET, path: /^board\/(\d+)(\/configuration|\/sprint)?$/, handle: board },
  { methods: GET, path: /^sprint\/(\d+)(\/issue)?$/, handle: sprint },
];

function boards(site: JiraSite, q: URLSearchParams) {
  const project = q.get('projectKeyOrId');
  const types = (q.get('type') ?? '').split(',').filter(Boolean);
  const all = site.world.jira.boards.filter((b) => {
    if (types.length && !types.includes(b.type)) return false;
    if (!project) return true;
    const p = site.world.jira.projects.find((x) => x.key === b.projectKey)!;
    return project.toUpperCase() === p.key || project === p.id;
  });
  const { startAt, maxResults } = offsetPaging(q, 50, 50);
  const values = all.slice(startAt, startAt + maxResults).map((b) => site.render.board(b));
  return { maxResults, startAt, total: all.length, isLast: startAt + values.length >= all.length, values };
}

/** A board, its configuration, or its sprints. */
function board(site: JiraSite, req: JiraRequest, m: RegExpExecArray): Answer {
  const found = site.world.jira.boards.find((b) => b.id === Number(m[1]));
  if (!found)
    throw new HttpError(404, `Board ${m[1]} does not exist or you do not have permission to see it.`);
  if (m[2] === '/configuration') return { body: site.render.boardConfiguration(found) };
  if (m[2] === '/sprint') return { body: boardSprints(site, found.id, req.url.searchParams, req.corrupt) };
  return { body: site.render.board(found) };
}

/** A board's sprints: closed ones first, then the active, then future ones. */
function boardSprints(site: JiraSite, boardId: number, q: URLSearchParams, corrupt: boolean) {
  const now = site.now;
  const states = (q.get('state') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const rank = { closed: 0, active: 1, future: 2 } as const;
  const all = site.world.jira.sprints
    .filter((s) => s.boardId === boardId && s.createdAt <= now)
    .filter((s) => states.length === 0 || states.includes(sprintState(s, now)))
    .sort((a, b) => {
      const d = rank[sprintState(a, now)] - rank[sprintState(b, now)];
      if (d !== 0) return d;
      return sprintState(a, now) === 'closed' ? a.completeAt - b.completeAt : a.startAt - b.startAt;
    });
  const { startAt, maxResults } = offsetPaging(q, 50, 50);
  const values: Record<string, unknown>[] = all
    .slice(startAt, startAt + maxResults)
    .map((s) => site.render.sprint(s, now));
  if (corrupt && values[0]) values[0].state = 'paused';
  return { maxResults, startAt, total: all.length, isLast: startAt + values.length >= all.length, values };
}

/** A sprint, or the issues in it at `now`. */
function sprint(site: JiraSite, req: JiraRequest, m: RegExpExecArray): Answer {
  const found = site.model.sprints.get(Number(m[1]));
  if (!found || found.createdAt > site.now)
    throw new HttpError(
      404,
      `Sprint with id ${m[1]} does not exist or you do not have permission to view it.`,
    );
  if (!m[2]) return { body: site.render.sprint(found, site.now) };
  return { body: sprintIssues(site, found.id, req.url.searchParams) };
}

function sprintIssues(site: JiraSite, sprintId: number, q: URLSearchParams) {
  const now = site.now;
  const all = site.world.jira.issues
    .filter((i) => i.createdAt <= now && (valueAt(i.sprints, now)?.sprintIds ?? []).includes(sprintId))
    .sort((a, b) => Number(a.id) - Number(b.id));
  const { startAt, maxResults } = offsetPaging(q, 50, 50);
  const wanted = wantedFields(q.getAll('fields'), null);
  const issues = all
    .slice(startAt, startAt + maxResults)
    .map((i) => site.render.issue(i, now, wanted, expandOf(q.get('expand'))));
  return { expand: 'schema,names', startAt, maxResults, total: all.length, issues };
}
