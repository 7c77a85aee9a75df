/**
 * Durations and intervals as Grafana's dashboards write and use them, for the test-time
 * emulator (harness.ts, macros.ts, variables.ts). Written from Grafana's documentation:
 *
 * - Time units (`30s`, `5m`, `1h`, `1d`, `1w`, `1y`): the data source's "Min time interval"
 *   identifiers, https://grafana.com/docs/grafana/latest/datasources/postgres/configure/ and
 *   https://grafana.com/docs/grafana/latest/dashboards/use-dashboards/#time-units-and-relative-ranges
 * - `$__interval` / `$__interval_ms` and how the interval is chosen ("(to - from) / resolution",
 *   never under the min interval):
 *   https://grafana.com/docs/grafana/latest/dashboards/variables/add-template-variables/#__interval
 *   https://grafana.com/docs/grafana/latest/panels-visualizations/query-transform-data/#query-options
 * - The "nice" intervals a computed interval is rounded to (the documented return values of
 *   rangeUtil.roundInterval): https://grafana.com/docs/grafana/v7.3/packages_api/data/rangeutil/roundinterval/
 *
 * Everything here is in milliseconds (a JavaScript number), the unit `$__interval_ms` uses.
 */

export const MS_PER = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  // The docs list `y` without saying how long a year is; 365 days, as every interval the
  // project's dashboards and harness have ever produced.
  y: 365 * 86_400_000,
} as const;
export type DurationUnit = keyof typeof MS_PER;

export class DurationError extends Error {}

/**
 * `5m`, `'5m'`, `90m`, `1.5h`, `500ms` → milliseconds. One number and one documented unit, as
 * the docs write intervals; quotes around it (the `$__timeGroup(col, '5m')` form) are allowed.
 * `M` (months) is documented for time ranges but has no fixed length, so it is refused here.
 */
export function parseDuration(text: string): number {
  const t = text.trim().replace(/^'(.*)'$/, '$1');
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$/.exec(t);
  if (!m) throw new DurationError(`"${text}" is not a duration such as 30s, 5m, 1h or 1d`);
  return Number(m[1]) * MS_PER[m[2] as DurationUnit];
}

/** Largest unit first; weeks are left out, as the docs write them (`7d`, `14d`). */
const TEXT_UNITS: DurationUnit[] = ['y', 'd', 'h', 'm', 's', 'ms'];

/**
 * How `$__interval` reads for an interval in milliseconds: a whole count of one unit, as in the
 * docs' examples (`2m`, `20m`, `1d`; an interval variable's defaults `1m,10m,…,7d,14d,30d`).
 * The docs do not say what happens to a remainder; the count is rounded down to the largest
 * unit that fits (90 s reads `1m`), which is what the harness has always sent.
 */
export function formatDuration(ms: number): string {
  if (ms <= 0) return '0ms';
  const unit = TEXT_UNITS.find((u) => ms >= MS_PER[u]) ?? 'ms';
  return `${Math.floor(ms / MS_PER[unit])}${unit}`;
}

/** The documented values an automatically computed interval is rounded to, ascending. */
export const NICE_INTERVALS_MS = [
  10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000,
  600_000, 900_000, 1_200_000, 1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000,
  86_400_000, 604_800_000, 2_592_000_000, 31_536_000_000,
] as const;

/**
 * The documented nice interval closest to `ms`. The docs list the values but not where one
 * gives way to the next; the halfway point between two neighbours is the boundary here, and a
 * value exactly halfway takes the smaller one.
 */
export function niceInterval(ms: number): number {
  let best: number = NICE_INTERVALS_MS[0];
  for (const candidate of NICE_INTERVALS_MS)
    if (Math.abs(candidate - ms) < Math.abs(best - ms)) best = candidate;
  return best;
}

/**
 * The interval a panel gets (`$__interval_ms`): the time range over the panel's max data points,
 * rounded to a nice interval, and never under the min interval.
 */
export function panelInterval(
  range: { from: Date; to: Date },
  maxDataPoints: number,
  minIntervalMs: number,
): number {
  const raw = Math.max(1, Math.floor((range.to.getTime() - range.from.getTime()) / maxDataPoints));
  return Math.max(minIntervalMs, niceInterval(raw));
}
