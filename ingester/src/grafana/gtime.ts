/**
 * Grafana's time helpers, ported so that a query expands here exactly as Grafana expands it.
 *
 * Go side: grafana-plugin-sdk-go `backend/gtime/gtime.go` (ParseInterval, FormatInterval,
 * RoundInterval) and Go's own `time.ParseDuration` and `fmt` float formatting, which leak into
 * the SQL Grafana sends. Frontend side: `@grafana/data` `rangeutil.secondsToHms`.
 * Durations are bigint nanoseconds, as Go's time.Duration, so no rounding creeps in.
 */

export const NANOSECOND = 1n;
export const MICROSECOND = 1_000n;
export const MILLISECOND = 1_000_000n;
export const SECOND = 1_000_000_000n;
export const MINUTE = 60n * SECOND;
export const HOUR = 60n * MINUTE;
export const DAY = 24n * HOUR;

const UNITS: Record<string, bigint> = {
  ns: NANOSECOND,
  us: MICROSECOND,
  µs: MICROSECOND, // U+00B5
  μs: MICROSECOND, // U+03BC
  ms: MILLISECOND,
  s: SECOND,
  m: MINUTE,
  h: HOUR,
};

export class DurationError extends Error {}

const quote = (s: string) => JSON.stringify(s);

/** Go's `time.ParseDuration`: `[-+]?([0-9]*(\.[0-9]*)?[a-z]+)+`, with Go's error messages. */
export function goParseDuration(input: string): bigint {
  const invalid = () => new DurationError(`time: invalid duration ${quote(input)}`);
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || (s[0]! >= '0' && s[0]! <= '9'))) throw invalid();
    const whole = /^[0-9]*/.exec(s)![0];
    s = s.slice(whole.length);
    let fraction = '';
    let hadFraction = false;
    if (s[0] === '.') {
      s = s.slice(1);
      fraction = /^[0-9]*/.exec(s)![0];
      s = s.slice(fraction.length);
      hadFraction = fraction.length > 0;
    }
    if (whole === '' && !hadFraction) throw invalid();
    const unitText = /^[^.0-9]*/.exec(s)![0];
    if (unitText === '') throw new DurationError(`time: missing unit in duration ${quote(input)}`);
    s = s.slice(unitText.length);
    const unit = UNITS[unitText];
    if (unit === undefined)
      throw new DurationError(`time: unknown unit ${quote(unitText)} in duration ${quote(input)}`);
    let v = BigInt(whole === '' ? '0' : whole) * unit;
    if (fraction !== '') {
      // Go scales the fraction as a float64 and truncates; for the digits a person writes
      // that is the exact value truncated to whole nanoseconds.
      v += (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length);
    }
    total += v;
    if (total > 2n ** 63n - 1n) throw invalid();
  }
  return neg ? -total : total;
}

const DATE_UNIT = /^(\d+)([dwMy])$/;

/**
 * gtime.ParseInterval: Go durations, plus Nd, Nw, NM and Ny counted on the UTC calendar
 * from `now` (so a month is 28 to 31 days, a year 365 or 366).
 */
export function parseInterval(input: string, now: number = Date.now()): bigint {
  const m = DATE_UNIT.exec(input);
  if (!m) return goParseDuration(input);
  const num = Number(m[1]);
  const start = new Date(now);
  const end = new Date(now);
  switch (m[2]) {
    case 'd':
      end.setUTCDate(end.getUTCDate() + num);
      break;
    case 'w':
      end.setUTCDate(end.getUTCDate() + num * 7);
      break;
    case 'M':
      end.setUTCMonth(end.getUTCMonth() + num);
      break;
    default:
      end.setUTCFullYear(end.getUTCFullYear() + num);
  }
  return BigInt(end.getTime() - start.getTime()) * MILLISECOND;
}

/** gtime.FormatInterval: the largest whole unit, floored; "1ms" below a millisecond. */
export function formatInterval(d: bigint): string {
  const year = 365n * DAY;
  if (d >= year) return `${d / year}y`;
  if (d >= DAY) return `${d / DAY}d`;
  if (d >= HOUR) return `${d / HOUR}h`;
  if (d >= MINUTE) return `${d / MINUTE}m`;
  if (d >= SECOND) return `${d / SECOND}s`;
  if (d >= MILLISECOND) return `${d / MILLISECOND}ms`;
  return '1ms';
}

/** Go's Duration.Seconds(): whole seconds plus the remainder, as a float64. */
export function durationSeconds(d: bigint): number {
  return Number(d / SECOND) + Number(d % SECOND) / 1e9;
}

/** Go's Duration.Milliseconds(). */
export function durationMilliseconds(d: bigint): number {
  return Number(d / MILLISECOND);
}

/**
 * Go's `%v` for a float64 (strconv 'g', shortest): exponent form when the decimal exponent
 * is below -4 or at least 6, so 12 days of seconds print as 1.0368e+06.
 */
export function goFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [mantissa, e] = f.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 6) {
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mantissa}e${exp < 0 ? '-' : '+'}${digits}`;
  }
  return String(f);
}

/** Go's `%.Nf`. */
export function goFixed(f: number, decimals: number): string {
  return f.toFixed(decimals);
}

/** Go's time.RFC3339Nano for a UTC instant: trailing zeros of the fraction dropped. */
export function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.(\d*?)0*Z$/, (_m, f: string) => (f ? `.${f}Z` : 'Z'));
}

/** Go's Time.Unix(): whole seconds, floored (so before 1970 too). */
export function unixSeconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

/** Go's Time.UnixNano(). */
export function unixNanos(d: Date): bigint {
  return BigInt(d.getTime()) * MILLISECOND;
}

/** gtime.RoundInterval: the rounder, lower interval Grafana picks for a raw one. */
export function roundInterval(d: bigint): bigint {
  const ms = (n: number) => BigInt(n) * MILLISECOND;
  const steps: [number, number][] = [
    [10, 1],
    [15, 10],
    [35, 20],
    [75, 50],
    [150, 100],
    [350, 200],
    [750, 500],
    [1500, 1000],
    [3500, 2000],
    [7500, 5000],
    [12500, 10000],
    [17500, 15000],
    [25000, 20000],
    [45000, 30000],
    [90000, 60000],
    [210000, 120000],
    [450000, 300000],
    [750000, 600000],
    [1050000, 900000],
    [1500000, 1200000],
    [2700000, 1800000],
    [5400000, 3600000],
    [9000000, 7200000],
    [16200000, 10800000],
    [32400000, 21600000],
    [86400000, 43200000],
    [172800000, 86400000],
    [604800000, 86400000],
    [1814400000, 604800000],
  ];
  for (const [limit, result] of steps) if (d <= ms(limit)) return ms(result);
  if (d < ms(3628800000)) return ms(2592000000);
  return ms(31536000000);
}

/** `rangeutil.secondsToHms` from @grafana/data: how the frontend writes $__interval. */
export function secondsToHms(seconds: number): string {
  const numYears = Math.floor(seconds / 31536000);
  if (numYears) return `${numYears}y`;
  const numDays = Math.floor((seconds % 31536000) / 86400);
  if (numDays) return `${numDays}d`;
  const numHours = Math.floor(((seconds % 31536000) % 86400) / 3600);
  if (numHours) return `${numHours}h`;
  const numMinutes = Math.floor((((seconds % 31536000) % 86400) % 3600) / 60);
  if (numMinutes) return `${numMinutes}m`;
  const numSeconds = Math.floor((((seconds % 31536000) % 86400) % 3600) % 60);
  if (numSeconds) return `${numSeconds}s`;
  const numMilliseconds = Math.floor(seconds * 1000.0);
  if (numMilliseconds) return `${numMilliseconds}ms`;
  return 'less than a millisecond';
}
