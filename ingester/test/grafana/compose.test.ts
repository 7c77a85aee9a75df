import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { FILE_SETTINGS } from '../../src/config/secret-files.js';
import { loadSettings, type Settings } from '../../src/config/settings.js';
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
  entrypoint?: string[];
  network_mode?: string;
  restart?: string;
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
const {
  postgres,
  grafana,
  ingester,
  'settings-check': settingsCheck,
} = compose.services as Record<'postgres' | 'grafana' | 'ingester' | 'settings-check', Service>;

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

/**
 * A value as docker compose interpolates it from .env and the shell
 * (https://docs.docker.com/reference/compose-file/interpolation/): `$$` is a literal `$`;
 * `${V:-d}` is d when V is unset or empty, `${V-d}` when unset; `${V:?m}` fails when V is unset
 * or empty, `${V?m}` when unset; `${V:+r}` is r when V is set and not empty, `${V+r}` when set.
 */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (_m, dollar?: string, braced?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (dollar) return '$';
      const name = (braced ?? bare)!;
      const set = name in env;
      const present = colon ? set && env[name] !== '' : set;
      if (op === '-') return present ? env[name]! : arg!;
      if (op === '?') {
        if (!present) throw new Error(`required variable ${name} is missing a value: ${arg}`);
        return env[name]!;
      }
      if (op === '+') return present ? arg! : '';
      return env[name] ?? '';
    },
  );
}

const interpolateAll = (environment: Record<string, string>, env: Record<string, string>) =>
  Object.fromEntries(Object.entries(environment).map(([k, v]) => [k, interpolate(String(v), env)]));

/** KEY=value lines, as compose reads .env (the file's values are unquoted). */
const dotenv = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .map((l) => /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!.trim()]),
  );

const envExample = read('.env.example');
const documentedInEnvExample = (name: string) => new RegExp(`^(# )?${name}=`, 'm').test(envExample);
/** The README's Configuration section, up to the next top-level heading. */
const configurationSection = /\n## Configuration\n([\s\S]*?)\n## /.exec(read('README.md'))?.[1] ?? '';
const documentedInReadme = (name: string) =>
  configurationSection.split('\n').some((l) => l.startsWith('|') && l.includes(`\`${name}\``));

/** The variables of a table of the README's Configuration, in order, with their defaults. */
const tableOf = (part: string): { name: string; fallback: string }[] =>
  part
    .split('\n')
    .filter((l) => l.startsWith('| `'))
    .flatMap((l) => {
      const [names, fallback] = l
        .split('|')
        .slice(1, 3)
        .map((c) => c.trim());
      return [...names!.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => ({
        name: m[1]!,
        fallback: /^`(.*)`$/.exec(fallback!)?.[1] ?? '',
      }));
    });

/** The ingester's settings: the README's first table, then its table of secrets from files. */
const ingesterTable = () => {
  const parts = configurationSection.split('\n### ');
  const files = parts.find((p) => p.startsWith('Secrets from files\n'));
  if (!files) throw new Error('The README has no "### Secrets from files" under Configuration');
  return [...tableOf(parts[0]!), ...tableOf(files)];
};

/** The variables the ingester's settings read (ingester/src/config/settings.ts), whatever their order. */
function settingsVariables(): string[] {
  const names = new Set<string>();
  const env = new Proxy({} as Record<string, string>, {
    get: (_t, key) => {
      if (typeof key === 'string' && /^[A-Z][A-Z0-9_]*$/.test(key)) names.add(key);
      return undefined;
    },
  });
  loadSettings(env);
  names.delete('INIT_CWD'); // npm's, for relative paths
  return [...names].sort();
}

/** The embedded database's settings, which the DATABASE_URL of compose leaves unused. */
const EMBEDDED_ONLY = ['ENGMETRICS_DATA_DIR', 'ENGMETRICS_PG_PORT'];
/** Set by compose itself: the database it runs, and where the API listens in the container. */
const FIXED = ['DATABASE_URL', 'HOST', 'PORT'];
/** Compose sets DATABASE_URL itself, so not its file form. */
const NOT_PASSED = [...EMBEDDED_ONLY, 'DATABASE_URL_FILE'];
/** The ingester's settings compose fills from its PostgreSQL's. */
const FROM_POSTGRES: Record<string, string> = {
  DATABASE_PASSWORD: 'POSTGRES_PASSWORD',
  DATABASE_PASSWORD_FILE: 'POSTGRES_PASSWORD_FILE',
};

/** .env.example with its placeholders replaced, as a user fills it in. */
const filledIn = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(dotenv(envExample)).map(([k, v]) => [
      k,
      /change-?me/i.test(v) ? `${k.toLowerCase().replace(/_/g, '')}0123456789abcdef` : v,
    ]),
  );

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
    const checked = { 'settings-check': { condition: 'service_completed_successfully' } };
    expect(postgres.depends_on).toEqual(checked);
    expect(ingester.depends_on).toEqual({ ...checked, postgres: { condition: 'service_healthy' } });
    expect(grafana.depends_on).toEqual({ ...checked, ingester: { condition: 'service_healthy' } });
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

  it('interpolates values as compose does', () => {
    const env = { A: 'a', E: '' };
    expect(interpolate('${A:-x} ${E:-x} ${U:-x} ${E-x} ${U-x} $A ${U} $$A $${A}', env)).toBe(
      'a x x  x a  $A ${A}',
    );
    expect(interpolate('${A:+r}|${E:+r}|${E+r}|${U+r}|${A:?m}|${E?m}', env)).toBe('r||r||a|');
    expect(() => interpolate('${E:?set E}', env)).toThrow('required variable E is missing a value: set E');
    expect(() => interpolate('${U?set U}', env)).toThrow('required variable U is missing a value: set U');
  });
});

describe('the settings compose passes the ingester', () => {
  const environment = ingester.environment!;
  const table = ingesterTable();
  const passed = table.map((r) => r.name).filter((v) => !NOT_PASSED.includes(v));

  it('are what the README documents and the settings read, every one, in the order of the table', () => {
    expect(table.length).toBeGreaterThan(30);
    const documented = table.map((r) => r.name);
    expect({ readButNotDocumented: settingsVariables().filter((v) => !documented.includes(v)) }).toEqual({
      readButNotDocumented: [],
    });
    expect({ documentedButNotRead: documented.filter((v) => !settingsVariables().includes(v)) }).toEqual({
      documentedButNotRead: [],
    });
    expect({ notPassed: passed.filter((v) => !(v in environment)) }).toEqual({ notPassed: [] });
    expect(Object.keys(environment)).toEqual(passed);
    // The embedded-only settings do nothing where DATABASE_URL is set.
    expect(environment.DATABASE_URL).toBe('postgres://engmetrics@postgres:5432/engmetrics');
    expect(Object.fromEntries(Object.keys(FROM_POSTGRES).map((v) => [v, environment[v]]))).toEqual(
      Object.fromEntries(Object.entries(FROM_POSTGRES).map(([v, from]) => [v, `\${${from}:-}`])),
    );
  });

  it("each from the variable of its own name, blank when unset (the ingester's default), or the documented default", () => {
    const forms = Object.fromEntries(
      passed
        .filter((v) => !FIXED.includes(v) && !(v in FROM_POSTGRES))
        .map((v) => {
          const m = /^\$\{([A-Z0-9_]+)(?::([-?])(.*))?\}$/.exec(environment[v]!);
          const fallback = table.find((r) => r.name === v)!.fallback;
          const ok = m?.[1] === v && (m[2] !== '-' || m[3] === '' || m[3] === fallback);
          return [v, ok ? 'ok' : `${environment[v]} (README default: ${fallback || 'none'})`];
        }),
    );
    expect(forms).toEqual(Object.fromEntries(Object.keys(forms).map((v) => [v, 'ok'])));
    expect({ HOST: environment.HOST, PORT: environment.PORT }).toEqual({ HOST: '0.0.0.0', PORT: '8080' });
  });

  it('hands each value set in .env to the ingester as it is', () => {
    const source = (v: string) => FROM_POSTGRES[v] ?? v;
    const env = Object.fromEntries(passed.map((v) => [source(v), `value of ${source(v)}`]));
    const received = interpolateAll(environment, env);
    const own = passed.filter((v) => !FIXED.includes(v));
    expect(Object.fromEntries(own.map((v) => [v, received[v]]))).toEqual(
      Object.fromEntries(own.map((v) => [v, `value of ${source(v)}`])),
    );
  });

  const stripped = (s: Settings) => ({ ...s, clock: undefined });

  it('gives the ingester the schedules, the LLM time limit and the webhook .env sets', () => {
    const env = filledIn();
    const settings = loadSettings(
      interpolateAll(environment, {
        ...env,
        JIRA_BASE_URL: 'https://acme.atlassian.net',
        SCHEDULER: 'off',
        SCHEDULE_GITHUB: '15 * * * *',
        SCHEDULE_JIRA: 'off',
        SCHEDULE_REFRESH: '0 3 * * *',
        SCHEDULE_SLACK: '0 8 * * 1',
        SCHEDULE_TIMEZONE: 'Europe/Berlin',
        OPENAI_TIMEOUT_MS: '5000',
        SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x',
      }),
    );
    expect(settings.schedule).toEqual({
      enabled: false,
      timezone: 'Europe/Berlin',
      github: '15 * * * *',
      jira: null,
      refresh: '0 3 * * *',
      slack: '0 8 * * 1',
    });
    expect(settings.openai.timeoutMs).toBe(5000);
    expect(settings.slack.webhookUrl).toBe('https://hooks.slack.com/services/T/B/x');
    expect(settings.jira.baseUrl).toBe('https://acme.atlassian.net');
  });

  it("leaves what .env leaves blank or unset to the ingester's defaults (compose passes both as empty)", () => {
    const env = filledIn();
    const received = interpolateAll(environment, env);
    // What the ingester reads with nothing but what compose itself sets or requires.
    const unset = Object.fromEntries(Object.entries(received).filter(([, v]) => v !== ''));
    expect(Object.keys(unset).sort()).toEqual(
      [
        'API_TOKEN',
        'DATABASE_URL',
        'DATABASE_PASSWORD',
        'GRAFANA_READER_PASSWORD',
        'GRAFANA_URL',
        'HOST',
        'LOG_LEVEL',
        'PORT',
      ].sort(),
    );
    const defaults = stripped(loadSettings(unset));
    expect(defaults.schedule).toEqual({
      enabled: true,
      timezone: undefined,
      github: '0 * * * *',
      jira: '30 */2 * * *',
      refresh: '0 2 * * *',
      slack: '0 9 * * 1-5',
    });
    expect(defaults.openai.timeoutMs).toBe(20000);
    // Each blank one alone, then all of them: the README's "blank values count as unset".
    const optional = passed.filter((v) => /^\$\{[A-Z0-9_]+:-/.test(environment[v]!));
    expect(optional.length).toBeGreaterThan(25);
    const refusedWhenBlank = optional.filter((v) => {
      try {
        loadSettings({ ...unset, [v]: '' });
        return false;
      } catch {
        return true;
      }
    });
    expect({ refusedWhenBlank }).toEqual({ refusedWhenBlank: [] });
    expect(stripped(loadSettings(received))).toEqual(defaults);
  });
});

describe("compose's check of the passwords and tokens", () => {
  const script = interpolate(settingsCheck.entrypoint![2]!, {});
  /** Each kind of refusal the check words, by the words its line starts with. */
  const KINDS = {
    missing: 'set these in .env',
    both: 'set either NAME or NAME_FILE',
    unreadable: 'these name files that cannot be read',
    placeholder: 'these settings still hold the change-me placeholder',
  };
  /** The check as its container runs it, with what compose gives it from this .env: the variables named, by kind. */
  const runCheck = (env: Record<string, string>) => {
    const r = spawnSync('sh', ['-c', script], {
      env: { PATH: process.env.PATH, ...interpolateAll(settingsCheck.environment!, env) },
      encoding: 'utf8',
    });
    const named: Partial<Record<keyof typeof KINDS, string[]>> = {};
    for (const line of r.stderr.split('\n'))
      for (const [kind, words] of Object.entries(KINDS) as [keyof typeof KINDS, string][])
        if (line.includes(words)) named[kind] = /:((?: [A-Z0-9_]+)+)$/.exec(line)![1]!.trim().split(' ');
    return { status: r.status, ...named };
  };
  const placeholders = Object.entries(dotenv(envExample))
    .filter(([, v]) => /change-me/.test(v))
    .map(([k]) => k);
  const REQUIRED = ['POSTGRES_PASSWORD', 'API_TOKEN', 'GRAFANA_READER_PASSWORD', 'GRAFANA_ADMIN_PASSWORD'];
  const dir = mkdtempSync(join(tmpdir(), 'engmetrics-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, contents: string) => {
    const path = join(dir, name);
    writeFileSync(path, contents);
    return path;
  };

  it('runs first, once, in a container of its own, before every other service', () => {
    expect(settingsCheck.image).toBe(postgres.image); // no image of its own to pull or build
    expect(settingsCheck.network_mode).toBe('none');
    expect(settingsCheck.restart).toBe('no');
    expect(settingsCheck.entrypoint!.slice(0, 2)).toEqual(['sh', '-c']);
    expect(composeVariables(settingsCheck.entrypoint![2]!)).toEqual([]);
    for (const [name, service] of Object.entries(compose.services))
      if (name !== 'settings-check')
        expect({ name, check: service.depends_on?.['settings-check'] }).toEqual({
          name,
          check: { condition: 'service_completed_successfully' },
        });
  });

  it("refuses .env.example's placeholders, naming each variable that holds one", () => {
    expect(placeholders).toEqual(expect.arrayContaining(REQUIRED));
    expect(runCheck(dotenv(envExample))).toEqual({ status: 1, placeholder: placeholders });
    expect(runCheck({ ...filledIn(), API_TOKEN: 'Change-Me-Please-0123456789' })).toEqual({
      status: 1,
      placeholder: ['API_TOKEN'],
    });
    expect(runCheck(filledIn())).toEqual({ status: 0 });
  });

  it('requires each password and token the stack cannot start without, from .env or from a file', () => {
    expect(runCheck({})).toEqual({ status: 1, missing: REQUIRED });
    const { API_TOKEN: _a, GRAFANA_ADMIN_PASSWORD: _g, ...rest } = filledIn();
    expect(runCheck(rest)).toEqual({ status: 1, missing: ['API_TOKEN', 'GRAFANA_ADMIN_PASSWORD'] });
    expect(
      runCheck({
        ...rest,
        API_TOKEN_FILE: file('api_token', 'a-token-from-a-file-0123\n'),
        GRAFANA_ADMIN_PASSWORD_FILE: file('admin', 'an-admin-password\n'),
      }),
    ).toEqual({ status: 0 });
  });

  it('refuses a setting given both ways, a file that cannot be read, and a placeholder in a file', () => {
    const env = filledIn();
    expect(
      runCheck({
        ...env,
        API_TOKEN_FILE: file('token', 'x'),
        GITHUB_TOKEN_FILE: join(dir, 'no-such-file'),
        OPENAI_API_KEY_FILE: dir,
        JIRA_PAT_FILE: file('pat', 'change-me\n'),
      }),
    ).toEqual({
      status: 1,
      both: ['API_TOKEN'],
      unreadable: ['GITHUB_TOKEN_FILE', 'OPENAI_API_KEY_FILE'],
      placeholder: ['JIRA_PAT'],
    });
  });

  it('checks every password, token and key compose passes, and its file form', () => {
    const secrets = [...new Set(yamlStrings(composeDoc).flatMap(composeVariables))].filter((v) =>
      /PASSWORD|TOKEN|_KEY|_PAT|WEBHOOK/.test(v),
    );
    expect(Object.keys(settingsCheck.environment!).sort()).toEqual(secrets.sort());
    const values = secrets.filter((v) => !v.endsWith('_FILE'));
    expect(values.map((v) => `${v}_FILE`).sort()).toEqual(secrets.filter((v) => v.endsWith('_FILE')).sort());
    const all = Object.fromEntries(values.map((v) => [v, 'change-me']));
    // In the order the check names them: its environment's.
    const checked = Object.keys(settingsCheck.environment!).filter((v) => !v.endsWith('_FILE'));
    expect(runCheck(all)).toEqual({ status: 1, placeholder: checked });
    // Every file form the ingester reads is checked here too, but DATABASE_URL's, which compose sets.
    expect(
      FILE_SETTINGS.filter((v) => !['DATABASE_URL', 'DATABASE_PASSWORD'].includes(v) && !values.includes(v)),
    ).toEqual([]);
  });

  it("hands the Grafana image's entrypoint the file forms of what provisioning reads, and it reads them as the ingester does", () => {
    const entrypoint = join(ROOT, 'plugin/docker/secret-files.sh');
    const run = (env: Record<string, string>) =>
      spawnSync(
        'sh',
        [
          entrypoint,
          'sh',
          '-c',
          'printf "%s|%s|%s" "$API_TOKEN" "$GRAFANA_READER_PASSWORD" "$SLACK_WEBHOOK_URL"',
        ],
        {
          env: { PATH: process.env.PATH, ...env },
          encoding: 'utf8',
        },
      );
    const fromFiles = run({
      API_TOKEN_FILE: file('g_token', 'token-in-a-file-0123\n'),
      GRAFANA_READER_PASSWORD_FILE: file('g_reader', 'reader-pw\n'),
      SLACK_WEBHOOK_URL: '',
    });
    expect({ status: fromFiles.status, out: fromFiles.stdout }).toEqual({
      status: 0,
      out: 'token-in-a-file-0123|reader-pw|http://localhost/slack-webhook-not-configured',
    });
    const both = run({ API_TOKEN: 'x', API_TOKEN_FILE: file('g_both', 'y') });
    expect({ status: both.status, err: both.stderr.trim() }).toEqual({
      status: 1,
      err: 'engmetrics: set either API_TOKEN or API_TOKEN_FILE, not both',
    });
    const missing = run({ GRAFANA_READER_PASSWORD_FILE: join(dir, 'none') });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/GRAFANA_READER_PASSWORD_FILE: cannot read .*none/);
    expect(read('plugin/Dockerfile')).toMatch(
      /^ENTRYPOINT \["\/usr\/local\/bin\/engmetrics-secret-files", "\/run\.sh"\]$/m,
    );
    const forms = Object.keys(grafana.environment!).filter((v) => /[^_]_FILE$/.test(v));
    expect(forms.sort()).toEqual([
      'API_TOKEN_FILE',
      'GRAFANA_READER_PASSWORD_FILE',
      'SLACK_WEBHOOK_URL_FILE',
    ]);
    expect(read('plugin/docker/secret-files.sh')).toMatch(
      /for name in API_TOKEN GRAFANA_READER_PASSWORD SLACK_WEBHOOK_URL;/,
    );
    expect(grafana.environment!.GF_SECURITY_ADMIN_PASSWORD__FILE).toBe('${GRAFANA_ADMIN_PASSWORD_FILE:-}');
    expect(postgres.environment!.POSTGRES_PASSWORD_FILE).toBe('${POSTGRES_PASSWORD_FILE:-}');
    for (const service of [postgres, ingester, grafana, settingsCheck])
      expect(service.volumes).toContain('./secrets:/run/secrets/engmetrics:ro');
  });
});

describe('the ingester image', () => {
  const dockerfile = read('ingester/Dockerfile');
  let out: string | undefined;
  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('builds and runs on the Node.js LTS line CI tests the ingester on besides the oldest supported', () => {
    const lts = /^node_lts=(\d+)\.\d+\.\d+$/m.exec(read('.ci/run'))?.[1];
    expect(lts).toBe('24');
    const images = [
      ...dockerfile.matchAll(/^FROM (node:\S+)/gm),
      ...read('plugin/Dockerfile').matchAll(/^FROM (node:\S+)/gm),
    ].map((m) => m[1]);
    expect(images).toEqual([
      `node:${lts}-bookworm-slim`,
      `node:${lts}-bookworm-slim`,
      `node:${lts}-bookworm-slim`,
      `node:${lts}-bookworm-slim`,
    ]);
  });

  it('builds with npm ci and the workspace build, ships the SQL, and migrates then serves on 0.0.0.0', () => {
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
