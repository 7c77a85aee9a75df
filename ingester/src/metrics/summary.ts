import type { Queryable } from '../db/database.js';

/** The DORA tiles and flow summary of a team over a period, as SQL computes them. */

export interface DoraSummary {
  deployments: number;
  deploy_days: number;
  weeks: number;
  deployments_per_week: number | null;
  median_deployments_per_week: number | null;
  deploy_days_per_week: number | null;
  deployment_frequency_band: string | null;
  prs_shipped: number;
  lead_time_p50_h: number | null;
  lead_time_p75_h: number | null;
  lead_time_p90_h: number | null;
  lead_time_band: string | null;
  failed_deployments: number;
  change_fail_rate_pct: number | null;
  change_fail_rate_band: string | null;
  recovery_p50_h: number | null;
  recovery_p90_h: number | null;
  recovery_band: string | null;
  rework_deployments: number;
  rework_rate_pct: number | null;
  fallback_deployments: number;
  band_year: number;
}

export interface FlowSummary {
  prs_merged: number;
  coding_p50_h: number | null;
  pickup_p50_h: number | null;
  review_p50_h: number | null;
  deploy_p50_h: number | null;
  pr_size_p50: number | null;
  merged_without_review: number;
  items_done: number;
  flow_time_p50_d: number | null;
  flow_efficiency_pct: number | null;
  wip_now: number;
  features_pct: number | null;
  defects_pct: number | null;
  risks_pct: number | null;
  debts_pct: number | null;
}

/** pg returns bigint and numeric as strings: read them as numbers, keep NULL as null. */
function numbers<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row))
    out[k] = typeof v === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v) ? Number(v) : v;
  return out as T;
}

export async function doraSummary(db: Queryable, team: string, from: Date, to: Date): Promise<DoraSummary> {
  const { rows } = await db.query('SELECT * FROM metrics.dora_summary($1, $2, $3)', [team, from, to]);
  return numbers<DoraSummary>(rows[0]!);
}

export async function flowSummary(db: Queryable, team: string, from: Date, to: Date): Promise<FlowSummary> {
  const { rows } = await db.query('SELECT * FROM metrics.flow_summary($1, $2, $3)', [team, from, to]);
  return numbers<FlowSummary>(rows[0]!);
}

/** What a figure rests on (metrics.dora_evidence, metrics.flow_evidence). */
export interface Evidence {
  metric: string;
  rows: number;
  confidence: 'ok' | 'low' | 'none';
  reason: string | null;
  setting: string | null;
  detail: Record<string, unknown>;
}

/** The evidence of the DORA tiles, then (unless only those are asked for) of the flow and sprint figures. */
export async function evidenceOf(
  db: Queryable,
  team: string,
  from: Date,
  to: Date,
  of: 'all' | 'dora' = 'all',
): Promise<Evidence[]> {
  const select = (fn: string) =>
    `SELECT metric, rows::int, confidence, reason, setting, detail FROM metrics.${fn}($1, $2, $3)`;
  const sql =
    of === 'dora'
      ? select('dora_evidence')
      : `${select('dora_evidence')} UNION ALL ${select('flow_evidence')}`;
  const { rows } = await db.query<Evidence>(sql, [team, from, to]);
  return rows;
}
