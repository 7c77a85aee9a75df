import fs from 'fs';
import os from 'os';
import path from 'path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import {
  atRiskInsight,
  closedBetweenSprintsInsight,
  lowHistoryForecastInsight,
  noBoardProblem,
  offTrackRulesInsight,
  olderApiInsight,
  onTrackInsight,
  refusedForecastInsight,
  unavailableProblem,
} from '../src/insight/fixtures';
import { describeViolations, failing, runAxe } from './axe';
import { bundleHarnessPage } from './bundle';
import { type AppSettings, DIST_DIR, type Upstream, type UpstreamAnswer, startHarnessServer } from './server';

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
  loading: id('sh-loading'),
  refresh: id('sh-refresh'),
  more: id('sh-more'),
  forecast: id('sh-forecast'),
  fan: id('sh-forecast-fan'),
  section: (name: string) => id(`sh-section-${name}`),
};

(skipReason ? describe.skip : describe)('Sprint Health panel in Chromium', () => {
  const settings: AppSettings = { jsonData: { apiUrl: API_URL }, secureJsonData: { apiToken: API_TOKEN } };
  const upstream: Upstream = {};
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
    server = await startHarnessServer(settings, await bundleHarnessPage(), upstream);
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
    upstream.answer = undefined;
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

  describe.each(['dark', 'light'])('the forecast, %s theme', (theme) => {
    it.each([
      ['at wall-screen size', { width: 1200, height: 600 }, 'false'],
      ['at 300×200 px (compact layout)', { width: 300, height: 200 }, 'true'],
    ])('shows the chance, the dates in words and their bar %s', async (_where, size, compact) => {
      upstream.answer = () => Promise.resolve({ status: 200, body: atRiskInsight });
      await open({ theme, ...size, team: 'payments' });
      expect(await settled()).toBe('data');
      await screenshot(`sprint-health-${theme}-forecast-${size.width}x${size.height}`);
      expect(await page.locator(sel.root).getAttribute('data-compact')).toBe(compact);
      const forecast = page.getByRole('group', { name: 'Forecast' });
      await expect(forecast.isVisible()).resolves.toBe(true);
      // The end day is the browser's, as the dashboard's time zone is "browser" here.
      await expect(forecast.locator('p').first().innerText()).resolves.toMatch(
        /^38\.4% likely to finish by \w{3} \d{1,2} Mar$/
      );
      const dates = forecast.getByRole('list', { name: 'Likely done by' }).getByRole('listitem');
      await expect(dates.allInnerTexts()).resolves.toEqual([
        '50% by Tue 17 Mar',
        '70% by Wed 18 Mar',
        '85% by Fri 20 Mar',
        '95% by Tue 24 Mar',
        expect.stringMatching(/^sprint ends \w{3} \d{1,2} Mar$/),
      ]);
      // Drawn, inside the panel, and the likely range wider than nothing.
      const bar = await page.locator(sel.fan).boundingBox();
      const panel = await page.locator(sel.root).boundingBox();
      expect(bar!.width).toBeGreaterThan(100);
      expect(bar!.x).toBeGreaterThanOrEqual(panel!.x);
      expect(bar!.x + bar!.width).toBeLessThanOrEqual(panel!.x + panel!.width);
      const band = await page.locator(`${sel.fan} > div`).nth(1).boundingBox();
      expect(band!.width).toBeGreaterThan(10);
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
  describe('accessibility (axe-core, WCAG 2.2 AA)', () => {
    /** A wall screen's panel, a phone held upright, and a usual dashboard row on a phone. */
    const SIZES = [
      { width: 960, height: 540 },
      { width: 360, height: 640 },
      { width: 360, height: 300 },
    ];
    const never = () => new Promise<UpstreamAnswer>(() => {});
    const answer =
      (body: unknown, status = 200) =>
      () =>
        Promise.resolve({ status, body });

    interface PanelState {
      name: string;
      /** team and sprint, the dashboard's variables */
      query: Record<string, string>;
      shows: 'data' | 'empty' | 'error' | 'loading';
      /** Stands in for the API; unset, the demo's API answers. */
      answer?: Upstream['answer'];
      token?: string;
      apiUrl?: string;
      /** What brings the settled panel into the state. */
      enter?: (page: Page) => Promise<void>;
    }

    const states: PanelState[] = [
      { name: `${TEAM} (demo API)`, query: { team: TEAM }, shows: 'data' },
      ...['growth', 'mobile', 'platform']
        .filter((team) => team !== TEAM)
        .map((team): PanelState => ({ name: `${team} (demo API)`, query: { team }, shows: 'data' })),
      { name: 'at risk, LLM', query: { team: 'payments' }, shows: 'data', answer: answer(atRiskInsight) },
      {
        name: 'off track, rule-based',
        query: { team: 'platform' },
        shows: 'data',
        answer: answer(offTrackRulesInsight),
      },
      { name: 'on track', query: { team: 'mobile' }, shows: 'data', answer: answer(onTrackInsight) },
      {
        name: 'forecast from little history',
        query: { team: 'growth' },
        shows: 'data',
        answer: answer(lowHistoryForecastInsight),
      },
      { name: 'forecast refused', query: { team: 'growth' }, shows: 'data', answer: answer(refusedForecastInsight) },
      {
        name: 'API older than the forecast',
        query: { team: 'payments' },
        shows: 'data',
        answer: answer(olderApiInsight),
      },
      {
        name: 'closed sprint',
        query: { team: 'payments' },
        shows: 'data',
        answer: answer(closedBetweenSprintsInsight),
      },
      {
        name: 'rule-based, the reason in its tooltip',
        query: { team: 'platform' },
        shows: 'data',
        answer: answer(offTrackRulesInsight),
        enter: async (page) => {
          await page.getByRole('button', { name: /^Why rule-based/ }).focus();
          await page.waitForSelector('[role="tooltip"]');
        },
      },
      {
        name: 'at risk, a card opened',
        query: { team: 'payments' },
        shows: 'data',
        answer: answer(atRiskInsight),
        enter: async (page) => {
          // Only the compact layout has cards that open.
          const card = page.locator(`${sel.root} button[aria-expanded="false"]`).first();
          if (await card.count()) {
            await card.click();
            await page.waitForSelector(`${sel.root} button[aria-expanded="true"]`);
          }
        },
      },
      { name: 'loading', query: { team: TEAM }, shows: 'loading', answer: never },
      {
        name: 'refreshing',
        query: { team: 'payments' },
        shows: 'data',
        answer: (_path, query) => (query.get('refresh') === 'true' ? never() : answer(atRiskInsight)()),
        enter: async (page) => {
          await page.locator(sel.refresh).click();
          await page.waitForSelector(`${sel.refresh}:disabled`);
        },
      },
      { name: 'wrong token', query: { team: TEAM }, shows: 'error', token: 'not-the-api-token-0000' },
      { name: 'API down', query: { team: TEAM }, shows: 'error', apiUrl: 'http://127.0.0.1:9' },
      { name: 'API error (503)', query: { team: TEAM }, shows: 'error', answer: answer(unavailableProblem, 503) },
      { name: 'no sprint', query: { team: TEAM }, shows: 'empty', answer: answer(noBoardProblem, 404) },
      { name: 'sprint not found', query: { team: TEAM, sprint: '999999999' }, shows: 'empty' },
      { name: 'no team', query: { team: 'no-such-team' }, shows: 'empty' },
      { name: 'no team selected', query: { team: '' }, shows: 'empty' },
    ];

    /** Brings a fresh page into the state at the size, or says what it shows instead. */
    async function show(state: PanelState, theme: string, size: { width: number; height: number }) {
      settings.jsonData.apiUrl = state.apiUrl ?? API_URL;
      settings.secureJsonData.apiToken = state.token ?? API_TOKEN;
      upstream.answer = state.answer;
      await page.close();
      page = await browser.newPage();
      page.on('pageerror', (err) => pageErrors.push(err.message));
      await open({ theme, ...size, ...state.query });
      if (state.shows === 'loading') {
        await page.waitForSelector(sel.loading);
      } else {
        const outcome = await settled();
        if (outcome !== state.shows) {
          throw new Error(`${state.name}: expected ${state.shows}, the panel shows ${outcome}`);
        }
      }
      await state.enter?.(page);
    }

    describe.each(['dark', 'light'])('%s theme', (theme) => {
      it.each(states.map((s) => [s.name, s] as const))(
        'has no serious or critical violation: %s',
        async (_name, state) => {
          const problems: string[] = [];
          for (const size of SIZES) {
            await show(state, theme, size);
            const where = `${size.width}×${size.height}`;
            await screenshot(`a11y/${slug(state.name)}-${theme}-${where.replace('×', 'x')}`);
            const results = await runAxe(page);
            problems.push(...describeViolations(failing(results)).map((line) => `${where} ${line}`));
            if (state.shows === 'data') {
              problems.push(...(await layoutProblems(page, size)).map((line) => `${where} ${line}`));
            }
          }
          expect(problems).toEqual([]);
        },
        240_000
      );
    });

    it('fails on a planted violation: a focusable element with a prohibited label, and low-contrast text', async () => {
      await show(states[0], 'light', SIZES[0]);
      expect(failing(await runAxe(page))).toEqual([]);
      await page.evaluate((root) => {
        const panel = document.querySelector(root)!;
        const unlabeled = document.createElement('span');
        unlabeled.tabIndex = 0;
        unlabeled.setAttribute('aria-label', 'planted');
        const faint = document.createElement('p');
        faint.textContent = 'Planted text nobody can read';
        // Two greys a step apart: about 1.2:1.
        faint.style.color = 'rgb(150, 150, 150)';
        faint.style.background = 'rgb(170, 170, 170)';
        panel.prepend(unlabeled, faint);
      }, sel.root);
      const ids = failing(await runAxe(page)).map((v) => v.id);
      expect(ids).toEqual(expect.arrayContaining(['aria-prohibited-attr', 'color-contrast']));
    });

    it('saves the phone-size screenshots the README shows', async () => {
      for (const theme of ['dark', 'light']) {
        for (const size of SIZES.slice(1)) {
          await show(states[0], theme, size);
          await screenshot(`sprint-health-${theme}-${size.width}x${size.height}`);
        }
      }
    });
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

const slug = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

/**
 * What axe cannot see: content cut at the bottom with no sign there is more, a summary cut short,
 * details dropped where there is room for them, and focus rings the panel's edges clip.
 */
async function layoutProblems(page: Page, size: { width: number; height: number }): Promise<string[]> {
  const problems = await page.evaluate(
    async ({ sel, roomy }) => {
      const out: string[] = [];
      const root = document.querySelector<HTMLElement>(sel.root)!;
      const visible = (el: Element | null) => {
        if (!el) {
          return false;
        }
        const r = el.getBoundingClientRect();
        return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden';
      };
      root.scrollTop = 0;
      // The cue follows the scroll event, a render later.
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (root.scrollHeight > root.clientHeight + 1 && !visible(document.querySelector(sel.more))) {
        out.push(`content runs ${root.scrollHeight - root.clientHeight} px below the edge with no cue`);
      }
      const summary = document.querySelector<HTMLElement>(sel.summary)!;
      if (summary.scrollHeight > summary.clientHeight + 1) {
        out.push('the summary is cut short');
      }
      if (roomy && root.dataset.compact === 'true') {
        out.push('the compact layout drops details where there is room for them');
      }
      const bounds = root.getBoundingClientRect();
      const focusable = root.querySelectorAll<HTMLElement>('a[href], button:not(:disabled), [tabindex="0"]');
      for (const el of Array.from(focusable)) {
        el.focus();
        // Grafana's focus ring: a 4 px box-shadow around the element (less half a pixel: scrolling
        // goes by whole pixels, layout by fractions).
        const ring = 3.5;
        const r = el.getBoundingClientRect();
        const clipped = [
          r.left - ring < bounds.left && 'left',
          r.right + ring > bounds.right && 'right',
          r.top - ring < bounds.top && 'top',
          r.bottom + ring > bounds.bottom && 'bottom',
        ].filter(Boolean);
        if (clipped.length) {
          const name = el.getAttribute('aria-label') ?? el.textContent;
          out.push(
            `the focus ring of ${el.tagName.toLowerCase()} "${name}" is clipped at the ${clipped.join(' and ')}`
          );
        }
      }
      (document.activeElement as HTMLElement | null)?.blur();
      root.scrollTop = 0;
      return out;
    },
    { sel: { root: sel.root, summary: sel.summary, more: sel.more }, roomy: size.width >= 360 && size.height >= 600 }
  );
  return problems;
}
