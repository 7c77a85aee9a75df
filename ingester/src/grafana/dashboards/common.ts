/**
 * The shared pieces every engmetrics dashboard is built from. Dashboards are plain, typed
 * objects (types from @grafana/schema, the version of the Grafana we run) written out as the
 * classic dashboard JSON Grafana provisions; `npm run dashboards -w ingester` regenerates them.
 */
import type {
  Dashboard,
  DashboardLink,
  DataSourceRef,
  FieldConfigSource,
  Panel,
  RowPanel,
  ThresholdsConfig,
  VariableModel,
} from '@grafana/schema';

export const DATASOURCE: DataSourceRef = { type: 'grafana-postgresql-datasource', uid: 'engmetrics-pg' };
export const TAG = 'engmetrics';
/** The classic JSON model this Grafana writes (12.x); older files are migrated on load. */
export const SCHEMA_VERSION = 41;

/** `${name}` or `${name:format}`, so TypeScript template literals never swallow a `$`. */
export function ref(name: string, format?: string): string {
  return format ? '${' + name + ':' + format + '}' : '${' + name + '}';
}

/**
 * "column is one of the chosen values" for a multi-value/All variable. The format is explicit
 * because Grafana 12 releases quote a bare `$var` of such a variable differently (see
 * variables.ts); an array rather than IN (…) so that no value at all is an empty array that
 * matches nothing, not a syntax error. `type` is the column's (bigint for ids).
 */
export function inFilter(column: string, variable: string, type = 'text'): string {
  return `${column} = ANY(ARRAY[${ref(variable, 'sqlstring')}]::${type}[])`;
}

// Queries --------------------------------------------------------------------------------------

export type QueryFormat = 'time_series' | 'table';

// A type, not an interface: panel targets are typed as plain records.
export type SqlTarget = {
  refId: string;
  datasource: DataSourceRef;
  editorMode: 'code';
  format: QueryFormat;
  rawQuery: true;
  rawSql: string;
};

export function sqlTarget(rawSql: string, format: QueryFormat = 'table', refId = 'A'): SqlTarget {
  return {
    refId,
    datasource: DATASOURCE,
    editorMode: 'code',
    format,
    rawQuery: true,
    rawSql: dedent(rawSql),
  };
}

/** Queries are written indented in the code; Grafana's editor shows them flush left. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n+|\s+$/g, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

// Variables ------------------------------------------------------------------------------------

export interface QueryVariableOptions {
  name: string;
  label: string;
  description?: string;
  /** One column (value = text), or columns named __value and __text. */
  sql: string;
  multi?: boolean;
  includeAll?: boolean;
  /** A custom All value is inserted as written (never quoted); leave unset to send every value. */
  allValue?: string;
  /** `load`: when the dashboard opens; `time`: also when the time range changes. */
  refresh?: 'load' | 'time';
}

/** `definition` is what the variable editor shows; the 12.4 types omit it, the JSON model has it. */
export type Variable = VariableModel & { definition?: string };

export function queryVariable(o: QueryVariableOptions): Variable {
  const sql = dedent(o.sql);
  const v: Variable = {
    type: 'query',
    name: o.name,
    label: o.label,
    description: o.description,
    datasource: DATASOURCE,
    query: sql,
    definition: sql,
    refresh: o.refresh === 'time' ? 2 : 1,
    sort: 0,
    multi: o.multi ?? false,
    includeAll: o.includeAll ?? false,
    regex: '',
    hide: 0,
    skipUrlSync: false,
    options: [],
  };
  if (o.allValue !== undefined) v.allValue = o.allValue;
  if (o.includeAll) v.current = { selected: true, text: 'All', value: '$__all' };
  if (o.description === undefined) delete v.description;
  return v;
}

/**
 * The four dimensions every dashboard filters by. Their SQL comes from the metrics views (a
 * query returning one column, or __value and __text); `repo` and `sprint` usually filter on
 * the variable before them, e.g. `WHERE ${inFilter('team', 'team')}`.
 */
export type Dimension = 'team' | 'repo' | 'board' | 'sprint';
export const DIMENSIONS: Record<Dimension, Omit<QueryVariableOptions, 'name' | 'sql'>> = {
  team: { label: 'Team', multi: true, includeAll: true, refresh: 'load' },
  repo: { label: 'Repository', multi: true, includeAll: true, refresh: 'load' },
  board: { label: 'Board', multi: false, includeAll: false, refresh: 'load' },
  sprint: {
    label: 'Sprint',
    multi: false,
    includeAll: false,
    refresh: 'time',
    description: 'The newest sprint comes first: the active one, or the last closed',
  },
};

export function dimensionVariable(dimension: Dimension, sql: string): Variable {
  return queryVariable({ name: dimension, sql, ...DIMENSIONS[dimension] });
}

/** The SQL behind each dimension, from the metrics views; a dashboard names the ones it uses. */
export type DimensionQueries = Record<Dimension, string>;

/** The variables for the given dimensions, in the order they depend on each other. */
export function dimensionVariables(queries: Partial<DimensionQueries>): Variable[] {
  return (Object.keys(DIMENSIONS) as Dimension[])
    .filter((d) => queries[d] !== undefined)
    .map((d) => dimensionVariable(d, queries[d]!));
}

// Units, thresholds, colours -------------------------------------------------------------------

/** Grafana unit ids by what a number means. */
export const UNITS = {
  count: 'short',
  seconds: 's',
  hours: 'h',
  days: 'd',
  /** "2 hours, 5 minutes": ages and durations a person reads. */
  duration: 'dtdurations',
  /** 0–100. */
  percent: 'percent',
  /** 0–1. */
  ratio: 'percentunit',
  perDay: 'suffix:/day',
  perWeek: 'suffix:/week',
  timestamp: 'dateTimeAsIso',
  fromNow: 'dateTimeFromNow',
} as const;

export type Colour = string;

/** Absolute thresholds: `base` below the first step, then each colour from its value up. */
export function thresholds(base: Colour, ...steps: [number, Colour][]): ThresholdsConfig {
  return {
    mode: 'absolute' as ThresholdsConfig['mode'],
    steps: [
      { value: null as unknown as number, color: base },
      ...steps.map(([value, color]) => ({ value, color })),
    ],
  };
}

export const DORA_BAND_COLOURS = {
  elite: 'dark-green',
  high: 'green',
  medium: 'orange',
  low: 'red',
} as const;

/**
 * Band edges of the DORA performance clusters, in the unit noted. Edit here, and every tile,
 * threshold and legend follows.
 */
export const DORA_BANDS = {
  /** Deployments per day: daily or more is elite, weekly high, monthly medium. */
  deploymentFrequency: { higherIsBetter: true, unit: UNITS.perDay, edges: [1 / 30, 1 / 7, 1] },
  /** Hours from commit to production: under a day elite, a week high, a month medium. */
  leadTime: { higherIsBetter: false, unit: UNITS.hours, edges: [24, 168, 720] },
  /** Percent of deployments that needed remediation. */
  changeFailureRate: { higherIsBetter: false, unit: UNITS.percent, edges: [5, 10, 15] },
  /** Hours to restore service after a failed deployment: an hour, a day, a week. */
  timeToRestore: { higherIsBetter: false, unit: UNITS.hours, edges: [1, 24, 168] },
} as const;
export type DoraMetric = keyof typeof DORA_BANDS;

/** Thresholds that colour a DORA value by its band; `scale` converts the edges (e.g. 0.01 for ratios). */
export function doraThresholds(metric: DoraMetric, scale = 1): ThresholdsConfig {
  const { higherIsBetter, edges } = DORA_BANDS[metric];
  const [a, b, c] = edges.map((e) => e * scale) as [number, number, number];
  const { elite, high, medium, low } = DORA_BAND_COLOURS;
  return higherIsBetter
    ? thresholds(low, [a, medium], [b, high], [c, elite])
    : thresholds(elite, [a, high], [b, medium], [c, low]);
}

/** How old data may get before it is worth a look (amber) and before it is wrong to trust (red). */
export const FRESHNESS = { warnSeconds: 3 * 3600, staleSeconds: 6 * 3600 };

// Links ------------------------------------------------------------------------------------------

/**
 * The URL of another dashboard carrying the given variables and the time range. `:queryparam`
 * writes `var-team=a&var-team=b` for several values and `var-team=All` for All, which Grafana
 * reads back as the same selection; `${__url_time_range}` is `from=…&to=…`.
 */
export function dashboardUrl(
  uid: string,
  options: { vars?: string[]; keepTime?: boolean; values?: Record<string, string> } = {},
): string {
  const params = [
    ...(options.vars ?? []).map((v) => ref(v, 'queryparam')),
    ...Object.entries(options.values ?? {}).map(([k, v]) => `var-${k}=${v}`),
    ...(options.keepTime === false ? [] : [ref('__url_time_range')]),
  ];
  return `/d/${uid}${params.length ? '?' + params.join('&') : ''}`;
}

/** A cell's value in a data link, URL-encoded. */
export function fieldValue(field: string): string {
  return ref(`__data.fields.${field}`, 'percentencode');
}

/** A link in the shape the dashboard schema gives links (Grafana reads title, url, targetBlank). */
export function link(title: string, url: string, tooltip = ''): DashboardLink {
  return {
    title,
    type: 'link' as DashboardLink['type'],
    url,
    icon: 'dashboard',
    tooltip,
    tags: [],
    asDropdown: false,
    targetBlank: false,
    includeVars: false,
    keepTime: false,
  };
}

/** The dashboards menu every engmetrics dashboard shows, keeping variables and time. */
export const DASHBOARDS_MENU: DashboardLink = {
  title: 'Engineering metrics',
  type: 'dashboards' as DashboardLink['type'],
  icon: 'external link',
  tooltip: '',
  tags: [TAG],
  asDropdown: true,
  targetBlank: false,
  includeVars: true,
  keepTime: true,
};

// Panels -----------------------------------------------------------------------------------------

interface PanelBase {
  title: string;
  description?: string;
  sql: string;
  format?: QueryFormat;
  unit?: string;
  decimals?: number;
  thresholds?: ThresholdsConfig;
  noValue?: string;
  links?: DashboardLink[];
  min?: number;
  max?: number;
}

function fieldConfig(
  p: PanelBase,
  custom?: Record<string, unknown>,
  overrides: FieldConfigSource['overrides'] = [],
) {
  const defaults: FieldConfigSource['defaults'] = {};
  if (p.unit) defaults.unit = p.unit;
  if (p.decimals !== undefined) defaults.decimals = p.decimals;
  if (p.min !== undefined) defaults.min = p.min;
  if (p.max !== undefined) defaults.max = p.max;
  if (p.noValue) defaults.noValue = p.noValue;
  if (p.links) defaults.links = p.links;
  defaults.thresholds = p.thresholds ?? thresholds('green');
  defaults.color = { mode: p.thresholds ? 'thresholds' : 'palette-classic' } as NonNullable<
    FieldConfigSource['defaults']['color']
  >;
  if (custom) defaults.custom = custom;
  return { defaults, overrides };
}

function panel(
  type: string,
  p: PanelBase,
  format: QueryFormat,
  options: Record<string, unknown>,
  fc: FieldConfigSource,
): Panel {
  const out: Panel = {
    type,
    title: p.title,
    description: p.description,
    datasource: DATASOURCE,
    targets: [sqlTarget(p.sql, p.format ?? format)],
    fieldConfig: fc,
    options,
  };
  if (p.description === undefined) delete out.description;
  return out;
}

export interface StatOptions extends PanelBase {
  /** `value`: colour the number; `background`: colour the tile. */
  colorMode?: 'value' | 'background' | 'none';
  /** Show each row (true) rather than one reduced value per column. */
  eachRow?: boolean;
  graph?: boolean;
}

export function statPanel(p: StatOptions): Panel {
  return panel(
    'stat',
    p,
    'table',
    {
      reduceOptions: { values: p.eachRow ?? false, calcs: ['lastNotNull'], fields: '' },
      orientation: 'auto',
      textMode: 'auto',
      colorMode: p.colorMode ?? 'value',
      graphMode: p.graph ? 'area' : 'none',
      justifyMode: 'auto',
      wideLayout: true,
      showPercentChange: false,
    },
    fieldConfig(p),
  );
}

export interface TimeSeriesOptions extends PanelBase {
  style?: 'line' | 'bars';
  stacked?: boolean;
  legendCalcs?: string[];
}

export function timeSeriesPanel(p: TimeSeriesOptions): Panel {
  const bars = p.style === 'bars';
  return panel(
    'timeseries',
    p,
    'time_series',
    {
      legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: p.legendCalcs ?? [] },
      tooltip: { mode: 'multi', sort: 'desc' },
    },
    fieldConfig(p, {
      drawStyle: bars ? 'bars' : 'line',
      lineWidth: 1,
      fillOpacity: bars ? 80 : 10,
      showPoints: 'auto',
      spanNulls: false,
      stacking: { mode: p.stacked ? 'normal' : 'none', group: 'A' },
      axisSoftMin: 0,
    }),
  );
}

export interface TableColumn {
  /** The column's name in the query. */
  field: string;
  displayName?: string;
  unit?: string;
  width?: number;
  thresholds?: ThresholdsConfig;
  /** Colour the cell's background by the thresholds. */
  colour?: boolean;
  links?: DashboardLink[];
}

export interface TableOptions extends PanelBase {
  columns?: TableColumn[];
  sortBy?: { displayName: string; desc: boolean };
}

export function tablePanel(p: TableOptions): Panel {
  const overrides = (p.columns ?? []).map((c) => {
    const properties: { id: string; value: unknown }[] = [];
    if (c.displayName) properties.push({ id: 'displayName', value: c.displayName });
    if (c.unit) properties.push({ id: 'unit', value: c.unit });
    if (c.width) properties.push({ id: 'custom.width', value: c.width });
    if (c.thresholds) properties.push({ id: 'thresholds', value: c.thresholds });
    if (c.colour)
      properties.push({ id: 'custom.cellOptions', value: { type: 'color-background', mode: 'basic' } });
    if (c.links) properties.push({ id: 'links', value: c.links });
    return { matcher: { id: 'byName', options: c.field }, properties };
  });
  return panel(
    'table',
    p,
    'table',
    {
      showHeader: true,
      cellHeight: 'sm',
      footer: { show: false, reducer: ['sum'], countRows: false, fields: '' },
      sortBy: p.sortBy ? [p.sortBy] : [],
    },
    fieldConfig(p, { align: 'auto', cellOptions: { type: 'auto' }, filterable: false }, overrides),
  );
}

// Freshness ------------------------------------------------------------------------------------

export type Source = 'github' | 'jira' | 'metrics';
const SOURCE_NAMES: Record<Source, string> = { github: 'GitHub', jira: 'Jira', metrics: 'Metrics refresh' };

/**
 * "Data as of": time since the last successful sync of each source and the last refresh of
 * the metrics. Every dashboard opens with it, so nobody defends a number from a stalled sync.
 */
export function freshnessPanel(sources: Source[] = ['github', 'jira', 'metrics']): Panel {
  const columns = sources
    .map((s) => `  max(seconds_since_success) FILTER (WHERE source = '${s}') AS "${SOURCE_NAMES[s]}"`)
    .join(',\n');
  return statPanel({
    title: 'Data age',
    description:
      'Time since the last successful sync of each source, and since the metrics were last refreshed. ' +
      'Every number here is as of then; amber after 3 hours, red after 6.',
    sql: `SELECT\n${columns}\nFROM metrics.source_freshness`,
    unit: UNITS.duration,
    decimals: 1,
    noValue: 'never synced',
    colorMode: 'background',
    thresholds: thresholds('green', [FRESHNESS.warnSeconds, 'orange'], [FRESHNESS.staleSeconds, 'red']),
    links: [link('Ingestion health', dashboardUrl('engmetrics-ingestion'))],
  });
}

// Layout ---------------------------------------------------------------------------------------

export interface Placed {
  panel: Panel;
  w: number;
  h: number;
}
export const place = (panel: Panel, w: number, h: number): Placed => ({ panel, w, h });

export interface Row {
  /** No title: the panels go above any row. */
  title?: string;
  collapsed?: boolean;
  panels: Placed[];
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags?: string[];
  time?: { from: string; to: string };
  refresh?: string;
  variables?: VariableModel[];
  links?: DashboardLink[];
  /** The freshness header is added first unless the dashboard is about freshness itself. */
  freshness?: Source[] | false;
  rows: Row[];
}

/** Lays the panels out left to right, 24 columns wide, and assigns ids in order. */
export function dashboard(spec: DashboardSpec): Dashboard {
  let id = 0;
  let y = 0;
  const panels: (Panel | RowPanel)[] = [];
  const flow = (placed: Placed[], into: Panel[]) => {
    let x = 0;
    let rowHeight = 0;
    for (const p of placed) {
      if (x + p.w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      into.push({ ...p.panel, id: ++id, gridPos: { h: p.h, w: p.w, x, y } });
      x += p.w;
      rowHeight = Math.max(rowHeight, p.h);
    }
    y += rowHeight;
  };
  const rows =
    spec.freshness === false
      ? spec.rows
      : [{ panels: [place(freshnessPanel(spec.freshness), 24, 3)] }, ...spec.rows];
  for (const row of rows) {
    if (row.title === undefined) {
      flow(row.panels, panels as Panel[]);
      continue;
    }
    const header: RowPanel = {
      type: 'row',
      title: row.title,
      collapsed: !!row.collapsed,
      id: ++id,
      gridPos: { h: 1, w: 24, x: 0, y },
      panels: [],
    };
    panels.push(header);
    y += 1;
    if (row.collapsed) flow(row.panels, header.panels);
    else flow(row.panels, panels as Panel[]);
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: [TAG, ...(spec.tags ?? [])],
    timezone: 'browser',
    editable: false,
    graphTooltip: 1 as Dashboard['graphTooltip'],
    time: spec.time ?? { from: 'now-30d', to: 'now' },
    timepicker: {},
    fiscalYearStartMonth: 0,
    refresh: spec.refresh ?? '',
    schemaVersion: SCHEMA_VERSION,
    links: [DASHBOARDS_MENU, ...(spec.links ?? [])],
    annotations: { list: [] },
    templating: { list: spec.variables ?? [] },
    panels,
  };
}
