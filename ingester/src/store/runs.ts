import type { Database, Queryable } from '../db/database.js';

/** Where one scope's incremental sync stands. */
export interface SyncState<Cursor> {
  watermark: Date | null;
  cursor: Cursor | null;
}

export async function readSyncState<Cursor>(
  db: Queryable,
  source: string,
  scope: string,
): Promise<SyncState<Cursor>> {
  const { rows } = await db.query<{ watermark: Date | null; cursor: Cursor | null }>(
    'SELECT watermark, cursor FROM ops.sync_state WHERE source = $1 AND scope = $2',
    [source, scope],
  );
  return rows[0] ?? { watermark: null, cursor: null };
}

/** Saves the state; call it inside the transaction that wrote the rows it vouches for. */
export async function writeSyncState<Cursor>(
  db: Queryable,
  source: string,
  scope: string,
  state: SyncState<Cursor>,
): Promise<void> {
  await db.query(
    `INSERT INTO ops.sync_state (source, scope, watermark, cursor, updated_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (source, scope) DO UPDATE SET watermark = EXCLUDED.watermark, cursor = EXCLUDED.cursor, updated_at = now()`,
    [source, scope, state.watermark, state.cursor === null ? null : JSON.stringify(state.cursor)],
  );
}

export async function clearSyncState(db: Queryable, source: string, scope: string): Promise<void> {
  await db.query('DELETE FROM ops.sync_state WHERE source = $1 AND scope = $2', [source, scope]);
}

export interface RunTotals {
  rowsWritten: number;
  apiRequests: number;
  apiPoints: number;
  rateLimitRemaining: number | null;
  recordsSkipped: number;
  /** Fields dropped from records that were kept (RecordQuality). */
  fieldsDegraded?: number;
  details?: Record<string, unknown>;
}

/** A row in ops.sync_runs for one sync of one scope. */
export class SyncRun {
  private constructor(
    private readonly db: Database,
    readonly id: number,
  ) {}

  static async start(db: Database, source: string, scope: string): Promise<SyncRun> {
    const { rows } = await db.query<{ id: string }>(
      'INSERT INTO ops.sync_runs (source, scope) VALUES ($1, $2) RETURNING id',
      [source, scope],
    );
    return new SyncRun(db, Number(rows[0]!.id));
  }

  async finish(status: 'succeeded' | 'failed' | 'skipped', totals: RunTotals, error?: string): Promise<void> {
    await this.db.query(
      `UPDATE ops.sync_runs
          SET finished_at = clock_timestamp(), status = $2, rows_written = $3, api_requests = $4, api_points = $5,
              rate_limit_remaining = $6, records_skipped = $7, error = $8, details = $9, fields_degraded = $10
        WHERE id = $1`,
      [
        this.id,
        status,
        totals.rowsWritten,
        totals.apiRequests,
        totals.apiPoints,
        totals.rateLimitRemaining,
        totals.recordsSkipped,
        error ?? null,
        JSON.stringify(totals.details ?? {}),
        totals.fieldsDegraded ?? 0,
      ],
    );
  }
}
