import type { World } from '../world/types.js';
import type { GitHubGraph } from './graph.js';
import type { RateLimits } from './rate-limits.js';

/** What a REST endpoint reads: the world at an instant, and the request. */
export interface RestContext {
  readonly world: World;
  readonly graph: GitHubGraph;
  readonly now: number;
  readonly rateLimits: RateLimits;
  /** The request's URL (path and query). */
  readonly url: URL;
  /** The simulator's own URL, which `link` headers point to. */
  readonly baseUrl: string;
}

/** A REST answer before it is sent; no answer is a 404. */
export interface RestAnswer {
  body: unknown;
  link?: string;
  status?: number;
}
