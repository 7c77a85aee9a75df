import { type Observable, map } from 'rxjs';
import { type BackendSrvRequest, type FetchError, getBackendSrv } from '@grafana/runtime';
import { API_PROXY_BASE } from '../constants';
import type { Problem, SprintHealthInsight } from './types';

export const INSIGHT_PATH = `${API_PROXY_BASE}/insights/sprint-health`;

/** Which insight to ask for: a sprint by id wins over the team's active sprint. */
export interface InsightQuery {
  sprint?: string;
  team?: string;
  refresh?: boolean;
}

export function insightRequest(query: InsightQuery): BackendSrvRequest {
  const params: Record<string, string> = {};
  if (query.sprint) {
    params.sprint = query.sprint;
  } else if (query.team) {
    params.team = query.team;
  }
  if (query.refresh) {
    params.refresh = 'true';
  }
  return {
    url: INSIGHT_PATH,
    method: 'GET',
    params,
    // The panel shows its own error state; Grafana's toast would repeat it on every panel refresh.
    showErrorAlert: false,
    showSuccessAlert: false,
  };
}

export function fetchInsight(query: InsightQuery): Observable<SprintHealthInsight> {
  return getBackendSrv()
    .fetch<unknown>(insightRequest(query))
    .pipe(
      map((response) => {
        if (!isInsight(response.data)) {
          throw new InvalidResponseError();
        }
        return response.data;
      })
    );
}

/** A 200 that is not an insight, e.g. an HTML page when the API URL points at the wrong server. */
export class InvalidResponseError extends Error {
  constructor() {
    super('The API answered with something that is not a Sprint Health insight');
    this.name = 'InvalidResponseError';
  }
}

function isInsight(data: unknown): data is SprintHealthInsight {
  if (!data || typeof data !== 'object') {
    return false;
  }
  const d = data as Partial<SprintHealthInsight>;
  return (
    typeof d.sprint === 'object' &&
    d.sprint !== null &&
    (d.status === 'on_track' || d.status === 'at_risk' || d.status === 'off_track') &&
    typeof d.score === 'number' &&
    typeof d.summary === 'string' &&
    Array.isArray(d.risks) &&
    Array.isArray(d.bottlenecks) &&
    Array.isArray(d.recommendations) &&
    typeof d.generatedAt === 'string'
  );
}

export type InsightFailure =
  /** The API refused the token Grafana sent from the app's secureJsonData. */
  | { kind: 'unauthorized'; problem?: Problem }
  /** Grafana itself refused the proxy route (the viewer's role is below the route's reqRole). */
  | { kind: 'forbidden'; message?: string }
  /** No insight for this selection: an unknown team or sprint id, or a team with no board or no sprint with dates. */
  | { kind: 'not_found'; problem: Problem }
  /** The API could not be reached: Grafana's proxy answers 502/504 with no body, or the browser lost Grafana. */
  | { kind: 'unreachable'; status?: number }
  /** The API rejected the team or sprint value. */
  | { kind: 'bad_request'; problem: Problem }
  | { kind: 'server'; status: number; problem?: Problem; message?: string }
  | { kind: 'invalid_response' };

export function classifyFailure(error: unknown): InsightFailure {
  if (error instanceof InvalidResponseError) {
    return { kind: 'invalid_response' };
  }
  const e = (error ?? {}) as Partial<FetchError>;
  const status = typeof e.status === 'number' ? e.status : undefined;
  const problem = asProblem(e.data);
  if (status === undefined || status <= 0) {
    return { kind: 'unreachable' };
  }
  if (status === 401) {
    return { kind: 'unauthorized', problem };
  }
  if (status === 403) {
    return { kind: 'forbidden', message: grafanaMessage(e.data) };
  }
  if (status === 404 && problem) {
    return { kind: 'not_found', problem };
  }
  if (status === 400 && problem) {
    return { kind: 'bad_request', problem };
  }
  if ((status === 502 || status === 503 || status === 504) && !problem) {
    return { kind: 'unreachable', status };
  }
  return { kind: 'server', status, problem, message: problem ? undefined : grafanaMessage(e.data) };
}

function asProblem(data: unknown): Problem | undefined {
  if (!data || typeof data !== 'object') {
    return undefined;
  }
  const p = data as Partial<Problem>;
  if (typeof p.title === 'string' && typeof p.detail === 'string' && typeof p.code === 'string') {
    return p as Problem;
  }
  return undefined;
}

/** Grafana's own API errors carry `{ message }`. */
function grafanaMessage(data: unknown): string | undefined {
  if (data && typeof data === 'object' && typeof (data as { message?: unknown }).message === 'string') {
    return (data as { message: string }).message;
  }
  return undefined;
}
