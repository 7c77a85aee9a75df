import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, errorMessage } from '../errors.js';

/**
 * The optional organisation file (ENGMETRICS_CONFIG): who owns what, and how this
 * organisation's Jira statuses and issue types read as flow stages and flow items.
 * Everything here has a default, so the product runs without the file.
 */

const stage = z.enum(['todo', 'active', 'waiting', 'done']);
const flowItem = z.enum(['feature', 'defect', 'risk', 'debt']);
const deploymentSource = z.enum(['deployments', 'releases', 'workflow', 'merges']);

const repoRef = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9._*?-]+$/, { message: 'must be a repository name or a pattern using * and ?' });

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** An IANA zone the runtime knows (PostgreSQL knows the same database of zones). */
const timeZone = z.string().refine(
  (zone) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone such as Europe/Berlin' },
);

/** The days a team works, for forecasts counted in working days. */
const calendarSchema = z
  .object({
    timezone: timeZone.default('UTC'),
    workingDays: z.array(z.enum(WEEKDAYS)).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri']),
    holidays: z.array(z.iso.date()).default([]),
  })
  .strict();

/** ISO day numbers (Monday 1) of the days a calendar works. */
export function isoWorkingDays(days: readonly (typeof WEEKDAYS)[number][]): number[] {
  return [...new Set(days.map((d) => WEEKDAYS.indexOf(d) + 1))].sort((a, b) => a - b);
}

const teamSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, { message: 'must be letters, digits, space, . _ or -' }),
    github: z
      .object({ repos: z.array(repoRef).default([]) })
      .strict()
      .default({ repos: [] }),
    jira: z
      .object({
        projects: z
          .array(z.string().regex(/^[A-Z][A-Z0-9]+$/, { message: 'must be a Jira project key' }))
          .default([]),
        boards: z.array(z.number().int().positive()).default([]),
      })
      .strict()
      .default({ projects: [], boards: [] }),
    calendar: calendarSchema.optional(),
  })
  .strict();

const repoDeploymentSchema = z
  .object({
    source: deploymentSource.or(z.literal('auto')).default('auto'),
    productionPattern: z.string().optional(),
    workflow: z.string().optional(),
  })
  .strict();

export const organisationSchema = z
  .object({
    teams: z.array(teamSchema).default([]),
    statusStages: z.record(z.string(), stage).default({}),
    flowItems: z.record(z.string(), flowItem).default({}),
    bots: z.array(z.string()).default([]),
    // Unset: the database's rules stand (seeded: type Incident, label incident).
    incidents: z
      .object({
        issueTypes: z.array(z.string()).default([]),
        labels: z.array(z.string()).default([]),
      })
      .strict()
      .optional(),
    // Named JQL queries: each one's issues are read at every Jira sync, for forecasts.
    issueSets: z
      .record(
        z
          .string()
          .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { message: 'must be letters, digits, . _ or -' }),
        z.object({ jql: z.string().min(1) }).strict(),
      )
      .default({}),
    // Unset values keep what the database holds (seeded with the documented defaults).
    deployments: z
      .object({
        productionPattern: z.string().optional(),
        attributionWindowHours: z.number().positive().optional(),
        repos: z.record(z.string(), repoDeploymentSchema).default({}),
      })
      .strict()
      .default({ repos: {} }),
  })
  .strict()
  .superRefine((org, ctx) => {
    const seen = new Set<string>();
    org.teams.forEach((t, i) => {
      if (seen.has(t.name))
        ctx.addIssue({ code: 'custom', path: ['teams', i, 'name'], message: `duplicate team "${t.name}"` });
      seen.add(t.name);
    });
    const patterns: [string, string][] = org.deployments.productionPattern
      ? [['deployments.productionPattern', org.deployments.productionPattern]]
      : [];
    for (const [repo, r] of Object.entries(org.deployments.repos)) {
      if (r.productionPattern)
        patterns.push([`deployments.repos.${repo}.productionPattern`, r.productionPattern]);
      if (r.source === 'workflow' && !r.workflow)
        ctx.addIssue({
          code: 'custom',
          path: ['deployments', 'repos', repo, 'workflow'],
          message: 'is required when source is workflow',
        });
    }
    for (const [path, p] of patterns) {
      try {
        new RegExp(p, 'i');
      } catch {
        ctx.addIssue({ code: 'custom', path: [path], message: `is not a valid regular expression: ${p}` });
      }
    }
  });

export type Organisation = z.infer<typeof organisationSchema>;

/** The default production environments, as seeded in metrics.setting_values. */
export const DEFAULT_PRODUCTION_PATTERN = '^(prod|production)$';
export type Team = Organisation['teams'][number];

export const defaultOrganisation: Organisation = organisationSchema.parse({});

export function parseOrganisation(text: string, variable = 'ENGMETRICS_CONFIG'): Organisation {
  let raw: unknown;
  try {
    raw = parseYaml(text) ?? {};
  } catch (err) {
    throw new ConfigError(variable, `is not valid YAML: ${errorMessage(err).split('\n')[0]}`);
  }
  const parsed = organisationSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    throw new ConfigError(variable, `${where || 'file'} ${issue.message}`);
  }
  return parsed.data;
}

export function loadOrganisation(path: string | undefined): Organisation {
  if (!path) return defaultOrganisation;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      'ENGMETRICS_CONFIG',
      `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`,
    );
  }
  return parseOrganisation(text);
}

/** `payments-*` style patterns: `*` any run of characters, `?` one character, case-insensitive like GitHub. */
export function repoMatches(pattern: string, repo: string): boolean {
  const re = new RegExp(
    '^' +
      pattern
        .replace(/[.+^${}()|[\]\\-]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.') +
      '$',
    'i',
  );
  return re.test(repo);
}
