/**
 * What Grafana's PostgreSQL data source does to a query's SQL on the server, for the test-time
 * emulator: the global `$__interval` / `$__interval_ms`, then the data source's macros. Written
 * from Grafana's documentation:
 *
 * - The macro table ($__time, $__timeEpoch, $__timeFilter, $__timeFrom, $__timeTo,
 *   $__timeGroup with its fill modes, $__timeGroupAlias, $__unixEpoch*):
 *   https://grafana.com/docs/grafana/latest/datasources/postgres/query-editor/#macros
 *   and its PostgreSQL examples (`dateColumn BETWEEN '2017-04-21T05:01:17Z' AND …`,
 *   `'2017-04-21T05:01:17Z'` for $__timeFrom(), `dateColumn >= 1494410783 AND dateColumn <= …`):
 *   https://grafana.com/docs/grafana/v6.7/features/datasources/postgres/#macros
 * - `$__interval` and `$__interval_ms`:
 *   https://grafana.com/docs/grafana/latest/dashboards/variables/add-template-variables/#__interval
 *
 * Where the docs leave a detail open, the choice is said where it is made. Not emulated, because
 * nothing here uses it: the TimescaleDB option (time_bucket) and SQL comment handling.
 */
import { formatDuration, parseDuration } from './time.js';

export interface TimeRange {
  from: Date;
  to: Date;
}

export interface MacroContext {
  range: TimeRange;
  /** The query's interval in nanoseconds (1 ms = 1_000_000n), as the request carries it. */
  interval: bigint;
}

/** How Grafana fills the buckets a `$__timeGroup(col, interval, fill)` query has no row for. */
export type FillMode = { mode: 'null' } | { mode: 'previous' } | { mode: 'value'; value: number };

export interface Expanded {
  sql: string;
  /** Set when a $__timeGroup macro asks for missing points to be filled (time series only). */
  fill?: { intervalMs: number; fill: FillMode };
}

export class MacroError extends Error {}

const NS_PER_MS = 1_000_000n;

/**
 * An instant as the macros write it: ISO 8601 in UTC, as the docs' '2017-04-21T05:01:17Z'. The
 * docs only show whole seconds; a fraction is written as far as it has digits (.1, .12, .123),
 * so a whole second reads exactly as in the docs.
 */
export function sqlTimestamp(d: Date): string {
  return d.toISOString().replace(/\.(\d*?)0*Z$/, (_, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

/** Whole Unix seconds (the docs' 1494410783), rounded down. */
const unixSeconds = (d: Date) => Math.floor(d.getTime() / 1000);
const unixNanos = (d: Date) => (BigInt(d.getTime()) * NS_PER_MS).toString();

/** A bucket width in seconds as a plain SQL number: 300, 0.5. */
const seconds = (ms: number) => String(ms / 1000);

/** The server's global variables, replaced before the data source's macros. */
function replaceGlobals(sql: string, intervalMs: number): string {
  return sql
    .replace(/\$__interval_ms\b/g, String(intervalMs))
    .replace(/\$__interval\b/g, formatDuration(intervalMs));
}

interface MacroCall {
  name: string;
  args: string[];
  start: number;
  end: number;
}

/**
 * Every `$__name(…)` in the text, with its arguments split at top-level commas. Parentheses
 * and single-quoted strings inside the arguments are skipped over, so an expression such as
 * `date_trunc('day', t)` can be a macro's argument.
 */
function findMacroCalls(sql: string): MacroCall[] {
  const calls: MacroCall[] = [];
  const head = /\$__(\w+)\(/g;
  for (let m = head.exec(sql); m; m = head.exec(sql)) {
    const args: string[] = [];
    let depth = 0;
    let quoted = false;
    let current = '';
    let i = m.index + m[0].length;
    for (; i < sql.length; i++) {
      const c = sql[i]!;
      if (quoted) quoted = c !== "'";
      else if (c === "'") quoted = true;
      else if (c === '(') depth++;
      else if (c === ')' && depth-- === 0) break;
      else if (c === ',' && depth === 0) {
        args.push(current.trim());
        current = '';
        continue;
      }
      current += c;
    }
    if (i >= sql.length) throw new MacroError(`$__${m[1]}( is never closed`);
    if (current.trim() || args.length) args.push(current.trim());
    calls.push({ name: m[1]!, args, start: m.index, end: i + 1 });
    head.lastIndex = i + 1;
  }
  return calls;
}

function fillMode(arg: string): FillMode {
  if (/^null$/i.test(arg)) return { mode: 'null' };
  if (arg === 'previous') return { mode: 'previous' };
  const value = Number(arg);
  if (arg !== '' && Number.isFinite(value)) return { mode: 'value', value };
  throw new MacroError(`fill "${arg}" is not a number, NULL or previous`);
}

function need(call: MacroCall, count: number, what: string): string[] {
  if (call.args.length < count || call.args.some((a) => a === ''))
    throw new MacroError(`$__${call.name} needs ${what}`);
  return call.args;
}

/** A bucket expression for $__timeGroup / $__unixEpochGroup, and the fill it asks for. */
function group(call: MacroCall, epochOf: (column: string) => string, out: Expanded): string {
  const [column, width, fill] = need(call, 2, 'a column and an interval');
  let widthMs: number;
  try {
    widthMs = parseDuration(width!);
  } catch (err) {
    throw new MacroError(`$__${call.name}: ${(err as Error).message}`);
  }
  if (widthMs <= 0) throw new MacroError(`$__${call.name}: the interval must be positive`);
  if (fill !== undefined) out.fill = { intervalMs: widthMs, fill: fillMode(fill) };
  // The docs' examples of the bucket expression have changed between releases; a bucket here is
  // named by its start (rounded down), so that 'time' never lies after a row it counts.
  const s = seconds(widthMs);
  return `floor(${epochOf(column!)}/${s})*${s}`;
}

function expandMacro(call: MacroCall, range: TimeRange, out: Expanded): string {
  const { from, to } = range;
  const column = () => need(call, 1, 'a column')[0]!;
  const epoch = (c: string) => `extract(epoch from ${c})`;
  switch (call.name) {
    case 'time':
      return `${column()} AS "time"`;
    case 'timeEpoch':
      return `${epoch(column())} AS "time"`;
    case 'timeFilter':
      return `${column()} BETWEEN '${sqlTimestamp(from)}' AND '${sqlTimestamp(to)}'`;
    case 'timeFrom':
      return `'${sqlTimestamp(from)}'`;
    case 'timeTo':
      return `'${sqlTimestamp(to)}'`;
    case 'timeGroup':
      return group(call, epoch, out);
    case 'timeGroupAlias':
      return `${group(call, epoch, out)} AS "time"`;
    case 'unixEpochFilter':
      return `${column()} >= ${unixSeconds(from)} AND ${column()} <= ${unixSeconds(to)}`;
    case 'unixEpochFrom':
      return String(unixSeconds(from));
    case 'unixEpochTo':
      return String(unixSeconds(to));
    case 'unixEpochNanoFilter':
      return `${column()} >= ${unixNanos(from)} AND ${column()} <= ${unixNanos(to)}`;
    case 'unixEpochNanoFrom':
      return unixNanos(from);
    case 'unixEpochNanoTo':
      return unixNanos(to);
    case 'unixEpochGroup':
      return group(call, (c) => c, out);
    case 'unixEpochGroupAlias':
      return `${group(call, (c) => c, out)} AS "time"`;
    default:
      // Grafana refuses the query rather than send an unknown macro to the database.
      throw new MacroError(`unknown macro "__${call.name}"`);
  }
}

/** The SQL Grafana's server sends to PostgreSQL for `sql` (already through the frontend). */
export function expandPostgresQuery(sql: string, ctx: MacroContext): Expanded {
  const intervalMs = Number(ctx.interval / NS_PER_MS);
  const text = replaceGlobals(sql, intervalMs);
  const out: Expanded = { sql: '' };
  let last = 0;
  let result = '';
  for (const call of findMacroCalls(text)) {
    result += text.slice(last, call.start) + expandMacro(call, ctx.range, out);
    last = call.end;
  }
  out.sql = result + text.slice(last);
  return out;
}
