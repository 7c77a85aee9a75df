import type { SyncState } from '../../store/runs.js';

export const DAY = 86_400_000;

/** Where one repository's sync stands (ops.sync_state.cursor). */
export interface RepoCursor {
  historySince: string;
  historyHead: { oid: string; position: number } | null;
  deploymentsUntil: string | null;
  releasesUntil: string | null;
  workflowId?: number | null;
  runsUntil?: string | null;
}

export interface RepoReadOptions {
  /** Ignore the saved state and read everything since `since`. */
  full?: boolean;
  since?: Date;
  /** How far back a first sync reads (default 365 days). */
  lookbackDays?: number;
  /** Re-read this much before the watermark (clock skew, eventual consistency). */
  overlapMs?: number;
}

/** What one repository's sync reads this time. */
export interface RepoPlan {
  full: boolean;
  /** Where a full read starts (or the one asked for); null when reading on from the state. */
  since: Date | null;
  /** Each list is read newest first until it passes its stop. */
  prStop: Date;
  deploymentStop: Date;
  releaseStop: Date;
  /** The saved state's cursor (or a fresh one), updated as the sync goes and saved at the end. */
  cursor: RepoCursor;
  watermark: Date | null;
}

const dayFloor = (t: number) => new Date(Math.floor(t / DAY) * DAY);

export function planRepoSync(
  state: SyncState<RepoCursor>,
  options: RepoReadOptions,
  now = Date.now(),
): RepoPlan {
  const full = options.full === true || state.watermark === null || state.cursor === null;
  const lookback = (options.lookbackDays ?? 365) * DAY;
  // Day-aligned, so a re-run after a crash reads exactly the same range.
  const since = options.since ?? (full ? dayFloor(now - lookback) : null);
  const overlap = options.overlapMs ?? 10 * 60_000;
  const cursor: RepoCursor = full
    ? {
        historySince: new Date(since!.getTime() - 30 * DAY).toISOString(),
        historyHead: null,
        deploymentsUntil: null,
        releasesUntil: null,
      }
    : { ...state.cursor! };
  return {
    full,
    since,
    prStop: since ?? new Date(state.watermark!.getTime() - overlap),
    deploymentStop: since ?? new Date(Date.parse(cursor.deploymentsUntil ?? cursor.historySince) - 3 * DAY),
    releaseStop: since ?? new Date(Date.parse(cursor.releasesUntil ?? cursor.historySince) - 30 * DAY),
    cursor,
    watermark: state.watermark,
  };
}

/**
 * The newest record of each list the pages held, and where GitHub did not serve something:
 * `-Infinity` holds a list back entirely (a page was not served), a time holds it before
 * that record (the record was not served whole).
 */
export interface Seen {
  maxUpdated: number;
  prsHeldAt: number;
  maxDeployment: number;
  deploymentsHeldAt: number;
  maxRelease: number;
  releasesHeld: boolean;
}

export function nothingSeen(plan: RepoPlan): Seen {
  return {
    maxUpdated: plan.watermark?.getTime() ?? 0,
    prsHeldAt: Infinity,
    maxDeployment: Date.parse(plan.cursor.deploymentsUntil ?? '1970-01-01T00:00:00Z'),
    deploymentsHeldAt: Infinity,
    maxRelease: Date.parse(plan.cursor.releasesUntil ?? '1970-01-01T00:00:00Z'),
    releasesHeld: false,
  };
}

/**
 * The state to save once every page is written: each list moves on to the newest record it
 * held, never past one GitHub did not serve, and not at all when a page of it was not served.
 */
export function stateAfter(plan: RepoPlan, seen: Seen): SyncState<RepoCursor> {
  const cursor = plan.cursor;
  const previousDeployments = cursor.deploymentsUntil;
  cursor.deploymentsUntil =
    seen.deploymentsHeldAt === -Infinity
      ? previousDeployments
      : seen.maxDeployment > 0
        ? new Date(Math.min(seen.maxDeployment, seen.deploymentsHeldAt)).toISOString()
        : previousDeployments;
  if (!seen.releasesHeld)
    cursor.releasesUntil =
      seen.maxRelease > 0 ? new Date(seen.maxRelease).toISOString() : cursor.releasesUntil;
  const watermark =
    seen.prsHeldAt === -Infinity
      ? plan.watermark
      : seen.maxUpdated > 0
        ? new Date(Math.min(seen.maxUpdated, seen.prsHeldAt))
        : (plan.watermark ?? new Date(0));
  return { watermark, cursor };
}
