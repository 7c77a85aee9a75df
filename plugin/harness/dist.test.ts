import fs from 'fs';
import path from 'path';
import { DIST_DIR } from './server';

// The checks Grafana's plugin.json schema makes that matter here, on what `npm run build` wrote.
const ID = /^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource|secretsmanager|transformer)$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const GRAFANA_DEP = /^(<=|>=|<|>|=|~|\^)?([0-9]+)(\.[0-9x*]+)(\.[0-9x*]+)?$/;

const read = (rel: string) => JSON.parse(fs.readFileSync(path.join(DIST_DIR, rel), 'utf8'));

describe('dist/', () => {
  beforeAll(() => {
    if (!fs.existsSync(path.join(DIST_DIR, 'plugin.json'))) {
      throw new Error('No plugin/dist: run `npm run build -w plugin` first');
    }
  });

  it.each([
    ['plugin.json', 'app', 'engmetrics-sprinthealth-app', 'module.js'],
    ['panels/sprint-health/plugin.json', 'panel', 'engmetrics-sprinthealth-panel', 'panels/sprint-health/module.js'],
  ])('%s is a valid %s plugin.json next to its module', (file, type, id, moduleFile) => {
    const json = read(file);
    expect(json).toMatchObject({ type, id });
    expect(json.id).toMatch(ID);
    expect(typeof json.name).toBe('string');
    expect(json.info.version).toMatch(SEMVER);
    expect(json.info.updated).toMatch(DATE);
    expect(json.info.keywords.length).toBeGreaterThan(0);
    expect(json.dependencies.grafanaDependency).toMatch(GRAFANA_DEP);
    // Grafana resolves a nested plugin's logos against the app's base URL.
    for (const logo of [json.info.logos.small, json.info.logos.large]) {
      expect(fs.existsSync(path.join(DIST_DIR, logo))).toBe(true);
    }
    const module = fs.readFileSync(path.join(DIST_DIR, moduleFile), 'utf8');
    expect(module).toMatch(/define\(\[/);
  });

  it('the app includes the panel and proxies the API with the token from secureJsonData', () => {
    const app = read('plugin.json');
    expect(app.includes).toContainEqual(expect.objectContaining({ type: 'panel', name: 'Sprint Health' }));
    const get = app.routes.find((r: { method: string }) => r.method === 'GET');
    expect(get).toEqual(
      expect.objectContaining({
        path: 'api/*',
        url: '{{ .JsonData.apiUrl }}',
        reqRole: 'Viewer',
        headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }],
      })
    );
  });

  it('ships no test fixtures and no token', () => {
    const files = fs.readdirSync(DIST_DIR, { recursive: true }) as string[];
    const text = files
      .filter((f) => /\.(js|json)$/.test(f))
      .map((f) => fs.readFileSync(path.join(DIST_DIR, f), 'utf8'))
      .join('\n');
    expect(text).not.toContain('PAY Sprint 42');
    expect(text).not.toMatch(/Bearer [A-Za-z0-9]/);
  });
});
