/**
 * The query harness: how we know the dashboards and alert rules work without a Grafana server.
 *
 * It finds every SQL query of the engmetrics datasource in the provisioned dashboards (panels,
 * panels inside rows, query variables) and alert rules, expands each exactly as Grafana would
 * (variables in the frontend, then the global and datasource macros on the server), runs
 * it as grafana_reader, and checks that the result has the shape its panel type needs.
 * Variables get their values the way Grafana gets them: by running their own queries first,
 * each with the values of the variables before it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type pg from 'pg';
import { parse as parseYaml } from 'yaml';
import type { Database } from '../../../src/db/database.js';
import { expandPostgresQuery, type TimeRange } from './macros.js';
import { panelInterval } from './time.js';
import {
  interpolatePostgresSql,
  variableReferences,
  type Builtins,
  type TemplateVariable,
} from './variables.js';

export const DATASOURCE_UID = 'engmetrics-pg';

// Loading ----------------------------------------------------------------------------------------

/* The slices of Grafana's JSON and YAML models the harness reads. */
export interface DashboardJson {
  uid?: string;
  title?: string;
  time?: { from: string; to: string };
  panels?: PanelJson[];
  templating?: { list?: VariableJson[] };
}
export interface PanelJson {
  id?: number;
  type: string;
  title?: string;
  datasource?: { type?: string; uid?: string } | null;
  targets?: TargetJson[];
  panels?: PanelJson[];
  interval?: string;
  maxDataPoints?: number;
}
export interface TargetJson {
  refId?: string;
  datasource?: { type?: string; uid?: string } | null;
  rawSql?: string;
  format?: string;
  hide?: boolean;
}
export interface VariableJson {
  type: string;
  name: string;
  datasource?: { type?: string; uid?: string } | null;
  query?: string | { rawSql?: string; query?: string };
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string | null;
  current?: { text?: unknown; value?: unknown };
  options?: { text: string; value: string }[];
}
export interface AlertQueryJson {
  refId: string;
  datasourceUid: string;
  relativeTimeRange?: { from: number; to: number };
  model: Record<string, unknown> & { rawSql?: string; format?: string; intervalMs?: number };
}
export interface AlertRuleJson {
  uid: string;
  title: string;
  condition: string;
  data: AlertQueryJson[];
}
export interface AlertGroupJson {
  name: string;
  folder: string;
  interval: string;
  rules: AlertRuleJson[];
}

export interface Loaded<T> {
  file: string;
  content: T;
}

function filesUnder(dir: string, ext: RegExp): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path, ext) : ext.test(name) ? [path] : [];
    });
}

/** Every dashboard JSON under the folders (recursively), in file order. */
export function loadDashboards(...dirs: string[]): Loaded<DashboardJson>[] {
  return dirs.flatMap((dir) =>
    filesUnder(dir, /\.json$/).map((file) => ({
      file,
      content: JSON.parse(readFileSync(file, 'utf8')) as DashboardJson,
    })),
  );
}

/** Every alert rule group in the alerting folder's YAML files. */
export function loadAlertGroups(dir: string): Loaded<AlertGroupJson>[] {
  return filesUnder(dir, /\.ya?ml$/).flatMap((file) => {
    const doc = parseYaml(readFileSync(file, 'utf8')) as { groups?: AlertGroupJson[] } | null;
    return (doc?.groups ?? []).map((content) => ({ file, content }));
  });
}

/** Panels in layout order, including those held inside (collapsed) rows. */
export function allPanels(d: DashboardJson): PanelJson[] {
  const walk = (panels: PanelJson[]): PanelJson[] => panels.flatMap((p) => [p, ...walk(p.panels ?? [])]);
  return walk(d.panels ?? []);
}

const usesEngmetrics = (ds: { uid?: string } | null | undefined) => ds?.uid === DATASOURCE_UID;

// Queries ----------------------------------------------------------------------------------------

/**
 * The values each variable gets: `all` — All, or the first option of a single-value variable
 * (what a dashboard opens with); `multi` — two values, or the second option of a single-value
 * variable (another team, an older sprint); `single` — the first option.
 */
export type Scenario = 'single' | 'multi' | 'all';
/** "all" first: it is where every query must return rows, and later duplicates are skipped. */
export const SCENARIOS: Scenario[] = ['all', 'multi', 'single'];

export interface QueryRef {
  kind: 'panel' | 'variable' | 'alert';
  file: string;
  /** Dashboard uid or alert group name. */
  container: string;
  containerTitle: string;
  /** Panel title, variable name or rule title. */
  title: string;
  panelType?: string;
  refId: string;
  format: 'time_series' | 'table';
  rawSql: string;
}

export const describeRef = (q: QueryRef) =>
  `${q.kind === 'alert' ? 'alert group' : 'dashboard'} "${q.containerTitle}" › ${q.kind} "${q.title}"` +
  (q.kind === 'variable' ? '' : ` (${q.refId})`);

export function panelQueries(file: string, d: DashboardJson): QueryRef[] {
  return allPanels(d).flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => !t.hide && typeof t.rawSql === 'string' && usesEngmetrics(t.datasource ?? p.datasource))
      .map((t) => ({
        kind: 'panel' as const,
        file,
        container: d.uid ?? basename(file),
        containerTitle: d.title ?? basename(file),
        title: p.title ?? `panel ${p.id}`,
        panelType: p.type,
        refId: t.refId ?? 'A',
        format: t.format === 'time_series' ? ('time_series' as const) : ('table' as const),
        rawSql: t.rawSql!,
      })),
  );
}

const variableSql = (v: VariableJson) =>
  typeof v.query === 'string' ? v.query : (v.query?.rawSql ?? v.query?.query ?? '');

export function alertQueries(file: string, g: AlertGroupJson): QueryRef[] {
  return g.rules.flatMap((r) =>
    r.data
      .filter((q) => q.datasourceUid === DATASOURCE_UID)
      .map((q) => ({
        kind: 'alert' as const,
        file,
        container: g.name,
        containerTitle: g.name,
        title: r.title,
        refId: q.refId,
        format: q.model.format === 'time_series' ? ('time_series' as const) : ('table' as const),
        rawSql: q.model.rawSql ?? '',
      })),
  );
}

// Running ----------------------------------------------------------------------------------------

export interface Column {
  name: string;
  kind: 'number' | 'time' | 'string' | 'bool' | 'other';
  dataTypeID: number;
}
export interface QueryResult {
  columns: Column[];
  rows: unknown[][];
}

const NUMBER_TYPES = new Set([20, 21, 23, 700, 701, 1700]);
const TIME_TYPES = new Set([1082, 1114, 1184]);
const STRING_TYPES = new Set([18, 19, 25, 1042, 1043]);

function columnKind(oid: number): Column['kind'] {
  if (NUMBER_TYPES.has(oid)) return 'number';
  if (TIME_TYPES.has(oid)) return 'time';
  if (STRING_TYPES.has(oid)) return 'string';
  if (oid === 16) return 'bool';
  return 'other';
}

/**
 * Runs one statement as grafana_reader, as Grafana's login would, in a transaction of its
 * own: with PostgreSQL's defaults for what the ingester's sessions set (JIT, sort memory)
 * and then the settings the role has in this database, as a fresh login gets them.
 * Grafana's session has the server's time zone, whatever it is: the statement runs in one
 * far from UTC, so a query that leans on the session's zone fails here.
 */
export async function runAsReader(db: Database, sql: string): Promise<QueryResult> {
  return db.tx(async (c) => {
    // One round trip (a timed query's overhead stays what it was).
    await c.query(
      `SELECT set_config('jit', 'on', true), set_config('work_mem', '4MB', true);
       SELECT set_config(split_part(c, '=', 1), substr(c, strpos(c, '=') + 1), true)
         FROM pg_db_role_setting s, unnest(s.setconfig) c
        WHERE s.setrole IN (0, 'grafana_reader'::regrole)
          AND s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database()))
          AND (s.setrole, s.setdatabase) <> (0, 0)
        -- Lowest precedence first: the database's, the role's, the role's in this database.
        ORDER BY (s.setrole <> 0)::int * 2 + (s.setdatabase <> 0)::int;
       SELECT set_config('TimeZone', 'Pacific/Chatham', true);
       SET LOCAL ROLE grafana_reader`,
    );
    const result = (await c.query({ text: sql, rowMode: 'array' })) as unknown as
      pg.QueryArrayResult | pg.QueryArrayResult[];
    if (Array.isArray(result))
      throw new Error(`${result.length} statements: Grafana sends one query per target`);
    return {
      columns: result.fields.map((f) => ({
        name: f.name,
        kind: columnKind(f.dataTypeID),
        dataTypeID: f.dataTypeID,
      })),
      rows: result.rows,
    };
  });
}

// Time -------------------------------------------------------------------------------------------

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** Grafana's relative time (`now`, `now-7d`, `now-1M`, `now/d`), or an ISO instant. */
export function parseRelativeTime(text: string, now: number): Date {
  const m = /^now(?:([+-])(\d+)([smhdwMy]))?(?:\/([smhdwMy]))?$/.exec(text);
  if (!m) return new Date(text);
  const d = new Date(now);
  if (m[1]) {
    const n = Number(m[2]) * (m[1] === '-' ? -1 : 1);
    if (m[3] === 'M') d.setUTCMonth(d.getUTCMonth() + n);
    else if (m[3] === 'y') d.setUTCFullYear(d.getUTCFullYear() + n);
    else d.setTime(d.getTime() + n * UNIT_MS[m[3]!]!);
  }
  if (m[4] === 'd') d.setUTCHours(0, 0, 0, 0);
  return d;
}

// Shape ------------------------------------------------------------------------------------------

const TIME_SERIES_PANELS = new Set([
  'timeseries',
  'state-timeline',
  'status-history',
  'heatmap',
  'candlestick',
]);
const SINGLE_VALUE_PANELS = new Set(['stat', 'gauge', 'bargauge']);

const isNull = (v: unknown) => v === null || v === undefined;
const timeValue = (v: unknown): number => (v instanceof Date ? v.getTime() : Number(v));

/**
 * What Grafana's backend would refuse, or what would leave the panel blank, for this result.
 * `mayBeBlank`: nothing to show is right here (another team may have no data), so a stat of
 * NULLs ("No data") is no problem.
 */
export function shapeProblems(q: QueryRef, r: QueryResult, mayBeBlank = false): string[] {
  const problems: string[] = [];
  const names = r.columns.map((c) => c.name);
  const numeric = r.columns.filter((c) => c.kind === 'number');
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) problems.push(`two columns are named "${dup}"`);

  const needsTime =
    q.format === 'time_series' || (q.kind === 'panel' && TIME_SERIES_PANELS.has(q.panelType ?? ''));
  if (needsTime) {
    const first = r.columns[0];
    if (!first || first.name !== 'time')
      problems.push(
        `a time series needs its first column named "time" (got ${names.map((n) => `"${n}"`).join(', ') || 'none'})`,
      );
    else if (first.kind !== 'time' && first.kind !== 'number')
      problems.push(`column "time" must be a timestamp or epoch number, not type ${first.dataTypeID}`);
    const values = r.columns.slice(1);
    if (!values.some((c) => c.kind === 'number'))
      problems.push('a time series needs at least one numeric column');
    for (const c of values)
      if (c.kind !== 'number' && c.kind !== 'string')
        problems.push(`column "${c.name}" is neither a number nor a label (type ${c.dataTypeID})`);
    const labels = values.map((c, i) => (c.kind === 'string' ? i + 1 : -1)).filter((i) => i > 0);
    if (labels.length && first?.name === 'time') {
      // Long frames become one series per label set; Grafana requires ascending time for that.
      const seen = new Set<string>();
      for (let i = 0; i < r.rows.length; i++) {
        const row = r.rows[i]!;
        if (i > 0 && timeValue(row[0]) < timeValue(r.rows[i - 1]![0])) {
          problems.push('rows with label columns must be sorted by time ascending (ORDER BY 1)');
          break;
        }
        const key = JSON.stringify([timeValue(row[0]), ...labels.map((j) => row[j])]);
        if (seen.has(key)) {
          problems.push(`two rows for the same time and labels (${key})`);
          break;
        }
        seen.add(key);
      }
    }
  }
  if (q.kind === 'panel' && SINGLE_VALUE_PANELS.has(q.panelType ?? '')) {
    if (!numeric.length) problems.push(`a ${q.panelType} panel needs a numeric column`);
    else if (
      !mayBeBlank &&
      r.rows.length &&
      !r.rows.some((row) => numeric.some((c) => !isNull(row[r.columns.indexOf(c)])))
    )
      problems.push(`a ${q.panelType} panel got no numeric value (every one is NULL)`);
  }
  if (q.kind === 'alert' && q.format === 'table') {
    if (numeric.length !== 1)
      problems.push(`an alert on table data needs exactly one numeric column (got ${numeric.length})`);
    const other = r.columns.filter((c) => c.kind !== 'number');
    const bad = other.find((c) => c.kind !== 'string');
    if (bad) problems.push(`column "${bad.name}" must be text to become a label (type ${bad.dataTypeID})`);
    const keys = r.rows.map((row) => JSON.stringify(other.map((c) => row[r.columns.indexOf(c)])));
    if (new Set(keys).size !== keys.length)
      problems.push('two rows carry the same labels; each alert instance needs its own');
  }
  if (q.kind === 'variable') {
    const textValue = names.includes('__text') && names.includes('__value');
    if (!textValue && r.columns.length !== 1)
      problems.push(`a variable query returns one column, or __text and __value (got ${names.join(', ')})`);
  }
  return problems;
}

/** Static checks: what would expand differently across Grafana 12 releases, or not at all. */
export function lintProblems(rawSql: string, variables: Map<string, VariableJson>): string[] {
  const problems: string[] = [];
  for (const ref of variableReferences(rawSql)) {
    const v = variables.get(ref.name);
    if (v && (v.multi || v.includeAll) && ref.format === undefined)
      problems.push(
        `${ref.match} has no format: Grafana 12 releases quote a single value of a multi/All variable differently; ` +
          `write \${${ref.name}:sqlstring} (or :csv, :raw)`,
      );
  }
  return problems;
}

// Variables ----------------------------------------------------------------------------------------

/**
 * A query variable's options from its query's result, as the PostgreSQL data source documents
 * them: `__text`/`__value` pairs, or every value of every column; a repeated text keeps its
 * first value (https://grafana.com/docs/grafana/latest/datasources/postgres/template-variables/).
 */
export function queryVariableOptions(r: QueryResult): { text: string; value: string }[] {
  const t = r.columns.findIndex((c) => c.name === '__text');
  const v = r.columns.findIndex((c) => c.name === '__value');
  const out: { text: string; value: string }[] = [];
  const str = (x: unknown) => (x instanceof Date ? String(x.getTime()) : String(x));
  if (t >= 0 && v >= 0) for (const row of r.rows) out.push({ text: str(row[t]), value: str(row[v]) });
  else
    for (let c = 0; c < r.columns.length; c++)
      for (const row of r.rows) out.push({ text: str(row[c]), value: str(row[c]) });
  const seen = new Set<string>();
  return out.filter((o) => (seen.has(o.text) ? false : (seen.add(o.text), true)));
}

function scenarioValue(
  v: VariableJson,
  options: { text: string; value: string }[],
  scenario: Scenario,
): TemplateVariable {
  const base = { name: v.name, multi: v.multi, includeAll: v.includeAll };
  if (scenario === 'all' && v.includeAll) {
    if (v.allValue) return { ...base, value: { customAll: v.allValue }, text: 'All' };
    return { ...base, value: options.map((o) => o.value), text: options.map((o) => o.text) };
  }
  const picked = scenario === 'multi' && v.multi ? options.slice(0, 2) : options.slice(0, 1);
  if (v.multi) return { ...base, value: picked.map((o) => o.value), text: picked.map((o) => o.text) };
  const one = scenario === 'multi' ? (options[1] ?? options[0]) : options[0];
  return { ...base, value: one?.value ?? '', text: one?.text ?? '' };
}

// The run ------------------------------------------------------------------------------------------

export interface HarnessOptions {
  db: Database;
  dashboards: Loaded<DashboardJson>[];
  alertGroups?: Loaded<AlertGroupJson>[];
  /** The instant a dashboard's relative time range ends at (its "now"). */
  now: (container: string) => number;
  /** Data points a panel asks for; Grafana uses its width in pixels. */
  maxDataPoints?: number;
  /** The datasource's minimum interval (jsonData.timeInterval). */
  minIntervalMs?: number;
  /** Queries allowed to return no rows for the loaded organisation, with the reason. */
  mayBeEmpty?: { container: string; title: string; reason: string }[];
}

export interface HarnessResult {
  query: QueryRef;
  scenario: Scenario;
  expandedSql: string;
  rows: number;
  columns: string[];
  problems: string[];
}

export interface HarnessReport {
  results: HarnessResult[];
  failures: HarnessResult[];
  /** Variables' values per dashboard and scenario, for the record. */
  variables: Record<string, Record<Scenario, Record<string, unknown>>>;
}

/** Nanoseconds in a millisecond: a request's interval is in nanoseconds on the server. */
const MS_NS = 1_000_000n;

/** One harness run: its options and the results collected so far. */
interface Run {
  o: HarnessOptions;
  results: HarnessResult[];
}

/** Runs an expanded query as grafana_reader, records the result with its problems, and returns it. */
async function execute(
  run: Run,
  q: QueryRef,
  scenario: Scenario,
  expandedSql: string,
  pre: string[] = [],
): Promise<QueryResult | undefined> {
  const problems = [...pre];
  let result: QueryResult | undefined;
  try {
    result = await runAsReader(run.o.db, expandedSql);
  } catch (err) {
    problems.push(`query failed: ${(err as Error).message}`);
  }
  if (result) {
    const exempt = (run.o.mayBeEmpty ?? []).some((e) => e.container === q.container && e.title === q.title);
    const rowsRequired = (scenario === 'all' || q.kind !== 'panel') && !exempt;
    problems.push(...shapeProblems(q, result, !rowsRequired));
    if (result.rows.length === 0 && rowsRequired)
      problems.push(
        'no rows for the loaded organisation (list it in mayBeEmpty with a reason if that is right)',
      );
  }
  run.results.push({
    query: q,
    scenario,
    expandedSql,
    rows: result?.rows.length ?? 0,
    columns: result?.columns.map((c) => c.name) ?? [],
    problems,
  });
  return result;
}

/**
 * A dashboard query as Grafana sends it: the frontend's variables, then the server's macros.
 * References the frontend leaves are problems, but for the server's macros ($__name(…)).
 */
function expandDashboardQuery(
  q: QueryRef,
  variables: Record<string, TemplateVariable>,
  range: TimeRange,
  intervalMs: number,
): { sql: string; problems: string[] } {
  const unresolved: string[] = [];
  const builtins: Builtins = { from: range.from, to: range.to, intervalMs };
  const frontend = interpolatePostgresSql(q.rawSql, variables, builtins, unresolved);
  const problems = unresolved
    .filter((u) => !/^\$__\w+$/.test(u) || !frontend.includes(`${u}(`))
    .map((u) => `${u} is not a variable of this dashboard`);
  try {
    return {
      sql: expandPostgresQuery(frontend, { range, interval: BigInt(intervalMs) * MS_NS }).sql,
      problems,
    };
  } catch (err) {
    return { sql: frontend, problems: [...problems, `expansion failed: ${(err as Error).message}`] };
  }
}

/** What one dashboard's queries share while it runs. */
interface DashboardRun {
  run: Run;
  file: string;
  d: DashboardJson;
  uid: string;
  range: TimeRange;
  declared: Map<string, VariableJson>;
  /** Variable query results by title and SQL: a repeated query is run once. */
  variableResults: Map<string, QueryResult | undefined>;
}

/** The options of one variable: its query's result, its custom list, or its stored options. */
async function variableOptions(
  dr: DashboardRun,
  v: VariableJson,
  variables: Record<string, TemplateVariable>,
  scenario: Scenario,
): Promise<{ text: string; value: string }[]> {
  if (v.type === 'query' && usesEngmetrics(v.datasource)) {
    const q: QueryRef = {
      kind: 'variable',
      file: dr.file,
      container: dr.uid,
      containerTitle: dr.d.title ?? dr.uid,
      title: v.name,
      refId: v.name,
      format: 'table',
      rawSql: variableSql(v),
    };
    // A variable query has no panel, so no panel interval: one second.
    const e = expandDashboardQuery(q, variables, dr.range, 1000);
    const key = `${q.title}\n${e.sql}`;
    if (!dr.variableResults.has(key))
      dr.variableResults.set(
        key,
        await execute(dr.run, q, scenario, e.sql, [...e.problems, ...lintProblems(q.rawSql, dr.declared)]),
      );
    const result = dr.variableResults.get(key);
    return result ? queryVariableOptions(result) : [];
  }
  if (v.type === 'custom' && typeof v.query === 'string')
    // "key1 : value1,key2 : value2" or plain values, comma-separated (a backslash escapes a comma).
    return v.query.split(/(?<!\\),/).map((s) => {
      const [text, value] = s.includes(' : ') ? s.split(' : ') : [s, s];
      return { text: text!.trim(), value: (value ?? text!).trim() };
    });
  if (v.type === 'constant' || v.type === 'textbox') {
    const value = typeof v.query === 'string' ? v.query : String(v.current?.value ?? '');
    return [{ text: value, value }];
  }
  return (v.options ?? []).map((x) => ({ text: String(x.text), value: String(x.value) }));
}

/** Every variable's value under the scenario, in order: each query sees the values before it. */
async function resolveVariables(
  dr: DashboardRun,
  scenario: Scenario,
  record: Record<string, unknown>,
): Promise<Record<string, TemplateVariable>> {
  const variables: Record<string, TemplateVariable> = {};
  for (const v of dr.d.templating?.list ?? []) {
    const options = await variableOptions(dr, v, variables, scenario);
    variables[v.name] = scenarioValue(v, options, scenario);
    record[v.name] = variables[v.name]!.value;
  }
  return variables;
}

/** Runs the dashboard's panel queries under the scenario, skipping SQL already run. */
async function runPanels(
  dr: DashboardRun,
  scenario: Scenario,
  variables: Record<string, TemplateVariable>,
  seen: Set<string>,
): Promise<void> {
  const { o } = dr.run;
  for (const q of panelQueries(dr.file, dr.d)) {
    const panel = allPanels(dr.d).find((p) => p.title === q.title);
    const intervalMs = panelInterval(
      dr.range,
      panel?.maxDataPoints ?? o.maxDataPoints ?? 1000,
      o.minIntervalMs ?? 60_000,
    );
    const e = expandDashboardQuery(q, variables, dr.range, intervalMs);
    const key = `${q.title}\n${q.refId}\n${e.sql}`;
    // The same SQL under another scenario proves nothing new.
    if (seen.has(key)) continue;
    seen.add(key);
    await execute(dr.run, q, scenario, e.sql, [...e.problems, ...lintProblems(q.rawSql, dr.declared)]);
  }
}

/** One dashboard under every scenario; returns the variables' values per scenario. */
async function runDashboard(
  run: Run,
  file: string,
  d: DashboardJson,
): Promise<Record<Scenario, Record<string, unknown>>> {
  const uid = d.uid ?? basename(file);
  const now = run.o.now(uid);
  const dr: DashboardRun = {
    run,
    file,
    d,
    uid,
    range: {
      from: parseRelativeTime(d.time?.from ?? 'now-6h', now),
      to: parseRelativeTime(d.time?.to ?? 'now', now),
    },
    declared: new Map((d.templating?.list ?? []).map((v) => [v.name, v])),
    variableResults: new Map(),
  };
  const record: Record<Scenario, Record<string, unknown>> = { all: {}, multi: {}, single: {} };
  const seen = new Set<string>();
  for (const scenario of SCENARIOS) {
    const variables = await resolveVariables(dr, scenario, record[scenario]);
    await runPanels(dr, scenario, variables, seen);
  }
  return record;
}

/** An alert group's queries, expanded as the server does when the rules are evaluated. */
async function runAlertGroup(run: Run, file: string, g: AlertGroupJson): Promise<void> {
  const now = run.o.now(g.name);
  for (const q of alertQueries(file, g)) {
    const rule = g.rules.find((r) => r.title === q.title)!;
    const problems = alertRuleProblems(rule);
    let sql = q.rawSql;
    try {
      sql = expandAlertQuery(rule, q.refId, now);
    } catch (err) {
      problems.push(`expansion failed: ${(err as Error).message}`);
    }
    if (variableReferences(sql).some((r) => !r.name.startsWith('__')))
      problems.push('alert queries cannot use dashboard variables');
    await execute(run, q, 'single', sql, problems);
  }
}

export async function runHarness(o: HarnessOptions): Promise<HarnessReport> {
  const run: Run = { o, results: [] };
  const variables: HarnessReport['variables'] = {};
  for (const { file, content: d } of o.dashboards)
    variables[d.uid ?? basename(file)] = await runDashboard(run, file, d);
  for (const { file, content: g } of o.alertGroups ?? []) await runAlertGroup(run, file, g);
  return { results: run.results, failures: run.results.filter((r) => r.problems.length), variables };
}

// Alert rules ------------------------------------------------------------------------------------

/**
 * A rule's query as the server runs it when the rule is evaluated at `now`: no frontend (so
 * no dashboard variables), the macros over the query's relative time range.
 */
export function expandAlertQuery(rule: AlertRuleJson, refId: string, now: number): string {
  const data = rule.data.find((x) => x.refId === refId);
  if (!data?.model.rawSql) throw new Error(`rule ${rule.uid} has no SQL query ${refId}`);
  const rel = data.relativeTimeRange ?? { from: 600, to: 0 };
  const range = { from: new Date(now - rel.from * 1000), to: new Date(now - rel.to * 1000) };
  const intervalMs = Number(data.model.intervalMs ?? 1000);
  return expandPostgresQuery(data.model.rawSql, { range, interval: BigInt(intervalMs) * MS_NS }).sql;
}

const EXPRESSION_TYPES = new Set(['reduce', 'threshold', 'math', 'resample', 'classic_conditions', 'sql']);

/** The rule's expression chain: the condition exists and every expression reads an existing query. */
export function alertRuleProblems(rule: AlertRuleJson): string[] {
  const problems: string[] = [];
  const refs = new Set(rule.data.map((d) => d.refId));
  if (!refs.has(rule.condition))
    problems.push(`condition ${rule.condition} is not one of the rule's queries`);
  for (const d of rule.data) {
    if (d.datasourceUid !== '__expr__') continue;
    const type = String(d.model.type ?? '');
    if (!EXPRESSION_TYPES.has(type)) problems.push(`expression ${d.refId} has unknown type "${type}"`);
    const input = d.model.expression;
    if ((type === 'reduce' || type === 'threshold') && (typeof input !== 'string' || !refs.has(input)))
      problems.push(`expression ${d.refId} reads ${String(input)}, which is not a query of this rule`);
  }
  return problems;
}

export interface AlertInstance {
  labels: Record<string, string>;
  value: number | null;
  firing: boolean;
}

const REDUCERS: Record<string, (xs: number[]) => number | null> = {
  last: (xs) => xs.at(-1) ?? null,
  mean: (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null),
  max: (xs) => (xs.length ? Math.max(...xs) : null),
  min: (xs) => (xs.length ? Math.min(...xs) : null),
  sum: (xs) => xs.reduce((a, b) => a + b, 0),
  count: (xs) => xs.length,
};

/**
 * Evaluates a rule whose chain is query → reduce → threshold on the query's result, per label
 * set: enough to show that a rule fires when it should. Other expression types are not modelled.
 */
export function evaluateAlert(rule: AlertRuleJson, query: QueryResult): AlertInstance[] {
  const reduce = rule.data.find((d) => d.model.type === 'reduce');
  const threshold = rule.data.find((d) => d.model.type === 'threshold' && d.refId === rule.condition);
  if (!reduce || !threshold)
    throw new Error(`rule ${rule.uid}: only query → reduce → threshold is evaluated here`);
  const reducer = REDUCERS[String(reduce.model.reducer)];
  if (!reducer) throw new Error(`rule ${rule.uid}: reducer ${String(reduce.model.reducer)} is not modelled`);
  const evaluator = (threshold.model.conditions as { evaluator: { type: string; params: number[] } }[])[0]!
    .evaluator;
  const [a, b] = evaluator.params;
  const test = (x: number) =>
    evaluator.type === 'gt'
      ? x > a!
      : evaluator.type === 'lt'
        ? x < a!
        : evaluator.type === 'within_range'
          ? x > a! && x < b!
          : evaluator.type === 'outside_range'
            ? x < a! || x > b!
            : false;
  const valueIndex = query.columns.findIndex((c) => c.kind === 'number');
  const labelIndexes = query.columns.map((c, i) => (c.kind === 'string' ? i : -1)).filter((i) => i >= 0);
  const groups = new Map<string, { labels: Record<string, string>; values: number[] }>();
  for (const row of query.rows) {
    const labels = Object.fromEntries(labelIndexes.map((i) => [query.columns[i]!.name, String(row[i])]));
    const key = JSON.stringify(labels);
    const g = groups.get(key) ?? { labels, values: [] };
    const x = row[valueIndex];
    if (x !== null && x !== undefined && !Number.isNaN(Number(x))) g.values.push(Number(x)); // mode dropNN
    groups.set(key, g);
  }
  return [...groups.values()].map(({ labels, values }) => {
    const value = reducer(values);
    return { labels, value, firing: value !== null && test(value) };
  });
}

/** One paragraph per failure: where it is, what is wrong, and the SQL Grafana would have run. */
export function formatFailures(report: HarnessReport): string {
  return report.failures
    .map(
      (f) =>
        `✗ ${describeRef(f.query)} [${f.scenario} values] in ${f.query.file}\n` +
        f.problems.map((p) => `    - ${p}`).join('\n') +
        `\n    expanded SQL:\n${f.expandedSql.replace(/^/gm, '      ')}`,
    )
    .join('\n\n');
}
