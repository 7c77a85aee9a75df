import type { Database } from '../db/database.js';
import { errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { SyncRun, type RunTotals } from '../store/runs.js';

/**
 * How every source syncs: a list of units (a repository, a project), a few side by side, each
 * under an advisory lock of its own and recorded in ops.sync_runs as succeeded, failed or
 * skipped (another process holds it). A unit that fails is recorded and the others go on.
 * A source supplies only the work of one unit and what its run record says.
 */

export type UnitStatus = 'succeeded' | 'failed' | 'skipped';

export interface Unit {
  source: 'github' | 'jira';
  /** owner/name, a project key: the run record's scope and the lock's name. */
  scope: string;
  /** What a unit is, for the log lines: 'repository', 'project'. */
  noun: string;
  log: Logger;
}

export interface UnitOutcome {
  status: UnitStatus;
  error?: string;
}

/**
 * Runs one unit: `work` under the unit's lock, then its run record from `totals` (read after
 * the work, whatever happened: a failed unit records what it wrote before failing).
 */
export async function runUnit(
  db: Database,
  unit: Unit,
  totals: () => RunTotals,
  work: () => Promise<void>,
): Promise<UnitOutcome> {
  const locked = await db.withLock(`sync:${unit.source}:${unit.scope}`, async (): Promise<UnitOutcome> => {
    const run = await SyncRun.start(db, unit.source, unit.scope);
    try {
      await work();
      const t = totals();
      await run.finish('succeeded', t);
      unit.log.info(
        {
          rows: t.rowsWritten,
          requests: t.apiRequests,
          points: t.apiPoints,
          skipped: t.recordsSkipped,
          degraded: t.fieldsDegraded ?? 0,
          ...summaryOf(t.details),
        },
        `${unit.noun} synced`,
      );
      return { status: 'succeeded' };
    } catch (err) {
      const message = errorMessage(err);
      unit.log.error({ err: message }, `${unit.noun} sync failed`);
      await run.finish('failed', totals(), message);
      return { status: 'failed', error: message };
    }
  });
  if (locked.acquired) return locked.result;
  unit.log.info(`another sync holds this ${unit.noun}; skipped`);
  const run = await SyncRun.start(db, unit.source, unit.scope);
  await run.finish('skipped', totals(), 'locked by another sync');
  return { status: 'skipped' };
}

/** The numbers of a run's details (issues, prs, changelog entries), not its lists of causes. */
function summaryOf(details: Record<string, unknown> | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(details ?? {}).filter(([, v]) => typeof v === 'number')) as Record<
    string,
    number
  >;
}

export interface PoolProgress<U> {
  unit: U;
  /** Units finished so far, of `units`. */
  done: number;
  units: number;
}

/**
 * Runs `each` over the units, `sideBySide` at a time (each takes a connection for its lock
 * and one to write: the pool decides how many fit), and returns the results in unit order.
 */
export async function runUnits<U, R>(
  db: Database,
  units: U[],
  sideBySide: number,
  each: (unit: U, progress: Omit<PoolProgress<U>, 'unit'>) => Promise<R>,
  finished?: (result: R, progress: PoolProgress<U>) => void,
): Promise<R[]> {
  const results = new Array<R>(units.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < units.length) {
      const i = next++;
      const unit = units[i]!;
      // Read live: a unit's progress reports how many others have finished meanwhile.
      const progress = {
        get done() {
          return done;
        },
        units: units.length,
      };
      results[i] = await each(unit, progress);
      done += 1;
      finished?.(results[i]!, { unit, done, units: units.length });
    }
  };
  const workers = db.jobsSideBySide(Math.min(sideBySide, units.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}
