import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import ts from 'typescript';
import { allPanels, loadDashboards, type PanelJson } from '../support/grafana/harness.js';

/**
 * Every key a provisioned panel writes in `options` and `fieldConfig.defaults.custom` is one
 * that Grafana's panel types declare, in @grafana/schema of both release lines supported
 * (12.4.10 and 13.2.3): a key no type has is one Grafana drops on load (a table's
 * `options.footer`, say). The types are read with TypeScript's checker, inherited members
 * included.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DASHBOARDS = join(ROOT, 'provisioning/dashboards');
const PACKAGES = { '12.4': '@grafana/schema', '13.2': '@grafana/schema-13' } as const;
const PANEL_TYPES = ['timeseries', 'stat', 'table', 'barchart', 'piechart', 'text', 'bargauge', 'gauge'];

type Keys = Map<string, { options: Set<string>; custom: Set<string> }> & { files?: string[] };

/** The declared keys of each panel type's Options and FieldConfig in one @grafana/schema. */
function declaredKeys(pkg: string): Keys {
  const dir = mkdtempSync(join(tmpdir(), 'panel-options-'));
  const file = join(dir, 'probe.ts');
  const lines = PANEL_TYPES.flatMap((t) => [
    `import type * as ${t} from '${pkg}/dist/types/raw/composable/${t}/panelcfg/x/types.gen';`,
    `export type ${t}Options = ${t}.Options;`,
    `export type ${t}Custom = ${t === 'text' || t === 'stat' || t === 'gauge' || t === 'bargauge' ? '{}' : `${t}.FieldConfig`};`,
  ]);
  writeFileSync(file, lines.join('\n'));
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    baseUrl: ROOT,
    typeRoots: [],
    noEmit: true,
    // The panel types import `common` from '@grafana/schema': their own version's.
    paths: {
      '@grafana/schema': [join(ROOT, 'node_modules', pkg, 'dist/types/index.d.ts')],
      [`${pkg}/*`]: [join(ROOT, 'node_modules', pkg, '*')],
    },
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file)!;
  const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!);
  const keysOf = (name: string) => {
    const symbol = exported.find((s) => s.name === name)!;
    const type = checker.getDeclaredTypeOfSymbol(symbol);
    return new Set(checker.getPropertiesOfType(type).map((p) => p.name));
  };
  const keys: Keys = new Map(
    PANEL_TYPES.map((t) => [t, { options: keysOf(`${t}Options`), custom: keysOf(`${t}Custom`) }]),
  );
  keys.files = program.getSourceFiles().map((f) => f.fileName);
  rmSync(dir, { recursive: true, force: true });
  return keys;
}

/** The keys a panel writes that its type in `keys` does not declare. */
function undeclared(panel: PanelJson, keys: Keys): string[] {
  const declared = keys.get(panel.type ?? '');
  if (!declared) return [];
  const p = panel as PanelJson & { options?: object; fieldConfig?: { defaults?: { custom?: object } } };
  return [
    ...Object.keys(p.options ?? {})
      .filter((k) => !declared.options.has(k))
      .map((k) => `options.${k}`),
    ...Object.keys(p.fieldConfig?.defaults?.custom ?? {})
      .filter((k) => !declared.custom.has(k))
      .map((k) => `fieldConfig.defaults.custom.${k}`),
  ];
}

describe('panel options the provisioned dashboards write', () => {
  const keys = new Map<string, Keys>();
  beforeAll(() => {
    for (const [line, pkg] of Object.entries(PACKAGES)) keys.set(line, declaredKeys(pkg));
  }, 120_000);

  it('reads the panel types of both schema versions, each with its own common types', () => {
    for (const [line, k] of keys) {
      const own = PACKAGES[line as keyof typeof PACKAGES];
      const schemaFiles = k.files!.filter((f) => f.includes('/node_modules/@grafana/schema'));
      expect({ line, foreign: schemaFiles.filter((f) => !f.includes(`/node_modules/${own}/`)) }).toEqual({
        line,
        foreign: [],
      });
      expect({ line, table: k.get('table')!.options.has('showHeader') }).toEqual({ line, table: true });
      expect({ line, timeseries: k.get('timeseries')!.custom.has('lineWidth') }).toEqual({
        line,
        timeseries: true,
      });
    }
  });

  it.each(Object.keys(PACKAGES))('are all declared by @grafana/schema %s', (line) => {
    const problems = loadDashboards(DASHBOARDS).flatMap(({ file, content }) =>
      allPanels(content).flatMap((p) =>
        undeclared(p, keys.get(line)!).map((k) => `${file.split('/').pop()} › ${p.title} (${p.type}): ${k}`),
      ),
    );
    expect(problems).toEqual([]);
  });

  it('finds a key Grafana does not read, planted in a table', () => {
    const table = { type: 'table', title: 'Planted', options: { showHeader: true, footer: { show: false } } };
    for (const k of keys.values())
      expect(undeclared(table as unknown as PanelJson, k)).toEqual(['options.footer']);
  });
});
