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
  ValueMapping,
  VariableModel,
} from '@grafana/schema';

export const DATASOURCE: DataSourceRef = { type: 'grafana-postgresql-datasource', uid: 'engmetrics-pg' };
export const TAG = 'engmetrics';
/**
 * The classic JSON model Grafana 12.4 and 13 write (42: a field hidden from the chart is hidden
 * from its tooltip too); older files are migrated on load.
 */
export const SCHEMA_VERSION = 42;

/** `${name}` or `${name:format}`, so TypeScript template literals never swallow a `$`. */
export function ref(name: string, format?: string): string {
  return format ? '${' + name + ':' + format + '}' : '${' + name + '}';
}

/**
 * "column is one of the chosen values" for a multi-value/All variable. The format is explicit
 * because Grafana 12 releases quote a bare `$var` of such a variable differently (see
 * test/support/grafana/variables.ts); an array rather than IN (…) so that no value at all is
 * an empty array that matches nothing, not a syntax error. `type` is the column's (bigint for ids).
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
  /** Not shown: a value links and queries read (a sprint's dates, say). */
  hidden?: boolean;
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
    hide: (o.hidden ? 2 : 0) as Variable['hide'],
    skipUrlSync: false,
    options: [],
  };
  if (o.allValue !== undefined) v.allValue = o.allValue;
  if (o.includeAll) v.current = { selected: true, text: 'All', value: '$__all' };
  if (o.description === undefined) delete v.description;
  return v;
}

/**
 * The four dimensions the dashboards filter by, each from the metrics views. `team` is one
 * team or `*`, the whole organisation counted once (the team-keyed views have rows for `*`):
 * one value, so a team-keyed view is read as `team = ${team:sqlstring}`. `repo` narrows the
 * per-repository tables; `board` and `sprint` pick one sprint.
 */
export type Dimension = 'team' | 'repo' | 'board' | 'sprint';
export const DIMENSIONS: Record<Dimension, Omit<QueryVariableOptions, 'name' | 'sql'>> = {
  team: {
    label: 'Team',
    multi: false,
    includeAll: false,
    refresh: 'load',
    description: 'One team, or All teams: the whole organisation, each deployment and issue counted once',
  },
  repo: { label: 'Repository', multi: true, includeAll: true, refresh: 'load' },
  board: {
    label: 'Board',
    multi: false,
    includeAll: false,
    refresh: 'load',
    description: "The team's boards with sprints; the one with the latest active sprint comes first",
  },
  sprint: {
    label: 'Sprint',
    multi: false,
    includeAll: false,
    refresh: 'time',
    description:
      'Sprints of the board started in the time range, and the active one. The newest comes first: the active one, or the last closed',
  },
};

/** "The chosen team" on a team-keyed view; `*` rows are the whole organisation. */
/**
 * Buckets (days or weeks, by their UTC start in `column`) wholly inside the time range: a
 * bucket the range cuts short would count rows outside it. The bucket still running now is
 * kept, counting so far, so a range that ends now shows this week.
 */
export function bucketsInRange(column: 'day' | 'week'): string {
  const length = column === 'day' ? "interval '24 hours'" : "interval '168 hours'";
  return (
    `${column} >= $__timeFrom() AND ${column} < $__timeTo() ` +
    `AND (${column} + ${length} <= $__timeTo() OR ${column} + ${length} > now())`
  );
}

export function teamIs(column = 'team'): string {
  return `${column} = ${ref('team', 'sqlstring')}`;
}

/** A metrics summary function (`metrics.name(team, from, to)`) of the chosen team over the time range. */
export function teamSummary(name: string): string {
  return `metrics.${name}(${ref('team', 'sqlstring')}, $__timeFrom(), $__timeTo())`;
}

/**
 * "The chosen id" for a single-value variable holding a bigint id: compared as a bigint so
 * the view's index serves it, and an empty selection (no boards yet) matches nothing rather
 * than failing the cast.
 */
export function idIs(column: string, variable: string): string {
  return `${column} = nullif(${ref(variable, 'sqlstring')}, '')::bigint`;
}

/** The SQL behind each dimension, from the metrics views; a dashboard names the ones it uses. */
export type DimensionQueries = Record<Dimension, string>;

export const DIMENSION_QUERIES: DimensionQueries = {
  // All teams first, then the teams by name.
  team: `
    SELECT __value, __text FROM (
      SELECT '*' AS __value, 'All teams' AS __text, 0 AS rank
      UNION ALL
      SELECT team, team, 1 FROM metrics.teams
    ) t
    ORDER BY rank, __text`,
  // Every repository for the whole organisation (one mapped to no team too).
  repo: `
    SELECT repo FROM metrics.repos WHERE ${ref('team', 'sqlstring')} = '*'
    UNION
    SELECT repo FROM metrics.team_repos WHERE ${teamIs()}
    ORDER BY 1`,
  // Boards without sprints (kanban) have nothing to show here. The board of the team's latest
  // active sprint first, so a link carrying only team and sprint (the Slack summary's) lands
  // on the board that sprint is on.
  board: `
    SELECT s.board_id::text AS __value,
           coalesce(min(b.name), 'Board ' || s.board_id)
             || coalesce(' · ' || (SELECT string_agg(tb.team, ', ' ORDER BY tb.team)
                                     FROM metrics.team_boards tb
                                    WHERE tb.board_id = s.board_id), '') AS __text
      FROM metrics.sprints s
      LEFT JOIN metrics.boards b ON b.board_id = s.board_id
     WHERE ${ref('team', 'sqlstring')} = '*'
        OR s.board_id IN (SELECT board_id FROM metrics.team_boards WHERE ${teamIs()})
     GROUP BY s.board_id
     ORDER BY max(s.start_at) FILTER (WHERE s.state = 'active') DESC NULLS LAST,
              max(s.start_at) DESC NULLS LAST, s.board_id`,
  sprint: `
    SELECT sprint_id::text AS __value,
           name || CASE WHEN state = 'active' THEN ' (active)' ELSE '' END AS __text
      FROM metrics.sprints
     WHERE ${idIs('board_id', 'board')} AND state <> 'future' AND start_at IS NOT NULL
       AND (state = 'active' OR start_at >= $__timeFrom())
     ORDER BY state = 'active' DESC, start_at DESC, sprint_id DESC`,
};

export function dimensionVariable(dimension: Dimension, sql: string): Variable {
  return queryVariable({ name: dimension, sql, ...DIMENSIONS[dimension] });
}

/**
 * The variables for the given dimensions, in the order they depend on each other: the
 * standard queries unless a dashboard passes its own.
 */
/** The team picker, and the repository picker with what it narrows on this dashboard. */
export function teamAndRepoVariables(repoNarrows: string): Variable[] {
  return [
    dimensionVariable('team', DIMENSION_QUERIES.team),
    { ...dimensionVariable('repo', DIMENSION_QUERIES.repo), description: repoNarrows },
  ];
}

export function dimensionVariables(dimensions: Dimension[] | Partial<DimensionQueries>): Variable[] {
  const queries: Partial<DimensionQueries> = Array.isArray(dimensions)
    ? Object.fromEntries(dimensions.map((d) => [d, DIMENSION_QUERIES[d]]))
    : dimensions;
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
  /** Story points. */
  points: 'suffix: pts',
  timestamp: 'dateTimeAsIso',
  /** A date in the viewer's time zone, the time of day only when it is today. */
  localTime: 'dateTimeAsLocalNoDateIfToday',
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

export type DoraBand = 'elite' | 'high' | 'medium' | 'low';

export const DORA_BAND_COLOURS: Record<DoraBand, Colour> = {
  elite: 'dark-green',
  high: 'green',
  medium: 'orange',
  low: 'red',
};

/** One DORA metric's bands: its metrics.dora_bands rows, the unit its edges are in, and its edges. */
export interface DoraBandEdges {
  table: string;
  higherIsBetter: boolean;
  unit: string;
  edges: readonly [number, number, number];
}

/** `better`: which way along the edges the better bands lie. */
function bandEdges(
  table: string,
  unit: string,
  better: 'higher' | 'lower',
  edges: [number, number, number],
): DoraBandEdges {
  return { table, higherIsBetter: better === 'higher', unit, edges };
}

/**
 * The band edges of metrics.dora_bands (the DORA 2024 clusters), in the units the SQL bands
 * in: the table decides which band a value is in, these colour it. A value is in a band from
 * its lower edge up to (not including) its upper one, as a Grafana threshold step applies
 * from its value up. The harness test checks them against the table's rows.
 */
export const DORA_BANDS = {
  /** Deployments per week: daily or more is elite, weekly high, monthly medium. */
  deploymentFrequency: bandEdges('deployment_frequency', UNITS.perWeek, 'higher', [0.23, 1, 7]),
  /** Hours from first commit to production: a day, a week, a month. */
  leadTime: bandEdges('change_lead_time', UNITS.hours, 'lower', [24, 168, 720]),
  /** Percent of deployments that failed. */
  changeFailureRate: bandEdges('change_fail_rate', UNITS.percent, 'lower', [5, 10, 20]),
  /** Hours from a failed deployment to service restored: an hour, a day, a week. */
  recoveryTime: bandEdges('recovery_time', UNITS.hours, 'lower', [1, 24, 168]),
};
export type DoraMetric = keyof typeof DORA_BANDS;
/** The year of the DORA report the bands come from, as metrics.dora_bands says. */
export const DORA_BAND_YEAR = 2024;

/** Thresholds that colour a DORA value by its band; `scale` converts the edges (e.g. 0.01 for ratios). */
export function doraThresholds(metric: DoraMetric, scale = 1): ThresholdsConfig {
  const { higherIsBetter, edges } = DORA_BANDS[metric];
  const [a, b, c] = edges.map((e) => e * scale) as [number, number, number];
  const { elite, high, medium, low } = DORA_BAND_COLOURS;
  return higherIsBetter
    ? thresholds(low, [a, medium], [b, high], [c, elite])
    : thresholds(elite, [a, high], [b, medium], [c, low]);
}

/** The colour a threshold config gives a value (the last step at or below it). */
export function thresholdColour(config: ThresholdsConfig, value: number): Colour {
  let colour = config.steps[0]!.color;
  for (const step of config.steps.slice(1)) if (value >= (step.value ?? -Infinity)) colour = step.color;
  return colour;
}

/** NULL is "no data" (docs/metrics.md): said in words, and left uncoloured rather than taking a band's. */
export function noDataMapping(index = 0): ValueMapping {
  return {
    type: 'special' as ValueMapping['type'],
    options: { match: 'null+nan', result: { text: 'No data', color: 'transparent', index } },
  } as ValueMapping;
}

/** Exact values shown as other text and colours (`true` → "failed" in red, say). */
export function valueMapping(options: Record<string, { text?: string; color?: Colour }>): ValueMapping {
  return {
    type: 'value' as ValueMapping['type'],
    options: Object.fromEntries(Object.entries(options).map(([k, v], index) => [k, { ...v, index }])),
  } as ValueMapping;
}

/** How old data may get before it is worth a look (amber) and before it is wrong to trust (red). */
export const FRESHNESS = { warnSeconds: 3 * 3600, staleSeconds: 6 * 3600 };
/** A data age coloured by those limits. */
export const FRESHNESS_THRESHOLDS = thresholds(
  'green',
  [FRESHNESS.warnSeconds, 'orange'],
  [FRESHNESS.staleSeconds, 'red'],
);

// Links ------------------------------------------------------------------------------------------

/**
 * The URL of another dashboard carrying the given variables and the time range. `:queryparam`
 * writes `var-team=a&var-team=b` for several values and `var-team=All` for All, which Grafana
 * reads back as the same selection; `${__url_time_range}` is `from=…&to=…`.
 */
export function dashboardUrl(
  uid: string,
  options: {
    vars?: string[];
    keepTime?: boolean;
    values?: Record<string, string>;
    /** Other query parameters as written, e.g. viewPanel. */
    params?: Record<string, string>;
  } = {},
): string {
  const params = [
    ...(options.vars ?? []).map((v) => ref(v, 'queryparam')),
    ...Object.entries(options.values ?? {}).map(([k, v]) => `var-${k}=${v}`),
    ...(options.keepTime === false ? [] : [ref('__url_time_range')]),
    ...Object.entries(options.params ?? {}).map(([k, v]) => `${k}=${v}`),
  ];
  return `/d/${uid}${params.length ? '?' + params.join('&') : ''}`;
}

/**
 * Stands for the id of the panel with this title in the same dashboard: ids follow from the
 * layout, so `dashboard()` writes them in once it has laid the panels out.
 */
export function panelIdOf(uid: string, title: string): string {
  return `{{panel:${uid}:${title}}}`;
}
const PANEL_ID_REF = /\{\{panel:([^:}]+):([^}]+)\}\}/g;

/**
 * The URL that opens one panel of a dashboard on its own (`viewPanel`), one in a collapsed
 * row too. The panel must be on the dashboard the link is on.
 */
export function panelUrl(
  uid: string,
  title: string,
  options: Omit<NonNullable<Parameters<typeof dashboardUrl>[1]>, 'params'> = {},
): string {
  return dashboardUrl(uid, { ...options, params: { viewPanel: `panel-${panelIdOf(uid, title)}` } });
}

/** A cell's value in a data link, URL-encoded. */
export function fieldValue(field: string): string {
  return ref(`__data.fields.${field}`, 'percentencode');
}

/**
 * A panel link or a field's data link: Grafana's DataLink (`@grafana/data`), a title, a url
 * and targetBlank. (The classic schema types both as dashboard links, whose other keys
 * Grafana does not read there.)
 */
export interface PanelLink {
  title: string;
  url: string;
  targetBlank: boolean;
}

export function link(title: string, url: string): PanelLink {
  return { title, url, targetBlank: false };
}

/** Panel and field links as the classic schema's types take them. */
const asSchemaLinks = (links: PanelLink[]) => links as unknown as DashboardLink[];

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

/**
 * What one field (a column, a series) shows differently from the panel's defaults. `field`
 * is the column's name in the query, or a /regex/ over the names.
 */
export interface FieldSettings {
  field: string;
  displayName?: string;
  unit?: string;
  decimals?: number;
  thresholds?: ThresholdsConfig;
  /** Colour by the thresholds: a table cell's background, a series' line. */
  colour?: boolean;
  /** One colour for the field whatever its value (a series, say). */
  fixedColour?: Colour;
  mappings?: ValueMapping[];
  links?: PanelLink[];
  /** Table column width in pixels. */
  width?: number;
  /** Time series: a dashed line (an ideal, a target). */
  dashed?: boolean;
  /** Time series: drawn as bars or a line whatever the panel's style. */
  style?: 'line' | 'bars';
  /** Time series: on its own axis on the right (a rate beside counts). */
  rightAxis?: boolean;
  /** Table: not shown (a key a link reads). */
  hidden?: boolean;
}

interface PanelBase {
  title: string;
  description?: string;
  sql: string;
  format?: QueryFormat;
  unit?: string;
  decimals?: number;
  thresholds?: ThresholdsConfig;
  noValue?: string;
  links?: PanelLink[];
  mappings?: ValueMapping[];
  min?: number;
  max?: number;
  fields?: FieldSettings[];
  /** One colour for every field (when no thresholds say otherwise). */
  fixedColour?: Colour;
  /** Links in the panel's header, for the panel as a whole rather than a value in it. */
  panelLinks?: PanelLink[];
  /** Grafana transformations of the query's result, in order, before the panel reads it. */
  transformations?: Transformation[];
}

export interface Transformation {
  id: string;
  options: Record<string, unknown>;
}

/**
 * Grafana's "Rows to fields": each row becomes one field, named by `name` and holding `value`;
 * a `color` column of the row, where not NULL, fixes that field's colour over its thresholds
 * (the handlers of Grafana's field-to-config mapping).
 */
export function rowsToFields(name: string, value: string): Transformation {
  return {
    id: 'rowsToFields',
    options: {
      mappings: [
        { fieldName: name, handlerKey: 'field.name' },
        { fieldName: value, handlerKey: 'field.value' },
        { fieldName: 'color', handlerKey: 'color' },
      ],
    },
  };
}

type Override = FieldConfigSource['overrides'][number];

function overrideOf(f: FieldSettings, panelType: string): Override {
  const properties: { id: string; value: unknown }[] = [];
  const set = (id: string, value: unknown) => properties.push({ id, value });
  if (f.displayName) set('displayName', f.displayName);
  if (f.unit) set('unit', f.unit);
  if (f.decimals !== undefined) set('decimals', f.decimals);
  if (f.thresholds) set('thresholds', f.thresholds);
  if (f.mappings) set('mappings', f.mappings);
  if (f.fixedColour) set('color', { mode: 'fixed', fixedColor: f.fixedColour });
  else if (f.colour || f.mappings) set('color', { mode: 'thresholds' });
  // A mapped value brings its colour; anything unmapped (no band) stays uncoloured.
  if (f.mappings && !f.thresholds) set('thresholds', thresholds('transparent'));
  if (f.links) set('links', f.links);
  if (panelType === 'table') {
    if (f.width) set('custom.width', f.width);
    if (f.colour || f.mappings) set('custom.cellOptions', { type: 'color-background', mode: 'basic' });
    if (f.hidden) set('custom.hideFrom', { viz: true, legend: false, tooltip: true });
  }
  if (panelType === 'timeseries') {
    if (f.dashed) set('custom.lineStyle', { fill: 'dash', dash: [10, 10] });
    if (f.style) {
      set('custom.drawStyle', f.style);
      set('custom.fillOpacity', f.style === 'bars' ? 80 : 0);
    }
    if (f.rightAxis) set('custom.axisPlacement', 'right');
  }
  const regex = f.field.startsWith('/');
  return {
    matcher: { id: regex ? 'byRegexp' : 'byName', options: f.field },
    properties,
  } as Override;
}

function fieldConfig(p: PanelBase, panelType: string, custom?: Record<string, unknown>): FieldConfigSource {
  const defaults: FieldConfigSource['defaults'] = {};
  if (p.unit) defaults.unit = p.unit;
  if (p.decimals !== undefined) defaults.decimals = p.decimals;
  if (p.min !== undefined) defaults.min = p.min;
  if (p.max !== undefined) defaults.max = p.max;
  if (p.noValue) defaults.noValue = p.noValue;
  if (p.links) defaults.links = p.links;
  if (p.mappings) defaults.mappings = p.mappings;
  defaults.thresholds = p.thresholds ?? thresholds('green');
  defaults.color = (
    p.thresholds
      ? { mode: 'thresholds' }
      : p.fixedColour
        ? { mode: 'fixed', fixedColor: p.fixedColour }
        : { mode: 'palette-classic' }
  ) as NonNullable<FieldConfigSource['defaults']['color']>;
  if (custom) defaults.custom = custom;
  return { defaults, overrides: (p.fields ?? []).map((f) => overrideOf(f, panelType)) };
}

function panel(
  type: string,
  p: PanelBase,
  format: QueryFormat,
  options: Record<string, unknown>,
  custom?: Record<string, unknown>,
): Panel {
  const out: Panel = {
    type,
    title: p.title,
    description: p.description,
    datasource: DATASOURCE,
    targets: [sqlTarget(p.sql, p.format ?? format)],
    fieldConfig: fieldConfig(p, type, custom),
    options,
  };
  if (p.description === undefined) delete out.description;
  if (p.panelLinks) out.links = asSchemaLinks(p.panelLinks);
  if (p.transformations) out.transformations = p.transformations;
  return out;
}

export interface StatOptions extends PanelBase {
  /** `value`: colour the number; `background`: colour the tile. */
  colorMode?: 'value' | 'background' | 'none';
  /** Show each row (true) rather than one reduced value per column. */
  eachRow?: boolean;
  graph?: boolean;
  /** Text columns too (a band beside its value), not only the numbers. */
  withText?: boolean;
  /** `value_and_name` names each value: for tiles holding several. */
  textMode?: 'auto' | 'value' | 'value_and_name' | 'name';
  orientation?: 'auto' | 'horizontal' | 'vertical';
}

export function statPanel(p: StatOptions): Panel {
  return panel('stat', p, 'table', {
    reduceOptions: {
      values: p.eachRow ?? false,
      calcs: ['lastNotNull'],
      fields: p.withText ? '/.*/' : '',
    },
    orientation: p.orientation ?? 'auto',
    textMode: p.textMode ?? 'auto',
    colorMode: p.colorMode ?? 'value',
    graphMode: p.graph ? 'area' : 'none',
    justifyMode: 'auto',
    wideLayout: true,
    showPercentChange: false,
  });
}

/** A stat of several named figures; one that is missing says "No data" rather than nothing. */
export function figuresStat(p: Omit<StatOptions, 'textMode'>): Panel {
  return statPanel({ textMode: 'value_and_name', mappings: [noDataMapping()], ...p });
}

export interface TimeSeriesOptions extends PanelBase {
  style?: 'line' | 'bars';
  stacked?: boolean;
  legendCalcs?: string[];
  /** Draw the thresholds: dashed lines at each step (band edges, a target). */
  showThresholds?: boolean;
  /** Carry a line across missing points (weeks without data) instead of breaking it. */
  spanNulls?: boolean;
  /** Points join with steps (a count that holds until it changes). */
  stepped?: boolean;
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
    {
      drawStyle: bars ? 'bars' : 'line',
      lineWidth: 1,
      fillOpacity: bars ? 80 : 10,
      showPoints: 'auto',
      spanNulls: p.spanNulls ?? false,
      lineInterpolation: p.stepped ? 'stepAfter' : 'linear',
      stacking: { mode: p.stacked ? 'normal' : 'none', group: 'A' },
      axisSoftMin: 0,
      thresholdsStyle: { mode: p.showThresholds ? 'dashed' : 'off' },
    },
  );
}

export interface BarChartOptions extends PanelBase {
  /** The column along the x axis (text: a sprint's name). */
  xField: string;
  stacked?: boolean;
}

/** Bars per category (sprints, say), where a time axis would space them wrongly. */
export function barChartPanel(p: BarChartOptions): Panel {
  return panel(
    'barchart',
    p,
    'table',
    {
      xField: p.xField,
      orientation: 'vertical',
      stacking: p.stacked ? 'normal' : 'none',
      groupWidth: 0.7,
      barWidth: 0.9,
      showValue: 'auto',
      xTickLabelRotation: 0,
      xTickLabelSpacing: 0,
      legend: { showLegend: true, displayMode: 'list', placement: 'bottom', calcs: [] },
      tooltip: { mode: 'multi', sort: 'none' },
    },
    { fillOpacity: 80, lineWidth: 1, gradientMode: 'none', axisSoftMin: 0 },
  );
}

/** Shares of a whole, one slice per numeric column. */
export function pieChartPanel(p: PanelBase): Panel {
  return panel('piechart', p, 'table', {
    reduceOptions: { values: false, calcs: ['lastNotNull'], fields: '' },
    pieType: 'donut',
    displayLabels: ['percent'],
    legend: { showLegend: true, displayMode: 'table', placement: 'right', values: ['value', 'percent'] },
    tooltip: { mode: 'single', sort: 'none' },
  });
}

export interface TableOptions extends PanelBase {
  /** The columns, in the query's order, with how each is shown. */
  columns?: FieldSettings[];
  sortBy?: { displayName: string; desc: boolean };
}

export function tablePanel(p: TableOptions): Panel {
  return panel(
    'table',
    { ...p, fields: [...(p.columns ?? []), ...(p.fields ?? [])] },
    'table',
    {
      showHeader: true,
      cellHeight: 'sm',
      sortBy: p.sortBy ? [p.sortBy] : [],
    },
    { align: 'auto', cellOptions: { type: 'auto' }, filterable: false },
  );
}

/**
 * A panel of an app plugin that fetches its own data (no datasource query, so the harness has
 * nothing of it to run).
 */
export function pluginPanel(p: {
  type: string;
  title: string;
  description?: string;
  options: Record<string, unknown>;
}): Panel {
  const out: Panel = {
    type: p.type,
    title: p.title,
    description: p.description,
    fieldConfig: { defaults: {}, overrides: [] },
    options: p.options,
  };
  if (p.description === undefined) delete out.description;
  return out;
}

// Fields and series ----------------------------------------------------------------------------

/** How a number reads beyond its unit: its decimals, a table column's width, what colours it. */
export interface NumberStyle {
  decimals?: number;
  width?: number;
  /** Thresholds the value is coloured by: a limit, a band, a target. */
  colourBy?: ThresholdsConfig;
}

/** A field (a stat's figure, a table column) holding a number in `unit`. */
export function numberField(
  field: string,
  displayName: string,
  unit: string,
  { colourBy, ...style }: NumberStyle = {},
): FieldSettings {
  return { field, displayName, unit, ...style, ...(colourBy && { thresholds: colourBy, colour: true }) };
}

export const hoursField = (field: string, displayName: string, style?: NumberStyle) =>
  numberField(field, displayName, UNITS.hours, style);
export const daysField = (field: string, displayName: string, style?: NumberStyle) =>
  numberField(field, displayName, UNITS.days, style);
export const percentField = (field: string, displayName: string, style?: NumberStyle) =>
  numberField(field, displayName, UNITS.percent, style);

/** A table column of instants, shown as ISO dates and times. */
export function timestampColumn(field: string, displayName: string, width: number): FieldSettings {
  return { field, displayName, unit: UNITS.timestamp, width };
}

/**
 * A pull request's key, opening it on GitHub. The query must also select `url`, which
 * URL_COLUMN hides.
 */
export function pullRequestColumn(width: number): FieldSettings {
  return {
    field: 'pr_key',
    displayName: 'Pull request',
    width,
    links: [link('Open on GitHub', ref('__data.fields.url'))],
  };
}
export const URL_COLUMN: FieldSettings = { field: 'url', hidden: true };

/**
 * One series of a chart: the query's column, the name the chart shows it by, its colour, and
 * how else it is drawn. The query's alias and the field's name come from one place, so they
 * cannot drift apart.
 */
export type Series = [
  column: string,
  name: string,
  colour: Colour,
  drawn?: Omit<FieldSettings, 'field' | 'fixedColour'>,
];

/** The SELECT list of the series: `column AS "name"`, in order. */
export function seriesColumns(series: Series[]): string {
  return series.map(([column, name]) => `${column} AS "${name}"`).join(', ');
}

export function seriesFields(series: Series[]): FieldSettings[] {
  return series.map(([, field, fixedColour, drawn]) => ({ field, fixedColour, ...drawn }));
}

// Weekly charts --------------------------------------------------------------------------------

/**
 * Weekly rollups of the chosen team from a metrics view with a row per team and week, the
 * weeks wholly inside the range and this one; `where` adds `AND …` conditions.
 */
function weeklyRollup(view: string, columns: string, where = ''): string {
  return `
    SELECT week AS time, ${columns}
      FROM metrics.${view}
     WHERE ${teamIs()} AND ${bucketsInRange('week')}${where}
     ORDER BY 1`;
}

/** What bucketsInRange leaves out, said on every weekly chart so a short week is not misread. */
const WEEKS_NOTE = 'Weeks the time range cuts short are left out; this week counts so far.';

export interface WeeklyOptions extends Omit<TimeSeriesOptions, 'sql' | 'fields'> {
  description: string;
  view: string;
  series: Series[];
  where?: string;
}

/** A time series of a team's weeks: one line or bar per series, each in its own colour. */
export function weeklyPanel({ view, series, where, ...p }: WeeklyOptions): Panel {
  return timeSeriesPanel({
    ...p,
    description: `${p.description} ${WEEKS_NOTE}`,
    sql: weeklyRollup(view, seriesColumns(series), where),
    fields: seriesFields(series),
  });
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
    thresholds: FRESHNESS_THRESHOLDS,
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

/**
 * Panels of one height side by side across the grid's 24 columns, as evenly as whole columns
 * allow: five are 5, 5, 5, 5 and 4 wide.
 */
export function sideBySide(h: number, ...panels: Panel[]): Placed[] {
  let free = 24;
  return panels.map((panel, i) => {
    const w = Math.ceil(free / (panels.length - i));
    free -= w;
    return place(panel, w, h);
  });
}

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

/**
 * Lays the panels out as Grafana's grid does: each goes where it sits highest, leftmost on a
 * tie, 24 columns wide (so a short panel beside a tall one has the next one under it), and
 * gets its id in order. Then `panelIdOf` references become those ids.
 */
export function dashboard(spec: DashboardSpec): Dashboard {
  let id = 0;
  let y = 0;
  const panels: (Panel | RowPanel)[] = [];
  const flow = (placed: Placed[], into: Panel[]) => {
    const sky = new Array<number>(24).fill(y);
    for (const p of placed) {
      if (p.w > 24) throw new Error(`panel "${p.panel.title}" is wider than the grid`);
      let best = { x: 0, y: Infinity };
      for (let x = 0; x + p.w <= 24; x++) {
        const top = Math.max(...sky.slice(x, x + p.w));
        if (top < best.y) best = { x, y: top };
      }
      into.push({ ...p.panel, id: ++id, gridPos: { h: p.h, w: p.w, x: best.x, y: best.y } });
      for (let x = best.x; x < best.x + p.w; x++) sky[x] = best.y + p.h;
    }
    y = Math.max(...sky);
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
    panels: resolvePanelIds(spec.uid, panels),
  };
}

/**
 * A delivery dashboard (DORA, flow): a quarter of one team's work, refreshed hourly, by team
 * and repository; `repoNarrows` says which panels the repository choice narrows.
 */
export function deliveryDashboard({
  repoNarrows,
  tags = [],
  ...spec
}: Omit<DashboardSpec, 'time' | 'refresh' | 'variables'> & { repoNarrows: string }): Dashboard {
  return dashboard({
    ...spec,
    tags: [...tags, 'delivery'],
    time: { from: 'now-90d', to: 'now' },
    refresh: '1h',
    variables: teamAndRepoVariables(repoNarrows),
  });
}

function resolvePanelIds(uid: string, panels: (Panel | RowPanel)[]): (Panel | RowPanel)[] {
  const ids = new Map<string, number>();
  const walk = (ps: (Panel | RowPanel)[]) => {
    for (const p of ps) {
      if (p.type !== 'row' && p.title) {
        if (ids.has(p.title)) throw new Error(`two panels are titled "${p.title}" on ${uid}`);
        ids.set(p.title, p.id!);
      }
      walk(((p as RowPanel).panels ?? []) as (Panel | RowPanel)[]);
    }
  };
  walk(panels);
  const json = JSON.stringify(panels).replace(PANEL_ID_REF, (_m, linkUid: string, title: string) => {
    if (linkUid !== uid) throw new Error(`a link on ${uid} names panel "${title}" of ${linkUid}`);
    const found = ids.get(title);
    if (found === undefined) throw new Error(`a link on ${uid} names panel "${title}", which it has not`);
    return String(found);
  });
  return JSON.parse(json) as (Panel | RowPanel)[];
}

/** Hours an item spent blocked (blocked status or flagged), orange from the first hour. */
export const BLOCKED_HOURS_COLUMN = hoursField('blocked_h', 'Blocked', {
  decimals: 0,
  width: 100,
  colourBy: thresholds('transparent', [1, 'orange']),
});

/**
 * What a dashboard's figures rest on, from one of the evidence functions (metrics.dora_evidence,
 * metrics.flow_evidence): for each figure its rows, confidence, why it is empty or thin, the
 * setting to look at, and when its source was last synced.
 */
export function evidenceTable(p: {
  title: string;
  /** What a row is: `tile`, `figure`. */
  what: string;
  /** When confidence is low, in words. */
  lowWhen: string;
  /** The evidence function's call, e.g. teamSummary('dora_evidence'). */
  source: string;
  /** The metrics of the function's to show, each with its name on the dashboard. */
  labels: Record<string, string>;
}): Panel {
  const label = Object.entries(p.labels)
    .map(([metric, name]) => `WHEN '${metric}' THEN '${name}'`)
    .join(' ');
  return tablePanel({
    title: p.title,
    description:
      `For each ${p.what}: how many rows it is computed from, whether that is enough (low confidence: ${p.lowWhen}), ` +
      `why a ${p.what} is empty or thin, and the setting to look at. Definitions: docs/metrics.md, "Evidence".`,
    sql: `
      SELECT CASE e.metric ${label} END AS figure,
             e.rows, e.confidence, e.reason, e.setting, (e.detail ->> 'dataAsOf')::timestamptz AS data_as_of
        FROM ${p.source} e
       WHERE e.metric IN (${Object.keys(p.labels)
         .map((m) => `'${m}'`)
         .join(', ')})`,
    mappings: [noDataMapping()],
    columns: [
      { field: 'figure', displayName: p.what[0]!.toUpperCase() + p.what.slice(1), width: 180 },
      { field: 'rows', displayName: 'Rows', unit: UNITS.count, width: 80 },
      {
        field: 'confidence',
        displayName: 'Confidence',
        width: 120,
        mappings: [
          valueMapping({
            ok: { text: 'OK' },
            low: { text: 'Low', color: 'orange' },
            none: { text: 'No figure', color: 'red' },
          }),
        ],
      },
      { field: 'reason', displayName: 'Why' },
      { field: 'setting', displayName: 'Setting to look at', width: 320 },
      { field: 'data_as_of', displayName: 'Source synced', unit: UNITS.localTime, width: 160 },
    ],
  });
}
