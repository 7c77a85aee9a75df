import type { IssueW, World } from '../world/types.js';
import type { Flavour, JiraModel } from './model.js';
import type { Renderer } from './render.js';
import { HttpError } from './http.js';

/** What every endpoint reads: the site at the simulator's instant, and what it counts. */

export interface JiraSimulatorOptions {
  /** The instant the API shows; defaults to (and never passes) the end of the world. */
  now?: number;
  flavour?: Flavour;
  /** Credentials accepted; any Basic (Cloud) or Bearer (Data Center) credentials when unset. */
  auth?: { email: string; apiToken: string } | { pat: string };
  /** Requests allowed per window before 429s (default 100,000 an hour). */
  rateLimit?: { limit: number; windowSeconds: number };
  /** Most issues a search page holds when fields beyond id/key are asked for (Jira Cloud gives 100). */
  searchPageWithFields?: number;
}

export interface JiraSimulatorStats {
  requests: number;
  byRoute: Record<string, number>;
  faults: number;
  searchRequests: number;
  changelogRequests: number;
  issuesServed: number;
  historiesServed: number;
}

export interface JiraSite {
  readonly world: World;
  readonly model: JiraModel;
  readonly render: Renderer;
  readonly flavour: Flavour;
  readonly now: number;
  /** The simulator's own URL, for `self` and `nextPage` links. */
  readonly url: string;
  readonly options: JiraSimulatorOptions;
  readonly stats: JiraSimulatorStats;
  /** JQL → the issues it found at `now`, kept while a client pages through them. */
  readonly searches: Map<string, IssueW[]>;
}

/** One request as the endpoints see it. */
export interface JiraRequest {
  readonly method: string;
  readonly url: URL;
  /** The JSON body; a 400 when it is not JSON. Read only by endpoints that take one. */
  body(): Record<string, unknown>;
  /** Break one record of the answer (a `malformed` fault). */
  readonly corrupt: boolean;
}

/** An endpoint's answer; none is a 404. */
export interface Answer {
  body: unknown;
  status?: number;
}

/** The issue as a client may see it at `now`: a 404 before it was created. */
export function visibleIssue(site: JiraSite, idOrKey: string): IssueW {
  const issue = site.model.issue(idOrKey);
  if (!issue || issue.createdAt > site.now)
    throw new HttpError(404, 'Issue does not exist or you do not have permission to see it.');
  return issue;
}
