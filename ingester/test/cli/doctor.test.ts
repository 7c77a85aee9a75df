import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runDoctor, type CheckResult } from '../../src/cli/doctor.js';
import { loadSettings, readSettingsLeniently } from '../../src/config/settings.js';
import { startEmbedded } from '../../src/db/embedded.js';
import { ConfigErrors } from '../../src/errors.js';
import type { GitHubSimulator } from '../../src/simulators/github/server.js';
import type { JiraSimulator } from '../../src/simulators/jira/server.js';
import { quietLog } from '../support/database.js';
import { freePort } from '../support/processes.js';
import { testWorld } from '../support/github.js';
import { CLOUD_AUTH, startSite } from '../jira/helpers.js';

/**
 * `doctor` against simulators that refuse wrong credentials as GitHub and Jira do (401 with
 * their bodies): every failure names the setting to change and the likely cause.
 */
const world = testWorld({ prs: 40, repos: 2 });
const GOOD_TOKEN = 'ghp_the_right_token_0000';

describe('engmetrics doctor', () => {
  let github: GitHubSimulator;
  let jira: JiraSimulator;
  let nowhere: string;
  beforeAll(async () => {
    const { GitHubSimulator } = await import('../../src/simulators/github/server.js');
    github = new GitHubSimulator(world, { tokens: [GOOD_TOKEN] });
    await github.start();
    jira = await startSite(world);
    // A port just freed: nothing listens there.
    nowhere = `http://127.0.0.1:${await freePort()}`;
  });
  afterAll(async () => {
    await github?.stop();
    await jira?.stop();
  });

  const env = (over: Record<string, string | undefined> = {}) => ({
    GITHUB_API_URL: github.url,
    GITHUB_TOKEN: GOOD_TOKEN,
    GITHUB_ORG: world.org.login,
    JIRA_BASE_URL: jira.url,
    JIRA_EMAIL: CLOUD_AUTH.email,
    JIRA_API_TOKEN: CLOUD_AUTH.apiToken,
    ...over,
  });
  async function doctor(over: Record<string, string | undefined> = {}): Promise<Record<string, CheckResult>> {
    const { settings, problems } = readSettingsLeniently(env(over));
    const rows = await runDoctor(settings, new Error('no database in this test'), quietLog, problems);
    return Object.fromEntries(rows.map((r) => [r.check, r]));
  }

  it('passes GitHub and Jira with the right credentials', async () => {
    const rows = await doctor();
    expect(rows.github).toMatchObject({ status: 'ok' });
    expect(rows.github!.detail).toContain(`org ${world.org.login}`);
    expect(rows.jira).toMatchObject({ status: 'ok' });
  });

  it('names the credential GitHub or Jira refuses', async () => {
    const rows = await doctor({ GITHUB_TOKEN: 'ghp_a_wrong_token_1111', JIRA_API_TOKEN: 'not-the-token' });
    expect(rows.github).toMatchObject({ status: 'fail' });
    expect(rows.github!.detail).toMatch(/^GitHub refused GITHUB_TOKEN \(401: Bad credentials.*\); check it/);
    expect(rows.jira!.detail).toMatch(/^Jira refused JIRA_EMAIL with JIRA_API_TOKEN \(401/);
  });

  it('names the address setting when nothing answers there', async () => {
    const rows = await doctor({
      GITHUB_API_URL: nowhere,
      JIRA_BASE_URL: nowhere,
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: nowhere,
    });
    for (const [check, setting] of [
      ['github', 'GITHUB_API_URL'],
      ['jira', 'JIRA_BASE_URL'],
      ['openai', 'OPENAI_BASE_URL'],
    ] as const) {
      expect(rows[check]).toMatchObject({ status: 'fail' });
      expect(rows[check]!.detail).toContain(`cannot reach ${setting} (${nowhere})`);
    }
    expect(rows.github!.detail).toContain('nothing listens there (connection refused)');
  });

  it('says when GITHUB_ORG names no organisation, and when it is not set', async () => {
    expect((await doctor({ GITHUB_ORG: 'no-such-org' })).github!.detail).toMatch(
      /^GITHUB_ORG no-such-org: no such organisation at http.*, or the token cannot see it/,
    );
    const unset = (await doctor({ GITHUB_ORG: undefined })).github!;
    expect(unset).toMatchObject({ status: 'warn' });
    expect(unset.detail).toContain('GITHUB_ORG is not set');
  });

  it('checks what it can with some settings bad, and lists every bad one', async () => {
    const rows = await runDoctor(
      ...(() => {
        const { settings, problems } = readSettingsLeniently(
          env({ SCHEDULE_GITHUB: 'every hour', PORT: 'eighty' }),
        );
        return [settings, new Error('no database'), quietLog, problems] as const;
      })(),
    );
    const settings = rows.filter((r) => r.check === 'settings').map((r) => r.detail);
    expect(settings).toEqual([expect.stringMatching(/^PORT: /), expect.stringMatching(/^SCHEDULE_GITHUB: /)]);
    expect(rows.find((r) => r.check === 'github')).toMatchObject({ status: 'ok' });
  });

  it('stops start-up with every bad setting at once, one line each', () => {
    let error: unknown;
    try {
      loadSettings({ PORT: 'eighty', LOG_LEVEL: 'loud', JIRA_EMAIL: 'a@b.c' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigErrors);
    expect((error as Error).message.split('\n')).toEqual([
      expect.stringMatching(/^PORT: /),
      expect.stringMatching(/^LOG_LEVEL: /),
    ]);
    // The rules that tie variables together are read once each variable is well formed.
    expect(() => loadSettings({ JIRA_EMAIL: 'a@b.c', SLACK_BOT_TOKEN: 'bad' })).toThrow(
      /JIRA_API_TOKEN: is required when JIRA_EMAIL is set.*\nSLACK_BOT_TOKEN: must be a Slack token/s,
    );
  });
});

describe('the embedded database held by a running npm start', () => {
  it('is named, with the DATABASE_URL that reaches it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'engmetrics-held-'));
    try {
      // Process 1 is alive on every machine; the lock says it serves on port 54399.
      writeFileSync(
        join(dir, 'pg.lock'),
        JSON.stringify({ pid: 1, url: 'postgres://postgres@127.0.0.1:54399/postgres?sslmode=disable' }),
      );
      await expect(startEmbedded({ dataDir: dir, port: 0 })).rejects.toThrow(
        /ENGMETRICS_DATA_DIR: the embedded database in .* is in use by process 1 .*; use it: DATABASE_URL=postgres:\/\/postgres@127\.0\.0\.1:54399\/postgres$/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
