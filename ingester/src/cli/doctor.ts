import { WebClient } from '@slack/web-api';
import OpenAI from 'openai';
import pg from 'pg';
import type { Settings } from '../config/settings.js';
import type { Database } from '../db/database.js';
import { migrationStatus } from '../db/migrations.js';
import { errorMessage } from '../errors.js';
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

type Check = { check: string; run: () => Promise<Omit<CheckResult, 'check'>> };

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
      if (g.org) {
        const { data: o } = await client.rest.orgs.get({ org: g.org });
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

/** Runs every check; none throws, each failure becomes a row. */
export async function runDoctor(
  settings: Settings,
  db: Database | Error,
  log: Logger,
): Promise<CheckResult[]> {
  const checks: Check[] = [
    ...(db instanceof Error
      ? [{ check: 'database', run: async () => ({ status: 'fail' as const, detail: errorMessage(db) }) }]
      : databaseChecks(settings, db)),
    githubCheck(settings, log),
    jiraCheck(settings),
    openAiCheck(settings),
    slackCheck(settings),
  ];
  return Promise.all(
    checks.map(async (c) => {
      try {
        return { check: c.check, ...(await timeout(c.run(), c.check)) };
      } catch (err) {
        return { check: c.check, status: 'fail' as const, detail: errorMessage(err).split('\n')[0]! };
      }
    }),
  );
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
