/**
 * What Grafana's frontend does to a query (or a link) before it leaves the browser, for the
 * test-time emulator: dashboard variables and the global variables replaced by their values.
 * Written from Grafana's documentation:
 *
 * - Syntax (`$var`, `${var}`, `${var:format}`, `[[var]]`, `[[var:format]]`) and the format
 *   options (csv, distributed, doublequote, glob, json, lucene, percentencode, pipe, raw, regex,
 *   singlequote, sqlstring, text, queryparam; glob for an unknown one):
 *   https://grafana.com/docs/grafana/latest/dashboards/variables/variable-syntax/
 * - Global variables ($__from / $__to and their `date` formats, $__interval, $__interval_ms),
 *   multi-value variables, the All option and its custom value ("never escaped"):
 *   https://grafana.com/docs/grafana/latest/dashboards/variables/add-template-variables/
 * - The SQL data sources' default: only a multi-value variable is quoted, as a quoted,
 *   comma-separated list ('server01','server02'):
 *   https://grafana.com/docs/grafana/latest/datasources/postgres/template-variables/
 * - Several values in a link: `var-name=value1&var-name=value2`:
 *   https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/create-dashboard-url-variables/
 *
 * Where the docs leave a detail open, the choice is said where it is made.
 */
import { formatDuration } from './time.js';

/** The value of an All option with a custom all value: put in as written. */
export interface CustomAll {
  customAll: string;
}
export type VariableValue = string | number | (string | number)[] | CustomAll;

export interface TemplateVariable {
  name: string;
  multi?: boolean;
  includeAll?: boolean;
  value: VariableValue;
  /** What the user sees (the `text` format); the value when unset. */
  text?: string | string[];
}

/** The global variables a query can use, from the panel's request. */
export interface Builtins {
  from: Date;
  to: Date;
  /** The panel's interval in milliseconds. */
  intervalMs: number;
}

/** A format of one variable's values: the name of one the docs list, or a function of its own. */
export type Format = string | ((values: string[], variable: TemplateVariable) => string);

export interface InterpolateOptions {
  variables: Record<string, TemplateVariable>;
  builtins?: Builtins;
  /** The format when a reference names none; `glob`, as for any unknown name, when unset. */
  format?: Format;
  /** Collects the references left as written (no variable of that name). */
  unresolved?: string[];
}

export interface VariableReference {
  /** The text as written: `$team`, `${team:sqlstring}`, `[[team]]`. */
  match: string;
  name: string;
  /** `a.b` in `${var.a.b}` (a property of a multi-property variable, `__data.fields.x`). */
  path?: string;
  format?: string;
  index: number;
}

const REFERENCE = /\$\{(\w+)(?:\.([^:}]+))?(?::([^}]*))?\}|\[\[(\w+)(?::([^\]]*))?\]\]|\$(\w+)/g;

/** Every variable reference in the text, in order. */
export function variableReferences(text: string): VariableReference[] {
  return [...text.matchAll(REFERENCE)].map((m) => ({
    match: m[0],
    name: (m[1] ?? m[4] ?? m[6])!,
    path: m[2],
    format: m[3] ?? m[5],
    index: m.index,
  }));
}

// Formats -----------------------------------------------------------------------------------------

/** RFC 3986 percent-encoding: all but letters, digits and -_.~ (the docs' `(` → %28, `,` → %2C). */
export function percentEncode(text: string): string {
  return Array.from(new TextEncoder().encode(text), (byte) => {
    const c = String.fromCharCode(byte);
    return /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

const escapeRegex = (s: string) => s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
const quoteWith = (q: string, escaped: string) => (s: string) => q + s.replaceAll(q, escaped) + q;
const sqlQuote = quoteWith("'", "''");

/**
 * The formats of the docs, each from the list of values (one for a single value). The docs
 * show most of them with two values only; with one value, glob, distributed and pipe give it
 * as it is, regex escapes it, lucene quotes it.
 */
const FORMATS: Record<string, (values: string[], variable: TemplateVariable) => string> = {
  csv: (vs) => vs.join(','),
  distributed: (vs, v) => vs.map((x, i) => (i === 0 ? x : `${v.name}=${x}`)).join(','),
  doublequote: (vs) => vs.map(quoteWith('"', '\\"')).join(','),
  glob: (vs) => (vs.length > 1 ? `{${vs.join(',')}}` : vs.join(',')),
  // The docs' example writes the array with a space after each comma.
  json: (vs, v) =>
    Array.isArray(v.value) ? `[${vs.map((x) => JSON.stringify(x)).join(', ')}]` : JSON.stringify(vs[0] ?? ''),
  lucene: (vs) => {
    const quoted = vs.map((x) => `"${x.replace(/["\\]/g, '\\$&')}"`);
    return vs.length > 1 ? `(${quoted.join(' OR ')})` : quoted.join('');
  },
  percentencode: (vs) => percentEncode(vs.join(',')),
  pipe: (vs) => vs.join('|'),
  raw: (vs) => vs.join(','),
  regex: (vs) => (vs.length > 1 ? `(${vs.map(escapeRegex).join('|')})` : vs.map(escapeRegex).join('')),
  singlequote: (vs) => vs.map(quoteWith("'", "\\'")).join(','),
  sqlstring: (vs) => vs.map(sqlQuote).join(','),
  text: (_, v) => {
    const text = v.text ?? (isCustomAll(v.value) ? 'All' : v.value);
    return Array.isArray(text) ? text.join(' + ') : String(text);
  },
  queryparam: (vs, v) => vs.map((x) => `var-${v.name}=${percentEncode(x)}`).join('&'),
};
export const FORMAT_NAMES = Object.keys(FORMATS);

/**
 * The PostgreSQL data source's default: a multi-value variable's values (or all of them, for
 * All) quoted and comma-separated, a single-value variable as it is. The docs do not say how a
 * quote inside a value is escaped; it is doubled, as the documented `sqlstring` format does.
 */
export const postgresDefaultFormat: Format = (values, variable) =>
  variable.multi || Array.isArray(variable.value) ? values.map(sqlQuote).join(',') : values.join(',');

const isCustomAll = (v: VariableValue): v is CustomAll => typeof v === 'object' && !Array.isArray(v);

function formatVariable(variable: TemplateVariable, format: Format | undefined): string {
  const { value } = variable;
  if (isCustomAll(value)) {
    // "Never escaped", whatever the format. A link (queryparam) gets the option's text, All.
    if (format === 'queryparam') return `var-${variable.name}=All`;
    return format === 'text' ? FORMATS.text!([], variable) : value.customAll;
  }
  const values = (Array.isArray(value) ? value : [value]).map(String);
  if (typeof format === 'function') return format(values, variable);
  return (FORMATS[format ?? 'glob'] ?? FORMATS.glob!)(values, variable);
}

// Global variables --------------------------------------------------------------------------------

/** `${__from}` and `${__to}`: epoch milliseconds, or the documented `date` formats. */
function formatInstant(d: Date, format: string | undefined): string {
  if (format === undefined || format === 'raw') return String(d.getTime());
  if (format === 'date' || format === 'date:iso') return d.toISOString();
  if (format === 'date:seconds') return String(Math.floor(d.getTime() / 1000));
  // Custom date formats are in the browser's time zone: not something a test can pin down.
  throw new Error(`the "${format}" format of a time is not emulated (use date, date:iso or date:seconds)`);
}

function builtinValue(name: string, format: string | undefined, b: Builtins): string | undefined {
  switch (name) {
    case '__from':
      return formatInstant(b.from, format);
    case '__to':
      return formatInstant(b.to, format);
    case '__interval':
      return formatDuration(b.intervalMs);
    case '__interval_ms':
      return String(b.intervalMs);
    default:
      return undefined;
  }
}

// Interpolation -----------------------------------------------------------------------------------

/** The text with every known variable replaced; unknown references stay as written. */
export function interpolate(text: string, options: InterpolateOptions): string {
  return text.replace(REFERENCE, (match, ...groups: (string | undefined)[]) => {
    const name = (groups[0] ?? groups[3] ?? groups[5])!;
    const path = groups[1];
    const format = groups[2] ?? groups[4];
    const variable = path === undefined ? options.variables[name] : undefined;
    if (variable) return formatVariable(variable, format ?? options.format);
    const builtin =
      options.builtins && path === undefined ? builtinValue(name, format, options.builtins) : undefined;
    if (builtin !== undefined) return builtin;
    options.unresolved?.push(match);
    return match;
  });
}

/** A PostgreSQL panel or variable query, as the frontend sends it to the server. */
export function interpolatePostgresSql(
  rawSql: string,
  variables: Record<string, TemplateVariable>,
  builtins: Builtins,
  unresolved?: string[],
): string {
  return interpolate(rawSql, { variables, builtins, format: postgresDefaultFormat, unresolved });
}
