/**
 * What Grafana's PostgreSQL datasource does to `rawSql` on the server, in order:
 *   1. strip SQL comments (newer Grafana; SQLCommenter tags without macros survive),
 *   2. the global macros of `sqleng.Interpolate` (plain replaces: $__interval_ms, $__interval,
 *      $__unixEpochFrom(), $__unixEpochTo()),
 *   3. the datasource macros of `postgresMacroEngine.Interpolate` ($__timeFilter(...) and friends).
 * Ported from grafana/grafana `pkg/tsdb/grafana-postgresql-datasource/macros.go` and
 * `sqleng/sql_engine.go`; the expected strings in test/grafana/macros.test.ts are upstream's.
 */
import {
  durationMilliseconds,
  durationSeconds,
  formatInterval,
  goFixed,
  goFloat,
  parseInterval,
  rfc3339Nano,
  unixNanos,
  unixSeconds,
} from './gtime.js';

export interface TimeRange {
  from: Date;
  to: Date;
}

export interface MacroContext {
  range: TimeRange;
  /** The query's interval (request intervalMs), as Go's time.Duration in nanoseconds. */
  interval: bigint;
  /** jsonData.timescaledb: $__timeGroup becomes time_bucket(). */
  timescaledb?: boolean;
  /** Which comment handling to apply first; Grafana 12 releases differ (see stripSqlComments). */
  comments?: 'keep' | 'strip' | 'strip-keep-sqlcommenter';
  /** Wall clock for Nd/NM/Ny intervals; Grafana uses time.Now(). */
  now?: number;
}

/** Server-side fill requested by a third $__timeGroup argument (SetupFillmode). */
export type FillMode = { mode: 'null' } | { mode: 'previous' } | { mode: 'value'; value: number };

export interface Expanded {
  sql: string;
  fill?: { interval: number; fill: FillMode };
}

export class MacroError extends Error {}

const MACRO = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;

/** sqleng.Interpolate: the global macros every SQL datasource shares. */
export function interpolateGlobalMacros(sql: string, range: TimeRange, interval: bigint): string {
  return sql
    .split('$__interval_ms')
    .join(String(durationMilliseconds(interval)))
    .split('$__interval')
    .join(formatInterval(interval))
    .split('$__unixEpochFrom()')
    .join(String(unixSeconds(range.from)))
    .split('$__unixEpochTo()')
    .join(String(unixSeconds(range.to)));
}

const isDollarTagChar = (c: string | undefined) => c !== undefined && /[A-Za-z0-9_]/.test(c);
const SQLCOMMENTER = /^\s*[A-Za-z0-9_.%~-]+='[^']*'(\s*,\s*[A-Za-z0-9_.%~-]+='[^']*')*\s*$/;

/**
 * Grafana's quote-aware comment stripper (macros.go stripSQLComments): `--` and block comments
 * go; text inside '…', "…" and $tag$…$tag$ stays, and a macro is never read as a dollar quote.
 * With `keepSqlCommenter`, a block comment that is a SQLCommenter tag list (key='value',…)
 * without a macro in it stays, as the newest Grafana does.
 */
export function stripSqlComments(sql: string, keepSqlCommenter = false): string {
  let out = '';
  let i = 0;
  const n = sql.length;
  const consumeQuoted = (q: string) => {
    out += q;
    i++;
    while (i < n) {
      if (sql[i] === q) {
        out += sql[i++];
        if (i < n && sql[i] === q) out += sql[i++];
        else break;
      } else out += sql[i++];
    }
  };
  const consumeDollarQuoted = (delimiter: string) => {
    out += delimiter;
    i += delimiter.length;
    while (i < n) {
      if (sql.startsWith(delimiter, i)) {
        out += delimiter;
        i += delimiter.length;
        break;
      }
      out += sql[i++];
    }
  };
  while (i < n) {
    const c = sql[i]!;
    if (c === '$') {
      const j = i + 1;
      if (sql[j] === '$') consumeDollarQuoted('$$');
      else if (isDollarTagChar(sql[j]) && !/[0-9]/.test(sql[j]!)) {
        let k = j + 1;
        while (k < n && isDollarTagChar(sql[k])) k++;
        if (sql[k] === '$') consumeDollarQuoted(sql.slice(i, k + 1));
        else out += sql[i++];
      } else out += sql[i++];
    } else if (c === "'" || c === '"') {
      consumeQuoted(c);
    } else if (c === '/' && sql[i + 1] === '*') {
      const start = i;
      i += 2;
      let closed = false;
      while (i + 1 < n) {
        if (sql[i] === '*' && sql[i + 1] === '/') {
          i += 2;
          closed = true;
          break;
        }
        i++;
      }
      if (!closed) i = n;
      const body = sql.slice(start + 2, closed ? i - 2 : n);
      if (keepSqlCommenter && closed && SQLCOMMENTER.test(body) && !body.includes('$__'))
        out += sql.slice(start, i);
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
    } else out += sql[i++];
  }
  return out;
}

function parseFill(arg: string): FillMode {
  if (arg === 'NULL') return { mode: 'null' };
  if (arg === 'previous') return { mode: 'previous' };
  // strconv.ParseFloat accepts what Number() accepts for the values people write here.
  const value = arg.trim() === '' ? NaN : Number(arg);
  if (Number.isNaN(value) && arg !== 'NaN') throw new MacroError(`error parsing fill value ${arg}`);
  return { mode: 'value', value };
}

/** postgresMacroEngine.Interpolate: the datasource macros, with Grafana's error messages. */
export function interpolatePostgresMacros(
  sql: string,
  range: TimeRange,
  options: { timescaledb?: boolean; now?: number } = {},
): Expanded {
  const original = sql;
  let error: MacroError | undefined;
  let fill: Expanded['fill'];
  const from = rfc3339Nano(range.from);
  const to = rfc3339Nano(range.to);

  const group = (name: string, args: string[], column: (c: string) => string): string => {
    if (args.length < 2)
      throw new MacroError(`macro ${name} needs time column and interval and optional fill value`);
    let interval: bigint;
    try {
      interval = parseInterval(args[1]!.replace(/^'+|'+$/g, ''), options.now);
    } catch {
      throw new MacroError(`error parsing interval ${args[1]}`);
    }
    if (args.length === 3) fill = { interval: durationSeconds(interval), fill: parseFill(args[2]!) };
    const seconds = durationSeconds(interval);
    if (options.timescaledb && name === '__timeGroup')
      return `time_bucket('${goFixed(seconds, 3)}s',${args[0]})`;
    return `floor(${column(args[0]!)}/${goFloat(seconds)})*${goFloat(seconds)}`;
  };

  const evaluate = (name: string, args: string[]): string => {
    const column = () => {
      // strings.Split of "" gives one empty argument, so "missing" is never actually hit
      // for $__time(); kept for the shape of the upstream switch.
      if (args.length === 0) throw new MacroError(`missing time column argument for macro ${name}`);
      return args[0]!;
    };
    switch (name) {
      case '__time':
        return `${column()} AS "time"`;
      case '__timeEpoch':
        return `extract(epoch from ${column()}) as "time"`;
      case '__timeFilter':
        return `${column()} BETWEEN '${from}' AND '${to}'`;
      case '__timeFrom':
        return `'${from}'`;
      case '__timeTo':
        return `'${to}'`;
      case '__timeGroup':
        return group(name, args, (c) => `extract(epoch from ${c})`);
      case '__timeGroupAlias':
        return `${evaluate('__timeGroup', args)} AS "time"`;
      case '__unixEpochFilter':
        return `${column()} >= ${unixSeconds(range.from)} AND ${args[0]} <= ${unixSeconds(range.to)}`;
      case '__unixEpochNanoFilter':
        return `${column()} >= ${unixNanos(range.from)} AND ${args[0]} <= ${unixNanos(range.to)}`;
      case '__unixEpochNanoFrom':
        return String(unixNanos(range.from));
      case '__unixEpochNanoTo':
        return String(unixNanos(range.to));
      case '__unixEpochGroup':
        return group(name, args, (c) => `(${c})`);
      case '__unixEpochGroupAlias':
        return `${evaluate('__unixEpochGroup', args)} AS "time"`;
      default:
        throw new MacroError(`unknown macro ${JSON.stringify(name)}`);
    }
  };

  const result = sql.replace(MACRO, (whole: string, rawName: string, rawArgs: string) => {
    let name = rawName;
    // Pre-5.3 dashboards wrote `$__timeGroup(t,'5m'), value` and expected the alias; Grafana
    // looks at the first occurrence of the same text in the query, not at this match.
    if (name === '__timeGroup') {
      const at = original.indexOf(whole);
      if (at >= 0 && original[at + whole.length] === ',') name = '__timeGroupAlias';
    }
    const args = rawArgs.split(',').map((a) => a.replace(/^ +| +$/g, ''));
    try {
      return evaluate(name, args);
    } catch (err) {
      if (!(err instanceof MacroError)) throw err;
      error ??= err;
      return 'macro_error()';
    }
  });
  if (error) throw error;
  return fill ? { sql: result, fill } : { sql: result };
}

/** The whole server-side expansion of one query, as Grafana runs it. */
export function expandPostgresQuery(rawSql: string, ctx: MacroContext): Expanded {
  const comments = ctx.comments ?? 'strip-keep-sqlcommenter';
  let sql = rawSql;
  if (comments !== 'keep') sql = stripSqlComments(sql, comments === 'strip-keep-sqlcommenter');
  sql = interpolateGlobalMacros(sql, ctx.range, ctx.interval);
  return interpolatePostgresMacros(sql, ctx.range, { timescaledb: ctx.timescaledb, now: ctx.now });
}
