import { clockStartingAt, parseInstant, systemClock, type Clock } from '../clock.js';
import { isAbsolute, resolve } from 'node:path';
import cron from 'node-cron';
import { z } from 'zod';
import { ConfigError, ConfigErrors } from '../errors.js';
import { againstFile, readSecretFiles } from './secret-files.js';

/**
 * Every setting comes from the environment and is validated here, once, at start-up.
 * Bad values stop the process with a line naming each variable (see ConfigErrors);
 * secret values are never echoed back.
 */

const blankIsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const optionalString = z.preprocess(blankIsUnset, z.string().optional());
const secret = (minLength = 1) =>
  z.preprocess(
    blankIsUnset,
    z
      .string()
      .min(minLength, { message: `must be at least ${minLength} characters long` })
      .optional(),
  );

const httpUrl = z.preprocess(
  blankIsUnset,
  z
    .string()
    .refine((s) => /^https?:\/\//i.test(s) && URL.canParse(s), {
      message: 'must be an http(s) URL such as https://example.com',
    })
    .transform((s) => s.replace(/\/+$/, '')),
);

const port = (fallback: number) =>
  z.preprocess(
    (v) => blankIsUnset(v) ?? String(fallback),
    z
      .string()
      .regex(/^\d+$/, { message: 'must be a whole number from 1 to 65535' })
      .transform(Number)
      .refine((n) => n >= 1 && n <= 65535, { message: 'must be a whole number from 1 to 65535' }),
  );

const positiveInt = z.preprocess(
  blankIsUnset,
  z
    .string()
    .regex(/^[1-9]\d*$/, { message: 'must be a positive whole number' })
    .transform(Number)
    .optional(),
);

const list = z.preprocess(
  blankIsUnset,
  z
    .string()
    .optional()
    .transform((s) =>
      (s ?? '')
        .split(',')
        .map((x) => x.trim())
        .filter(Boolean),
    ),
);

/** A node-cron expression (five fields, or six with seconds first), or `off`. */
const schedule = (fallback: string) =>
  z.preprocess(
    (v) => blankIsUnset(v) ?? fallback,
    z
      .string()
      .transform((s) => s.trim().replace(/\s+/g, ' '))
      .refine((s) => s.toLowerCase() === 'off' || cron.validate(s), {
        message: 'must be a cron expression such as "0 * * * *" (minute hour day month weekday), or off',
      })
      .transform((s) => (s.toLowerCase() === 'off' ? null : s)),
  );

const timezone = z.preprocess(
  blankIsUnset,
  z
    .string()
    .refine(
      (tz) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: tz });
          return true;
        } catch {
          return false;
        }
      },
      { message: 'must be an IANA time zone such as Europe/Berlin or UTC' },
    )
    .optional(),
);

const postgresUrl = z.preprocess(
  blankIsUnset,
  z
    .string()
    .refine((s) => /^postgres(ql)?:\/\//i.test(s) && URL.canParse(s), {
      message: 'must be a postgres:// or postgresql:// connection URL',
    })
    .optional(),
);

const envSchema = z.object({
  DATABASE_URL: postgresUrl,
  DATABASE_PASSWORD: secret(),
  ENGMETRICS_DATA_DIR: z.preprocess((v) => blankIsUnset(v) ?? './data', z.string()),
  ENGMETRICS_PG_PORT: port(54329),
  ENGMETRICS_CONFIG: optionalString,
  ENGMETRICS_NOW: z.preprocess(
    blankIsUnset,
    z
      .string()
      .transform((v, ctx) => {
        const at = parseInstant(v);
        if (!at) {
          ctx.addIssue({
            code: 'custom',
            message: 'must be an ISO 8601 instant with its offset (2026-12-06T10:00:00Z) or a date',
          });
          return z.NEVER;
        }
        return at;
      })
      .optional(),
  ),
  PORT: port(8080),
  HOST: z.preprocess((v) => blankIsUnset(v) ?? '127.0.0.1', z.string()),
  API_TOKEN: secret(16),
  LOG_LEVEL: z.preprocess(
    (v) => blankIsUnset(v) ?? 'info',
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'must be one of fatal, error, warn, info, debug, trace, silent',
    }),
  ),

  GITHUB_API_URL: z.preprocess((v) => blankIsUnset(v) ?? 'https://api.github.com', httpUrl),
  GITHUB_TOKEN: secret(),
  GITHUB_APP_ID: positiveInt,
  GITHUB_APP_PRIVATE_KEY: secret(),
  GITHUB_APP_INSTALLATION_ID: positiveInt,
  GITHUB_ORG: z.preprocess(
    blankIsUnset,
    z
      .string()
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, { message: 'must be a GitHub organisation login' })
      .optional(),
  ),
  GITHUB_REPOS: list,

  // Blank is unset, as for every setting (compose passes an unset variable as blank).
  JIRA_BASE_URL: z.preprocess(blankIsUnset, httpUrl.optional()),
  JIRA_EMAIL: z.preprocess(
    blankIsUnset,
    z
      .string()
      .regex(/^[^@\s]+@[^@\s]+$/, { message: 'must be an email address' })
      .optional(),
  ),
  JIRA_API_TOKEN: secret(),
  JIRA_PAT: secret(),
  JIRA_PROJECTS: list,

  OPENAI_API_KEY: secret(),
  OPENAI_BASE_URL: z.preprocess((v) => blankIsUnset(v) ?? 'https://api.openai.com/v1', httpUrl),
  OPENAI_MODEL: z.preprocess((v) => blankIsUnset(v) ?? 'gpt-4.1', z.string()),
  OPENAI_TIMEOUT_MS: z.preprocess(
    (v) => blankIsUnset(v) ?? '20000',
    z
      .string()
      .regex(/^\d+$/, { message: 'must be a whole number of milliseconds from 100 to 300000' })
      .transform(Number)
      .refine((n) => n >= 100 && n <= 300_000, {
        message: 'must be a whole number of milliseconds from 100 to 300000',
      }),
  ),

  SLACK_BOT_TOKEN: secret(),
  SLACK_CHANNEL: optionalString,
  SLACK_API_URL: z.preprocess((v) => blankIsUnset(v) ?? 'https://slack.com/api', httpUrl),
  SLACK_WEBHOOK_URL: z.preprocess(blankIsUnset, httpUrl.optional()),

  GRAFANA_URL: z.preprocess((v) => blankIsUnset(v) ?? 'http://localhost:3000', httpUrl),
  GRAFANA_READER_PASSWORD: secret(8),

  SCHEDULER: z.preprocess(
    (v) => (blankIsUnset(v) as string | undefined)?.toLowerCase() ?? 'on',
    z.enum(['on', 'off'], { message: 'must be on or off' }),
  ),
  SCHEDULE_TIMEZONE: timezone,
  SCHEDULE_GITHUB: schedule('0 * * * *'),
  SCHEDULE_JIRA: schedule('30 */2 * * *'),
  SCHEDULE_REFRESH: schedule('0 2 * * *'),
  SCHEDULE_SLACK: schedule('0 9 * * 1-5'),
});

type Env = z.infer<typeof envSchema>;

export interface Settings {
  /** Now, for everything the ingester computes (ENGMETRICS_NOW starts it at a chosen instant). */
  clock: Clock;
  database: { url?: string; dataDir: string; embeddedPort: number };
  orgFile?: string;
  api: { host: string; port: number; token?: string };
  logLevel: Env['LOG_LEVEL'];
  github: {
    apiUrl: string;
    token?: string;
    app?: { appId: number; privateKey: string; installationId?: number };
    org?: string;
    repos: string[];
  };
  jira: {
    baseUrl?: string;
    auth?: { kind: 'basic'; email: string; apiToken: string } | { kind: 'bearer'; pat: string };
    projects: string[];
  };
  openai: { apiKey?: string; baseUrl: string; model: string; timeoutMs: number };
  slack: { botToken?: string; channel?: string; apiUrl: string; webhookUrl?: string };
  grafana: { url: string; readerPassword?: string };
  /** `engmetrics serve`'s jobs: cron expressions, null when switched off. */
  schedule: {
    enabled: boolean;
    /** IANA zone the expressions (and Slack's one-post-a-day) are read in; unset: the host's. */
    timezone?: string;
    github: string | null;
    jira: string | null;
    refresh: string | null;
    slack: string | null;
  };
  /** Every secret value, so the logger can scrub them from any line. */
  secrets: string[];
}

/** Rules that tie several variables together; each names the variable to fix. */
function crossCheck(e: Env): ConfigError[] {
  const problems: ConfigError[] = [];
  const problem = (variable: string, message: string) => problems.push(new ConfigError(variable, message));
  if (e.DATABASE_PASSWORD !== undefined && e.DATABASE_URL === undefined)
    problem('DATABASE_PASSWORD', 'is the password of DATABASE_URL, which is unset');
  if (e.DATABASE_PASSWORD !== undefined && e.DATABASE_URL && new URL(e.DATABASE_URL).password)
    problem('DATABASE_PASSWORD', 'DATABASE_URL carries a password already: keep one of the two');
  if (e.GITHUB_APP_ID !== undefined && e.GITHUB_APP_PRIVATE_KEY === undefined)
    problem('GITHUB_APP_PRIVATE_KEY', 'is required when GITHUB_APP_ID is set');
  if (e.GITHUB_APP_PRIVATE_KEY !== undefined && e.GITHUB_APP_ID === undefined)
    problem('GITHUB_APP_ID', 'is required when GITHUB_APP_PRIVATE_KEY is set');
  if (
    e.GITHUB_APP_PRIVATE_KEY !== undefined &&
    !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(pem(e.GITHUB_APP_PRIVATE_KEY))
  )
    problem('GITHUB_APP_PRIVATE_KEY', 'must be a PEM private key (-----BEGIN … PRIVATE KEY-----)');
  if (e.GITHUB_TOKEN !== undefined && e.GITHUB_APP_ID !== undefined)
    problem('GITHUB_TOKEN', 'set either GITHUB_TOKEN or the GITHUB_APP_* credentials, not both');
  if (e.JIRA_EMAIL !== undefined && e.JIRA_API_TOKEN === undefined)
    problem('JIRA_API_TOKEN', 'is required when JIRA_EMAIL is set (Jira Cloud basic auth)');
  if (e.JIRA_API_TOKEN !== undefined && e.JIRA_EMAIL === undefined)
    problem('JIRA_EMAIL', 'is required when JIRA_API_TOKEN is set (Jira Cloud basic auth)');
  if (e.JIRA_PAT !== undefined && e.JIRA_API_TOKEN !== undefined)
    problem('JIRA_PAT', 'set either JIRA_PAT (Data Center) or JIRA_EMAIL + JIRA_API_TOKEN (Cloud), not both');
  if ((e.JIRA_API_TOKEN !== undefined || e.JIRA_PAT !== undefined) && e.JIRA_BASE_URL === undefined)
    problem('JIRA_BASE_URL', 'is required when Jira credentials are set');
  if (e.SLACK_BOT_TOKEN !== undefined && !/^xox[a-z]-/.test(e.SLACK_BOT_TOKEN))
    problem('SLACK_BOT_TOKEN', 'must be a Slack token starting with xoxb- (or another xox?- prefix)');
  return problems;
}

/** Private keys often arrive through .env files with literal "\n" sequences. */
function pem(key: string): string {
  return key.includes('\\n') ? key.replace(/\\n/g, '\n') : key;
}

function secretsOf(e: Env): string[] {
  const values = [
    e.DATABASE_PASSWORD,
    e.API_TOKEN,
    e.GITHUB_TOKEN,
    e.GITHUB_APP_PRIVATE_KEY,
    e.JIRA_API_TOKEN,
    e.JIRA_PAT,
    e.OPENAI_API_KEY,
    e.SLACK_BOT_TOKEN,
    e.SLACK_WEBHOOK_URL,
    e.GRAFANA_READER_PASSWORD,
  ];
  if (e.DATABASE_URL) {
    const password = new URL(e.DATABASE_URL).password;
    if (password) values.push(decodeURIComponent(password), password);
  }
  return values.filter((v): v is string => typeof v === 'string' && v.length >= 4);
}

/**
 * Relative paths are read from where the user ran the command: npm runs workspace
 * scripts inside the workspace folder but records the caller's folder in INIT_CWD.
 */
function fromInvocationDir(path: string, env: NodeJS.ProcessEnv): string {
  return isAbsolute(path) ? path : resolve(env.INIT_CWD ?? process.cwd(), path);
}

/** Every problem of the environment: each malformed variable, then the rules that tie several. */
function problemsOf(env: NodeJS.ProcessEnv): { env?: Env; problems: ConfigError[] } {
  const files = readSecretFiles(env);
  const parsed = envSchema.safeParse(files.env);
  if (!parsed.success) {
    const byVariable = new Map<string, ConfigError>();
    for (const issue of parsed.error.issues) {
      const variable = String(issue.path[0] ?? 'environment');
      if (!byVariable.has(variable))
        byVariable.set(variable, againstFile(new ConfigError(variable, issue.message), files.fromFile));
    }
    return { problems: [...files.problems, ...byVariable.values()] };
  }
  const problems = [...files.problems, ...crossCheck(parsed.data)];
  return problems.length ? { problems } : { env: parsed.data, problems: [] };
}

/** DATABASE_URL with DATABASE_PASSWORD as its password, which the URL object percent-encodes. */
function databaseUrl(e: Env): string | undefined {
  if (e.DATABASE_URL === undefined || e.DATABASE_PASSWORD === undefined) return e.DATABASE_URL;
  const url = new URL(e.DATABASE_URL);
  url.password = e.DATABASE_PASSWORD;
  return url.href;
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const { env: e, problems } = problemsOf(env);
  if (!e) throw problems.length === 1 ? problems[0]! : new ConfigErrors(problems);
  return settingsOf(e, env);
}

/**
 * The settings as far as they can be read, for `doctor`: each bad variable is left unset
 * (its default, or off) and reported, so every check that does not need it still runs.
 */
export function readSettingsLeniently(env: NodeJS.ProcessEnv = process.env): {
  settings: Settings;
  problems: ConfigError[];
} {
  const problems: ConfigError[] = [];
  let current = { ...env };
  for (;;) {
    const found = problemsOf(current);
    if (found.env) return { settings: settingsOf(found.env, env), problems };
    problems.push(...found.problems);
    const next = { ...current };
    for (const p of found.problems) {
      // A rule may name a variable that is unset (JIRA_BASE_URL, needed by the Jira credentials):
      // then that service's settings go, and its check is skipped.
      const drop =
        p.variable in next
          ? [p.variable]
          : Object.keys(next).filter((k) => k.startsWith(serviceOf(p.variable)));
      for (const k of drop) delete next[k];
    }
    if (Object.keys(next).length === Object.keys(current).length) throw new ConfigErrors(problems);
    current = next;
  }
}

/** JIRA_ of JIRA_BASE_URL: the service a variable belongs to. */
const serviceOf = (variable: string) => `${variable.split('_')[0]}_`;

function settingsOf(e: Env, env: NodeJS.ProcessEnv): Settings {
  return {
    clock: e.ENGMETRICS_NOW ? clockStartingAt(e.ENGMETRICS_NOW) : systemClock,
    database: {
      url: databaseUrl(e),
      dataDir: fromInvocationDir(e.ENGMETRICS_DATA_DIR, env),
      embeddedPort: e.ENGMETRICS_PG_PORT,
    },
    orgFile: e.ENGMETRICS_CONFIG === undefined ? undefined : fromInvocationDir(e.ENGMETRICS_CONFIG, env),
    api: { host: e.HOST, port: e.PORT, token: e.API_TOKEN },
    logLevel: e.LOG_LEVEL,
    github: {
      apiUrl: e.GITHUB_API_URL,
      token: e.GITHUB_TOKEN,
      app:
        e.GITHUB_APP_ID !== undefined && e.GITHUB_APP_PRIVATE_KEY !== undefined
          ? {
              appId: e.GITHUB_APP_ID,
              privateKey: pem(e.GITHUB_APP_PRIVATE_KEY),
              installationId: e.GITHUB_APP_INSTALLATION_ID,
            }
          : undefined,
      org: e.GITHUB_ORG,
      repos: e.GITHUB_REPOS,
    },
    jira: {
      baseUrl: e.JIRA_BASE_URL,
      auth:
        e.JIRA_PAT !== undefined
          ? { kind: 'bearer', pat: e.JIRA_PAT }
          : e.JIRA_EMAIL !== undefined && e.JIRA_API_TOKEN !== undefined
            ? { kind: 'basic', email: e.JIRA_EMAIL, apiToken: e.JIRA_API_TOKEN }
            : undefined,
      projects: e.JIRA_PROJECTS,
    },
    openai: {
      apiKey: e.OPENAI_API_KEY,
      baseUrl: e.OPENAI_BASE_URL,
      model: e.OPENAI_MODEL,
      timeoutMs: e.OPENAI_TIMEOUT_MS,
    },
    slack: {
      botToken: e.SLACK_BOT_TOKEN,
      channel: e.SLACK_CHANNEL,
      apiUrl: e.SLACK_API_URL,
      webhookUrl: e.SLACK_WEBHOOK_URL,
    },
    grafana: { url: e.GRAFANA_URL, readerPassword: e.GRAFANA_READER_PASSWORD },
    schedule: {
      enabled: e.SCHEDULER === 'on',
      timezone: e.SCHEDULE_TIMEZONE,
      github: e.SCHEDULE_GITHUB,
      jira: e.SCHEDULE_JIRA,
      refresh: e.SCHEDULE_REFRESH,
      slack: e.SCHEDULE_SLACK,
    },
    secrets: secretsOf(e),
  };
}
