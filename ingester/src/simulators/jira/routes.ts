import type { Answer, JiraRequest, JiraSite } from './site.js';

/**
 * Routing as tables: an API is a list of routes (methods, path pattern, whether
 * only Jira Cloud has it, handler), and the first route that takes a request answers it.
 */

export type Handler = (site: JiraSite, req: JiraRequest, m: RegExpExecArray) => Answer | undefined;

export interface Route {
  methods: readonly string[];
  path: RegExp;
  cloudOnly?: boolean;
  handle: Handler;
}

export const GET = ['GET'] as const;
export const POST = ['POST'] as const;
export const GET_OR_POST = ['GET', 'POST'] as const;

/** The answer of the first route to take the request; `path` is the part after the API's prefix. */
export function firstRoute(
  routes: Route[],
  site: JiraSite,
  req: JiraRequest,
  path: string,
): Answer | undefined {
  for (const route of routes) {
    if (!route.methods.includes(req.method)) continue;
    if (route.cloudOnly && site.flavour !== 'cloud') continue;
    const m = route.path.exec(path);
    if (m) return route.handle(site, req, m);
  }
  return undefined;
}
