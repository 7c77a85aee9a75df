import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadOrganisation, parseOrganisation, repoMatches } from '../src/config/organisation.js';
import { loadSettings } from '../src/config/settings.js';
import { ConfigError } from '../src/errors.js';

const PEM = '-----BEGIN RSA PRIVATE KEY-----\\nMIIB\\n-----END RSA PRIVATE KEY-----';

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadSettings(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(env)}`);
}

describe('settings', () => {
  it('default every optional setting', () => {
    const s = loadSettings({});
    expect(s.api.port).toBe(8080);
    expect(s.database.url).toBeUndefined();
    expect(s.database.embeddedPort).toBe(54329);
    expect(s.github.apiUrl).toBe('https://api.github.com');
    expect(s.openai.baseUrl).toBe('https://api.openai.com/v1');
    expect(s.secrets).toEqual([]);
  });

  it('read blank values as unset, trim trailing slashes, split lists', () => {
    const s = loadSettings({
      PORT: '',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3/',
      GITHUB_REPOS: 'api, web-* ,,',
      JIRA_PROJECTS: 'PAY,CORE',
    });
    expect(s.api.port).toBe(8080);
    expect(s.github.apiUrl).toBe('https://ghe.example.com/api/v3');
    expect(s.github.repos).toEqual(['api', 'web-*']);
    expect(s.jira.projects).toEqual(['PAY', 'CORE']);
  });

  it('resolve relative paths from the folder the command was run in', () => {
    const s = loadSettings({ INIT_CWD: '/srv/engmetrics', ENGMETRICS_DATA_DIR: 'state' });
    expect(s.database.dataDir).toBe('/srv/engmetrics/state');
  });

  it('pick Cloud basic auth or a Data Center bearer PAT for Jira', () => {
    const cloud = loadSettings({
      JIRA_BASE_URL: 'https://acme.atlassian.net',
      JIRA_EMAIL: 'a@b.c',
      JIRA_API_TOKEN: 'tok1',
    });
    expect(cloud.jira.auth).toEqual({ kind: 'basic', email: 'a@b.c', apiToken: 'tok1' });
    const dc = loadSettings({ JIRA_BASE_URL: 'https://jira.acme.internal', JIRA_PAT: 'pat-123' });
    expect(dc.jira.auth).toEqual({ kind: 'bearer', pat: 'pat-123' });
  });

  it('collect every secret value for the logger to scrub', () => {
    const s = loadSettings({
      API_TOKEN: 'a-long-api-token-value',
      GITHUB_TOKEN: 'ghp_secret',
      DATABASE_URL: 'postgres://owner:db%40pass@db:5432/x',
    });
    expect(s.secrets).toEqual(expect.arrayContaining(['a-long-api-token-value', 'ghp_secret', 'db@pass']));
  });

  const cases: [string, Record<string, string>, RegExp][] = [
    ['PORT', { PORT: 'eighty' }, /^PORT: must be a whole number from 1 to 65535$/],
    ['PORT', { PORT: '70000' }, /^PORT: must be a whole number/],
    ['ENGMETRICS_PG_PORT', { ENGMETRICS_PG_PORT: '-1' }, /^ENGMETRICS_PG_PORT: /],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://x' }, /^DATABASE_URL: must be a postgres/],
    ['API_TOKEN', { API_TOKEN: 'short' }, /^API_TOKEN: must be at least 16 characters long$/],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, /^LOG_LEVEL: must be one of/],
    ['GITHUB_API_URL', { GITHUB_API_URL: 'ghe.example.com' }, /^GITHUB_API_URL: must be an http\(s\) URL/],
    ['GITHUB_ORG', { GITHUB_ORG: 'not an org!' }, /^GITHUB_ORG: must be a GitHub organisation login$/],
    ['GITHUB_APP_ID', { GITHUB_APP_ID: '12x' }, /^GITHUB_APP_ID: must be a positive whole number$/],
    [
      'GITHUB_APP_PRIVATE_KEY',
      { GITHUB_APP_ID: '12' },
      /^GITHUB_APP_PRIVATE_KEY: is required when GITHUB_APP_ID/,
    ],
    [
      'GITHUB_APP_PRIVATE_KEY',
      { GITHUB_APP_ID: '12', GITHUB_APP_PRIVATE_KEY: 'nope' },
      /^GITHUB_APP_PRIVATE_KEY: must be a PEM/,
    ],
    [
      'GITHUB_TOKEN',
      { GITHUB_APP_ID: '12', GITHUB_APP_PRIVATE_KEY: PEM, GITHUB_TOKEN: 't' },
      /^GITHUB_TOKEN: set either/,
    ],
    ['JIRA_BASE_URL', { JIRA_BASE_URL: 'acme.atlassian.net' }, /^JIRA_BASE_URL: must be an http\(s\) URL/],
    ['JIRA_BASE_URL', { JIRA_PAT: 'p' }, /^JIRA_BASE_URL: is required when Jira credentials are set$/],
    ['JIRA_EMAIL', { JIRA_EMAIL: 'nobody' }, /^JIRA_EMAIL: must be an email address$/],
    ['JIRA_API_TOKEN', { JIRA_BASE_URL: 'https://a.b', JIRA_EMAIL: 'a@b.c' }, /^JIRA_API_TOKEN: is required/],
    [
      'JIRA_PAT',
      { JIRA_BASE_URL: 'https://a.b', JIRA_EMAIL: 'a@b.c', JIRA_API_TOKEN: 't', JIRA_PAT: 'p' },
      /^JIRA_PAT: set either/,
    ],
    ['OPENAI_BASE_URL', { OPENAI_BASE_URL: 'localhost:11434' }, /^OPENAI_BASE_URL: /],
    ['SLACK_BOT_TOKEN', { SLACK_BOT_TOKEN: 'abc' }, /^SLACK_BOT_TOKEN: must be a Slack token/],
    ['SLACK_WEBHOOK_URL', { SLACK_WEBHOOK_URL: 'hooks.slack.com/x' }, /^SLACK_WEBHOOK_URL: /],
    [
      'GRAFANA_READER_PASSWORD',
      { GRAFANA_READER_PASSWORD: 'pw' },
      /^GRAFANA_READER_PASSWORD: must be at least 8/,
    ],
    [
      'OPENAI_TIMEOUT_MS',
      { OPENAI_TIMEOUT_MS: '20s' },
      /^OPENAI_TIMEOUT_MS: must be a whole number of milliseconds/,
    ],
    [
      'OPENAI_TIMEOUT_MS',
      { OPENAI_TIMEOUT_MS: '50' },
      /^OPENAI_TIMEOUT_MS: must be a whole number of milliseconds/,
    ],
    ['SCHEDULER', { SCHEDULER: 'maybe' }, /^SCHEDULER: must be on or off$/],
    [
      'SCHEDULE_GITHUB',
      { SCHEDULE_GITHUB: 'every hour' },
      /^SCHEDULE_GITHUB: must be a cron expression such as/,
    ],
    ['SCHEDULE_JIRA', { SCHEDULE_JIRA: '* * * *' }, /^SCHEDULE_JIRA: must be a cron expression/],
    ['SCHEDULE_REFRESH', { SCHEDULE_REFRESH: '61 2 * * *' }, /^SCHEDULE_REFRESH: must be a cron expression/],
    ['SCHEDULE_SLACK', { SCHEDULE_SLACK: '0 25 * * *' }, /^SCHEDULE_SLACK: must be a cron expression/],
    [
      'SCHEDULE_TIMEZONE',
      { SCHEDULE_TIMEZONE: 'Mars/Olympus' },
      /^SCHEDULE_TIMEZONE: must be an IANA time zone/,
    ],
  ];
  it.each(cases)('name %s in a one-line error', (variable, env, message) => {
    const err = errorOf(env);
    expect(err.variable).toBe(variable);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
  });

  describe('from files named by <NAME>_FILE (Docker and Kubernetes secrets)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'engmetrics-secrets-'));
    const file = (name: string, contents: string) => {
      const path = join(dir, name);
      writeFileSync(path, contents);
      return path;
    };

    it('read each secret setting from its file, without the trailing line break, and scrub it from logs', () => {
      const s = loadSettings({
        API_TOKEN_FILE: file('api_token', 'token-from-a-file-0123\n'),
        GITHUB_APP_ID: '12',
        GITHUB_APP_PRIVATE_KEY_FILE: file(
          'github.pem',
          '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n',
        ),
        JIRA_BASE_URL: 'https://acme.atlassian.net',
        JIRA_PAT_FILE: file('jira_pat', 'pat-from-file\r\n'),
        SLACK_WEBHOOK_URL_FILE: file('webhook', 'https://hooks.slack.com/services/T/B/x'),
        GRAFANA_READER_PASSWORD_FILE: file('reader', 'reader-password\n\n'),
      });
      expect(s.api.token).toBe('token-from-a-file-0123');
      expect(s.github.app?.privateKey).toBe(
        '-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----',
      );
      expect(s.jira.auth).toEqual({ kind: 'bearer', pat: 'pat-from-file' });
      expect(s.slack.webhookUrl).toBe('https://hooks.slack.com/services/T/B/x');
      expect(s.grafana.readerPassword).toBe('reader-password');
      expect(s.secrets).toEqual(
        expect.arrayContaining(['token-from-a-file-0123', 'pat-from-file', 'reader-password']),
      );
    });

    it('give DATABASE_URL the password of DATABASE_PASSWORD(_FILE), percent-encoded', () => {
      const s = loadSettings({
        DATABASE_URL: 'postgres://engmetrics@db:5432/engmetrics',
        DATABASE_PASSWORD_FILE: file('db', 'p@ss/word:1\n'),
      });
      expect(s.database.url).toBe('postgres://engmetrics:p%40ss%2Fword%3A1@db:5432/engmetrics');
      expect(s.secrets).toContain('p@ss/word:1');
      expect(
        loadSettings({ DATABASE_URL: 'postgres://u@db/x', DATABASE_PASSWORD: 'plain' }).database.url,
      ).toBe('postgres://u:plain@db/x');
    });

    it.each([
      [
        'both the value and its file',
        () => ({ API_TOKEN: 'a-token-of-sixteen-chars', API_TOKEN_FILE: file('both', 'x') }),
        /^API_TOKEN_FILE: set either API_TOKEN or API_TOKEN_FILE, not both$/,
      ],
      [
        'a missing file',
        () => ({ GITHUB_TOKEN_FILE: join(dir, 'nope') }),
        /^GITHUB_TOKEN_FILE: cannot read .*nope: no such file$/,
      ],
      [
        'a folder',
        () => ({ OPENAI_API_KEY_FILE: dir }),
        /^OPENAI_API_KEY_FILE: cannot read .*: is a folder, not a file$/,
      ],
      ['an empty file', () => ({ JIRA_PAT_FILE: file('empty', '\n') }), /^JIRA_PAT_FILE: .*empty is empty$/],
      [
        'a file whose contents are not a valid value',
        () => ({ API_TOKEN_FILE: file('short', 'short\n') }),
        /^API_TOKEN_FILE: the contents of .*short must be at least 16 characters long$/,
      ],
      [
        'a password beside a URL that has one',
        () => ({ DATABASE_URL: 'postgres://u:pw@db/x', DATABASE_PASSWORD: 'other' }),
        /^DATABASE_PASSWORD: DATABASE_URL carries a password already/,
      ],
      [
        'a password without a URL',
        () => ({ DATABASE_PASSWORD: 'pw' }),
        /^DATABASE_PASSWORD: is the password of DATABASE_URL, which is unset$/,
      ],
    ])('name the variable to fix for %s', (_label, env, message) => {
      const err = errorOf(env());
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('short\n');
    });

    it('never print what a file holds', () => {
      const err = errorOf({ API_TOKEN_FILE: file('secret-but-short', 'hunter2\n') });
      expect(err.message).not.toContain('hunter2');
    });
  });

  it('default the schedules, read off as switched off, and take a time zone', () => {
    const s = loadSettings({});
    expect(s.openai.timeoutMs).toBe(20_000);
    expect(s.schedule).toEqual({
      enabled: true,
      timezone: undefined,
      github: '0 * * * *',
      jira: '30 */2 * * *',
      refresh: '0 2 * * *',
      slack: '0 9 * * 1-5',
    });
    const custom = loadSettings({
      SCHEDULER: 'OFF',
      SCHEDULE_GITHUB: ' */15  * * * * ',
      SCHEDULE_SLACK: 'off',
      SCHEDULE_TIMEZONE: 'Europe/Berlin',
      OPENAI_TIMEOUT_MS: '5000',
    });
    expect(custom.schedule).toMatchObject({
      enabled: false,
      github: '*/15 * * * *',
      slack: null,
      timezone: 'Europe/Berlin',
    });
    expect(custom.openai.timeoutMs).toBe(5000);
  });

  it('never echo a secret value in an error', () => {
    const err = errorOf({ API_TOKEN: 'sh0rt' });
    expect(err.message).not.toContain('sh0rt');
  });
});

describe('organisation file', () => {
  it('parse teams, stage and flow-item mappings with defaults for the rest', () => {
    const org = parseOrganisation(`
teams:
  - name: payments
    github: { repos: [payments-api, "payments-*"] }
    jira: { projects: [PAY], boards: [12] }
  - name: platform
statusStages: { "In Review": waiting, Blocked: waiting }
flowItems: { Story: feature, Bug: defect }
`);
    expect(org.teams.map((t) => t.name)).toEqual(['payments', 'platform']);
    expect(org.teams[1]!.github.repos).toEqual([]);
    expect(org.statusStages['In Review']).toBe('waiting');
    expect(org.deployments.productionPattern).toBeUndefined();
    expect(org.deployments.repos).toEqual({});
    expect(org.incidents).toBeUndefined();
  });

  it.each([
    ['teams: [{ name: a, github: { repos: [1] } }]', /ENGMETRICS_CONFIG: teams\[0\]\.github\.repos\[0\] /],
    ['teams: [{ name: a }, { name: a }]', /duplicate team "a"/],
    ['statusStages: { Blocked: stuck }', /statusStages\.Blocked /],
    ['flowItems: { Bug: bugs }', /flowItems\.Bug /],
    ['teams: [{ name: a, jira: { projects: [pay] } }]', /must be a Jira project key/],
    ['deployments: { productionPattern: "(" }', /not a valid regular expression/],
    ['deployments: { repos: { web: { source: workflow } } }', /workflow is required when source is workflow/],
    ['colour: blue', /Unrecognized key/i],
    ['teams: [', /is not valid YAML/],
  ])('reject %s naming where', (yaml, message) => {
    expect(() => parseOrganisation(yaml)).toThrow(message);
  });

  it('say when the file cannot be read', () => {
    expect(() => loadOrganisation('/nonexistent/org.yaml')).toThrow(
      /^ENGMETRICS_CONFIG: cannot read \/nonexistent\/org.yaml: ENOENT$/,
    );
  });

  it('match repository patterns the way a user writes them', () => {
    expect(repoMatches('payments-*', 'payments-api')).toBe(true);
    expect(repoMatches('payments-*', 'Payments-Web')).toBe(true);
    expect(repoMatches('payments-*', 'core-payments-api')).toBe(false);
    expect(repoMatches('svc-?', 'svc-a')).toBe(true);
    expect(repoMatches('a.b', 'axb')).toBe(false);
  });
});

describe('the CLI with a bad setting', () => {
  const cli = (env: Record<string, string>) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'migrate'], {
      cwd: new URL('..', import.meta.url).pathname,
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ DATABASE_URL: 'not-a-url' }, 'DATABASE_URL'],
    [{ GITHUB_APP_ID: '7' }, 'GITHUB_APP_PRIVATE_KEY'],
  ])('exits non-zero with one line naming the variable (%j)', (env, variable) => {
    const run = cli(env);
    expect(run.status).toBe(78);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^engmetrics: configuration error: ${variable}: `));
  });

  it('exits non-zero naming ENGMETRICS_CONFIG for a broken organisation file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'org-'));
    writeFileSync(join(dir, 'org.yaml'), 'teams: [{ name: a, github: { repos: [1] } }]');
    const run = cli({ ENGMETRICS_CONFIG: join(dir, 'org.yaml') });
    expect(run.status).toBe(78);
    expect(run.stderr.trim()).toMatch(
      /^engmetrics: configuration error: ENGMETRICS_CONFIG: teams\[0\]\.github\.repos\[0\]/,
    );
  });
});
