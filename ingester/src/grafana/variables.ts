/**
 * What Grafana's frontend does to a PostgreSQL query before sending it: dashboard variables and
 * the built-ins ($__from, $__to, $__interval, …) replaced by the scenes interpolator, with the
 * datasource's `interpolateVariable` as the default format.
 *
 * Ported from grafana/scenes `variables/interpolation/{sceneInterpolator,formatRegistry}.ts`,
 * `variables/macros/timeMacros.ts`, grafana/grafana `packages/grafana-sql/src/datasource/
 * SqlDatasource.ts` (interpolateVariable) and the PostgreSQL datasource override. The expected
 * strings in test/grafana/variables.test.ts are upstream's.
 */
import { secondsToHms } from './gtime.js';

/** Grafana's variable syntax: $name, [[name:fmt]], ${name.fieldPath:fmt}. */
export const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

/** The value a custom "All" value stands for: inserted as written, never formatted or quoted. */
export interface CustomAll {
  customAll: string;
}
export type VariableValue = string | number | (string | number)[] | CustomAll;

export interface TemplateVariable {
  name: string;
  multi?: boolean;
  includeAll?: boolean;
  value: VariableValue;
  /** Display text (the :text format); the value when unset. */
  text?: string | string[];
}

/** What a format function sees of the variable, as Grafana passes it. */
export interface VariableInfo {
  name: string;
  multi?: boolean;
  includeAll?: boolean;
}
export type FormatFunction = (
  value: string | number | (string | number)[],
  variable: VariableInfo,
) => string | number;

export interface Builtins {
  from: Date;
  to: Date;
  /** The panel's interval in ms (request.intervalMs). */
  intervalMs: number;
  timezone?: string;
}

const isCustomAll = (v: VariableValue): v is CustomAll => typeof v === 'object' && !Array.isArray(v);

const sqlEscape = (v: string | number) => String(v).replace(/'/g, "''");
const quoteLiteral = (v: string | number) => `'${sqlEscape(v)}'`;

/**
 * The PostgreSQL datasource's default format (no `:fmt` in the query). Grafana 12 releases
 * differ on one case, a plain string value of a multi-value or include-All variable:
 * - `sql` (SqlDatasource.interpolateVariable): quoted, `'value'`;
 * - `postgres-escape-only` (the PostgreSQL override of grafana#114058): escaped, not quoted.
 * Queries that give multi/All variables an explicit format expand the same under both.
 */
export type PostgresFormatMode = 'sql' | 'postgres-escape-only';

export function postgresInterpolateVariable(mode: PostgresFormatMode = 'sql'): FormatFunction {
  return (value, variable) => {
    if (typeof value === 'string') {
      if (mode === 'sql' && (variable.multi || variable.includeAll)) return quoteLiteral(value);
      return sqlEscape(value);
    }
    if (typeof value === 'number') return value;
    return value.map(quoteLiteral).join(',');
  };
}

type Formatter = (
  value: string | number | (string | number)[],
  args: string[],
  variable: TemplateVariable,
) => string;

const strictUriComponent = (s: string | number) =>
  encodeURIComponent(String(s)).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** The subset of moment formats a date variable is written with here. */
function formatDate(ms: number, pattern: string): string {
  const d = new Date(ms);
  const tokens: Record<string, string> = {
    YYYY: String(d.getUTCFullYear()),
    MM: pad(d.getUTCMonth() + 1),
    DD: pad(d.getUTCDate()),
    HH: pad(d.getUTCHours()),
    mm: pad(d.getUTCMinutes()),
    ss: pad(d.getUTCSeconds()),
    SSS: pad(d.getUTCMilliseconds(), 3),
  };
  return pattern.replace(/YYYY|MM|DD|HH|mm|ss|SSS/g, (t) => tokens[t]!);
}

/** scenes formatRegistry: the formats a SQL query can name with ${var:format}. */
export const FORMATS: Record<string, Formatter> = {
  raw: (value) => String(value),
  csv: (value) => (Array.isArray(value) ? value.join(',') : String(value)),
  pipe: (value) => (Array.isArray(value) ? value.join('|') : String(value)),
  json: (value) => (typeof value === 'string' ? value : JSON.stringify(value)),
  glob: (value) => (Array.isArray(value) && value.length > 1 ? `{${value.join(',')}}` : String(value)),
  join: (value, args) => (Array.isArray(value) ? value.join(args[0] ?? ',') : String(value)),
  singlequote: (value) => {
    const q = (v: string | number) => `'${String(v).replace(/'/g, "\\'")}'`;
    return Array.isArray(value) ? value.map(q).join(',') : q(value);
  },
  doublequote: (value) => {
    const q = (v: string | number) => `"${String(v).replace(/"/g, '\\"')}"`;
    return Array.isArray(value) ? value.map(q).join(',') : q(value);
  },
  sqlstring: (value) => {
    const q = (v: string | number) => `'${String(v).replace(/'|"/g, (m) => (m === "'" ? "''" : '\\"'))}'`;
    return Array.isArray(value) ? value.map(q).join(',') : q(value);
  },
  percentencode: (value) =>
    Array.isArray(value) ? strictUriComponent(`{${value.join(',')}}`) : strictUriComponent(value),
  queryparam: (value, _args, variable) => {
    const one = (v: string | number) => `var-${variable.name}=${strictUriComponent(v)}`;
    return Array.isArray(value) ? value.map(one).join('&') : one(value);
  },
  text: (value, _args, variable) => {
    if (variable.text !== undefined)
      return Array.isArray(variable.text) ? variable.text.join(' + ') : variable.text;
    return Array.isArray(value) ? value.join(' + ') : String(value);
  },
  date: (value, args) => {
    const n = typeof value === 'number' ? value : typeof value === 'string' ? parseInt(value, 10) : NaN;
    if (Number.isNaN(n)) return 'NaN';
    const arg = args[0] ?? 'iso';
    if (arg === 'ms') return String(value);
    if (arg === 'seconds') return String(Math.round(n / 1000));
    if (arg === 'iso') return new Date(n).toISOString();
    return formatDate(n, args.length > 1 ? args.join(':') : arg);
  },
};

function builtinVariable(name: string, b: Builtins | undefined): TemplateVariable | undefined {
  if (!b) return undefined;
  const rangeMs = b.to.getTime() - b.from.getTime();
  switch (name) {
    case '__from':
      return { name, value: b.from.getTime() };
    case '__to':
      return { name, value: b.to.getTime() };
    case '__interval':
      return { name, value: secondsToHms(b.intervalMs / 1000) };
    case '__interval_ms':
      return { name, value: b.intervalMs };
    case '__range':
      return { name, value: secondsToHms(rangeMs / 1000) };
    case '__range_s':
      return { name, value: Math.round(rangeMs / 1000) };
    case '__range_ms':
      return { name, value: rangeMs };
    case '__timezone':
      return { name, value: b.timezone ?? 'utc' };
    default:
      return undefined;
  }
}

export interface InterpolationOptions {
  variables: Record<string, TemplateVariable>;
  builtins?: Builtins;
  /** The format when the query names none: a format id, or a datasource's function. */
  format?: string | FormatFunction;
  /** Collects the variable references left as written (unknown names). */
  unresolved?: string[];
}

/** sceneInterpolator: replaces every variable expression in `target`. */
export function interpolate(target: string, options: InterpolationOptions): string {
  return target.replace(
    VARIABLE_REGEX,
    (match, var1?: string, var2?: string, fmt2?: string, var3?: string, _path?: string, fmt3?: string) => {
      const name = (var1 ?? var2 ?? var3)!;
      const variable = options.variables[name] ?? builtinVariable(name, options.builtins);
      if (!variable) {
        options.unresolved?.push(match);
        return match;
      }
      const fmt = fmt2 ?? fmt3 ?? options.format;
      const value = variable.value;
      if (isCustomAll(value)) {
        // CustomAllValue.formatter: the All value as written (itself interpolated), except for
        // the url formats, which write "All".
        if (fmt === 'text') return 'All';
        if (fmt === 'queryparam') return `var-${variable.name}=All`;
        if (fmt === 'percentencode') return strictUriComponent(value.customAll);
        return interpolate(value.customAll, options);
      }
      if (typeof fmt === 'function')
        return String(
          fmt(value, { name: variable.name, multi: variable.multi, includeAll: variable.includeAll }),
        );
      let id = fmt ?? 'glob';
      let args: string[] = [];
      const parts = id.split(':');
      if (parts.length > 1) {
        id = parts[0]!;
        args = parts.slice(1);
      }
      const formatter = FORMATS[id] ?? FORMATS.glob!;
      return formatter(value, args, variable);
    },
  );
}

/** The frontend half of a PostgreSQL panel query: applyTemplateVariables. */
export function interpolatePostgresSql(
  rawSql: string,
  variables: Record<string, TemplateVariable>,
  builtins: Builtins,
  mode: PostgresFormatMode = 'sql',
  unresolved?: string[],
): string {
  return interpolate(rawSql, { variables, builtins, format: postgresInterpolateVariable(mode), unresolved });
}

/** Every variable a text refers to, with the format it names (undefined: the default). */
export function variableReferences(text: string): { name: string; format?: string; match: string }[] {
  const out: { name: string; format?: string; match: string }[] = [];
  for (const m of text.matchAll(VARIABLE_REGEX)) {
    out.push({ name: (m[1] ?? m[2] ?? m[4])!, format: m[3] ?? m[6], match: m[0] });
  }
  return out;
}
