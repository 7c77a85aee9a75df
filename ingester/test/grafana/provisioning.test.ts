import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import {
  alertRuleProblems,
  allPanels,
  loadDashboards,
  type AlertGroupJson,
} from '../support/grafana/harness.js';
import { expandProvisioningValue } from '../../src/grafana/provisioning.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PROVISIONING = join(ROOT, 'provisioning');
const SCHEMAS = fileURLToPath(new URL('./schemas/', import.meta.url));

const yamlFiles = (dir: string) =>
  readdirSync(join(PROVISIONING, dir))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => ({
      file: `${dir}/${f}`,
      doc: parseYaml(readFileSync(join(PROVISIONING, dir, f), 'utf8')) as Record<string, unknown>,
    }));

const alerting = yamlFiles('alerting');
const contactPoints = alerting.flatMap(
  (f) =>
    (f.doc.contactPoints ?? []) as { orgId: number; name: string; receivers: Record<string, unknown>[] }[],
);
const policies = alerting.flatMap((f) => (f.doc.policies ?? []) as Record<string, unknown>[]);
const templates = alerting.flatMap((f) => (f.doc.templates ?? []) as { name: string; template: string }[]);
const groups = alerting.flatMap((f) => (f.doc.groups ?? []) as (AlertGroupJson & { orgId: number })[]);

/** Every string in a YAML document with its path, e.g. groups.0.rules.1.title. */
function strings(node: unknown, path = ''): { path: string; value: string }[] {
  if (typeof node === 'string') return [{ path, value: node }];
  if (Array.isArray(node)) return node.flatMap((n, i) => strings(n, path ? `${path}.${i}` : String(i)));
  if (node && typeof node === 'object')
    return Object.entries(node).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k));
  return [];
}

/** Where Grafana takes alert rule values as written (rules_types.go: Model.Raw, Annotations.Raw). */
const RAW = /^groups\.\d+\.rules\.\d+\.(data\.\d+\.model|annotations)(\.|$)/;

describe('environment variables in provisioning files', () => {
  it('expands as Grafana does: $$ is a literal $, unset is empty', () => {
    const env = { SLACK_WEBHOOK_URL: 'https://hooks.example/x', A: 'a' };
    expect(expandProvisioningValue('${SLACK_WEBHOOK_URL}', env).value).toBe('https://hooks.example/x');
    expect(expandProvisioningValue('cost: $$5 and $A-${A}', env).value).toBe('cost: $5 and a-a');
    expect(expandProvisioningValue('{{ $labels.team }}', env)).toEqual({
      value: '{{ .team }}',
      references: [{ name: 'labels', match: '$labels' }],
    });
    expect(expandProvisioningValue('{{ $$labels.team }}', env).value).toBe('{{ $labels.team }}');
    expect(expandProvisioningValue('price $ 5 and ${}', env).value).toBe('price $ 5 and ');
  });

  it('reads only real variables where Grafana expands, and no $$ where it does not', () => {
    const problems: string[] = [];
    for (const dir of ['datasources', 'dashboards', 'alerting', 'plugins'])
      for (const { file, doc } of yamlFiles(dir))
        for (const { path, value } of strings(doc)) {
          if (dir === 'alerting' && RAW.test(path)) {
            // Written as is: `$$` would reach Grafana doubled, `${VAR}` would never be filled in.
            if (value.includes('$$')) problems.push(`${file} ${path}: $$ is not unescaped here`);
            if (/\$\{[A-Z][A-Z0-9_]*\}/.test(value))
              problems.push(`${file} ${path}: the environment is not read here`);
            continue;
          }
          for (const r of expandProvisioningValue(value, {}).references)
            if (!/^[A-Z][A-Z0-9_]*$/.test(r.name))
              problems.push(
                `${file} ${path}: "${r.match}" would be read from the environment; write $$ for a literal $`,
              );
        }
    expect(problems).toEqual([]);
  });
});

describe('datasource', () => {
  const { doc } = yamlFiles('datasources')[0]!;
  const ds = (doc.datasources as Record<string, unknown>[])[0] as {
    uid: string;
    type: string;
    user: string;
    url: string;
    jsonData: Record<string, unknown>;
    secureJsonData: Record<string, string>;
  };
  it('is the engmetrics PostgreSQL as grafana_reader, password and place from the environment', () => {
    expect(ds).toMatchObject({
      uid: 'engmetrics-pg',
      type: 'grafana-postgresql-datasource',
      user: 'grafana_reader',
    });
    expect(ds.url).toBe('${GRAFANA_PG_HOST}');
    expect(ds.jsonData).toMatchObject({
      database: '${GRAFANA_PG_DATABASE}',
      sslmode: '${GRAFANA_PG_SSLMODE}',
      timescaledb: false,
    });
    expect(ds.jsonData.maxOpenConns).toBeLessThanOrEqual(10);
    expect(ds.secureJsonData).toEqual({ password: '${GRAFANA_READER_PASSWORD}' });
    expect(JSON.stringify(ds.jsonData)).not.toMatch(/password/i);
  });
});

describe('dashboard provider', () => {
  it('loads the generated JSON into the "Engineering metrics" folder from where compose mounts it', () => {
    const provider = yamlFiles('dashboards').find((f) => f.doc.providers)!.doc.providers as Record<
      string,
      unknown
    >[];
    expect(provider).toEqual([
      expect.objectContaining({
        type: 'file',
        folder: 'Engineering metrics',
        options: expect.objectContaining({ path: '/etc/grafana/provisioning/dashboards' }),
      }),
    ]);
  });
});

describe('alerting', () => {
  it('has a Slack contact point from the environment, and a policy that sends to it', () => {
    expect(contactPoints).toHaveLength(1);
    const [slack] = contactPoints[0]!.receivers as {
      uid: string;
      type: string;
      settings: Record<string, string>;
    }[];
    expect(slack).toMatchObject({ type: 'slack', settings: { url: '${SLACK_WEBHOOK_URL}' } });
    for (const p of policies) expect(contactPoints.map((c) => c.name)).toContain(p.receiver);
    const defined = templates.flatMap((t) => [...t.template.matchAll(/define "([^"]+)"/g)].map((m) => m[1]));
    const used = Object.values(slack!.settings).flatMap((s) =>
      [...s.matchAll(/template "([^"]+)"/g)].map((m) => m[1]),
    );
    for (const name of used) expect(defined).toContain(name);
  });

  it('rules: unique uids, each condition and expression wired to a query, SQL queries with a time range', () => {
    const rules = groups.flatMap((g) => g.rules);
    expect(rules.length).toBeGreaterThan(0);
    expect(new Set(rules.map((r) => r.uid)).size).toBe(rules.length);
    for (const g of groups) {
      expect(g).toMatchObject({ orgId: 1, folder: 'Engineering metrics' });
      expect(g.interval).toMatch(/^\d+[smh]$/);
      for (const r of g.rules) {
        expect(alertRuleProblems(r)).toEqual([]);
        expect(r.uid.length).toBeLessThanOrEqual(40);
        for (const q of r.data.filter((d) => d.datasourceUid === 'engmetrics-pg')) {
          expect(q.relativeTimeRange).toEqual({ from: expect.any(Number), to: expect.any(Number) });
          expect(q.model).toMatchObject({ refId: q.refId, rawQuery: true, editorMode: 'code' });
          expect(['table', 'time_series']).toContain(q.model.format);
        }
      }
    }
    expect(rules.map((r) => r.uid)).toContain('engmetrics-ingestion-stale');
  });

  it('tie each rule to the panel it watches and link to a dashboard with the variables it sets', () => {
    const dashboards = new Map(
      loadDashboards(join(PROVISIONING, 'dashboards')).map(({ content }) => [content.uid!, content]),
    );
    const titleOf = (uid: string, id: string) =>
      allPanels(dashboards.get(uid)!).find((p) => String(p.id) === id)?.title;
    // The panel each rule watches, and the one its message opens.
    const expected: Record<string, { watches?: string; opens?: string }> = {
      'engmetrics-ingestion-stale': {},
      'engmetrics-change-fail-rate': { watches: 'Change fail rate', opens: 'Evidence of failed deployments' },
      'engmetrics-lead-time-up': {
        watches: 'Change lead time per week',
        opens: 'Pull requests shipped in the period',
      },
      'engmetrics-sprint-off-track': { watches: 'Burndown' },
    };
    const rules = groups.flatMap((g) => g.rules) as (AlertGroupJson['rules'][number] & {
      annotations: Record<string, string>;
    })[];
    expect(rules.map((r) => r.uid).sort()).toEqual(Object.keys(expected).sort());
    for (const r of rules) {
      const a = r.annotations;
      if (expected[r.uid]!.watches)
        expect([r.uid, titleOf(a.__dashboardUid__!, a.__panelId__!)]).toEqual([
          r.uid,
          expected[r.uid]!.watches,
        ]);
      const url = new URL(a.link_path!, 'http://grafana');
      const uid = /^\/d\/([^/]+)$/.exec(url.pathname)?.[1];
      expect([r.uid, dashboards.has(uid!)]).toEqual([r.uid, true]);
      const variables = (dashboards.get(uid!)!.templating?.list ?? []).map((v) => v.name);
      for (const key of url.searchParams.keys())
        if (key.startsWith('var-'))
          expect([r.uid, variables]).toEqual([r.uid, expect.arrayContaining([key.slice(4)])]);
      const view = url.searchParams.get('viewPanel');
      expect([r.uid, view ? titleOf(uid!, view.replace('panel-', '')) : undefined]).toEqual([
        r.uid,
        expected[r.uid]!.opens,
      ]);
    }
  });

  it('validates its parts against the alerting JSON schema', () => {
    const schemaFile = `${SCHEMAS}/grafana-alerting.jsonschema.json`;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(JSON.parse(readFileSync(schemaFile, 'utf8')) as object, 'alerting');
    const check = (definition: string, value: unknown, where: string) => {
      const validate = ajv.getSchema(`alerting#/definitions/${definition}`)!;
      if (!validate(value)) throw new Error(`${where} (${definition}): ${ajv.errorsText(validate.errors)}`);
    };
    // The schema describes the HTTP API; the file format wraps the same pieces differently
    // (orgId on each item, a rule's group and folder on its group), so each piece is checked
    // in its API form.
    for (const g of groups)
      for (const r of g.rules as (AlertGroupJson['rules'][number] & Record<string, unknown>)[]) {
        for (const q of r.data) check('Query', q, `rule ${r.uid} query ${q.refId}`);
        check('Rule', { ...r, orgID: g.orgId, folderUID: 'engmetrics', ruleGroup: g.name }, `rule ${r.uid}`);
      }
    for (const c of contactPoints)
      for (const receiver of c.receivers)
        check('ContactPoint', { ...receiver, name: c.name }, `contact point ${c.name}`);
    for (const p of policies) {
      const { orgId: _orgId, ...policy } = p;
      check('NotificationPolicy', policy, 'notification policy');
    }
  });
});
