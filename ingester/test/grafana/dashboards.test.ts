import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import type { Panel, RowPanel } from '@grafana/schema';
import {
  DATASOURCE,
  DORA_BAND_COLOURS,
  dashboard,
  dashboardUrl,
  dimensionVariables,
  doraThresholds,
  fieldValue,
  inFilter,
  link,
  panelUrl,
  place,
  ref,
  statPanel,
  thresholdColour,
} from '../../src/grafana/dashboards/common.js';
import { DASHBOARDS_DIR, dashboardDrift } from '../../src/grafana/dashboards/generate.js';
import { allDashboards } from '../../src/grafana/dashboards/index.js';
import { allPanels, loadDashboards, type DashboardJson, type PanelJson } from '../support/grafana/harness.js';
import { interpolate } from '../support/grafana/variables.js';

const SCHEMAS = fileURLToPath(new URL('./schemas/', import.meta.url));

describe('provisioned dashboards', () => {
  it('are exactly what the code generates (run `npm run dashboards -w ingester` after a change)', () => {
    expect(dashboardDrift()).toEqual([]);
  });

  it('validate against the dashboard JSON schema', () => {
    const schemaFile = `${SCHEMAS}/grafana-dashboard.jsonschema.json`;
    const schema = JSON.parse(readFileSync(schemaFile, 'utf8')) as {
      definitions: Record<string, { properties: Record<string, unknown> }>;
    };
    // The schema renders two `any` fields of Grafana's model (`options?: unknown` and
    // `value?: unknown` in @grafana/schema) as objects, yet a byName matcher's options is the
    // field name and an override's value is often a string: those two accept anything here.
    schema.definitions.MatcherConfig!.properties.options = {};
    schema.definitions.DynamicConfigValue!.properties.value = {};
    // Panel links and a field's links are Grafana's DataLink (@grafana/data: title, url,
    // targetBlank, oneClick for a provisioned link); the schema renders them as dashboard
    // links, whose other keys Grafana does not read there: they are held to DataLink's.
    const dataLink = {
      type: 'object',
      required: ['title', 'url'],
      properties: {
        title: { type: 'string' },
        url: { type: 'string' },
        targetBlank: { type: 'boolean' },
        oneClick: { type: 'boolean' },
      },
      additionalProperties: false,
    };
    for (const def of ['Panel', 'FieldConfig'])
      schema.definitions[def]!.properties.links = { type: 'array', items: dataLink };
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const validate = ajv.compile(schema);
    const dashboards = loadDashboards(DASHBOARDS_DIR);
    expect(dashboards.length).toBe(Object.keys(allDashboards()).length);
    for (const { file, content } of dashboards) {
      const ok = validate(content);
      if (!ok) throw new Error(`${file}:\n${ajv.errorsText(validate.errors, { separator: '\n' })}`);
    }
  });

  it('have unique uids and panel titles, query only the engmetrics datasource, and say how fresh their data is', () => {
    const dashboards = loadDashboards(DASHBOARDS_DIR).map((d) => d.content);
    expect(new Set(dashboards.map((d) => d.uid)).size).toBe(dashboards.length);
    for (const d of dashboards) {
      const panels = allPanels(d).filter((p) => p.type !== 'row');
      const titles = panels.map((p) => p.title);
      expect({ uid: d.uid, duplicates: titles.filter((t, i) => titles.indexOf(t) !== i) }).toEqual({
        uid: d.uid,
        duplicates: [],
      });
      for (const p of panels)
        for (const t of p.targets ?? []) expect(t.datasource ?? p.datasource).toEqual(DATASOURCE);
      expect(
        panels.some((p) => (p.targets ?? []).some((t) => /metrics\.source_freshness/.test(t.rawSql ?? ''))),
      ).toBe(true);
    }
  });

  it("give the Sprint Health panel the plugin's id and every option it has, reading $team and $sprint", () => {
    const plugin = fileURLToPath(new URL('../../../plugin/src/panels/sprint-health/', import.meta.url));
    const { id } = JSON.parse(readFileSync(`${plugin}plugin.json`, 'utf8')) as { id: string };
    const types = readFileSync(`${plugin}types.ts`, 'utf8');
    const defaults = /export const defaultOptions: SprintHealthOptions = \{([^}]*)\}/.exec(types)![1]!;
    const optionNames = [...defaults.matchAll(/^\s*(\w+):/gm)].map((m) => m[1]).sort();

    const sprint = loadDashboards(DASHBOARDS_DIR).find((d) => d.content.uid === 'engmetrics-sprint-health')!;
    const panels = allPanels(sprint.content).filter((p) => p.type === id) as (PanelJson & {
      options: Record<string, unknown>;
    })[];
    expect(panels).toHaveLength(1);
    expect(Object.keys(panels[0]!.options).sort()).toEqual(optionNames);
    expect(panels[0]!.options).toMatchObject({ team: '${team}', sprint: '${sprint}' });
    expect(panels[0]!.targets).toBeUndefined();
    const variables = (sprint.content.templating?.list ?? []).map((v) => v.name);
    expect(variables).toEqual(expect.arrayContaining(['team', 'sprint']));
  });

  it('are written in schemaVersion 42, as Grafana 12.4 and 13 write them: hidden from the chart is hidden from the tooltip, and no table footer key', () => {
    const dashboards = loadDashboards(DASHBOARDS_DIR);
    for (const { file, content } of dashboards) {
      expect({ file, schemaVersion: (content as { schemaVersion?: number }).schemaVersion }).toEqual({
        file,
        schemaVersion: 42,
      });
      for (const panel of allPanels(content)) {
        const text = JSON.stringify(panel);
        // Migration 42 sets hideFrom.tooltip wherever hideFrom.viz is set.
        for (const m of text.matchAll(/"hideFrom":\{([^}]*)\}/g))
          if (/"viz":true/.test(m[1]!))
            expect({ file, panel: panel.title, hideFrom: m[1] }).toEqual({
              file,
              panel: panel.title,
              hideFrom: expect.stringContaining('"tooltip":true'),
            });
        // No table options type of @grafana/schema 12.4 or 13.2 has `footer`: Grafana drops it.
        expect({
          file,
          panel: panel.title,
          footer: (panel as { options?: { footer?: unknown } }).options?.footer,
        }).toEqual({
          file,
          panel: panel.title,
          footer: undefined,
        });
      }
    }
  });

  it('lay panels out on the 24-column grid without overlaps', () => {
    for (const { content: d } of loadDashboards(DASHBOARDS_DIR)) {
      const cells = new Set<string>();
      for (const p of (
        d as DashboardJson & { panels: { gridPos: { x: number; y: number; w: number; h: number } }[] }
      ).panels) {
        const g = p.gridPos;
        expect(g.x + g.w).toBeLessThanOrEqual(24);
        for (let x = g.x; x < g.x + g.w; x++)
          for (let y = g.y; y < g.y + g.h; y++) {
            expect(cells.has(`${x},${y}`)).toBe(false);
            cells.add(`${x},${y}`);
          }
      }
    }
  });
});

describe('dashboard building blocks', () => {
  it('write variable references that survive TypeScript and come out as Grafana expects', () => {
    expect(ref('team')).toBe('${team}');
    expect(ref('team', 'sqlstring')).toBe('${team:sqlstring}');
    expect(inFilter('t.team', 'team')).toBe('t.team = ANY(ARRAY[${team:sqlstring}]::text[])');
    expect(inFilter('board_id', 'board', 'bigint')).toBe(
      'board_id = ANY(ARRAY[${board:sqlstring}]::bigint[])',
    );
  });

  it('link to another dashboard with the chosen values and the time range', () => {
    const url = dashboardUrl('engmetrics-dora', { vars: ['team', 'repo'] });
    expect(url).toBe('/d/engmetrics-dora?${team:queryparam}&${repo:queryparam}&${__url_time_range}');
    const variables = {
      team: { name: 'team', multi: true, includeAll: true, value: ['payments', 'core & platform'] },
      repo: { name: 'repo', multi: true, includeAll: true, value: { customAll: '__all' } },
      __url_time_range: { name: '__url_time_range', value: 'from=now-30d&to=now' },
    };
    // :queryparam ignores a formatted value's quotes; an All value travels as "All".
    expect(interpolate(url, { variables, format: 'raw' })).toBe(
      '/d/engmetrics-dora?var-team=payments&var-team=core%20%26%20platform&var-repo=All&from=now-30d&to=now',
    );
    expect(dashboardUrl('engmetrics-flow', { values: { repo: fieldValue('repo') }, keepTime: false })).toBe(
      '/d/engmetrics-flow?var-repo=${__data.fields.repo:percentencode}',
    );
  });

  it('colour DORA values by band, whichever way is better', () => {
    expect(doraThresholds('leadTime').steps.map((s) => [s.value, s.color])).toEqual([
      [null, 'dark-green'],
      [24, 'green'],
      [168, 'orange'],
      [720, 'red'],
    ]);
    expect(doraThresholds('deploymentFrequency').steps.map((s) => s.color)).toEqual([
      'red',
      'orange',
      'green',
      'dark-green',
    ]);
    expect(doraThresholds('changeFailureRate', 0.01).steps.map((s) => s.value)).toEqual([
      null,
      0.05,
      0.1,
      0.2,
    ]);
  });

  it('open every dashboard with the data-age header and number panels in layout order', () => {
    const d = dashboard({
      uid: 'example',
      title: 'Example',
      description: 'A dashboard as the metric dashboards will be written',
      variables: dimensionVariables({
        repo: `SELECT repo FROM metrics.team_repos WHERE ${inFilter('team', 'team')} ORDER BY 1`,
        team: 'SELECT team FROM metrics.teams ORDER BY 1',
      }),
      rows: [
        {
          title: 'Throughput',
          panels: [place(statPanel({ title: 'Deployments', sql: 'SELECT 1 AS n' }), 6, 4)],
        },
        {
          title: 'Details',
          collapsed: true,
          panels: [place(statPanel({ title: 'Hidden', sql: 'SELECT 2 AS n' }), 6, 4)],
        },
      ],
    });
    const panels = d.panels as {
      id: number;
      type: string;
      title: string;
      panels?: { id: number; title: string }[];
    }[];
    expect(panels.map((p) => [p.id, p.type, p.title])).toEqual([
      [1, 'stat', 'Data age'],
      [2, 'row', 'Throughput'],
      [3, 'stat', 'Deployments'],
      [4, 'row', 'Details'],
    ]);
    expect(panels[3]!.panels!.map((p) => [p.id, p.title])).toEqual([[5, 'Hidden']]);
    const variables = d.templating!.list!;
    expect(variables.map((v) => [v.name, v.multi, v.includeAll, v.current?.value])).toEqual([
      ['team', false, false, undefined],
      ['repo', true, true, '$__all'],
    ]);
  });

  it('put a short panel beside a tall one and the next under the short one, as Grafana floats them up', () => {
    const stat = (title: string) => statPanel({ title, sql: 'SELECT 1 AS n' });
    const d = dashboard({
      uid: 'layout',
      title: 'Layout',
      description: 'A tall panel, two beside it, one under all',
      freshness: false,
      rows: [
        {
          panels: [
            place(stat('Tall'), 8, 14),
            place(stat('Short'), 16, 5),
            place(stat('Under short'), 16, 9),
            place(stat('Under all'), 12, 4),
          ],
        },
      ],
    });
    expect((d.panels as { title: string; gridPos: object }[]).map((p) => [p.title, p.gridPos])).toEqual([
      ['Tall', { x: 0, y: 0, w: 8, h: 14 }],
      ['Short', { x: 8, y: 0, w: 16, h: 5 }],
      ['Under short', { x: 8, y: 5, w: 16, h: 9 }],
      ['Under all', { x: 0, y: 14, w: 12, h: 4 }],
    ]);
  });

  it('link a panel to another of the same dashboard by title, with the id the layout gave it', () => {
    const withLink = (target: string, uid = 'links') =>
      dashboard({
        uid: 'links',
        title: 'Links',
        description: 'A tile linking to a table in a collapsed row',
        freshness: false,
        rows: [
          {
            panels: [
              place(
                statPanel({
                  title: 'Tile',
                  sql: 'SELECT 1 AS n',
                  links: [link('Rows', panelUrl(uid, target, { vars: ['team'] }))],
                }),
                6,
                4,
              ),
            ],
          },
          {
            title: 'Drill-down',
            collapsed: true,
            panels: [place(statPanel({ title: 'Table', sql: 'SELECT 2 AS n' }), 24, 8)],
          },
        ],
      });
    const d = withLink('Table');
    const tile = (d.panels as Panel[])[0]!;
    expect((tile.fieldConfig!.defaults.links as { url: string }[])[0]!.url).toBe(
      '/d/links?${team:queryparam}&${__url_time_range}&viewPanel=panel-3',
    );
    expect(((d.panels as RowPanel[])[1]!.panels[0] as Panel).id).toBe(3);
    expect(() => withLink('Nothing')).toThrow('names panel "Nothing", which it has not');
    expect(() => withLink('Table', 'elsewhere')).toThrow('names panel "Table" of elsewhere');
  });

  it('colour a DORA value by the band SQL names for it', () => {
    expect(thresholdColour(doraThresholds('leadTime'), 23.9)).toBe(DORA_BAND_COLOURS.elite);
    expect(thresholdColour(doraThresholds('leadTime'), 24)).toBe(DORA_BAND_COLOURS.high);
    expect(thresholdColour(doraThresholds('deploymentFrequency'), 7)).toBe(DORA_BAND_COLOURS.elite);
  });
});
