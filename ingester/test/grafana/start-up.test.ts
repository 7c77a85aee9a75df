import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';

/**
 * Grafana's first start, checked the way its documented start-up reads provisioning/ and the
 * installed plugin (no Grafana server runs here). Each rule cites the page it checks.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROVISIONING = join(ROOT, 'provisioning');
const DIST = join(ROOT, 'plugin/dist');

type Doc = Record<string, unknown>;
interface Tree {
  datasources: Doc[];
  providers: Doc[];
  alerting: Doc[];
  apps: Doc[];
  /** The generated dashboards, by file name. */
  dashboards: Record<string, Doc>;
  /** plugin/Dockerfile: the image compose runs. */
  dockerfile: string;
  /** The plugin folder Grafana loads (plugin/dist, installed as the app's id). */
  dist: string;
}

const yamlDocs = (dir: string): Doc[] =>
  readdirSync(join(PROVISIONING, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => parseYaml(readFileSync(join(PROVISIONING, dir, f), 'utf8')) as Doc);

function provisionedTree(): Tree {
  return {
    datasources: yamlDocs('datasources'),
    providers: yamlDocs('dashboards'),
    alerting: yamlDocs('alerting'),
    apps: yamlDocs('plugins'),
    dashboards: Object.fromEntries(
      readdirSync(join(PROVISIONING, 'dashboards'))
        .filter((f) => f.endsWith('.json'))
        .map((f) => [f, JSON.parse(readFileSync(join(PROVISIONING, 'dashboards', f), 'utf8')) as Doc]),
    ),
    dockerfile: readFileSync(join(ROOT, 'plugin/Dockerfile'), 'utf8'),
    dist: DIST,
  };
}

/**
 * The Grafana lines this project supports: the oldest release of each must satisfy the plugin's
 * grafanaDependency, and the compose image's default must be one of them. What a line reads
 * differently is checked in lineProblems.
 */
const SUPPORTED_LINES = [
  { line: '12.4', oldest: [12, 4, 0] },
  { line: '13.2', oldest: [13, 2, 0] },
];

const versionOf = (text: string) => text.split('.').map(Number);
const atLeast = (v: number[], min: number[]) => {
  for (let i = 0; i < 3; i++) if ((v[i] ?? 0) !== (min[i] ?? 0)) return (v[i] ?? 0) > (min[i] ?? 0);
  return true;
};

/** What would stop one of the supported Grafana lines from loading the tree as the other does. */
function lineProblems(tree: Tree): string[] {
  const problems: string[] = [];
  // https://grafana.com/developers/plugin-tools/reference/plugin-json#dependencies: a range Grafana
  // checks before loading the plugin. Only the `>=x.y.z` form is written here.
  const manifest = join(tree.dist, 'plugin.json');
  if (existsSync(manifest)) {
    const manifests = [
      manifest,
      ...readdirSync(join(tree.dist, 'panels')).map((d) => join(tree.dist, 'panels', d, 'plugin.json')),
    ];
    for (const file of manifests) {
      const meta = JSON.parse(readFileSync(file, 'utf8')) as {
        id: string;
        dependencies: { grafanaDependency: string };
      };
      const range = /^>=(\d+\.\d+\.\d+)$/.exec(meta.dependencies.grafanaDependency);
      if (!range) {
        problems.push(
          `${meta.id}: grafanaDependency "${meta.dependencies.grafanaDependency}" is not of the form >=x.y.z`,
        );
        continue;
      }
      for (const { line, oldest } of SUPPORTED_LINES)
        if (!atLeast(oldest, versionOf(range[1]!)))
          problems.push(`${meta.id}: grafanaDependency ${range[0]} refuses Grafana ${line}`);
    }
  }
  const image = /^ARG GRAFANA_VERSION=(\S+)$/m.exec(tree.dockerfile)?.[1] ?? '';
  if (!SUPPORTED_LINES.some(({ line }) => image.startsWith(`${line}.`)))
    problems.push(
      `plugin/Dockerfile builds on Grafana ${image || '(no GRAFANA_VERSION)'}, not a supported line`,
    );
  // Grafana 13 removed the grafana-cli and grafana-server binaries; `grafana cli` and
  // `grafana server` work on both lines (https://grafana.com/docs/grafana/latest/breaking-changes/).
  if (/\bgrafana-(cli|server)\b/.test(tree.dockerfile))
    problems.push('plugin/Dockerfile runs grafana-cli or grafana-server, which Grafana 13 no longer has');
  // File provisioning takes classic dashboard JSON on both lines; 13 takes v2 only as a
  // Kubernetes-style resource, which 12.4 does not read at all
  // (https://grafana.com/docs/grafana/latest/administration/provisioning/#dashboards). Both write
  // schemaVersion 42 (https://grafana.com/docs/grafana/latest/dashboards/build-dashboards/view-dashboard-json-model/).
  for (const [file, dashboard] of Object.entries(tree.dashboards)) {
    if ('apiVersion' in dashboard || 'spec' in dashboard)
      problems.push(`${file}: a v2 resource, which 12.4 cannot provision; write classic JSON`);
    else if (dashboard.schemaVersion !== 42)
      problems.push(`${file}: schemaVersion ${String(dashboard.schemaVersion)}, where 12.4 and 13 write 42`);
  }
  return problems;
}

// https://grafana.com/docs/grafana/latest/administration/provisioning/#data-sources
const DATASOURCE_KEYS = [
  'name',
  'type',
  'uid',
  'access',
  'orgId',
  'url',
  'user',
  'database',
  'basicAuth',
  'basicAuthUser',
  'withCredentials',
  'isDefault',
  'jsonData',
  'secureJsonData',
  'version',
  'editable',
];
// https://grafana.com/docs/grafana/latest/datasources/postgres/configure/#provision-the-data-source
const POSTGRES_JSON_DATA = [
  'database',
  'sslmode',
  'sslRootCertFile',
  'sslCertFile',
  'sslKeyFile',
  'postgresVersion',
  'timescaledb',
  'maxOpenConns',
  'maxIdleConns',
  'connMaxLifetime',
  'timeInterval',
  'tlsAuth',
  'tlsAuthWithCACert',
  'tlsConfigurationMethod',
  'tlsSkipVerify',
  'enableSecureSocksProxy',
];
// https://grafana.com/docs/grafana/latest/administration/provisioning/#dashboards
const PROVIDER_KEYS = [
  'name',
  'orgId',
  'folder',
  'folderUid',
  'type',
  'disableDeletion',
  'updateIntervalSeconds',
  'allowUiUpdates',
  'options',
];
const PROVIDER_OPTIONS = ['path', 'foldersFromFilesStructure'];
// https://grafana.com/docs/grafana/latest/administration/provisioning/#plugins
const APP_KEYS = ['type', 'org_id', 'org_name', 'disabled', 'jsonData', 'secureJsonData'];

const unknown = (where: string, o: Doc, known: string[]) =>
  Object.keys(o)
    .filter((k) => !known.includes(k))
    .map((k) => `${where}: Grafana does not read "${k}"`);

/** What would keep Grafana from starting as intended, one sentence each. */
function startUpProblems(tree: Tree): string[] {
  const problems: string[] = [];

  for (const file of tree.datasources)
    for (const [i, ds] of ((file.datasources ?? []) as Doc[]).entries()) {
      problems.push(...unknown(`datasources[${i}]`, ds, DATASOURCE_KEYS));
      if (ds.type === 'grafana-postgresql-datasource')
        problems.push(
          ...unknown(`datasources[${i}].jsonData`, (ds.jsonData ?? {}) as Doc, POSTGRES_JSON_DATA),
        );
      // Dropped into an existing Grafana, a default would take over that Grafana's default datasource.
      if (ds.isDefault === true)
        problems.push(`datasources[${i}]: isDefault would replace the default datasource`);
    }

  const providers = tree.providers.flatMap((f) => (f.providers ?? []) as Doc[]);
  for (const [i, p] of providers.entries()) {
    problems.push(...unknown(`providers[${i}]`, p, PROVIDER_KEYS));
    problems.push(...unknown(`providers[${i}].options`, (p.options ?? {}) as Doc, PROVIDER_OPTIONS));
  }

  // Alert rule files name their folder by title and are provisioned before dashboards, creating
  // it; a dashboard provider with a folderUid then makes a second folder of that title
  // (https://grafana.com/docs/grafana/latest/alerting/set-up/provision-alerting-resources/file-provisioning/,
  // grafana/grafana#125079). One folder needs one title and no folderUid beside it.
  const ruleFolders = new Set(
    tree.alerting.flatMap((f) => ((f.groups ?? []) as Doc[]).map((g) => String(g.folder))),
  );
  for (const p of providers) {
    if (ruleFolders.has(String(p.folder)) && p.folderUid)
      problems.push(
        `folder "${String(p.folder)}" would be created twice: by the alert rules (by title) and by provider "${String(p.name)}" (folderUid ${String(p.folderUid)})`,
      );
  }
  const dashboardFolders = new Set(providers.map((p) => String(p.folder)));
  for (const f of ruleFolders)
    if (!dashboardFolders.has(f))
      problems.push(`alert rules are in folder "${f}", which holds no dashboards`);

  // An app named in apps.yaml must be installed, with each plugin it nests built and its logo
  // there (https://grafana.com/developers/plugin-tools/how-to-guides/app-plugins/work-with-nested-plugins);
  // a page with defaultNav is where its menu entry leads
  // (https://grafana.com/developers/plugin-tools/reference/plugin-json#includes).
  for (const file of tree.apps)
    for (const app of (file.apps ?? []) as Doc[]) {
      problems.push(...unknown(`apps ${String(app.type)}`, app, APP_KEYS));
      const manifest = join(tree.dist, 'plugin.json');
      if (!existsSync(manifest)) {
        problems.push(
          `apps.yaml names ${String(app.type)}, which is not built (${manifest} is missing): run npm run build -w plugin`,
        );
        continue;
      }
      const meta = JSON.parse(readFileSync(manifest, 'utf8')) as { id: string; includes?: Doc[] };
      if (meta.id !== app.type) problems.push(`the built plugin is ${meta.id}, not ${String(app.type)}`);
      if (!(meta.includes ?? []).some((i) => i.type === 'page' && i.defaultNav === true))
        problems.push(`${meta.id} has no page with defaultNav: its menu entry opens an empty page`);
      for (const dir of readdirSync(join(tree.dist, 'panels'))) {
        const nested = join(tree.dist, 'panels', dir);
        const panel = JSON.parse(readFileSync(join(nested, 'plugin.json'), 'utf8')) as {
          id: string;
          info: { logos: { small: string; large: string } };
        };
        for (const file of ['module.js', panel.info.logos.small, panel.info.logos.large])
          if (!existsSync(join(nested, file))) problems.push(`nested plugin ${panel.id} lacks ${file}`);
      }
    }
  return [...problems, ...lineProblems(tree)];
}

describe('Grafana’s first start', () => {
  beforeAll(() => {
    // A fresh clone has no plugin/dist until the plugin is built: build it as compose's image does.
    if (!existsSync(join(DIST, 'plugin.json')))
      execFileSync('npm', ['run', '--silent', 'build', '-w', 'plugin'], {
        cwd: ROOT,
        stdio: 'pipe',
        timeout: 300_000,
      });
  }, 300_000);

  it('loads everything once, where a user looks for it: no problem in provisioning/ and the built plugin', () => {
    expect(startUpProblems(provisionedTree())).toEqual([]);
  });

  it('fails without the built plugin, naming the command that builds it', () => {
    const problems = startUpProblems({ ...provisionedTree(), dist: join(ROOT, 'plugin/no-such-dist') });
    expect(problems).toEqual([
      expect.stringMatching(
        /^apps\.yaml names engmetrics-sprinthealth-app, which is not built .*: run npm run build -w plugin$/,
      ),
    ]);
  });

  it('fails on a dashboard provider that would make a second folder of the alert rules’ title', () => {
    const tree = provisionedTree();
    const provider = (tree.providers[0]!.providers as Doc[])[0]!;
    provider.folderUid = 'engmetrics';
    expect(startUpProblems(tree)).toEqual([
      'folder "Engineering metrics" would be created twice: by the alert rules (by title) and by provider "engmetrics" (folderUid engmetrics)',
    ]);
  });

  it('fails on what one supported Grafana line would not load: a CLI 13 removed, a v2 dashboard, a dependency refusing 12.4', () => {
    const tree = provisionedTree();
    tree.dockerfile = tree.dockerfile.replace(
      /^FROM grafana.*$/m,
      '$&\nRUN grafana-cli plugins install grafana-polystat-panel',
    );
    const [first] = Object.keys(tree.dashboards);
    tree.dashboards[first!] = { apiVersion: 'dashboard.grafana.app/v2', kind: 'Dashboard', spec: {} };
    const meta = JSON.parse(readFileSync(join(DIST, 'plugin.json'), 'utf8')) as Doc;
    const dist = mkdtempSync(join(tmpdir(), 'engmetrics-dist-'));
    try {
      cpSync(DIST, dist, { recursive: true });
      writeFileSync(
        join(dist, 'plugin.json'),
        JSON.stringify({
          ...meta,
          dependencies: { ...(meta.dependencies as Doc), grafanaDependency: '>=13.0.0' },
        }),
      );
      expect(startUpProblems({ ...tree, dist })).toEqual([
        'engmetrics-sprinthealth-app: grafanaDependency >=13.0.0 refuses Grafana 12.4',
        'plugin/Dockerfile runs grafana-cli or grafana-server, which Grafana 13 no longer has',
        `${first}: a v2 resource, which 12.4 cannot provision; write classic JSON`,
      ]);
    } finally {
      rmSync(dist, { recursive: true, force: true });
    }
  });

  it('fails on a key Grafana does not read, and on a datasource that would become the default', () => {
    const tree = provisionedTree();
    const ds = (tree.datasources[0]!.datasources as Doc[])[0]!;
    (ds.jsonData as Doc).maxIdleConnsAuto = true;
    ds.isDefault = true;
    expect(startUpProblems(tree)).toEqual([
      'datasources[0].jsonData: Grafana does not read "maxIdleConnsAuto"',
      'datasources[0]: isDefault would replace the default datasource',
    ]);
  });
});
