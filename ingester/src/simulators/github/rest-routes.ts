import type { RepoWorld } from '../world/types.js';
import { compare } from './rest-compare.js';
import { listRuns, runsOf, workflows } from './rest-actions.js';
import type { RestAnswer, RestContext } from './rest-context.js';
import { pageOf } from './rest-pages.js';
import {
  deploymentJson,
  deploymentStatusesJson,
  minimalRepository,
  organizationJson,
  releaseJson,
} from './rest.js';
import type { Budget } from './rate-limits.js';

/**
 * The REST endpoints the simulator serves, as tables of path pattern → handler: the
 * first pattern to match a path answers it. Paths may carry GitHub Enterprise's
 * `/api/v3` prefix.
 */

type Answer = RestAnswer | undefined;
type Route = [RegExp, (ctx: RestContext, m: RegExpExecArray) => Answer];
type RepoRoute = [RegExp, (ctx: RestContext, repo: RepoWorld, m: RegExpExecArray) => Answer];

const ROUTES: Route[] = [
  [/^\/rate_limit$/, rateLimit],
  [/^\/orgs\/([^/]+)$/, organization],
  [/^\/orgs\/([^/]+)\/repos$/, organizationRepos],
  [/^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/, repository],
];

/** Paths under `/repos/{owner}/{repo}`. */
const REPO_ROUTES: RepoRoute[] = [
  [/^$/, (ctx, repo) => ({ body: minimalRepository(ctx.world, repo, pushedAt(repo, ctx.now)) })],
  [/^\/deployments$/, deployments],
  [/^\/deployments\/(\d+)\/statuses$/, deploymentStatuses],
  [/^\/deployments\/(\d+)$/, deployment],
  [/^\/releases$/, releases],
  [
    /^\/compare\/(.+)\.\.\.(.+)$/,
    (ctx, repo, m) => compare(ctx.world, repo, ctx.now, decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)),
  ],
  [/^\/actions\/workflows$/, (ctx, repo) => workflows(ctx, repo)],
  [/^\/actions\/runs$/, (ctx, repo) => listRuns(ctx, repo, repo.workflowRuns)],
  [
    /^\/actions\/workflows\/([^/]+)\/runs$/,
    (ctx, repo, m) => listRuns(ctx, repo, runsOf(repo, decodeURIComponent(m[1]!))),
  ],
];

/** The answer to a GET, or undefined for a path GitHub would answer 404. */
export function answerRest(ctx: RestContext): Answer {
  return firstMatch(ROUTES, ctx.url.pathname.replace(/^\/api\/v3/, ''), (handle, m) => handle(ctx, m));
}

function firstMatch<H>(
  routes: [RegExp, H][],
  path: string,
  answer: (handle: H, m: RegExpExecArray) => Answer,
): Answer {
  for (const [pattern, handle] of routes) {
    const m = pattern.exec(path);
    if (m) return answer(handle, m);
  }
  return undefined;
}

function rateLimit(ctx: RestContext): Answer {
  const b = ctx.rateLimits.first() ?? {
    core: { limit: 5000, used: 0, reset: 0 },
    graphql: { limit: 5000, used: 0, reset: 0 },
  };
  const r = (x: Budget) => ({
    limit: x.limit,
    used: x.used,
    remaining: x.limit - x.used,
    reset: x.reset,
  });
  return {
    body: {
      resources: {
        core: r(b.core),
        graphql: r(b.graphql),
        search: { limit: 30, used: 0, remaining: 30, reset: b.core.reset },
      },
      rate: r(b.core),
    },
  };
}

const isOrg = (ctx: RestContext, login: string) => login.toLowerCase() === ctx.world.org.login.toLowerCase();

function organization(ctx: RestContext, m: RegExpExecArray): Answer {
  return isOrg(ctx, m[1]!) ? { body: organizationJson(ctx.world) } : undefined;
}

function organizationRepos(ctx: RestContext, m: RegExpExecArray): Answer {
  if (!isOrg(ctx, m[1]!)) return undefined;
  const repos = ctx.world.repos
    .filter((r) => r.createdAt <= ctx.now)
    .sort((a, b) => a.createdAt - b.createdAt);
  return pageOf(
    ctx,
    repos.map((r) => minimalRepository(ctx.world, r, pushedAt(r, ctx.now))),
  );
}

function repository(ctx: RestContext, m: RegExpExecArray): Answer {
  const repo = ctx.graph.repoByName(m[1]!, m[2]!);
  if (!repo) return undefined;
  return firstMatch(REPO_ROUTES, m[3] ?? '', (handle, r) => handle(ctx, repo, r));
}

/** When the default branch last moved, as of `now`. */
function pushedAt(repo: RepoWorld, now: number): number {
  let t = repo.createdAt;
  for (const c of repo.mainline) if (c.committedAt <= now && c.committedAt > t) t = c.committedAt;
  return t;
}

function deployments(ctx: RestContext, repo: RepoWorld): Answer {
  const q = ctx.url.searchParams;
  let list = repo.deployments.filter((d) => d.createdAt <= ctx.now);
  for (const key of ['environment', 'sha', 'ref', 'task'] as const) {
    const v = q.get(key);
    if (v) list = list.filter((d) => d[key] === v);
  }
  list = [...list].sort((a, b) => b.createdAt - a.createdAt || b.databaseId - a.databaseId);
  return pageOf(
    ctx,
    list.map((d) => deploymentJson(ctx.world, repo, d, ctx.now)),
  );
}

const visibleDeployment = (ctx: RestContext, repo: RepoWorld, id: string) =>
  repo.deployments.find((x) => x.databaseId === Number(id) && x.createdAt <= ctx.now);

function deploymentStatuses(ctx: RestContext, repo: RepoWorld, m: RegExpExecArray): Answer {
  const d = visibleDeployment(ctx, repo, m[1]!);
  return d ? pageOf(ctx, deploymentStatusesJson(ctx.world, repo, d, ctx.now)) : undefined;
}

function deployment(ctx: RestContext, repo: RepoWorld, m: RegExpExecArray): Answer {
  const d = visibleDeployment(ctx, repo, m[1]!);
  return d ? { body: deploymentJson(ctx.world, repo, d, ctx.now) } : undefined;
}

function releases(ctx: RestContext, repo: RepoWorld): Answer {
  const list = repo.releases.filter((r) => r.createdAt <= ctx.now).sort((a, b) => b.createdAt - a.createdAt);
  return pageOf(
    ctx,
    list.map((r) => releaseJson(ctx.world, repo, r, ctx.now)),
  );
}
