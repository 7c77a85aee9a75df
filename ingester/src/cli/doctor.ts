import { WebClient } from '@slack/web-api';
import OpenAI from 'openai';
import pg from 'pg';
import { readSettingsLeniently, type Settings } from '../config/settings.js';
import { loadOrganisation } from '../config/organisation.js';
import { openDatabase } from '../db/connect.js';
import { createLogger } from '../log.js';
import type { Database } from '../db/database.js';
import { migrationStatus } from '../db/migrations.js';
import { ConfigError, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';
import { selectRepositories, unmatchedEntries } from '../sources/github/repos.js';
import { firstFew } from '../sources/names.js';
import { createGitHubClient } from '../sources/github/client.js';
import { createJiraClients } from '../sources/jira/client.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';
export interface CheckResult {
  check: string;
  status: CheckStatus;
  detail: string;
}

type Check = {
  check: string;
  /** Where the service is: a failure is told in terms of its settings. */
  endpoint?: Endpoint;
  run: () => Promise<Omit<CheckResult, 'check'>>;
};

const TIMEOUT_MS = 10_000;

function timeout<T>(p: Promise<T>, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      t = setTimeout(
        () => reject(new Error(`${what} did not answer within ${TIMEOUT_MS / 1000} s`)),
        TIMEOUT_MS,
      );
    }),
  ]).finally(() => clearTimeout(t));
}

/** Where a check's service lives and what proves who we are, to name them when it fails. */
interface Endpoint {
  service: string;
  /** The setting holding the address, and its value. */
  address: [string, string];
  /** The setting(s) holding the credential. */
  credential: string;
}

const endpointOf = (service: string, setting: string, value: string, credential: string): Endpoint => ({
  service,
  address: [setting, value],
  credential,
});

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'nothing listens there (connection refused)',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
};

/** The error's HTTP status, whichever client raised it. */
function statusOf(err: unknown): number | undefined {
  const e = err as { status?: unknown; statusCode?: unknown; response?: { status?: unknown } };
  for (const v of [e.status, e.statusCode, e.response?.status])
    if (typeof v === 'number' && v >= 100) return v;
  return undefined;
}

/** A network error's code, looked for down the chain of causes (fetch wraps them). */
function networkCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && e.code in NETWORK_CODES) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

/**
 * A failure told as what to change: the setting that holds the address when the service
 * cannot be reached, the credential when it refuses us, and the service's own words after.
 */
function explain(err: unknown, at: Endpoint): string {
  const [name, value] = at.address;
  const code = networkCode(err);
  if (code) return `cannot reach ${name} (${value}): ${NETWORK_CODES[code]}; check the address`;
  const first = errorMessage(err).split('\n')[0]!;
  if (/did not answer within/.test(first))
    return `${name} (${value}) ${first.replace(/^.*did not answer/, 'did not answer')}`;
  if (/fetch failed|connection error/i.test(first))
    return `cannot reach ${name} (${value}): ${first}; check the address`;
  const slack = (err as { data?: { error?: string } }).data?.error;
  const status =
    slack && /^(invalid_auth|not_authed|token_revoked|account_inactive)$/.test(slack) ? 401 : statusOf(err);
  if (status === 401)
    return `${at.service} refused ${at.credential} (401: ${first}); check it, or make a new one`;
  if (status === 403)
    return `${at.service} accepted ${at.credential} but refused this (403: ${first}); check its permissions`;
  if (status === 404)
    return `${at.service} at ${value} has no such resource (404: ${first}); check ${name} and the names set`;
  return status ? `${at.service} answered ${status}: ${first}` : first;
}

function databaseChecks(settings: Settings, db: Database): Check[] {
  const checks: Check[] = [
    {
      check: 'database',
      run: async () => {
        // SHOW names its column after the setting; a named column reads the same everywhere.
        const { rows } = await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
        return { status: 'ok', detail: `PostgreSQL ${rows[0]?.v}${db.embedded ? ' (embedded)' : ''}` };
      },
    },
    {
      check: 'migrations',
      run: async () => {
        const s = await migrationStatus(db);
        return s.current
          ? { status: 'ok', detail: 'up to date' }
          : {
              status: 'warn',
              detail: `${s.pending.length} pending (${s.pending.join(', ')}); run engmetrics migrate`,
            };
      },
    },
  ];
  if (settings.grafana.readerPassword && !db.embedded)
    checks.push({
      check: 'grafana_reader login',
      run: async () => {
        const url = new URL(db.url);
        url.username = 'grafana_reader';
        url.password = encodeURIComponent(settings.grafana.readerPassword!);
        const client = new pg.Client({
          connectionString: url.toString(),
          connectionTimeoutMillis: TIMEOUT_MS,
        });
        await client.connect();
        try {
          await client.query('SELECT 1');
        } finally {
          await client.end();
        }
        return { status: 'ok', detail: 'Grafana can log in with GRAFANA_READER_PASSWORD' };
      },
    });
  return checks;
}

function githubCheck(settings: Settings, log: Logger): Check {
  return {
    check: 'github',
    endpoint: endpointOf(
      'GitHub',
      'GITHUB_API_URL',
      settings.github.apiUrl,
      settings.github.app ? 'the GITHUB_APP_* credentials' : 'GITHUB_TOKEN',
    ),
    run: async () => {
      const g = settings.github;
      if (!g.token && !g.app)
        return { status: 'skip', detail: 'not configured (GITHUB_TOKEN or GITHUB_APP_ID)' };
      const { client } = createGitHubClient(g, log, {
        maxRateLimitRetries: 0,
        maxRetries: 0,
        requestTimeoutMs: TIMEOUT_MS,
      });
      const { data } = await client.rest.rateLimit.get();
      const core = data.resources.core;
      const graphql = data.resources.graphql;
      let org = '';
      let selection: { status: 'ok' | 'warn' | 'fail'; detail: string } = { status: 'ok', detail: '' };
      if (!g.org)
        return {
          status: 'warn',
          detail: `${g.apiUrl} answers; GITHUB_ORG is not set, and a sync needs the organisation to read`,
        };
      if (g.org) {
        const o = await client.rest.orgs.get({ org: g.org }).then(
          (r) => r.data,
          (err: unknown) => {
            if (statusOf(err) === 404)
              throw new Error(
                `GITHUB_ORG ${g.org}: no such organisation at ${g.apiUrl}, or the token cannot see it`,
              );
            throw err;
          },
        );
        org = `, org ${o.login}`;
        const listed = await client.paginate(client.rest.repos.listForOrg, { org: g.org, per_page: 100 });
        const all = listed.map((r) => ({
          id: r.node_id,
          owner: r.owner.login,
          name: r.name,
          defaultBranch: '',
          archived: false,
        }));
        const chosen = selectRepositories(all, g.repos);
        const unmatched = unmatchedEntries(all, g.repos);
        const names = all.map((r) => r.name).sort();
        selection =
          chosen.length === 0
            ? {
                status: 'fail',
                detail: g.repos.length
                  ? `GITHUB_REPOS ${g.repos.join(', ')} selects none of the ${all.length} repositories (${firstFew(names)})`
                  : `GITHUB_ORG ${g.org} has no repository this token can read`,
              }
            : {
                status: unmatched.length ? 'warn' : 'ok',
                detail:
                  `; ${chosen.length} of ${all.length} repositories selected` +
                  (unmatched.length ? `; GITHUB_REPOS entries that name none: ${unmatched.join(', ')}` : ''),
              };
      }
      if (selection.status === 'fail') return selection;
      return {
        status: core.remaining > 0 ? selection.status : 'warn',
        detail: `${g.apiUrl}${org}${selection.detail}; REST ${core.remaining}/${core.limit}, GraphQL ${graphql?.remaining ?? '?'}/${graphql?.limit ?? '?'} left`,
      };
    },
  };
}

function jiraCheck(settings: Settings): Check {
  return {
    check: 'jira',
    endpoint: endpointOf(
      'Jira',
      'JIRA_BASE_URL',
      settings.jira.baseUrl ?? '',
      settings.jira.auth?.kind === 'bearer' ? 'JIRA_PAT' : 'JIRA_EMAIL with JIRA_API_TOKEN',
    ),
    run: async () => {
      const j = settings.jira;
      if (!j.baseUrl) return { status: 'skip', detail: 'not configured (JIRA_BASE_URL)' };
      const clients = createJiraClients(j, { timeoutMs: TIMEOUT_MS });
      const me =
        j.auth?.kind === 'bearer'
          ? await clients.v2.myself.getCurrentUser()
          : await clients.v3.myself.getCurrentUser();
      const who = `${j.baseUrl} as ${me.displayName ?? me.accountId ?? me.name ?? 'anonymous'}`;
      if (!j.projects.length) return { status: 'ok', detail: who };
      const wanted = j.projects.map((k) => k.toUpperCase());
      // Data Center lists every project in one answer; Cloud is asked for the keys named.
      const dataCenter = j.auth?.kind === 'bearer';
      const listAll = async () =>
        dataCenter
          ? await clients.base.sendRequest<{ key: string }[]>(
              { url: '/rest/api/2/project', method: 'GET' },
              undefined as never,
            )
          : ((await clients.v3.projects.searchProjects({ maxResults: 50 })).values ?? []);
      const visible = dataCenter
        ? await listAll()
        : ((await clients.v3.projects.searchProjects({ keys: wanted, maxResults: 50 })).values ?? []);
      const keys = visible.map((p) => String(p.key));
      const missing = wanted.filter((k) => !keys.includes(k));
      if (missing.length === wanted.length) {
        const some = (dataCenter ? visible : await listAll()).map((p) => String(p.key)).sort();
        return {
          status: 'fail',
          detail: `JIRA_PROJECTS ${wanted.join(', ')} names none of the projects this user can browse (${firstFew(some)})`,
        };
      }
      return missing.length
        ? {
            status: 'warn',
            detail: `${who}; JIRA_PROJECTS names projects it cannot browse: ${missing.join(', ')}`,
          }
        : { status: 'ok', detail: `${who}; projects ${wanted.join(', ')}` };
    },
  };
}

function openAiCheck(settings: Settings): Check {
  return {
    check: 'openai',
    endpoint: endpointOf('The LLM server', 'OPENAI_BASE_URL', settings.openai.baseUrl, 'OPENAI_API_KEY'),
    run: async () => {
      const o = settings.openai;
      if (!o.apiKey)
        return { status: 'skip', detail: 'no OPENAI_API_KEY: insights come from the rule-based writer' };
      const client = new OpenAI({ apiKey: o.apiKey, baseURL: o.baseUrl, timeout: TIMEOUT_MS, maxRetries: 0 });
      const ids: string[] = [];
      for await (const m of client.models.list()) ids.push(m.id);
      return ids.includes(o.model)
        ? { status: 'ok', detail: `${o.baseUrl}, model ${o.model}` }
        : { status: 'warn', detail: `${o.baseUrl} answers but does not list model ${o.model}` };
    },
  };
}

function slackCheck(settings: Settings): Check {
  return {
    check: 'slack',
    endpoint: endpointOf('Slack', 'SLACK_API_URL', settings.slack.apiUrl, 'SLACK_BOT_TOKEN'),
    run: async () => {
      const s = settings.slack;
      if (!s.botToken) {
        return s.webhookUrl
          ? { status: 'ok', detail: 'webhook set for Grafana alerts (not called: it would post a message)' }
          : { status: 'skip', detail: 'not configured (SLACK_BOT_TOKEN)' };
      }
      const client = new WebClient(s.botToken, {
        slackApiUrl: `${s.apiUrl}/`,
        retryConfig: { retries: 0 },
        timeout: TIMEOUT_MS,
      });
      const auth = await client.auth.test();
      return {
        status: 'ok',
        detail: `workspace ${auth.team ?? '?'} as ${auth.user ?? '?'}${s.channel ? `, channel ${s.channel}` : ''}`,
      };
    },
  };
}

/** Runs every check; none throws, each failure becomes a row. Bad settings come first, one a row. */
export async function runDoctor(
  settings: Settings,
  db: Database | Error,
  log: Logger,
  problems: ConfigError[] = [],
): Promise<CheckResult[]> {
  const settingRows = problems.map((p) => ({
    check: 'settings',
    status: 'fail' as const,
    detail: p.message,
  }));
  const checks: Check[] = [
    ...(db instanceof Error
      ? [{ check: 'database', run: async () => ({ status: 'fail' as const, detail: errorMessage(db) }) }]
      : databaseChecks(settings, db)),
    githubCheck(settings, log),
    jiraCheck(settings),
    openAiCheck(settings),
    slackCheck(settings),
  ];
  const rows = await Promise.all(
    checks.map(async (c) => {
      try {
        return { check: c.check, ...(await timeout(c.run(), c.check)) };
      } catch (err) {
        const detail = c.endpoint ? explain(err, c.endpoint) : errorMessage(err).split('\n')[0]!;
        return { check: c.check, status: 'fail' as const, detail };
      }
    }),
  );
  return [...settingRows, ...rows];
}

export function formatTable(rows: Record<string, string>[], columns: string[]): string {
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    line(columns),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(columns.map((c) => r[c] ?? ''))),
  ].join('\n');
}

/**
 * `engmetrics doctor [--json]`: every check, even with some settings bad (those are rows of
 * their own, and the checks that need them are skipped); exit 1 on a failure.
 */
export async function doctorAction(opts: { json?: boolean }): Promise<void> {
  const { settings, problems } = readSettingsLeniently();
  const log = createLogger({ level: settings.logLevel, secrets: settings.secrets });
  // The organisation file is checked too; a bad one is a row like a bad setting.
  try {
    loadOrganisation(settings.orgFile);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(err);
  }
  const opened = await openDatabase(settings, log).catch((err: unknown) =>
    err instanceof Error ? err : new Error(String(err)),
  );
  const db = opened instanceof Error ? opened : opened.db;
  try {
    const results = await runDoctor(settings, db, log, problems);
    process.stdout.write(
      opts.json
        ? `${JSON.stringify(results, null, 2)}\n`
        : `${formatTable(
            results.map((r) => ({ ...r })),
            ['check', 'status', 'detail'],
          )}\n`,
    );
    if (results.some((r) => r.status === 'fail')) process.exitCode = 1;
  } finally {
    if (!(db instanceof Error)) await db.close();
  }
}
