import type { RepoWorld, WorkflowRunW } from '../world/types.js';
import type { RestContext } from './rest-context.js';
import { pageOf } from './rest-pages.js';
import { workflowJson, workflowRunJson } from './rest.js';

/**
 * GitHub Actions over REST: a repository's workflows, and its workflow runs (all of
 * them, or one workflow's, by id or file name) with GitHub's filters.
 */

export function workflows({ world }: RestContext, repo: RepoWorld) {
  // The world has runs, not workflows: each workflow is known by its first run.
  const seen = new Map<number, WorkflowRunW>();
  for (const r of repo.workflowRuns) if (!seen.has(r.workflowId)) seen.set(r.workflowId, r);
  const list = [...seen.values()].map((r) => workflowJson(world, repo, r));
  return { body: { total_count: list.length, workflows: list } };
}

/** A workflow's runs, named by its id or by its file name. */
export function runsOf(repo: RepoWorld, idOrFile: string): WorkflowRunW[] {
  const byId = repo.workflowRuns.filter((r) => String(r.workflowId) === idOrFile);
  return byId.length ? byId : repo.workflowRuns.filter((r) => r.path.endsWith(`/${idOrFile}`));
}

/** `runs` as GitHub lists them: filtered by branch, status and creation date, newest first. */
export function listRuns(ctx: RestContext, repo: RepoWorld, runs: WorkflowRunW[]) {
  const { world, now } = ctx;
  const q = ctx.url.searchParams;
  let list = runs.filter((r) => r.createdAt <= now);
  const branch = q.get('branch');
  if (branch) list = list.filter((r) => r.headBranch === branch);
  const status = q.get('status');
  if (status === 'success' || status === 'failure')
    list = list.filter((r) => r.updatedAt <= now && r.conclusion === status);
  else if (status === 'completed') list = list.filter((r) => r.updatedAt <= now);
  const created = q.get('created');
  const createdOk = created ? createdFilter(created) : undefined;
  if (createdOk) list = list.filter((r) => createdOk(r.createdAt));
  // With any filter GitHub returns at most 1,000 runs per search.
  const filtered = branch || status || created;
  list = [...list].sort((a, b) => b.createdAt - a.createdAt || b.id - a.id);
  const total = list.length;
  if (filtered) list = list.slice(0, 1000);
  const paged = pageOf(
    ctx,
    list.map((r) => workflowRunJson(world, repo, r, now)),
  );
  return { ...paged, body: { total_count: total, workflow_runs: paged.body } };
}

const COMPARED: Record<string, (t: number, date: number) => boolean> = {
  '>=': (t, date) => t >= date,
  '>': (t, date) => t > date,
  '<=': (t, date) => t <= date,
  '<': (t, date) => t < date,
};

/** GitHub's `created` search: `>=date`, `<date` and the like, or `date..date` (whole days). */
function createdFilter(created: string): ((t: number) => boolean) | undefined {
  const cm = /^(>=|<=|>|<)?(.+?)(?:\.\.(.+))?$/.exec(created);
  if (!cm) return undefined;
  const a = Date.parse(cm[2]!);
  if (cm[3]) {
    const b = Date.parse(cm[3]) + 86_399_999;
    return (t) => t >= a && t <= b;
  }
  const op = cm[1] ? COMPARED[cm[1]] : undefined;
  return (t) => (op ? op(t, a) : true);
}
