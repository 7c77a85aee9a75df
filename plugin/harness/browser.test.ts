import fs from 'fs';
import os from 'os';
import path from 'path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { bundleHarnessPage } from './bundle';
import { type AppSettings, DIST_DIR, startHarnessServer } from './server';

/**
 * The built panel in headless Chromium against the engmetrics API serving the demo data, through
 * the harness's copy of Grafana's plugin proxy. Needs ENGMETRICS_API_URL and API_TOKEN; without
 * them the whole check is reported as skipped.
 */
const API_URL = process.env.ENGMETRICS_API_URL;
const API_TOKEN = process.env.API_TOKEN;
const TEAM = process.env.ENGMETRICS_TEAM || 'payments';
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve(__dirname, '../build/screenshots');

const skipReason = !API_URL || !API_TOKEN ? 'ENGMETRICS_API_URL and API_TOKEN are not set' : undefined;
if (skipReason) {
  // Straight to stderr: jest drops console output of a file whose tests are all skipped.
  process.stderr.write(
    `\nBrowser check skipped: ${skipReason}. Start the API with the demo data and set both ` +
      '(e.g. ENGMETRICS_API_URL=http://127.0.0.1:8080 API_TOKEN=… npm run test:browser -w plugin).\n\n'
  );
}

const id = (testId: string) => `[data-testid="data-testid ${testId}"]`;
const sel = {
  root: id('sh-panel'),
  status: id('sh-status'),
  score: id('sh-score'),
  summary: id('sh-summary'),
  sprint: id('sh-sprint'),
  source: id('sh-source'),
  empty: id('sh-empty'),
  error: id('sh-error'),
  section: (name: string) => id(`sh-section-${name}`),
};

(skipReason ? describe.skip : describe)('Sprint Health panel in Chromium', () => {
  const settings: AppSettings = { jsonData: { apiUrl: API_URL }, secureJsonData: { apiToken: API_TOKEN } };
  let server: Awaited<ReturnType<typeof startHarnessServer>>;
  let browser: BrowserContext;
  let userDataDir: string;
  let page: Page;
  let pageErrors: string[];

  beforeAll(async () => {
    if (!fs.existsSync(path.join(DIST_DIR, 'panels/sprint-health/module.js'))) {
      throw new Error('No built panel: run `npm run build -w plugin` first');
    }
    if (!fs.existsSync(CHROMIUM)) {
      throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    }
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    server = await startHarnessServer(settings, await bundleHarnessPage());
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'engmetrics-chromium-'));
    // A persistent context is how Playwright takes a fresh --user-data-dir of our choosing.
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      deviceScaleFactor: 1,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (userDataDir) {
      fs.rmSync(userDataDir, { recursive: true, force: true });
    }
  });

  beforeEach(async () => {
    settings.jsonData.apiUrl = API_URL;
    settings.secureJsonData.apiToken = API_TOKEN;
    page = await browser.newPage();
    pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });

  afterEach(async () => {
    await page?.close();
    expect(pageErrors ?? []).toEqual([]);
  });

  async function open(query: Record<string, string | number | object>) {
    const params = new URLSearchParams(
      Object.entries(query).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])
    );
    await page.goto(`${server.url}?${params}`);
    await page.waitForFunction(() => document.body.dataset.ready === 'true' || document.body.dataset.failed, null, {
      timeout: 30_000,
    });
    const failed = await page.evaluate(() => document.body.dataset.failed);
    if (failed) {
      throw new Error(`The harness page failed: ${failed}`);
    }
  }

  /** Waits for the panel to settle on data, empty or error, and returns which. */
  async function settled(): Promise<'data' | 'empty' | 'error'> {
    await page.waitForSelector(`${sel.status}, ${sel.empty}, ${sel.error}`, { timeout: 60_000 });
    if (await page.$(sel.status)) {
      return 'data';
    }
    return (await page.$(sel.empty)) ? 'empty' : 'error';
  }

  async function screenshot(name: string) {
    await page.locator('#panel').screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
  }

  it('runs the React of the installed package set', async () => {
    await open({ theme: 'dark', width: 600, height: 320, team: TEAM });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the version installed beside this file
    const installed: string = require('react/package.json').version;
    await expect(page.evaluate(() => document.body.dataset.react)).resolves.toBe(installed);
  });

  describe.each(['dark', 'light'])('%s theme', (theme) => {
    it(`shows the sprint health of team ${TEAM} at wall-screen size`, async () => {
      await open({ theme, width: 1200, height: 600, team: TEAM });
      const outcome = await settled();
      await screenshot(`sprint-health-${theme}-wall`);
      if (outcome !== 'data') {
        throw new Error(`Expected an insight, the panel shows: ${await page.locator(sel.root).innerText()}`);
      }
      await expectInsight(page);
      expect(await page.locator(sel.root).getAttribute('data-compact')).toBe('false');
      for (const name of ['risks', 'bottlenecks', 'recommendations']) {
        await page.locator(sel.section(name)).waitFor({ state: 'visible' });
      }
    });

    it('stays readable at 300×200 px (compact layout)', async () => {
      await open({ theme, width: 300, height: 200, team: TEAM });
      expect(await settled()).toBe('data');
      await screenshot(`sprint-health-${theme}-small`);
      expect(await page.locator(sel.root).getAttribute('data-compact')).toBe('true');
      await expect(page.locator(sel.status).isVisible()).resolves.toBe(true);
      await expect(page.locator(sel.score).isVisible()).resolves.toBe(true);
    });
  });

  it('says the token is wrong when the API refuses it', async () => {
    settings.secureJsonData.apiToken = 'not-the-api-token-0000';
    await open({ theme: 'dark', width: 600, height: 320, team: TEAM });
    expect(await settled()).toBe('error');
    await screenshot('sprint-health-dark-401');
    await expect(page.locator(sel.error).innerText()).resolves.toContain(
      'The API token in the app configuration is wrong'
    );
  });

  it('says the team does not exist, naming the teams there are', async () => {
    await open({ theme: 'dark', width: 600, height: 320, team: 'no-such-team' });
    expect(await settled()).toBe('empty');
    await screenshot('sprint-health-dark-no-team');
    const text = await page.locator(sel.empty).innerText();
    expect(text).toContain('No team no-such-team');
    expect(text).toMatch(/There is no team "no-such-team"; teams: \w+/);
  });

  it('says the API cannot be reached when it is down', async () => {
    settings.jsonData.apiUrl = 'http://127.0.0.1:9';
    await open({ theme: 'light', width: 600, height: 320, team: TEAM });
    expect(await settled()).toBe('error');
    await screenshot('sprint-health-light-api-down');
    await expect(page.locator(sel.error).innerText()).resolves.toContain('Cannot reach the engmetrics API');
  });
});

async function expectInsight(page: Page) {
  await expect(page.locator(sel.status).innerText()).resolves.toMatch(/^(On track|At risk|Off track)$/);
  await expect(page.locator(sel.score).innerText()).resolves.toMatch(/^\d{1,3}\s*\/100$/);
  await expect(page.locator(sel.summary).innerText()).resolves.toMatch(/\w+(\s+\S+){5,}/);
  await expect(page.locator(sel.sprint).innerText()).resolves.toContain(TEAM);
  await expect(page.locator(sel.source).innerText()).resolves.toMatch(/(Written by \S+|Rule-based).*generated .+ ago/s);
  const hrefs = await page
    .locator(`${sel.root} a[target="_blank"]`)
    .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  for (const href of hrefs) {
    expect(href).toMatch(/^https?:\/\//);
  }
}
