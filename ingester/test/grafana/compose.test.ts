import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { expandProvisioningValue } from '../../src/grafana/provisioning.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  environment?: Record<string, string>;
  volumes?: string[];
  healthcheck?: { test: string | string[] };
  depends_on?: Record<string, { condition: string }>;
}
const composeDoc = parseYaml(read('docker-compose.yml')) as unknown;
const compose = composeDoc as { services: Record<string, Service> };

/** Every string value of a parsed YAML document (comments are not interpolated). */
const yamlStrings = (node: unknown): string[] =>
  typeof node === 'string'
    ? [node]
    : node && typeof node === 'object'
      ? Object.values(node).flatMap(yamlStrings)
      : [];
const { postgres, grafana, ingester } = compose.services as Record<
  'postgres' | 'grafana' | 'ingester',
  Service
>;

/** Variables docker compose reads (`$$` is compose's literal dollar, for the container's shell). */
function composeVariables(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/\$(\$)?(?:\{([A-Za-z_][A-Za-z0-9_]*)[^}]*\}|([A-Za-z_][A-Za-z0-9_]*))/g))
    if (!m[1]) names.add((m[2] ?? m[3])!);
  return [...names].sort();
}

/** Variables Grafana reads from its environment in provisioning/ (rule models and annotations excepted). */
function provisioningVariables(): string[] {
  const names = new Set<string>();
  const walk = (node: unknown, path: string) => {
    if (typeof node === 'string') {
      if (/^groups\.\d+\.rules\.\d+\.(data\.\d+\.model|annotations)(\.|$)/.test(path)) return;
      for (const r of expandProvisioningValue(node, {}).references) names.add(r.name);
    } else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) walk(v, path ? `${path}.${k}` : k);
  };
  for (const dir of readdirSync(join(ROOT, 'provisioning')))
    for (const f of readdirSync(join(ROOT, 'provisioning', dir)).filter((f) => /\.ya?ml$/.test(f)))
      walk(parseYaml(read(`provisioning/${dir}/${f}`)), '');
  return [...names].sort();
}

const envExample = read('.env.example');
const documentedInEnvExample = (name: string) => new RegExp(`^(# )?${name}=`, 'm').test(envExample);
/** The README's Configuration section, up to the next top-level heading. */
const configurationSection = /\n## Configuration\n([\s\S]*?)\n## /.exec(read('README.md'))?.[1] ?? '';
const documentedInReadme = (name: string) =>
  configurationSection.split('\n').some((l) => l.startsWith('|') && l.includes(`\`${name}\``));

describe('docker-compose.yml', () => {
  it('runs PostgreSQL 16, the ingester from its Dockerfile and Grafana with the plugin built in, each with a health check', () => {
    expect(postgres.image).toBe('postgres:16');
    expect(JSON.stringify(postgres.healthcheck?.test)).toMatch(/pg_isready/);
    expect(grafana.build).toEqual({
      context: '.',
      dockerfile: 'plugin/Dockerfile',
      args: { GRAFANA_VERSION: '${GRAFANA_VERSION:-13.2.3}' },
    });
    expect(grafana.image).toBe('engmetrics-grafana:${GRAFANA_VERSION:-13.2.3}');
    expect(JSON.stringify(grafana.healthcheck?.test)).toMatch(/\/api\/health/);
    expect(ingester.build).toEqual({ context: '.', dockerfile: 'ingester/Dockerfile' });
    expect(existsSync(join(ROOT, ingester.build!.dockerfile))).toBe(true);
    expect(JSON.stringify(ingester.healthcheck?.test)).toMatch(/\/health/);
    expect(ingester.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(grafana.depends_on).toEqual({ ingester: { condition: 'service_healthy' } });
  });

  it.each([
    ['the default', {}, '13.2.3'],
    ['GRAFANA_VERSION=12.4.10', { GRAFANA_VERSION: '12.4.10' }, '12.4.10'],
  ])('runs Grafana 13.2 by default and the release GRAFANA_VERSION names: %s', (_label, env, version) => {
    const expand = (v: string) =>
      v.replace(
        /\$\{(\w+):-([^}]*)\}/g,
        (_m, name: string, fallback: string) => (env as Record<string, string>)[name] ?? fallback,
      );
    expect(expand(grafana.build!.args!.GRAFANA_VERSION!)).toBe(version);
    expect(expand(grafana.image!)).toBe(`engmetrics-grafana:${version}`);
    // Both release lines this project supports.
    expect(version).toMatch(/^(12\.4|13\.\d+)\.\d+$/);
  });

  it('builds the plugin inside the image, the way CI builds and tests it, into the folder Grafana loads', () => {
    const dockerfile = read('plugin/Dockerfile');
    expect(dockerfile).toMatch(/^ARG GRAFANA_VERSION=13\.2\.\d+$/m);
    expect(dockerfile).toMatch(/^FROM node:\d+-bookworm-slim AS build$/m);
    expect(dockerfile).toMatch(/^RUN npm ci -w plugin /m);
    expect(dockerfile).toMatch(/npm run build -w plugin/);
    expect(dockerfile).toMatch(/^FROM grafana\/grafana:\$\{GRAFANA_VERSION\}$/m);
    expect(dockerfile).toMatch(
      /^COPY --from=build \/app\/plugin\/dist \/var\/lib\/grafana\/plugins\/engmetrics-sprinthealth-app$/m,
    );
    // Nothing is mounted from plugin/dist, which a fresh clone does not have.
    expect((grafana.volumes ?? []).some((v) => v.includes('plugin/dist'))).toBe(false);
    expect(grafana.volumes).toEqual(expect.arrayContaining(['./provisioning:/etc/grafana/provisioning:ro']));
    // The build context lets the plugin's sources in.
    const ignored = read('.dockerignore').split('\n');
    expect(ignored).not.toContain('plugin/*');
    expect(ignored).toContain('**/node_modules');
  });

  it('allows the unsigned app and its nested panel by their own ids', () => {
    const allowed = grafana.environment!.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS!.split(',');
    const app = JSON.parse(read('plugin/src/plugin.json')) as { id: string };
    const panel = JSON.parse(read('plugin/src/panels/sprint-health/plugin.json')) as { id: string };
    expect(allowed).toEqual(expect.arrayContaining([app.id, panel.id]));
  });

  it('mounts only paths that exist in the repository', () => {
    for (const [name, service] of Object.entries(compose.services))
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('.') && !source.startsWith('/')) continue; // a named volume
        expect({ service: name, source, exists: existsSync(resolve(ROOT, source)) }).toEqual({
          service: name,
          source,
          exists: true,
        });
      }
  });

  it('sets every variable Grafana reads in provisioning/, since its expansion has no defaults', () => {
    const set = Object.keys(grafana.environment ?? {});
    const missing = provisioningVariables().filter((v) => !set.includes(v));
    expect(missing).toEqual([]);
  });

  it('documents every variable of compose and provisioning in .env.example and in the README configuration table', () => {
    const fromCompose = yamlStrings(composeDoc).flatMap(composeVariables);
    const all = [...new Set([...fromCompose, ...provisioningVariables()])].sort();
    expect(all.length).toBeGreaterThan(10);
    expect({ notInEnvExample: all.filter((v) => !documentedInEnvExample(v)) }).toEqual({
      notInEnvExample: [],
    });
    expect({ notInReadme: all.filter((v) => !documentedInReadme(v)) }).toEqual({ notInReadme: [] });
  });

  it('reads compose variables as compose does', () => {
    expect(composeVariables("a ${A:?x} $B $${C} ${D:-} $$E '${F}'")).toEqual(['A', 'B', 'D', 'F']);
  });
});

describe('the ingester image', () => {
  const dockerfile = read('ingester/Dockerfile');
  let out: string | undefined;
  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('builds with npm ci and the workspace build, ships the SQL, and migrates then serves on 0.0.0.0', () => {
    expect(dockerfile).toMatch(/^FROM node:20/m);
    expect(dockerfile).toMatch(/npm ci -w ingester/);
    expect(dockerfile).toMatch(/npm run build -w ingester/);
    expect(dockerfile).toMatch(/^COPY sql sql$/m);
    expect(dockerfile).toMatch(/HOST=0\.0\.0\.0/);
    expect(dockerfile).toMatch(/ENTRYPOINT \["node", "dist\/cli\/main\.js"\]/);
    expect(dockerfile).toMatch(/CMD \["serve", "--migrate"\]/);
    expect(read('.dockerignore')).toMatch(/node_modules/);
  });

  it('starts node with one heap cap wherever the ingester runs: the container and the npm scripts', () => {
    const scripts = (JSON.parse(read('ingester/package.json')) as { scripts: Record<string, string> })
      .scripts;
    const starts = {
      container: /^ENV .*NODE_OPTIONS=(\S+)/m.exec(dockerfile)?.[1],
      start: scripts.start,
      engmetrics: scripts.engmetrics,
      bench: scripts.bench,
    };
    const caps = Object.fromEntries(
      Object.entries(starts).map(([k, v]) => [k, /--max-old-space-size=(\d+)/.exec(v ?? '')?.[1]]),
    );
    expect(caps).toEqual({
      container: '1024',
      start: '1024',
      engmetrics: '1024',
      bench: '1024',
    });
  });

  it('compiles with tsconfig.build.json into a layout where the migrations find sql/', () => {
    out = mkdtempSync(join(tmpdir(), 'engmetrics-build-'));
    const dist = join(out, 'ingester', 'dist');
    try {
      execFileSync(
        process.execPath,
        [
          join(ROOT, 'node_modules/typescript/bin/tsc'),
          '-p',
          join(ROOT, 'ingester/tsconfig.build.json'),
          '--outDir',
          dist,
        ],
        { stdio: 'pipe' },
      );
    } catch (err) {
      const { stdout, stderr } = err as { stdout?: Buffer; stderr?: Buffer };
      throw new Error(`tsc -p ingester/tsconfig.build.json failed:\n${stdout ?? ''}${stderr ?? ''}`);
    }
    expect(existsSync(join(dist, 'cli/main.js'))).toBe(true);
    // The engmetrics command keeps its shebang.
    expect(readFileSync(join(dist, 'cli/main.js'), 'utf8').split('\n')[0]).toBe(
      read('ingester/src/cli/main.ts').split('\n')[0],
    );
    // The image puts dist/ at /app/ingester/dist and sql/ at /app/sql: ../../../sql from dist/db.
    expect(resolve(join(dist, 'db'), '../../../sql')).toBe(join(out, 'sql'));
    expect(read('ingester/src/db/migrations.ts')).toMatch(/'\.\.\/\.\.\/\.\.\/sql'/);
  }, 180_000);
});
